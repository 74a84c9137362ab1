#!/bin/sh
# sakura_sacloud.sh: Sakura Internet's own Node.js client, node-sacloud 0.0.16 (npm `sacloud`,
# the module behind its `sacloud` CLI; API 1.0 with a ".json" suffix, apiRoot configurable),
# against `vpnlab mock sakura`. VPC routers are created through the 1.1 API with curl, then
# the real client lists them, shows each, and boots one, through the 1.0 paths
# (/cloud/zone/ZONE/api/cloud/1.0/appliance.json, .../appliance/ID.json) and the zone-less
# root of its default apiRoot (/cloud/api/cloud/1.0/, the first zone served). The checks read
# the client's own view: the URL it built, the response type and key it derived, its
# success verdict (HTTP 2xx and is_ok: true) and the response keys it localised.
#
# The client is installed by ci/install-deps.sh from tests/sacloud/package.json (cli-table
# from the registry through an npm override: its own dependency is a git URL) into
# $VPNLAB_SACLOUD_DIR (default /var/cache/vpnlab/sacloud). Exit 0 pass, 1 fail, 77 skip.
set -u

SRC=$(cd "$(dirname "$0")/../.." && pwd)
NAME=sakura-sacloud
. "$SRC/tests/integration/lib_sakura_mock.sh"
DIR=${VPNLAB_SACLOUD_DIR:-/var/cache/vpnlab/sacloud}
TOKEN=it-token
SECRET=it-secret

command -v curl >/dev/null || skip "curl not installed"
command -v node >/dev/null || skip "node not installed"
[ -f "$DIR/node_modules/sacloud/package.json" ] ||
	skip "node-sacloud not in $DIR (ci/install-deps.sh test installs it)"

sakura_mock_start "$TOKEN" "$SECRET" 0.5
HOST=${ROOT%/cloud/zone}

# create ZONE NAME VERSION: a VPC router through the 1.1 API (curl), its ID on stdout
create() {
	curl -s -u "$TOKEN:$SECRET" -X POST "$ROOT/$1/api/cloud/1.1/appliance" --data-binary \
		"{\"Appliance\":{\"Class\":\"vpcrouter\",\"Name\":\"$2\",\"Plan\":{\"ID\":1},\"Remark\":{\"Switch\":{\"Scope\":\"shared\"},\"Servers\":[{}],\"Router\":{\"VPCRouterVersion\":$3}},\"Settings\":{\"Router\":{\"InternetConnection\":{\"Enabled\":\"True\"}}}}}" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["Appliance"]["ID"])'
}
# client ROOT ARGS...: the real client; its JSON view in $WORK/c, its exit status in RC
client() {
	r=$1; shift
	node "$SRC/tests/sacloud/sacloud_client.js" "$DIR" "$r" "$TOKEN" "$SECRET" "$@" \
		>"$WORK/c" 2>"$WORK/cerr"
	RC=$?
}
# judge WHAT PYTHON: assertions over the client's view (d), one Python run per view
judge() {
	python3 - "$WORK/c" "$2" <<'EOF' || fail "$1: $(cat "$WORK/c" "$WORK/cerr" 2>/dev/null)"
import json, sys
d = json.load(open(sys.argv[1]))
exec(sys.argv[2])
EOF
}

ID1=$(create is1a vpc-tokyo 1) || fail "create vpc-tokyo"
ID2=$(create is1a vpc-osaka 2) || fail "create vpc-osaka"
ID3=$(create tk1a vpc-zone-less 2) || fail "create vpc-zone-less"
echo "created $ID1 $ID2 (is1a), $ID3 (tk1a)"
V10="$ROOT/is1a/api/cloud/1.0/"

# list: GET appliance.json?{"Count":0}, the list envelope as "resources" under "appliances"
client "$V10" list
[ $RC -eq 0 ] || fail "list: the client reports an error"
judge list "
assert d['url'] == '${V10}appliance.json?{\"Count\":0}', d['url']
assert (d['type'], d['key']) == ('resources', 'appliances')
r = d['response']
assert (r['total'], r['count']) == (2, 2)
assert sorted(a['name'] for a in r['appliances']) == ['vpc-osaka', 'vpc-tokyo']
assert {a['class'] for a in r['appliances']} == {'vpcrouter'}
"

# show: GET appliance/ID.json, one "resource" under "appliance"
for id in $ID1 $ID2; do
	client "$V10" show "$id"
	[ $RC -eq 0 ] || fail "show $id: the client reports an error"
	judge "show $id" "
assert d['url'] == '${V10}appliance/$id.json?{}', d['url']
assert (d['type'], d['key']) == ('resource', 'appliance')
a = d['response']['appliance']
assert str(a['id']) == '$id' and a['class'] == 'vpcrouter'
assert a['name'] == {'$ID1': 'vpc-tokyo', '$ID2': 'vpc-osaka'}['$id']
"
done

# power on through the client (PUT appliance/ID/power.json), once the router is available
i=0
until curl -s -u "$TOKEN:$SECRET" "$ROOT/is1a/api/cloud/1.1/appliance/$ID2" | grep -q '"Availability":"available"'; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "vpc-osaka never available"
	sleep 0.1
done
client "$V10" power "$ID2"
[ $RC -eq 0 ] || fail "power: the client reports an error"
judge power "assert d['url'] == '${V10}appliance/$ID2/power.json' and d['response']['is_ok'] is True"
i=0
until curl -s -u "$TOKEN:$SECRET" "$ROOT/is1a/api/cloud/1.1/appliance/$ID2" | grep -q '"Status":"up"'; do
	i=$((i + 1)); [ $i -gt 100 ] && fail "vpc-osaka never up after the client's boot"
	sleep 0.1
done

# an unknown ID is a failure to the client, with the API's error body; a wrong secret 401
client "$V10" show 100000000000
[ $RC -eq 1 ] || fail "show unknown: the client took it for a success"
judge "show unknown" "assert d['status'] == 404 and d['response']['error_code'] == 'not_found'"
node "$SRC/tests/sacloud/sacloud_client.js" "$DIR" "$V10" "$TOKEN" wrong list >"$WORK/c" 2>&1
judge "wrong secret" "assert d['status'] == 401 and d['error'] is not None"

# the zone-less root of the client's default apiRoot is the first zone served (tk1a)
client "$HOST/cloud/api/cloud/1.0/" list
[ $RC -eq 0 ] || fail "zone-less list: the client reports an error"
judge "zone-less list" "assert [str(a['id']) for a in d['response']['appliances']] == ['$ID3']"

echo "node-sacloud: list, show, power, 404 and 401 through API 1.0"
