// libpcap's filter compiler, image and interpreter, for the pcap-filter language that tcpdump users
// type. libpcap is opened with dlopen on first use rather than linked: the addon serves ping and
// trace too, and must load (and build) on a machine without libpcap; only capture filters need it.
// The declarations are libpcap's stable ABI (pcap/pcap.h, pcap/bpf.h); struct bpf_insn has the
// layout of the kernel's struct sock_filter, so a compiled program goes to SO_ATTACH_FILTER as is.
#include "pcap-filter.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstring>
#include <mutex>
#include <string>

namespace netdiag {

namespace {

struct BpfInsn {
  uint16_t code;
  uint8_t jt;
  uint8_t jf;
  uint32_t k;
};
struct BpfProgram {
  unsigned int bf_len;
  BpfInsn* bf_insns;
};
using pcap_t = struct pcap;

struct Libpcap {
  pcap_t* (*open_dead)(int, int) = nullptr;
  pcap_t* (*open_offline)(const char*, char*) = nullptr;
  int (*compile)(pcap_t*, BpfProgram*, const char*, int, uint32_t) = nullptr;
  char* (*geterr)(pcap_t*) = nullptr;
  void (*freecode)(BpfProgram*) = nullptr;
  void (*close)(pcap_t*) = nullptr;
  char* (*image)(const BpfInsn*, int) = nullptr;
  unsigned int (*filter)(const BpfInsn*, const unsigned char*, unsigned int, unsigned int) = nullptr;
  const char* (*version)() = nullptr;
  std::string error;
};

// pcap_compile is not reentrant in every libpcap (1.10 serialises it itself; older ones do not).
std::mutex compileMutex;

const Libpcap& Load() {
  static Libpcap lib = [] {
    Libpcap l;
    void* h = nullptr;
    for (const char* name : {"libpcap.so.0.8", "libpcap.so.1", "libpcap.so"}) {
      h = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (h) break;
    }
    if (!h) {
      l.error = "libpcap is not installed (Debian: apt-get install libpcap0.8)";
      return l;
    }
    l.open_dead = reinterpret_cast<decltype(l.open_dead)>(dlsym(h, "pcap_open_dead"));
    l.open_offline = reinterpret_cast<decltype(l.open_offline)>(dlsym(h, "pcap_open_offline"));
    l.compile = reinterpret_cast<decltype(l.compile)>(dlsym(h, "pcap_compile"));
    l.geterr = reinterpret_cast<decltype(l.geterr)>(dlsym(h, "pcap_geterr"));
    l.freecode = reinterpret_cast<decltype(l.freecode)>(dlsym(h, "pcap_freecode"));
    l.close = reinterpret_cast<decltype(l.close)>(dlsym(h, "pcap_close"));
    l.image = reinterpret_cast<decltype(l.image)>(dlsym(h, "bpf_image"));
    l.filter = reinterpret_cast<decltype(l.filter)>(dlsym(h, "bpf_filter"));
    l.version = reinterpret_cast<decltype(l.version)>(dlsym(h, "pcap_lib_version"));
    if (!l.open_dead || !l.compile || !l.geterr || !l.freecode || !l.close || !l.image || !l.filter) {
      l.error = "libpcap lacks pcap_compile, bpf_image or bpf_filter";
    }
    return l;
  }();
  return lib;
}

const Libpcap& Require(Napi::Env env) {
  const Libpcap& l = Load();
  if (!l.error.empty()) {
    Napi::Error e = Napi::Error::New(env, l.error);
    e.Set("code", Napi::String::New(env, "ENOLIBPCAP"));
    throw e;
  }
  return l;
}

std::pair<const uint8_t*, size_t> Bytes(const Napi::Value& v) {
  if (v.IsBuffer()) {
    auto b = v.As<Napi::Buffer<uint8_t>>();
    return {b.Data(), b.Length()};
  }
  if (v.IsTypedArray()) {
    auto t = v.As<Napi::Uint8Array>();
    return {t.Data(), t.ByteLength()};
  }
  throw Napi::TypeError::New(v.Env(), "expected a Buffer or Uint8Array");
}

// pcapCompile(linkType | savefilePath, snaplen, expression, optimize, netmask) -> Buffer of struct
// bpf_insn. With a path the program is compiled as `tcpdump -r FILE` compiles it (the file's link
// type and snap length, and the rules for savefiles: no inbound/outbound on Ethernet, ...).
// Throws an Error with libpcap's message (code EFILTER) when the expression does not compile, or
// (code EOPEN) when libpcap cannot open the file.
Napi::Value Compile(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 5 || !(info[0].IsNumber() || info[0].IsString()) || !info[1].IsNumber() || !info[2].IsString() ||
      !info[4].IsNumber()) {
    throw Napi::TypeError::New(env, "pcapCompile(linkType | path, snaplen, expression, optimize, netmask)");
  }
  const Libpcap& l = Require(env);
  int snaplen = info[1].As<Napi::Number>().Int32Value();
  std::string expression = info[2].As<Napi::String>().Utf8Value();
  int optimize = info[3].ToBoolean().Value() ? 1 : 0;
  uint32_t netmask = info[4].As<Napi::Number>().Uint32Value();
  std::lock_guard<std::mutex> lock(compileMutex);
  pcap_t* p = nullptr;
  if (info[0].IsString()) {
    if (!l.open_offline) throw Napi::Error::New(env, "libpcap lacks pcap_open_offline");
    char errbuf[256 + 1] = {0};
    p = l.open_offline(info[0].As<Napi::String>().Utf8Value().c_str(), errbuf);
    if (!p) {
      Napi::Error e = Napi::Error::New(env, errbuf);
      e.Set("code", Napi::String::New(env, "EOPEN"));
      throw e;
    }
  } else {
    p = l.open_dead(info[0].As<Napi::Number>().Int32Value(), snaplen);
    if (!p) throw Napi::Error::New(env, "pcap_open_dead failed");
  }
  BpfProgram prog{0, nullptr};
  if (l.compile(p, &prog, expression.c_str(), optimize, netmask) < 0) {
    std::string message = l.geterr(p);
    l.close(p);
    Napi::Error e = Napi::Error::New(env, message);
    e.Set("code", Napi::String::New(env, "EFILTER"));
    throw e;
  }
  Napi::Buffer<uint8_t> out =
      Napi::Buffer<uint8_t>::Copy(env, reinterpret_cast<const uint8_t*>(prog.bf_insns), prog.bf_len * sizeof(BpfInsn));
  l.freecode(&prog);
  l.close(p);
  return out;
}

// pcapImage(program) -> string[]: each instruction as bpf_image prints it (tcpdump -d's lines).
Napi::Value Image(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& l = Require(env);
  auto [data, n] = Bytes(info[0]);
  if (n % sizeof(BpfInsn) != 0) throw Napi::RangeError::New(env, "a program is a whole number of 8-byte instructions");
  std::vector<BpfInsn> insns(n / sizeof(BpfInsn));
  std::memcpy(insns.data(), data, n);
  Napi::Array lines = Napi::Array::New(env, insns.size());
  for (size_t i = 0; i < insns.size(); i++) lines.Set(uint32_t(i), Napi::String::New(env, l.image(&insns[i], int(i))));
  return lines;
}

// pcapFilter(program, packet, wireLength) -> the filter's return value (0: rejected; else the
// snap length). libpcap's own interpreter: the reference the TypeScript one is tested against.
Napi::Value Filter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const Libpcap& l = Require(env);
  auto [program, programLength] = Bytes(info[0]);
  auto [packet, packetLength] = Bytes(info[1]);
  if (programLength == 0 || programLength % sizeof(BpfInsn) != 0) throw Napi::RangeError::New(env, "empty or partial program");
  uint32_t wire = info[2].As<Napi::Number>().Uint32Value();
  std::vector<BpfInsn> insns(programLength / sizeof(BpfInsn));
  std::memcpy(insns.data(), program, programLength);
  return Napi::Number::New(env, l.filter(insns.data(), packet, wire, unsigned(packetLength)));
}

Napi::Value Version(const Napi::CallbackInfo& info) {
  const Libpcap& l = Require(info.Env());
  return Napi::String::New(info.Env(), l.version ? l.version() : "libpcap");
}

}  // namespace

void RegisterPcapFilter(Napi::Env env, Napi::Object exports) {
  exports.Set("pcapCompile", Napi::Function::New<Compile>(env, "pcapCompile"));
  exports.Set("pcapImage", Napi::Function::New<Image>(env, "pcapImage"));
  exports.Set("pcapFilter", Napi::Function::New<Filter>(env, "pcapFilter"));
  exports.Set("pcapVersion", Napi::Function::New<Version>(env, "pcapVersion"));
}

}  // namespace netdiag
