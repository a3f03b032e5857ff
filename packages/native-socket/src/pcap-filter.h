// pcapCompile, pcapImage, pcapFilter, pcapVersion: libpcap's filter language through dlopen.
#pragma once
#include <napi.h>

namespace netdiag {

void RegisterPcapFilter(Napi::Env env, Napi::Object exports);

}  // namespace netdiag
