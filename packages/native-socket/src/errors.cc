#include "errors.h"

#include <uv.h>

#include <cstring>
#include <string>

namespace netdiag {

Napi::Error CodedError(Napi::Env env, const char* code, int err, const char* syscall, const std::string& message) {
  Napi::Error e = Napi::Error::New(env, message);
  e.Set("code", Napi::String::New(env, code));
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("syscall", Napi::String::New(env, syscall));
  return e;
}

Napi::Error SystemError(Napi::Env env, int err, const char* syscall) {
  // uv_err_name knows every errno Linux returns from socket calls, by its usual name.
  const char* code = uv_err_name(-err);
  std::string message = std::string(syscall) + " " + code + ": " + std::strerror(err);
  return CodedError(env, code, err, syscall, message);
}

}  // namespace netdiag
