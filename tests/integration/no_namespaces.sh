#!/bin/sh
# Where the kernel refuses namespaces, vpnlab exits 3 and says what is missing.
. "$(dirname "$0")/lib.sh"
need_root
have setpriv || skip "setpriv missing"
f=/proc/sys/user/max_user_namespaces
old=$(cat $f)
restore() { echo "$old" > /proc/sys/user/max_user_namespaces; }
cleanup_hooks="restore"
echo 0 > $f || skip "cannot change $f"
setpriv --reuid=65534 --regid=65534 --clear-groups \
  "$VPNLAB" run "$SRC/scenarios/two-sites.yaml" --out "$T/o" > "$T/log" 2>&1; rc=$?
restore
[ $rc -eq 3 ] || { cat "$T/log"; fail "exit $rc, expected 3"; }
grep -q "user namespace" "$T/log" || { cat "$T/log"; fail "message does not name the missing feature"; }
echo "exit 3: $(head -n 1 "$T/log")"
