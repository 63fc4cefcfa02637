#! /usr/bin/env python3
"""rst-inject.py: sends one TCP RST with a chosen sequence number, or
watches a device for the RSTs and FINs that reach it.

  rst-inject.py SRC SPORT DST DPORT SEQ [FLAGS [bad-csum]]
      build the IPv4 TCP segment by hand and send it on a raw socket, as
      a blind attacker would (it does not know the connection's
      sequence); FLAGS (letters of FSRPAU, default R) makes it another
      segment, e.g. a SYN; bad-csum gives it a wrong TCP checksum (a raw
      socket leaves the checksum as given: nothing offloads or fixes it
      on the way)
  rst-inject.py watch DEVICE READY-FILE
      create READY-FILE once listening, then print one line per IPv4 TCP
      segment with RST or FIN that DEVICE receives, "rst|fin SRC:SPORT >
      DST:DPORT seq=SEQ", until killed (a kernel filter keeps the rest
      of the traffic out of this process)
"""
import ctypes
import socket
import struct
import sys

from pktutil import checksum

ETH_P_IP = 0x0800
SO_ATTACH_FILTER = 26
PACKET_OUTGOING = 4

# Classic BPF, from the Ethernet header: accept IPv4 TCP segments with
# FIN or RST set, drop everything else.
FIN_RST_FILTER = [
    (0x28, 0, 0, 12),           # ldh [12]              (ethertype)
    (0x15, 0, 6, ETH_P_IP),     # jne #0x800, drop
    (0x30, 0, 0, 23),           # ldb [23]              (IP protocol)
    (0x15, 0, 4, 6),            # jne #6, drop
    (0xb1, 0, 0, 14),           # ldxb 4 * ([14] & 0xf) (IP header size)
    (0x50, 0, 0, 14 + 13),      # ldb [x + 27]          (TCP flags)
    (0x45, 0, 1, 0x05),         # jset #FIN|RST, accept, drop
    (0x06, 0, 0, 0xffff),       # accept: ret #65535
    (0x06, 0, 0, 0),            # drop: ret #0
]


def inject(src, sport, dst, dport, seq):
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


def watch(device, ready):
    # Protocol 0: nothing is received before the filter is attached and
    # the socket bound to DEVICE and IPv4.
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0)
    code = b"".join(struct.pack("HBBI", *insn) for insn in FIN_RST_FILTER)
    buf = ctypes.create_string_buffer(code)
    prog = struct.pack("HL", len(FIN_RST_FILTER), ctypes.addressof(buf))
    s.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)
    s.bind((device, ETH_P_IP))
    open(ready, "w").close()
    while True:
        frame, addr = s.recvfrom(65535)
        if addr[2] == PACKET_OUTGOING:
            continue
        ip = frame[14:]
        ihl = (ip[0] & 0xf) * 4
        if len(ip) < ihl + 14 or ip[9] != socket.IPPROTO_TCP:
            continue
        tcp = ip[ihl:]
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        flags = tcp[13]
        if not flags & 0x05:
            continue
        kind = "rst" if flags & 0x04 else "fin"
        print("%s %s:%d > %s:%d seq=%d"
              % (kind, socket.inet_ntoa(ip[12:16]), sport,
                 socket.inet_ntoa(ip[16:20]), dport, seq), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "watch":
        watch(sys.argv[2], sys.argv[3])
    else:
        inject(*sys.argv[1:6])
