#!/bin/sh
# slow
# The field scenarios (scenarios/*.yaml but two-sites, which hold.sh and friends run) as the
# CI regression suite runs them: one `vpnlab run ... --junit`, every scenario passing on the
# virtual clock, and a few facts of each run checked from report.json and the captures,
# independently of the scenario's own checks:
#   - mtu-fragmentation: the F220 (fragment post) sends outer ESP fragments, rc (df set) sends
#     no ESP packet without DF and gets the ISP's fragmentation-needed back; the F220's
#     `show crypto sa` texts name an SA whose SPI and keys are those of OUT/keys/esp_sa;
#   - dpd: every site and the hub report dpd_timeout, and every connection is up at the end;
#   - anti-replay: the forced replay window of sakura-vpc-v2 is in the report, a and v2 count
#     the replays they dropped, b none;
#   - nat-t: behind nat-a only ESP in UDP 4500 leaves (no bare ESP), behind nat-f (the F220,
#     no NAT-T) only bare ESP;
#   - lifetimes: rekeys and reauthentications in 24 h within one of the schedule the
#     initiator's lifetimes give, and the responders took the initiators' lifetimes;
#   - f220-migration (tests/integration/scenarios/): a reconfigure step types config 2's
#     changes into the F220 after config 1 got NO-PROPOSAL-CHOSEN, and it links with the
#     field note's IKE and ESP proposals; a key change on the VPC side restarts the
#     connection and the F220's always-up brings it back;
#   - the JUnit file has one testcase per check and no failure;
#   - nat-t and anti-replay run again give the same captures (esp_same.py).
. "$(dirname "$0")/lib.sh"
need_root
S=$SRC/scenarios
list="mtu-fragmentation dpd anti-replay nat-t lifetimes"
files=""
for s in $list; do files="$files $S/$s.yaml"; done
# the reconfigure step on the field story in miniature (not a field scenario of its own)
files="$files $SRC/tests/integration/scenarios/f220-migration.yaml"
# shellcheck disable=SC2086
"$VPNLAB" run $files --out "$T/out" --junit "$T/junit.xml" --quiet > "$T/log" 2>&1 ||
  { cat "$T/log"; fail "vpnlab run exited $?"; }
for s in $list f220-migration; do
  grep -q '"result": "pass"' "$T/out/$s/report.json" || fail "$s: report.json does not say pass"
done

python3 - "$T" $list f220-migration <<'PY' || fail "report facts"
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

# mtu-fragmentation: the F220's show crypto sa (the show step, and the end of the run) is
# the SA the captures' keys decrypt: its IN SPI and keys are an esp_sa line's
shows = rep["mtu-fragmentation"]["shows"]
assert [s["gateway"] for s in shows] == ["f220", "f220"], shows
import re
esp_sa = open(f"{t}/out/mtu-fragmentation/keys/esp_sa").read()
for s in shows:
    m = re.search(r"IN\n      SPI : ([0-9a-f]{8})\n(?:.*\n){6}      Cipher Key    : (0x[0-9a-f]+)\n"
                  r"      Auth Key      : (0x[0-9a-f]+)", s["text"])
    assert m, s["text"]
    assert f'"0x{m.group(1)}","AES-CBC [RFC3602]","{m.group(2)}","HMAC-SHA-1-96 [RFC2404]","{m.group(3)}"' in esp_sa, m.groups()
    assert "Peer IP : 27.133.132.134/500" in s["text"] and "PFS : on (group 5)" in s["text"]
m = re.search(r"OUT\n      SPI : [0-9a-f]{8}\n      Packets       : (\d+)", shows[0]["text"])
assert m and int(m.group(1)) >= 3, shows[0]["text"]

# mtu-fragmentation: rb's own fragmentation-needed carried 1390
assert any("MTU 1390" in e["detail"] for e in ev("mtu-fragmentation", "frag_needed")
           if e["source"].startswith("rb")), ev("mtu-fragmentation", "frag_needed")

# lifetimes: the counts over 24.5 h of lab time, rekeys at 90% of the ESP lifetime the
# initiator offered, reauthentications at 90% of its IKE lifetime
g = gw("lifetimes")
span = rep["lifetimes"]["lab_time_s"]
for a, b, esp, ike in (("f220", "sakuratokyo", 1800, 28800), ("v2", "to-f220", 1800, 28800),
                       ("site", "to-k5", 7200, 28800), ("k5", "to-site", 7200, 28800),
                       ("k5b", "to-peer", 3600, 3600), ("peer", "to-k5b", 3600, 3600)):
    c = g[(a, b)]
    want_r, want_a = span / (0.9 * esp), span / (0.9 * ike)
    assert abs(c["rekeys"] - want_r) <= 2, (a, b, c["rekeys"], want_r)
    assert abs(c["reauths"] - want_a) <= 1, (a, b, c["reauths"], want_a)
first = {}
for e in rep["lifetimes"]["events"]:
    if e["event"] == "child_sa_established" and e["source"] not in first:
        first[e["source"]] = e["detail"]
assert "lifetime=1800s" in first["v2/to-f220"], first          # its own 3600 not used
assert "lifetime=7200s" in first["k5/to-site"], first          # K5's own 3600 not used
assert "lifetime=3600s" in first["peer/to-k5b"], first         # its own 8 h not used

# f220-migration: config 1 refused, config 2's changes stacked on it at run time link with
# the field note's proposals; the show texts before and after
m = rep["f220-migration"]
before = [e for e in m["events"] if e["lab_time_s"] < 20]
assert any(e["event"] == "no_proposal_chosen" and e["source"] == "f220/sakuratokyo" for e in before)
est = [e["detail"] for e in m["events"] if e["source"] == "f220/sakuratokyo"
       and e["event"] in ("ike_sa_established", "child_sa_established")]
assert est[0].startswith("IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 "), est
assert est[1].startswith("ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ "), est
assert "lifetime=180s" in est[1], est
sh = m["shows"]
assert "Total number of IPSEC SA 0" in sh[0]["text"], sh[0]
assert "AES-CBC/256" in sh[1]["text"] and "PFS : on (group 14)" in sh[1]["text"], sh[1]
# the key change on the VPC side (at 22 s) restarted the connection: new SPIs after it
kids = [e for e in m["events"] if e["source"] == "f220/sakuratokyo"
        and e["event"] == "child_sa_established"]
assert len(kids) == 2 and kids[0]["lab_time_s"] < 22 <= kids[1]["lab_time_s"], kids
assert any(e["event"] == "child_sa_deleted" and e["source"] == "f220/sakuratokyo"
           and e["lab_time_s"] == 22 for e in m["events"])

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
  n=$T/out/nat-t/captures
  a50=$(tshark -r "$n/nat-a-out0.pcap" -Y 'ip.proto == 50' 2>/dev/null | wc -l)
  a4500=$(tshark -r "$n/nat-a-out0.pcap" -Y 'udp.port == 4500 && esp' 2>/dev/null | wc -l)
  f50=$(tshark -r "$n/nat-f-out0.pcap" -Y '!icmp && ip.proto == 50' 2>/dev/null | wc -l)
  f4500=$(tshark -r "$n/nat-f-out0.pcap" -Y 'udp.port == 4500' 2>/dev/null | wc -l)
  [ "$a50" -eq 0 ] && [ "$a4500" -ge 12 ] ||
    fail "behind nat-a: $a50 bare ESP packets, $a4500 ESP-in-UDP ones"
  [ "$f4500" -eq 0 ] && [ "$f50" -ge 12 ] ||
    fail "behind nat-f (F220, no NAT-T): $f4500 UDP 4500 packets, $f50 bare ESP ones"
  echo "scenarios: f220 sent $post outer ESP fragments; rc got $icmp frag-needed for its DF ESP;" \
       "nat-a $a4500 ESP-in-UDP, nat-f $f50 bare ESP"
fi
# the same seed gives the same bytes (the IKE exchanges, and ESP down to the decrypted inner
# packets: esp_same.py), here for nat-t and anti-replay. (A scenario with a tcp step is not
# byte-identical: kernel TCP runs on the real clock, so the lab time after it differs.)
"$VPNLAB" run "$S/nat-t.yaml" "$S/anti-replay.yaml" --out "$T/again" --quiet ||
  fail "second run exited $?"
for p in nat-t/nat-a-out0 nat-t/nat-f-out0 nat-t/vpc-wan0 anti-replay/k5-wan0 \
         anti-replay/v2-wan0; do
  s=${p%%/*} f=${p#*/}
  python3 "$SRC/tests/integration/esp_same.py" "$T/out/$s/keys/esp_sa" "$T/again/$s/keys/esp_sa" \
    "$T/out/$s/captures/$f.pcap" "$T/again/$s/captures/$f.pcap" > "$T/same.txt"
  rc=$?
  [ $rc -eq 77 ] && skip "python3 cryptography missing for esp_same.py"
  [ $rc -eq 0 ] || { cat "$T/same.txt"; fail "$p differs between two runs with the same seed"; }
done
echo "scenarios: same seed, same captures ($p: $(cat "$T/same.txt"))"

for s in $list; do
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%s: %d checks, lab %.0f s, wall %.2f s' % (r['scenario'], r['checks_total'], r['lab_time_s'], r['wall_time_s']))" "$T/out/$s/report.json"
done
