#!/bin/sh
# slow
# `profile: strongswan` gateways in `vpnlab run` (about 30 s): a real charon in a lab node.
#   - scenarios/strongswan-interop.yaml passes (tunnels to sakura-vpc-v2, k5-vpnaas and a
#     plain gateway, pings, the selected proposals judged from the pcaps; the F220's quick
#     mode done but its bare-ESP SA refused by kernel-libipsec, and charon's DELETE for it,
#     naming the F220's own inbound SPI, honoured by the F220), and, independently of the
#     scenario's own checks: each of charon's connections in report.json with SPIs mirrored
#     by its vpnlab peer and traffic counted, charon's TUN (ipsec0) captured, to-f220 without a CHILD_SA and charon's log
#     saying why, charon's files under OUT/strongswan/sw/, the JUnit file without failure;
#   - the F220 removed each CHILD_SA charon deleted (DELETE naming its inbound SPI), logged
#     so, and sent no ESP at all;
#   - vpnlab inspect on sw's capture decrypts the three working pairs' pings (keys from the
#     vpnlab side);
#   - tests/integration/scenarios/strongswan-tunnel.yaml: charon's CHILD_SA rekey at 9 s
#     reported and counted on both sides, tunnel down / initiate over VICI;
#   - validation: the same scenario on the virtual clock, and with `df: copy`, refused at the
#     key with FILE:LINE:COL (exit 2);
#   - kill -9 of `vpnlab run` while charon runs: charon gone, the lab's namespaces released.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan's charon, swanctl or /dev/net/tun missing"
S=$SRC/scenarios
I=$SRC/tests/integration/scenarios

rc=0
"$VPNLAB" run "$S/strongswan-interop.yaml" --out "$T/interop" --junit "$T/junit.xml" \
  --quiet > "$T/log" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/log"; python3 -c "import json, sys
r = json.load(open(sys.argv[1]))
for x in r['steps'] + r['checks']:
    if not x.get('ok', x.get('pass', True)): print('failed:', x)" "$T/interop/report.json"
  fail "strongswan-interop: vpnlab run exited $rc"; }
"$VPNLAB" run "$I/strongswan-tunnel.yaml" --out "$T/tunnel" --quiet > "$T/log2" 2>&1 || rc=$?
[ $rc -eq 0 ] || { cat "$T/log2"; fail "strongswan-tunnel: vpnlab run exited $rc"; }

grep -q "only UDP encapsulation is supported" "$T/interop/strongswan/sw/charon.log" ||
  fail "charon.log does not say why the F220's SA was not installed"
for f in strongswan.conf swanctl.conf charon.log events.log; do
  [ -s "$T/interop/strongswan/sw/$f" ] || fail "OUT/strongswan/sw/$f missing or empty"
done
[ "$(stat -c %a "$T/interop/strongswan/sw/swanctl.conf")" = 600 ] || fail "swanctl.conf not 0600"

python3 - "$T" <<'PY' || fail "report facts"
import json, sys, xml.etree.ElementTree as ET
t = sys.argv[1]
rep = json.load(open(f"{t}/interop/report.json"))
assert rep["result"] == "pass", rep["result"]
gw = {(g["gateway"], g["connection"]): g for g in rep["gateways"]}
for conn, peer in (("to-v2", ("v2", "to-sw")), ("to-k5", ("k5", "to-sw")),
                   ("to-plain", ("plain", "to-sw"))):
    a, b = gw[("sw", conn)], gw[peer]
    assert a["state"] == "up" and b["state"] == "up", (a, b)
    assert a["spi_in"] == b["spi_out"] and a["spi_out"] == b["spi_in"], (a, b)
    assert a["packets_in"] >= 2 and a["packets_out"] >= 2, a
    assert b["packets_in"] >= 2 and b["packets_out"] >= 2, b
# the F220 thinks its SA is up; charon has the IKE_SA only
assert gw[("sw", "to-f220")]["state"] == "connecting", gw[("sw", "to-f220")]
assert gw[("sw", "to-f220")]["packets_in"] == 0, gw[("sw", "to-f220")]
ev = rep["events"]
est = {e["source"] for e in ev if e["event"] == "child_sa_established"}
assert {"sw/to-v2", "sw/to-k5", "sw/to-plain"} <= est, est
assert "sw/to-f220" not in est, est
assert any(e["event"] == "strongswan_started" and e["source"] == "sw" for e in ev)
# charon's TUN captured like a tunnel interface: the 16 echoes of the working pairs in clear
# (v2 2+2, k5 2+2, plain 4+4), none of the F220's
cap = {c["pcap"].rsplit("/", 1)[1]: c for c in rep["captures"]}
assert cap["sw-ipsec0.pcap"]["frames"] == 16, cap.get("sw-ipsec0.pcap")
j = ET.parse(f"{t}/junit.xml").getroot()
assert not list(j.iter("failure")), "junit failure"

rep = json.load(open(f"{t}/tunnel/report.json"))
assert rep["result"] == "pass", rep["result"]
gw = {(g["gateway"], g["connection"]): g for g in rep["gateways"]}
assert gw[("sw", "to-gw")]["rekeys"] == 1 and gw[("gw", "to-sw")]["rekeys"] == 1, gw
ev = rep["events"]
kinds = [e["event"] for e in ev if e["source"] == "sw/to-gw"]
assert kinds.count("child_sa_rekeyed") == 1, kinds
assert kinds.count("ike_sa_deleted") == 1 and kinds.count("ike_sa_established") == 2, kinds
PY

# vpnlab inspect decrypts charon's side with the keys the vpnlab peers wrote: the pings of
# the three working pairs as inner flows; the F220's bare ESP answered by sw's kernel with
# an ICMP unreachable (no one on sw takes IP protocol 50)
"$VPNLAB" inspect "$T/interop/captures/sw-wan0.pcap" --keys "$T/interop/keys" > "$T/insp" 2>&1 ||
  { cat "$T/insp"; fail "vpnlab inspect failed"; }
for pair in "10.9.0.10 -> 10.0.1.10" "10.0.1.10 -> 10.9.0.10" "10.9.0.10 -> 10.0.2.10" \
            "10.0.2.10 -> 10.9.0.10" "10.0.3.10 -> 10.9.0.10" "10.9.0.10 -> 10.0.3.10"; do
  grep -q "inner_flow  *$pair (inner)" "$T/insp" || fail "inspect: no decrypted $pair"
done
# the F220 honoured charon's DELETEs, which name the F220's own inbound SPI (what charon does
# for a CHILD_SA it could not install): each CHILD_SA it established was deleted by the peer,
# so its LAN's echo found no SA and no ESP left it
python3 - "$T/interop" <<'PY' || fail "the F220 and charon's DELETE"
import json, sys
d = sys.argv[1]
ev = [e for e in json.load(open(f"{d}/report.json"))["events"] if e["source"] == "f220/sakuratokyo"]
est = [e["detail"].split("spi_in=")[1].split()[0] for e in ev if e["event"] == "child_sa_established"]
dels = [e for e in ev if e["event"] == "child_sa_deleted" and "deleted by peer" in e["detail"]]
assert est and dels and len(dels) >= len(est) - 1, (est, dels)
log = open(f"{d}/logs/f220.log").read()
for spi in [x["detail"].split("spi_in=")[1].split()[0] for x in dels]:
    assert f"received DELETE for ESP CHILD_SA with SPI {spi}" in log, spi
    assert f"SPI {spi} is our inbound one" in log, spi
assert "CHILD_SA not found, ignored" not in log
assert any(e["event"] == "no_sa" for e in ev), ev
PY
grep -q "delete  *27.133.132.134 -> 172.30.128.254 delete ESP, 1 SPI" "$T/insp" ||
  fail "inspect: no DELETE for an ESP SA from charon to the F220"
if grep -q "esp_first  *172.30.128.254 -> \\|icmp_error .*proto 50" "$T/insp"; then
  fail "inspect: ESP from the F220, or an ICMP error for it, although its SAs were deleted"
fi

# validation at load: the virtual clock, a data-plane key charon cannot honour
sed 's/^clock: real/clock: virtual/' "$S/strongswan-interop.yaml" > "$T/virtual.yaml"
"$VPNLAB" validate "$T/virtual.yaml" > "$T/v.out" 2> "$T/v.err" && fail "virtual clock accepted"
grep -q "virtual.yaml:[0-9]*:[0-9]*: gateway 'sw': profile strongswan .*clock: real" "$T/v.err" ||
  { cat "$T/v.err"; fail "no FILE:LINE:COL error for the virtual clock"; }
sed 's/^    profile: strongswan$/    profile: strongswan\n    df: copy/' "$S/strongswan-interop.yaml" > "$T/df.yaml"
"$VPNLAB" validate "$T/df.yaml" > "$T/d.out" 2> "$T/d.err" && fail "df: copy accepted"
line=$(grep -n '^    df: copy' "$T/df.yaml" | cut -d: -f1)
grep -q "df.yaml:$line:9: df: kernel-libipsec" "$T/d.err" ||
  { cat "$T/d.err"; fail "no error at df's position (line $line)"; }

# kill -9 of vpnlab while charon runs: PDEATHSIG takes charon, the namespaces go
"$VPNLAB" run "$I/strongswan-tunnel.yaml" --out "$T/k9" --quiet > "$T/log3" 2>&1 &
pid=$!
kill_lab() { kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; }
cleanup_hooks="kill_lab $cleanup_hooks"
i=0
until grep -q "to-gw: connecting -> up" "$T/k9/strongswan/sw/events.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 150 ] || { cat "$T/log3"; fail "charon's tunnel did not come up"; }
  kill -0 $pid 2>/dev/null || { cat "$T/log3"; fail "vpnlab exited early"; }
  sleep 0.1
done
cpid=$(sed -n 's/.*charon started, pid \([0-9]*\).*/\1/p' "$T/k9/strongswan/sw/events.log")
[ -n "$cpid" ] && kill -0 "$cpid" 2>/dev/null || fail "no running charon pid in events.log"
[ "$(cat /proc/$cpid/comm)" = charon ] || fail "pid $cpid is not charon"
host_ns=$(readlink /proc/self/ns/net)
lab_ns=$(for f in /proc/$pid/fd/*; do readlink "$f"; done | grep '^net:' | grep -vxF "$host_ns" | sort -u)
kill -9 $pid
wait $pid 2>/dev/null
i=0
# gone: no such process, or a zombie (it has exited; reaping is its new parent's business)
alive() { [ -r /proc/$1/stat ] && [ "$(awk '{ sub(/^.*\) /, ""); print $1 }' /proc/$1/stat 2>/dev/null)" != Z ]; }
while alive "$cpid"; do
  i=$((i + 1)); [ $i -lt 20 ] || fail "charon $cpid still running 2 s after kill -9 of vpnlab"
  sleep 0.1
done
sleep 0.3
still=$(live_netns)
for n in $lab_ns; do
  echo "$still" | grep -qxF "$n" && fail "namespace $n still referenced after kill -9"
done
echo "interop and tunnel scenarios pass; charon $cpid gone after kill -9 of vpnlab"
