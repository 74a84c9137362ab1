#!/bin/sh
# Bad scenario files are refused with FILE:LINE:COL positions and exit 2, before anything is built.
. "$(dirname "$0")/lib.sh"
cat > "$T/typo.yaml" <<'YAML'
name: typo
topology:
  nodes:
    a: {fowrard: true}
    b: {}
  links:
    - [a:eth0 10.0.0.1/24, b:eth0 10.0.0.2/24]
steps:
  - wait: 5
YAML
"$VPNLAB" validate "$T/typo.yaml" > "$T/out" 2> "$T/err"; rc=$?
[ $rc -eq 2 ] || fail "validate exited $rc, expected 2"
grep -q "typo.yaml:4:9: .*fowrard" "$T/err" || { cat "$T/err"; fail "no position for the unknown key"; }
grep -q "typo.yaml:9:11: " "$T/err" || { cat "$T/err"; fail "the bare duration was not reported (all errors, not only the first)"; }
"$VPNLAB" run "$T/typo.yaml" --out "$T/o" > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "run of an invalid file exited $rc, expected 2"
[ ! -e "$T/o" ] || fail "run created its output although the file is invalid"
"$VPNLAB" run > /dev/null 2>&1; [ $? -eq 2 ] || fail "run without a file did not exit 2"
"$VPNLAB" run "$T/missing.yaml" > /dev/null 2> "$T/err2"; [ $? -eq 2 ] || fail "missing file did not exit 2"
grep -q "missing.yaml" "$T/err2" || fail "missing file not named"
echo "positions reported; exit codes 2"
