// One kernel socket as a JavaScript object. The addon is deliberately generic: it moves bytes,
// socket addresses (as raw sockaddr bytes) and control messages; every packet, address and
// netlink codec lives in TypeScript.
#pragma once
#include <napi.h>
#include <sys/socket.h>
#include <uv.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <set>
#include <vector>

namespace netdiag {

/** A datagram that met EAGAIN: kept, with its control messages, until the socket is writable. */
struct PendingSend {
  std::vector<uint8_t> data;
  sockaddr_storage address;
  socklen_t addressLength;
  std::vector<uint8_t> control;
  double token;
};

class Socket;

/** Per-environment (main thread or worker) state: the constructor and the sockets still open. */
struct AddonData {
  Napi::FunctionReference constructor;
  std::set<Socket*> open;
};

class Socket : public Napi::ObjectWrap<Socket> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit Socket(const Napi::CallbackInfo& info);
  ~Socket() override;
  /** Stops polling and closes the descriptor; idempotent (JS close, env teardown, finalizer). */
  void Shutdown();

 private:
  Napi::Value SetOption(const Napi::CallbackInfo& info);
  Napi::Value GetOption(const Napi::CallbackInfo& info);
  Napi::Value Bind(const Napi::CallbackInfo& info);
  Napi::Value Connect(const Napi::CallbackInfo& info);
  Napi::Value LocalAddress(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  Napi::Value ReceiveInto(const Napi::CallbackInfo& info);
  Napi::Value Ref(const Napi::CallbackInfo& info);
  Napi::Value Unref(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Drain(const Napi::CallbackInfo& info);
  Napi::Value QueueLength(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);

  static void OnPoll(uv_poll_t* handle, int status, int events);
  void DrainReceive(Napi::Env env);
  void DrainErrorQueue(Napi::Env env);
  void FlushQueue(Napi::Env env);
  void UpdatePoll();
  void Deliver(Napi::Env env, const Napi::FunctionReference& fn, const std::vector<napi_value>& args);
  void HandlePoll(int status, int events);
  std::vector<uint8_t> BuildControl(const Napi::CallbackInfo& info);
  void CheckOpen(Napi::Env env, const char* syscall);
  void DeliverShared(Napi::Env env, size_t length, socklen_t fromLength, const sockaddr_storage& from, int64_t kernelNs,
                     int ttl, int ifindex, bool truncated);

  int fd_ = -1;
  int domain_ = 0;
  uv_poll_t* poll_ = nullptr;
  bool closed_ = false;
  bool polling_ = false;
  int pollEvents_ = 0;
  size_t queueLimit_ = 1024;
  std::vector<uint8_t> buffer_;
  std::vector<uint8_t> controlBuffer_;
  std::deque<PendingSend> queue_;
  Napi::FunctionReference onMessage_;
  Napi::FunctionReference onErrorQueue_;
  Napi::FunctionReference onSent_;
  // receiveInto(): datagrams read straight into JavaScript's buffer, the sender's sockaddr into
  // another, and the listener called with numbers alone (no object made per datagram).
  Napi::ObjectReference sharedData_;
  Napi::ObjectReference sharedFrom_;
  uint8_t* sharedDataBytes_ = nullptr;
  size_t sharedDataLength_ = 0;
  uint8_t* sharedFromBytes_ = nullptr;
  size_t sharedFromLength_ = 0;
  Napi::FunctionReference onShared_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
  AddonData* addon_ = nullptr;
};

/** routeSource(sockaddr): the local sockaddr the kernel's route toward it would use. */
Napi::Value RouteSource(const Napi::CallbackInfo& info);

}  // namespace netdiag
