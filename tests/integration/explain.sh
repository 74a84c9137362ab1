#!/bin/sh
# slow
# `vpnlab explain` on captures recorded now (tests/fixtures/pcap/record-f220.sh: `vpnlab peer
# --profile` pairs in two namespaces, and ike-scan): the field-note case end to end with the
# F220's own config files and the Sakura settings JSON, text and JSON output, exit codes, and
# a broken FITELnet config reported as NAME:LINE:COL; `vpnlab profiles`; `vpnlab peer --profile`
# precedence (forced rows beat --ike). About 8 s.
. "$(dirname "$0")/lib.sh"
need_root
have tcpdump || skip "tcpdump missing"
have ike-scan || skip "ike-scan missing"
ip netns add vl-explain-probe 2>/dev/null || skip "network namespaces refused"
ip netns del vl-explain-probe
FX="$SRC/tests/fixtures"
sh "$FX/pcap/record-f220.sh" "$T" > "$T/record.log" 2>&1 || { cat "$T/record.log"; fail "recording"; }
V1="$T/f220-v1-to-sakura-v1.pcap" V2="$T/f220-v2-to-sakura-v1.pcap"
AG="$T/aggressive-aes256-sha1-modp2048.pcap"

# 1. the new F220 config against a v1 router: refused, every failing attribute named (exit 1)
if "$VPNLAB" explain "$V2" --profile sakura-vpc-v1 --config "$FX/profile/sakura-v1.json" > "$T/o1"; then
  cat "$T/o1"; fail "the v2 offer was accepted by sakura-vpc-v1"
fi
grep -q "proposal 1 transform 1: IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048, lifetime 28800s: no match: key length 256 (ours: 128), hash SHA2_256 (ours: SHA1), DH group 14 (ours: 5)" "$T/o1" ||
  { cat "$T/o1"; fail "transform 1: attributes not named"; }
grep -q "verdict: REFUSED by sakura-vpc-v1 (NO-PROPOSAL-CHOSEN)" "$T/o1" || { cat "$T/o1"; fail "no refusal"; }
grep -q "the capture's responder answered frame 1: NO-PROPOSAL-CHOSEN (notify 14); sakura-vpc-v1 would refuse it too" "$T/o1" ||
  { cat "$T/o1"; fail "the capture's own answer is not compared"; }
grep -q "note: sakura-vpc-v1: EncryptionAlgo aes256 / HashAlgo sha256 are stored but not negotiated" "$T/o1" ||
  { cat "$T/o1"; fail "the v1 settings note is missing"; }
echo "ok: new config refused by v1, attributes named"

# 2. the old config: accepted with aes128-sha1-modp1536, as the simulated router did (exit 0)
"$VPNLAB" explain "$V1" --profile sakura-vpc-v1 > "$T/o2" || { cat "$T/o2"; fail "the v1 offer was refused"; }
grep -q "verdict: ACCEPTED by sakura-vpc-v1: selected proposal: IKE:AES_CBC_128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536 (proposal 1 transform 2)" "$T/o2" ||
  { cat "$T/o2"; fail "wrong selection"; }
grep -q "sakura-vpc-v1 would select the same" "$T/o2" || { cat "$T/o2"; fail "capture answer differs"; }
grep -q "phase 2: not judged: quick mode is encrypted in a capture (3 encrypted quick mode messages here)" "$T/o2" ||
  { cat "$T/o2"; fail "phase 2 note"; }
echo "ok: old config accepted: aes128-sha1-modp1536"

# 3. the new offer against v2 with its settings: the proposal of the field note's charon log
"$VPNLAB" explain "$V2" --profile sakura-vpc-v2 --config "$FX/profile/sakura-v2.json" --json > "$T/o3" ||
  { cat "$T/o3"; fail "v2 refused the new config"; }
python3 - "$T/o3" <<'PY' || fail "JSON output"
import json, sys
d = json.load(open(sys.argv[1]))
o = d["offers"][0]
assert d["profile"] == "sakura-vpc-v2", d
assert o["accepted"] and o["selected"] == "IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048", o
assert o["transforms"][1]["why"] == "key length 128 (ours: 256)", o["transforms"]
assert o["capture_answer"]["value"].startswith("NO-PROPOSAL-CHOSEN"), o
assert d["phase2"]["judged"] is False and d["stats"]["offers"] == 1, d
PY
echo "ok: v2 selects IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048 (JSON)"

# 4. the F220 as responder, configured by its own CLI text (v1 + the changes)
"$VPNLAB" explain "$V2" --profile fitelnet-f220 --config "$FX/fitelnet/v1.conf" \
  --config "$FX/fitelnet/v2-changes.conf" > "$T/o4" || { cat "$T/o4"; fail "fitelnet v2 config refused its own offer"; }
grep -q "judged against connection sakuratokyo (aes256-sha256-modp2048,aes128-sha256-modp2048)" "$T/o4" ||
  { cat "$T/o4"; fail "the FITELnet config was not used"; }
printf 'crypto isakmp policy p\n encryption aes\n hash md5\nexit\n' > "$T/bad.conf"
"$VPNLAB" explain "$V2" --profile fitelnet-f220 --config "$T/bad.conf" > "$T/o5" 2>&1; rc=$?
[ $rc -eq 2 ] || { cat "$T/o5"; fail "a bad FITELnet config gave exit $rc"; }
grep -q "bad.conf:3:" "$T/o5" || { cat "$T/o5"; fail "no NAME:LINE:COL for the bad config"; }
echo "ok: FITELnet config as the responder; a bad one is NAME:LINE:COL, exit 2"

# 5. aggressive mode to K5: the mode is named
if "$VPNLAB" explain "$AG" --profile k5-vpnaas --ike aes256-sha1-modp2048 > "$T/o6"; then
  cat "$T/o6"; fail "K5 accepted aggressive mode"; fi
grep -q "mode: aggressive mode refused by k5-vpnaas, main mode only" "$T/o6" || { cat "$T/o6"; fail "mode not named"; }
"$VPNLAB" explain "$AG" --profile k5-vpnaas --config "$FX/profile/k5-policies.json" > "$T/o7" && fail "K5 accepted aggressive mode"
grep -q "judged against connection k5-vpnaas (aes256-sha1-modp2048)" "$T/o7" || { cat "$T/o7"; fail "the K5 policies were not used"; }
echo "ok: aggressive mode refused by k5-vpnaas"

# 6. usage errors and vpnlab profiles
"$VPNLAB" explain "$V1" --profile nope > /dev/null 2>&1; [ $? -eq 2 ] || fail "unknown profile"
"$VPNLAB" explain "$T/none.pcap" --profile sakura-vpc-v1 > /dev/null 2>&1; [ $? -eq 2 ] || fail "missing capture"
"$VPNLAB" explain "$V1" --profile strongswan > /dev/null 2>&1; [ $? -eq 2 ] || fail "strongswan without --ike"
[ "$("$VPNLAB" profiles | wc -l)" -eq 5 ] || fail "vpnlab profiles lists not 5 profiles"
"$VPNLAB" profiles k5-vpnaas | grep -q "^forced   hairpin                    no$" || fail "vpnlab profiles k5-vpnaas"
echo "ok: usage errors exit 2; vpnlab profiles"

# 7. vpnlab peer --profile: a forced row beats the command line, a default does not
# (the F220 offers the v2 set; the responder is given --ike / --esp aes256-sha256-modp2048)
. "$(dirname "$0")/lib_strongswan.sh"
netns_pair prof
A=vl-prof-a; B=vl-prof-b
peer_pair() {   # peer_pair RESPONDER_PROFILE RESPONDER_IKE: the initiator offers the F220 v2 set
  ip netns exec $B "$VPNLAB" peer --profile "$1" --ike "$2" --local 10.10.0.2 --remote 10.10.0.1 \
    --esp aes256-sha256-modp2048 --psk k --once --timeout 5s > "$T/resp.out" 2> "$T/resp.err" & rp=$!
  sleep 0.3
  ip netns exec $A "$VPNLAB" peer --profile fitelnet-f220 --local 10.10.0.1 --remote 10.10.0.2 \
    --psk k --ike aes256-sha256-modp2048,aes128-sha256-modp2048 --esp aes256-sha256-modp2048 --initiate --once --timeout 4s \
    > "$T/init.out" 2> "$T/init.err"; irc=$?
  wait $rp; rrc=$?
}
peer_pair sakura-vpc-v1 aes256-sha256-modp2048
[ $irc -ne 0 ] && [ $rrc -ne 0 ] || fail "sakura-vpc-v1 with --ike aes256-sha256-modp2048 linked"
grep -q "no_proposal_chosen" "$T/init.err" || { cat "$T/init.err"; fail "no NO-PROPOSAL-CHOSEN"; }
grep -q "vpnlab peer: sakura-vpc-v1: ike-proposals aes256-sha256-modp2048 replaced by aes128-sha1-modp1536,aes128-sha1-modp1024" "$T/resp.err" ||
  { cat "$T/resp.err"; fail "the forced proposals were not reported"; }
peer_pair sakura-vpc-v2 aes256-sha256-modp2048
[ $irc -eq 0 ] && [ $rrc -eq 0 ] || { cat "$T/init.err" "$T/resp.err"; fail "sakura-vpc-v2 with its settings did not link"; }
echo "ok: vpnlab peer --profile: v1 forces its set over --ike, v2 takes it"
