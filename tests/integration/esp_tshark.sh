#!/bin/sh
# tshark decrypts vpnlab's ESP: every cipher x integrity pair, raw ESP and UDP/4500, IPv4 and
# IPv6 inner packets, with the esp_sa lines vpnlab writes (research notes section 7).
# Exit 0 pass, 1 fail, 77 skip (no tshark or no compiler).
# Run from the repository root: tests/integration/esp_tshark.sh   (KEEP=1 keeps the work dir)
set -u

command -v tshark >/dev/null 2>&1 || { echo "SKIP: tshark not installed"; exit 77; }
CC=${CC:-cc}
command -v "$CC" >/dev/null 2>&1 || { echo "SKIP: no C compiler"; exit 77; }

BUILD=${BUILD:-build}
work=$(mktemp -d)
[ "${KEEP:-0}" = 1 ] || trap 'rm -rf "$work"' EXIT

make -s "$BUILD/libvpnlab.a" >/dev/null || { echo "FAIL: cannot build $BUILD/libvpnlab.a"; exit 1; }
$CC -std=c11 -D_GNU_SOURCE -O2 -I. -o "$work/esp_pcap" tests/tools/esp_pcap.c \
	"$BUILD/libvpnlab.a" $(pkg-config --libs libpcap libcrypto) \
	|| { echo "FAIL: cannot build esp_pcap"; exit 1; }
"$work/esp_pcap" "$work/esp.pcap" "$work/esp_sa" >"$work/expected" \
	|| { echo "FAIL: esp_pcap"; exit 1; }

# tshark reads the esp_sa UAT from its personal config dir; use a private one.
mkdir -p "$work/home/.config/wireshark"
cp "$work/esp_sa" "$work/home/.config/wireshark/esp_sa"
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" tshark -r "$work/esp.pcap" \
	-o esp.enable_encryption_decode:TRUE -o esp.enable_authentication_check:TRUE \
	-o ip.check_checksum:TRUE \
	-T fields -E separator=';' -E occurrence=a \
	-e frame.number -e esp.spi -e icmp.type -e icmpv6.type -e esp.icv_good \
	-e icmp.checksum.status -e icmpv6.checksum.status -e _ws.malformed -e _ws.expert.severity \
	-e udpencap.nat_keepalive \
	>"$work/got" 2>"$work/tshark.err"
[ -s "$work/got" ] || { echo "FAIL: tshark printed nothing"; cat "$work/tshark.err"; exit 1; }

fail=0
nesp=0
while read -r frame spi proto; do
	nesp=$((nesp + 1))
	line=$(sed -n "${frame}p" "$work/got")
	IFS=';' read -r f gspi t4 t6 icv c4 c6 malformed expert ka <<EOF2
$line
EOF2
	gspi=$(printf '0x%08x' "$gspi" 2>/dev/null || echo "$gspi")
	why=""
	[ "$gspi" = "$spi" ] || why="$why spi=$gspi"
	case $proto in
	icmp)   [ "$t4" = 8 ] && [ "$c4" = 1 ] || why="$why icmp.type=$t4 checksum=$c4" ;;
	icmpv6) [ "$t6" = 128 ] && [ "$c6" = 1 ] || why="$why icmpv6.type=$t6 checksum=$c6" ;;
	esac
	# SPI low nibble 0 = ESP_INTEG_NONE: no ICV to check; all others must verify.
	case $spi in
	*0) [ -z "$icv" ] || why="$why icv_good=$icv (no ICV expected)" ;;
	*)  [ "$icv" = 1 ] || why="$why icv_good=$icv" ;;
	esac
	[ -z "$malformed" ] || why="$why malformed"
	[ -z "$expert" ] || why="$why expert=$expert"
	if [ -n "$why" ]; then
		echo "FAIL: frame $frame SPI $spi $proto:$why"
		fail=1
	fi
done <"$work/expected"

last=$(wc -l <"$work/got")
ka=$(sed -n "${last}p" "$work/got" | awk -F';' '{print $NF}')
[ -n "$ka" ] || { echo "FAIL: frame $last is not a NAT-keepalive"; fail=1; }

[ "$nesp" -eq 40 ] || { echo "FAIL: expected 40 ESP frames, esp_pcap wrote $nesp"; fail=1; }
if [ $fail = 0 ]; then
	echo "PASS: tshark decrypted $nesp ESP frames ($(wc -l <"$work/esp_sa") SAs, raw and UDP/4500), ICVs good, no malformed"
fi
exit $fail
