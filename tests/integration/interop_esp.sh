#!/bin/sh
# slow
# Real traffic through a tunnel between vpnlab (`vpnlab peer --tunnel`) and Debian's
# strongSwan 5.9 (charon, kernel-libipsec: userspace ESP in UDP 4500, a TUN of MTU 1400),
# for aes128-sha1 and aes256-sha256:
#
#   hA 10.1.0.10 -- vA (vpnlab, tun0) ==10.10.0.0/24== sB (strongSwan, ipsec0) -- hB 10.2.0.10
#
#   - pings both ways of 64, 1000, 1400 and 1472 bytes, without DF (all must be answered:
#     fragmented before encryption where too big) and with DF (64 and 1000 answered; 1400
#     and 1472 refused with ICMP fragmentation-needed: by vpnlab with the MTU its ESP
#     overhead leaves on the 1500-byte uplink, by strongSwan's kernel with its TUN's 1400);
#   - an iperf3 TCP stream of 3 s from hA to hB;
#   - strongSwan's CHILD_SA counters (swanctl --list-sas) equal vpnlab's (packets and bytes
#     of inner IP packets, each direction);
#   - tshark decrypts the ESP captured on vA's uplink with vpnlab's esp_sa file and finds the
#     inner ICMP.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan (charon, swanctl) or /dev/net/tun missing"
have iperf3 || skip "iperf3 missing"
have tcpdump || skip "tcpdump missing"

P=vl-esp
netns_chain $P hA vA sB hB
# wire-like frames in the capture (no 64 KiB GSO "packets")
for l in $chain_links; do
  ip netns exec $P-${l%%:*} ethtool -K ${l#*:} tso off gso off gro off >/dev/null 2>&1 || true
done

swconf() {   # swconf IKE ESP
  cat <<C
connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = 10.10.0.1
  proposals = $1
  encap = yes
  dpd_delay = 0
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = 10.10.0.1 }
  children { c { local_ts = 10.2.0.0/24
    remote_ts = 10.1.0.0/24
    esp_proposals = $2
    start_action = none } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = "esp-interop" } }
C
}

# ping_case FROM_NS TO SIZE DF(do|dont): prints "answered" or "fragneeded MTU" or "lost".
# With DF the first frag-needed teaches the sender the path MTU; later DF pings then stop
# at the sender ("local error: message too long, mtu=N"), which is the same MTU.
ping_case() {
  out=$(ip netns exec $P-$1 ping -n -c 2 -i 0.2 -W 1 -s "$3" -M "$4" "$2" 2>&1)
  if echo "$out" | grep -q ' 0% packet loss'; then echo answered
  elif mtu=$(echo "$out" | grep -o -e 'Frag needed and DF set (mtu = [0-9]*' \
             -e 'message too long, mtu=[0-9]*' | head -1 | grep -o '[0-9]*$'); [ -n "$mtu" ]
  then echo "fragneeded $mtu"
  else echo lost; fi
}

# Datagrams a namespace's UDP layer dropped because a socket's receive buffer was full
# (/proc/net/snmp Udp RcvbufErrors): ESP-in-UDP that reached strongSwan's host but never
# charon, so never its counters.
udp_drops() {
  ip netns exec $P-$1 awk '$1 == "Udp:" { if (!h) { for (i = 2; i <= NF; i++) if ($i == "RcvbufErrors") c = i; h = 1 } else print $c }' /proc/net/snmp
}

round=0
for pair in "aes128-sha1-modp1536 aes128-sha1" "aes256-sha256-modp2048 aes256-sha256"; do
  set -- $pair
  ike=$1 esp=$2 round=$((round + 1))
  sw_start b$round $P-sB "$(swconf "$ike" "$esp")"
  ip netns exec $P-vA tcpdump -i wan0 -w "$T/wan$round.pcap" -U -s 0 'udp or esp' \
    > "$T/tcpdump$round.log" 2>&1 &
  tdp=$!
  sleep 0.5
  ip netns exec $P-vA "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk esp-interop \
    --ike "$ike" --esp "$esp" --local-ts 10.1.0.0/24 --remote-ts 10.2.0.0/24 --initiate \
    --tunnel tun0 --json --keys "$T/keys$round" --timeout 80s \
    > "$T/vp$round.json" 2> "$T/vp$round.err" &
  vp=$!
  i=0
  until grep -q child_sa_established "$T/vp$round.json" 2>/dev/null; do
    i=$((i + 1))
    [ $i -lt 100 ] || { cat "$T/vp$round.err"; sw_log b$round | tail -20; fail "$esp: no CHILD_SA"; }
    sleep 0.1
  done
  proposal=$(grep -o 'ESP:[A-Z0-9_/]*' "$T/vp$round.json" | head -1)
  grep -q "selected proposal: $proposal" "$T/sw-b$round/charon.log" ||
    fail "$esp: strongSwan did not select $proposal"

  # pings: non-DF first (before any frag-needed teaches a host a path MTU)
  summary=""
  for df in dont do; do
    for size in 64 1000 1400 1472; do
      for dir in "hA 10.2.0.10" "hB 10.1.0.10"; do
        set -- $dir
        got=$(ping_case $1 $2 $size $df)
        summary="$summary $1:$size:$df=$(echo $got | tr ' ' '/')"
        case "$df:$size:$1" in
        dont:*|do:64:*|do:1000:*) want=answered ;;
        do:*:hB) want="fragneeded 1400" ;;          # strongSwan's TUN MTU
        do:*:hA) want="fragneeded" ;;               # vpnlab: what ESP leaves of 1500
        esac
        case "$got" in
        "$want"*) ;;
        *) fail "$esp: ping from $1 size $size DF=$df: $got, expected $want";;
        esac
      done
    done
  done
  vmtu=$(echo "$summary" | grep -o 'hA:1472:do=fragneeded/[0-9]*' | cut -d/ -f2)
  [ "$vmtu" -ge 1400 ] && [ "$vmtu" -lt 1450 ] || fail "$esp: vpnlab's frag-needed MTU $vmtu"

  # the capture holds IKE and the pings (the stream would only make tshark slow)
  kill $tdp; wait $tdp 2>/dev/null

  # a TCP stream
  udp_before=$(udp_drops sB) vudp_before=$(udp_drops vA)
  ip netns exec $P-hB iperf3 -s -1 -B 10.2.0.10 > "$T/iperf-s$round.log" 2>&1 &
  ips=$!
  sleep 0.3
  ip netns exec $P-hA iperf3 -c 10.2.0.10 -t 3 -J > "$T/iperf$round.json" 2>&1 ||
    { cat "$T/iperf$round.json" | tail -5; fail "$esp: iperf3 failed"; }
  wait $ips 2>/dev/null
  mbps=$(python3 -c "import json; d=json.load(open('$T/iperf$round.json')); \
print('%.0f' % (d['end']['sum_received']['bits_per_second'] / 1e6))")
  [ "$mbps" -gt 0 ] || fail "$esp: iperf3 moved nothing"
  sleep 0.3

  # counters: strongSwan's before vpnlab's DELETE ends the SA
  sw_swanctl b$round --list-sas > "$T/sas$round" 2>&1
  udp_lost=$(( $(udp_drops sB) - udp_before )) vudp_lost=$(( $(udp_drops vA) - vudp_before ))
  sw_in=$(awk '$1 == "in" {gsub(",", ""); print $3, $5}' "$T/sas$round")
  sw_out=$(awk '$1 == "out" {gsub(",", ""); print $3, $5}' "$T/sas$round")
  kill -TERM $vp; wait $vp
  c=$(grep '"event": "counters"' "$T/vp$round.json") || fail "$esp: vpnlab printed no counters"
  field() { echo "$c" | grep -o "\"$1\": [0-9]*" | grep -o '[0-9]*$'; }
  vp_in="$(field bytes_in) $(field packets_in)"
  vp_out="$(field bytes_out) $(field packets_out)"
  # Each direction: the receiver counts what the sender counted, less exactly the datagrams
  # its host's UDP layer dropped on a full receive buffer (a TCP stream outruns charon's
  # single socket reader; those packets never reach its counters, and TCP resends them).
  agree() {   # agree WHAT SENT_BYTES SENT_PKTS RECV_BYTES RECV_PKTS UDP_LOST
    [ $(($3 - $5)) -eq $6 ] ||
      fail "$esp: $1: sent $3 packets, received $5, but $6 lost to UDP buffers"
    [ $(($2 - $4)) -ge $(($6 * 20)) ] && [ $(($2 - $4)) -le $(($6 * 1500)) ] ||
      fail "$esp: $1: $(($2 - $4)) bytes missing for $6 lost packets"
  }
  agree "vpnlab -> strongSwan" $vp_out $sw_in $udp_lost
  agree "strongSwan -> vpnlab" $sw_out $vp_in $vudp_lost
  [ "$(field drops)" = 0 ] || fail "$esp: vpnlab dropped $(field drops) inbound ESP packets"
  sw_stop_b$round

  # tshark decrypts vpnlab's ESP (in UDP 4500) with vpnlab's key file
  mkdir -p "$T/home$round/.config/wireshark"
  cp "$T/keys$round/esp_sa" "$T/home$round/.config/wireshark/esp_sa"
  dec=$(HOME="$T/home$round" XDG_CONFIG_HOME="$T/home$round/.config" tshark -r "$T/wan$round.pcap" \
        -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
        -Y 'ip.src == 10.10.0.1 && esp.icv_good == 1 && icmp.type == 8' 2>/dev/null | wc -l)
  [ "$dec" -ge 8 ] || fail "$esp: tshark decrypts only $dec echo requests from vpnlab"
  echo "ok: $proposal: pings$summary; iperf3 ${mbps} Mbit/s; vpnlab out $vp_out, strongSwan" \
       "in $sw_in + $udp_lost dropped by its UDP buffer; strongSwan out $sw_out, vpnlab in" \
       "$vp_in + $vudp_lost (bytes packets); tshark decrypted $dec echo requests"
done
