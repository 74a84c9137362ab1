#!/bin/sh
# slow
# clouds.sh: the mock clouds inside `vpnlab run` (docs/clouds-in-lab.md). Runs the five cloud
# scenarios, each must pass, then checks facts the report's checks do not state: what the
# captures and the gateways' logs show (fragments, DPD spacing, rekey spacing, the
# reauthentication time, traffic in the clear), and that a held lab's API answers curl.
. "$(dirname "$0")/lib.sh"
need_root
have python3 || skip "python3 not installed"

run() { # run NAME: the scenario must pass
  "$VPNLAB" run "$SRC/scenarios/$1.yaml" --out "$T/$1" --quiet > "$T/$1.log" 2>&1
  rc=$?
  [ $rc -eq 0 ] || { tail -n 40 "$T/$1.log"; fail "$1.yaml exited $rc"; }
}

# report FILE PYTHON-EXPR: evaluate over the report (r) and its events (ev: list of dicts)
report() {
  python3 - "$1" "$2" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
ev = r["events"]
ok = eval(sys.argv[2])
sys.exit(0 if ok else 1)
EOF
}
# frames PCAP FILTER: how many frames of PCAP match the tshark display filter
frames() { tshark -r "$1" -Y "$2" 2>/dev/null | wc -l; }

for s in k5-az1-az2 k5-hairpin k5-limits sakura-v1 sakura-v2; do
  run $s
done

# --- k5-az1-az2: both connections ACTIVE from the SAs, each set of proposals the note's
R=$T/k5-az1-az2/report.json
report "$R" 'all(any(e["event"] == "k5_status" and n in e["detail"] and e["detail"].endswith("PENDING_CREATE -> ACTIVE") for e in ev) for n in ("iida-az1-connection-01", "iida-az2-connection-01"))' ||
  fail "k5-az1-az2: not both connections reported ACTIVE"
report "$R" '[e["detail"].split(": ")[-1] for e in ev if e["event"] == "k5_status" and "iida-az1" in e["detail"]] == ["PENDING_CREATE -> ACTIVE", "PENDING_UPDATE -> DOWN", "PENDING_UPDATE -> ACTIVE"]' ||
  fail "k5-az1-az2: AZ1 status not PENDING_CREATE -> ACTIVE, then DOWN and ACTIVE across the updates"
report "$R" 'all("ESP:AES_CBC_256/HMAC_SHA1_96/MODP_2048/NO_EXT_SEQ" in e["detail"] for e in ev if e["event"] == "child_sa_established")' ||
  fail "k5-az1-az2: a CHILD_SA other than aes256-sha1-modp2048"
report "$R" 'any("lifetime=28800s" in e["detail"] for e in ev if e["event"] == "child_sa_established") and any("lifetime=86400s" in e["detail"] for e in ev if e["event"] == "ike_sa_established")' ||
  fail "k5-az1-az2: lifetimes are not 86400 / 28800"
# the routers' addresses and routes came from the API: the external IPs the mock allocated on
# wan0 with the default route via the external subnet's gateway, the subnets' gateway_ip on
# lan0, the extra route in and out; the kernel refused nothing
report "$R" '[(e["source"], e["detail"]) for e in ev if e["event"] == "k5_topology" and not e["detail"].startswith("snat")] == [("az1", "wan0 198.51.100.2/24 (external gateway on inf_az1_ext-net01)"), ("az1", "route default via 198.51.100.1 dev wan0"), ("az1", "lan0 10.1.1.1/24 (router interface on iida-az1-net01)"), ("az2", "wan0 203.0.113.2/24 (external gateway on inf_az2_ext-net01)"), ("az2", "route default via 203.0.113.1 dev wan0"), ("az2", "lan0 10.2.1.1/24 (router interface on iida-az2-net01)"), ("az1", "route 192.0.2.0/24 via 198.51.100.1"), ("az1", "route 192.0.2.0/24 via 198.51.100.1 removed")]' ||
  fail "k5-az1-az2: the nodes' addresses and routes are not the API's"
report "$R" 'not any(e["event"] in ("k5_topology_error", "k5_topology_note") for e in ev)' ||
  fail "k5-az1-az2: a topology error or a left-out object"
# the connections' endpoints are the routers' external IPs from the API (saved, not written)
report "$R" 'any(e["event"] == "k5_conn_created" and "peer 203.0.113.2," in e["detail"] for e in ev) and any(e["event"] == "k5_conn_created" and "peer 198.51.100.2," in e["detail"] for e in ev)' ||
  fail "k5-az1-az2: the peers are not the other router's external IP"
if have tshark; then
  n=$(frames "$T/k5-az1-az2/captures/inet-e0.pcap" 'isakmp && ip.src == 198.51.100.2 && ip.dst == 203.0.113.2')
  [ "$n" -ge 3 ] || fail "k5-az1-az2: $n ISAKMP messages from AZ1's API address to AZ2's on the wire"
fi

# the same seed gives the same API objects (IDs from the run's DRBG) and the same events at
# the same lab times (the API's port, picked by the kernel, aside)
"$VPNLAB" run "$SRC/scenarios/k5-az1-az2.yaml" --out "$T/again" --quiet > /dev/null 2>&1 ||
  fail "k5-az1-az2.yaml failed when run again"
python3 - "$R" "$T/again/report.json" <<'EOF' || fail "k5-az1-az2: a second run with the same seed differs"
import json, sys
ev = [[(e["lab_time_s"], e["source"], e["event"], e["detail"]) for e in json.load(open(f))["events"]
       if e["event"] != "api"] for f in sys.argv[1:3]]
sys.exit(0 if ev[0] == ev[1] and len(ev[0]) > 10 else 1)
EOF

# --- k5-hairpin: the hub drops B -> C, and h0's ping to web left wan0 in the clear, translated
R=$T/k5-hairpin/report.json
report "$R" 'sum(1 for e in ev if e["event"] == "hairpin_drop" and "10.2.0.10 -> 10.3.0.10" in e["detail"]) == 3' ||
  fail "k5-hairpin: not three hairpin drops of B -> C"
report "$R" 'sum(1 for e in ev if e["event"] == "k5_service_restart" and "to-site-b" in e["detail"]) == 2' ||
  fail "k5-hairpin: creating and deleting the second connection did not restart the first twice"
report "$R" '[e["detail"].split(": ")[-1] for e in ev if e["event"] == "k5_fip_status"] == ["DOWN -> ACTIVE"] and all(e["detail"].startswith("floatingip 198.51.100.50 (") for e in ev if e["event"] == "k5_fip_status")' ||
  fail "k5-hairpin: the floating IP did not go ACTIVE once, when the hub held it"
report "$R" 'any(e["event"] == "k5_topology" and e["detail"] == "wan0 198.51.100.50/32 removed (floating IP translated to 10.0.0.10)" for e in ev)' ||
  fail "k5-hairpin: unbinding the floating IP did not take it off the hub"
report "$R" '[e["detail"] for e in ev if e["event"] == "k5_topology" and "removed" in e["detail"]][-2:] == ["route default via 198.51.100.1 dev wan0 removed", "wan0 198.51.100.2/24 removed (external gateway on inf_az1_ext-net01)"]' ||
  fail "k5-hairpin: clearing the external gateway did not take the hub's address and route away"
report "$R" 'not any(e["event"] in ("k5_topology_error", "k5_topology_note") for e in ev)' ||
  fail "k5-hairpin: a topology error or a left-out object"
if have tshark; then
  # the split tunnel: translated to the router's external IP from the API (enable_snat)
  n=$(frames "$T/k5-hairpin/captures/hub-wan0.pcap" 'icmp.type == 8 && ip.src == 198.51.100.2 && ip.dst == 192.0.2.80')
  [ "$n" -eq 2 ] || fail "k5-hairpin: $n clear echo requests from the hub's address to web on wan0, expected 2"
  # the floating IP: web's echoes to it reach h0 translated and are answered from it (the two
  # of the probe; a third, sent before the binding, is delivered too when inet's neighbour
  # entry was still waiting on the wall clock as the gratuitous ARP came), h0's own leave from
  # it, and a gratuitous ARP announced it
  n=$(frames "$T/k5-hairpin/captures/h0-eth0.pcap" 'icmp.type == 8 && ip.src == 192.0.2.80 && ip.dst == 10.0.0.10')
  [ "$n" -ge 2 ] || fail "k5-hairpin: $n echo requests from web reached h0 through the floating IP, expected 2 or 3"
  n=$(frames "$T/k5-hairpin/captures/hub-wan0.pcap" 'icmp.type == 0 && ip.src == 198.51.100.50 && ip.dst == 192.0.2.80')
  [ "$n" -ge 2 ] || fail "k5-hairpin: $n echo replies from the floating IP to web on wan0, expected 2 or 3"
  n=$(frames "$T/k5-hairpin/captures/hub-wan0.pcap" 'icmp.type == 8 && ip.src == 198.51.100.50 && ip.dst == 192.0.2.80')
  [ "$n" -eq 2 ] || fail "k5-hairpin: $n echo requests from h0 left wan0 from its floating IP, expected 2"
  n=$(frames "$T/k5-hairpin/captures/hub-wan0.pcap" 'arp.isannouncement && arp.src.proto_ipv4 == 198.51.100.50')
  [ "$n" -eq 1 ] || fail "k5-hairpin: $n gratuitous ARPs for the floating IP, expected 1"
fi

# --- the K5 scenarios' expect lists can fail: a wrong proposal, period or address each fails
# alone (with the scenario's position), the other expectations and steps still pass
mkdir -p "$T/wrong"
python3 "$(dirname "$0")/wrong_copies.py" "$SRC/scenarios" "$T/wrong" <<'EOF' || fail "making the wrong K5 scenarios"
{
    "k5-az1-az2": [("esp: {between: [198.51.100.2, 203.0.113.2], proposal: ESP:AES_CBC_256/HMAC_SHA1_96/MODP_2048/",
                    "esp: {between: [198.51.100.2, 203.0.113.2], proposal: ESP:AES_CBC_256/HMAC_SHA1_96/MODP_1536/"),
                   ("dpd: {from: 203.0.113.2, every: 10s,", "dpd: {from: 203.0.113.2, every: 15s,")],
    "k5-hairpin": [("tunnel_up: {between: [198.51.100.2, 100.64.0.2],",
                    "tunnel_up: {between: [198.51.100.10, 100.64.0.2],")],
}
EOF
"$VPNLAB" run "$T/wrong/k5-az1-az2.yaml" "$T/wrong/k5-hairpin.yaml" --out "$T/bad" --quiet \
  > "$T/badlog" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/badlog"; fail "the wrong K5 expectations exited $rc, not 1"; }
python3 - "$T/bad" <<'EOF' || { cat "$T/badlog"; fail "the wrong K5 expectations' verdicts"; }
import json, re, sys
want = {
    "k5-az1-az2": [("expect esp", "ESP:AES_CBC_256/HMAC_SHA1_96/MODP_2048/NO_EXT_SEQ"),
                   ("expect dpd", "outside the tolerance")],
    "k5-hairpin": [("expect tunnel_up", "no ISAKMP message between 198.51.100.10")],  # the old lab address
}
for s, fails in want.items():
    r = json.load(open(f"{sys.argv[1]}/{s}/report.json"))
    bad = [c for c in r["checks"] if not c["pass"]]
    assert [c["check"] for c in bad] == [k for k, _ in fails], (s, [(c["check"], c["observed"]) for c in bad])
    for c, (kind, text) in zip(bad, fails):
        assert text in c["observed"], (s, kind, text, c)
        assert re.match(r".*/%s\.yaml:\d+:\d+" % s, c["where"]), (s, c)
EOF

# --- sakura-v1: NO-PROPOSAL-CHOSEN once the F220 offers the newer manual's proposals
R=$T/sakura-v1/report.json
report "$R" 'any(e["event"] == "no_proposal_chosen" and e["source"].startswith("vr/") for e in ev)' ||
  fail "sakura-v1: the v1 router did not refuse the newer proposals"
report "$R" 'any("IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536" in e["detail"] for e in ev if e["event"] == "ike_sa_established")' ||
  fail "sakura-v1: the v1 link is not aes128-sha1-modp1536"

# --- sakura-v2: the logs and captures behind the field note's numbers
L=$T/sakura-v2/logs/vr.log
python3 - "$L" <<'EOF' || fail "sakura-v2: timing facts"
import re, sys
def secs(t):
    s = 0.0
    for n, u in re.findall(r"([\d.]+)([hms])", t):
        s += float(n) * {"h": 3600, "m": 60, "s": 1}[u]
    return s
lines = [l.split(None, 1) for l in open(sys.argv[1])]
at = lambda pat: [secs(t) for t, x in lines if re.search(pat, x)]
dpd = at(r"N\(DPD\) \]")
gaps = sorted(set(round(b - a, 3) for a, b in zip(dpd, dpd[1:])))
assert len(dpd) > 100, "too few DPD probes: %d" % len(dpd)
assert gaps[0] >= 14.9 and gaps[-1] <= 15.1, "DPD spacing %s" % gaps[:5]
rk = at(r"CHILD_SA rekeyed")
assert len(rk) >= 3, "rekeys: %d" % len(rk)
rg = [b - a for a, b in zip(rk, rk[1:])]
assert all(100 <= g <= 180 for g in rg), "rekey spacing %s" % rg[:5]
est = at(r"IKE_SA established")
re_ = at(r"IKE_SA reauthenticated")
assert re_, "no reauthentication"
first = [e for e in est if e < re_[0]][-1]
assert 0.8 * 28800 <= re_[0] - first < 28800, "reauthenticated %.0f s after" % (re_[0] - first)
print("DPD every %s s, %d rekeys %s s apart, reauthenticated after %.0f s" %
      (gaps[0], len(rk), sorted(set(round(g) for g in rg)), re_[0] - first))
EOF
R=$T/sakura-v2/report.json
report "$R" 'any(e["detail"].startswith("IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048") for e in ev if e["event"] == "ike_sa_established")' ||
  fail "sakura-v2: IKE not AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
report "$R" 'any(e["detail"].startswith("ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ") for e in ev if e["event"] == "child_sa_established")' ||
  fail "sakura-v2: ESP not AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ"
if have tshark; then
  # post-fragmentation: the F220 sends 1400-byte pings as outer fragments no larger than 1454
  n=$(frames "$T/sakura-v2/captures/f220-wan0.pcap" 'ip.src == 172.30.128.254 && ip.flags.mf == 1')
  [ "$n" -ge 3 ] || fail "sakura-v2: $n outer first fragments from the F220, expected at least 3"
  big=$(tshark -r "$T/sakura-v2/captures/f220-wan0.pcap" -T fields -e frame.len 2>/dev/null | sort -n | tail -n 1)
  [ "$big" -le $((1454 + 14)) ] || fail "sakura-v2: a $big-byte frame on the 1454-byte uplink"
fi

# --- rootless: the API lives on the loopback of the run's private home namespace
if have setpriv && [ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ]; then
  mkdir -p "$T/rl" && chown 65534:65534 "$T/rl"
  (cd "$T/rl" && setpriv --reuid=65534 --regid=65534 --clear-groups \
    "$VPNLAB" run "$SRC/scenarios/k5-az1-az2.yaml" --out "$T/rl/out" --quiet > "$T/rl.log" 2>&1)
  rc=$?
  [ $rc -eq 0 ] || { tail -n 20 "$T/rl.log"; fail "rootless k5-az1-az2.yaml exited $rc"; }
fi

# --- a held lab's API answers its clients (curl, the OpenStack CLI) until Ctrl-C
if have curl; then
  "$VPNLAB" run "$SRC/scenarios/k5-az1-az2.yaml" --out "$T/hold" --hold > "$T/hold.log" 2>&1 &
  pid=$!
  kill_lab() { kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; }
  cleanup_hooks="kill_lab $cleanup_hooks"
  i=0
  until grep -q "lab is up" "$T/hold.log"; do
    i=$((i + 1)); [ $i -lt 300 ] || fail "held lab did not come up"
    sleep 0.1
  done
  url=$(sed -n 's/^K5 API: OS_AUTH_URL=\(http:[^ ]*\)\/v3.*/\1/p' "$T/hold.log" | head -n 1)
  [ -n "$url" ] || fail "--hold printed no K5 API address"
  code=$(curl -s -o "$T/v3" -w '%{http_code}' "$url/v3")
  [ "$code" = 200 ] || fail "curl $url/v3 during --hold: HTTP $code"
  grep -q '"version"' "$T/v3" || fail "curl $url/v3: no version document"
  if have openstack; then
    # the scenario's own credentials; the catalog points back at the address used
    OS_AUTH_URL=$url/v3 OS_IDENTITY_API_VERSION=3 OS_USERNAME=iida OS_PASSWORD=secret \
      OS_USER_DOMAIN_NAME=default OS_PROJECT_NAME=iida-project OS_PROJECT_DOMAIN_NAME=default \
      OS_REGION_NAME=jp-east-1 OS_INTERFACE=public OS_CLOUD= \
      timeout 120 openstack vpn ipsec site connection list -f value -c Name -c Status \
      > "$T/cli" 2>&1 || { cat "$T/cli"; fail "openstack CLI against the held lab"; }
    [ "$(grep -c ' ACTIVE$' "$T/cli")" = 2 ] ||
      { cat "$T/cli"; fail "the OpenStack CLI does not list both connections ACTIVE"; }
  fi
  kill -INT $pid
  wait $pid; rc=$?
  [ $rc -eq 0 ] || fail "held run exited $rc after SIGINT"
fi

echo "five cloud scenarios pass; logs, captures and a held API agree"
