"""nfvsnl: a small generic netlink client for nfvs.ko, for the kernel tests.

Raw AF_NETLINK/NETLINK_GENERIC sockets, families resolved with
CTRL_CMD_GETFAMILY, attributes built and parsed with struct.  The ABI's
enums are read from datapath/nfvs_abi.h itself, so the tests cannot drift
from the header.  Also helpers to load/unload the module, run commands,
and check the kernel log.
"""

import os
import re
import socket
import struct
import subprocess
import sys
import time

NETLINK_GENERIC = 16
SOL_NETLINK = 270
NETLINK_ADD_MEMBERSHIP = 1
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11

NLM_F_REQUEST = 0x1
NLM_F_MULTI = 0x2
NLM_F_ACK = 0x4
NLM_F_ECHO = 0x8
NLM_F_DUMP = 0x300
NLM_F_REPLACE = 0x100
NLM_F_EXCL = 0x200
NLM_F_CREATE = 0x400
NLM_F_ACK_TLVS = 0x200

NLMSG_ERROR = 2
NLMSG_DONE = 3
NLMSGERR_ATTR_MSG = 1
NLA_F_NESTED = 0x8000
NLA_TYPE_MASK = 0x3fff

GENL_ID_CTRL = 16
CTRL_CMD_GETFAMILY = 3
CTRL_ATTR_FAMILY_ID = 1
CTRL_ATTR_FAMILY_NAME = 2
CTRL_ATTR_MCAST_GROUPS = 7
CTRL_ATTR_MCAST_GRP_NAME = 1
CTRL_ATTR_MCAST_GRP_ID = 2

SRCDIR = os.environ.get("NFVS_SRCDIR",
                        os.path.join(os.path.dirname(__file__), "..", ".."))


def _read_abi():
    """Returns a dict of every enumerator and #define number in
    nfvs_abi.h."""
    text = open(os.path.join(SRCDIR, "datapath", "nfvs_abi.h")).read()
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    names = {}
    for body in re.findall(r"enum\s+\w+\s*{(.*?)}", text, flags=re.S):
        value = -1
        for item in body.split(","):
            item = item.strip()
            if not item:
                continue
            if "=" in item:
                name, expr = [x.strip() for x in item.split("=", 1)]
                value = int(eval(expr, {}, names))
            else:
                name = item
                value += 1
            names[name] = value
    for name, expr in re.findall(r"#define[ \t]+(\w+)[ \t]+([^\n]+)", text):
        expr = expr.strip()
        if expr.startswith('"'):
            names[name] = expr.strip('"')
            continue
        try:
            names[name] = int(eval(expr, {}, names))
        except Exception:
            pass
    return names


ABI = _read_abi()
globals().update(ABI)


class NlError(Exception):
    def __init__(self, errno_, msg):
        Exception.__init__(self, "%s (%s)" % (os.strerror(errno_), msg))
        self.errno = errno_
        self.msg = msg


def nla(atype, payload=b""):
    """One attribute, padded to 4 bytes."""
    hdr = struct.pack("=HH", 4 + len(payload), atype)
    return hdr + payload + b"\0" * ((4 - len(payload) % 4) % 4)


def nla_u32(atype, value):
    return nla(atype, struct.pack("=I", value))


def nla_u16(atype, value):
    return nla(atype, struct.pack("=H", value))


def nla_str(atype, s):
    return nla(atype, s.encode() + b"\0")


def nla_nest(atype, payload):
    return nla(atype | NLA_F_NESTED, payload)


def parse_attrs(data):
    """Returns a list of (type, payload) for the attributes in 'data'."""
    out = []
    while len(data) >= 4:
        alen, atype = struct.unpack_from("=HH", data)
        if alen < 4 or alen > len(data):
            raise ValueError("malformed attribute")
        out.append((atype & NLA_TYPE_MASK, data[4:alen]))
        data = data[(alen + 3) & ~3:]
    return out


def attr_dict(data):
    return dict(parse_attrs(data))


class Msg:
    """A received generic netlink message."""

    def __init__(self, mtype, flags, cmd, payload, hdrsize):
        self.type = mtype
        self.flags = flags
        self.cmd = cmd
        self.dp_ifindex = (struct.unpack_from("=i", payload)[0]
                           if hdrsize else 0)
        self.raw_attrs = payload[hdrsize:]
        self.attrs = attr_dict(self.raw_attrs)


class GenlSocket:
    def __init__(self):
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW,
                                  NETLINK_GENERIC)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
        self.sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        self.sock.bind((0, 0))
        self.pid = self.sock.getsockname()[0]
        self.seq = int(time.time()) & 0xffff
        self.families = {}

    def close(self):
        self.sock.close()

    def send_raw(self, data):
        self.sock.send(data)

    def build(self, mtype, flags, cmd, payload, version=1):
        self.seq += 1
        body = struct.pack("=BBH", cmd, version, 0) + payload
        return struct.pack("=IHHII", 16 + len(body), mtype,
                           flags | NLM_F_REQUEST, self.seq, 0) + body

    def recv_msgs(self, hdrsize=4, timeout=5.0):
        """Receives one datagram and returns its messages as (nlmsg
        type, flags, data) tuples; raises NlError for an error message
        that is not an ack."""
        self.sock.settimeout(timeout)
        data = self.sock.recv(1 << 17)
        out = []
        while len(data) >= 16:
            mlen, mtype, mflags, _seq, _pid = struct.unpack_from("=IHHII",
                                                                 data)
            if mlen < 16 or mlen > len(data):
                raise ValueError("malformed netlink message")
            out.append((mtype, mflags, data[16:mlen]))
            data = data[(mlen + 3) & ~3:]
        return out

    def transact(self, mtype, cmd, payload, flags=0, hdrsize=4,
                 timeout=10.0):
        """Sends a request and returns the list of reply Msgs (until the
        ack or NLMSG_DONE).  Raises NlError on an error reply."""
        self.send_raw(self.build(mtype, flags | NLM_F_ACK, cmd, payload))
        replies = []
        seq = self.seq
        while True:
            for mt, mflags, data in self.recv_msgs(timeout=timeout):
                if mt == NLMSG_ERROR:
                    err, = struct.unpack_from("=i", data)
                    if err == 0:
                        return replies
                    msg = ""
                    if mflags & NLM_F_ACK_TLVS:
                        tlvs = attr_dict(data[4 + 16:])
                        if NLMSGERR_ATTR_MSG in tlvs:
                            msg = tlvs[NLMSGERR_ATTR_MSG].rstrip(b"\0")
                            msg = msg.decode(errors="replace")
                    raise NlError(-err, msg)
                if mt == NLMSG_DONE:
                    return replies
                cmd_, = struct.unpack_from("=B", data)
                replies.append(Msg(mt, mflags, cmd_, data[4:], hdrsize))
        return replies

    def family(self, name):
        """Returns (id, {mcast group name: id}) of family 'name'."""
        if name in self.families:
            return self.families[name]
        msgs = self.transact(GENL_ID_CTRL, CTRL_CMD_GETFAMILY,
                             nla_str(CTRL_ATTR_FAMILY_NAME, name), hdrsize=0)
        attrs = msgs[0].attrs
        fid, = struct.unpack("=H", attrs[CTRL_ATTR_FAMILY_ID][:2])
        groups = {}
        if CTRL_ATTR_MCAST_GROUPS in attrs:
            for _, grp in parse_attrs(attrs[CTRL_ATTR_MCAST_GROUPS]):
                g = attr_dict(grp)
                gname = g[CTRL_ATTR_MCAST_GRP_NAME].rstrip(b"\0").decode()
                groups[gname] = struct.unpack("=I",
                                              g[CTRL_ATTR_MCAST_GRP_ID])[0]
        self.families[name] = (fid, groups)
        return self.families[name]

    def join(self, group_id):
        self.sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, group_id)

    def request(self, family, cmd, dp_ifindex=0, attrs=b"", flags=0):
        fid = self.family(family)[0]
        return self.transact(fid, cmd, struct.pack("=i", dp_ifindex) + attrs,
                             flags)


# Datapath-level helpers.

class Datapath:
    """A datapath created (or opened) through 'nl'."""

    def __init__(self, nl, name, create=True):
        self.nl = nl
        self.name = name
        cmd = NFVS_DP_CMD_NEW if create else NFVS_DP_CMD_GET
        flags = NLM_F_CREATE | NLM_F_EXCL if create else 0
        msgs = nl.request(NFVS_DATAPATH_FAMILY, cmd, 0,
                          nla_str(NFVS_DP_ATTR_NAME, name), flags)
        self.ifindex = msgs[0].dp_ifindex

    def req(self, family, cmd, attrs=b"", flags=0):
        return self.nl.request(family, cmd, self.ifindex, attrs, flags)

    def delete(self):
        self.req(NFVS_DATAPATH_FAMILY, NFVS_DP_CMD_DEL)

    def stats(self):
        m = self.req(NFVS_DATAPATH_FAMILY, NFVS_DP_CMD_GET)[0]
        names = ["n_hit", "n_missed", "n_lost", "n_lost_queue",
                 "n_lost_nomem", "n_lost_nopid", "n_flows", "n_flow_limit",
                 "n_lost_dup"]
        raw = m.attrs[NFVS_DP_ATTR_STATS]
        vals = struct.unpack("=%dQ" % (len(raw) // 8), raw)
        return dict(zip(names, vals))

    def set(self, pids=None, flow_limit=None, dedupe_ms=None):
        attrs = b""
        if pids is not None:
            attrs += nla(NFVS_DP_ATTR_UPCALL_PIDS,
                         b"".join(struct.pack("=I", p) for p in pids))
        if flow_limit is not None:
            attrs += nla_u32(NFVS_DP_ATTR_FLOW_LIMIT, flow_limit)
        if dedupe_ms is not None:
            attrs += nla_u32(NFVS_DP_ATTR_UPCALL_DEDUPE_MS, dedupe_ms)
        self.req(NFVS_DATAPATH_FAMILY, NFVS_DP_CMD_SET, attrs)

    def add_port(self, name, vtype=None, port_no=None):
        vtype = NFVS_VPORT_TYPE_NETDEV if vtype is None else vtype
        attrs = nla_str(NFVS_VPORT_ATTR_NAME, name)
        attrs += nla_u32(NFVS_VPORT_ATTR_TYPE, vtype)
        if port_no is not None:
            attrs += nla_u32(NFVS_VPORT_ATTR_PORT_NO, port_no)
        m = self.req(NFVS_VPORT_FAMILY, NFVS_VPORT_CMD_NEW, attrs,
                     NLM_F_CREATE)[0]
        return struct.unpack("=I", m.attrs[NFVS_VPORT_ATTR_PORT_NO])[0]

    def del_port(self, port_no):
        self.req(NFVS_VPORT_FAMILY, NFVS_VPORT_CMD_DEL,
                 nla_u32(NFVS_VPORT_ATTR_PORT_NO, port_no))

    def ports(self):
        out = {}
        for m in self.req(NFVS_VPORT_FAMILY, NFVS_VPORT_CMD_GET,
                          flags=NLM_F_DUMP):
            no = struct.unpack("=I", m.attrs[NFVS_VPORT_ATTR_PORT_NO])[0]
            out[no] = m.attrs[NFVS_VPORT_ATTR_NAME].rstrip(b"\0").decode()
        return out

    def flow_put(self, key, actions, flags=NLM_F_CREATE, echo=False):
        attrs = nla_nest(NFVS_FLOW_ATTR_KEY, key)
        attrs += nla_nest(NFVS_FLOW_ATTR_ACTIONS, actions)
        return self.req(NFVS_FLOW_FAMILY, NFVS_FLOW_CMD_NEW, attrs,
                        flags | (NLM_F_ECHO if echo else 0))

    def flow_get(self, key):
        m = self.req(NFVS_FLOW_FAMILY, NFVS_FLOW_CMD_GET,
                     nla_nest(NFVS_FLOW_ATTR_KEY, key))[0]
        return flow_from_msg(m)

    def flow_del(self, key=None):
        attrs = nla_nest(NFVS_FLOW_ATTR_KEY, key) if key is not None else b""
        self.req(NFVS_FLOW_FAMILY, NFVS_FLOW_CMD_DEL, attrs)

    def flows(self):
        return [flow_from_msg(m)
                for m in self.req(NFVS_FLOW_FAMILY, NFVS_FLOW_CMD_GET,
                                  flags=NLM_F_DUMP)]

    def execute(self, packet, key, actions):
        attrs = nla(NFVS_PACKET_ATTR_PACKET, packet)
        attrs += nla_nest(NFVS_PACKET_ATTR_KEY, key)
        attrs += nla_nest(NFVS_PACKET_ATTR_ACTIONS, actions)
        self.req(NFVS_PACKET_FAMILY, NFVS_PACKET_CMD_EXECUTE, attrs)


def flow_from_msg(m):
    a = m.attrs
    f = {"key": a.get(NFVS_FLOW_ATTR_KEY), "actions":
         a.get(NFVS_FLOW_ATTR_ACTIONS), "packets": 0, "bytes": 0,
         "used": 0, "tcp_flags": 0, "tcp_seq": None}
    if NFVS_FLOW_ATTR_STATS in a:
        f["packets"], f["bytes"] = struct.unpack("=QQ",
                                                 a[NFVS_FLOW_ATTR_STATS])
    if NFVS_FLOW_ATTR_USED in a:
        f["used"], = struct.unpack("=Q", a[NFVS_FLOW_ATTR_USED])
    if NFVS_FLOW_ATTR_TCP_FLAGS in a:
        f["tcp_flags"], = struct.unpack("=H", a[NFVS_FLOW_ATTR_TCP_FLAGS])
    if NFVS_FLOW_ATTR_TCP_SEQ in a:
        f["tcp_seq"] = struct.unpack("=IIHH", a[NFVS_FLOW_ATTR_TCP_SEQ])
    return f


def act_output(port):
    return nla_u32(NFVS_ACTION_ATTR_OUTPUT, port)


def key_in_port(key):
    return struct.unpack("=I", attr_dict(key)[NFVS_KEY_ATTR_IN_PORT])[0]


def key_tcp_ctl(key):
    a = attr_dict(key)
    if NFVS_KEY_ATTR_TCP_CTL not in a:
        return None
    return struct.unpack("!H", a[NFVS_KEY_ATTR_TCP_CTL])[0]


class Handler:
    """An upcall socket."""

    def __init__(self):
        self.nl = GenlSocket()
        self.pid = self.nl.pid

    def recv(self, timeout=1.0):
        """Returns a list of upcall Msgs, [] on timeout."""
        for _ in range(2):
            try:
                msgs = self.nl.recv_msgs(timeout=timeout)
                break
            except socket.timeout:
                return []
            except OSError as e:
                # ENOBUFS: the kernel overran the socket and says so once;
                # what is queued is still there.
                if e.errno != 105:
                    raise
        else:
            return []
        return [Msg(mt, fl, d[0], d[4:], 4) for mt, fl, d in msgs
                if mt not in (NLMSG_ERROR, NLMSG_DONE)]


# Environment helpers.

def log(*args):
    print(*args, flush=True)


def sh(cmd, check=True):
    """Runs a shell command; returns its stdout."""
    p = subprocess.run(cmd, shell=True, stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True)
    if check and p.returncode:
        raise RuntimeError("%s: exit %d: %s" % (cmd, p.returncode,
                                                 p.stdout))
    return p.stdout


def require_vm():
    if os.environ.get("NFVS_VM") != "1":
        log("runs only in the test VM (make check-kernel)")
        sys.exit(77)
    ko = os.environ.get("NFVS_KO", "")
    if not ko:
        log("no nfvs.ko built")
        sys.exit(77)
    return ko


def load_module(ko):
    if os.path.isdir("/sys/module/nfvs"):
        sh("rmmod nfvs")
    sh("modprobe veth", check=False)
    sh("insmod %s" % ko)


def unload_module():
    sh("rmmod nfvs")
    if os.path.isdir("/sys/module/nfvs"):
        raise RuntimeError("nfvs still loaded")


def klog_lines():
    return sh("dmesg").splitlines()


def klog_check(since):
    """Returns the kernel log lines after line 'since' that signal a bug
    or a leak."""
    bad = re.compile(r"WARNING:|BUG:|Oops|general protection|Call Trace|"
                     r"UBSAN|refcount_t|list_del corruption|"
                     r"unreferenced object|leaked objects|"
                     r"invalid length")
    return [l for l in klog_lines()[since:] if bad.search(l)]
