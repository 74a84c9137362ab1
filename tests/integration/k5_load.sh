#!/bin/sh
# k5_load.sh: 50 concurrent clients x 200 requests of mixed creates, lists and deletes against
# `vpnlab mock k5` (python3 standard library only). Asserts no unexpected error, no lost or
# duplicated object, and the mock's RSS stable between the first and the second half.
# Exit 0 pass, 1 fail, 77 skip (no python3).
set -u
VPNLAB=${VPNLAB:-build/vpnlab}
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 missing"; exit 77; }
[ -x "$VPNLAB" ] || { echo "FAIL: $VPNLAB not built"; exit 1; }

WORK=$(mktemp -d /tmp/vpnlab-k5-load.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

"$VPNLAB" mock k5 --listen 127.0.0.1:0 --seed 3 >"$WORK/mock.log" 2>&1 &
PID=$!
PORT=
for _ in $(seq 50); do
	PORT=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$WORK/mock.log")
	[ -n "$PORT" ] && break
	sleep 0.1
done
[ -n "$PORT" ] || { echo "FAIL: mock did not start"; cat "$WORK/mock.log"; exit 1; }

python3 - "$PORT" "$PID" <<'PY'
import http.client, json, sys, threading

PORT, PID = int(sys.argv[1]), int(sys.argv[2])
CLIENTS, REQUESTS = 50, 200
errors, lock = [], threading.Lock()
rss = {}

def vmrss():
    with open(f"/proc/{PID}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return -1

def mid_snapshot():
    rss["mid"] = vmrss()

barrier = threading.Barrier(CLIENTS, action=mid_snapshot)

class Client:
    def __init__(self, cid):
        self.cid, self.conn = cid, http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        self.token, self.nets, self.ikes, self.count = None, [], [], 0

    def call(self, method, path, body=None, want=(200,)):
        headers = {"Accept": "application/json"}
        if self.token:
            headers["X-Auth-Token"] = self.token
        data = None
        if body is not None:
            data = json.dumps(body)
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, data, headers)
        r = self.conn.getresponse()
        raw = r.read()
        self.count += 1
        if r.status not in want:
            with lock:
                errors.append(f"client {self.cid}: {method} {path} -> {r.status} {raw[:200]!r}")
            return r, None
        return r, (json.loads(raw) if raw else None)

    def login(self):
        r, _ = self.call("POST", "/v3/auth/tokens", {"auth": {"identity": {"methods": ["password"],
            "password": {"user": {"name": f"u{self.cid}", "domain": {"name": "d"}, "password": "p"}}},
            "scope": {"project": {"id": "a5001a8b9c4a4712985c11377bd6d4fe"}}}}, want=(201,))
        self.token = r.getheader("X-Subject-Token")

    def step(self, i):
        op = i % 6
        if op == 0:
            _, b = self.call("POST", "/v2.0/networks", {"network": {"name": f"c{self.cid}-n{i}",
                             "availability_zone": "jp-east-1a"}}, want=(201,))
            if b: self.nets.append((b["network"]["id"], b["network"]["name"]))
        elif op == 1 and self.nets:
            nid, name = self.nets[-1]
            _, b = self.call("GET", f"/v2.0/networks?name={name}")
            if b is not None and [n["id"] for n in b["networks"]] != [nid]:
                with lock: errors.append(f"client {self.cid}: list ?name={name} -> {b}")
        elif op == 2:
            _, b = self.call("POST", "/v2.0/vpn/ikepolicies", {"ikepolicy": {"name": f"c{self.cid}-p{i}",
                             "encryption_algorithm": "aes-256", "pfs": "group14",
                             "lifetime": {"units": "seconds", "value": 86400}}}, want=(201,))
            if b: self.ikes.append((b["ikepolicy"]["id"], b["ikepolicy"]["name"]))
        elif op == 3 and len(self.nets) > 3:
            nid, _ = self.nets.pop(0)
            self.call("DELETE", f"/v2.0/networks/{nid}", want=(204,))
        elif op == 4 and len(self.ikes) > 3:
            pid, _ = self.ikes.pop(0)
            self.call("DELETE", f"/v2.0/vpn/ikepolicies/{pid}", want=(204,))
        elif op == 5 and i % 30 == 5:
            # expected errors: a K5 rule (400) and an unknown id (404)
            self.call("POST", "/v2.0/vpn/ikepolicies", {"ikepolicy": {"auth_algorithm": "md5"}},
                      want=(400,))
        elif op == 5 and self.ikes:
            pid, name = self.ikes[-1]
            _, b = self.call("GET", f"/v2.0/vpn/ikepolicies?name={name}")
            if b is not None and [p["id"] for p in b["ikepolicies"]] != [pid]:
                with lock: errors.append(f"client {self.cid}: list ?name={name} -> {b}")
        elif i % 2:
            self.call("GET", "/v2.0/networks")
        else:
            self.call("GET", "/v2.0/vpn/ikepolicies/00000000-0000-4000-8000-000000000000",
                      want=(404,))

    def run(self):
        try:
            self.login()
            for i in range(REQUESTS - 1):
                if i == REQUESTS // 2:
                    barrier.wait(timeout=120)
                self.step(i)
        except Exception as e:
            with lock: errors.append(f"client {self.cid}: {e!r}")
            try: barrier.abort()
            except Exception: pass

clients = [Client(c) for c in range(CLIENTS)]
threads = [threading.Thread(target=c.run) for c in clients]
for t in threads: t.start()
for t in threads: t.join()
rss["end"] = vmrss()

# no lost or duplicated object: the mock holds exactly what the clients believe is live
check = Client(999)
check.login()
_, nets = check.call("GET", "/v2.0/networks")
_, ikes = check.call("GET", "/v2.0/vpn/ikepolicies")
for label, listed, want in (("networks", nets["networks"], [n for c in clients for n in c.nets]),
                            ("ikepolicies", ikes["ikepolicies"], [p for c in clients for p in c.ikes])):
    got = [(o["id"], o["name"]) for o in listed if o["name"].startswith("c")]
    ids = [g[0] for g in got]
    if len(ids) != len(set(ids)):
        errors.append(f"{label}: duplicated ids")
    if sorted(got) != sorted(want):
        errors.append(f"{label}: mock has {len(got)}, clients expect {len(want)}")
total = sum(c.count for c in clients)
growth = rss["end"] - rss.get("mid", -1)
print(f"k5_load: {CLIENTS} clients, {total} requests, {len(nets['networks'])} networks and "
      f"{len(ikes['ikepolicies'])} IKE policies live, RSS mid {rss.get('mid')} kB end {rss['end']} kB")
if rss.get("mid", -1) <= 0 or growth > max(1024, rss["mid"] // 10):
    errors.append(f"RSS grew by {growth} kB in the second half")
if total != CLIENTS * REQUESTS:
    errors.append(f"{total} requests made, wanted {CLIENTS * REQUESTS}")
for e in errors[:20]:
    print("FAIL", e)
sys.exit(1 if errors else 0)
PY
RC=$?
kill -TERM "$PID"; wait "$PID"; MRC=$?; PID=
[ "$MRC" -eq 0 ] || { echo "FAIL: mock exited $MRC"; exit 1; }
[ "$RC" -eq 0 ] && echo "k5_load: pass" || echo "k5_load: FAIL"
exit "$RC"
