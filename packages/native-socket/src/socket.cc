#include "socket.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/errqueue.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cstring>

#include "errors.h"
#include "privilege.h"

namespace netdiag {

namespace {

/** Messages read per wake-up before yielding to the event loop (the poll fires again if more). */
constexpr int kMaxBatch = 512;
/** Room for every control message we ask for: timestamp, TTL/hop limit, pktinfo, extended error. */
constexpr size_t kControlSpace = 512;

int64_t Nanoseconds(const timespec& ts) { return int64_t(ts.tv_sec) * 1000000000LL + ts.tv_nsec; }

/**
 * CLOCK_MONOTONIC minus CLOCK_REALTIME, now. The kernel stamps packets (SO_TIMESTAMPNS) with the
 * real-time clock; process.hrtime.bigint() reads the monotonic one. Reading the real-time clock
 * between two monotonic reads and taking their midpoint bounds the error by half the bracket
 * (tens of ns); it is measured per batch, within microseconds of the packets' arrival, so clock
 * slewing in between is negligible (only a step of the real-time clock inside that window errs).
 */
int64_t MonotonicMinusRealtime() {
  timespec m1, r, m2;
  clock_gettime(CLOCK_MONOTONIC, &m1);
  clock_gettime(CLOCK_REALTIME, &r);
  clock_gettime(CLOCK_MONOTONIC, &m2);
  return (Nanoseconds(m1) + Nanoseconds(m2)) / 2 - Nanoseconds(r);
}

int64_t MonotonicNow() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return Nanoseconds(ts);
}

bool IsBufferLike(const Napi::Value& v) { return v.IsBuffer() || v.IsTypedArray(); }

/** The bytes of a Buffer or Uint8Array argument. */
std::pair<const uint8_t*, size_t> Bytes(const Napi::Value& v) {
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<uint8_t>>();
    return {b.Data(), b.Length()};
  }
  auto t = v.As<Napi::Uint8Array>();
  return {t.Data(), t.ByteLength()};
}

void CopyAddress(const Napi::Value& v, sockaddr_storage* out, socklen_t* len) {
  auto [data, n] = Bytes(v);
  if (n < sizeof(sa_family_t) || n > sizeof(sockaddr_storage)) {
    throw Napi::TypeError::New(v.Env(), "socket address must be 2 to 128 bytes of sockaddr");
  }
  std::memset(out, 0, sizeof(*out));
  std::memcpy(out, data, n);
  *len = socklen_t(n);
}

template <typename T>
void PutControl(std::vector<uint8_t>& control, int level, int type, const T& value) {
  size_t at = control.size();
  control.resize(at + CMSG_SPACE(sizeof(T)), 0);
  auto* cmsg = reinterpret_cast<cmsghdr*>(control.data() + at);
  cmsg->cmsg_level = level;
  cmsg->cmsg_type = type;
  cmsg->cmsg_len = CMSG_LEN(sizeof(T));
  std::memcpy(CMSG_DATA(cmsg), &value, sizeof(T));
}

ssize_t SendOne(int fd, const uint8_t* data, size_t length, const sockaddr_storage* address, socklen_t addressLength,
                const std::vector<uint8_t>& control) {
  iovec iov{const_cast<uint8_t*>(data), length};
  msghdr msg{};
  msg.msg_name = addressLength ? const_cast<sockaddr_storage*>(address) : nullptr;
  msg.msg_namelen = addressLength;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.empty() ? nullptr : const_cast<uint8_t*>(control.data());
  msg.msg_controllen = control.size();
  ssize_t n;
  do {
    n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
    // The kernel reports a pending asynchronous error (sk_err, set by an ICMP error about an
    // earlier datagram) on the next send instead of sending it. That error belongs to the earlier
    // datagram (its details are on the error queue, or arrived as an ICMP packet on raw sockets),
    // so send once more: this datagram's own error, if it has one, comes back again.
    do {
      n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
  }
  return n;
}

/** Takes `fd` as this socket's if it is the socket asked for, made non-blocking and close-on-exec. */
int AdoptDescriptor(Napi::Env env, int fd, int domain, int type, int protocol) {
  // Ours from here on: closed if it cannot be used, as a socket() that failed leaves nothing open.
  if (!SocketIs(fd, domain, type, protocol)) {
    ::close(fd);
    throw Napi::TypeError::New(env, "the descriptor is not the socket described");
  }
  int flags = fcntl(fd, F_GETFL);
  if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0 || fcntl(fd, F_SETFD, FD_CLOEXEC) != 0) {
    int err = errno;
    ::close(fd);
    throw SystemError(env, err, "fcntl");
  }
  return fd;
}

}  // namespace

// Which source address the kernel would give a datagram to the sockaddr in info[0]: a UDP socket
// connected there (connect on UDP only consults the routing table; nothing is sent) and its local
// address read back, as iputils asks. One call, where doing it through a NativeSocket took five
// and the socket's set-up for receiving (0.5 ms of a trace's start on Node 24).
Napi::Value RouteSource(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !IsBufferLike(info[0])) throw Napi::TypeError::New(env, "routeSource(sockaddr)");
  sockaddr_storage to;
  socklen_t toLength;
  CopyAddress(info[0], &to, &toLength);
  if (to.ss_family != AF_INET && to.ss_family != AF_INET6)
    throw Napi::TypeError::New(env, "routeSource: an IPv4 or IPv6 address");
  int fd = ::socket(to.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, IPPROTO_UDP);
  if (fd < 0) throw SystemError(env, errno, "socket");
  sockaddr_storage local{};
  socklen_t localLength = sizeof(local);
  const char* failed = nullptr;
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), toLength) < 0)
    failed = "connect";
  else if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &localLength) < 0)
    failed = "getsockname";
  int err = errno;
  ::close(fd);
  if (failed != nullptr) throw SystemError(env, err, failed);
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&local), localLength);
}

Napi::Function Socket::Define(Napi::Env env) {
  return DefineClass(env, "NativeSocket",
                     {
                         InstanceMethod<&Socket::SetOption>("setOption"),
                         InstanceMethod<&Socket::GetOption>("getOption"),
                         InstanceMethod<&Socket::Bind>("bind"),
                         InstanceMethod<&Socket::Connect>("connect"),
                         InstanceMethod<&Socket::LocalAddress>("localAddress"),
                         InstanceMethod<&Socket::Send>("send"),
                         InstanceMethod<&Socket::ReceiveInto>("receiveInto"),
                         InstanceMethod<&Socket::Ref>("ref"),
                         InstanceMethod<&Socket::Unref>("unref"),
                         InstanceMethod<&Socket::Close>("close"),
                         InstanceMethod<&Socket::Drain>("drain"),
                         InstanceAccessor<&Socket::QueueLength>("queueLength"),
                         InstanceAccessor<&Socket::Fd>("fd"),
                     });
}

// new NativeSocket(domain, type, protocol, receiveBufferBytes, queueLimit, onMessage, onErrorQueue, onSent)
Socket::Socket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Socket>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 8 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsNumber() ||
      !info[4].IsNumber() || !info[5].IsFunction() || !info[6].IsFunction() || !info[7].IsFunction()) {
    throw Napi::TypeError::New(env, "NativeSocket(domain, type, protocol, bufferBytes, queueLimit, onMessage, onErrorQueue, onSent)");
  }
  domain_ = info[0].As<Napi::Number>().Int32Value();
  int type = info[1].As<Napi::Number>().Int32Value();
  int protocol = info[2].As<Napi::Number>().Int32Value();
  uint32_t bufferBytes = info[3].As<Napi::Number>().Uint32Value();
  queueLimit_ = info[4].As<Napi::Number>().Uint32Value();
  if (bufferBytes < 64 || bufferBytes > (1u << 24)) throw Napi::RangeError::New(env, "receive buffer must be 64 bytes to 16 MiB");

  // A 9th argument: a descriptor already open (by the privileged helper) to adopt instead.
  if (info.Length() > 8 && info[8].IsNumber()) {
    fd_ = AdoptDescriptor(env, info[8].As<Napi::Number>().Int32Value(), domain_, type, protocol);
  } else {
    fd_ = socket(domain_, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);
    if (fd_ < 0) throw SystemError(env, errno, "socket");
  }

  buffer_.resize(bufferBytes);
  controlBuffer_.resize(kControlSpace);
  onMessage_ = Napi::Persistent(info[5].As<Napi::Function>());
  onErrorQueue_ = Napi::Persistent(info[6].As<Napi::Function>());
  onSent_ = Napi::Persistent(info[7].As<Napi::Function>());
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "netdiag:NativeSocket", info.This().As<Napi::Object>());

  // The loop of the environment that opened the socket: a worker's own loop in a worker.
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) {
    ::close(fd_);
    fd_ = -1;
    throw Napi::Error::New(env, "no libuv loop for this environment");
  }
  poll_ = new uv_poll_t;
  int rc = uv_poll_init(loop, poll_, fd_);
  if (rc != 0) {
    delete poll_;
    poll_ = nullptr;
    ::close(fd_);
    fd_ = -1;
    throw SystemError(env, -rc, "uv_poll_init");
  }
  poll_->data = this;
  addon_ = env.GetInstanceData<AddonData>();
  addon_->open.insert(this);
  // Held strongly while open: a socket that is receiving must not be collected under its poll.
  Napi::ObjectWrap<Socket>::Ref();
  UpdatePoll();
}

Socket::~Socket() { Shutdown(); }

void Socket::Shutdown() {
  if (closed_) return;
  closed_ = true;
  if (addon_) addon_->open.erase(this);
  if (poll_) {
    uv_poll_stop(poll_);
    poll_->data = nullptr;
    // The handle outlives this object until libuv is done with it.
    uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  queue_.clear();
  sharedDataBytes_ = nullptr;
  sharedFromBytes_ = nullptr;
}

void Socket::CheckOpen(Napi::Env env, const char* syscall) {
  if (closed_) throw CodedError(env, "EBADF", EBADF, syscall, std::string(syscall) + " EBADF: socket is closed");
}

void Socket::UpdatePoll() {
  if (closed_ || !poll_) return;
  int events = UV_READABLE | (queue_.empty() ? 0 : UV_WRITABLE);
  if (polling_ && events == pollEvents_) return;
  int rc = uv_poll_start(poll_, events, &Socket::OnPoll);
  polling_ = rc == 0;
  pollEvents_ = events;
}

Napi::Value Socket::SetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "setsockopt");
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "setOption(level, name, value)");
  int level = info[0].As<Napi::Number>().Int32Value();
  int name = info[1].As<Napi::Number>().Int32Value();
  int rc;
  if (info[2].IsNumber()) {
    int value = info[2].As<Napi::Number>().Int32Value();
    rc = setsockopt(fd_, level, name, &value, sizeof(value));
  } else if (IsBufferLike(info[2])) {
    auto [data, n] = Bytes(info[2]);
    rc = setsockopt(fd_, level, name, data, socklen_t(n));
  } else {
    throw Napi::TypeError::New(env, "option value must be an integer or bytes");
  }
  if (rc < 0) throw SystemError(env, errno, "setsockopt");
  return env.Undefined();
}

// getOption(level, name) -> integer; getOption(level, name, bytes) -> Buffer of at most `bytes`.
Napi::Value Socket::GetOption(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "getsockopt");
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "getOption(level, name, bytes?)");
  int level = info[0].As<Napi::Number>().Int32Value();
  int name = info[1].As<Napi::Number>().Int32Value();
  if (info.Length() >= 3 && info[2].IsNumber()) {
    uint32_t want = info[2].As<Napi::Number>().Uint32Value();
    if (want > 65536) throw Napi::RangeError::New(env, "option buffer at most 65536 bytes");
    std::vector<uint8_t> out(want);
    socklen_t len = want;
    if (getsockopt(fd_, level, name, out.data(), &len) < 0) throw SystemError(env, errno, "getsockopt");
    return Napi::Buffer<uint8_t>::Copy(env, out.data(), len);
  }
  int value = 0;
  socklen_t len = sizeof(value);
  if (getsockopt(fd_, level, name, &value, &len) < 0) throw SystemError(env, errno, "getsockopt");
  // Some options are a single byte (IP_MULTICAST_TTL may be); anything shorter than int is zero-extended.
  return Napi::Number::New(env, value);
}

Napi::Value Socket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "bind");
  if (info.Length() < 1 || !IsBufferLike(info[0])) throw Napi::TypeError::New(env, "bind(sockaddr)");
  sockaddr_storage addr;
  socklen_t len;
  CopyAddress(info[0], &addr, &len);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0) throw SystemError(env, errno, "bind");
  return env.Undefined();
}

Napi::Value Socket::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "connect");
  if (info.Length() < 1 || !IsBufferLike(info[0])) throw Napi::TypeError::New(env, "connect(sockaddr)");
  sockaddr_storage addr;
  socklen_t len;
  CopyAddress(info[0], &addr, &len);
  // Datagram, raw, packet and netlink sockets connect at once; EINPROGRESS does not arise.
  if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), len) < 0) throw SystemError(env, errno, "connect");
  return env.Undefined();
}

Napi::Value Socket::LocalAddress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "getsockname");
  sockaddr_storage addr{};
  socklen_t len = sizeof(addr);
  if (getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) < 0) throw SystemError(env, errno, "getsockname");
  return Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&addr), len);
}

// Control messages for one datagram: args 2..5 are ttl, tos (-1: socket default), source address
// bytes (4 or 16, or null) and interface index (0: any).
std::vector<uint8_t> Socket::BuildControl(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<uint8_t> control;
  int ttl = info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
  int tos = info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : -1;
  const uint8_t* source = nullptr;
  size_t sourceLength = 0;
  if (IsBufferLike(info[4])) std::tie(source, sourceLength) = Bytes(info[4]);
  int ifindex = info[5].IsNumber() ? info[5].As<Napi::Number>().Int32Value() : 0;
  if (domain_ == AF_INET) {
    if (ttl >= 0) PutControl(control, IPPROTO_IP, IP_TTL, ttl);
    if (tos >= 0) PutControl(control, IPPROTO_IP, IP_TOS, tos);
    if (source || ifindex) {
      in_pktinfo pi{};
      pi.ipi_ifindex = ifindex;
      if (source) {
        if (sourceLength != 4) throw Napi::TypeError::New(env, "IPv4 source must be 4 bytes");
        std::memcpy(&pi.ipi_spec_dst, source, 4);
      }
      PutControl(control, IPPROTO_IP, IP_PKTINFO, pi);
    }
  } else if (domain_ == AF_INET6) {
    if (ttl >= 0) PutControl(control, IPPROTO_IPV6, IPV6_HOPLIMIT, ttl);
    if (tos >= 0) PutControl(control, IPPROTO_IPV6, IPV6_TCLASS, tos);
    if (source || ifindex) {
      in6_pktinfo pi{};
      pi.ipi6_ifindex = ifindex;
      if (source) {
        if (sourceLength != 16) throw Napi::TypeError::New(env, "IPv6 source must be 16 bytes");
        std::memcpy(&pi.ipi6_addr, source, 16);
      }
      PutControl(control, IPPROTO_IPV6, IPV6_PKTINFO, pi);
    }
  } else if (ttl >= 0 || tos >= 0 || source || ifindex) {
    throw Napi::TypeError::New(env, "per-packet ttl, tos, source and interface apply to AF_INET and AF_INET6 sockets only");
  }
  return control;
}

// send(data, sockaddr | null, ttl, tos, source, ifindex, token) -> bigint (monotonic ns just
// before the system call) when sent, or undefined when queued behind EAGAIN: onSent(token,
// errno, sentAt) follows. Throws a system error (sendmsg) at once, or EAGAIN when the queue is full.
Napi::Value Socket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env, "sendmsg");
  if (info.Length() < 7 || !IsBufferLike(info[0]) || !info[6].IsNumber()) {
    throw Napi::TypeError::New(env, "send(data, sockaddr, ttl, tos, source, ifindex, token)");
  }
  auto [data, length] = Bytes(info[0]);
  sockaddr_storage addr{};
  socklen_t addrLen = 0;
  if (IsBufferLike(info[1])) CopyAddress(info[1], &addr, &addrLen);
  std::vector<uint8_t> control = BuildControl(info);
  if (queue_.empty()) {
    int64_t sentAt = MonotonicNow();
    if (SendOne(fd_, data, length, &addr, addrLen, control) >= 0) {
      // With a Float64Array of two, the time goes there as [seconds, nanoseconds]: no BigInt.
      if (info.Length() > 7 && info[7].IsTypedArray() &&
          info[7].As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
        auto out = info[7].As<Napi::Float64Array>();
        if (out.ElementLength() >= 2) {
          out[0] = double(sentAt / 1000000000LL);
          out[1] = double(sentAt % 1000000000LL);
          return Napi::Boolean::New(env, true);
        }
      }
      return Napi::BigInt::New(env, sentAt);
    }
    if (errno != EAGAIN && errno != EWOULDBLOCK) throw SystemError(env, errno, "sendmsg");
  }
  if (queue_.size() >= queueLimit_) {
    throw CodedError(env, "EAGAIN", EAGAIN, "sendmsg",
                     "sendmsg EAGAIN: socket buffer full and " + std::to_string(queue_.size()) + " datagrams already queued");
  }
  queue_.push_back(PendingSend{std::vector<uint8_t>(data, data + length), addr, addrLen, std::move(control),
                               info[6].As<Napi::Number>().DoubleValue()});
  UpdatePoll();
  return env.Undefined();
}

// receiveInto(data: Uint8Array, from: Uint8Array, onMessage(length, fromLength, seconds,
// nanoseconds, hopLimit, ifindex, truncated)): from now on every datagram is read into `data`
// (cut to its length, `truncated` then set), its sender's sockaddr into `from`, and delivered to
// onMessage in place of the constructor's listener, as small integers only (seconds -1: no kernel
// timestamp). At thousands of replies a second the two Buffers and the BigInt made per datagram
// otherwise are most of what the process allocates.
Napi::Value Socket::ReceiveInto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsTypedArray() || !info[1].IsTypedArray() || !info[2].IsFunction() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array ||
      info[1].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(env, "receiveInto(data: Uint8Array, from: Uint8Array, onMessage)");
  }
  auto data = info[0].As<Napi::Uint8Array>();
  auto from = info[1].As<Napi::Uint8Array>();
  if (data.ByteLength() < 64) throw Napi::RangeError::New(env, "receive buffer must be at least 64 bytes");
  if (from.ByteLength() < sizeof(sockaddr_storage)) {
    throw Napi::RangeError::New(env, "address buffer must hold a sockaddr_storage (128 bytes)");
  }
  sharedData_ = Napi::Persistent(data.As<Napi::Object>());
  sharedFrom_ = Napi::Persistent(from.As<Napi::Object>());
  sharedDataBytes_ = data.Data();
  sharedDataLength_ = data.ByteLength();
  sharedFromBytes_ = from.Data();
  sharedFromLength_ = from.ByteLength();
  onShared_ = Napi::Persistent(info[2].As<Napi::Function>());
  return env.Undefined();
}

Napi::Value Socket::Ref(const Napi::CallbackInfo& info) {
  if (poll_) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value Socket::Unref(const Napi::CallbackInfo& info) {
  if (poll_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  return info.Env().Undefined();
}

Napi::Value Socket::Close(const Napi::CallbackInfo& info) {
  if (!closed_) {
    Shutdown();
    // No longer receiving: the object may be collected once JavaScript drops it.
    Napi::ObjectWrap<Socket>::Unref();
  }
  return info.Env().Undefined();
}

// Reads what the kernel has queued now, without waiting for the poll callback: a prober calls it
// before declaring probes lost, since libuv runs timers before it polls.
Napi::Value Socket::Drain(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!closed_) DrainErrorQueue(env);
  if (!closed_) DrainReceive(env);
  return env.Undefined();
}

Napi::Value Socket::QueueLength(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), double(queue_.size())); }

Napi::Value Socket::Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

void Socket::Deliver(Napi::Env env, const Napi::FunctionReference& fn, const std::vector<napi_value>& args) {
  try {
    fn.Call(Value(), args);
  } catch (const Napi::Error& e) {
    // A listener threw: that is the application's uncaught exception, not the socket's failure.
    napi_fatal_exception(env, e.Value());
  }
}

void Socket::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<Socket*>(handle->data);
  if (self == nullptr || self->closed_) return;
  try {
    self->HandlePoll(status, events);
  } catch (const Napi::Error&) {
    // JavaScript cannot run any more: Node is tearing the environment down (a script exited with
    // an unref'd socket open) and polls the handles once more. Nothing can be delivered: close.
    self->Shutdown();
  }
}

void Socket::HandlePoll(int status, int events) {
  Socket* self = this;
  Napi::Env env = self->Env();
  Napi::HandleScope handleScope(env);
  // One callback scope per wake-up: promise continuations run once, after the whole batch.
  Napi::CallbackScope callbackScope(env, *self->asyncContext_);
  if (status < 0) {
    // libuv reports POLLERR as UV_EBADF and stops the watcher. On a datagram socket POLLERR means
    // "the error queue has entries" (or a pending socket error): read them and carry on.
    self->polling_ = false;
    self->DrainErrorQueue(env);
    if (!self->closed_) self->DrainReceive(env);
    if (!self->closed_) self->FlushQueue(env);
    self->UpdatePoll();
    return;
  }
  if (events & UV_WRITABLE) self->FlushQueue(env);
  if (!self->closed_ && (events & UV_READABLE)) self->DrainReceive(env);
  self->UpdatePoll();
}

void Socket::FlushQueue(Napi::Env env) {
  while (!queue_.empty() && !closed_) {
    PendingSend& p = queue_.front();
    int64_t sentAt = MonotonicNow();
    ssize_t n = SendOne(fd_, p.data.data(), p.data.size(), &p.address, p.addressLength, p.control);
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    int err = n < 0 ? errno : 0;
    double token = p.token;
    queue_.pop_front();
    Napi::HandleScope scope(env);
    Deliver(env, onSent_, {Napi::Number::New(env, token), Napi::Number::New(env, err), Napi::BigInt::New(env, sentAt)});
  }
}

void Socket::DrainReceive(Napi::Env env) {
  bool haveOffset = false;
  int64_t offset = 0;
  for (int i = 0; i < kMaxBatch && !closed_; i++) {
    sockaddr_storage from{};
    const bool shared = sharedDataBytes_ != nullptr;
    uint8_t* into = shared ? sharedDataBytes_ : buffer_.data();
    size_t room = shared ? sharedDataLength_ : buffer_.size();
    iovec iov{into, room};
    msghdr msg{};
    msg.msg_name = &from;
    msg.msg_namelen = sizeof(from);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = controlBuffer_.data();
    msg.msg_controllen = controlBuffer_.size();
    ssize_t n = recvmsg(fd_, &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      // A pending socket error (sk_err, e.g. ECONNREFUSED on a connected UDP socket): recvmsg
      // returned and cleared it. It is an event, not the end of the socket.
      int err = errno;
      Napi::HandleScope scope(env);
      Deliver(env, onErrorQueue_,
              {Napi::Number::New(env, err), Napi::Number::New(env, 0), Napi::Number::New(env, 0), Napi::Number::New(env, 0),
               Napi::Number::New(env, 0), env.Undefined(), env.Undefined(), env.Undefined(), env.Undefined()});
      continue;
    }
    int64_t kernelNs = -1;
    int ttl = -1;
    int ifindex = 0;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        if (!haveOffset) {
          offset = MonotonicMinusRealtime();
          haveOffset = true;
        }
        kernelNs = Nanoseconds(ts) + offset;
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_TTL) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof(int));
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
        std::memcpy(&ttl, CMSG_DATA(c), sizeof(int));
      } else if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
        in_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        ifindex = pi.ipi_ifindex;
      } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
        in6_pktinfo pi;
        std::memcpy(&pi, CMSG_DATA(c), sizeof(pi));
        ifindex = int(pi.ipi6_ifindex);
      }
    }
    size_t kept = size_t(n) < room ? size_t(n) : room;
    bool truncated = (msg.msg_flags & MSG_TRUNC) != 0;
    Napi::HandleScope scope(env);
    if (shared) {
      DeliverShared(env, kept, msg.msg_namelen, from, kernelNs, ttl, ifindex, truncated);
      continue;
    }
    Deliver(env, onMessage_,
            {Napi::Buffer<uint8_t>::Copy(env, buffer_.data(), kept),
             msg.msg_namelen ? Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&from), msg.msg_namelen).As<Napi::Value>()
                             : env.Undefined(),
             kernelNs >= 0 ? Napi::BigInt::New(env, kernelNs).As<Napi::Value>() : env.Undefined(), Napi::Number::New(env, ttl),
             Napi::Number::New(env, ifindex), Napi::Boolean::New(env, truncated)});
  }
}

void Socket::DeliverShared(Napi::Env env, size_t length, socklen_t fromLength, const sockaddr_storage& from,
                           int64_t kernelNs, int ttl, int ifindex, bool truncated) {
  std::memcpy(sharedFromBytes_, &from, fromLength);
  Deliver(env, onShared_,
          {Napi::Number::New(env, double(length)), Napi::Number::New(env, double(fromLength)),
           Napi::Number::New(env, kernelNs >= 0 ? double(kernelNs / 1000000000LL) : -1.0),
           Napi::Number::New(env, kernelNs >= 0 ? double(kernelNs % 1000000000LL) : 0.0), Napi::Number::New(env, ttl),
           Napi::Number::New(env, ifindex), Napi::Boolean::New(env, truncated)});
}

void Socket::DrainErrorQueue(Napi::Env env) {
  bool haveOffset = false;
  int64_t offset = 0;
  int read = 0;
  for (int i = 0; i < kMaxBatch && !closed_; i++) {
    sockaddr_storage destination{};
    iovec iov{buffer_.data(), buffer_.size()};
    msghdr msg{};
    msg.msg_name = &destination;
    msg.msg_namelen = sizeof(destination);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = controlBuffer_.data();
    msg.msg_controllen = controlBuffer_.size();
    ssize_t n = recvmsg(fd_, &msg, MSG_ERRQUEUE | MSG_DONTWAIT);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    const sock_extended_err* ee = nullptr;
    int64_t kernelNs = -1;
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      if ((c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_RECVERR) ||
          (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_RECVERR)) {
        ee = reinterpret_cast<const sock_extended_err*>(CMSG_DATA(c));
      } else if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SO_TIMESTAMPNS) {
        timespec ts;
        std::memcpy(&ts, CMSG_DATA(c), sizeof(ts));
        if (!haveOffset) {
          offset = MonotonicMinusRealtime();
          haveOffset = true;
        }
        kernelNs = Nanoseconds(ts) + offset;
      }
    }
    if (ee == nullptr) continue;
    read++;
    Napi::HandleScope scope(env);
    Napi::Value offender = env.Undefined();
    const sockaddr* off = SO_EE_OFFENDER(ee);
    if (off->sa_family == AF_INET) {
      offender = Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(off), sizeof(sockaddr_in));
    } else if (off->sa_family == AF_INET6) {
      offender = Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(off), sizeof(sockaddr_in6));
    }
    size_t kept = size_t(n) < buffer_.size() ? size_t(n) : buffer_.size();
    Deliver(env, onErrorQueue_,
            {Napi::Number::New(env, ee->ee_errno), Napi::Number::New(env, ee->ee_origin), Napi::Number::New(env, ee->ee_type),
             Napi::Number::New(env, ee->ee_code), Napi::Number::New(env, ee->ee_info), offender,
             msg.msg_namelen ? Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<uint8_t*>(&destination), msg.msg_namelen).As<Napi::Value>()
                             : env.Undefined(),
             Napi::Buffer<uint8_t>::Copy(env, buffer_.data(), kept),
             kernelNs >= 0 ? Napi::BigInt::New(env, kernelNs).As<Napi::Value>() : env.Undefined()});
  }
  if (!closed_) {
    // A pending sk_err (set alongside queued errors, or alone) keeps POLLERR up: read it to clear it.
    int err = 0;
    socklen_t len = sizeof(err);
    getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0 && read == 0) {
      Napi::HandleScope scope(env);
      Deliver(env, onErrorQueue_,
              {Napi::Number::New(env, err), Napi::Number::New(env, 0), Napi::Number::New(env, 0), Napi::Number::New(env, 0),
               Napi::Number::New(env, 0), env.Undefined(), env.Undefined(), env.Undefined(), env.Undefined()});
    }
  }
}

}  // namespace netdiag
