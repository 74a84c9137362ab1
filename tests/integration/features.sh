#!/bin/sh
# Segments, IPv6, masquerade and an "after N packets" filter, checked by vpnlab's probes and,
# independently, in the captures with tshark.
. "$(dirname "$0")/lib.sh"
need_root
"$VPNLAB" run "$SRC/tests/integration/scenarios/features.yaml" --out "$T/out" > "$T/log" 2>&1
rc=$?
[ $rc -eq 0 ] || { cat "$T/log"; fail "features.yaml exited $rc"; }
grep -q '"checks_failed": 0' "$T/out/report.json" || fail "report has failures"
# exactly 70% lost means 3 of 10 passed the filter
grep -q "3 of 10 datagrams arrived" "$T/log" || { cat "$T/log"; fail "the after-3 filter did not let exactly 3 pass"; }
if have tshark; then
  # the server sees the gateway's address, never the LAN's
  src=$(tshark -r "$T/out/captures/server-eth0.pcap" -Y 'icmp.type == 8' -T fields -e ip.src 2>/dev/null | sort -u)
  [ "$src" = "198.51.100.1" ] || fail "server saw echo requests from '$src', not the NAT address"
  n6=$(tshark -r "$T/out/captures/server-eth0.pcap" -Y 'icmpv6.type == 129' 2>/dev/null | wc -l)
  [ "$n6" -ge 2 ] || fail "no ICMPv6 echo replies from the server in the capture"
  seg=$(tshark -r "$T/out/captures/h2-eth0.pcap" -Y 'icmp.type == 0 && ip.src == 10.0.0.12' 2>/dev/null | wc -l)
  [ "$seg" -ge 2 ] || fail "h2 did not answer h1 across the segment"
fi
echo "segment, IPv6, masquerade and after-3 filter verified (src $src, $n6 ICMPv6 replies)"
