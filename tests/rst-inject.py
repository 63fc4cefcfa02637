#! /usr/bin/env python3
"""rst-inject.py: sends one TCP RST with a chosen sequence number.

  rst-inject.py SRC SPORT DST DPORT SEQ [FLAGS [bad-csum]]

Builds the IPv4 TCP segment by hand and sends it on a raw socket, as a
blind attacker would (it does not know the connection's sequence).
FLAGS (letters of FSRPAU, default R) makes it another segment, e.g. a
SYN; bad-csum gives it a wrong TCP checksum (a raw socket leaves the
checksum as given: nothing offloads or fixes it on the way).
"""
import socket
import struct
import sys

from pktutil import checksum


def main():
    src, sport, dst, dport, seq = sys.argv[1:6]
    sport, dport, seq = int(sport), int(dport), int(seq)
    flags = 0
    for f in sys.argv[6] if len(sys.argv) > 6 else "R":
        flags |= 1 << "FSRPAU".index(f)
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, flags,
                      0, 0, 0)
    pseudo = struct.pack("!4s4sBBH", socket.inet_aton(src),
                         socket.inet_aton(dst), 0, socket.IPPROTO_TCP,
                         len(tcp))
    csum = checksum(pseudo + tcp)
    if sys.argv[7:8] == ["bad-csum"]:
        csum = csum ^ 1 or 2
    tcp = tcp[:16] + struct.pack("!H", csum) + tcp[18:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
    s.sendto(tcp, (dst, 0))


if __name__ == "__main__":
    main()
