#!/bin/sh
# slow
# CHILD_SA rekeying and IKE reauthentication between vpnlab and Debian's strongSwan 5.9
# (charon, kernel-libipsec, IKEv1 PSK), with lifetimes of seconds so it all happens within
# ~20 s per direction:
#   1. strongSwan initiates, rekeys its CHILD_SA (rekey_time 9 s, life_time 11 s) and
#      reauthenticates its IKE_SA (reauth_time 9 s); vpnlab responds.
#   2. vpnlab initiates, rekeys its CHILD_SA (--esp-lifetime 10 s: rekey 1 s before, the old
#      SA deleted at 10 s) and reauthenticates (--ike-lifetime 12 s: at 10.8 s); strongSwan
#      responds with its 1 h defaults and has to follow.
#   3. vpnlab initiates with 1 h lifetimes; strongSwan, the responder, rekeys the CHILD_SA on
#      its own timer and deletes the old one.
# Both sides are asserted: vpnlab's events (child_sa_rekeyed with the old SPIs, child_sa_deleted
# of the old SA, ike_sa_reauthenticated) and strongSwan's own view (swanctl --list-sas: exactly
# the new CHILD_SA installed, with vpnlab's SPIs mirrored; its log: the rekey and the DELETE).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan (charon, swanctl) or /dev/net/tun missing"
netns_pair rk
A=vl-rk-a; B=vl-rk-b
# RK_DEBUG=1 keeps the run's files (logs, JSON) in /tmp/rkdbg
[ -n "${RK_DEBUG:-}" ] && trap 'rm -rf /tmp/rkdbg; cp -r $T /tmp/rkdbg; on_exit' EXIT
# charon (install_routes) routes the remote subnet from an address of its local one
ip -n $B addr add 10.2.0.1/32 dev lo

swconf() {   # swconf IKE_TIMES CHILD_TIMES
  cat <<C
connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = 10.10.0.1
  proposals = aes128-sha256-modp2048
  dpd_delay = 0
  $1
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = 10.10.0.1 }
  children { c { local_ts = 10.2.0.0/16
    remote_ts = 10.1.0.0/16
    esp_proposals = aes128-sha256-modp2048
    $2
    start_action = none } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = "rekey-psk" } }
C
}

# vpnlab's JSON field of the Nth event of a type: jfield FILE EVENT FIELD [N]
jfield() {
  grep "\"event\": \"$2\"" "$1" | sed -n "${4:-1}p" |
    sed -n "s/.*\"$3\": \"\{0,1\}\([0-9a-f.]*\)\"\{0,1\}.*/\1/p"
}

# strongSwan's CHILD_SAs with keys in the kernel (INSTALLED, or REKEYED: replaced but not yet
# expired) as "in out" lines, from swanctl --list-sas
sw_child_spis() {
  sw_swanctl "$1" --list-sas 2>/dev/null | awk '
    /INSTALLED|REKEYED/ { inst = 1; next }
    inst && $1 == "in"  { i = $2; sub(",", "", i) }
    inst && $1 == "out" { o = $2; sub(",", "", o); print i, o; inst = 0 }'
}
sw_ike_count() { sw_swanctl "$1" --list-sas 2>/dev/null | grep -c 'ESTABLISHED, IKEv1'; }
# the initiator cookie (SPI_i) of strongSwan's established IKE_SAs
sw_ike_spis() { sw_swanctl "$1" --list-sas 2>/dev/null | sed -n 's/.*ESTABLISHED, IKEv1, \([0-9a-f]*\)_i.*/\1/p'; }

# wait_done JSON SECONDS: until vpnlab has rekeyed, deleted the old CHILD_SA, reauthenticated
# and the replaced IKE_SA is gone. No fixed sleep: a reauthentication by strongSwan often costs
# one retransmit of MM1 (4 s), because charon registers the new IKE_SA only after sending MM1
# (task_manager_v1.c queue_ike_reauth: initiate, then checkin) and drops an MM2 that comes back
# faster than that; vpnlab answers in microseconds.
# A third argument "noreauth": no reauthentication is expected.
wait_done() {
  i=0
  until [ $i -ge $(($2 * 10)) ] || { grep -q '"child_sa_rekeyed"' "$1" &&
      grep -q '"child_sa_deleted"' "$1" &&
      { [ "${3:-}" = noreauth ] || grep -q '"ike_sa_deleted"' "$1"; }; }; do
    sleep 0.1; i=$((i + 1)); done
  sleep 0.5       # strongSwan handles the last DELETE
}

# check_side NAME VPNLAB_JSON WHO KEYS_DIR [noreauth]: assertions shared by all runs
check_side() {
  j=$2
  grep -q '"child_sa_rekeyed"' "$j" || { cat "$j"; sw_log "$1" | tail -30; fail "$3: vpnlab logged no child_sa_rekeyed"; }
  first_in=$(jfield "$j" child_sa_established spi_in); first_out=$(jfield "$j" child_sa_established spi_out)
  old_in=$(jfield "$j" child_sa_rekeyed old_spi_in); old_out=$(jfield "$j" child_sa_rekeyed old_spi_out)
  new_in=$(jfield "$j" child_sa_rekeyed spi_in); new_out=$(jfield "$j" child_sa_rekeyed spi_out)
  [ -n "$first_in" ] && [ "$old_in $old_out" = "$first_in $first_out" ] ||
    fail "$3: child_sa_rekeyed replaces '$old_in $old_out', the first CHILD_SA was '$first_in $first_out'"
  [ "$new_in" != "$old_in" ] && [ "$new_out" != "$old_out" ] || fail "$3: the rekey kept an SPI"
  grep '"child_sa_deleted"' "$j" | grep -q "\"spi_in\": \"$old_in\"" ||
    { cat "$j"; fail "$3: vpnlab did not delete the old CHILD_SA $old_in"; }
  ikeline=1
  if [ "${5:-}" != noreauth ]; then
    grep -q '"ike_sa_reauthenticated"' "$j" || { cat "$j"; sw_log "$1" | tail -30; fail "$3: vpnlab logged no ike_sa_reauthenticated"; }
    [ "$(grep -c '"ike_sa_established"' "$j")" -ge 2 ] || fail "$3: expected a second IKE_SA (the reauthenticated one)"
    ikeline=2
  fi
  # strongSwan (snapshot taken after the old SA's deletion): the new CHILD_SA mirrored, the
  # old one gone, one IKE_SA
  echo "$sw_spis" | grep -qx "$new_out $new_in" ||
    fail "$3: strongSwan has CHILD_SAs '$sw_spis', vpnlab's new one is in=$new_in out=$new_out"
  ! echo "$sw_spis" | grep -q "$old_out $old_in" ||
    fail "$3: strongSwan still has the old CHILD_SA $old_out/$old_in"
  [ "$(echo "$sw_spis" | grep -c .)" -le 2 ] || fail "$3: strongSwan has CHILD_SAs '$sw_spis'"
  [ "$sw_ikes" = 1 ] || { sw_swanctl "$1" --list-sas; fail "$3: strongSwan has $sw_ikes IKE_SAs, want 1"; }
  # ... and it is the reauthenticated one: vpnlab's second IKE_SA (its key file line)
  ck=$(sed -n ${ikeline}p "$4/ikev1_decryption_table" | cut -d, -f1)
  [ -n "$ck" ] && [ "$sw_ikespi" = "$ck" ] ||
    fail "$3: strongSwan's IKE_SA is $sw_ikespi, vpnlab's reauthenticated one $ck"
  sw_log "$1" | grep -q "established with SPIs ${new_out}_i ${new_in}_o" ||
    fail "$3: strongSwan never logged the new CHILD_SA ${new_out}_i ${new_in}_o"
}

# 1. strongSwan initiates and drives the rekey and the reauthentication
sw_start si "$B" "$(swconf "reauth_time = 9s
  over_time = 5s
  rand_time = 1s" "rekey_time = 9s
    life_time = 11s
    rand_time = 1s")"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rekey-psk \
   --ike aes128-sha256-modp2048 --esp aes128-sha256-modp2048 --local-ts 10.1.0.0/16 \
   --remote-ts 10.2.0.0/16 --timeout 30s --json --verbose --keys "$T/k1" > "$T/r1.json" 2> "$T/r1.log" &
vp=$!
sleep 0.3
sw_swanctl si --initiate --child c --timeout 10 > "$T/init1" 2>&1 ||
  { cat "$T/init1" "$T/r1.log"; fail "strongSwan could not initiate"; }
wait_done "$T/r1.json" 25
sw_spis=$(sw_child_spis si); sw_ikes=$(sw_ike_count si); sw_ikespi=$(sw_ike_spis si)
kill $vp; wait $vp
check_side si "$T/r1.json" "strongSwan-initiated" "$T/k1"
sw_log si | grep -q "creating rekey job for CHILD_SA ESP/0x$old_out" ||
  fail "strongSwan-initiated: charon did not log its rekey"
sw_log si | grep -q "reauthenticating IKE_SA c\[1\]" ||
  fail "strongSwan-initiated: charon did not log its reauthentication"
echo "ok: strongSwan-initiated CHILD_SA rekey $old_in/$old_out -> $new_in/$new_out, old SA deleted, IKE_SA reauthenticated"
sw_stop_si

# 2. vpnlab initiates and drives the rekey and the reauthentication; strongSwan keeps its
# 1 h defaults and must follow vpnlab
sw_start vi "$B" "$(swconf "" "")"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rekey-psk \
   --ike aes128-sha256-modp2048 --esp aes128-sha256-modp2048 --local-ts 10.1.0.0/16 \
   --remote-ts 10.2.0.0/16 --esp-lifetime 10s --ike-lifetime 12s --initiate --timeout 30s \
   --json --verbose --keys "$T/k2" > "$T/r2.json" 2> "$T/r2.log" &
vp=$!
wait_done "$T/r2.json" 25
sw_spis=$(sw_child_spis vi); sw_ikes=$(sw_ike_count vi); sw_ikespi=$(sw_ike_spis vi)
kill $vp; wait $vp
check_side vi "$T/r2.json" "vpnlab-initiated" "$T/k2"
sw_log vi | grep -q "received DELETE for ESP CHILD_SA with SPI $old_in" ||
  { sw_log vi | tail -30; fail "vpnlab-initiated: strongSwan got no DELETE for the old CHILD_SA $old_in"; }
echo "ok: vpnlab-initiated CHILD_SA rekey $old_in/$old_out -> $new_in/$new_out, old SA deleted on both sides, IKE_SA reauthenticated"
sw_stop_vi

# 3. vpnlab initiates the IKE_SA with 1 h lifetimes; strongSwan, the responder, rekeys the
# CHILD_SA on its own timer (rekey_time 9 s) and deletes the old one at its life_time (11 s)
sw_start vr "$B" "$(swconf "" "rekey_time = 9s
    life_time = 11s
    rand_time = 1s")"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk rekey-psk \
   --ike aes128-sha256-modp2048 --esp aes128-sha256-modp2048 --local-ts 10.1.0.0/16 \
   --remote-ts 10.2.0.0/16 --initiate --timeout 30s --json --verbose --keys "$T/k3" \
   > "$T/r3.json" 2> "$T/r3.log" &
vp=$!
wait_done "$T/r3.json" 25 noreauth
sw_spis=$(sw_child_spis vr); sw_ikes=$(sw_ike_count vr); sw_ikespi=$(sw_ike_spis vr)
kill $vp; wait $vp
check_side vr "$T/r3.json" "strongSwan-rekeyed, vpnlab-initiated" "$T/k3" noreauth
grep '"child_sa_deleted"' "$T/r3.json" | grep "\"spi_in\": \"$old_in\"" | grep -q "deleted by peer" ||
  fail "strongSwan-rekeyed: the old CHILD_SA was not deleted by strongSwan"
echo "ok: strongSwan (responder) rekeys vpnlab's CHILD_SA $old_in/$old_out -> $new_in/$new_out and deletes the old one"
sw_stop_vr
