#!/bin/sh
# slow
# NAT keepalives on the wire (RFC 3948 4). A vpnlab initiator sits behind a masquerading
# router (nftables) and a vpnlab responder outside: the initiator's NAT-D shows it is behind a
# NAT, both float to UDP 4500, and the initiator sends a single 0xFF byte to port 4500 every
# --natt-keepalive (1 s here); the responder, not behind a NAT, sends none. Then the same
# initiator against strongSwan 5.9 outside the NAT: charon sees the NAT too, and the tunnel
# stays up with vpnlab's keepalives arriving.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
have nft || skip "nft missing"
have tcpdump || skip "tcpdump missing"
I=vl-ka-i; R=vl-ka-r; O=vl-ka-o
ip netns add $I && ip netns add $R && ip netns add $O || fail "ip netns add"
cleanup_hooks="ka_del $cleanup_hooks"
ka_del() { ip netns del $I 2>/dev/null; ip netns del $R 2>/dev/null; ip netns del $O 2>/dev/null; }
ip link add eth0 netns $I type veth peer name in0 netns $R
ip link add eth0 netns $O type veth peer name out0 netns $R
ip -n $I addr add 10.0.0.2/24 dev eth0
ip -n $R addr add 10.0.0.1/24 dev in0
ip -n $R addr add 192.0.2.1/24 dev out0
ip -n $O addr add 192.0.2.2/24 dev eth0
for n in $I $R $O; do ip -n $n link set lo up; done
ip -n $I link set eth0 up; ip -n $O link set eth0 up
ip -n $R link set in0 up; ip -n $R link set out0 up
ip -n $I route add default via 10.0.0.1
ip netns exec $R sysctl -qw net.ipv4.ip_forward=1
ip netns exec $R nft -f - <<'N' || fail "nft"
table ip nat {
  chain post {
    type nat hook postrouting priority 100;
    oifname "out0" masquerade
  }
}
N

ip netns exec $O tcpdump -i eth0 --immediate-mode -Z root -U -w "$T/ka.pcap" udp > /dev/null 2>&1 &
td=$!
cleanup_hooks="stop_td $cleanup_hooks"
stop_td() { kill $td 2>/dev/null; wait $td 2>/dev/null; }
sleep 1
ip netns exec $O "$VPNLAB" peer --local 192.0.2.2 --remote 192.0.2.1 --psk ka-psk \
   --natt-keepalive 1s --timeout 6s --json --verbose > "$T/resp.json" 2> "$T/resp.log" &
vp=$!
sleep 0.3
ip netns exec $I "$VPNLAB" peer --local 10.0.0.2 --remote 192.0.2.2 --psk ka-psk \
   --natt-keepalive 1s --initiate --timeout 5500ms --json --verbose > "$T/init.json" 2> "$T/init.log"
wait $vp
sleep 0.3
stop_td
grep -q '"child_sa_established".*"udp_encap": true' "$T/init.json" ||
  { cat "$T/init.log"; fail "no UDP-encapsulated CHILD_SA through the NAT"; }
grep -q "local host is behind NAT" "$T/init.log" || fail "the initiator did not see its NAT"
grep -q "remote host is behind NAT" "$T/resp.log" || fail "the responder did not see the NAT"
# keepalives: one-byte UDP payloads to port 4500
from_nat=$(tcpdump -r "$T/ka.pcap" -n 'udp dst port 4500 and src host 192.0.2.1 and udp[4:2] = 9' 2>/dev/null | wc -l)
from_resp=$(tcpdump -r "$T/ka.pcap" -n 'udp dst port 4500 and src host 192.0.2.2 and udp[4:2] = 9' 2>/dev/null | wc -l)
[ "$from_nat" -ge 4 ] && [ "$from_nat" -le 6 ] ||
  { tcpdump -r "$T/ka.pcap" -n 2>/dev/null | tail; fail "$from_nat keepalives in ~5 s at 1 s, want 4 to 6"; }
[ "$from_resp" -eq 0 ] || fail "the responder (not behind a NAT) sent $from_resp keepalives"
byte=$(tcpdump -r "$T/ka.pcap" -n -x 'udp dst port 4500 and src host 192.0.2.1 and udp[4:2] = 9' 2>/dev/null |
  awk '/0x0010/ {print $NF; exit}')
[ "$byte" = "ff" ] || fail "the keepalive's byte is '$byte', not ff"
echo "ok: $from_nat one-byte 0xFF keepalives through the NAT, none from the responder"

# 2. strongSwan outside the NAT
if sw_available; then
  ip netns exec $O tcpdump -i eth0 --immediate-mode -Z root -U -w "$T/ka2.pcap" udp > /dev/null 2>&1 &
  td=$!
  sleep 1
  sw_start ka "$O" "connections { c { version = 1
  local_addrs = 192.0.2.2
  remote_addrs = %any
  proposals = aes128-sha1-modp1536
  dpd_delay = 0
  local { auth = psk
    id = 192.0.2.2 }
  remote { auth = psk
    id = 10.0.0.2 }
  children { c { local_ts = 0.0.0.0/0
    remote_ts = 0.0.0.0/0
    esp_proposals = aes128-sha1-modp1536 } } } }
secrets { ike-1 { id-a = 10.0.0.2
  id-b = 192.0.2.2
  secret = ka-psk } }"
  ip netns exec $I "$VPNLAB" peer --local 10.0.0.2 --remote 192.0.2.2 --psk ka-psk \
     --natt-keepalive 1s --initiate --timeout 4500ms --json --verbose > "$T/sw.json" 2> "$T/sw.log"
  sleep 0.3
  stop_td
  grep -q '"child_sa_established".*"udp_encap": true' "$T/sw.json" ||
    { cat "$T/sw.log"; sw_log ka | tail -20; fail "no CHILD_SA with strongSwan through the NAT"; }
  sw_log ka | grep -q "remote host is behind NAT" || { sw_log ka | tail; fail "strongSwan did not see the NAT"; }
  n2=$(tcpdump -r "$T/ka2.pcap" -n 'udp dst port 4500 and src host 192.0.2.1 and udp[4:2] = 9' 2>/dev/null | wc -l)
  [ "$n2" -ge 3 ] && [ "$n2" -le 5 ] || fail "$n2 keepalives to strongSwan in ~4.5 s at 1 s, want 3 to 5"
  echo "ok: strongSwan sees the NAT and gets $n2 keepalives from behind it"
  sw_stop_ka
fi
