#!/bin/sh
# --hold keeps the lab up until SIGINT; then vpnlab removes everything and exits 0.
. "$(dirname "$0")/lib.sh"
need_root
before=$(host_state)
"$VPNLAB" run "$SRC/scenarios/two-sites.yaml" --out "$T/out" --hold > "$T/log" 2>&1 &
pid=$!
kill_lab() { kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; }
cleanup_hooks="kill_lab $cleanup_hooks"     # a failing check must not leave the lab running
i=0
until grep -q "lab is up" "$T/log"; do
  i=$((i + 1)); [ $i -lt 300 ] || { kill -9 $pid; fail "lab did not come up"; }
  sleep 0.1
done
cmd=$(grep -m1 '^  server  *nsenter' "$T/log" | sed 's/^ *server *//')
$cmd ping -c 1 -W 2 192.168.10.10 > /dev/null 2>&1 || fail "ping from inside the held lab failed"
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 0 ] || { cat "$T/log"; fail "vpnlab exited $rc after SIGINT on a passing run"; }
after=$(host_state)
[ "$before" = "$after" ] || fail "host state changed: $before / $after"
echo "held lab answered a ping from inside; SIGINT ended it cleanly"
