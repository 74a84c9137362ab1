#!/bin/sh
# The field scenarios (scenarios/*.yaml but two-sites, which hold.sh and friends run) as the
# CI regression suite runs them: one `vpnlab run ... --junit`, every scenario passing on the
# virtual clock, and a few facts of each run checked from report.json and the captures,
# independently of the scenario's own checks:
#   - mtu-fragmentation: the F220 (fragment post) sends outer ESP fragments, rc (df set) sends
#     no ESP packet without DF and gets the ISP's fragmentation-needed back;
#   - dpd: every site and the hub report dpd_timeout, sr (restart) rekeys nothing but comes back;
#   - anti-replay: the forced replay window of sakura-vpc-v2 is in the report, a and v2 count
#     the replays they dropped, b none;
#   - the JUnit file has one testcase per check and no failure.
. "$(dirname "$0")/lib.sh"
need_root
S=$SRC/scenarios
list="mtu-fragmentation dpd anti-replay"
files=""
for s in $list; do files="$files $S/$s.yaml"; done
# shellcheck disable=SC2086
"$VPNLAB" run $files --out "$T/out" --junit "$T/junit.xml" --quiet > "$T/log" 2>&1 ||
  { cat "$T/log"; fail "vpnlab run exited $?"; }
for s in $list; do
  grep -q '"result": "pass"' "$T/out/$s/report.json" || fail "$s: report.json does not say pass"
done

python3 - "$T" $list <<'PY' || fail "report facts"
import json, sys, xml.etree.ElementTree as ET
t = sys.argv[1]
rep = {s: json.load(open(f"{t}/out/{s}/report.json")) for s in sys.argv[2:]}
ev = lambda s, kind: [e for e in rep[s]["events"] if e["event"] == kind]
gw = lambda s: {(g["gateway"], g["connection"]): g for g in rep[s]["gateways"]}

# dpd: each of the six connections timed out
src = sorted(e["source"] for e in ev("dpd", "dpd_timeout"))
assert src == ["hub/to-sc", "hub/to-sh", "hub/to-sr", "sc/to-hub", "sh/to-hub", "sr/to-hub"], src
assert all(g["state"] == "up" for g in gw("dpd").values()), gw("dpd")

# anti-replay: what the profile forced, and who dropped the replays
f = [e["detail"] for e in ev("anti-replay", "profile_forced") if e["source"] == "v2"]
assert any("replay-window 0 replaced by 128" in d for d in f), f
g = gw("anti-replay")
assert g[("v2", "to-k5")]["drops"] >= 3, g[("v2", "to-k5")]
assert g[("b", "to-k5")]["drops"] == 0, g[("b", "to-k5")]
# a's replays were on the SAs the step replaced: counted in the esp_drop events
assert len([e for e in ev("anti-replay", "esp_drop") if e["source"].startswith("a/")]) >= 3

# mtu-fragmentation: rb's own fragmentation-needed carried 1390
assert any("MTU 1390" in e["detail"] for e in ev("mtu-fragmentation", "frag_needed")
           if e["source"].startswith("rb")), ev("mtu-fragmentation", "frag_needed")

# JUnit: one testcase per check, no failures
root = ET.parse(f"{t}/junit.xml").getroot()
cases = root.findall(".//testcase")
assert len(cases) == sum(r["checks_total"] for r in rep.values()), len(cases)
assert not root.findall(".//failure"), "failures in junit.xml"
PY

if have tshark; then
  c=$T/out/mtu-fragmentation/captures
  post=$(tshark -r "$c/f220-wan0.pcap" -Y 'ip.src == 172.30.128.254 && ip.flags.mf == 1' 2>/dev/null | wc -l)
  [ "$post" -ge 3 ] || fail "f220 (fragment post) sent only $post outer fragments"
  nodf=$(tshark -r "$c/rc-wan0.pcap" -Y '!icmp && ip.src == 203.0.113.2 && esp && ip.flags.df == 0' 2>/dev/null | wc -l)
  [ "$nodf" -eq 0 ] || fail "rc (df set) sent $nodf ESP packets without DF"
  icmp=$(tshark -r "$c/isp-c0.pcap" -Y 'icmp.type == 3 && icmp.code == 4 && ip.dst == 203.0.113.2' 2>/dev/null | wc -l)
  [ "$icmp" -ge 1 ] || fail "no fragmentation-needed from the ISP to rc"
  echo "scenarios: f220 sent $post outer ESP fragments; rc got $icmp frag-needed for its DF ESP"
fi
for s in $list; do
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%s: %d checks, lab %.0f s, wall %.2f s' % (r['scenario'], r['checks_total'], r['lab_time_s'], r['wall_time_s']))" "$T/out/$s/report.json"
done
