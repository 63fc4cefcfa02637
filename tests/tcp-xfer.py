#! /usr/bin/env python3
"""tcp-xfer.py: a TCP bulk transfer whose content is checked end to end.

  tcp-xfer.py recv ADDR PORT READY-FILE [HOLD-BYTES HELD-FILE GO-FILE]
      listen, create READY-FILE, accept one connection and print the
      number and sha256 of all bytes received; with HOLD-BYTES, once
      that many bytes have arrived, create HELD-FILE and read nothing
      more until GO-FILE exists (the sender's window fills and the
      connection stays established, idle but for window probes)
  tcp-xfer.py send ADDR PORT MBYTES SEED
      send MBYTES of seeded random bytes, print their number and sha256

Every wait is bounded (TIMEOUT seconds, for the peer and for GO-FILE), so
a test that goes wrong fails instead of hanging, and generous, so that a
slow machine does not fail a good test.
"""
import hashlib
import os
import random
import socket
import sys
import time

TIMEOUT = 120


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def wait_for_file(name, timeout):
    deadline = time.monotonic() + timeout
    while not os.path.exists(name):
        if time.monotonic() > deadline:
            sys.exit("tcp-xfer.py: %s did not appear within %d s"
                     % (name, timeout))
        time.sleep(0.02)


def recv(addr, port, ready, hold=None, held=None, go=None):
    srv = socket.socket(family(addr), socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    srv.settimeout(TIMEOUT)
    open(ready, "w").close()
    conn, _ = srv.accept()
    conn.settimeout(TIMEOUT)
    h = hashlib.sha256()
    total = 0
    while True:
        if hold is not None and total >= hold:
            open(held, "w").close()
            wait_for_file(go, TIMEOUT)
            hold = None
        want = 1 << 16
        if hold is not None:
            want = min(want, hold - total)
        data = conn.recv(want)
        if not data:
            break
        h.update(data)
        total += len(data)
    print("%d %s" % (total, h.hexdigest()))


def send(addr, port, mbytes, seed):
    rng = random.Random(seed)
    # A receiver told to hold stops reading for as long as its test
    # needs (less than TIMEOUT): sendall() waits meanwhile.
    s = socket.create_connection((addr, port), timeout=TIMEOUT)
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
        if len(sys.argv) == 8:
            recv(sys.argv[2], int(sys.argv[3]), sys.argv[4],
                 int(sys.argv[5]), sys.argv[6], sys.argv[7])
        else:
            recv(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    else:
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
