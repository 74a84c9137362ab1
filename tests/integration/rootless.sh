#!/bin/sh
# An ordinary user (uid 65534) runs the default scenario: vpnlab enters a user namespace of
# its own first. Nothing is left behind.
. "$(dirname "$0")/lib.sh"
need_root
have setpriv || skip "setpriv (util-linux) missing"
[ "$(cat /proc/sys/user/max_user_namespaces 2>/dev/null || echo 0)" -gt 0 ] || skip "user namespaces disabled"
mkdir -p "$T/home" && chown 65534:65534 "$T/home"
before=$(host_state)
cd "$T/home" || exit 1
setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$VPNLAB" run "$SRC/scenarios/two-sites.yaml" --out "$T/home/out" > "$T/log" 2>&1 ||
  { cat "$T/log"; fail "rootless run exited $?"; }
grep -q '"result": "pass"' "$T/home/out/report.json" || fail "rootless report does not say pass"
owner=$(stat -c %u "$T/home/out/captures/office-eth0.pcap")
[ "$owner" = 65534 ] || fail "captures owned by uid $owner, not the user"
after=$(host_state)
[ "$before" = "$after" ] || fail "host state changed: $before / $after"
echo "uid 65534 ran two-sites.yaml; captures owned by the user"
