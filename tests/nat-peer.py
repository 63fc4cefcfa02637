#! /usr/bin/env python3
"""nat-peer.py: what each end of a NATed TCP connection sees.

  nat-peer.py server ADDR PORT N READY-FILE
      listen, create READY-FILE, accept N connections, print the peer
      address of each as "IP:PORT", then answer "ok" on each (so the N
      connections are open together)
  nat-peer.py client ADDR PORT
      connect, print the answer
  nat-peer.py udp ADDR PORT
      send a datagram on a connected UDP socket and print "refused" if
      the ICMP port unreachable that comes back fails the socket
      (ECONNREFUSED), "answer" if a datagram comes back, "no answer"
      after TIMEOUT seconds

Every wait is bounded (TIMEOUT seconds), so a test that goes wrong fails
instead of hanging.
"""
import socket
import sys

TIMEOUT = 60


def server(addr, port, n, ready):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(8)
    s.settimeout(TIMEOUT)
    open(ready, "w").close()
    conns = []
    for _ in range(n):
        c, peer = s.accept()
        print("%s:%d" % peer, flush=True)
        conns.append(c)
    for c in conns:
        c.sendall(b"ok\n")
        c.close()


def client(addr, port):
    c = socket.create_connection((addr, port), timeout=TIMEOUT)
    data = b""
    while not data.endswith(b"\n"):
        chunk = c.recv(100)
        if not chunk:
            break
        data += chunk
    print(data.decode().strip())


def udp(addr, port):
    c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    c.settimeout(TIMEOUT)
    c.connect((addr, port))
    c.send(b"x")
    try:
        c.recv(100)
        print("answer")
    except ConnectionRefusedError:
        print("refused")
    except socket.timeout:
        print("no answer")


def main():
    if len(sys.argv) == 6 and sys.argv[1] == "server":
        server(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5])
    elif len(sys.argv) == 4 and sys.argv[1] == "client":
        client(sys.argv[2], int(sys.argv[3]))
    elif len(sys.argv) == 4 and sys.argv[1] == "udp":
        udp(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
