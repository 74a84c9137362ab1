#!/bin/sh
# slow
# Two-plus-one vpnlab gateways in the lab (tests/integration/scenarios/gateways.yaml, virtual
# clock): the scenario's own checks pass, and the captures show, independently of vpnlab
# (tshark with the run's esp_sa keys):
#   - decrypted ESP carries the inner ICMP;
#   - ra (fragment: pre) never fragments outer packets, but carries inner fragments in ESP;
#   - rb (fragment: post) sends outer ESP fragments;
#   - the tunnel interface capture holds the cleartext;
#   - report.json has the hairpin drop and the replay drops.
# gateway-steps.yaml (route-based tunnels, the link MTU step, tunnel down / initiate) and
# gateway-nat.yaml (NAT-T through a masquerading node, NAT keepalives from the gateway behind
# it) and gateway-rekey.yaml (rekeys without
# loss on the virtual clock) run too.
# Then the same seed twice gives the same IKE bytes and the same ESP packets (headers, IVs,
# decrypted contents up to the kernel's own IDs: esp_same.py), and another seed does not.
. "$(dirname "$0")/lib.sh"
need_root
have tshark || skip "tshark not installed"
sc=$SRC/tests/integration/scenarios/gateways.yaml
"$VPNLAB" run "$sc" --out "$T/run1" --quiet || fail "gateways.yaml run 1 exited $?"
grep -q '"result": "pass"' "$T/run1/report.json" || fail "report.json does not say pass"
[ -s "$T/run1/keys/esp_sa" ] || fail "no OUT/keys/esp_sa"
[ -s "$T/run1/keys/ikev1_decryption_table" ] || fail "no OUT/keys/ikev1_decryption_table"
grep -q "state MM_I3 -> ESTABLISHED" "$T/run1/logs/ra.log" || fail "no state change in OUT/logs/ra.log"
[ "$(wc -l < "$T/run1/keys/esp_sa")" -eq 4 ] || fail "expected 4 esp_sa lines (2 SAs x 2 ways)"

mkdir -p "$T/home/.config/wireshark"
cp "$T/run1/keys/esp_sa" "$T/home/.config/wireshark/esp_sa"
ts() { HOME="$T/home" XDG_CONFIG_HOME="$T/home/.config" tshark -r "$T/run1/captures/$1.pcap" \
         -o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
         -Y "$2" 2>/dev/null | wc -l; }
raw() { tshark -r "$T/run1/captures/$1.pcap" -Y "$2" 2>/dev/null | wc -l; }

n=$(ts ra-wan0 'esp && icmp.type == 8 && esp.icv_good == 1')
[ "$n" -ge 5 ] || fail "tshark decrypts only $n echo requests in ESP on ra:wan0"
# one IKE_SA per link; each line of the table is one -o (the form tshark takes there)
n=0
for k in $(cat "$T/run1/keys/ikev1_decryption_table"); do
  m=$(tshark -r "$T/run1/captures/r0-wan0.pcap" -o "uat:ikev1_decryption_table:$k" -V 2>/dev/null |
      grep -c "Hash DATA")
  n=$((n + m))
done
[ "$n" -ge 5 ] || fail "tshark decrypts only $n IKE hashes on r0:wan0 with ikev1_decryption_table"
pre_out=$(raw ra-wan0 'ip.src == 192.0.2.1 && ip.flags.mf == 1')
[ "$pre_out" -eq 0 ] || fail "ra (fragment: pre) sent $pre_out outer fragments"
pre_in=$(ts ra-wan0 'ip.src == 192.0.2.1 && esp && ip.flags.mf == 1')
[ "$pre_in" -ge 2 ] || fail "ra: only $pre_in ESP packets carrying a first inner fragment"
post=$(raw rb-wan0 'ip.src == 198.51.100.2 && ip.flags.mf == 1 && ip.proto == 50')
[ "$post" -ge 2 ] || fail "rb (fragment: post): only $post outer ESP fragments"
clear=$(raw ra-tun0 'icmp.type == 8 && ip.dst == 10.0.0.10')
[ "$clear" -ge 5 ] || fail "ra:tun0 capture holds only $clear cleartext echo requests"
grep -q '"event": "hairpin_drop"' "$T/run1/report.json" || fail "no hairpin_drop event"
[ "$(grep -c 'replay: duplicate' "$T/run1/report.json")" -ge 3 ] || fail "no replay drops in report.json"
grep -q '"gateways": \[' "$T/run1/report.json" || fail "no gateways section in report.json"
# ra/to-hub refused exactly the three echoes after the hub's sequence restart
python3 - "$T/run1/report.json" <<'PY' || fail "report.json gateways counters"
import json, sys
g = {(c['gateway'], c['connection']): c for c in json.load(open(sys.argv[1]))['gateways']}
a, h = g[('ra', 'to-hub')], g[('r0', 'to-a')]
assert a['drops'] == 3, a
assert a['packets_in'] + a['drops'] == h['packets_out'], (a, h)
assert h['packets_in'] == a['packets_out'], (a, h)
PY

# route-based tunnels, the link MTU step reaching the gateway, tunnel down / initiate
"$VPNLAB" run "$SRC/tests/integration/scenarios/gateway-steps.yaml" --out "$T/steps" --quiet ||
  fail "gateway-steps.yaml exited $?"
grep -q '"detail": "mtu=1390' "$T/steps/report.json" || fail "no frag_needed with mtu 1390 after the MTU step"

# rekeys on the virtual clock without loss (the scenario's 200 echoes), keys for each SA
"$VPNLAB" run "$SRC/tests/integration/scenarios/gateway-rekey.yaml" --out "$T/rekey" --quiet ||
  fail "gateway-rekey.yaml exited $?"
rk=$(grep -c '"event": "child_sa_rekeyed"' "$T/rekey/report.json")
[ "$rk" -ge 20 ] || fail "only $rk rekey events in 13 minutes of 60-second ESP lifetimes"
[ "$(wc -l < "$T/rekey/keys/esp_sa")" -ge $((rk + 2)) ] || fail "esp_sa lacks the rekeyed SAs"

# through a masquerading NAT: UDP 4500 only on the outside, no bare ESP
"$VPNLAB" run "$SRC/tests/integration/scenarios/gateway-nat.yaml" --out "$T/nat" --quiet ||
  fail "gateway-nat.yaml exited $?"
natp=$(tshark -r "$T/nat/captures/r2-wan0.pcap" -Y 'ip.proto == 50' 2>/dev/null | wc -l)
nate=$(tshark -r "$T/nat/captures/r2-wan0.pcap" -Y 'udp.port == 4500 && esp' 2>/dev/null | wc -l)
[ "$natp" -eq 0 ] && [ "$nate" -ge 12 ] ||
  fail "behind NAT: $natp bare ESP packets, $nate ESP-in-UDP ones on r2:wan0"
# r1 (natt_keepalive: 2s) is behind the NAT: one-byte keepalives from 4500, through the NAT,
# to r2's 4500 (tshark: UDPENCAP NAT-keepalive); r2 is not behind one and sends none
kin=$(tshark -r "$T/nat/captures/r2-wan0.pcap" -Y 'ip.src == 198.51.100.1 &&
         udp.srcport == 4500 && udp.dstport == 4500 && udp.length == 9' 2>/dev/null | wc -l)
kout=$(tshark -r "$T/nat/captures/r2-wan0.pcap" \
         -Y 'ip.src == 198.51.100.2 && udp.length == 9' 2>/dev/null | wc -l)
[ "$kin" -ge 4 ] && [ "$kout" -eq 0 ] ||
  fail "NAT keepalives on r2:wan0: $kin from the NAT (want >= 4 in ~12 s at 2 s), $kout from r2"

"$VPNLAB" run "$sc" --out "$T/run2" --quiet || fail "gateways.yaml run 2 exited $?"
"$VPNLAB" run "$sc" --out "$T/other" --seed 12 --quiet || fail "seed 12 run exited $?"
for f in ra-wan0 r0-wan0 r0-wan1 rb-wan0; do
  python3 "$SRC/tests/integration/esp_same.py" "$T/run1/keys/esp_sa" "$T/run2/keys/esp_sa" \
    "$T/run1/captures/$f.pcap" "$T/run2/captures/$f.pcap" > "$T/same.txt"
  rc=$?
  [ $rc -eq 77 ] && skip "python3 cryptography missing for esp_same.py"
  [ $rc -eq 0 ] || { cat "$T/same.txt"; fail "$f differs between two runs with the same seed"; }
done
cmp -s "$T/run1/keys/esp_sa" "$T/run2/keys/esp_sa" || fail "the same seed gave other keys"
if python3 "$SRC/tests/integration/esp_same.py" "$T/run1/keys/esp_sa" "$T/other/keys/esp_sa" \
     "$T/run1/captures/ra-wan0.pcap" "$T/other/captures/ra-wan0.pcap" >/dev/null; then
  fail "seeds 11 and 12 gave identical tunnels"
fi
echo "gateways: $pre_in inner-fragment ESP packets at ra, $post outer ESP fragments at rb," \
     "$clear cleartext echoes on ra:tun0; two seed-11 runs equal ($(cat "$T/same.txt"))"
