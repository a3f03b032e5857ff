{
  "targets": [
    {
      "target_name": "native_socket",
      "sources": ["src/addon.cc", "src/socket.cc", "src/errors.cc", "src/pcap-filter.cc", "src/packet-ring.cc", "src/privilege.cc", "src/privilege-binding.cc", "src/helper-client.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [["OS!='linux'", {"sources!": ["src/addon.cc", "src/socket.cc", "src/errors.cc", "src/pcap-filter.cc", "src/packet-ring.cc", "src/privilege.cc", "src/privilege-binding.cc", "src/helper-client.cc"]}]]
    }
  ]
}
