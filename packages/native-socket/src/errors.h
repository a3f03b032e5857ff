// Errors thrown to JavaScript carry what Node's own system errors carry: `code` (the errno
// name, e.g. "EPERM"), `errno` (the positive C errno) and `syscall`.
#pragma once
#include <napi.h>

namespace netdiag {

Napi::Error SystemError(Napi::Env env, int err, const char* syscall);
Napi::Error CodedError(Napi::Env env, const char* code, int err, const char* syscall, const std::string& message);

}  // namespace netdiag
