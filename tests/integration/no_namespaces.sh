#!/bin/sh
# Where the kernel refuses namespaces, vpnlab exits 3 and says what is missing. The refusal is
# made real inside a user namespace of the test's own, whose network-namespace limit is 0.
. "$(dirname "$0")/lib.sh"
have unshare || skip "unshare (util-linux) missing"
unshare -Ur true 2>/dev/null || skip "user namespaces refused here: cannot stage the refusal"
unshare -Ur sh -c "echo 0 > /proc/sys/user/max_net_namespaces && \
  exec '$VPNLAB' run '$SRC/scenarios/two-sites.yaml' --out '$T/o'" > "$T/log" 2>&1; rc=$?
[ $rc -eq 3 ] || { cat "$T/log"; fail "exit $rc, expected 3"; }
grep -q "cannot create network namespaces" "$T/log" || { cat "$T/log"; fail "no clear message"; }
grep -q "max_net_namespaces" "$T/log" || { cat "$T/log"; fail "message does not name the limit"; }
[ ! -e "$T/o/captures" ] || fail "a refused run left captures behind"
echo "exit 3: $(head -n 1 "$T/log")"
