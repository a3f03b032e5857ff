// Write a pcap file, read it back and print it as `tcpdump -n -v -r` would; then the same packet
// as a netdiag.capture/1 JSON event. Pure: no socket, no privilege.
import { CaptureFileWriter, decode, PacketPrinter, packetJson, readCapture } from '@netdiag/capture';

// An ICMP echo request from 192.0.2.1 to 192.0.2.2 in an Ethernet frame.
const frame = Uint8Array.from(
  Buffer.from(
    '0200000000020200000000010800' + // Ethernet: destination, source, IPv4
      '4500001c0001400040016ddc' + // IPv4 header (checksum filled in below)
      'c0000201c0000202' + // 192.0.2.1 > 192.0.2.2
      '0800f7fe00010000', // ICMP echo request, id 1, seq 0
    'hex',
  ),
);
// IPv4 header checksum over bytes 14..34.
let sum = 0;
for (let i = 14; i < 34; i += 2) if (i !== 24) sum += (frame[i]! << 8) | frame[i + 1]!;
while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
frame[24] = (~sum >> 8) & 0xff;
frame[25] = ~sum & 0xff;

const writer = new CaptureFileWriter({ linkType: 1, nanos: true });
const file = Buffer.concat([
  writer.header(),
  writer.packet({ seconds: 1_700_000_000, nanos: 123_456_789, originalLength: frame.length, data: frame }),
]);

const printer = new PacketPrinter({ verbose: 1, timestamp: 2, nanos: true });
for (const packet of readCapture(file)) {
  printer.print(packet);
  process.stdout.write(printer.take());
  console.log(JSON.stringify(packetJson(packet, decode(packet.data, packet.linkType))));
}
