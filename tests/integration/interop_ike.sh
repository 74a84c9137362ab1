#!/bin/sh
# slow
# vpnlab's IKEv1 peer against Debian's strongSwan 5.9 (charon, kernel-libipsec), in two
# network namespaces: vpnlab as initiator and as responder, several proposals with and
# without PFS; both sides must agree on the proposal and the SPIs. A wrong PSK and a proposal
# mismatch fail cleanly on both sides; DPD is answered; ike-scan gets a handshake or a
# NO-PROPOSAL-CHOSEN; tshark dissects and decrypts vpnlab's messages with its key files.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib_strongswan.sh"
need_root
sw_available || skip "strongSwan (charon, swanctl) or /dev/net/tun missing"
netns_pair ike
A=vl-ike-a; B=vl-ike-b

swconf() {   # swconf IKE ESP START_ACTION [PSK]
  cat <<C
connections { c { version = 1
  local_addrs = 10.10.0.2
  remote_addrs = 10.10.0.1
  proposals = $1
  dpd_delay = 0
  local { auth = psk
    id = 10.10.0.2 }
  remote { auth = psk
    id = 10.10.0.1 }
  children { c { local_ts = 0.0.0.0/0
    remote_ts = 0.0.0.0/0
    esp_proposals = $2
    start_action = $3 } } } }
secrets { ike-1 { id-a = 10.10.0.1
  id-b = 10.10.0.2
  secret = "${4:-interop-psk}" } }
C
}

# strongSwan's view of the newest CHILD_SA: "SPI_in SPI_out" (waits up to 5 s for its log)
sw_spis() {
  i=0
  until grep -q 'established with SPIs' "$T/sw-$1/charon.log" 2>/dev/null || [ $i -ge 50 ]; do
    sleep 0.1; i=$((i + 1)); done
  grep -o 'established with SPIs [0-9a-f]*_i [0-9a-f]*_o' "$T/sw-$1/charon.log" | tail -n 1 |
    sed 's/established with SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_o/\1 \2/'
}

n=0
# 1. vpnlab initiates; strongSwan responds (its own proposal order)
for pair in "aes128-sha1-modp1536 aes128-sha1-modp1536" "aes128-sha1-modp1024 aes128-sha1-modp1024" \
            "aes256-sha256-modp2048 aes256-sha256-modp2048" "aes256-sha1-modp2048 aes256-sha1" \
            "3des-sha1-modp1024 3des-sha1-modp1024" "aes128-sha1-modp1536 aes128-sha1"; do
  set -- $pair
  sw_start r$n "$B" "$(swconf "$1" "$2" none)"
  out=$(ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
        --ike "$1" --esp "$2" --initiate --once --timeout 20s --json --keys "$T/keys$n" 2>"$T/err$n") ||
    { cat "$T/err$n"; sw_log r$n | tail -20; fail "vpnlab initiator, $1 / $2: no CHILD_SA"; }
  ours=$(echo "$out" | grep '"child_sa_established"' | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\1 \2/')
  theirs=$(sw_spis r$n)
  [ -n "$ours" ] && [ "$ours" = "$(echo "$theirs" | awk '{print $2" "$1}')" ] ||
    fail "$1 / $2: SPIs differ: vpnlab '$ours', strongSwan '$theirs'"
  want_ike=$(echo "$out" | grep '"ike_sa_established"' | sed 's/.*"proposal": "\([^"]*\)".*/\1/')
  grep -q "selected proposal: $want_ike" "$T/sw-r$n/charon.log" ||
    fail "$1: strongSwan selected something else than vpnlab's $want_ike"
  want_esp=$(echo "$out" | grep '"child_sa_established"' | sed 's/.*"proposal": "\([^"]*\)".*/\1/')
  grep -q "selected proposal: $want_esp" "$T/sw-r$n/charon.log" ||
    fail "$2: strongSwan selected something else than vpnlab's $want_esp"
  echo "ok: vpnlab -> strongSwan $1 / $2: $want_esp, SPIs $ours"
  sw_stop_r$n
  n=$((n + 1))
done

# 2. strongSwan initiates; vpnlab responds
for pair in "aes256-sha256-modp2048 aes256-sha256-modp2048" "aes128-sha1-modp1536 aes128-sha1"; do
  set -- $pair
  ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
     --ike "$1" --esp "$2" --once --timeout 20s --json > "$T/resp$n" 2>&1 &
  vp=$!
  sleep 0.3
  sw_start i$n "$B" "$(swconf "$1" "$2" none)"
  sw_swanctl i$n --initiate --child c --timeout 15 > "$T/init$n" 2>&1
  wait $vp || { cat "$T/resp$n" "$T/init$n"; fail "vpnlab responder, $1 / $2: no CHILD_SA"; }
  ours=$(grep '"child_sa_established"' "$T/resp$n" | sed 's/.*"spi_in": "\([0-9a-f]*\)", "spi_out": "\([0-9a-f]*\)".*/\1 \2/')
  theirs=$(sw_spis i$n)
  [ -n "$ours" ] && [ "$ours" = "$(echo "$theirs" | awk '{print $2" "$1}')" ] ||
    fail "responder $1 / $2: SPIs differ: vpnlab '$ours', strongSwan '$theirs'"
  echo "ok: strongSwan -> vpnlab $1 / $2, SPIs $ours"
  sw_stop_i$n
  n=$((n + 1))
done

# 3. a wrong pre-shared key fails on both sides
sw_start psk "$B" "$(swconf aes128-sha1-modp1536 aes128-sha1 none other-psk)"
if ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
     --initiate --once --timeout 10s > "$T/psk.out" 2> "$T/psk.err"; then
  fail "a wrong PSK established an SA"
fi
grep -qE "auth_failed|timeout" "$T/psk.err" || { cat "$T/psk.err"; fail "vpnlab gave no reason for the PSK failure"; }
grep -qiE "integrity check failed|invalid HASH|hash verification failed|parsing .* failed|message parsing failed|AUTHENTICATION_FAILED|verification of .* failed" "$T/sw-psk/charon.log" ||
  { sw_log psk | tail -20; fail "strongSwan logged no authentication failure"; }
echo "ok: wrong PSK: vpnlab says '$(cat "$T/psk.err")'"
sw_stop_psk

# 4. proposal mismatch: strongSwan logs NO_PROPOSAL_CHOSEN, vpnlab reports it
sw_start np "$B" "$(swconf aes128-sha1-modp1536 aes128-sha1 none)"
if ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
     --ike aes256-sha256-modp2048 --initiate --once --timeout 15s > "$T/np.out" 2> "$T/np.err"; then
  fail "a proposal mismatch established an SA"
fi
grep -q "no_proposal_chosen" "$T/np.err" || { cat "$T/np.err"; fail "vpnlab did not report NO_PROPOSAL_CHOSEN"; }
i=0; until grep -q "N(NO_PROP)" "$T/sw-np/charon.log" || [ $i -ge 30 ]; do sleep 0.1; i=$((i + 1)); done
grep -q "N(NO_PROP)" "$T/sw-np/charon.log" || { sw_log np | tail; fail "strongSwan did not send NO_PROPOSAL_CHOSEN"; }
echo "ok: proposal mismatch reported on both sides"
sw_stop_np

# 5. DPD: vpnlab asks every 2 s, strongSwan answers
sw_start dpd "$B" "$(swconf aes128-sha1-modp1536 aes128-sha1 none)"
ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
   --initiate --dpd 2s --timeout 7s --json > "$T/dpd.out" 2>&1
acks=$(grep -c '"dpd_ack"' "$T/dpd.out")
[ "$acks" -ge 2 ] || { cat "$T/dpd.out"; fail "only $acks DPD acknowledgements in 7 s"; }
echo "ok: $acks R-U-THERE-ACKs from strongSwan"
sw_stop_dpd

# 6. ike-scan against a vpnlab responder
if have ike-scan; then
  ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
     --ike aes128-sha1-modp1536 --timeout 8s > /dev/null 2>&1 &
  vp=$!
  sleep 0.3
  ip netns exec $B ike-scan -M --trans=7/128,2,1,5 10.10.0.1 > "$T/scan1" 2>&1
  ip netns exec $B ike-scan -M --trans=7/256,4,1,14 10.10.0.1 > "$T/scan2" 2>&1
  kill $vp 2>/dev/null; wait $vp 2>/dev/null
  grep -q "Main Mode Handshake returned" "$T/scan1" || { cat "$T/scan1"; fail "ike-scan got no handshake for an accepted transform"; }
  grep -q "NO-PROPOSAL-CHOSEN" "$T/scan2" || { cat "$T/scan2"; fail "ike-scan did not see NO-PROPOSAL-CHOSEN"; }
  echo "ok: ike-scan handshake and NO-PROPOSAL-CHOSEN"
fi

# 7. tshark: no malformed packet, main mode 5/6 and quick mode decrypted with the key files
if have tshark; then
  sw_start ts "$B" "$(swconf aes256-sha256-modp2048 aes256-sha256-modp2048 none)"
  ip netns exec $A tcpdump -i eth0 --immediate-mode -Z root -U -w "$T/ike.pcap" udp > /dev/null 2>&1 &
  td=$!
  sleep 1
  ip netns exec $A "$VPNLAB" peer --local 10.10.0.1 --remote 10.10.0.2 --psk interop-psk \
     --ike aes256-sha256-modp2048 --esp aes256-sha256-modp2048 --initiate --once --timeout 15s \
     --keys "$T/tskeys" > /dev/null 2>&1 || fail "tshark run: no CHILD_SA"
  sleep 0.5
  kill $td; wait $td 2>/dev/null
  sw_stop_ts
  key=$(cat "$T/tskeys/ikev1_decryption_table")
  tshark -r "$T/ike.pcap" -o "uat:ikev1_decryption_table:$key" -V > "$T/dissect" 2>&1
  if grep -qi "malformed" "$T/dissect"; then fail "tshark reports a malformed packet"; fi
  grep -q "Identification Data:10.10.0.1" "$T/dissect" ||
    fail "tshark did not decrypt main mode 5 (no IDii 10.10.0.1)"
  grep -q "Identification Data:10.10.0.2" "$T/dissect" ||
    fail "tshark did not decrypt main mode 6 (no IDir 10.10.0.2)"
  [ "$(grep -c "Hash DATA" "$T/dissect")" -ge 5 ] ||
    fail "tshark did not decrypt the quick mode and informational hashes"
  echo "ok: tshark dissects $(grep -c '^Frame ' "$T/dissect") frames, decrypted with vpnlab's key file"
fi
