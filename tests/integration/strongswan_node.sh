#!/bin/sh
# slow
# harness/strongswan.c: a real charon (kernel-libipsec) started by vpnlab's code in a node
# namespace made here, configured over VICI from a gw_config (tests/tools/sswan_node), against
# `vpnlab peer` in the other namespace:
#   1. charon responds, vpnlab initiates, with a PSK holding quotes, a backslash and spaces:
#      list-sas shows the CHILD_SA INSTALLED with vpnlab's SPIs (reversed) and proposals;
#   2. charon initiates (start_action = start), vpnlab responds, FQDN identities; and over
#      IPv6 (addresses and selectors); and one charon with two connections to two peers;
#   3. sswan_conn_terminate brings the connection down, sswan_conn_initiate up again with new
#      SPIs; then charon rekeys the CHILD_SA (10 s ESP lifetime, quick mode at 9 s): the
#      child-rekey event is counted in the stats, the new SPIs are INSTALLED and vpnlab saw
#      the same rekey; and reauthenticates (13 s IKE lifetime proposed, main mode at 12 s);
#   4. two nodes each with a charon started this way, pings between their subnets through the
#      tunnel: both count 3 packets and 3 x 84 bytes each way (sswan_conn_stats);
#   5. kill -9 of the driver: PDEATHSIG takes charon with it, no mount namespace is left; and
#      charon killed under the driver: the driver notices (sswan_alive);
#   6. clear exit-3 errors: a config charon cannot represent, charon missing, /dev/net/tun
#      missing.
# After every case: no charon left, no mount namespace left, the VICI socket removed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan (charon) or /dev/net/tun missing"
DRV=$(dirname "$VPNLAB")/sswan_node
# make check builds it; a single test run builds it when it is missing
[ -x "$DRV" ] || (cd "$SRC" && make -s "${DRV#"$SRC"/}") || fail "cannot build $DRV"
netns_pair sn
A=vl-sn-a; B=vl-sn-b
OUT=$T/out
mkdir -p "$OUT"

# Other tests on the machine may run charons and mount namespaces of their own: follow ours.
ticks() { awk -v hz="$(getconf CLK_TCK)" '{printf "%d", $1 * hz}' /proc/uptime; }
# charon_of DRIVER_OUTPUT: "PID MNTNS TICKS" of the charon the driver started, read while it
# runs (TICKS: when it was seen alive, in clock ticks since boot)
charon_of() {
  wait_line "$1" '^started' 10 || { cat "$1"; fail "driver did not start charon"; }
  pid=$(awk '/^started/ {print $2}' "$1")
  m=$(readlink /proc/$pid/ns/mnt) || { cat "$1"; fail "charon $pid is not running"; }
  echo "$pid $m $(ticks)"
}
host_run_mounts() { grep -c ' /run ' /proc/self/mountinfo; }
base_run_mounts=$(host_run_mounts)

# assert_clean WHAT "PID MNTNS TICKS": that charon is gone, nobody is in its mount namespace, the
# host's mount table has no new /run, the VICI socket is removed
assert_clean() {
  set -- "$1" $2
  [ $# -eq 4 ] || fail "$1: no charon pid and mount namespace recorded ($2)"
  alive=$4 i=0
  while [ -d "/proc/$2" ] && [ $i -lt 50 ]; do alive=$(ticks); sleep 0.1; i=$((i + 1)); done
  [ ! -d "/proc/$2" ] || fail "$1: charon $2 is left"
  # The kernel gives a freed namespace's inode number to the next namespace made, and other
  # tests on this machine make them all the time: a process in charon's namespace is left over
  # from charon only if it started while charon was still seen alive.
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$3" ] || continue
    st=$(sed 's/.*) //' "$p/stat" 2>/dev/null | awk '{print $20}')
    [ -n "$st" ] && [ "$st" -gt "$alive" ] && continue
    ps -o pid,ppid,lstart,args -p ${p#/proc/}
    fail "$1: ${p#/proc/} is still in charon's mount namespace $3"
  done
  [ "$(host_run_mounts)" -eq "$base_run_mounts" ] || fail "$1: a /run mount appeared on the host"
  [ -z "$(find "$OUT" -name charon.vici)" ] || fail "$1: a VICI socket is left: $(find "$OUT" -name charon.vici)"
}

wait_line() {   # wait_line FILE PATTERN SECONDS
  i=0
  until grep -q "$2" "$1" 2>/dev/null; do
    i=$((i + 1)); [ $i -lt $(($3 * 10)) ] || return 1
    sleep 0.1
  done
}

PSK='a "quoted" \ psk with spaces'

# 1. charon responds
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --ike aes256-sha256-modp2048,aes128-sha1-modp1536 --esp aes256-sha256-modp2048 \
  --wait-up 15 --hold 1 > "$T/drv1" 2>&1 &
drv=$!
c1=$(charon_of "$T/drv1") || fail "$c1"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --ike aes256-sha256-modp2048 --esp aes256-sha256-modp2048 --initiate --once --timeout 15s \
  --json > "$T/peer1" 2>&1 || { cat "$T/peer1" "$T/drv1"; fail "vpnlab peer: no CHILD_SA with charon"; }
wait $drv || { cat "$T/drv1"; tail -20 "$OUT/strongswan/gw/charon.log"; fail "driver: not up"; }
ours=$(grep '"child_sa_established"' "$T/peer1" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\2 \1/')
theirs=$(grep '^child INSTALLED' "$T/drv1" | head -1 | awk '{print $3" "$4}')
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { cat "$T/drv1"; fail "SPIs: vpnlab (out in) '$ours', charon (in out) '$theirs'"; }
esp=$(grep '"child_sa_established"' "$T/peer1" | sed 's/.*"proposal": "\([^"]*\)".*/\1/')
ike=$(grep '"ike_sa_established"' "$T/peer1" | sed 's/.*"proposal": "\([^"]*\)".*/\1/')
grep -q "^child INSTALLED $theirs $esp\$" "$T/drv1" || { cat "$T/drv1"; fail "ESP proposal differs from vpnlab's $esp"; }
grep -q "^ike lab ESTABLISHED $ike\$" "$T/drv1" || { cat "$T/drv1"; fail "IKE proposal differs from vpnlab's $ike"; }
grep -q "^stats up $theirs " "$T/drv1" || { cat "$T/drv1"; fail "sswan_conn_stats does not say up with the SPIs"; }
grep -q "^event ike-up lab #1 ESTABLISHED" "$T/drv1" && grep -q "^event child-up lab #1" "$T/drv1" ||
  { cat "$T/drv1"; fail "no ike-updown / child-updown events"; }
grep -q "lab: connecting -> up (" "$OUT/strongswan/gw/events.log" ||
  { cat "$OUT/strongswan/gw/events.log"; fail "events.log has no state change to up"; }
[ "$(stat -c %a "$OUT/strongswan/gw/swanctl.conf")" = 600 ] || fail "swanctl.conf is readable by others"
grep -q 'secret = "a \\"quoted\\" \\\\ psk with spaces"' "$OUT/strongswan/gw/swanctl.conf" ||
  { cat "$OUT/strongswan/gw/swanctl.conf"; fail "swanctl.conf: the PSK is not quoted as expected"; }
echo "ok: charon responder: $ike, $esp, SPIs $theirs; events and stats agree"
assert_clean "responder" "$c1"

# The swanctl.conf written beside the log is the same configuration: swanctl loads it into a
# charon of lib_strongswan.sh and lists the same connection.
if have swanctl; then
  sw_start file "$B" "$(cat "$OUT/strongswan/gw/swanctl.conf")"
  sw_swanctl file --list-conns > "$T/conns" 2>&1
  grep -q "lab: IKEv1, reauthentication every 25920s" "$T/conns" || { cat "$T/conns"; fail "swanctl --load-all of the rendered file"; }
  grep -q "loaded ike secret 'ike-lab'" "$T/sw-file/load.log" || { cat "$T/sw-file/load.log"; fail "swanctl did not load the secret"; }
  sw_stop_file
  echo "ok: swanctl --load-all reads the rendered swanctl.conf"
fi

# 2. charon initiates (start_action = start), FQDN identities, vpnlab responds
rm -rf "$OUT/strongswan"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --local-id site-a.example --remote-id vpn.lab.example --once --timeout 20s --json > "$T/peer2" 2>&1 &
vp=$!
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --local-id vpn.lab.example --remote-id site-a.example --initiate --wait-up 15 --hold 1 > "$T/drv2" 2>&1 &
drv=$!
c2=$(charon_of "$T/drv2") || fail "$c2"
wait $drv || { cat "$T/drv2" "$T/peer2"; tail -20 "$OUT/strongswan/gw/charon.log"; fail "charon initiator: not up"; }
# charon was up before sswan_start returned: its events still reach the caller
grep -q "^event ike-up lab #1 ESTABLISHED" "$T/drv2" || { cat "$T/drv2"; fail "initiator: the early ike-updown event was lost"; }
wait $vp || { cat "$T/peer2"; fail "vpnlab responder: no CHILD_SA"; }
theirs=$(grep '^child INSTALLED' "$T/drv2" | head -1 | awk '{print $3" "$4}')
ours=$(grep '"child_sa_established"' "$T/peer2" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\2 \1/')
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { cat "$T/drv2"; fail "initiator SPIs: vpnlab '$ours', charon '$theirs'"; }
grep -q "IKE_SA lab\[1\] established between 10.10.0.2\[vpn.lab.example\]...10.10.0.1\[site-a.example\]" \
  "$OUT/strongswan/gw/charon.log" || { grep established "$OUT/strongswan/gw/charon.log"; fail "charon log: identities"; }
echo "ok: charon initiator with FQDN identities, SPIs $theirs"
assert_clean "initiator" "$c2"

# 2b. the same over IPv6
ip -n $A addr add fd00::1/64 dev eth0 nodad && ip -n $B addr add fd00::2/64 dev eth0 nodad || fail "IPv6 addresses"
rm -rf "$OUT/strongswan"
ip netns exec $A "$VPNLAB" peer --local fd00::1 --remote fd00::2 --psk "$PSK" --local-ts ::/0 \
  --remote-ts ::/0 --once --timeout 15s --json > "$T/peer6" 2>&1 &
vp=$!
"$DRV" --netns /run/netns/$B --out "$OUT" --local fd00::2 --remote fd00::1 --psk "$PSK" \
  --local-ts ::/0 --remote-ts ::/0 --initiate --wait-up 10 --hold 1 > "$T/drv6" 2>&1 &
drv=$!
c6=$(charon_of "$T/drv6") || fail "$c6"
wait $drv || { cat "$T/drv6" "$T/peer6"; fail "IPv6: not up"; }
wait $vp || { cat "$T/peer6"; fail "IPv6: vpnlab responder: no CHILD_SA"; }
theirs=$(grep '^child INSTALLED' "$T/drv6" | head -1 | awk '{print $3" "$4}')
ours=$(grep '"child_sa_established"' "$T/peer6" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\2 \1/')
[ -n "$ours" ] && [ "$ours" = "$theirs" ] || { cat "$T/drv6"; fail "IPv6 SPIs: vpnlab '$ours', charon '$theirs'"; }
grep -q "CHILD_SA lab{1} established with SPIs .* and TS ::/0 === ::/0" "$OUT/strongswan/gw/charon.log" ||
  fail "IPv6: charon log has no ::/0 CHILD_SA"
assert_clean "IPv6" "$c6"
echo "ok: IPv6: charon initiator, SPIs $theirs, selectors ::/0"

# 2c. one charon, two connections to two peers (10.10.0.1 and 10.10.0.3) for two remote
# subnets: both up at once, each connection's stats are its own
ip -n $A addr add 10.10.0.3/24 dev eth0 || fail "second peer address"
# kernel-libipsec routes the remote subnets through its TUN from an address of the local
# subnet; without one on the node charon cannot install the CHILD_SA ("unable to install
# IPsec policies (SPD) in kernel") and answers NO_PROPOSAL_CHOSEN
ip -n $A addr add 192.168.1.1/24 dev lo && ip -n $B addr add 192.168.2.1/24 dev lo || fail "subnet addresses"
rm -rf "$OUT/strongswan"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --local-ts 192.168.1.0/24 --remote-ts 192.168.2.0/24 --timeout 15s --json > "$T/peerm1" 2>&1 &
vp1=$!
ip netns exec $A "$VPNLAB" peer --local 10.10.0.3 --remote 10.10.0.2 --psk "$PSK" \
  --local-ts 192.168.3.0/24 --remote-ts 192.168.2.0/24 --timeout 15s --json > "$T/peerm3" 2>&1 &
vp3=$!
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --local-ts 192.168.2.0/24 --remote-ts 192.168.1.0/24 --extra-remote 10.10.0.3 \
  --extra-remote-ts 192.168.3.0/24 --initiate --wait-up 10 --hold 1 > "$T/drvm" 2>&1 &
drv=$!
cm=$(charon_of "$T/drvm") || fail "$cm"
wait $drv || { cat "$T/drvm" "$T/peerm1" "$T/peerm3"; fail "two connections: not both up"; }
kill $vp1 $vp3 2>/dev/null; wait $vp1 $vp3 2>/dev/null
for pair in "stats:peerm1" "stats2:peerm3"; do
  tag=${pair%%:*}; pf=${pair#*:}
  theirs=$(grep "^$tag up" "$T/drvm" | head -1 | awk '{print $3" "$4}')
  ours=$(grep '"child_sa_established"' "$T/$pf" | head -1 | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\2 \1/')
  [ -n "$ours" ] && [ "$ours" = "$theirs" ] || { cat "$T/drvm" "$T/$pf"; fail "$tag: charon '$theirs', vpnlab ($pf) '$ours'"; }
done
grep -q "^ike lab ESTABLISHED" "$T/drvm" && grep -q "^ike lab2 ESTABLISHED" "$T/drvm" || { cat "$T/drvm"; fail "list-sas lacks lab or lab2"; }
assert_clean "two connections" "$cm"
echo "ok: one charon, two connections to two peers, both up, each with its own SPIs in its stats"

# 3. terminate and initiate over VICI, then a CHILD_SA rekey started by charon
rm -rf "$OUT/strongswan"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --timeout 20s --json > "$T/peerk" 2>&1 &
vp=$!
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --initiate --cycle --esp-lifetime 10 --ike-lifetime 13 --wait-up 10 --wait-rekey 15 \
  --wait-reauth 15 > "$T/drvk" 2>&1 &
drv=$!
ck=$(charon_of "$T/drvk") || fail "$ck"
wait $drv || { cat "$T/drvk"; tail -20 "$OUT/strongswan/gw/charon.log"; fail "no CHILD_SA rekey by charon"; }
kill $vp 2>/dev/null; wait $vp 2>/dev/null
grep -q '^event child-rekey lab #2' "$T/drvk" || { cat "$T/drvk"; fail "no child-rekey event"; }
for l in '^event ike-up lab #1 ' '^event ike-down lab #1 ' '^down$' '^event ike-up lab #2 ' '^up again$'; do
  grep -q "$l" "$T/drvk" || { cat "$T/drvk"; fail "terminate/initiate: no '$l'"; }
done
grep -q "lab: up -> down (ike-updown)" "$OUT/strongswan/gw/events.log" || fail "events.log: no up -> down"
new=$(grep '^stats up' "$T/drvk" | tail -1 | awk '{print $3" "$4}')
first=$(grep '^stats up' "$T/drvk" | sed -n 2p | awk '{print $3" "$4}')
[ -n "$first" ] && [ "$first" != "$(grep '^stats up' "$T/drvk" | head -1 | awk '{print $3" "$4}')" ] ||
  { cat "$T/drvk"; fail "initiate after terminate: same SPIs"; }
[ "$new" != "$first" ] || fail "rekey: SPIs did not change ($first)"
theirs=$(grep '"child_sa_rekeyed"' "$T/peerk" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\2 \1/')
[ "$theirs" = "$new" ] || { cat "$T/peerk"; fail "rekey: vpnlab has '$theirs', charon '$new'"; }
grep -q "^child REKEYED $first " "$T/drvk" || { cat "$T/drvk"; fail "the old CHILD_SA is not REKEYED"; }
grep -q "^event child-rekey lab #2 ESTABLISHED child [A-Z]* $new\$" "$T/drvk" ||
  { cat "$T/drvk"; fail "the child-rekey event does not carry the new SPIs $new"; }
assert_clean "rekey" "$ck"
# the IKE lifetime: main mode proposes exactly 13 s (reauth_time 12 + over_time 1), and at
# 12 s charon reauthenticates (a new main mode, the CHILD_SA adopted), counted as a reauth
grep -q '"ike_sa_established".*"lifetime": 13,' "$T/peerk" || { cat "$T/peerk"; fail "charon did not propose the 13 s IKE lifetime"; }
# counted when #3 came, not before (terminate + initiate is no reauthentication)
[ "$(grep -n -e '^event ike-up lab #3 ESTABLISHED' -e '^reauthenticated 1$' "$T/drvk" | cut -d: -f2- | tr '\n' '|')" = \
  "event ike-up lab #3 ESTABLISHED|reauthenticated 1|" ] || { cat "$T/drvk"; fail "the IKE reauthentication was not counted when it came"; }
grep -q '"ike_sa_reauthenticated"' "$T/peerk" || { cat "$T/peerk"; fail "vpnlab saw no reauthentication"; }
grep -q "scheduling reauthentication in 12s" "$OUT/strongswan/gw/charon.log" || fail "charon: reauth not at 12 s"
echo "ok: terminate -> down, initiate -> up; charon rekeyed the CHILD_SA: $first -> $new, vpnlab agrees, stats count it"
echo "ok: IKE lifetime 13 s proposed, reauthentication at 12 s counted (ike-updown beside the old SA)"

# 4. charon to charon, traffic through the tunnel, counters
rm -rf "$OUT/strongswan"
"$DRV" --netns /run/netns/$A --out "$OUT" --node a --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --local-ts 192.168.1.0/24 --remote-ts 192.168.2.0/24 --ike aes256-sha256-modp2048 \
  --esp aes256-sha256-modp2048 --wait-up 10 --wait-packets 3 --hold 1 > "$T/dra" 2>&1 &
dra=$!
# the responder's configuration must be loaded before the initiator's first message: a charon
# without it answers NO_PROPOSAL_CHOSEN, which the initiating charon takes as final
ca=$(charon_of "$T/dra") || fail "$ca"
"$DRV" --netns /run/netns/$B --out "$OUT" --node b --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --local-ts 192.168.2.0/24 --remote-ts 192.168.1.0/24 --ike aes256-sha256-modp2048 \
  --esp aes256-sha256-modp2048 --initiate --wait-up 10 --wait-packets 3 --hold 1 > "$T/drb" 2>&1 &
drb=$!
cb=$(charon_of "$T/drb") || fail "$cb"
wait_line "$T/dra" '^stats up' 10 && wait_line "$T/drb" '^stats up' 10 || { cat "$T/dra" "$T/drb"; fail "charon to charon: not up"; }
ip netns exec $B ping -c 3 -i 0.2 -W 2 -I 192.168.2.1 192.168.1.1 > "$T/ping" 2>&1 || { cat "$T/ping"; fail "no ping through the charon tunnel"; }
wait $dra && wait $drb || { cat "$T/dra" "$T/drb"; fail "charon to charon: counters"; }
for f in dra drb; do
  grep -q '^traffic 3/3 packets, 252/252 bytes in/out$' "$T/$f" || { cat "$T/$f"; fail "$f: counters are not 3 packets / 252 bytes each way"; }
done
grep -q "^child INSTALLED $(grep '^child INSTALLED' "$T/drb" | head -1 | awk '{print $4" "$3}') " "$T/dra" ||
  { cat "$T/dra" "$T/drb"; fail "charon to charon: SPIs do not mirror"; }
assert_clean "charon a" "$ca"
assert_clean "charon b" "$cb"
echo "ok: charon to charon: 3 pings through the tunnel, 3 packets / 252 bytes counted each way on both"

# 5. kill -9 of the driver: charon dies with it (PR_SET_PDEATHSIG)
rm -rf "$OUT/strongswan"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk "$PSK" \
  --timeout 20s > "$T/peer3" 2>&1 &
vp=$!
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --initiate --wait-up 15 --hold 60 > "$T/drv3" 2>&1 &
drv=$!
wait_line "$T/drv3" '^stats up' 15 || { cat "$T/drv3"; fail "kill -9 case: not up"; }
c3=$(charon_of "$T/drv3") || fail "$c3"
cpid=${c3%% *}
[ -d "/proc/$cpid" ] || fail "charon pid $cpid not running while up"
# charon's tmpfs on /run is in its own mount namespace, not on the host
[ "$(readlink /proc/$cpid/ns/mnt)" != "$(readlink /proc/self/ns/mnt)" ] || fail "charon shares the host's mount namespace"
grep -q ' /run .*tmpfs' /proc/$cpid/mountinfo || fail "charon has no private /run"
[ "$(readlink /proc/$cpid/ns/net)" = "$(ip netns exec $B readlink /proc/self/ns/net)" ] || fail "charon is not in the node's netns"
kill -9 $drv
wait $drv 2>/dev/null
i=0; while [ -d "/proc/$cpid" ] && [ $i -lt 30 ]; do sleep 0.1; i=$((i + 1)); done
[ ! -d "/proc/$cpid" ] || fail "charon $cpid outlived kill -9 of its parent"
kill $vp 2>/dev/null; wait $vp 2>/dev/null
rm -f "$OUT/strongswan/gw/charon.vici"  # a killed parent cannot unlink it; nothing listens
assert_clean "kill -9" "$c3"
echo "ok: kill -9 of the parent: charon $cpid gone, no mount namespace left"

# charon killed while the driver holds it: sswan_alive notices, the driver exits 4
rm -rf "$OUT/strongswan"
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk "$PSK" \
  --wait-up 1 --hold 30 > "$T/drvd" 2>&1 &
drv=$!
cd_=$(charon_of "$T/drvd") || fail "$cd_"
wait_line "$T/drvd" '^stats' 5 || { cat "$T/drvd"; fail "driver did not report"; }
kill -9 ${cd_%% *}
wait $drv; rc=$?
[ $rc -eq 4 ] && grep -q "^gone: charon for gw is gone (signal 9)" "$T/drvd" || { cat "$T/drvd"; fail "charon's death went unnoticed (rc $rc)"; }
assert_clean "charon killed" "$cd_"
echo "ok: charon killed under the driver: '$(grep '^gone' "$T/drvd" | cut -c7-60)...'"

# 6. exit 3 with the reason
"$DRV" --netns /run/netns/$B --out "$OUT" --local 10.10.0.2 --remote 10.10.0.1 --psk x \
  --frag-post > "$T/e1" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "dp.frag: post-fragmentation" "$T/e1" || { cat "$T/e1"; fail "frag post: rc $rc"; }
unshare -m sh -c "mount -t tmpfs tmpfs /usr/lib/ipsec && exec '$DRV' --netns /run/netns/$B \
  --out '$OUT' --local 10.10.0.2 --remote 10.10.0.1 --psk x" > "$T/e2" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "charon is not installed" "$T/e2" || { cat "$T/e2"; fail "no charon: rc $rc"; }
unshare -m sh -c "mount -t tmpfs tmpfs /dev/net && exec '$DRV' --netns /run/netns/$B \
  --out '$OUT' --local 10.10.0.2 --remote 10.10.0.1 --psk x" > "$T/e3" 2>&1
rc=$?
[ $rc -eq 3 ] && grep -q "/dev/net/tun" "$T/e3" || { cat "$T/e3"; fail "no /dev/net/tun: rc $rc"; }
! grep -q '^started' "$T/e1" "$T/e2" "$T/e3" || fail "a charon was started for a refused config"
echo "ok: exit 3: $(cat "$T/e1" | head -1)"
echo "ok: exit 3: $(cat "$T/e2" | head -1)"
echo "ok: exit 3: $(cat "$T/e3" | head -1)"
