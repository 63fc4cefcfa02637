#! /usr/bin/env python3
"""tcp-xfer.py: a TCP bulk transfer whose content is checked end to end.

  tcp-xfer.py recv ADDR PORT READY-FILE   listen, print sha256 of all bytes
  tcp-xfer.py send ADDR PORT MBYTES SEED  send MBYTES of seeded random
                                          bytes, print their sha256
"""
import hashlib
import random
import socket
import sys


def recv(addr, port, ready):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(20)
    open(ready, "w").close()
    conn, _ = srv.accept()
    conn.settimeout(20)
    h = hashlib.sha256()
    total = 0
    while True:
        data = conn.recv(1 << 16)
        if not data:
            break
        h.update(data)
        total += len(data)
    print("%d %s" % (total, h.hexdigest()))


def send(addr, port, mbytes, seed):
    rng = random.Random(seed)
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    s = socket.create_connection((addr, port), timeout=20)
    h = hashlib.sha256()
    total = 0
    for _ in range(mbytes):
        chunk = rng.randbytes(1 << 20)
        s.sendall(chunk)
        h.update(chunk)
        total += len(chunk)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)
    s.close()
    print("%d %s" % (total, h.hexdigest()))


if __name__ == "__main__":
    if sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
