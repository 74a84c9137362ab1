// sacloud_client.js: drives Sakura Internet's own Node.js client (node-sacloud 0.0.16, the
// module behind its `sacloud` CLI) against an API root, as its README shows: one request
// through client.createRequest(...).send(). Usage:
//   node sacloud_client.js MODULE_DIR API_ROOT TOKEN SECRET list|show ID|power ID
// Prints the client's own view of the answer as one JSON object: the URL it built, the HTTP
// status, the response type and key it derived, and the response with its keys localised
// (lower camel case) by the client. Exit 1 when the client reports an error.
'use strict';

var path = require('path');
var a = process.argv.slice(2);
var sacloud = require(path.join(a[0], 'node_modules', 'sacloud'));
var client = sacloud.createClient({ accessToken: a[2], accessTokenSecret: a[3], apiRoot: a[1] });
var req;

if (a[4] === 'list')
	req = { method: 'GET', path: 'appliance', body: { Count: 0 } };
else if (a[4] === 'show' && a[5])
	req = { method: 'GET', path: 'appliance/' + a[5] };
else if (a[4] === 'power' && a[5])
	req = { method: 'PUT', path: 'appliance/' + a[5] + '/power' };
else {
	console.error('usage: sacloud_client.js MODULE_DIR API_ROOT TOKEN SECRET list|show ID|power ID');
	process.exit(2);
}

client.createRequest(req).send(function (err, result) {
	console.log(JSON.stringify({
		error: err ? String(err.message || err) : null,
		url: result.requestInfo.url,
		status: result.responseInfo.status,
		type: result.responseInfo.type,
		key: result.responseInfo.key,
		response: result.response
	}));
	process.exit(err ? 1 : 0);
});
