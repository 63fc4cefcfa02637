#! /usr/bin/env python3
"""udp-tool.py: UDP senders and a receiver for the system tests.

  udp-tool.py recv ADDR PORT READY-FILE COUNT
      bind ADDR:PORT, create READY-FILE, then print one line per
      datagram received, its size and the sha256 (first 16 hex digits)
      of its content, until COUNT datagrams have arrived
  udp-tool.py bcast ADDR PORT TEXT
      send TEXT once to broadcast address ADDR with SO_BROADCAST
  udp-tool.py uso ADDR PORT SIZE COUNT SEGMENT GO-FILE
      over one connected socket, send one small datagram first (the one
      that misses in the switch and gets its flow installed), wait until
      GO-FILE exists, then send COUNT buffers of SIZE bytes back to back
      with UDP_SEGMENT set to SEGMENT (the kernel hands the stack one
      GSO super-packet per buffer), each cut by the receiver's view into
      SEGMENT-sized datagrams; print what the receiver must see, in the
      "recv" format (COUNT * ceil(SIZE / SEGMENT) + 1 lines)
  udp-tool.py flood ADDR PORT STOP-FILE
      send 64-byte datagrams as fast as possible until STOP-FILE exists;
      print the number sent

Every wait is bounded by TIMEOUT seconds, so a test that goes wrong
fails instead of hanging, and generous, so that a slow machine does not
fail a good test.
"""
import hashlib
import os
import socket
import sys
import time

UDP_SEGMENT = 103           # From <linux/udp.h>.
TIMEOUT = 120


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def digest(data):
    return "%d %s" % (len(data), hashlib.sha256(data).hexdigest()[:16])


def wait_for_file(name):
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(name):
        if time.monotonic() > deadline:
            sys.exit("udp-tool.py: %s did not appear within %d s"
                     % (name, TIMEOUT))
        time.sleep(0.02)


def recv(addr, port, ready, count):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 22)
    s.bind((addr, port))
    open(ready, "w").close()
    deadline = time.monotonic() + TIMEOUT
    for n in range(count):
        s.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            data = s.recv(1 << 16)
        except socket.timeout:
            sys.exit("udp-tool.py: %d of %d datagrams within %d s"
                     % (n, count, TIMEOUT))
        print(digest(data), flush=True)


def bcast(addr, port, text):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    s.sendto(text.encode(), (addr, port))


def pattern(i, size):
    seed = hashlib.sha256(b"%d" % i).digest()
    return (seed * (size // len(seed) + 1))[:size]


def uso(addr, port, size, count, segment, go):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    s.send(b"first")
    print(digest(b"first"), flush=True)
    wait_for_file(go)
    s.setsockopt(socket.IPPROTO_UDP, UDP_SEGMENT, segment)
    for i in range(count):
        data = pattern(i, size)
        s.send(data)
        for ofs in range(0, size, segment):
            print(digest(data[ofs:ofs + segment]))


def flood(addr, port, stop):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.connect((addr, port))
    data = b"x" * 64
    n = 0
    deadline = time.monotonic() + TIMEOUT
    while not os.path.exists(stop):
        if time.monotonic() > deadline:
            sys.exit("udp-tool.py: %s did not appear within %d s"
                     % (stop, TIMEOUT))
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
        recv(args[0], int(args[1]), args[2], int(args[3]))
    elif cmd == "bcast":
        bcast(args[0], int(args[1]), args[2])
    elif cmd == "uso":
        uso(args[0], int(args[1]), int(args[2]), int(args[3]),
            int(args[4]), args[5])
    elif cmd == "flood":
        flood(args[0], int(args[1]), args[2])
    else:
        sys.exit("usage: see the docstring")
