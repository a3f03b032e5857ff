// Module entry: the NativeSocket class and the kernel constants the TypeScript side needs, read
// from the C headers here so that no number is copied by hand into TypeScript.
#include <time.h>
#include <linux/errqueue.h>
#include <linux/if_ether.h>
#include <linux/netlink.h>
#include <napi.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "packet-ring.h"
#include "pcap-filter.h"
#include "privilege.h"
#include "socket.h"

namespace netdiag {

namespace {

Napi::Object Constants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
#define NETDIAG_CONSTANT(name) c.Set(#name, Napi::Number::New(env, name))
  NETDIAG_CONSTANT(AF_INET);
  NETDIAG_CONSTANT(AF_INET6);
  NETDIAG_CONSTANT(AF_PACKET);
  NETDIAG_CONSTANT(AF_NETLINK);
  NETDIAG_CONSTANT(SOCK_RAW);
  NETDIAG_CONSTANT(SOCK_DGRAM);
  NETDIAG_CONSTANT(IPPROTO_IP);
  NETDIAG_CONSTANT(IPPROTO_IPV6);
  NETDIAG_CONSTANT(IPPROTO_ICMP);
  NETDIAG_CONSTANT(IPPROTO_ICMPV6);
  NETDIAG_CONSTANT(IPPROTO_UDP);
  NETDIAG_CONSTANT(IPPROTO_TCP);
  NETDIAG_CONSTANT(SOL_SOCKET);
  NETDIAG_CONSTANT(SO_TIMESTAMPNS);
  NETDIAG_CONSTANT(SO_RCVBUF);
  NETDIAG_CONSTANT(SO_SNDBUF);
  NETDIAG_CONSTANT(SO_ERROR);
  NETDIAG_CONSTANT(SO_BINDTODEVICE);
  NETDIAG_CONSTANT(SO_REUSEADDR);
  NETDIAG_CONSTANT(SO_TYPE);
  NETDIAG_CONSTANT(SO_PROTOCOL);
  NETDIAG_CONSTANT(IP_TTL);
  NETDIAG_CONSTANT(IP_TOS);
  NETDIAG_CONSTANT(IP_RECVTTL);
  NETDIAG_CONSTANT(IP_RECVTOS);
  NETDIAG_CONSTANT(IP_PKTINFO);
  NETDIAG_CONSTANT(IP_RECVERR);
  NETDIAG_CONSTANT(IP_HDRINCL);
  NETDIAG_CONSTANT(IP_MTU_DISCOVER);
  NETDIAG_CONSTANT(IP_PMTUDISC_DO);
  NETDIAG_CONSTANT(IP_PMTUDISC_PROBE);
  NETDIAG_CONSTANT(IP_MTU);
  NETDIAG_CONSTANT(IPV6_UNICAST_HOPS);
  NETDIAG_CONSTANT(IPV6_RECVHOPLIMIT);
  NETDIAG_CONSTANT(IPV6_RECVTCLASS);
  NETDIAG_CONSTANT(IPV6_RECVPKTINFO);
  NETDIAG_CONSTANT(IPV6_RECVERR);
  NETDIAG_CONSTANT(IPV6_CHECKSUM);
  NETDIAG_CONSTANT(IPV6_V6ONLY);
  NETDIAG_CONSTANT(IPV6_MTU_DISCOVER);
  NETDIAG_CONSTANT(IPV6_PMTUDISC_DO);
  NETDIAG_CONSTANT(IPV6_PMTUDISC_PROBE);
  NETDIAG_CONSTANT(IPV6_DONTFRAG);
  NETDIAG_CONSTANT(IPV6_MTU);
  NETDIAG_CONSTANT(ETH_P_ALL);
  NETDIAG_CONSTANT(ETH_P_ARP);
  NETDIAG_CONSTANT(ETH_P_IP);
  NETDIAG_CONSTANT(ETH_P_IPV6);
  NETDIAG_CONSTANT(NETLINK_ROUTE);
  NETDIAG_CONSTANT(NETLINK_SOCK_DIAG);
  NETDIAG_CONSTANT(SOL_NETLINK);
  NETDIAG_CONSTANT(NETLINK_EXT_ACK);
  NETDIAG_CONSTANT(NETLINK_GET_STRICT_CHK);
  NETDIAG_CONSTANT(SO_EE_ORIGIN_NONE);
  NETDIAG_CONSTANT(SO_EE_ORIGIN_LOCAL);
  NETDIAG_CONSTANT(SO_EE_ORIGIN_ICMP);
  NETDIAG_CONSTANT(SO_EE_ORIGIN_ICMP6);
#undef NETDIAG_CONSTANT
  return c;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  // Instance data, not statics: each worker thread loads its own copy of this state.
  auto* data = new AddonData();
  data->constructor = Napi::Persistent(Socket::Define(env));
  env.SetInstanceData<AddonData>(data);
  // Before the environment goes (worker exit, process exit), close what JavaScript left open.
  env.AddCleanupHook([data]() {
    std::set<Socket*> open = data->open;
    for (Socket* s : open) s->Shutdown();
  });
  exports.Set("NativeSocket", data->constructor.Value());
  exports.Set("constants", Constants(env));
  exports.Set("routeSource", Napi::Function::New<RouteSource>(env, "routeSource"));
  RegisterPcapFilter(env, exports);
  RegisterPacketRing(env, exports);
  DefinePrivilege(env, exports);
  return exports;
}

}  // namespace

}  // namespace netdiag

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return netdiag::Init(env, exports); }

NODE_API_MODULE(native_socket, InitModule)
