// The public face of @netdiag/capture: capture, decoding, tcpdump's lines, pcap and pcapng files.
export {};
