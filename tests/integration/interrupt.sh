#!/bin/sh
# SIGINT in the middle of a run (real clock, a long wait) stops it at once, writes the report,
# removes everything and exits 3 (the run did not complete).
. "$(dirname "$0")/lib.sh"
need_root
cat > "$T/long.yaml" <<'YAML'
name: long
clock: real
topology:
  nodes: {a: {}, b: {}}
  links:
    - [a:eth0 10.0.0.1/24, b:eth0 10.0.0.2/24]
steps:
  - ping: {from: a, to: b}
  - wait: 1h
YAML
before=$(host_state)
"$VPNLAB" run "$T/long.yaml" --out "$T/out" > "$T/log" 2>&1 &
pid=$!
kill_lab() { kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; }
cleanup_hooks="kill_lab $cleanup_hooks"
sleep 1.5
kill -INT $pid
wait $pid; rc=$?
[ $rc -eq 3 ] || { cat "$T/log"; fail "exit $rc after SIGINT, expected 3"; }
grep -q interrupted "$T/out/report.json" || fail "report does not say interrupted"
after=$(host_state)
[ "$before" = "$after" ] || fail "host state changed: $before / $after"
echo "interrupted run exited 3 and left nothing"
