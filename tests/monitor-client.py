#! /usr/bin/env python3
"""A JSON-RPC client of nfvs-vswitchd's "monitor" subscription, for the
tests in tests/monitor.at.

    monitor-client.py slow SOCKET READY GO
        Subscribes to the flow events of bridge br0, creates file READY,
        then reads nothing until file GO exists (a subscriber that does
        not read).  Then asks flow.dump for the bridge's change count and
        reads events until one carries it, and checks what arrived: each
        event's seq above the one before, and the events received plus
        those the gap notifications say were dropped exactly the changes
        made since the subscription (read until they add up, so a lost event
        or gap marker fails by timeout).  Prints a summary.

    monitor-client.py cancel SOCKET
        Subscribes to bridge events, adds bridge brA (with nfvs-ctl) and
        checks that its event arrives; cancels; adds bridge brB and checks
        that nothing arrives before the answer to a later request; and
        checks the errors of a second cancel and of a second monitor.

    monitor-client.py hold SOCKET READY
        Subscribes to everything, creates file READY and reads nothing
        until killed.

Every wait is bounded: a step that takes more than 60 s fails."""

import json
import os
import socket
import subprocess
import sys
import time

TIMEOUT = 60


class Client:
    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(TIMEOUT)
        self.sock.connect(path)
        self.buf = b""
        self.next_id = 1

    def send(self, method, params=None):
        msg = {"jsonrpc": "2.0", "id": self.next_id, "method": method}
        if params is not None:
            msg["params"] = params
        self.next_id += 1
        self.sock.sendall(json.dumps(msg).encode() + b"\n")
        return msg["id"]

    def recv(self):
        while b"\n" not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError("connection closed by the daemon")
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, method, params=None):
        """Returns (response, notifications received before it)."""
        msg_id = self.send(method, params)
        notes = []
        while True:
            msg = self.recv()
            if msg.get("id") == msg_id:
                return msg, notes
            notes.append(msg)


def wait_file(path):
    deadline = time.time() + TIMEOUT
    while not os.path.exists(path):
        if time.time() > deadline:
            sys.exit("timed out waiting for %s" % path)
        time.sleep(0.05)


def ctl(*args):
    subprocess.run(("nfvs-ctl",) + args, check=True)


def cmd_slow(path, ready, go):
    c = Client(path)
    answer, notes = c.call("monitor", {"kinds": ["flow"], "bridge": "br0"})
    start = answer["result"]["flow_seqs"]["br0"]
    open(ready, "w").close()
    wait_file(go)

    # Read what was queued while we slept, then ask for the count.
    dump, more = c.call("flow.dump", {"bridge": "br0", "no_stats": True})
    notes += more
    end = dump["result"]["seq"]

    def count(notes):
        n = 0
        for note in notes:
            event = note["params"]
            n += event["dropped"] if event["kind"] == "gap" else 1
        return n

    while count(notes) < end - start:
        notes.append(c.recv())

    n_events = n_gaps = n_dropped = 0
    prev = start
    increasing = True
    for note in notes:
        event = note["params"]
        if event["kind"] == "gap":
            n_gaps += 1
            n_dropped += event["dropped"]
        else:
            n_events += 1
            if event["seq"] <= prev:
                increasing = False
            prev = event["seq"]
    print("changes made: %s" % ("none" if end == start else "some"))
    print("events received: %s" % ("none" if not n_events else "some"))
    print("gap markers: %s" % ("none" if not n_gaps else "some"))
    print("seqs increasing: %s" % increasing)
    print("received + dropped = changes: %s"
          % (n_events + n_dropped == end - start))


def cmd_cancel(path):
    c = Client(path)
    answer, notes = c.call("monitor", {"kinds": ["bridge"]})
    print("monitor: %s" % json.dumps(answer["result"], sort_keys=True))

    answer, notes = c.call("monitor", {"kinds": ["port"]})
    print("monitor again: %s" % json.dumps(answer["error"]))

    ctl("add-br", "brA")
    event = notes[0]["params"] if notes else c.recv()["params"]
    print("event: %s" % json.dumps(event, sort_keys=True))

    answer, notes = c.call("monitor_cancel")
    print("cancel: %s, events before: %d" % (json.dumps(answer["result"]),
                                             len(notes)))
    ctl("add-br", "brB")
    answer, notes = c.call("bridge.list")
    print("bridge.list: %s, events before: %d"
          % (json.dumps(answer["result"]), len(notes)))

    answer, notes = c.call("monitor_cancel")
    print("cancel again: %s" % json.dumps(answer["error"]))


def cmd_hold(path, ready):
    c = Client(path)
    answer, notes = c.call("monitor", {"kinds": ["bridge", "port", "flow"]})
    open(ready, "w").close()
    while True:
        time.sleep(TIMEOUT)


def main():
    cmds = {"slow": cmd_slow, "cancel": cmd_cancel, "hold": cmd_hold}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])


if __name__ == "__main__":
    main()
