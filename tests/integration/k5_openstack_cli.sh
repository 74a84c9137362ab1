#!/bin/sh
# k5_openstack_cli.sh: Debian's real OpenStack CLI (python3-openstackclient, neutronclient)
# against `vpnlab mock k5`. Exit 0 pass, 1 fail, 77 skip (no `openstack`).
#
# The K5 flow of the field note: network, subnet, router with gateway and interface, IKE and
# IPsec policies, VPN service, site connection; list, show by name and id, set, delete; the
# in-use 409 as the CLI prints it; state saved on SIGTERM and loaded again.
set -u

VPNLAB=${VPNLAB:-build/vpnlab}
command -v openstack >/dev/null 2>&1 || { echo "SKIP: openstack CLI not installed"; exit 77; }
[ -x "$VPNLAB" ] || { echo "FAIL: $VPNLAB not built"; exit 1; }

WORK=$(mktemp -d /tmp/vpnlab-k5-cli.XXXXXX)
PID=
cleanup() {
	[ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
STATE=$WORK/state.json
FAILS=0
STEPS=0

start_mock() {
	"$VPNLAB" mock k5 --listen "127.0.0.1:$PORT" --state "$STATE" --seed 7 \
		--active-delay 1 >"$WORK/mock.log" 2>&1 &
	PID=$!
	for _ in $(seq 50); do
		grep -q "listening on" "$WORK/mock.log" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "FAIL: mock did not start"; cat "$WORK/mock.log"; exit 1
}

export OS_AUTH_URL=http://127.0.0.1:$PORT/v3 OS_IDENTITY_API_VERSION=3 OS_USERNAME=user \
	OS_PASSWORD=pass OS_USER_DOMAIN_NAME=dom OS_PROJECT_ID=a5001a8b9c4a4712985c11377bd6d4fe \
	OS_REGION_NAME=jp-east-1 OS_INTERFACE=public
unset OS_CLOUD OS_TOKEN OS_PROJECT_NAME 2>/dev/null

# ok DESC CMD...: the command must exit 0; its stdout is in $OUT
ok() {
	desc=$1; shift
	STEPS=$((STEPS + 1))
	if OUT=$("$@" 2>"$WORK/err"); then
		echo "ok   $desc"
	else
		echo "FAIL $desc (exit $?): $(cat "$WORK/err")"
		FAILS=$((FAILS + 1))
	fi
}
# fails DESC PATTERN CMD...: the command must fail and print PATTERN on stderr
fails() {
	desc=$1; pat=$2; shift 2
	STEPS=$((STEPS + 1))
	if "$@" >"$WORK/out" 2>"$WORK/err"; then
		echo "FAIL $desc: exited 0"
		FAILS=$((FAILS + 1))
	elif grep -q -- "$pat" "$WORK/err"; then
		echo "ok   $desc: $(head -1 "$WORK/err")"
	else
		echo "FAIL $desc: no '$pat' in: $(cat "$WORK/err")"
		FAILS=$((FAILS + 1))
	fi
}
# is DESC GOT WANT
is() {
	STEPS=$((STEPS + 1))
	if [ "$2" = "$3" ]; then
		echo "ok   $1 = $3"
	else
		echo "FAIL $1: got '$2', want '$3'"
		FAILS=$((FAILS + 1))
	fi
}

# the command line itself
ok "mock k5 --help" "$VPNLAB" mock k5 --help
is "help names --listen" "$(echo "$OUT" | grep -c -- '--listen ADDR:PORT')" "2"
"$VPNLAB" mock k5 >/dev/null 2>&1; is "no --listen: usage exit" "$?" "2"
"$VPNLAB" mock k5 --listen 127.0.0.1:1 --bogus >/dev/null 2>&1; is "unknown option exit" "$?" "2"
"$VPNLAB" mock k5 --listen nowhere >/dev/null 2>&1; is "bad address exit" "$?" "2"
echo '{"vpnlab_k5_state": 1, "store": [' >"$WORK/bad.json"
"$VPNLAB" mock k5 --listen 127.0.0.1:0 --state "$WORK/bad.json" 2>"$WORK/err" >/dev/null
is "bad state file exit" "$?" "2"
is "bad state file message names FILE:LINE:COL" \
	"$(grep -c "$WORK/bad.json:[0-9]*:[0-9]*:" "$WORK/err")" "1"

start_mock

ok "network create" openstack network create net1 -f value -c id
NET=$OUT
ok "subnet create" openstack subnet create --network net1 --subnet-range 10.1.1.0/24 sub1 \
	-f value -c gateway_ip
is "subnet gateway" "$OUT" "10.1.1.1"
ok "router create" openstack router create r1 -f value -c id
ROUTER=$OUT
ok "router set --external-gateway" openstack router set --external-gateway inf_az1_ext-net01 r1
ok "router add subnet" openstack router add subnet r1 sub1
ok "router show" openstack router show r1 -f json
is "router gateway address" "$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["external_gateway_info"]["external_fixed_ips"][0]["ip_address"])')" "198.51.100.2"
is "router interface" "$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["interfaces_info"][0]["ip_address"])')" "10.1.1.1"

# the field note's values: aes-256 / sha1 / group14, lifetimes 86400 / 28800
ok "ike policy create" openstack vpn ike policy create --auth-algorithm sha1 \
	--encryption-algorithm aes-256 --phase1-negotiation-mode main --ike-version v1 \
	--pfs group14 --lifetime units=seconds,value=86400 ike1 -f value -c ID
IKE=$OUT
ok "ike policy set" openstack vpn ike policy set --description az1-ike ike1
fails "ike policy aggressive (K5: main only)" "is not in" openstack vpn ike policy create \
	--phase1-negotiation-mode aggressive ikeBad
ok "ipsec policy create" openstack vpn ipsec policy create --transform-protocol esp \
	--auth-algorithm sha1 --encapsulation-mode tunnel --encryption-algorithm aes-256 \
	--pfs group14 --lifetime units=seconds,value=28800 ipsec1 -f value -c ID
ok "vpn service create" openstack vpn service create --router r1 --subnet sub1 vpn1 \
	-f value -c Status
is "vpn service status" "$OUT" "PENDING_CREATE"
fails "second vpn service on the router (K5)" "VPN service" openstack vpn service create \
	--router r1 --subnet sub1 vpn2
ok "site connection create" openstack vpn ipsec site connection create --vpnservice vpn1 \
	--ikepolicy ike1 --ipsecpolicy ipsec1 --peer-address 192.0.2.1 --peer-id 192.0.2.1 \
	--psk secret --peer-cidr 10.2.1.0/24 --mtu 1400 \
	--dpd action=restart,interval=10,timeout=30 --initiator bi-directional conn1 \
	-f value -c ID
CONN=$OUT
fails "dpd timeout <= interval" "dpd_timeout is equal to or less than dpd_interval" \
	openstack vpn ipsec site connection create --vpnservice vpn1 --ikepolicy ike1 \
	--ipsecpolicy ipsec1 --peer-address 192.0.2.2 --peer-id 192.0.2.2 --psk s \
	--peer-cidr 10.4.1.0/24 --dpd action=hold,interval=30,timeout=30 connBad

ok "site connection list" openstack vpn ipsec site connection list -f value -c Name
is "listed connections" "$OUT" "conn1"
ok "site connection show by name" openstack vpn ipsec site connection show conn1 -f value -c MTU
is "mtu (sent as a string)" "$OUT" "1400"
ok "site connection show by id" openstack vpn ipsec site connection show "$CONN" -f value \
	-c "Peer CIDRs"
is "peer cidrs (sent as a string)" "$OUT" "['10.2.1.0/24']"
STATUS=
for _ in $(seq 40); do
	STATUS=$(openstack vpn ipsec site connection show conn1 -f value -c Status 2>/dev/null)
	[ "$STATUS" = ACTIVE ] && break
	sleep 0.25
done
is "connection status after the delay" "$STATUS" "ACTIVE"
ok "site connection set" openstack vpn ipsec site connection set --peer-cidr 10.3.0.0/24 \
	--dpd action=hold,interval=30,timeout=120 conn1
ok "site connection show after set" openstack vpn ipsec site connection show "$CONN" -f json
is "peer cidrs after set" "$(echo "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["Peer CIDRs"])')" "['10.3.0.0/24']"
is "dpd after set" "$(echo "$OUT" | python3 -c 'import json,sys; d=json.load(sys.stdin)["dpd"]; print(d["action"], d["interval"], d["timeout"])')" "hold 30 120"
ok "neutron CLI show" neutron vpn-ikepolicy-show ike1 -f value -c pfs
is "neutron ikepolicy pfs" "$OUT" "group14"
ok "neutron CLI site connection create" neutron ipsec-site-connection-create --name nconn \
	--vpnservice-id vpn1 --ikepolicy-id ike1 --ipsecpolicy-id ipsec1 --peer-address 192.0.2.9 \
	--peer-id 192.0.2.9 --psk x --peer-cidr 10.9.0.0/24 --mtu 1350 \
	--dpd action=restart,interval=10,timeout=30 -f value -c mtu
is "neutron CLI mtu (sent as a string)" "$OUT" "1350"
ok "neutron CLI site connection delete" neutron ipsec-site-connection-delete nconn
ok "ike policy show by id" openstack vpn ike policy show "$IKE" -f value -c Description
is "ike description" "$OUT" "az1-ike"

# in use: 409 as the CLI prints it
fails "delete ike policy in use (409)" "is in use by existing IPsecSiteConnection" \
	openstack vpn ike policy delete ike1
fails "delete vpn service in use (409)" "is still in use" openstack vpn service delete vpn1
fails "delete router in use (409)" "currently used by VPN service" openstack router delete r1

# Keystone's 401 for a bad token
CODE=$(curl -s -o "$WORK/401.json" -w '%{http_code}' -H 'X-Auth-Token: bogus' \
	"http://127.0.0.1:$PORT/v2.0/networks")
is "bad token status" "$CODE" "401"
is "401 body" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["title"])' "$WORK/401.json")" "Unauthorized"

# state survives a SIGTERM and a restart
kill -TERM "$PID"; wait "$PID"; RC=$?; PID=
is "mock exit on SIGTERM" "$RC" "0"
is "state file written" "$(test -s "$STATE" && echo yes)" "yes"
start_mock
ok "site connection after restart" openstack vpn ipsec site connection show conn1 -f value -c ID
is "same connection id" "$OUT" "$CONN"

ok "site connection delete" openstack vpn ipsec site connection delete conn1
ok "vpn service delete" openstack vpn service delete vpn1
ok "ike policy delete" openstack vpn ike policy delete ike1
ok "ipsec policy delete" openstack vpn ipsec policy delete ipsec1
ok "router remove subnet" openstack router remove subnet r1 sub1
ok "router unset gateway" openstack router unset --external-gateway r1
ok "router delete" openstack router delete "$ROUTER"
ok "subnet delete" openstack subnet delete sub1
ok "network delete" openstack network delete "$NET"
ok "site connection list (empty)" openstack vpn ipsec site connection list -f value -c ID
is "connections left" "$OUT" ""
ok "network list" openstack network list -f value -c Name
is "networks left" "$(echo "$OUT" | sort | tr '\n' ' ')" "inf_az1_ext-net01 inf_az2_ext-net01 "

echo "k5_openstack_cli: $STEPS checks, $FAILS failed"
[ "$FAILS" -eq 0 ]
