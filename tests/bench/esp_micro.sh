#!/bin/sh
# Per-packet ESP cost against OpenSSL's own speed on one core: build/esp_micro (1400-byte
# inner packets, AES-256-CBC / HMAC-SHA2-256-128) next to `openssl speed` for the cipher and
# the MAC on 1424-byte blocks (what one such packet encrypts, about what it MACs), and the
# share of the limit the outbound SA reaches.
#
# Usage: ESP_MICRO=build/esp_micro tests/bench/esp_micro.sh [SECONDS]
set -eu
micro=${ESP_MICRO:-build/esp_micro}
secs=${1:-2}
[ -x "$micro" ] || { echo "esp_micro: $micro not built (make $micro)"; exit 1; }
command -v openssl > /dev/null || { echo "esp_micro: openssl missing"; exit 77; }
out=$("$micro" "$secs")
echo "$out"
enc=$(echo "$out" | awk '/IV from the DRBG/ { print $6 }')
dec=$(echo "$out" | awk '/^  decrypt/ { print $2 }')
bytes=1424
aes=$(openssl speed -seconds 2 -bytes $bytes -evp aes-256-cbc 2>/dev/null | awk 'tolower($1) == "aes-256-cbc" {print $2}')
aesd=$(openssl speed -seconds 2 -bytes $bytes -decrypt -evp aes-256-cbc 2>/dev/null | awk 'tolower($1) == "aes-256-cbc" {print $2}')
mac=$(openssl speed -seconds 2 -bytes $bytes -hmac sha256 2>/dev/null | awk '/^hmac\(sha256\)/ {print $2}')
aes=${aes%k} aesd=${aesd%k} mac=${mac%k}
[ -n "$enc" ] && [ -n "$dec" ] && [ -n "$aes" ] && [ -n "$aesd" ] && [ -n "$mac" ] ||
  { echo "esp_micro: could not read the figures"; exit 1; }
# k = 1000 bytes/s; packets/s of $bytes-byte blocks through cipher and MAC in series
lim_e=$(echo "1000 / $bytes / (1 / $aes + 1 / $mac)" | bc -l)
lim_d=$(echo "1000 / $bytes / (1 / $aesd + 1 / $mac)" | bc -l)
printf '  openssl speed, one core, %s-byte blocks: aes-256-cbc %.0f kB/s (decrypt %.0f), hmac sha256 %.0f kB/s\n' \
  $bytes "$aes" "$aesd" "$mac"
printf '  limit in series: encrypt+MAC %.0f packets/s, MAC+decrypt %.0f packets/s\n' "$lim_e" "$lim_d"
printf 'esp-encrypt/crypto-limit = %.2f\n' "$(echo "$enc / $lim_e" | bc -l)"
printf 'esp-decrypt/crypto-limit = %.2f\n' "$(echo "$dec / $lim_d" | bc -l)"
