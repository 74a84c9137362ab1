#!/bin/sh
# Benchmark: decode a capture of IKE and ESP traffic with `vpnlab inspect --json` and with
# tshark extracting the same fields (frame number, ESP SPI and sequence, ISAKMP exchange
# type), one run each, on the same file with a warm page cache; then vpnlab's peak RSS on a
# capture four times smaller, to show memory does not grow with the capture.
# vpnlab gets the IKE keys (one line per generated tunnel), so it also decrypts every
# encrypted ISAKMP message and sees the deletes that free each tunnel's state; tshark gets none
# (the fields asked for need no decryption).
# Usage: tests/bench/inspect.sh [MIB]   (default 1024; the small capture is MIB/4)
# The captures are written by tests/tools/trace_gen.c into a temporary directory, deleted after.
# tshark 4.0 names the exchange type field isakmp.exchangetype (there is no isakmp.exch_type).
set -eu
: "${VPNLAB:=build/vpnlab}"
: "${CC:=cc}"
mib=${1:-1024}
small=$((mib / 4))
here=$(cd "$(dirname "$0")/../.." && pwd)
T=$(mktemp -d /tmp/vpnlab-bench-inspect.XXXXXX)
trap 'rm -rf "$T"' EXIT
command -v tshark > /dev/null || { echo "inspect bench: tshark missing"; exit 77; }

$CC -std=c11 -D_GNU_SOURCE -O2 -o "$T/trace_gen" "$here/tests/tools/trace_gen.c" -lpcap
tpl="$here/tests/fixtures/pcap/strongswan_ikev1.pcap"
keys="$here/tests/fixtures/pcap/strongswan_ikev1.keys/ikev1_decryption_table"
mkdir -p "$T/big.keys" "$T/small.keys"
"$T/trace_gen" "$tpl" "$T/big.pcap" "$mib" "$keys" "$T/big.keys/ikev1_decryption_table"
"$T/trace_gen" "$tpl" "$T/small.pcap" "$small" "$keys" "$T/small.keys/ikev1_decryption_table"
frames=$(capinfos -c -M "$T/big.pcap" 2>/dev/null | awk '/Number of packets/ {print $NF}')

run() {   # run NAME OUT CMD...: prints "seconds maxrss_kib"
  name=$1; out=$2; shift 2
  /usr/bin/time -f '%e %M' -o "$T/$name.time" "$@" > "$out"
  cat "$T/$name.time"
}

cat "$T/big.pcap" > /dev/null
set -- $(run vpnlab "$T/vpnlab.json" "$VPNLAB" inspect --json --keys "$T/big.keys" "$T/big.pcap"); v_s=$1; v_rss=$2
set -- $(run small "$T/small.json" "$VPNLAB" inspect --json --keys "$T/small.keys" "$T/small.pcap"); s_s=$1; s_rss=$2
set -- $(run tshark "$T/tshark.txt" tshark -r "$T/big.pcap" -T fields -e frame.number \
  -e esp.spi -e esp.sequence -e isakmp.exchangetype); t_s=$1; t_rss=$2

# Both saw the same ISAKMP messages and ESP packets; vpnlab decrypted every encrypted one.
v_undec=$(grep -c '"event": "ike_undecrypted"' "$T/vpnlab.json" || true)
v_dec=$(grep -c '"event": "ike_msg".*"decrypted": true' "$T/vpnlab.json" || true)
v_ike=$(grep -c '"event": "ike_msg"' "$T/vpnlab.json")
t_ike=$(awk -F'\t' '$4 != ""' "$T/tshark.txt" | wc -l)
v_esp=$(grep '"event": "esp_summary"' "$T/vpnlab.json" | sed 's/.*"packets": \([0-9]*\),.*/\1/' |
  awk '{s += $1} END {print s + 0}')
t_esp=$(awk -F'\t' '$2 != ""' "$T/tshark.txt" | wc -l)
echo "inspect bench: $(du -m "$T/big.pcap" | cut -f1) MiB, $frames frames"
echo "  vpnlab inspect --json --keys: ${v_s} s, peak RSS ${v_rss} KiB ($v_ike ISAKMP messages of which $v_dec decrypted, $v_undec not; $v_esp ESP packets)"
echo "  tshark -T fields:      ${t_s} s, peak RSS ${t_rss} KiB ($t_ike ISAKMP messages, $t_esp ESP packets)"
echo "  ratio: $(echo "scale=1; $t_s / ($v_s + 0.001)" | bc)x faster than tshark"
echo "  memory: $(du -m "$T/small.pcap" | cut -f1) MiB -> ${s_rss} KiB, $(du -m "$T/big.pcap" | cut -f1) MiB -> ${v_rss} KiB"
[ "$v_ike" -eq "$t_ike" ] && [ "$v_esp" -eq "$t_esp" ] ||
  { echo "inspect bench: vpnlab and tshark disagree on the counts"; exit 1; }
