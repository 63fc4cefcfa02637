#! /usr/bin/env python3
"""lb-echo.py: TCP connections through a load balancer, content checked.

  lb-echo.py serve ADDR PORT NAME READY-FILE
      listen on ADDR:PORT, create READY-FILE, and answer every line of
      every connection with "NAME LINE"; stops after TIMEOUT seconds
  lb-echo.py client ADDR PORT CONNECTIONS ROUNDS
      open CONNECTIONS connections to ADDR:PORT at once, then in each of
      ROUNDS rounds send a line with a fresh random token on every one
      and read the answer; checks that each answer echoes its line and
      that every answer of a connection names one backend for its whole
      life; prints "BACKEND CONNECTIONS" lines, sorted, and exits 1 on
      any mismatch

Every wait is bounded, so that a test that goes wrong fails instead of
hanging.
"""
import os
import random
import socket
import socketserver
import sys
import threading
import time

TIMEOUT = 120


def serve(addr, port, name, ready):
    class Handler(socketserver.StreamRequestHandler):
        def handle(self):
            self.request.settimeout(TIMEOUT)
            for line in self.rfile:
                self.wfile.write(b"%s %s" % (name.encode(), line))
                self.wfile.flush()

    class Server(socketserver.ThreadingTCPServer):
        allow_reuse_address = True
        daemon_threads = True

    srv = Server((addr, port), Handler)
    open(ready, "w").close()
    threading.Timer(TIMEOUT, srv.shutdown).start()
    srv.serve_forever()


def client(addr, port, n, rounds):
    conns = []
    for _ in range(n):
        s = socket.create_connection((addr, port), timeout=TIMEOUT)
        conns.append((s, s.makefile("rb")))
    backend = [None] * n
    errors = 0
    for r in range(rounds):
        for i, (s, f) in enumerate(conns):
            token = "%d-%d-%016x" % (i, r, random.getrandbits(64))
            s.sendall(token.encode() + b"\n")
            answer = f.readline().decode().rstrip("\n")
            name, _, echo = answer.partition(" ")
            if echo != token:
                sys.stderr.write("connection %d: sent %s, got %r\n"
                                 % (i, token, answer))
                errors += 1
            elif backend[i] is None:
                backend[i] = name
            elif backend[i] != name:
                sys.stderr.write("connection %d moved from %s to %s\n"
                                 % (i, backend[i], name))
                errors += 1
    for s, f in conns:
        f.close()
        s.close()
    counts = {}
    for b in backend:
        counts[b] = counts.get(b, 0) + 1
    for b in sorted(counts, key=str):
        print("%s %d" % (b, counts[b]))
    return 1 if errors else 0


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "serve":
        serve(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
        return 0
    if len(sys.argv) == 6 and sys.argv[1] == "client":
        return client(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]),
                      int(sys.argv[5]))
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main())
