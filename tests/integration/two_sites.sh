#!/bin/sh
# The default scenario passes, writes one pcap per link end, and the ICMP fragmentation
# needed that the kernel returned is in the capture (checked with tshark, independently).
. "$(dirname "$0")/lib.sh"
need_root
"$VPNLAB" validate "$SRC"/scenarios/*.yaml >/dev/null || fail "shipped scenarios do not validate"
"$VPNLAB" run "$SRC/scenarios/two-sites.yaml" --out "$T/out" --junit "$T/junit.xml" --json \
  > "$T/summary.json" || fail "two-sites.yaml exited $?"
ls "$T"/out/captures/*.pcap >/dev/null 2>&1 || fail "no captures written"
[ "$(ls "$T"/out/captures/*.pcap | wc -l)" -eq 8 ] || fail "expected 8 link-end captures"
grep -q '"result": "pass"' "$T/out/report.json" || fail "report.json does not say pass"
grep -q '"checks_failed": 0' "$T/summary.json" || fail "JSON summary reports failures"
grep -q '<testcase' "$T/junit.xml" || fail "JUnit file has no testcase"
if grep -q '<failure' "$T/junit.xml"; then fail "JUnit file has failures"; fi
if have tshark; then
  n=$(tshark -r "$T/out/captures/office-eth0.pcap" -Y 'icmp.type == 3 && icmp.code == 4 && icmp.mtu == 1454' 2>/dev/null | wc -l)
  [ "$n" -ge 1 ] || fail "tshark finds no ICMP fragmentation-needed (mtu 1454) on office:eth0"
  m=$(tshark -r "$T/out/captures/r1-wan0.pcap" -Y 'ip.flags.mf == 1' 2>/dev/null | wc -l)
  [ "$m" -ge 1 ] || fail "tshark finds no IPv4 fragment on r1:wan0 (non-DF 1472-byte ping)"
fi
echo "two-sites passed; $n frag-needed frames and $m fragments seen by tshark"
