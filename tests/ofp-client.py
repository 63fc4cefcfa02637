#!/usr/bin/env python3
"""A raw OpenFlow client for tests: sends hand-made messages and prints
what the switch answers, one line per message received.

usage: ofp-client.py SOCKET [--no-hello] [--hello-version V] STEP...

It connects to the unix socket SOCKET, reads the switch's HELLO (printed
as "HELLO v4 bitmap 0x10") and, unless --no-hello, sends a HELLO of
version V (default 4).  Then each STEP is "send:HEX" (raw bytes, xid
included) or "expect:N" (wait for N messages, 5 s at most each) or
"close" (wait for the switch to close the connection, 5 s at most) or
"flood:N" (send N ECHO_REQUESTs with 8 bytes of payload from another
thread while reading the replies; prints "N echo replies in order") or
"ready:FILE" (create FILE, for the test to go on) or "wait:FILE" (wait
10 s at most for FILE to exist).
Messages received are printed as "TYPE-NAME xid X" with, for ERROR,
"type T code C"; a closed connection prints "closed"."""
import os
import socket
import struct
import sys
import threading
import time

TYPES = {0: "HELLO", 1: "ERROR", 2: "ECHO_REQUEST", 3: "ECHO_REPLY",
         6: "FEATURES_REPLY", 8: "GET_CONFIG_REPLY", 19: "MULTIPART_REPLY",
         21: "BARRIER_REPLY"}


def recv_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def recv_msg(sock):
    hdr = recv_exact(sock, 8)
    if hdr is None:
        return None
    version, mtype, length, xid = struct.unpack("!BBHI", hdr)
    body = recv_exact(sock, length - 8) if length > 8 else b""
    if body is None:
        return None
    return version, mtype, xid, body


def describe(msg):
    version, mtype, xid, body = msg
    name = TYPES.get(mtype, "TYPE%d" % mtype)
    if mtype == 0:
        bitmap = 0
        if len(body) >= 8:
            bitmap = struct.unpack("!I", body[4:8])[0]
        return "HELLO v%d bitmap 0x%x" % (version, bitmap)
    if mtype == 1:
        etype, code = struct.unpack("!HH", body[:4])
        return "ERROR xid %d type %d code %d" % (xid, etype, code)
    if mtype == 12:
        reason = body[0]
        port, = struct.unpack("!I", body[8:12])
        name = body[24:40].split(b"\0")[0].decode()
        config, state = struct.unpack("!II", body[40:48])
        return ("PORT_STATUS reason %d port %d name %s config %d state %d"
                % (reason, port, name, config, state))
    if mtype == 25:
        role, gen = struct.unpack("!I4xQ", body[:16])
        return "ROLE_REPLY xid %d role %d generation %d" % (xid, role, gen)
    if mtype == 19:
        mp_type, flags = struct.unpack("!HH", body[:4])
        return "MULTIPART_REPLY xid %d mp %d" % (xid, mp_type)
    return "%s xid %d" % (name, xid)


def main():
    sys.stdout.reconfigure(line_buffering=True)
    args = sys.argv[1:]
    path = args.pop(0)
    hello_version = 4
    send_hello = True
    while args and args[0].startswith("--"):
        opt = args.pop(0)
        if opt == "--no-hello":
            send_hello = False
        elif opt == "--hello-version":
            hello_version = int(args.pop(0))
        else:
            sys.exit("unknown option %s" % opt)
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(10)
    sock.connect(path)
    print(describe(recv_msg(sock)))
    if send_hello:
        sock.sendall(struct.pack("!BBHI", hello_version, 0, 8, 1))
    for step in args:
        if step.startswith("send:"):
            sock.sendall(bytes.fromhex(step[5:]))
        elif step.startswith("expect:"):
            for _ in range(int(step[7:])):
                msg = recv_msg(sock)
                if msg is None:
                    print("closed")
                    return
                print(describe(msg))
        elif step.startswith("flood:"):
            n = int(step[6:])
            data = b"".join(struct.pack("!BBHIQ", 4, 2, 16, i, i)
                            for i in range(n))
            sender = threading.Thread(target=sock.sendall, args=(data,))
            sender.start()
            for i in range(n):
                msg = recv_msg(sock)
                if (msg is None or msg[1] != 3 or msg[2] != i
                        or msg[3] != struct.pack("!Q", i)):
                    sys.exit("reply %d: unexpected %r" % (i, msg))
            sender.join()
            print("%d echo replies in order" % n)
        elif step.startswith("wait:"):
            deadline = time.time() + 10
            while not os.path.exists(step[5:]):
                if time.time() > deadline:
                    sys.exit("timed out waiting for %s" % step[5:])
                time.sleep(0.05)
        elif step.startswith("ready:"):
            open(step[6:], "w").close()
        elif step == "close":
            msg = recv_msg(sock)
            while msg is not None:
                print(describe(msg))
                msg = recv_msg(sock)
            print("closed")
        else:
            sys.exit("bad step %s" % step)


main()
