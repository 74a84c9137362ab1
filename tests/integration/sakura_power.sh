#!/bin/sh
# slow
# sakura_power.sh: a Sakura VPC router's power, NIC, VPN reconnect and ping calls, judged on the
# wire (docs/clouds-in-lab.md "Power"). Runs tests/integration/scenarios/sakura-power.yaml (its
# own checks: the uplink answers no ping while the router is off, the server is cut off while
# NIC 1 is disconnected, the ping endpoint's answers), then reads its captures with tshark at
# the lab times the report's sakura_power / sakura_applied events give:
#   - graceful shutdown: the router's ISAKMP informational (its deletes) leaves before it goes
#     dark;
#   - forced shutdown and reset: not one frame from the router, on either end of its uplink,
#     until power on, while the F220's IKE (its DPD) keeps arriving at the link unanswered;
#   - VPN reconnect: the F220 negotiates a new main mode (a new initiator cookie);
#   - the ping endpoint's echoes leave the router's LAN interface and are answered.
. "$(dirname "$0")/lib.sh"
need_root
have python3 || skip "python3 not installed"
have tshark || skip "tshark not installed"

"$VPNLAB" run "$SRC/tests/integration/scenarios/sakura-power.yaml" --out "$T/out" --quiet \
  > "$T/run.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  tail -n 20 "$T/run.log"
  python3 -c 'import json, sys
for c in json.load(open(sys.argv[1]))["checks"]:
    if not c["pass"]: print("  %s: expected %s, observed %s" % (c["check"], c["expected"], c["observed"]))' \
    "$T/out/report.json" 2>/dev/null
  fail "sakura-power.yaml exited $rc"
fi

python3 - "$T/out" <<'EOF' || fail "sakura-power: what the captures show"
import json, subprocess, sys

out = sys.argv[1]
EPOCH = 1767225600          # lab time 0 of a virtual-clock run (harness/run.c)
VR = "27.133.132.134"
ev = json.load(open(out + "/report.json"))["events"]

def at(kind, text):
    return [e["lab_time_s"] for e in ev if e["event"] == kind and text in e["detail"]]

def frames(pcap, flt, t0, t1):
    """(frame number, initiator cookie) of the frames of pcap matching the display filter flt
    between lab times t0 and t1 (the times compared here: tshark 4.0 does not filter on them)."""
    r = subprocess.run(["tshark", "-r", "%s/captures/%s" % (out, pcap), "-Y", flt, "-T", "fields",
                        "-e", "frame.time_epoch", "-e", "frame.number", "-e", "isakmp.ispi"],
                       capture_output=True, text=True, check=True)
    rows = [l.split("\t") for l in r.stdout.splitlines()]
    return [(n, c) for t, n, c in rows if EPOCH + t0 <= float(t) < EPOCH + t1]

stop = at("sakura_power", "shutting down")
off = at("sakura_power", "powered off")
on = at("sakura_power", "powered on")
assert len(stop) == 1 and len(off) == 3 and len(on) == 3, (stop, off, on)
grace_off, cut, reset = off
assert stop[0] < grace_off, "the graceful shutdown went dark before it stopped"

# graceful: the deletes go out between the request and the dark
d = frames("inet-e1.pcap", "ip.src == %s && isakmp.exchangetype == 5" % VR, stop[0], grace_off)
assert d, "graceful shutdown: no ISAKMP informational from the router before it went dark"

# forced shutdown and reset: nothing at all from the router until it is on again
for name, t0, t1 in (("forced shutdown", cut, on[1]), ("reset", reset, on[2])):
    for pcap in ("inet-e1.pcap", "vr-wan0.pcap"):
        n = frames(pcap, "ip.src == %s || eth.src == 02:8c:30:f8:0f:0a" % VR, t0, t1)
        assert not n, "%s: %d frames from the router on %s while it was off (frame %s)" % (
            name, len(n), pcap, n[0][0])
    # the F220's IKE keeps coming to the link, and nothing answers it
    f = frames("inet-e0.pcap", "ip.src == 198.51.100.10 && ip.dst == %s && isakmp" % VR, t0, t1)
    r = frames("inet-e0.pcap", "ip.src == %s" % VR, t0, t1)
    assert r == [], "%s: the router answered on inet-e0 while off" % name
    if name == "forced shutdown":
        assert f, "forced shutdown: no ISAKMP (DPD) from the F220 reached the link while off"

# VPN reconnect: a new main mode from the F220
rc = at("sakura_applied", "vpn reconnect")
assert len(rc) == 1, rc
before = {c for _, c in frames("inet-e0.pcap", "isakmp.exchangetype == 2", 0, rc[0])}
after = {c for _, c in frames("inet-e0.pcap", "isakmp.exchangetype == 2 && ip.src == 198.51.100.10",
                               rc[0], 1e9)}
assert after - before, "VPN reconnect: no new main mode from the F220 after %.1f s" % rc[0]

# the ping endpoint: four echoes from the router's LAN address, four replies
pg = at("sakura_ping", "pings 192.168.21.10")
assert len(pg) == 1, pg
q = frames("vr-lan0.pcap", "icmp.type == 8 && ip.src == 192.168.21.1 && ip.dst == 192.168.21.10", pg[0], pg[0] + 10)
a = frames("vr-lan0.pcap", "icmp.type == 0 && ip.src == 192.168.21.10 && ip.dst == 192.168.21.1", pg[0], pg[0] + 10)
assert len(q) == 4 and len(a) == 4, "ping endpoint: %d echoes, %d replies on vr-lan0" % (len(q), len(a))
print("graceful: %d deletes before the dark; forced / reset: silent until power on; "
      "reconnect: %d new main mode(s); ping endpoint: 4/4 on vr-lan0" % (len(d), len(after - before)))
EOF
