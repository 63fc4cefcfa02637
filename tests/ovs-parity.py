#!/usr/bin/env python3
"""Runs the flows and traces of a corpus through Open vSwitch or through
nfvs and prints the results in one normalised form, so that the two can
be compared line by line (and OVS's results kept in the tree).

Usage:
  ovs-parity.py ovs CORPUS      start a private ovs-vswitchd (dummy
                                datapath, bridge br0, ports p1 p2 p3 as
                                OpenFlow and datapath ports 1 2 3) in a
                                temporary directory, run CORPUS, stop it
  ovs-parity.py nfvs CORPUS     run CORPUS with nfvs-ctl against the
                                running daemon, which must have bridge
                                br0 with dummy ports p1 p2 p3 (ports 1 2 3)

The corpus is a list of cases:
  case NAME [of13]   starts a case: every flow of the bridge is deleted.
                     "of13": OVS adds and dumps with OpenFlow 1.3, whose
                     printing keeps push_vlan and set_field on vlan_vid.
  flow LINE          adds a flow (must be accepted)
  bad LINE           adds a flow that must be refused
  dump [--names]     dumps the flows without statistics
  trace FLOW         traces FLOW from table 0
  meter LINE         adds a meter, in add-meter syntax (must be accepted;
                     OVS speaks OpenFlow 1.3 for meters); every meter is
                     deleted at the start of each case
  badmeter LINE      adds a meter that must be refused
  dumpmeters         dumps the meters
  group LINE         adds a group (must be accepted; OVS: OpenFlow 1.3)
  badgroup LINE      adds a group that must be refused
  dump-groups        dumps the groups (OVS: -O OpenFlow13)
Blank lines and lines starting with '#' are ignored.

Output, per case: "case NAME", then for each dump its lines sorted (the
two switches order flows of equal priority differently), for each trace
"trace FLOW -> ACTIONS", for each bad flow "bad LINE -> refused" (and
"badgroup LINE -> refused"), for each dump-groups its lines sorted.
ACTIONS are the datapath actions with set(...) reduced to the fields the
set changes (OVS prints only those, nfvs the whole header), written as
match fields: "set(arp_op=2,arp_sha=...)", outputs as "out:N", meters as
"meter" (OVS numbers datapath meters its own way).  For each dumpmeters,
its lines without blank ones; for each bad meter "badmeter LINE ->
refused".
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PORTS = ("p1", "p2", "p3")

# Datapath set() fields, as the flow fields they rewrite.
SET_FIELDS = {
    "eth": {"src": "dl_src", "dst": "dl_dst"},
    "ipv4": {"src": "nw_src", "dst": "nw_dst", "tos": "nw_tos",
             "ttl": "nw_ttl"},
    "arp": {"sip": "arp_spa", "tip": "arp_tpa", "op": "arp_op",
            "sha": "arp_sha", "tha": "arp_tha"},
    "tcp": {"src": "tp_src", "dst": "tp_dst"},
    "udp": {"src": "tp_src", "dst": "tp_dst"},
}
# Fields that mean the same under another name in a trace's "Flow:".
FLOW_ALIASES = {"nw_proto": "arp_op"}


def split_top(s, sep=","):
    """Splits 's' at 'sep' outside parentheses."""
    out, depth, cur = [], 0, ""
    for c in s:
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if c == sep and not depth:
            out.append(cur)
            cur = ""
        else:
            cur += c
    if cur:
        out.append(cur)
    return out


def norm_value(v):
    v = v.strip()
    if re.fullmatch(r"0x[0-9a-fA-F]+|[0-9]+", v):
        return str(int(v, 0))
    return v.lower()


def flow_fields(flow_line):
    """The key=value fields of a trace's "Flow:" line."""
    fields = {}
    for tok in split_top(flow_line):
        if "=" in tok:
            k, v = tok.split("=", 1)
            fields[k.strip()] = norm_value(v)
    if "arp" in split_top(flow_line) or fields.get("dl_type") == "2054":
        for k, alias in FLOW_ALIASES.items():
            if k in fields:
                fields[alias] = fields.pop(k)
    return fields


def zero_of(v):
    if ":" in v and len(v) == 17:
        return "00:00:00:00:00:00"
    if v.count(".") == 3:
        return "0.0.0.0"
    return "0"


def norm_actions(actions, flow):
    """Normalises datapath actions 'actions' of a packet with fields
    'flow' (see the module doc)."""
    actions = actions.strip()
    if actions == "drop":
        return "drop"
    out = []
    for act in split_top(actions):
        act = act.strip()
        m = re.fullmatch(r"set\((\w+)\((.*)\)\)", act)
        if m and m.group(1) in SET_FIELDS:
            names = SET_FIELDS[m.group(1)]
            changed = []
            for tok in split_top(m.group(2)):
                k, v = tok.split("=", 1)
                if k not in names:
                    continue
                field = names[k]
                if "/" in v:
                    # OVS's masked set: the bits under the mask change.
                    v, m = (int(x, 0) for x in v.split("/"))
                    old = int(flow.get(field, "0"))
                    v = str((old & ~m) | (v & m))
                v = norm_value(v)
                if flow.get(field, zero_of(v)) != v:
                    changed.append("%s=%s" % (field, v))
            if changed:
                out.append("set(%s)" % ",".join(sorted(changed)))
        elif re.fullmatch(r"[0-9]+", act):
            out.append("out:" + act)
        elif re.fullmatch(r"meter\([0-9]+\)", act):
            out.append("meter")
        else:
            out.append(act)
    return ",".join(out) if out else "drop"


class Ovs:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="ovs-parity-")
        self.env = dict(os.environ, OVS_RUNDIR=self.dir, OVS_DBDIR=self.dir,
                        OVS_LOGDIR=self.dir)
        self.db = "unix:%s/db.sock" % self.dir
        d = self.dir
        self.run(["ovsdb-tool", "create", d + "/conf.db",
                  "/usr/share/openvswitch/vswitch.ovsschema"])
        self.run(["ovsdb-server", "--remote=punix:%s/db.sock" % d,
                  "--pidfile=%s/ovsdb.pid" % d, "--detach", "--no-chdir",
                  "--unixctl=%s/ovsdb.ctl" % d, d + "/conf.db"])
        self.run(["ovs-vswitchd", self.db, "--enable-dummy",
                  "--pidfile=%s/vs.pid" % d, "--detach", "--no-chdir",
                  "--unixctl=%s/vs.ctl" % d, "--log-file=%s/vs.log" % d,
                  "-vconsole:off"])
        cmd = ["ovs-vsctl", "--db=" + self.db, "add-br", "br0", "--", "set",
               "bridge", "br0", "datapath_type=dummy",
               "fail-mode=secure"]
        for i, p in enumerate(PORTS):
            cmd += ["--", "add-port", "br0", p, "--", "set", "interface",
                    p, "type=dummy", "ofport_request=%d" % (i + 1)]
        self.run(cmd)

    def run(self, cmd, check=True):
        p = subprocess.run(cmd, env=self.env, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if check and p.returncode:
            raise RuntimeError("%s: %s" % (" ".join(cmd), p.stderr))
        return p

    def ofctl(self, of13, *args, check=True):
        opts = ["-O", "OpenFlow13"] if of13 else []
        return self.run(["ovs-ofctl"] + opts + list(args), check=check)

    def reset(self, of13):
        self.ofctl(of13, "del-flows", "br0")
        self.ofctl(True, "del-groups", "br0")
        self.ofctl(True, "del-meters", "br0")

    def add(self, of13, line):
        p = self.ofctl(of13, "add-flow", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def add_meter(self, line):
        p = self.ofctl(True, "add-meter", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def dump_meters(self):
        out = self.ofctl(True, "dump-meters", "br0").stdout
        return [ln.strip() for ln in out.splitlines()
                if ln.strip() and "reply" not in ln]

    def add_group(self, line):
        p = self.ofctl(True, "add-group", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def dump_groups(self):
        out = self.ofctl(True, "dump-groups", "br0").stdout
        return [ln.strip() for ln in out.splitlines()
                if ln.strip() and "reply" not in ln]

    def dump(self, of13, names):
        args = ["--no-stats"] + (["--names"] if names else ["--no-names"])
        out = self.ofctl(of13, *args, "dump-flows", "br0").stdout
        lines = [ln.strip().replace("reset_counts ", "")
                 for ln in out.splitlines()]
        return [ln for ln in lines if ln and "reply" not in ln]

    def trace(self, flow):
        out = self.run(["ovs-appctl", "-t", self.dir + "/vs.ctl",
                        "ofproto/trace", "br0", flow]).stdout
        return parse_trace(out)

    def close(self):
        for pidfile in ("vs.pid", "ovsdb.pid"):
            try:
                with open(os.path.join(self.dir, pidfile)) as f:
                    pid = int(f.read())
                os.kill(pid, signal.SIGTERM)
                for _ in range(100):
                    os.kill(pid, 0)
                    time.sleep(0.05)
            except (OSError, ValueError):
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


class Nfvs:
    def ctl(self, *args, check=True):
        p = subprocess.run(["nfvs-ctl"] + list(args), stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
        if check and p.returncode:
            raise RuntimeError("nfvs-ctl %s: %s" % (" ".join(args),
                                                    p.stderr))
        return p

    def reset(self, of13):
        self.ctl("del-flows", "br0")
        self.ctl("del-groups", "br0")
        self.ctl("del-meter", "br0")

    def add(self, of13, line):
        p = self.ctl("add-flow", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def add_meter(self, line):
        p = self.ctl("add-meter", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def dump_meters(self):
        out = self.ctl("dump-meters", "br0").stdout
        return [ln.strip() for ln in out.splitlines() if ln.strip()]

    def add_group(self, line):
        p = self.ctl("add-group", "br0", line, check=False)
        return p.returncode == 0, p.stderr.strip()

    def dump_groups(self):
        out = self.ctl("dump-groups", "br0").stdout
        return [ln.strip() for ln in out.splitlines() if ln.strip()]

    def dump(self, of13, names):
        args = ["--no-stats"] + (["--names"] if names else [])
        out = self.ctl("dump-flows", *args, "br0").stdout
        return [ln.strip() for ln in out.splitlines() if ln.strip()]

    def trace(self, flow):
        return parse_trace(self.ctl("trace", "br0", flow).stdout)

    def close(self):
        pass


def parse_trace(out):
    flow, actions = {}, None
    for ln in out.splitlines():
        if ln.startswith("Flow: "):
            flow = flow_fields(ln[6:])
        elif ln.startswith("Datapath actions: "):
            actions = ln[len("Datapath actions: "):]
    if actions is None:
        raise RuntimeError("trace without datapath actions:\n" + out)
    return norm_actions(actions, flow)


def run_corpus(sw, path):
    of13 = False
    errors = []
    with open(path) as f:
        lines = f.read().splitlines()
    for n, ln in enumerate(lines, 1):
        ln = ln.strip()
        if not ln or ln.startswith("#"):
            continue
        word, _, arg = ln.partition(" ")
        arg = arg.strip()
        if word == "case":
            name, _, opt = arg.partition(" ")
            of13 = opt.strip() == "of13"
            sw.reset(of13)
            print("case " + name)
        elif word == "flow":
            ok, err = sw.add(of13, arg)
            if not ok:
                errors.append("%s:%d: flow refused: %s" % (path, n, err))
        elif word == "meter":
            ok, err = sw.add_meter(arg)
            if not ok:
                errors.append("%s:%d: meter refused: %s" % (path, n, err))
        elif word == "badmeter":
            ok, _ = sw.add_meter(arg)
            print("badmeter %s -> %s" % (arg, "accepted" if ok else "refused"))
        elif word == "dumpmeters":
            for d in sw.dump_meters():
                print("  " + d)
        elif word == "bad":
            ok, _ = sw.add(of13, arg)
            print("bad %s -> %s" % (arg, "accepted" if ok else "refused"))
        elif word == "dump":
            for d in sorted(sw.dump(of13, arg == "--names")):
                print("  " + d)
        elif word == "trace":
            print("trace %s -> %s" % (arg, sw.trace(arg)))
        elif word == "group":
            ok, err = sw.add_group(arg)
            if not ok:
                errors.append("%s:%d: group refused: %s" % (path, n, err))
        elif word == "badgroup":
            ok, _ = sw.add_group(arg)
            print("badgroup %s -> %s" % (arg, "accepted" if ok else "refused"))
        elif word == "dump-groups":
            for d in sorted(sw.dump_groups()):
                print("  " + d)
        else:
            errors.append("%s:%d: unknown line" % (path, n))
    return errors


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("ovs", "nfvs"):
        sys.stderr.write(__doc__)
        return 2
    sw = Ovs() if sys.argv[1] == "ovs" else Nfvs()
    try:
        errors = run_corpus(sw, sys.argv[2])
    finally:
        sw.close()
    for e in errors:
        sys.stderr.write(e + "\n")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
