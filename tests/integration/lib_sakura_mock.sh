# lib_sakura_mock.sh: what the tests of `vpnlab mock sakura` share (sakura_curl.sh,
# sakura_sacloud.sh, sakura_load.sh). Set NAME (the work directory's) before sourcing; it sets
# VPNLAB, WORK and PID, defines skip, fail and sakura_mock_start, removes WORK and stops the
# mock at exit, and skips when vpnlab or its mock is missing. Exit 0 pass, 1 fail, 77 skip.
VPNLAB=${VPNLAB:-build/vpnlab}
WORK=$(mktemp -d "/tmp/vpnlab-$NAME.XXXXXX") || exit 1
PID=

skip() { echo "SKIP: $*"; exit 77; }
fail() { echo "FAIL: $*"; [ -f "$WORK/err" ] && sed 's/^/  mock: /' "$WORK/err" | tail -20; exit 1; }
cleanup() { [ -n "$PID" ] && kill "$PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

command -v python3 >/dev/null || skip "python3 not installed"
[ -x "$VPNLAB" ] || skip "$VPNLAB not built"
"$VPNLAB" mock sakura --help >/dev/null 2>&1 || skip "$VPNLAB has no 'mock sakura' command"

# sakura_mock_start TOKEN SECRET DELAY [ARGS...]: the mock on a free port of 127.0.0.1, its
# output in $WORK/out and $WORK/err; sets PID and ROOT (http://H:P/cloud/zone)
sakura_mock_start() {
	tok=$1 sec=$2 delay=$3
	shift 3
	: >"$WORK/out"
	"$VPNLAB" mock sakura --listen 127.0.0.1:0 --token "$tok" --secret "$sec" \
		--delay "$delay" "$@" >"$WORK/out" 2>"$WORK/err" &
	PID=$!
	i=0
	while ! grep -q '^SAKURACLOUD_API_ROOT_URL=' "$WORK/out"; do
		i=$((i + 1))
		[ $i -gt 100 ] && fail "mock did not start"
		kill -0 "$PID" 2>/dev/null || fail "mock exited at start"
		sleep 0.1
	done
	ROOT=$(sed -n 's/^SAKURACLOUD_API_ROOT_URL=//p' "$WORK/out")
}
