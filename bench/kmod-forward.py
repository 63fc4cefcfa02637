#!/usr/bin/python3
# Throughput of nfvs.ko against a direct veth pair and a Linux bridge (the
# same two-veth topology as the datapath), in one VM boot:
#     NFVS_KO=... tests/vm/vm-run bench/kmod-forward.py
# (with NFVS_SRCDIR exported).  Runs iperf3 TCP and UDP (64-byte) between
# two namespaces joined directly by a veth pair, then through a datapath
# whose flows a minimal slow path in this script installs, and prints
# the figures and their ratio.  Not part of any test suite.
import json
import os
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.environ.get("NFVS_SRCDIR", "."),
                                "tests", "kernel"))
from nfvsnl import *  # noqa: E402,F403

SECS = int(os.environ.get("BENCH_SECS", "4"))


def iperf(ns_client, ns_server, addr, udp):
    srv = subprocess.Popen(["ip", "netns", "exec", ns_server, "iperf3", "-s",
                            "-1", "-B", addr], stdout=subprocess.DEVNULL)
    time.sleep(0.5)
    args = ["-u", "-l", "64", "-b", "0"] if udp else []
    out = sh("ip netns exec %s iperf3 -J -t %d -c %s %s" %
             (ns_client, SECS, addr, " ".join(args)))
    srv.wait(timeout=30)
    end = json.loads(out)["end"]
    if udp:
        s = end["sum"]
        return (s["packets"] - s["lost_packets"]) / s["seconds"]
    return end["sum_received"]["bits_per_second"]


def slow_path(dp_name, ports, stop):
    h = Handler()
    dp = Datapath(GenlSocket(), dp_name, create=False)
    dp.set(pids=[h.pid])
    while not stop.is_set():
        for m in h.recv(timeout=0.2):
            key = m.attrs[NFVS_PACKET_ATTR_KEY]
            others = [p for p in ports if p != key_in_port(key)]
            if not others:
                continue
            acts = act_output(others[0])
            if not key_tcp_ctl(key):
                try:
                    dp.flow_put(key, acts)
                except NlError:
                    pass
            try:
                dp.execute(m.attrs[NFVS_PACKET_ATTR_PACKET], key, acts)
            except NlError:
                pass


def main():
    load_module(require_vm())
    sh("ip netns add bd1; ip netns add bd2")
    sh("ip -n bd1 link add eth0 type veth peer name eth0 netns bd2")
    sh("ip -n bd1 addr add 10.8.0.1/24 dev eth0; ip -n bd1 link set eth0 up")
    sh("ip -n bd2 addr add 10.8.0.2/24 dev eth0; ip -n bd2 link set eth0 up")
    sh("ip netns add bn1; ip netns add bn2")
    for i, ns in ((0, "bn1"), (1, "bn2")):
        sh("ip link add nfvs-b%d type veth peer name eth0 netns %s" % (i, ns))
        sh("ip -n %s addr add 10.8.1.%d/24 dev eth0" % (ns, i + 1))
        sh("ip -n %s link set eth0 up; ip link set nfvs-b%d up" % (ns, i))
    sh("ip netns add bb1; ip netns add bb2; ip link add nfvs-br type bridge")
    for i, ns in ((0, "bb1"), (1, "bb2")):
        sh("ip link add nfvs-bb%d type veth peer name eth0 netns %s" % (i, ns))
        sh("ip -n %s addr add 10.8.2.%d/24 dev eth0" % (ns, i + 1))
        sh("ip -n %s link set eth0 up; ip link set nfvs-bb%d up" % (ns, i))
        sh("ip link set nfvs-bb%d master nfvs-br" % i)
    sh("ip link set nfvs-br up")
    nl = GenlSocket()
    dp = Datapath(nl, "nfvs-bench")
    ports = [dp.add_port("nfvs-b0"), dp.add_port("nfvs-b1")]
    stop = threading.Event()
    t = threading.Thread(target=slow_path, args=("nfvs-bench", ports, stop),
                         daemon=True)
    t.start()
    sh("ip netns exec bn1 ping -c 2 10.8.1.2")
    res = {}
    for udp in (False, True):
        what = "udp64 pps" if udp else "tcp bit/s"
        direct = iperf("bd1", "bd2", "10.8.0.2", udp)
        bridge = iperf("bb1", "bb2", "10.8.2.2", udp)
        nfvs = iperf("bn1", "bn2", "10.8.1.2", udp)
        res[what] = (direct, bridge, nfvs)
        log("%s: veth %.0f, bridge %.0f, nfvs.ko %.0f; nfvs/veth %.2f, "
            "nfvs/bridge %.2f" % (what, direct, bridge, nfvs, nfvs / direct,
                                  nfvs / bridge))
    log("datapath stats:", dp.stats())
    stop.set()
    t.join()
    dp.delete()
    sh("ip netns del bd1; ip netns del bd2; ip netns del bn1; "
       "ip netns del bn2; ip netns del bb1; ip netns del bb2; "
       "ip link del nfvs-br")
    unload_module()
    return 0


if __name__ == "__main__":
    sys.exit(main())
