#!/usr/bin/env python3
"""Builds and reads the packets of the ICMP-error NAT autotests.

  nat-icmp.py udp SRC SPORT DST DPORT
      An Ethernet frame (00:..:01 -> 00:..:02) holding a UDP datagram
      with a 4-byte payload and a correct checksum, as hex.
  nat-icmp.py tcp SRC SPORT DST DPORT
      The same with a TCP SYN (sequence number 1000, window 8192).
  nat-icmp.py error TYPE CODE SRC DST FRAME
      An ICMP error from SRC to DST quoting the IP datagram of FRAME (hex,
      as above), with correct IP and ICMP checksums, as hex.
  nat-icmp.py last PCAP
      The last frame of PCAP, as hex.
"""

import os
import socket
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pktutil import checksum  # noqa: E402

ETH = bytes.fromhex("000000000002" "000000000001" "0800")


def ip_header(src, dst, proto, payload_len, ident=1, ttl=64):
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + payload_len, ident,
                      0, ttl, proto, 0, socket.inet_aton(src),
                      socket.inet_aton(dst))
    return hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]


def udp(src, sport, dst, dport):
    payload = b"abcd"
    length = 8 + len(payload)
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst)
              + struct.pack("!BBH", 0, 17, length))
    hdr = struct.pack("!HHHH", sport, dport, length, 0)
    csum = checksum(pseudo + hdr + payload) or 0xffff
    hdr = struct.pack("!HHHH", sport, dport, length, csum)
    return ETH + ip_header(src, dst, 17, length) + hdr + payload


def tcp(src, sport, dst, dport):
    pseudo = (socket.inet_aton(src) + socket.inet_aton(dst)
              + struct.pack("!BBH", 0, 6, 20))
    hdr = struct.pack("!HHIIBBHHH", sport, dport, 1000, 0, 5 << 4, 0x02,
                      8192, 0, 0)
    csum = checksum(pseudo + hdr)
    hdr = hdr[:16] + struct.pack("!H", csum) + hdr[18:]
    return ETH + ip_header(src, dst, 6, 20) + hdr


def error(icmp_type, icmp_code, src, dst, frame):
    quote = frame[14:]
    msg = struct.pack("!BBHI", icmp_type, icmp_code, 0, 0) + quote
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    return ETH + ip_header(src, dst, 1, len(msg), ident=7) + msg


def last(path):
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    ofs = 24
    frame = None
    while ofs + 16 <= len(data):
        incl = struct.unpack(endian + "IIII", data[ofs:ofs + 16])[2]
        frame = data[ofs + 16:ofs + 16 + incl]
        ofs += 16 + incl
    if frame is None:
        sys.exit("%s: no packet" % path)
    return frame


def main(argv):
    if len(argv) == 6 and argv[1] == "udp":
        out = udp(argv[2], int(argv[3]), argv[4], int(argv[5]))
    elif len(argv) == 6 and argv[1] == "tcp":
        out = tcp(argv[2], int(argv[3]), argv[4], int(argv[5]))
    elif len(argv) == 7 and argv[1] == "error":
        out = error(int(argv[2]), int(argv[3]), argv[4], argv[5],
                    bytes.fromhex(argv[6]))
    elif len(argv) == 3 and argv[1] == "last":
        out = last(argv[2])
    else:
        sys.exit(__doc__)
    print(out.hex())


if __name__ == "__main__":
    main(sys.argv)
