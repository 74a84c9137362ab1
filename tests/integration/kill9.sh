#!/bin/sh
# kill -9 of a running lab (--hold) leaves nothing behind: no namespace still referenced by any
# process or mount, no host link, no process, no mount.
. "$(dirname "$0")/lib.sh"
need_root
before=$(host_state)
netns_before=$(live_netns)
"$VPNLAB" run "$SRC/scenarios/two-sites.yaml" --out "$T/out" --hold > "$T/log" 2>&1 &
pid=$!
kill_lab() { kill -9 $pid 2>/dev/null; wait $pid 2>/dev/null; }
cleanup_hooks="kill_lab $cleanup_hooks"     # a failing check must not leave the lab running
i=0
until grep -q "lab is up" "$T/log"; do
  i=$((i + 1)); [ $i -lt 300 ] || { kill -9 $pid; cat "$T/log"; fail "lab did not come up"; }
  kill -0 $pid 2>/dev/null || { cat "$T/log"; fail "vpnlab exited early"; }
  sleep 0.1
done
# The lab's namespaces exist while it runs ...
host_ns=$(readlink /proc/self/ns/net)
lab_ns=$(for f in /proc/$pid/fd/*; do readlink "$f"; done | grep '^net:' | grep -vxF "$host_ns" | sort -u)
[ "$(echo "$lab_ns" | wc -l)" -ge 5 ] || fail "expected the lab's namespaces to be held by fd"
# ... and can be entered the way --hold says.
cmd=$(grep -m1 '^  office  *nsenter' "$T/log" | sed 's/^ *office *//')
out=$($cmd ip -4 -o addr show dev eth0 2>&1) || fail "'$cmd' failed: $out"
echo "$out" | grep -q 192.168.10.10 || fail "entering office shows no 192.168.10.10: $out"
kill -9 $pid
wait $pid 2>/dev/null
sleep 0.5
after=$(host_state)
[ "$before" = "$after" ] || fail "host state changed after kill -9: $before / $after"
still=$(live_netns)
for n in $lab_ns; do
  echo "$still" | grep -qxF "$n" && fail "namespace $n still referenced after kill -9"
done
echo "$(echo "$lab_ns" | wc -l) lab namespaces gone after kill -9; host unchanged"
