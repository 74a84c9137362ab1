#!/bin/sh
# Run every integration test (tests/integration/*.sh except this runner and lib.sh).
# Each test exits 0 (pass), 77 (skip, with the reason on its last line) or anything else (fail).
# Usage: tests/integration/run.sh [--quick] [NAME...]
#   --quick: only the tests that take a few seconds (used by make asan)
set -u
here=$(cd "$(dirname "$0")" && pwd)
: "${VPNLAB:=build/vpnlab}"
VPNLAB=$(cd "$(dirname "$VPNLAB")" && pwd)/$(basename "$VPNLAB")
export VPNLAB
quick=0
if [ "${1:-}" = "--quick" ]; then quick=1; shift; fi

pass=0 fail=0 skip=0 failed=""
for t in "$here"/*.sh; do
  name=$(basename "$t" .sh)
  case "$name" in run|lib|lib_*) continue ;; esac
  if [ $# -gt 0 ]; then
    case " $* " in *" $name "*) ;; *) continue ;; esac
  fi
  if [ $quick = 1 ] && grep -q '^# slow' "$t"; then continue; fi
  start=$(date +%s)
  out=$(sh "$t" 2>&1); rc=$?
  secs=$(( $(date +%s) - start ))
  case $rc in
    0) pass=$((pass + 1)); echo "PASS $name (${secs}s)" ;;
    77) skip=$((skip + 1)); echo "SKIP $name: $(printf '%s\n' "$out" | tail -n 1)" ;;
    *) fail=$((fail + 1)); failed="$failed $name"; echo "FAIL $name (exit $rc, ${secs}s)"
       printf '%s\n' "$out" | tail -n 40 | sed 's/^/    /' ;;
  esac
done
echo "integration: $pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ] || { echo "failed:$failed"; exit 1; }
