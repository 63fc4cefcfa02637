#! /usr/bin/env python3
"""udp-tool.py: UDP senders and a receiver for the system tests.

  udp-tool.py recv ADDR PORT READY-FILE SECONDS
      bind ADDR:PORT, create READY-FILE, then for SECONDS (or until a
      datagram "end" arrives) print one line per datagram received:
      its size and the sha256 (first 16 hex digits) of its content
  udp-tool.py bcast ADDR PORT TEXT
      send TEXT once to broadcast address ADDR with SO_BROADCAST
  udp-tool.py uso ADDR PORT SIZE COUNT SEGMENT
      send COUNT buffers of SIZE bytes over one connected socket with
      UDP_SEGMENT set to SEGMENT (the kernel hands the stack one GSO
      super-packet per buffer), each cut by the receiver's view into
      SEGMENT-sized datagrams; print what the receiver must see, in the
      "recv" format, then send "end"
  udp-tool.py flood ADDR PORT SECONDS
      send 64-byte datagrams as fast as possible for SECONDS; print the
      number sent
"""
import hashlib
import socket
import sys
import time

UDP_SEGMENT = 103           # From <linux/udp.h>.


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def digest(data):
    return "%d %s" % (len(data), hashlib.sha256(data).hexdigest()[:16])


def recv(addr, port, ready, seconds):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((addr, port))
    open(ready, "w").close()
    deadline = time.time() + seconds
    while True:
        left = deadline - time.time()
        if left <= 0:
            break
        s.settimeout(left)
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            break
        if data == b"end":
            break
        print(digest(data), flush=True)


def bcast(addr, port, text):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.sendto(text.encode(), (addr, port))


def pattern(i, size):
    seed = hashlib.sha256(b"%d" % i).digest()
    return (seed * (size // len(seed) + 1))[:size]


def uso(addr, port, size, count, segment):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, segment)
    for i in range(count):
        data = pattern(i, size)
        s.send(data)
        for ofs in range(0, size, segment):
            print(digest(data[ofs:ofs + segment]))
        time.sleep(0.01)
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, 0)
    time.sleep(0.2)
    s.send(b"end")


def flood(addr, port, seconds):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    data = b"x" * 64
    n = 0
    deadline = time.time() + seconds
    while time.time() < deadline:
        for _ in range(100):
            try:
                s.send(data)
                n += 1
            except OSError:
                pass
    print(n)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "recv":
        recv(args[0], int(args[1]), args[2], float(args[3]))
    elif cmd == "bcast":
        bcast(args[0], int(args[1]), args[2])
    elif cmd == "uso":
        uso(args[0], int(args[1]), int(args[2]), int(args[3]),
            int(args[4]))
    elif cmd == "flood":
        flood(args[0], int(args[1]), float(args[2]))
    else:
        sys.exit("usage: see the docstring")
