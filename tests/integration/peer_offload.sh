#!/bin/sh
# `vpnlab peer --tunnel` with tunnel offloads (the default) and with --no-offload, vpnlab at
# both ends, raw ESP and ESP in UDP 4500 (--force-encap):
#
#   hA 10.1.0.10 -- gA ==10.10.0.0/24== gB -- hB 10.2.0.10
#
#   - 40 MB sent over TCP from hA arrive at hB byte for byte (SHA-256);
#   - with offloads gB hands hB's stream to the kernel as GSO packets (tcpdump on gB's tun0
#     sees TCP payloads longer than the 1400-byte tunnel MTU); with --no-offload none is;
#   - either way the counters are per packet, and gB's SA accepts every packet gA's sent; gA took from its tunnel exactly the packets
#     its SA encrypted (and any that found no SA at exit or matched no selector), gB gave its tunnel exactly the
#     packets its SA decrypted, and every
#     ESP packet on the uplink fits the uplink's 1500 bytes;
#   - a ping of 1372 bytes with DF (1400 on the wire) is answered, one of 1373 refused with
#     ICMP fragmentation-needed, mtu 1400, from gA's kernel (the locked tunnel route);
#   - ESP in UDP with offloads leaves in UDP GSO trains (the uplink's veth carries them
#     whole, as it carries the hosts' TCP GSO packets: a capture there sees datagrams over
#     1500 bytes, all with DF) and gB reads them coalesced (UDP_GRO), yet gB's SA decrypts
#     every packet gA's SA sent, one by one; with --no-offload every datagram fits 1500.
. "$(dirname "$0")/lib.sh"
need_root
have tcpdump || skip "tcpdump missing"
[ -n "$VPNLAB" ] || VPNLAB=build/vpnlab

P=vl-off
netns_chain $P hA gA gB hB

counter() {   # counter FILE FIELD: FIELD of the counters event in FILE
  python3 -c "import json, sys
for l in open('$1'):
    try: d = json.loads(l)
    except ValueError: continue
    if d.get('event') == 'counters': print(d['$2']); sys.exit(0)
sys.exit(1)" || fail "$1: no counters"
}

round() {   # round NAME [--no-offload]
  name=$1; shift
  ip netns exec $P-gB "$VPNLAB" peer --local 10.10.0.2 --remote 10.10.0.1 --psk off \
    --ike aes256-sha256-modp2048 --esp aes256-sha256 --local-ts 10.2.0.0/24 \
    --remote-ts 10.1.0.0/24 --tunnel tun0 --tunnel-mtu 1400 --json --timeout 60s "$@" \
    > "$T/b-$name.json" 2>&1 &
  vb=$!
  sleep 0.3
  ip netns exec $P-gA "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk off \
    --ike aes256-sha256-modp2048 --esp aes256-sha256 --local-ts 10.1.0.0/24 \
    --remote-ts 10.2.0.0/24 --tunnel tun0 --tunnel-mtu 1400 --json --initiate \
    --timeout 60s "$@" > "$T/a-$name.json" 2>&1 &
  va=$!
  i=0
  until grep -q child_sa_established "$T/a-$name.json" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt 100 ] || { cat "$T/a-$name.json"; fail "$name: no tunnel"; }
    sleep 0.1; done
  ip netns exec $P-gB tcpdump -i tun0 -s 96 -w "$T/tun-$name.pcap" -U tcp \
    > "$T/tcpdump-t-$name.log" 2>&1 &
  td=$!
  ip netns exec $P-gA tcpdump -i wan0 -s 96 -w "$T/wan-$name.pcap" -U "$wan_filter" \
    > "$T/tcpdump-w-$name.log" 2>&1 &
  tw=$!
  sleep 1
  # 40 MB of pseudo-random bytes over TCP; the receiver hashes what arrives
  ip netns exec $P-hB python3 -c "
import hashlib, socket
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('10.2.0.10', 5001)); s.listen(1); s.settimeout(30); c, _ = s.accept(); h = hashlib.sha256(); n = 0
while True:
    b = c.recv(1 << 16)
    if not b: break
    h.update(b); n += len(b)
print(n, h.hexdigest())" > "$T/rx-$name.txt" 2>&1 &
  s=$!
  sleep 0.5
  ip netns exec $P-hA python3 -c "
import hashlib, random, socket
r = random.Random(7); d = r.randbytes(40 << 20)
c = socket.create_connection(('10.2.0.10', 5001), timeout=30); c.sendall(d); c.close()
print(len(d), hashlib.sha256(d).hexdigest())" > "$T/tx-$name.txt" 2>&1 ||
    { cat "$T/tx-$name.txt"; fail "$name: the TCP transfer failed"; }
  wait $s
  cmp -s "$T/tx-$name.txt" "$T/rx-$name.txt" ||
    fail "$name: sent $(cat "$T/tx-$name.txt"), received $(cat "$T/rx-$name.txt")"
  # DF pings: 1400 bytes on the wire pass, 1401 meet the tunnel route's locked MTU
  ip netns exec $P-hA ping -c 1 -W 2 -M do -s 1372 10.2.0.10 > /dev/null ||
    fail "$name: a DF ping of 1400 bytes was not answered"
  ip netns exec $P-hA ping -c 1 -W 2 -M do -s 1373 10.2.0.10 > "$T/ping-$name.log" 2>&1 &&
    fail "$name: a DF ping of 1401 bytes went through a 1400-byte tunnel"
  grep -q "mtu = 1400\|mtu=1400" "$T/ping-$name.log" ||
    { cat "$T/ping-$name.log"; fail "$name: no fragmentation-needed with mtu 1400"; }
  sleep 0.5
  kill -INT $td $tw; wait $td $tw 2>/dev/null
  kill -TERM $va $vb; wait $va $vb 2>/dev/null
  # with an ASan/UBSan build (make asan), a report fails the test
  ! grep -h "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" \
    "$T/a-$name.json" "$T/b-$name.json" || fail "$name: sanitizer report"
  a_rx=$(counter "$T/a-$name.json" tunnel_rx); a_out=$(counter "$T/a-$name.json" packets_out)
  b_tx=$(counter "$T/b-$name.json" tunnel_tx); b_in=$(counter "$T/b-$name.json" packets_in)
  # a packet the kernel routes into the tunnel while the SA is being deleted at exit finds
  # none (no_sa_drops): counted, so every packet is accounted for
  a_nosa=$(counter "$T/a-$name.json" no_sa_drops)
  # and what matches no selector: the kernel's own IPv6 router solicitations and MLD reports
  # on the tunnel interface, sent a random second or so after it comes up (no_match_drops)
  a_nomatch=$(counter "$T/a-$name.json" no_match_drops)
  [ "$a_rx" -eq $((a_out + a_nosa + a_nomatch)) ] && [ "$a_rx" -gt 28000 ] ||
    fail "$name: gA took $a_rx packets from its tunnel, its SA sent $a_out ($a_nosa without SA, $a_nomatch matching no selector)"
  [ "$b_tx" -eq "$b_in" ] ||
    fail "$name: gB gave its tunnel $b_tx packets, its SA decrypted $b_in"
  # every ESP packet gA's SA sent was decrypted and authenticated by gB's, trains included
  b_drops=$(counter "$T/b-$name.json" drops)
  [ "$b_in" -eq "$a_out" ] && [ "$b_drops" -eq 0 ] ||
    fail "$name: gA's SA sent $a_out packets, gB's SA accepted $b_in and dropped $b_drops"
  tun_max=$(tcpdump -r "$T/tun-$name.pcap" -nn 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "length") l = $(i + 1) + 0 } l > m { m = l }
         END { print m + 0 }')
  wan_max=$(tcpdump -r "$T/wan-$name.pcap" -nn -v 2>/dev/null |
    awk '{ for (i = 1; i < NF; i++) if ($i == "length") { l = $(i + 1); gsub(/[^0-9]/, "", l);
           if (l + 0 > m) m = l + 0 } } END { print m + 0 }')
  # a train goes with DF set, as the gw would have sent each of its packets
  wan_nodf=$(tcpdump -r "$T/wan-$name.pcap" -nn -v 2>/dev/null | awk '/flags \[none\]/ {
    for (i = 1; i < NF; i++) if ($i == "length") { l = $(i + 1); gsub(/[^0-9]/, "", l);
    if (l + 0 > 1500) { n++; break } } } END { print n + 0 }')
  [ "$wan_nodf" -eq 0 ] || fail "$name: $wan_nodf UDP GSO trains on gA's uplink without DF"
  a_gso=$(counter "$T/a-$name.json" gso_segments); b_gro=$(counter "$T/b-$name.json" gro_segments)
  case $name in
  encap-offload)
    [ "$wan_max" -gt 1500 ] && [ "$a_gso" -gt 28000 ] && [ "$b_gro" -gt 28000 ] ||
      fail "$name: no UDP GSO trains (largest datagram on gA's uplink $wan_max bytes," \
           "gA sent $a_gso packets in trains, gB read $b_gro coalesced)" ;;
  *)
    [ "$wan_max" -gt 1000 ] && [ "$wan_max" -le 1500 ] && [ "$a_gso" -eq 0 ] &&
      [ "$b_gro" -eq 0 ] ||
      fail "$name: the largest ESP packet on gA's uplink is $wan_max bytes" \
           "(UDP GSO: $a_gso packets sent in trains, $b_gro read coalesced)" ;;
  esac
  echo "  $name: largest TCP payload on gB's tun0 $tun_max bytes," \
       "largest ESP packet on the uplink $wan_max bytes; gA tunnel rx $a_rx = SA out $a_out" \
       "+ no SA $a_nosa + no selector $a_nomatch," \
       "gB SA in = tunnel tx = $b_in; UDP GSO $a_gso, GRO $b_gro packets"
}

wan_filter=esp
round offload
[ "$tun_max" -gt 1400 ] || fail "offload: no GSO packet reached gB's tun0 (largest $tun_max)"
round wire --no-offload
[ "$tun_max" -le 1400 ] || fail "--no-offload: a frame of $tun_max bytes on gB's tun0"
wan_filter="udp port 4500"
round encap-offload --force-encap
[ "$tun_max" -gt 1400 ] || fail "encap-offload: no GSO packet reached gB's tun0 (largest $tun_max)"
round encap-wire --force-encap --no-offload
[ "$tun_max" -le 1400 ] || fail "encap-wire: a frame of $tun_max bytes on gB's tun0"
echo "PASS: peer_offload"
