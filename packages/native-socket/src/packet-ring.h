// PacketRing: an AF_PACKET socket with a TPACKET_V3 receive ring, for packet capture.
#pragma once
#include <napi.h>

namespace netdiag {

void RegisterPacketRing(Napi::Env env, Napi::Object exports);

}  // namespace netdiag
