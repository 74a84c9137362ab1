#!/bin/sh
# vpnlab inspect on the real strongSwan capture (tests/fixtures/pcap/record-strongswan.sh):
# the text and JSON timelines (the SA table at the end included) match their golden files byte
# for byte, every JSON line parses, the SA table agrees with the events and ESP summaries,
# tshark agrees on the frame numbers of the ISAKMP exchanges and ESP SPIs, and broken inputs
# (missing file, bad key file, cut capture) give a message naming the place, never a crash.
. "$(dirname "$0")/lib.sh"
cd "$SRC" || fail "no source tree"
F=tests/fixtures/pcap
PCAP=$F/strongswan_ikev1.pcap
KEYS=$F/strongswan_ikev1.keys

"$VPNLAB" inspect "$PCAP" --keys "$KEYS" > "$T/text" 2> "$T/err" || { cat "$T/err"; fail "inspect failed"; }
diff -u $F/strongswan_ikev1.inspect.golden "$T/text" || fail "text timeline differs from the golden file"
# The aggressive-mode and NO-PROPOSAL-CHOSEN recordings, text only.
"$VPNLAB" inspect $F/strongswan_aggressive.pcap --keys $F/strongswan_aggressive.keys > "$T/aggr" ||
  fail "inspect aggressive failed"
diff -u $F/strongswan_aggressive.inspect.golden "$T/aggr" || fail "aggressive timeline differs"
"$VPNLAB" inspect $F/strongswan_npc.pcap > "$T/npc" || fail "inspect npc failed"
diff -u $F/strongswan_npc.inspect.golden "$T/npc" || fail "NO-PROPOSAL-CHOSEN timeline differs"
"$VPNLAB" inspect "$PCAP" --keys "$KEYS" --json > "$T/json" || fail "inspect --json failed"
diff -u $F/strongswan_ikev1.inspect.jsonl.golden "$T/json" || fail "JSON timeline differs from the golden file"
python3 -c '
import json, sys
for n, l in enumerate(open(sys.argv[1]), 1):
    json.loads(l)
' "$T/json" || fail "a JSON line does not parse"
# The SA table agrees with the timeline: its CHILD_SAs are the child_sa_up events' SPIs, their
# packet counts the ESP summaries', its IKE SA the ike_sa_up event's cookie.
python3 - "$T/json" <<'PY' || fail "the SA table disagrees with the events"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ups = [(e["spi"], e["spi2"]) for e in ev if e["event"] == "child_sa_up"]
rows = [e for e in ev if e["event"] == "child_sa"]
assert [(r["spi_i"], r["spi_r"]) for r in rows] == ups, (rows, ups)
pk = {e["spi"]: e["packets"] for e in ev if e["event"] == "esp_summary"}
assert all(r["packets_i_r"] == pk[r["spi_r"]] and r["packets_r_i"] == pk[r["spi_i"]] for r in rows)
assert rows[0]["rekeyed"] == rows[1]["up"] and rows[1]["rekeyed"] is None
ike = [e for e in ev if e["event"] == "ike_sa"]
assert [i["icookie"] for i in ike] == [e["icookie"] for e in ev if e["event"] == "ike_sa_up"]
PY

# tshark (with the same keys) sees the same exchanges and SPIs at the same frames.
if have tshark; then
  ike=$(cat $KEYS/ikev1_decryption_table)
  tshark -r "$PCAP" -o "uat:ikev1_decryption_table:$ike" -Y isakmp -T fields -e frame.number \
    -e isakmp.exchangetype 2>/dev/null > "$T/ts_ike"
  grep '"event": "ike_msg"' "$T/json" | sed 's/.*"frame": \([0-9]*\),.*"exch": \([0-9]*\),.*/\1	\2/' > "$T/our_ike"
  diff -u "$T/ts_ike" "$T/our_ike" || fail "ISAKMP frames and exchange types differ from tshark"
  tshark -r "$PCAP" -Y esp -T fields -e esp.spi 2>/dev/null | sort | uniq -c |
    awk '{printf "%s %d\n", $2, $1}' | sed 's/^0x//' | sort > "$T/ts_esp"
  grep '"event": "esp_summary"' "$T/json" |
    sed 's/.*"spi": "\([0-9a-f]*\)".*"packets": \([0-9]*\),.*/\1 \2/' | sort > "$T/our_esp"
  diff -u "$T/ts_esp" "$T/our_esp" || fail "ESP SPIs and packet counts differ from tshark"
  echo "ok: tshark agrees on $(wc -l < "$T/our_ike") ISAKMP messages and $(wc -l < "$T/our_esp") SPIs"
fi

# Broken inputs.
"$VPNLAB" inspect /nonexistent.pcap > /dev/null 2> "$T/e1"; rc=$?
[ $rc -eq 2 ] && grep -q '/nonexistent.pcap' "$T/e1" || fail "missing file: rc $rc, $(cat "$T/e1")"
printf 'aa5bc069957f83b8,zz\n' > "$T/ikev1_decryption_table"
"$VPNLAB" inspect "$PCAP" --keys "$T/ikev1_decryption_table" > /dev/null 2> "$T/e2"; rc=$?
[ $rc -eq 2 ] && grep -q 'ikev1_decryption_table:1:18: Encryption Key' "$T/e2" ||
  fail "bad key file: rc $rc, $(cat "$T/e2")"
"$VPNLAB" inspect $F/eth_ike_cut.pcap > "$T/cut" 2>&1 || fail "cut capture: inspect failed"
grep -q 'file_error.*frame 5 at byte offset' "$T/cut" || fail "cut capture: no file_error naming frame 5: $(cat "$T/cut")"
head -c 3000 "$PCAP" > "$T/short.pcap"
"$VPNLAB" inspect "$T/short.pcap" --keys "$KEYS" > "$T/short" 2>&1 || fail "truncated capture: inspect failed"
grep -q 'file_error' "$T/short" || fail "truncated capture: no file_error"
echo "ok: inspect golden text and JSON, broken inputs reported"
