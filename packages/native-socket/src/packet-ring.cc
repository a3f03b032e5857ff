// PacketRing: packet capture on an AF_PACKET socket through a memory-mapped TPACKET_V3 ring, as
// libpcap captures on Linux. The kernel fills blocks of the ring; a block is handed over when full
// or after the block timeout; the poll callback walks every handed-over block, copies each frame
// (with the Linux cooked header for `any`, and the 802.1Q tag the kernel took off put back, as
// libpcap does) into one batch buffer, gives the blocks back, and calls JavaScript once per batch.
// Per-frame work in JavaScript is then a few typed-array reads: see packages/capture/README.md for
// the benchmark against batched recvmsg that chose this path.
//
// Batch record (host byte order, 4-byte aligned; header 28 bytes):
//   u32 record length   u32 caplen   u32 wire length   u32 seconds   u32 nanoseconds
//   u32 ifindex         u16 sll_pkttype   u16 0   then caplen bytes, padded to 4.
#include "packet-ring.h"

#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#include <cstdint>
#include <cstring>
#include <vector>

#include "errors.h"

namespace netdiag {

namespace {

constexpr int kLinkTypeSll = 113;   // DLT_LINUX_SLL
constexpr int kLinkTypeSll2 = 276;  // DLT_LINUX_SLL2
constexpr size_t kSllLength = 16;
constexpr size_t kSll2Length = 20;
constexpr size_t kRecordHeader = 28;
constexpr uint32_t kFrameSize = 2048;
/** Blocks read per wake-up before yielding to the event loop (the poll fires again if more). */
constexpr int kMaxBlocksPerWake = 16;

enum Direction { kInOut = 0, kIn = 1, kOut = 2 };

void Put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
void Put32(uint8_t* p, uint32_t v) { std::memcpy(p, &v, 4); }

class PacketRing : public Napi::ObjectWrap<PacketRing> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "PacketRing",
                       {
                           InstanceMethod<&PacketRing::Stats>("stats"),
                           InstanceMethod<&PacketRing::Drain>("drain"),
                           InstanceMethod<&PacketRing::Close>("close"),
                           InstanceMethod<&PacketRing::Ref>("ref"),
                           InstanceMethod<&PacketRing::Pause>("pause"),
                           InstanceMethod<&PacketRing::Resume>("resume"),
                           InstanceMethod<&PacketRing::Unref>("unref"),
                           InstanceAccessor<&PacketRing::Fd>("fd"),
                       });
  }

  // new PacketRing({ ifindex, cooked, linkType, snaplen, promiscuous, direction, bufferBytes,
  //                  blockTimeoutMs, filter }, onBatch(buffer, count))
  explicit PacketRing(const Napi::CallbackInfo& info) : Napi::ObjectWrap<PacketRing>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      throw Napi::TypeError::New(env, "PacketRing(options, onBatch)");
    }
    Napi::Object o = info[0].As<Napi::Object>();
    auto num = [&](const char* key, double fallback) {
      Napi::Value v = o.Get(key);
      return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : fallback;
    };
    ifindex_ = int(num("ifindex", 0));
    cooked_ = o.Get("cooked").ToBoolean().Value();
    linkType_ = int(num("linkType", cooked_ ? kLinkTypeSll2 : 1));
    snaplen_ = uint32_t(num("snaplen", 262144));
    direction_ = int(num("direction", kInOut));
    bool promiscuous = o.Get("promiscuous").ToBoolean().Value();
    double bufferBytes = num("bufferBytes", 32 << 20);
    uint32_t timeoutMs = uint32_t(num("blockTimeoutMs", 50));
    if (snaplen_ < 1 || snaplen_ > 262144) throw Napi::RangeError::New(env, "snaplen must be 1 to 262144");
    if (bufferBytes < (1 << 16) || bufferBytes > double(1u << 31)) throw Napi::RangeError::New(env, "buffer must be 64 KiB to 2 GiB");
    if (cooked_ && linkType_ != kLinkTypeSll && linkType_ != kLinkTypeSll2) {
      throw Napi::RangeError::New(env, "a cooked capture writes LINUX_SLL (113) or LINUX_SLL2 (276)");
    }
    loIndex_ = int(if_nametoindex("lo"));

    // Protocol 0: nothing arrives until bind(), after the filter and the ring are in place, so no
    // frame the filter would reject is ever queued.
    fd_ = socket(AF_PACKET, (cooked_ ? SOCK_DGRAM : SOCK_RAW) | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw SystemError(env, errno, "socket");
    try {
      Setup(env, o, promiscuous, bufferBytes, timeoutMs);
    } catch (...) {
      Release();
      throw;
    }
    onBatch_ = Napi::Persistent(info[1].As<Napi::Function>());
    asyncContext_ = std::make_unique<Napi::AsyncContext>(env, "netdiag:PacketRing", info.This().As<Napi::Object>());
    env_ = env;
    napi_add_env_cleanup_hook(env, &PacketRing::Cleanup, this);
    cleanupHook_ = true;
    Napi::ObjectWrap<PacketRing>::Ref();
  }

  ~PacketRing() override { Release(); }

 private:
  void Setup(Napi::Env env, Napi::Object o, bool promiscuous, double bufferBytes, uint32_t timeoutMs) {
    int version = TPACKET_V3;
    if (setsockopt(fd_, SOL_PACKET, PACKET_VERSION, &version, sizeof(version)) < 0) throw SystemError(env, errno, "setsockopt");
    if (direction_ == kIn) {
      // The kernel then does not even queue outgoing frames; older kernels lack it (ENOPROTOOPT),
      // and the check below drops them instead.
      int one = 1;
      setsockopt(fd_, SOL_PACKET, PACKET_IGNORE_OUTGOING, &one, sizeof(one));
    }
    Napi::Value filter = o.Get("filter");
    if (filter.IsBuffer()) {
      auto b = filter.As<Napi::Buffer<uint8_t>>();
      if (b.Length() == 0 || b.Length() % sizeof(sock_filter) != 0 || b.Length() / sizeof(sock_filter) > BPF_MAXINSNS) {
        throw Napi::RangeError::New(env, "a filter is 1 to 4096 whole 8-byte instructions");
      }
      std::vector<sock_filter> insns(b.Length() / sizeof(sock_filter));
      std::memcpy(insns.data(), b.Data(), b.Length());
      sock_fprog prog{uint16_t(insns.size()), insns.data()};
      if (setsockopt(fd_, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) throw SystemError(env, errno, "setsockopt");
    }
    // Blocks of 1 MiB (4 MiB when the buffer is large): a jumbo or GRO frame fits one.
    blockSize_ = bufferBytes >= double(64 << 20) ? (4u << 20) : (1u << 20);
    if (bufferBytes < blockSize_ * 2) blockSize_ = 1u << 16;
    blockCount_ = uint32_t(bufferBytes / blockSize_);
    if (blockCount_ < 2) blockCount_ = 2;
    tpacket_req3 req{};
    req.tp_block_size = blockSize_;
    req.tp_block_nr = blockCount_;
    req.tp_frame_size = kFrameSize;
    req.tp_frame_nr = (blockSize_ / kFrameSize) * blockCount_;
    req.tp_retire_blk_tov = timeoutMs;
    req.tp_feature_req_word = 0;
    if (setsockopt(fd_, SOL_PACKET, PACKET_RX_RING, &req, sizeof(req)) < 0) throw SystemError(env, errno, "setsockopt");
    size_t length = size_t(blockSize_) * blockCount_;
    void* map = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_LOCKED, fd_, 0);
    if (map == MAP_FAILED) map = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
    if (map == MAP_FAILED) throw SystemError(env, errno, "mmap");
    ring_ = static_cast<uint8_t*>(map);
    ringLength_ = length;

    sockaddr_ll sll{};
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = ifindex_;
    if (bind(fd_, reinterpret_cast<sockaddr*>(&sll), sizeof(sll)) < 0) throw SystemError(env, errno, "bind");
    if (promiscuous && ifindex_ > 0) {
      packet_mreq mr{};
      mr.mr_ifindex = ifindex_;
      mr.mr_type = PACKET_MR_PROMISC;
      if (setsockopt(fd_, SOL_PACKET, PACKET_ADD_MEMBERSHIP, &mr, sizeof(mr)) < 0) throw SystemError(env, errno, "setsockopt");
    }
    // Any error binding reported (ENETDOWN when the link went away) ends the capture at once.
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err != 0) throw SystemError(env, err, "bind");

    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) throw Napi::Error::New(env, "no libuv loop");
    poll_ = new uv_poll_t;
    int rc = uv_poll_init(loop, poll_, fd_);
    if (rc != 0) {
      delete poll_;
      poll_ = nullptr;
      throw SystemError(env, -rc, "uv_poll_init");
    }
    poll_->data = this;
    rc = uv_poll_start(poll_, UV_READABLE, &PacketRing::OnPoll);
    if (rc != 0) throw SystemError(env, -rc, "uv_poll_start");
  }

  static void Cleanup(void* arg) {
    auto* self = static_cast<PacketRing*>(arg);
    self->cleanupHook_ = false;
    self->Release();
  }

  void Release() {
    if (cleanupHook_) {
      napi_remove_env_cleanup_hook(env_, &PacketRing::Cleanup, this);
      cleanupHook_ = false;
    }
    if (poll_) {
      uv_poll_stop(poll_);
      poll_->data = nullptr;
      uv_close(reinterpret_cast<uv_handle_t*>(poll_), [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
      poll_ = nullptr;
    }
    if (ring_) {
      munmap(ring_, ringLength_);
      ring_ = nullptr;
    }
    if (fd_ >= 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }

  // libpcap's linux_check_direction: an outgoing frame on lo is seen again coming in, so it is
  // kept once; then the -Q direction.
  bool Wanted(const sockaddr_ll* sll) const {
    if (sll->sll_pkttype == PACKET_OUTGOING) {
      if (sll->sll_ifindex == loIndex_) return false;
      return direction_ != kIn;
    }
    return direction_ != kOut;
  }

  void Append(const tpacket3_hdr* h) {
    const auto* sll = reinterpret_cast<const sockaddr_ll*>(reinterpret_cast<const uint8_t*>(h) + TPACKET_ALIGN(sizeof(tpacket3_hdr)));
    if (!Wanted(sll)) return;
    const uint8_t* data = reinterpret_cast<const uint8_t*>(h) + h->tp_mac;
    uint32_t snap = h->tp_snaplen;
    uint32_t wire = h->tp_len;
    uint8_t header[kSll2Length];
    size_t headerLength = 0;
    bool vlan = false;
    uint8_t tag[4];
    if (cooked_) {
      if (linkType_ == kLinkTypeSll2) {
        Put16(header, sll->sll_protocol);
        Put16(header + 2, 0);
        Put32(header + 4, htonl(uint32_t(sll->sll_ifindex)));
        Put16(header + 8, htons(sll->sll_hatype));
        header[10] = sll->sll_pkttype;
        header[11] = sll->sll_halen;
        std::memset(header + 12, 0, 8);
        std::memcpy(header + 12, sll->sll_addr, sll->sll_halen > 8 ? 8 : sll->sll_halen);
        headerLength = kSll2Length;
      } else {
        Put16(header, htons(sll->sll_pkttype));
        Put16(header + 2, htons(sll->sll_hatype));
        Put16(header + 4, htons(sll->sll_halen));
        std::memset(header + 6, 0, 8);
        std::memcpy(header + 6, sll->sll_addr, sll->sll_halen > 8 ? 8 : sll->sll_halen);
        Put16(header + 14, sll->sll_protocol);
        headerLength = kSllLength;
      }
    }
    // The tag the kernel (or the NIC) took off, put back where it was: libpcap does so for
    // Ethernet (after the two MAC addresses) and LINUX_SLL (before the protocol), not SLL2.
    size_t vlanOffset = cooked_ ? (linkType_ == kLinkTypeSll ? kSllLength - 2 : SIZE_MAX) : 12;
    if ((h->hv1.tp_vlan_tci != 0 || (h->tp_status & TP_STATUS_VLAN_VALID)) && vlanOffset != SIZE_MAX &&
        snap + headerLength >= vlanOffset) {
      uint16_t tpid = (h->tp_status & TP_STATUS_VLAN_TPID_VALID) ? h->hv1.tp_vlan_tpid : ETH_P_8021Q;
      Put16(tag, htons(tpid));
      Put16(tag + 2, htons(uint16_t(h->hv1.tp_vlan_tci)));
      vlan = true;
    }
    uint32_t fullCap = uint32_t(headerLength) + snap + (vlan ? 4 : 0);
    uint32_t fullLen = uint32_t(headerLength) + wire + (vlan ? 4 : 0);
    uint32_t cap = fullCap > snaplen_ ? snaplen_ : fullCap;
    size_t padded = (cap + 3) & ~size_t(3);
    size_t at = batch_.size();
    batch_.resize(at + kRecordHeader + padded, 0);
    uint8_t* r = batch_.data() + at;
    Put32(r, uint32_t(kRecordHeader + padded));
    Put32(r + 4, cap);
    Put32(r + 8, fullLen);
    Put32(r + 12, h->tp_sec);
    Put32(r + 16, h->tp_nsec);
    Put32(r + 20, uint32_t(sll->sll_ifindex));
    Put16(r + 24, sll->sll_pkttype);
    // Assemble header, payload and tag into the record, cut at the snap length.
    uint8_t* out = r + kRecordHeader;
    uint32_t left = cap;
    auto copy = [&](const uint8_t* src, size_t n) {
      size_t take = n < left ? n : left;
      std::memcpy(out, src, take);
      out += take;
      left -= uint32_t(take);
    };
    // The frame as libpcap delivers it: the cooked header, then the data the kernel kept.
    auto stream = [&](size_t from, size_t to) {
      if (from < headerLength) copy(header + from, (to < headerLength ? to : headerLength) - from);
      if (to > headerLength) {
        size_t a = from > headerLength ? from - headerLength : 0;
        copy(data + a, to - headerLength - a);
      }
    };
    size_t total = headerLength + snap;
    if (vlan) {
      stream(0, vlanOffset);
      copy(tag, 4);
      stream(vlanOffset, total);
    } else {
      stream(0, total);
    }
    count_++;
  }

  /** Walks every block the kernel has handed over (at most a few per call); true if more wait. */
  bool ReadBlocks(int maxBlocks) {
    for (int n = 0; n < maxBlocks && ring_; n++) {
      auto* block = reinterpret_cast<tpacket_block_desc*>(ring_ + size_t(current_) * blockSize_);
      if ((__atomic_load_n(&block->hdr.bh1.block_status, __ATOMIC_ACQUIRE) & TP_STATUS_USER) == 0) return false;
      uint32_t packets = block->hdr.bh1.num_pkts;
      auto* h = reinterpret_cast<const tpacket3_hdr*>(reinterpret_cast<uint8_t*>(block) + block->hdr.bh1.offset_to_first_pkt);
      for (uint32_t i = 0; i < packets; i++) {
        Append(h);
        h = reinterpret_cast<const tpacket3_hdr*>(reinterpret_cast<const uint8_t*>(h) + h->tp_next_offset);
      }
      __atomic_store_n(&block->hdr.bh1.block_status, TP_STATUS_KERNEL, __ATOMIC_RELEASE);
      current_ = (current_ + 1) % blockCount_;
    }
    return true;
  }

  void Deliver(Napi::Env env) {
    if (count_ == 0) return;
    Napi::HandleScope scope(env);
    Napi::Buffer<uint8_t> buffer = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
    uint32_t count = count_;
    batch_.clear();
    count_ = 0;
    try {
      onBatch_.Call(Value(), {buffer, Napi::Number::New(env, count)});
    } catch (const Napi::Error& e) {
      napi_fatal_exception(env, e.Value());
    }
  }

  static void OnPoll(uv_poll_t* handle, int status, int events) {
    auto* self = static_cast<PacketRing*>(handle->data);
    if (self == nullptr || self->fd_ < 0) return;
    try {
      Napi::Env env = self->Env();
      Napi::HandleScope handleScope(env);
      Napi::CallbackScope callbackScope(env, *self->asyncContext_);
      if (status < 0) {
        // POLLERR on a packet socket: the interface went down or away (ENETDOWN, ENXIO).
        int err = 0;
        socklen_t len = sizeof(err);
        getsockopt(self->fd_, SOL_SOCKET, SO_ERROR, &err, &len);
        self->ReadBlocks(self->blockCount_);
        self->Deliver(env);
        if (self->fd_ < 0) return;
        Napi::Error e = SystemError(env, err ? err : -status, "poll");
        uv_poll_stop(self->poll_);
        try {
          self->onBatch_.Call(self->Value(), {env.Null(), Napi::Number::New(env, 0), e.Value()});
        } catch (const Napi::Error& thrown) {
          napi_fatal_exception(env, thrown.Value());
        }
        return;
      }
      self->ReadBlocks(kMaxBlocksPerWake);
      self->Deliver(env);
    } catch (const Napi::Error&) {
      self->Release();
    }
  }

  // drain(): reads every handed-over block now and delivers it before returning.
  Napi::Value Drain(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      ReadBlocks(int(blockCount_));
      Deliver(info.Env());
    }
    return info.Env().Undefined();
  }

  // stats() -> [received by filter, dropped by kernel] since the ring was opened (libpcap's
  // ps_recv and ps_drop: the kernel's counters reset on each read, so they are summed here).
  Napi::Value Stats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (fd_ >= 0) {
      tpacket_stats_v3 st{};
      socklen_t len = sizeof(st);
      if (getsockopt(fd_, SOL_PACKET, PACKET_STATISTICS, &st, &len) < 0) throw SystemError(env, errno, "getsockopt");
      received_ += st.tp_packets;
      dropped_ += st.tp_drops;
    }
    Napi::Array a = Napi::Array::New(env, 2);
    a.Set(uint32_t(0), Napi::Number::New(env, double(received_)));
    a.Set(uint32_t(1), Napi::Number::New(env, double(dropped_)));
    return a;
  }

  Napi::Value Close(const Napi::CallbackInfo& info) {
    if (fd_ >= 0) {
      Release();
      Napi::ObjectWrap<PacketRing>::Unref();
    }
    return info.Env().Undefined();
  }

  // pause(): stop reading the ring (the consumer is behind): the kernel keeps filling it, and
  // drops, counted, what no longer fits, as it does for a slow tcpdump. resume() reads again.
  Napi::Value Pause(const Napi::CallbackInfo& info) {
    if (poll_) uv_poll_stop(poll_);
    return info.Env().Undefined();
  }

  Napi::Value Resume(const Napi::CallbackInfo& info) {
    if (poll_) uv_poll_start(poll_, UV_READABLE, &PacketRing::OnPoll);
    return info.Env().Undefined();
  }

  Napi::Value Ref(const Napi::CallbackInfo& info) {
    if (poll_) uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value Unref(const Napi::CallbackInfo& info) {
    if (poll_) uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    return info.Env().Undefined();
  }

  Napi::Value Fd(const Napi::CallbackInfo& info) { return Napi::Number::New(info.Env(), fd_); }

  int fd_ = -1;
  int ifindex_ = 0;
  int loIndex_ = 0;
  bool cooked_ = false;
  int linkType_ = 1;
  uint32_t snaplen_ = 262144;
  int direction_ = kInOut;
  uint8_t* ring_ = nullptr;
  size_t ringLength_ = 0;
  uint32_t blockSize_ = 0;
  uint32_t blockCount_ = 0;
  uint32_t current_ = 0;
  uint64_t received_ = 0;
  uint64_t dropped_ = 0;
  std::vector<uint8_t> batch_;
  uint32_t count_ = 0;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference onBatch_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
  napi_env env_ = nullptr;
  bool cleanupHook_ = false;
};

}  // namespace

void RegisterPacketRing(Napi::Env env, Napi::Object exports) {
  Napi::Function ctor = PacketRing::Define(env);
  exports.Set("PacketRing", ctor);
  Napi::Object c = exports.Get("constants").IsObject() ? exports.Get("constants").As<Napi::Object>() : Napi::Object::New(env);
  c.Set("PACKET_OUTGOING", Napi::Number::New(env, PACKET_OUTGOING));
  c.Set("SKF_AD_OFF", Napi::Number::New(env, SKF_AD_OFF));
  c.Set("SKF_AD_PROTOCOL", Napi::Number::New(env, SKF_AD_PROTOCOL));
  c.Set("SKF_AD_PKTTYPE", Napi::Number::New(env, SKF_AD_PKTTYPE));
  c.Set("SKF_AD_IFINDEX", Napi::Number::New(env, SKF_AD_IFINDEX));
}

}  // namespace netdiag
