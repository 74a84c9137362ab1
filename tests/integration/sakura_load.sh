#!/bin/sh
# sakura_load.sh: 50 concurrent clients x 200 mixed requests against `vpnlab mock sakura`
# (python3 standard library only). Each client owns one router and mixes reads, finds,
# updates, settings with their SettingsHash, config, power on/off, status and logs. Pass: no
# unexpected status or non-JSON answer, every request answered, and every client's last
# write is what the store holds afterwards (nothing lost). Exit 0 pass, 1 fail, 77 skip.
set -u

NAME=sakura-load
. "$(dirname "$0")/lib_sakura_mock.sh"
CLIENTS=${CLIENTS:-50}
REQUESTS=${REQUESTS:-200}

sakura_mock_start load load 0.2

python3 - "$ROOT" "$CLIENTS" "$REQUESTS" <<'EOF'
import base64, http.client, json, random, sys, threading, time, urllib.parse

root, nclients, nreq = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
u = urllib.parse.urlsplit(root)
API = u.path + "/is1a/api/cloud/1.1"
AUTH = "Basic " + base64.b64encode(b"load:load").decode()
HDRS = {"Authorization": AUTH, "X-Sakura-Bigint-As-Int": "1",
        "X-Requested-With": "XMLHttpRequest", "Content-Type": "application/json"}
S2S = {"Config": [{"Peer": "198.51.100.10", "PreSharedSecret": "k_1", "Routes": ["10.0.0.0/8"],
                   "LocalPrefix": ["192.168.21.0/24"]}],
       "EncryptionAlgo": "aes256", "HashAlgo": "sha256", "DHGroup": "modp2048", "Enabled": "True"}

lock = threading.Lock()
errors, counts = [], {"requests": 0}

class Client:
    def __init__(self, n):
        self.n = n
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        self.rng = random.Random(n)

    def req(self, method, path, body=None, query=None, ok=(200,)):
        url = path + ("?" + query if query else "")
        data = json.dumps(body) if body is not None else None
        for attempt in (1, 2):
            try:
                self.conn.request(method, url, body=data, headers=HDRS)
                r = self.conn.getresponse()
                raw = r.read()
                break
            except (ConnectionError, http.client.HTTPException, OSError) as e:
                if attempt == 2:
                    with lock:
                        errors.append(f"client {self.n}: {method} {url}: {e!r}")
                    return None, None
                self.conn.close()
                self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        with lock:
            counts["requests"] += 1
        try:
            j = json.loads(raw)
        except ValueError:
            with lock:
                errors.append(f"client {self.n}: {method} {url}: not JSON: {raw[:200]!r}")
            return r.status, None
        if r.status not in ok:
            with lock:
                errors.append(f"client {self.n}: {method} {url}: {r.status} {raw[:300]!r}")
        return r.status, j

    def wait_available(self):
        for _ in range(300):
            st, j = self.req("GET", f"{API}/appliance/{self.id}")
            if (j or {}).get("Appliance", {}).get("Availability") == "available":
                return
            time.sleep(0.05)
        with lock:
            errors.append(f"client {self.n}: never available")

    def run(self):
        st, j = self.req("POST", f"{API}/appliance", ok=(202,), body={"Appliance": {
            "Class": "vpcrouter", "Name": f"load-{self.n:03d}", "Tags": [f"c{self.n}", "load"],
            "Plan": {"ID": 1}, "Remark": {"Router": {"VPCRouterVersion": 2}}}})
        if not j:
            return
        self.id = j["Appliance"]["ID"]
        self.wait_available()
        self.last_desc = None
        ops = ["read", "find", "desc", "settings", "config", "status", "logs", "power"]
        for i in range(nreq):
            op = self.rng.choice(ops)
            base = f"{API}/appliance/{self.id}"
            if op == "read":
                self.req("GET", base)
            elif op == "find":
                q = json.dumps({"Count": 0, "From": 0, "Filter": {
                    "Class": ["vpcrouter"], "Tags.Name": [[f"c{self.n}"]]}}, separators=(",", ":"))
                st, j = self.req("GET", f"{API}/appliance", query=q)
                if j and j.get("Total") != 1:
                    with lock:
                        errors.append(f"client {self.n}: find Total {j.get('Total')}")
            elif op == "desc":
                d = f"client {self.n} write {i}"
                st, j = self.req("PUT", base, body={"Appliance": {"Description": d}})
                if st == 200:
                    self.last_desc = d
            elif op == "settings":
                st, j = self.req("GET", base)
                h = j["Appliance"]["SettingsHash"] if j else ""
                s2s = dict(S2S, ESP={"Lifetime": 60 + i})
                self.req("PUT", base, body={"Appliance": {"Settings": {"Router": {
                    "InternetConnection": {"Enabled": "True"}, "SiteToSiteIPsecVPN": s2s}},
                    "SettingsHash": h}})
                self.last_esp = 60 + i
            elif op == "config":
                self.req("PUT", base + "/config")
            elif op == "status":
                self.req("GET", base + "/status")
            elif op == "logs":
                self.req("GET", base + "/download/log/VPNLogs")
            elif op == "power":
                # 409 is the API's answer when the router is not in a state for it
                if self.rng.random() < 0.5:
                    self.req("PUT", base + "/power", ok=(200, 409))
                else:
                    self.req("DELETE", base + "/power", body={"Force": True}, ok=(200, 409))

    def verify(self):
        st, j = self.req("GET", f"{API}/appliance/{self.id}")
        a = j["Appliance"] if j else {}
        if self.last_desc is not None and a.get("Description") != self.last_desc:
            errors.append(f"client {self.n}: lost write: {a.get('Description')!r} "
                          f"!= {self.last_desc!r}")
        if hasattr(self, "last_esp"):
            got = a.get("Settings", {}).get("Router", {}).get("SiteToSiteIPsecVPN", {}) \
                   .get("ESP", {}).get("Lifetime")
            if got != self.last_esp:
                errors.append(f"client {self.n}: lost settings: ESP {got} != {self.last_esp}")

clients = [Client(n) for n in range(nclients)]
threads = [threading.Thread(target=c.run) for c in clients]
t0 = time.time()
for t in threads:
    t.start()
for t in threads:
    t.join()
elapsed = time.time() - t0
for c in clients:
    if hasattr(c, "id"):
        c.verify()
    else:
        errors.append(f"client {c.n}: no router")
c0 = clients[0]
st, j = c0.req("GET", f"{API}/appliance", query='{"Count":0,"Filter":{"Tags.Name":[["load"]]}}')
if not j or j.get("Total") != nclients:
    errors.append(f"find all: Total {j and j.get('Total')} != {nclients}")
print(f"{nclients} clients, {counts['requests']} requests answered in {elapsed:.1f} s, "
      f"{len(errors)} errors")
for e in errors[:20]:
    print("  " + e)
sys.exit(1 if errors else 0)
EOF
rc=$?
kill -TERM "$PID" 2>/dev/null
wait "$PID" 2>/dev/null
PID=
if [ $rc -ne 0 ]; then
	echo "FAIL: sakura_load"
	tail -5 "$WORK/err"
	exit 1
fi
echo "PASS: sakura_load"
exit 0
