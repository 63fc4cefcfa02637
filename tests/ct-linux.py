#! /usr/bin/python3
"""Runs test-conntrack packet scripts through Linux's own nf_conntrack.

    ct-linux.py [--nfvstest PROG] [--random N] [--seed S] [--at FILE] [-v]
                [SCRIPT...]

Builds the frames a script describes ("tcp", "udp" and "icmp"/"icmp6"
lines of tests/test-conntrack.c's language; other lines are ignored) and
sends them, one at a time, through a network namespace that forwards
them with nf_conntrack_tcp_loose=0 and nf_conntrack_tcp_be_liberal=0.
An nftables rule there writes each packet's conntrack verdict into its
DSCP field, read back where the namespace forwards it, and the
connection's TCP state is read from /proc/net/nf_conntrack.  Each packet
prints a line as test-conntrack prints it: "+trk+est+rpl ESTABLISHED",
"+trk+new ok" (UDP, ICMP), "+trk+inv".

With --nfvstest, each script (and each of N random TCP sequences, and
each test-conntrack script of autotest FILE) is also run through nfvs's
tracker ("PROG test-conntrack", every packet committed) and the two
outputs compared, the reason after "+trk+inv" left out; the differences
are printed, the deliberate ones of docs/conntrack.md marked "~", and
the exit status is 1 if there are others.  Needs root, ip and nft;
everything it creates goes away on exit."""

import argparse
import ctypes
import os
import random
import re
import select
import socket
import struct
import subprocess
import sys
import time

from pktutil import checksum

CLONE_NEWNET = 0x40000000
ETH_P_ALL = 3
VERDICTS = {1: "+trk+new", 2: "+trk+est", 3: "+trk+est+rpl",
            4: "+trk+rel", 5: "+trk+rel+rpl", 6: "+trk+inv", 7: "-trk"}

NFT_RULES = """
table inet ctcheck {
    chain pre {
        type filter hook prerouting priority -150; policy accept;
        ct state invalid meta nfproto ipv4 ip dscp set 6 return
        ct state invalid meta nfproto ipv6 ip6 dscp set 6 return
        ct state untracked meta nfproto ipv4 ip dscp set 7 return
        ct state untracked meta nfproto ipv6 ip6 dscp set 7 return
        ct state new meta nfproto ipv4 ip dscp set 1 return
        ct state new meta nfproto ipv6 ip6 dscp set 1 return
        ct state established ct direction original meta nfproto ipv4 ip dscp set 2 return
        ct state established ct direction original meta nfproto ipv6 ip6 dscp set 2 return
        ct state established ct direction reply meta nfproto ipv4 ip dscp set 3 return
        ct state established ct direction reply meta nfproto ipv6 ip6 dscp set 3 return
        ct state related ct direction original meta nfproto ipv4 ip dscp set 4 return
        ct state related ct direction original meta nfproto ipv6 ip6 dscp set 4 return
        ct state related ct direction reply meta nfproto ipv4 ip dscp set 5 return
        ct state related ct direction reply meta nfproto ipv6 ip6 dscp set 5 return
    }
}
"""


def parse_endpoint(text, has_port):
    if text.startswith("["):
        addr, _, rest = text[1:].partition("]")
        port = int(rest[1:]) if has_port else 0
        return socket.inet_pton(socket.AF_INET6, addr), port
    if has_port:
        addr, _, port = text.rpartition(":")
        return socket.inet_aton(addr), int(port)
    return socket.inet_aton(text), 0


def ip_packet(src, dst, proto, l4, ident):
    """Wraps 'l4' in an IPv4 or IPv6 header; the L4 checksum must be
    filled in already."""
    if len(src) == 4:
        hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), ident,
                          0, 64, proto, 0, src, dst)
        hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
        return 0x0800, hdr + l4
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(l4), proto, 64, src, dst)
    return 0x86dd, hdr + l4


def pseudo(src, dst, proto, length):
    if len(src) == 4:
        return src + dst + struct.pack("!BBH", 0, proto, length)
    return src + dst + struct.pack("!I3xB", length, proto)


def with_checksum(src, dst, proto, l4, ofs):
    c = checksum(pseudo(src, dst, proto, len(l4)) + l4)
    if proto == 17 and c == 0:
        c = 0xffff
    return l4[:ofs] + struct.pack("!H", c) + l4[ofs + 2:]


def tcp_segment(words):
    flags = 0
    for f in words[4]:
        if f == ".":
            break
        flags |= 1 << "FSRPAU".index(f)
    seq, ack, win, length, opts, doff = 0, 0, 65535, 0, b"", None
    for a in words[5:]:
        key, _, val = a.partition("=")
        if key == "seq":
            seq = int(val, 0)
        elif key == "ack":
            ack = int(val, 0)
        elif key == "win":
            win = int(val, 0)
        elif key == "len":
            length = int(val, 0)
        elif key == "doff":
            doff = int(val, 0)
        elif key == "wscale":
            opts += bytes([1, 3, 3, int(val)])
        elif key == "sackperm":
            opts += bytes([1, 1, 4, 2])
        elif key == "sack":
            left, _, right = val.partition("-")
            opts += bytes([1, 1, 5, 10]) + struct.pack("!II", int(left),
                                                        int(right))
    if doff is None:
        doff = (20 + len(opts)) // 4
    return flags, seq, ack, win, opts, length, doff


def is_packet(line):
    """True for a packet line this script can send: TCP, UDP or ICMP, not
    in a zone, not cut short, not a fragment, its checksum not trusted
    unchecked."""
    words = line.split()
    return (bool(words) and words[0] in ("tcp", "udp", "icmp", "icmp6")
            and not any(w.startswith(("zone=", "trunc="))
                        or w in ("frag", "twice", "csum-trusted")
                        for w in words))


def spoil_checksum(l4, ofs, words):
    """Applies a csum=bad (a wrong checksum, never zero) or csum=0 option
    of 'words' to the checksum field at 'ofs' of 'l4'."""
    for w in words:
        if w in ("csum=bad", "csum=0"):
            c = struct.unpack("!H", l4[ofs:ofs + 2])[0]
            c = 0 if w == "csum=0" else (c ^ 1 or 2)
            return l4[:ofs] + struct.pack("!H", c) + l4[ofs + 2:]
    return l4


def build(line, ident):
    """Returns (ethertype, IP packet, tuple of the packet) for a packet
    line of the script, or None for another line."""
    words = line.split()
    if not is_packet(line):
        return None
    has_port = words[0] in ("tcp", "udp")
    src, sport = parse_endpoint(words[1], has_port)
    dst, dport = parse_endpoint(words[3], has_port)
    if words[0] == "tcp":
        flags, seq, ack, win, opts, length, doff = tcp_segment(words)
        l4 = struct.pack("!HHIIHHHH", sport, dport, seq, ack,
                         doff << 12 | flags, win, 0, 0)
        l4 = with_checksum(src, dst, 6, l4 + opts + bytes(length), 16)
        l4 = spoil_checksum(l4, 16, words)
        proto = 6
    elif words[0] == "udp":
        length = 0
        for a in words[4:]:
            if a.startswith("len="):
                length = int(a[4:])
        l4 = struct.pack("!HHHH", sport, dport, 8 + length, 0)
        l4 = with_checksum(src, dst, 17, l4 + bytes(length), 6)
        l4 = spoil_checksum(l4, 6, words)
        proto = 17
    else:
        v6 = len(src) == 16
        proto = 58 if v6 else 1
        kind = words[4]
        ident_ = 0
        for a in words[5:]:
            if a.startswith("id="):
                ident_ = int(a[3:])
        if kind.isdigit():
            l4 = struct.pack("!BBHI", int(kind), 0, 0, 0)
            sport = dport = 0
        elif kind in ("echo", "reply"):
            types = {"echo": (128, 129), "reply": (129, 128)} if v6 else \
                {"echo": (8, 0), "reply": (0, 8)}
            l4 = struct.pack("!BBHHH", types[kind][0], 0, 0, ident_, 1)
            sport = dport = ident_
        else:
            inner = words[5].split(",")
            iproto = {"tcp": 6, "udp": 17, "icmp": 58 if v6 else 1}[inner[0]]
            fam = socket.AF_INET6 if v6 else socket.AF_INET
            isrc = socket.inet_pton(fam, inner[1])
            idst = socket.inet_pton(fam, inner[3])
            iport1, iport2 = int(inner[2]), int(inner[4])
            if inner[0] == "icmp":
                il4 = struct.pack("!BBHHH", 128 if v6 else 8, 0, 0, iport1, 1)
            else:
                il4 = struct.pack("!HHII", iport1, iport2, 1, 0)
            for a in words[6:]:
                if a.startswith("quote="):
                    # Only the first bytes of the L4 header are quoted.
                    il4 = il4[:int(a[6:])]
            _, ipkt = ip_packet(isrc, idst, iproto, il4, 0)
            # The state shown is the one of the connection it is about.
            related = (iproto, isrc, idst, iport1, iport2)
            if v6:
                t = {"unreach": (1, 4), "ttl": (3, 0)}[kind]
            else:
                t = {"unreach": (3, 3), "ttl": (11, 0)}[kind]
            l4 = struct.pack("!BBHI", t[0], t[1], 0, 0) + ipkt
            sport = dport = 0
        if v6:
            l4 = with_checksum(src, dst, 58, l4, 2)
        else:
            l4 = l4[:2] + struct.pack("!H", checksum(l4)) + l4[4:]
        l4 = spoil_checksum(l4, 2, words)
    ethertype, pkt = ip_packet(src, dst, proto, l4, ident)
    if words[0].startswith("icmp") and words[4] in ("unreach", "ttl"):
        return ethertype, pkt, related
    return ethertype, pkt, (proto, src, dst, sport, dport)


def sh(*args, check=True):
    return subprocess.run(args, check=check, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True).stdout


class LinuxCT:
    """Two namespaces: 'a' sends frames into 'r', which tracks and
    forwards them out of another veth, where they are read back."""

    def __init__(self):
        tag = "%d" % os.getpid()
        self.ns_a, self.ns_r = "ctla" + tag, "ctlr" + tag
        self.libc = ctypes.CDLL(None, use_errno=True)
        self.host_fd = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        sh("ip", "netns", "add", self.ns_a)
        sh("ip", "netns", "add", self.ns_r)
        try:
            self._setup()
        except BaseException:
            self.close()
            raise

    def _in(self, ns, *args):
        return sh("ip", "netns", "exec", ns, *args)

    def _setns(self, fd):
        if self.libc.setns(fd, CLONE_NEWNET):
            raise OSError(ctypes.get_errno(), "setns")

    def _setup(self):
        a, r = self.ns_a, self.ns_r
        # In through cta -> ctr, out through cto -> ctp (where they die).
        sh("ip", "link", "add", "cta", "netns", a, "type", "veth",
           "peer", "name", "ctr", "netns", r)
        sh("ip", "link", "add", "ctp", "netns", a, "type", "veth",
           "peer", "name", "cto", "netns", r)
        self._in(a, "ip", "link", "set", "cta", "mtu", "9000", "up")
        self._in(a, "ip", "link", "set", "ctp", "mtu", "9000", "up")
        for cmd in (["ip", "link", "set", "lo", "up"],
                    ["ip", "link", "set", "ctr", "mtu", "9000", "up"],
                    ["ip", "link", "set", "cto", "mtu", "9000", "up"],
                    ["ip", "addr", "add", "192.0.2.1/24", "dev", "cto"],
                    ["ip", "neigh", "add", "192.0.2.2", "lladdr",
                     "02:00:00:00:00:02", "dev", "cto", "nud", "permanent"],
                    ["ip", "route", "add", "default", "via", "192.0.2.2"],
                    ["ip", "-6", "addr", "add", "fd99::1/64", "dev", "cto",
                     "nodad"],
                    ["ip", "-6", "neigh", "add", "fd99::2", "lladdr",
                     "02:00:00:00:00:02", "dev", "cto", "nud", "permanent"],
                    ["ip", "-6", "route", "add", "default", "via",
                     "fd99::2"]):
            self._in(r, *cmd)
        for name, value in (("net.ipv4.ip_forward", 1),
                            ("net.ipv4.conf.all.rp_filter", 0),
                            ("net.ipv4.conf.ctr.rp_filter", 0),
                            ("net.ipv6.conf.all.forwarding", 1),
                            ("net.netfilter.nf_conntrack_tcp_loose", 0),
                            ("net.netfilter.nf_conntrack_tcp_be_liberal", 0),
                            ("net.netfilter.nf_conntrack_checksum", 1)):
            self._in(r, "sysctl", "-qw", "%s=%d" % (name, value))
        subprocess.run(["ip", "netns", "exec", r, "nft", "-f", "-"],
                       input=NFT_RULES, text=True, check=True)
        self.dst_mac = bytes.fromhex(self._in(
            r, "cat", "/sys/class/net/ctr/address").strip().replace(":", ""))
        self.a_fd = os.open("/run/netns/" + a, os.O_RDONLY)
        self.r_fd = os.open("/run/netns/" + r, os.O_RDONLY)
        self._setns(self.a_fd)
        self.tx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
        self.tx.bind(("cta", 0))
        self._setns(self.r_fd)
        self.rx = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                                socket.htons(ETH_P_ALL))
        self.rx.bind(("cto", 0))
        # Stays in the tracking namespace, for /proc/thread-self/net.

    def close(self):
        try:
            self._setns(self.host_fd)
        except OSError:
            pass
        for name in ("tx", "rx"):
            if hasattr(self, name):
                getattr(self, name).close()
        for name in ("a_fd", "r_fd", "host_fd"):
            if hasattr(self, name):
                os.close(getattr(self, name))
        for ns in (self.ns_a, self.ns_r):
            sh("ip", "netns", "del", ns, check=False)

    def _state(self, tup):
        proto, src, dst, sport, dport = tup
        fam = socket.AF_INET if len(src) == 4 else socket.AF_INET6

        def norm(a):
            return socket.inet_ntop(fam, socket.inet_pton(fam, a))
        want = (socket.inet_ntop(fam, src), socket.inet_ntop(fam, dst),
                str(sport), str(dport))
        with open("/proc/thread-self/net/nf_conntrack") as f:
            for line in f:
                w = line.split()
                if w[0] != ("ipv4" if fam == socket.AF_INET else "ipv6") \
                        or int(w[3]) != proto:
                    continue
                kv = [x.split("=", 1) for x in w if "=" in x]
                srcs = [norm(v) for k, v in kv if k == "src"]
                dsts = [norm(v) for k, v in kv if k == "dst"]
                sps = [v for k, v in kv if k == "sport"] or ["0", "0"]
                dps = [v for k, v in kv if k == "dport"] or ["0", "0"]
                for i in range(2):
                    # ICMP echoes are matched by their addresses alone.
                    if (srcs[i], dsts[i]) == want[:2] and \
                            (proto not in (6, 17) or
                             (sps[i], dps[i]) == want[2:]):
                        return w[5] if proto == 6 else "ok"
        return "-"

    def send(self, ethertype, pkt, tup, ident):
        frame = self.dst_mac + bytes.fromhex("020000000001") + \
            struct.pack("!H", ethertype) + pkt
        self.tx.send(frame)
        # Linux forwards every packet (the nft rules only mark them), so
        # the wait ends as soon as it is back; the limit is only for a
        # packet that is really lost, and must not be hit on a slow or
        # loaded machine.
        deadline = time.monotonic() + 10.0
        verdict = "dropped"
        while time.monotonic() < deadline:
            poller = select.poll()
            poller.register(self.rx, select.POLLIN)
            if not poller.poll(max(0, deadline - time.monotonic()) * 1000):
                break
            data = self.rx.recv(65535)
            et = struct.unpack("!H", data[12:14])[0]
            ip = data[14:]
            if et == 0x0800 and ethertype == 0x0800 and \
                    struct.unpack("!H", ip[4:6])[0] == ident:
                verdict = VERDICTS.get(ip[1] >> 2, "?")
                break
            if et == 0x86dd and ethertype == 0x86dd and \
                    ip[8:40] == pkt[8:40] and ip[40:] == pkt[40:]:
                tc = (struct.unpack("!I", ip[:4])[0] >> 20) & 0xff
                verdict = VERDICTS.get(tc >> 2, "?")
                break
        if verdict in ("+trk+inv", "dropped", "-trk"):
            return verdict
        # /proc/net/nf_conntrack is read in pieces, not atomically: with
        # thousands of entries and the garbage collector at work an entry
        # may be missed, so a missing one is looked for again.
        for _ in range(4):
            state = self._state(tup)
            if state != "-":
                break
            time.sleep(0.01)
        return "%s %s" % (verdict, state)


def run_linux(ct, script):
    out = []
    for n, line in enumerate(script.splitlines()):
        built = build(line, (n + 1) & 0xffff)
        if built:
            out.append(ct.send(*built, (n + 1) & 0xffff))
    return out


def run_nfvs(prog, script):
    lines = [line + " commit" for line in script.splitlines()
             if is_packet(line)]
    res = subprocess.run([prog, "test-conntrack"], input="\n".join(lines)
                         + "\n", text=True, stdout=subprocess.PIPE,
                         check=True)
    return res.stdout.splitlines()


CLOSING = ("FIN_WAIT", "CLOSE_WAIT", "LAST_ACK")


def deliberate(packet, before, linux, ours):
    """True if 'packet', seen by Linux in state 'before', falls under
    the deliberate differences 1 and 2 of docs/conntrack.md for an RST:

    1. In a synchronized connection an RST must carry exactly the
       receiver's last ack, or the end of what its sender sent; Linux
       lets any other in-window RST pass and leaves the state alone (nfvs:
       +inv, reason "rst"), and closes only on the last ack or when the
       RST follows the sender's own last segment (nfvs also closes on an
       RST at the end of data the receiver has not acked yet).
    2. Linux checks nothing of an RST in FIN_WAIT, CLOSE_WAIT or
       LAST_ACK; nfvs checks it as in ESTABLISHED.

    and difference 4 for any ICMP packet.

    The windows may differ from then on."""
    words = packet.split()
    if ours == "+trk+inv icmp" and (linux == "-trk"
                                    or not linux.startswith("+trk+inv")):
        # 4. ICMP types other than echo and errors: Linux leaves some
        # untracked (neighbour discovery...) and tracks the timestamp,
        # information and address mask queries like echo.
        return True
    if words[0] != "tcp" or "R" not in words[4] or same(linux, ours):
        return False
    if before in CLOSING:
        return True
    return (ours == "+trk+inv rst"
            or (ours.endswith(" CLOSE") and linux.endswith(" " + before)))


def same(linux, ours):
    """Compares a packet's results; an invalid packet's reason, which
    only nfvs prints, is left out."""
    if ours.startswith("+trk+inv"):
        ours = "+trk+inv"
    return linux == ours.split(" mark=")[0]


def compare(packets, linux, ours):
    """Returns the marks of each packet ("  " same, "=>" differs, "~ "
    deliberate difference, "  " for what follows it) and whether any
    differs."""
    marks, differs, stop = [], len(linux) != len(ours), False
    before = "-"
    for pk, l_, o in zip(packets, linux, ours):
        if stop:
            marks.append("  ")
        elif deliberate(pk, before, l_, o):
            marks.append("~ ")
            stop = not pk.startswith("icmp")
        elif same(l_, o):
            marks.append("  ")
        else:
            marks.append("=>")
            differs = True
        if not l_.startswith("+trk+inv"):
            before = l_.split()[-1]
    return marks, differs


def random_tcp(rng):
    """A random TCP exchange between A and B: a handshake (sometimes
    skipped, repeated or simultaneous), data both ways, closes and
    resets, with sequence and ack numbers mostly right and sometimes a
    little or far off, now and then a bad checksum, and ICMP errors
    quoting 8 or only 4 bytes of the TCP header."""
    if rng.random() < 0.2:
        ha, hb = "fd00::1", "fd00::2"
        a, b = "[%s]:%d" % (ha, rng.randrange(1024, 65535)), "[%s]:80" % hb
    else:
        ha, hb = "10.0.0.1", "10.0.0.2"
        a, b = "%s:%d" % (ha, rng.randrange(1024, 65535)), "%s:80" % hb
    icmp = "icmp6" if ":" in ha else "icmp"
    seq = {a: rng.randrange(1 << 32), b: rng.randrange(1 << 32)}
    acked = {a: None, b: None}
    win = {a: rng.choice([0, 1, 512, 29200, 65535]),
           b: rng.choice([1, 512, 28960, 65535])}
    ws = {a: rng.choice([None, 0, 7]), b: rng.choice([None, 0, 7])}
    lines = []

    def pkt(frm, flags, length=0, seq_=None, ack_=None, opts=""):
        to = b if frm == a else a
        s = seq[frm] if seq_ is None else seq_
        k = acked[frm]
        if ack_ is None:
            ack_ = seq[to] if k is None else k
        if "A" not in flags and rng.random() < 0.7:
            ack_ = 0
        if rng.random() < 0.03:
            opts += " csum=bad"
        lines.append("tcp %s > %s %s seq=%d ack=%d win=%d len=%d%s" % (
            frm, to, flags, s % (1 << 32), ack_ % (1 << 32), win[frm],
            length, opts))

    def jitter(v):
        r = rng.random()
        if r < 0.75:
            return v
        if r < 0.9:
            return v + rng.choice([-1, 1, -100, 100, -2000, 3000])
        return v + rng.choice([1 << 30, -(1 << 30), 70000, -70000])

    first = rng.choice([a, a, a, b])
    other = b if first == a else a
    opts = {x: (" wscale=%d" % ws[x] if ws[x] is not None else "") for x in ws}
    if rng.random() < 0.9:
        pkt(first, "S", opts=opts[first])
        if rng.random() < 0.2:
            pkt(first, "S", opts=opts[first])
        seq[first] += 1
        r = rng.random()
        if r < 0.7:
            pkt(other, "SA", ack_=seq[first], opts=opts[other])
            seq[other] += 1
        elif r < 0.8:
            pkt(other, "S", opts=opts[other])
            seq[other] += 1
            pkt(first, "SA", seq_=seq[first] - 1, ack_=seq[other],
                opts=opts[first])
        elif r < 0.9:
            pkt(other, "R", seq_=0, ack_=seq[first])
        if rng.random() < 0.85:
            pkt(first, "A", ack_=seq[other])
    for _ in range(rng.randrange(3, 14)):
        frm = rng.choice([a, b])
        to = b if frm == a else a
        r = rng.random()
        if r < 0.04:
            # An ICMP error about the connection, from either end.
            frm_h, to_h = (ha, hb) if frm == a else (hb, ha)
            br = "[%s]" if icmp == "icmp6" else "%s"
            lines.append("%s %s > %s unreach tcp,%s,%s,%s,%s%s" % (
                icmp, br % frm_h, br % to_h, to_h, to.rsplit(":", 1)[1],
                frm_h, frm.rsplit(":", 1)[1],
                rng.choice(["", " quote=4"])))
            continue
        if r < 0.07:
            # The client starts over on the same ports.
            seq[a] += rng.choice([1, 100000, -100000])
            pkt(a, "S", opts=opts[a])
            seq[a] += 1
            continue
        if r < 0.55:
            length = rng.choice([1, 100, 1000, 1448])
            pkt(frm, "PA", length, seq_=jitter(seq[frm]),
                ack_=jitter(seq[to]))
            if rng.random() < 0.85:
                seq[frm] += length
        elif r < 0.7:
            pkt(frm, "A", seq_=jitter(seq[frm]), ack_=jitter(seq[to]))
        elif r < 0.82:
            pkt(frm, "FA", seq_=jitter(seq[frm]), ack_=jitter(seq[to]))
            seq[frm] += 1
        elif r < 0.9:
            pkt(frm, rng.choice(["R", "RA"]), seq_=jitter(seq[frm]),
                ack_=seq[to])
        elif r < 0.95:
            pkt(frm, rng.choice(["S", "SA", "F", "A", "PAU"]),
                seq_=jitter(seq[frm]), ack_=jitter(seq[to]))
        else:
            win[frm] = rng.choice([0, 1, 1000, 65535])
            pkt(frm, "A", ack_=seq[to])
    return "\n".join(lines) + "\n"


def at_scripts(path):
    """The test-conntrack scripts of an autotest file, m4 quoting undone:
    (name, script) pairs."""
    text = open(path).read()
    out = []
    for test in re.finditer(r"AT_SETUP\(\[(.*?)\]\)(.*?)AT_CLEANUP", text,
                            re.S):
        for i, m in enumerate(re.finditer(
                r"test-conntrack[^\n]*<<EOF\n(.*?)\nEOF", test.group(2),
                re.S)):
            script = m.group(1).replace("[[", "[").replace("]]", "]")
            out.append(("%s: %s #%d" % (os.path.basename(path),
                                         test.group(1), i + 1), script))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--nfvstest")
    p.add_argument("--random", type=int, default=0)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--at", action="append", default=[])
    p.add_argument("-v", action="store_true")
    p.add_argument("scripts", nargs="*")
    args = p.parse_args()

    scripts = [(s, open(s).read()) for s in args.scripts]
    for path in args.at:
        scripts += at_scripts(path)
    rng = random.Random(args.seed)
    scripts += [("random %d (seed %d)" % (i, args.seed), random_tcp(rng))
                for i in range(args.random)]
    if not scripts:
        scripts = [("stdin", sys.stdin.read())]

    n_diff = 0
    ct = LinuxCT()
    try:
        for i, (name, script) in enumerate(scripts):
            script = isolate(script, i)
            linux = run_linux(ct, script)
            n_diff += report(args, name, script, linux)
    finally:
        ct.close()
    if args.nfvstest:
        print("%d of %d scripts differ" % (n_diff, len(scripts)))
    return 1 if n_diff else 0


def isolate(script, i):
    """Moves script number 'i' to addresses of its own (10.X.Y.0/24,
    fd00:N::/64), so that the connections of earlier scripts, still in
    Linux's table, do not meet its packets."""
    return script.replace("10.0.0.", "10.%d.%d." % (1 + i // 256, i % 256)) \
        .replace("fd00::", "fd00:%x::" % (i + 1))


def report(args, name, script, linux):
    """Prints Linux's results for 'script', or compares them with nfvs's
    and prints the differences; returns 1 if they differ, else 0."""
    if not args.nfvstest:
        print("\n".join(linux))
        return 0
    ours = run_nfvs(args.nfvstest, script)
    packets = [l for l in script.splitlines() if is_packet(l)]
    marks, differs = compare(packets, linux, ours)
    if differs:
        print("== %s: differs" % name)
        for pk, l_, o, mark in zip(packets, linux, ours, marks):
            print("%s %-60s linux: %-26s nfvs: %s" % (mark, pk, l_, o))
        return 1
    if args.v:
        print("== %s: same (%d packets)" % (name, len(ours)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
