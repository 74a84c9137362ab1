#!/bin/sh
# sakura_curl.sh: the client call sequence of shared/design/research/sakura-cloud-vpc-router-api.md
# §2.4 (create -> wait available -> NIC -> settings -> config -> boot -> status), done with curl
# against `vpnlab mock sakura`, as a client would, plus the error shapes a client meets on
# the way and a state save / reload. Exit 0 pass, 1 fail, 77 skip.
set -u

NAME=sakura-curl
. "$(dirname "$0")/lib_sakura_mock.sh"
TOKEN=it-token
SECRET=it-secret

command -v curl >/dev/null || skip "curl not installed"

# start [extra args]: run the mock on a free port; sets PID, ROOT, API and VL
start() {
	sakura_mock_start "$TOKEN" "$SECRET" 8 "$@"
	API="$ROOT/is1a/api/cloud/1.1"
	VL=$(echo "$ROOT" | sed 's|/cloud/zone$|/_vpnlab/sakura|')/is1a
}

stop() {
	kill -TERM "$PID" 2>/dev/null
	wait "$PID" 2>/dev/null
	PID=
}

# call METHOD URL [BODY]: sets CODE, BODY in $WORK/body; -g: the raw ?{json} query has braces
call() {
	if [ $# -ge 3 ]; then
		CODE=$(curl -g -s -o "$WORK/body" -w '%{http_code}' -u "$TOKEN:$SECRET" \
			-H 'X-Sakura-Bigint-As-Int: 1' -H 'X-Requested-With: XMLHttpRequest' \
			-H 'Content-Type: application/json' -X "$1" --data-binary "$3" "$2")
	else
		CODE=$(curl -g -s -o "$WORK/body" -w '%{http_code}' -u "$TOKEN:$SECRET" \
			-H 'X-Sakura-Bigint-As-Int: 1' -H 'X-Requested-With: XMLHttpRequest' \
			-X "$1" "$2")
	fi
}

# j EXPR: evaluate a Python expression over the last body, bound to d
j() { python3 -c "import json,sys; d=json.load(open('$WORK/body')); print($1)"; }

expect() { # expect CODE what
	[ "$CODE" = "$1" ] || fail "$2: HTTP $CODE, expected $1: $(cat "$WORK/body")"
}

start

# 0. no credentials: 401 with the error JSON
CODE=$(curl -s -o "$WORK/body" -w '%{http_code}' "$API/appliance")
expect 401 "no auth"
[ "$(j 'd["error_code"]')" = unauthorized ] || fail "401 error_code"
[ "$(j 'd["is_fatal"]')" = True ] || fail "401 is_fatal"

# 1. create (202)
call POST "$API/appliance" '{"Appliance":{"Class":"vpcrouter","Name":"vr1","Description":"","Tags":[],"Plan":{"ID":1},"Remark":{"Switch":{"Scope":"shared"},"Servers":[{}],"Router":{"VPCRouterVersion":2}},"Settings":{"Router":{"InternetConnection":{"Enabled":"True"}}}}}'
expect 202 create
ID=$(j 'd["Appliance"]["ID"]')
[ "$(j 'd["Appliance"]["Availability"]')" = migrating ] || fail "create: not migrating"
[ "$(j 'd["is_ok"]')" = True ] || fail "create: is_ok"
echo "created $ID"

# an early boot (within the 8 s --delay: long enough for a loaded machine) gets 409 still_creating, which the power helper retries
call PUT "$API/appliance/$ID/power"
expect 409 "early boot"
[ "$(j 'd["error_code"]')" = still_creating ] || fail "early boot: error_code"

# 2. poll until available
n=0
while :; do
	call GET "$API/appliance/$ID"
	expect 200 read
	[ "$(j 'd["Appliance"]["Availability"]')" = available ] && break
	n=$((n + 1)); [ $n -gt 300 ] && fail "never available"
	sleep 0.2
done
HASH=$(j 'd["Appliance"]["SettingsHash"]')
[ "$(j 'd["Appliance"]["Interfaces"][0]["IPAddress"]')" = 203.0.113.11 ] || fail "global IP"

# 3. the private NIC
call PUT "$API/appliance/$ID/interface/1/to/switch/112800442260"
expect 200 "connect NIC"

# 4. UpdateSettings with the full Settings.Router and the hash last read
SETTINGS='{"Router":{"InternetConnection":{"Enabled":"True"},"Interfaces":[null,{"IPAddress":["192.168.21.1"],"NetworkMaskLen":24}],"SiteToSiteIPsecVPN":{"Config":[{"Peer":"198.51.100.10","PreSharedSecret":"secret_1","RemoteID":"172.30.128.254","Routes":["10.0.0.0/8"],"LocalPrefix":["192.168.21.0/24"]}],"IKE":{"Lifetime":28800,"DPD":{"Interval":15,"Timeout":30}},"ESP":{"Lifetime":180},"EncryptionAlgo":"aes256","HashAlgo":"sha256","DHGroup":"modp2048","Enabled":"True"},"SyslogHost":""}}'
call PUT "$API/appliance/$ID" "{\"Appliance\":{\"Settings\":$SETTINGS,\"SettingsHash\":\"$HASH\"}}"
expect 200 "update settings"
# the same hash again is stale now
call PUT "$API/appliance/$ID" "{\"Appliance\":{\"Settings\":$SETTINGS,\"SettingsHash\":\"$HASH\"}}"
expect 409 "stale SettingsHash"
# a JSON bool flag is a 400
call PUT "$API/appliance/$ID" '{"Appliance":{"Settings":{"Router":{"SiteToSiteIPsecVPN":{"Enabled":true}}}}}'
expect 400 "bool flag"
[ "$(j 'd["error_code"]')" = bad_request ] || fail "bool flag: error_code"

# 5. apply
call PUT "$API/appliance/$ID/config"
expect 200 config

# 6. boot and wait until up
call PUT "$API/appliance/$ID/power"
expect 200 boot
n=0
while :; do
	call GET "$API/appliance/$ID"
	[ "$(j 'd["Appliance"]["Instance"]["Status"]')" = up ] && break
	n=$((n + 1)); [ $n -gt 300 ] && fail "never up"
	sleep 0.2
done

# 7. status and logs
call GET "$API/appliance/$ID/status"
expect 200 status
[ "$(j 'd["Router"]["SiteToSiteIPsecVPNPeers"][0]["Peer"]')" = 198.51.100.10 ] || fail "status peer"
[ "$(j 'd["Router"]["SiteToSiteIPsecVPNPeers"][0]["Status"]')" = DOWN ] || fail "status DOWN"
call GET "$API/appliance/$ID/download/log/VPNLogs"
expect 200 logs
j 'd["Log"]' | grep -q "added configuration 'peer-198.51.100.10-tunnel-vti'" || fail "logs"

# find: raw ?{json} and percent-encoded
call GET "$API/appliance?{\"Count\":0,\"From\":0,\"Filter\":{\"Class\":[\"vpcrouter\"],\"Name\":\"vr\"}}"
expect 200 "find raw"
[ "$(j 'd["Total"]')" = 1 ] || fail "find raw: Total"
call GET "$API/appliance?%7B%22Filter%22%3A%7B%22Name%22%3A%22nothing%22%7D%7D"
expect 200 "find encoded"
[ "$(j 'd["Total"]')" = 0 ] || fail "find encoded: Total"

# vpnlab's own endpoint: VPN reconnect
call PUT "$VL/appliance/$ID/vpn/reconnect"
expect 200 "vpn reconnect"

# state survives a restart
stop
start --state "$WORK/state.json" # no file yet: empty store
call GET "$API/appliance/$ID"
expect 404 "fresh mock"
call POST "$API/appliance" '{"Appliance":{"Class":"vpcrouter","Name":"kept","Plan":{"ID":1}}}'
expect 202 "create 2"
ID2=$(j 'd["Appliance"]["ID"]')
stop
[ -s "$WORK/state.json" ] || fail "state not saved"
start --state "$WORK/state.json"
call GET "$API/appliance/$ID2"
expect 200 "reloaded"
[ "$(j 'd["Appliance"]["Name"]')" = kept ] || fail "reloaded name"

# delete: shut down first (Force), then delete, then 404
n=0
while :; do
	call GET "$API/appliance/$ID2"
	[ "$(j 'd["Appliance"]["Availability"]')" = available ] && break
	n=$((n + 1)); [ $n -gt 300 ] && fail "2: never available"
	sleep 0.2
done
call DELETE "$API/appliance/$ID2"
expect 200 delete
call GET "$API/appliance/$ID2"
expect 404 "deleted"
[ "$(j 'd["status"]')" = "404 Not Found" ] || fail "404 status text"

echo "PASS: sakura_curl"
exit 0
