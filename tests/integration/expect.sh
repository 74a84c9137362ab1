#!/bin/sh
# The scenario's top-level expect: list, judged from the run's pcaps: a run whose expectations
# hold exits 0; the same run with expectations that do not hold exits 1 and each verdict names
# what was expected, what the captures showed and where (scenario position, pcap#frames); a
# broken expect: list is refused by validate with FILE:LINE:COL.
. "$(dirname "$0")/lib.sh"
need_root
S=$SRC/tests/integration/scenarios/expect.yaml
"$VPNLAB" run "$S" --out "$T/ok" > "$T/log" 2>&1; rc=$?
[ $rc -eq 0 ] || { cat "$T/log"; fail "expect.yaml exited $rc"; }
grep -q 'PASS expect icmp_frag_needed: 2 with MTU 1454' "$T/log" || { cat "$T/log"; fail "no frag-needed verdict"; }
grep -q 'PASS expect tcp_mss' "$T/log" || { cat "$T/log"; fail "no MSS verdict"; }
[ "$(grep -c 'PASS expect tcp_mss' "$T/log")" -eq 2 ] || { cat "$T/log"; fail "no MSS verdict on r1:wan0"; }

sed -e 's/max: 1460}/max: 1000}/' -e 's/{from: r1:lan0, mtu: 1454}/{from: r1:lan0, mtu: 1400}/' "$S" > "$T/bad.yaml"
cat >> "$T/bad.yaml" <<'Y'
  - ike: {between: [office, server], proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048}
Y
"$VPNLAB" run "$T/bad.yaml" --out "$T/bad" > "$T/log2" 2>&1; rc=$?
[ $rc -eq 1 ] || { cat "$T/log2"; fail "failing expectations exited $rc, not 1"; }
grep -q 'observed: 0 with MTU 1400, 2 with another MTU: 1454 1454' "$T/log2" || { cat "$T/log2"; fail "frag-needed verdict"; }
grep -q 'where:    .*bad.yaml:2[0-9]:5; office-eth0.pcap#' "$T/log2" || { cat "$T/log2"; fail "no pcap#frame in where"; }
grep -q 'observed: no IKE proposal selected between 192.168.10.10 <-> 198.51.100.10' "$T/log2" ||
  { cat "$T/log2"; fail "ike verdict"; }
python3 - "$T/bad/report.json" <<'PY' || fail "report.json lacks the expect verdicts"
import json, sys
r = json.load(open(sys.argv[1]))
c = [x for x in r["checks"] if x["check"].startswith("expect ")]
assert [x["check"] for x in c] == ["expect icmp_frag_needed", "expect tcp_mss", "expect tcp_mss",
                                   "expect ike"], c
assert [x["pass"] for x in c] == [False, False, True, False], c
assert "r1-wan0.pcap#" in c[2]["where"] and "office-eth0" not in c[2]["where"], c[2]
assert all(x["where"] and x["observed"] and x["expected"] for x in c), c
assert r["exit_code"] == 1
PY

printf '  - dpd: {from: office}\n  - pings: {}\n  - tcp_mss: {between: [office, nowhere], max: 1}\n  - tcp_mss: {link: r1:eth9, max: 1}\n' >> "$T/bad.yaml"
printf '  - no_loss: {across: rekey, flow: office}\n  - tcp_mss: {between: [office, server], from: office, max: 1}\n' >> "$T/bad.yaml"
printf '  - responder_lifetime: {to: office, phase: 0, lifetime: 1500ms}\n' >> "$T/bad.yaml"
printf '  - dpd_timeout: {from: office, action: hold}\n' >> "$T/bad.yaml"
printf '  - dpd_timeout: {from: office, action: restart, flow: office->server}\n' >> "$T/bad.yaml"
printf '  - initial_contact: {to: office}\n  - dpd: {from: office, every: 15s, after_refusal: maybe}\n' >> "$T/bad.yaml"
printf '  - ike: {between: [office, server], proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048, lifetime: 1500ms}\n' >> "$T/bad.yaml"
"$VPNLAB" validate "$T/bad.yaml" > "$T/val" 2>&1 && fail "validate accepted a broken expect: list"
grep -q "bad.yaml:2[0-9]:[0-9]*: dpd: missing key 'every'" "$T/val" || { cat "$T/val"; fail "dpd without every"; }
grep -q "unknown expectation 'pings'" "$T/val" || { cat "$T/val"; fail "unknown kind"; }
grep -q "between: 'nowhere' is not an address" "$T/val" || { cat "$T/val"; fail "unknown endpoint"; }
grep -q "link: expected NODE:IFACE of the topology, got 'r1:eth9'" "$T/val" || { cat "$T/val"; fail "unknown link"; }
grep -q "flow: expected SOURCE->DESTINATION (endpoints of the inner traffic), got 'office'" "$T/val" ||
  { cat "$T/val"; fail "flow without an arrow"; }
grep -q "tcp_mss: give between, or from / to, not both" "$T/val" || { cat "$T/val"; fail "tcp_mss between and from"; }
grep -q "bad.yaml:[0-9]*:[0-9]*: responder_lifetime: missing key 'from'" "$T/val" ||
  { cat "$T/val"; fail "responder_lifetime without from"; }
grep -q "phase: expected 1 (the ISAKMP SA) or 2 (a CHILD_SA), got '0'" "$T/val" ||
  { cat "$T/val"; fail "responder_lifetime phase 0"; }
grep -q "lifetime: the notify carries whole seconds, got '1500ms'" "$T/val" ||
  { cat "$T/val"; fail "responder_lifetime of 1.5 s"; }
grep -q "dpd_timeout with action hold: missing key 'flow'" "$T/val" || { cat "$T/val"; fail "hold without flow"; }
grep -q "flow: only action hold is judged by a flow's packet" "$T/val" || { cat "$T/val"; fail "restart with a flow"; }
grep -q "initial_contact: missing key 'from'" "$T/val" || { cat "$T/val"; fail "initial_contact without from"; }
grep -q "after_refusal: expected true or false, got 'maybe'" "$T/val" || { cat "$T/val"; fail "after_refusal: maybe"; }
grep -q "lifetime: a proposal carries whole seconds, got '1500ms'" "$T/val" || { cat "$T/val"; fail "lifetime 1500ms"; }
echo "ok: expect: verdicts from the pcaps, failures located, broken lists refused"
