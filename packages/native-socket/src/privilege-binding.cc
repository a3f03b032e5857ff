// JavaScript bindings of privilege.cc and helper-client.cc.
#include <uv.h>

#include "errors.h"
#include "privilege.h"

namespace netdiag {

namespace {

// dropPrivileges(keep: number[], user: { uid, gid, groups: number[] } | null)
Napi::Value DropPrivileges(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsArray() || !(info[1].IsNull() || info[1].IsObject()))
    throw Napi::TypeError::New(env, "dropPrivileges(keep: number[], user: { uid, gid, groups } | null)");
  uint64_t keep = 0;
  Napi::Array caps = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < caps.Length(); i++) {
    uint32_t cap = caps.Get(i).As<Napi::Number>().Uint32Value();
    if (cap > 63) throw Napi::RangeError::New(env, "capability numbers are 0 to 63");
    keep |= uint64_t(1) << cap;
  }
  bool switchUser = info[1].IsObject();
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
  if (switchUser) {
    Napi::Object user = info[1].As<Napi::Object>();
    uid = user.Get("uid").As<Napi::Number>().Uint32Value();
    gid = user.Get("gid").As<Napi::Number>().Uint32Value();
    Napi::Array list = user.Get("groups").As<Napi::Array>();
    for (uint32_t i = 0; i < list.Length(); i++) groups.push_back(list.Get(i).As<Napi::Number>().Uint32Value());
  }
  std::string problem = DropPrivilegesEverywhere(keep, switchUser, uid, gid, groups);
  if (!problem.empty()) throw Napi::Error::New(env, "dropping privilege: " + problem);
  return env.Undefined();
}

// checkThreads(want: number, uid: number): the number of threads read, each holding exactly
// `want` (capability bits, below 2^53) and, unless uid is -1, that uid; throws naming the first
// thread that does not.
Napi::Value CheckThreadsBinding(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber())
    throw Napi::TypeError::New(env, "checkThreads(want: number, uid: number)");
  double want = info[0].As<Napi::Number>().DoubleValue();
  if (!(want >= 0 && want < 9007199254740992.0)) throw Napi::RangeError::New(env, "checkThreads: want is a capability mask");
  int64_t uid = info[1].As<Napi::Number>().Int64Value();
  int count = 0;
  ThreadReadFailure failure;
  std::string problem = CheckThreads(uint64_t(want), uid >= 0, uid_t(uid), count, failure);
  if (failure.err != 0) {
    // Shaped as Node's own fs errors (`EMFILE: too many open files, open '/proc/...'`, with code,
    // errno, syscall and path), so that the CLI reports it as it reports theirs.
    const char* code = uv_err_name(-failure.err);
    Napi::Error e = CodedError(env, code, failure.err, failure.syscall,
                               std::string(code) + ": " + uv_strerror(-failure.err) + ", " + failure.syscall +
                                   " '" + failure.path + "'");
    e.Set("path", Napi::String::New(env, failure.path));
    throw e;
  }
  if (!problem.empty()) throw Napi::Error::New(env, problem);
  return Napi::Number::New(env, count);
}

// helperOpen(path, domain, type, protocol): a descriptor, or throws a coded error.
Napi::Value HelperOpen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber())
    throw Napi::TypeError::New(env, "helperOpen(path, domain, type, protocol)");
  std::string error;
  int errnum = 0;
  int fd = OpenThroughHelper(info[0].As<Napi::String>().Utf8Value(), info[1].As<Napi::Number>().Int32Value(),
                             info[2].As<Napi::Number>().Int32Value(), info[3].As<Napi::Number>().Int32Value(), error,
                             errnum);
  if (fd < 0) throw CodedError(env, uv_err_name(-errnum), errnum, "socket", error);
  return Napi::Number::New(env, fd);
}

}  // namespace

void DefinePrivilege(Napi::Env env, Napi::Object exports) {
  exports.Set("dropPrivileges", Napi::Function::New<DropPrivileges>(env, "dropPrivileges"));
  exports.Set("helperOpen", Napi::Function::New<HelperOpen>(env, "helperOpen"));
  exports.Set("checkThreads", Napi::Function::New<CheckThreadsBinding>(env, "checkThreads"));
}

}  // namespace netdiag
