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
#     the three actions differ: sr (restart) negotiated again before any traffic, sh (hold)
#     only after a packet found no SA, sc (clear) not even after three packets found none,
#     only after the explicit initiate; the gateways' logs say what each action left;
#   - anti-replay: the forced replay window of sakura-vpc-v2 is in the report, a and v2 count
#     the replays they dropped, b none;
#   - nat-t: behind nat-a only ESP in UDP 4500 leaves (no bare ESP), behind nat-f (the F220,
#     no NAT-T) only bare ESP;
#   - lifetimes: rekeys and reauthentications in 24 h within one of the schedule the
#     lifetimes in force give (the initiator's where the responder accepts, the
#     responder's where it announces them with RESPONDER-LIFETIME or takes the shorter),
#     the responders' lifetimes in the first CHILD_SAs, and tshark decrypting a4's capture
#     finds every RESPONDER-LIFETIME vpnlab's trace does, with no malformed packet;
#   - f220-migration (tests/integration/scenarios/): a reconfigure step types config 2's
#     changes into the F220 after config 1 got NO-PROPOSAL-CHOSEN, and it links with the
#     field note's IKE and ESP proposals; a key change on the VPC side restarts the
#     connection and the F220's always-up brings it back;
#   - the JUnit file has one testcase per check and no failure;
#   - nat-t and anti-replay run again give the same captures (esp_same.py);
#   - every scenario's expect: list (judged from its pcaps) holds, and the same scenarios
#     with one or two expectations made wrong (a proposal, a period, who answers replays,
#     the float, the MSS clamp, a lifetime, who sent INITIAL-CONTACT) exit 1, each wrong one
#     failing with its scenario position and pcap frames, the others still passing;
#   - sakura-v1 and sakura-v2 (the field note, through the mock Sakura API) with their
#     expect: lists: v2's duplicate IKE_SA on INITIAL_CONTACT and charon's reauthentication
#     schedule in the router's log (report.json's log lines).
. "$(dirname "$0")/lib.sh"
need_root
S=$SRC/scenarios
list="mtu-fragmentation dpd anti-replay nat-t lifetimes sakura-v1 sakura-v2"
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
# dpd: what each action did after the timeout (at the same lab time for all three)
d = rep["dpd"]["events"]
tmo = {e["source"]: e["lab_time_s"] for e in d if e["event"] == "dpd_timeout"}
def after(src, kind):
    return [e["lab_time_s"] for e in d if e["source"] == src + "/to-hub" and e["event"] == kind
            and e["lab_time_s"] > tmo[src + "/to-hub"]]
up_r, up_h, up_c = after("sr", "ike_sa_established"), after("sh", "ike_sa_established"), \
                   after("sc", "ike_sa_established")
nosa_h, nosa_c = after("sh", "no_sa"), after("sc", "no_sa")
assert up_r and not after("sr", "no_sa"), (up_r, after("sr", "no_sa"))  # restart: by itself
assert len(up_h) == 1 and nosa_h and nosa_h[0] <= up_h[0], (up_h, nosa_h)  # hold: on traffic
assert up_r[0] <= nosa_h[0], (up_r, nosa_h)  # sr was back before sh's first echo
assert len(up_c) == 1 and len(nosa_c) == 3 and nosa_c[-1] < up_c[0], (up_c, nosa_c)  # clear
assert "DPD action hold: trap policy installed" in open(f"{t}/out/dpd/logs/sh.log").read()
assert "DPD action clear: no trap policy" in open(f"{t}/out/dpd/logs/sc.log").read()

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

# lifetimes: the counts over 24.5 h of lab time, rekeys at 90% of the ESP lifetime in force
# (the initiator's offer; rl's announced 1200 s / 7200 s; sw's shorter 1800 s), and
# reauthentications at 90% of the IKE one
g = gw("lifetimes")
span = rep["lifetimes"]["lab_time_s"]
for a, b, esp, ike in (("f220", "sakuratokyo", 1800, 28800), ("v2", "to-f220", 1800, 28800),
                       ("site", "to-k5", 7200, 28800), ("k5", "to-site", 7200, 28800),
                       ("k5b", "to-peer", 3600, 3600), ("peer", "to-k5b", 3600, 3600),
                       ("a4", "to-rl", 1200, 7200), ("rl", "to-a4", 1200, 7200),
                       ("a5", "to-sw", 1800, 28800), ("sw", "to-a5", 1800, 28800)):
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
assert "lifetime=1200s" in first["a4/to-rl"], first            # rl's RESPONDER-LIFETIME
assert "lifetime=1800s" in first["a5/to-sw"], first            # sw's shorter, in QM2

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

# sakura-v2: the router's log (OUT/logs/vr.log) tells the duplicate IKE_SA as charon does
# (seeds/002 l.224-237), in that order, and charon's schedule for every IKE_SA it set up:
# reauthentication at 28800 - 89 - [0, 89] s, the maximum 89 s after it
import re
vr = open(f"{t}/out/sakura-v2/logs/vr.log").read().splitlines()
order = ["schedule delete of duplicate IKE_SA for peer '172.30.128.254' due to uniqueness "
         "policy and suspected reauthentication", "IKE_SA established between",
         "destroying duplicate IKE_SA for peer '172.30.128.254', received INITIAL_CONTACT",
         "received DELETE for ESP CHILD_SA with SPI", "CHILD_SA not found, ignored"]
at = 0
for line in vr:
    if at < len(order) and order[at] in line:
        at += 1
assert at == len(order), ("vr.log lacks, in order:", order[at])
sched = [int(x) for x in re.findall(r"scheduling reauthentication in (\d+)s", "\n".join(vr))]
maxes = [int(x) for x in re.findall(r"maximum IKE_SA lifetime (\d+)s", "\n".join(vr))]
assert len(sched) >= 3, sched      # version 2's first SA, the one after the restart, the reauth
assert all(28622 <= r <= 28711 for r in sched), sched
assert maxes[-len(sched):] == [r + 89 for r in sched], (sched, maxes)

# ... and in report.json: the router destroyed exactly the IKE_SA and CHILD_SA the F220 had
# before its restart (the CHILD_SA's outbound SPI is the F220's inbound one), no other
v2 = rep["sakura-v2"]["events"]
ic = [e for e in v2 if e["source"].startswith("vr/") and "INITIAL_CONTACT" in e["detail"]]
assert [e["event"] for e in ic] == ["child_sa_deleted", "ike_sa_deleted"], ic
f220 = [e for e in v2 if e["source"] == "f220/sakuratokyo" and e["event"] == "child_sa_established"
        and e["lab_time_s"] <= ic[0]["lab_time_s"]]
old_in = re.search(r"spi_in=([0-9a-f]{8})", f220[-2]["detail"]).group(1)
assert "spi_out=" + old_in in ic[0]["detail"], (f220[-2], ic[0])
assert "spi_in=" + old_in not in f220[-1]["detail"], f220[-1]

# the expect: lists: every item judged, all held
items = {"mtu-fragmentation": 10, "dpd": 9, "anti-replay": 9, "nat-t": 8, "lifetimes": 15,
         "sakura-v1": 3, "sakura-v2": 9, "f220-migration": 0}
for s, r in rep.items():
    ex = [c for c in r["checks"] if c["check"].startswith("expect ")]
    assert len(ex) == items[s], (s, len(ex))
    assert all(c["pass"] for c in ex), [c for c in ex if not c["pass"]]

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
  # lifetimes: rl's RESPONDER-LIFETIME notifies, decrypted with the run's IKE keys: as many
  # as vpnlab's own trace finds, phase 1 read as IKE attributes, phase 2 as IPsec ones
  l=$T/out/lifetimes
  ike=$(cat "$l/keys/ikev1_decryption_table")
  tshark -r "$l/captures/a4-wan0.pcap" -o "uat:ikev1_decryption_table:$ike" -Y isakmp -V \
    > "$T/rl.dissect" 2>&1
  if grep -qi malformed "$T/rl.dissect"; then fail "tshark: a malformed packet in a4-wan0.pcap"; fi
  rl1=$(grep -c "IKE Attribute (t=12,l=2): Life-Duration: 7200" "$T/rl.dissect")
  rl2=$(grep -c "IPsec Attribute (t=2,l=2): SA-Life-Duration: 1200" "$T/rl.dissect")
  nrl=$(grep -c "Notify Message Type: RESPONDER-LIFETIME (24576)" "$T/rl.dissect")
  "$VPNLAB" inspect "$l/captures/a4-wan0.pcap" --keys "$l/keys" --json > "$T/rl.json" 2>&1 ||
    fail "inspect a4-wan0.pcap"
  our1=$(grep -c '"text": "RESPONDER_LIFETIME 7200 s"' "$T/rl.json")
  our2=$(grep -c '"text": "RESPONDER_LIFETIME 1200 s"' "$T/rl.json")
  [ "$nrl" -eq $((rl1 + rl2)) ] && [ "$rl1" -eq "$our1" ] && [ "$rl2" -eq "$our2" ] &&
    [ "$rl1" -ge 13 ] && [ "$rl2" -ge 80 ] ||
    fail "RESPONDER-LIFETIME: tshark $nrl ($rl1 x 7200 s, $rl2 x 1200 s), vpnlab $our1 / $our2"
  echo "scenarios: f220 sent $post outer ESP fragments; rc got $icmp frag-needed for its DF ESP;" \
       "nat-a $a4500 ESP-in-UDP, nat-f $f50 bare ESP; rl's RESPONDER-LIFETIME $rl1 x 7200 s," \
       "$rl2 x 1200 s, as tshark reads them"
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

# Each scenario with wrong expectations: exit 1, the wrong ones fail naming pcap frames.
mkdir -p "$T/wrong"
python3 "$(dirname "$0")/wrong_copies.py" "$S" "$T/wrong" <<'PY' || fail "making the wrong scenarios"
{
    "dpd": [("dpd: {from: sr:wan0, every: 10s,", "dpd: {from: sr:wan0, every: 15s,"),
            # sc (clear) judged as hold: the operator's initiate comes seconds after the
            # dropped echoes, not on the first one as a trap's would
            ("dpd_timeout: {from: sc:wan0, action: clear, within: 1m,",
             "dpd_timeout: {from: sc:wan0, action: hold, flow: hc->srv,"),
            ("proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536}",
             "proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048}")],
    "anti-replay": [("replay_dropped: {from: k5:wan0, to: v2:wan0, link: v2:wan0}",
                     "replay_dropped: {from: k5:wan0, to: b:wan0, link: b:wan0}")],
    "nat-t": [("natt_float: {between: [a:wan0, vpc:wan0]}",
               "natt_float: {between: [f220:wan0, vpc:wan0]}"),
              ("esp: {between: [f220:wan0, vpc:wan0], proposal: ESP:AES_CBC_128/",
               "esp: {between: [f220:wan0, vpc:wan0], proposal: ESP:AES_CBC_256/")],
    "mtu-fragmentation": [("tcp_mss: {from: srv, to: pc, max: 1200, link: pc:eth0}",
                           "tcp_mss: {from: srv, to: pa, max: 1200, link: pa:eth0}"),
                          ("{from: rb:wan0, to: pb, mtu: 1390,", "{from: rb:wan0, to: pb, mtu: 1400,")],
    "lifetimes": [("rekey: {between: [f220:wan0, v2:wan0], child_every: 1620s",
                   "rekey: {between: [f220:wan0, v2:wan0], child_every: 3240s")],
    "two-sites": [("tcp_mss: {between: [office, server], max: 1460}",
                   "tcp_mss: {between: [office, server], max: 1400}")],
    "sakura-v1": [("proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536, lifetime: 28800s}",
                   "proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536, lifetime: 86400s}")],
    "sakura-v2": [("MODP_2048/NO_EXT_SEQ, lifetime: 180s, after_refusal: true}",
                   "MODP_2048/NO_EXT_SEQ, lifetime: 1800s, after_refusal: true}"),
                  ("initial_contact: {from: f220:wan0, to: vr:wan0}",
                   "initial_contact: {from: vr:wan0, to: f220:wan0}")],
}
PY
w=$T/wrong
"$VPNLAB" run "$w/dpd.yaml" "$w/anti-replay.yaml" "$w/nat-t.yaml" "$w/mtu-fragmentation.yaml" \
  "$w/lifetimes.yaml" "$w/two-sites.yaml" "$w/sakura-v1.yaml" "$w/sakura-v2.yaml" \
  --out "$T/bad" --quiet > "$T/badlog" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$T/badlog"; fail "the wrong expectations exited $rc, not 1"; }
python3 - "$T/bad" <<'PY' || { cat "$T/badlog"; fail "the wrong expectations' verdicts"; }
import json, re, sys
d = sys.argv[1]
want = {   # scenario: [(kind, what the observed text says)] of the checks that must fail
    "dpd": [("expect ike", "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536"),
            ("expect dpd", "outside the tolerance"),
            ("expect dpd_timeout", "a new main mode 4.000 s after it")],
    "anti-replay": [("expect replay_dropped", "2 of them ICMP echo requests, 2 answered")],
    "nat-t": [("expect esp", "ESP:AES_CBC_128/HMAC_SHA1_96/MODP_1536/NO_EXT_SEQ"),
              ("expect natt_float", "0 IKE SAs floated to 4500; ESP: 0 SPIs in UDP 4500")],
    "mtu-fragmentation": [("expect icmp_frag_needed", "0 with MTU 1400, 1 with another MTU: 1390"),
                          ("expect tcp_mss", "largest 1460, 1 above 1200")],
    "lifetimes": [("expect rekey", "rekeys, ")],
    "two-sites": [("expect tcp_mss", "largest 1460")],
    "sakura-v1": [("expect ike", "IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536 lifetime 28800 s")],
    "sakura-v2": [("expect esp", "ESP:AES_CBC_256/HMAC_SHA2_256_128/MODP_2048/NO_EXT_SEQ lifetime 180 s"),
                  ("expect initial_contact", "no INITIAL-CONTACT in a main mode 27.133.132.134 -> "
                   "172.30.128.254, 3 from other senders")],
}
for s, fails in want.items():
    r = json.load(open(f"{d}/{s}/report.json"))
    assert r["exit_code"] == 1, (s, r["exit_code"])
    ex = [c for c in r["checks"] if c["check"].startswith("expect ")]
    bad = [c for c in ex if not c["pass"]]
    assert len(bad) == len(fails), (s, [(c["check"], c["observed"]) for c in bad])
    for c, (kind, text) in zip(bad, fails):
        assert c["check"] == kind and text in c["observed"], (s, kind, text, c)
        # the scenario position, then pcap#frames
        assert re.match(r".*/%s\.yaml:\d+:\d+; [a-z0-9-]+\.pcap#\d+" % s, c["where"]), (s, c)
        print(f"wrong {s}: {kind}: {c['observed'][:100]} | {c['where']}")
    # only the steps and the wrong ones failed: every other expectation still held
    assert all(c["pass"] for c in r["checks"] if not c["check"].startswith("expect ")), s
PY

for s in $list; do
  python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print('%s: %d checks, lab %.0f s, wall %.2f s' % (r['scenario'], r['checks_total'], r['lab_time_s'], r['wall_time_s']))" "$T/out/$s/report.json"
done
