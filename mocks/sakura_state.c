/*
 * sakura_state.c: save and load the mock's store as one JSON file.
 *
 *   {"vpnlab":"sakura-mock-state","format":1,"now":lab_ns,"next_host":n,
 *    "shared_switch_id":id,"drbg_counter":n,
 *    "routers":[{"ID","Zone","Version","Doc","Running","Created","Availability",
 *                "AvailUntil","Power","PowerUntil","StatusChanged","MigratingV2","Stuck",
 *                "Repaired","Peers":[{"Peer","Up"}],"Log":[line...]}]}
 *
 * Times are lab_ns; on load they are shifted by (now at load - "now" at save), so a router
 * that was booting keeps booting for what was left. null stands for LAB_NEVER.
 */
#include "mocks/sakura_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STATE_MAGIC "sakura-mock-state"

static json_t *time_json(lab_ns t)
{
	return t == LAB_NEVER ? json_null() : json_integer(t);
}

static json_t *router_save(const struct sakura_router *r)
{
	json_t *o, *peers = json_array(), *log = json_array();

	for (size_t i = 0; i < r->npeers; i++)
		json_array_append_new(peers, json_pack("{s:s, s:b}", "Peer", r->peers[i].peer,
		                                       "Up", r->peers[i].up));
	for (size_t i = 0; i < r->nlog; i++)
		json_array_append_new(log, json_string(r->log[(r->log_head + i) % SAKURA_MAX_LOG]));
	o = json_pack("{s:I, s:s, s:i, s:O, s:O?, s:I, s:s, s:o, s:s, s:o, s:I, s:b, s:b, s:b, "
	              "s:o, s:o}",
	              "ID", (json_int_t)r->id, "Zone", r->zone, "Version", r->version,
	              "Doc", r->doc, "Running", r->running, "Created", (json_int_t)r->created,
	              "Availability", r->avail == SAKURA_AVAIL_MIGRATING ? "migrating" :
	                                                                 "available",
	              "AvailUntil", time_json(r->avail_until),
	              "Power", sakura_power_name(r->power), "PowerUntil",
	              time_json(r->power_until), "StatusChanged", (json_int_t)r->status_changed,
	              "MigratingV2", r->migrating_v2, "Stuck", r->stuck, "Repaired", r->repaired,
	              "Peers", peers, "Log", log);
	return o;
}

int sakura_mock_save(const struct sakura_mock *m, const char *file, char *err, size_t errlen)
{
	json_t *root, *routers = json_array();
	char tmp[4096];
	int rc = 0;

	for (size_t i = 0; routers && i < m->nrouters; i++)
		json_array_append_new(routers, router_save(m->routers[i]));
	root = json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:o}", "vpnlab", STATE_MAGIC,
	                 "format", 1, "now", (json_int_t)sakura_now(m), "next_host",
	                 (json_int_t)m->next_host, "shared_switch_id",
	                 (json_int_t)m->shared_switch_id, "drbg_counter",
	                 (json_int_t)m->drbg.counter, "routers", routers);
	if (!root) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", file) >= sizeof tmp) {
		snprintf(err, errlen, "%s: path too long", file);
		rc = -ENAMETOOLONG;
		goto out;
	}
	if (json_dump_file(root, tmp, JSON_INDENT(1)) != 0) {
		rc = errno ? -errno : -EIO;
		snprintf(err, errlen, "%s: cannot write: %s", tmp, strerror(-rc));
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, file) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: cannot rename %s to it: %s", file, tmp, strerror(-rc));
		unlink(tmp);
	}
out:
	json_decref(root);
	return rc;
}

static int bad(char *err, size_t errlen, const char *file, size_t i, const char *what)
{
	snprintf(err, errlen, "%s: routers[%zu].%s", file, i, what);
	return -EINVAL;
}

static int time_get(const json_t *o, const char *key, lab_ns shift, lab_ns *out)
{
	const json_t *v = json_object_get(o, key);

	if (json_is_null(v)) {
		*out = LAB_NEVER;
		return 0;
	}
	if (!json_is_integer(v))
		return -EINVAL;
	*out = (lab_ns)json_integer_value(v) + shift;
	return 0;
}

static int router_load(struct sakura_router *r, const json_t *o, lab_ns shift, const char *file,
                       size_t i, char *err, size_t errlen)
{
	const json_t *v, *p;
	const char *s;
	char msg[400];
	lab_ns t;
	size_t k;

	if (!json_is_object(o))
		return bad(err, errlen, file, i, "(router): expected an object");
	if (sakura_json_id(json_object_get(o, "ID"), &r->id))
		return bad(err, errlen, file, i, "ID: expected a numeric ID");
	s = json_string_value(json_object_get(o, "Zone"));
	if (!s || !*s || strlen(s) >= sizeof r->zone)
		return bad(err, errlen, file, i, "Zone: expected a zone name");
	strcpy(r->zone, s);
	v = json_object_get(o, "Version");
	if (!json_is_integer(v) || (json_integer_value(v) != 1 && json_integer_value(v) != 2))
		return bad(err, errlen, file, i, "Version: expected 1 or 2");
	r->version = (int)json_integer_value(v);
	v = json_object_get(o, "Doc");
	if (!json_is_object(v) || !json_is_array(json_object_get(v, "Interfaces")) ||
	    !json_is_object(json_object_get(v, "Remark")))
		return bad(err, errlen, file, i, "Doc: expected the stored Appliance object");
	if (sakura_settings_check(json_object_get(v, "Settings"), r->version, msg, sizeof msg)) {
		snprintf(err, errlen, "%s: routers[%zu].Doc.%s", file, i, msg);
		return -EINVAL;
	}
	r->doc = json_deep_copy(v);
	v = json_object_get(o, "Running");
	if (v && !json_is_null(v)) {
		json_t *wrap;
		int rc;

		if (!json_is_object(v))
			return bad(err, errlen, file, i, "Running: expected an object or null");
		wrap = json_pack("{s:O}", "Router", v);
		rc = sakura_settings_check(wrap, r->version, msg, sizeof msg);
		json_decref(wrap);
		if (rc) {
			snprintf(err, errlen, "%s: routers[%zu].Running (as %s)", file, i, msg);
			return -EINVAL;
		}
		r->running = json_deep_copy(v);
	}
	if (!r->doc || (v && !json_is_null(v) && !r->running)) {
		snprintf(err, errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	if (time_get(o, "Created", shift, &r->created) || r->created == LAB_NEVER)
		return bad(err, errlen, file, i, "Created: expected lab nanoseconds");
	if (time_get(o, "StatusChanged", shift, &r->status_changed) ||
	    r->status_changed == LAB_NEVER)
		return bad(err, errlen, file, i, "StatusChanged: expected lab nanoseconds");
	s = json_string_value(json_object_get(o, "Availability"));
	if (!s || (strcmp(s, "migrating") && strcmp(s, "available")))
		return bad(err, errlen, file, i, "Availability: expected migrating or available");
	r->avail = !strcmp(s, "migrating") ? SAKURA_AVAIL_MIGRATING : SAKURA_AVAIL_AVAILABLE;
	if (time_get(o, "AvailUntil", shift, &t))
		return bad(err, errlen, file, i, "AvailUntil: expected lab nanoseconds or null");
	r->avail_until = t;
	s = json_string_value(json_object_get(o, "Power"));
	for (r->power = SAKURA_POWER_DOWN; s && r->power <= SAKURA_POWER_CLEANING; r->power++)
		if (!strcmp(s, sakura_power_name(r->power)))
			break;
	if (!s || r->power > SAKURA_POWER_CLEANING)
		return bad(err, errlen, file, i, "Power: expected down, booting, up or cleaning");
	if (time_get(o, "PowerUntil", shift, &t))
		return bad(err, errlen, file, i, "PowerUntil: expected lab nanoseconds or null");
	r->power_until = t;
	if (!json_is_boolean(json_object_get(o, "MigratingV2")) ||
	    !json_is_boolean(json_object_get(o, "Stuck")) ||
	    !json_is_boolean(json_object_get(o, "Repaired")))
		return bad(err, errlen, file, i, "MigratingV2/Stuck/Repaired: expected booleans");
	r->migrating_v2 = json_is_true(json_object_get(o, "MigratingV2"));
	r->stuck = json_is_true(json_object_get(o, "Stuck"));
	r->repaired = json_is_true(json_object_get(o, "Repaired"));
	v = json_object_get(o, "Peers");
	if (!json_is_array(v) || json_array_size(v) > SAKURA_MAX_PEERS)
		return bad(err, errlen, file, i, "Peers: expected an array");
	json_array_foreach(v, k, p) {
		uint32_t a;

		s = json_string_value(json_object_get(p, "Peer"));
		if (!s || sakura_ipv4_parse(s, &a) || !json_is_boolean(json_object_get(p, "Up")))
			return bad(err, errlen, file, i, "Peers[]: expected {\"Peer\":ip,\"Up\":bool}");
		snprintf(r->peers[k].peer, sizeof r->peers[k].peer, "%s", s);
		r->peers[k].up = json_is_true(json_object_get(p, "Up"));
		r->npeers = k + 1;
	}
	v = json_object_get(o, "Log");
	if (!json_is_array(v))
		return bad(err, errlen, file, i, "Log: expected an array of strings");
	json_array_foreach(v, k, p) {
		char *line;

		if (!json_is_string(p) || strchr(json_string_value(p), '\n'))
			return bad(err, errlen, file, i, "Log[]: expected one-line strings");
		line = strdup(json_string_value(p));
		if (!line) {
			snprintf(err, errlen, "%s: out of memory", file);
			return -ENOMEM;
		}
		sakura_router_log_push(r, line);
	}
	return 0;
}

int sakura_mock_load(struct sakura_mock *m, const char *file, char *err, size_t errlen)
{
	struct sakura_router **list = NULL;
	size_t n = 0, i;
	json_error_t je;
	json_t *root, *routers, *v;
	uint64_t switch_id;
	lab_ns shift;
	int rc = -EINVAL;

	root = json_load_file(file, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (je.line <= 0 && je.position == 0)
			snprintf(err, errlen, "%s: %s", file, je.text);
		else
			snprintf(err, errlen, "%s:%d:%d: %s (byte %d)", file, je.line, je.column,
			         je.text, je.position);
		return access(file, R_OK) ? -errno : -EINVAL;
	}
	if (!json_is_object(root) ||
	    strcmp(json_string_value(json_object_get(root, "vpnlab")) ?
	           json_string_value(json_object_get(root, "vpnlab")) : "", STATE_MAGIC) ||
	    !json_is_integer(json_object_get(root, "format")) ||
	    json_integer_value(json_object_get(root, "format")) != 1) {
		snprintf(err, errlen, "%s: not a vpnlab Sakura mock state file (format 1)", file);
		goto out;
	}
	v = json_object_get(root, "now");
	if (!json_is_integer(v)) {
		snprintf(err, errlen, "%s: now: expected lab nanoseconds", file);
		goto out;
	}
	shift = sakura_now(m) - (lab_ns)json_integer_value(v);
	if (!json_is_integer(json_object_get(root, "next_host")) ||
	    json_integer_value(json_object_get(root, "next_host")) < 1 ||
	    sakura_json_id(json_object_get(root, "shared_switch_id"), &switch_id) ||
	    !json_is_integer(json_object_get(root, "drbg_counter"))) {
		snprintf(err, errlen, "%s: next_host / shared_switch_id / drbg_counter: expected "
		         "integers", file);
		goto out;
	}
	routers = json_object_get(root, "routers");
	if (!json_is_array(routers)) {
		snprintf(err, errlen, "%s: routers: expected an array", file);
		goto out;
	}
	list = calloc(json_array_size(routers) + 1, sizeof *list);
	if (!list) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: out of memory", file);
		goto out;
	}
	json_array_foreach(routers, i, v) {
		list[n] = calloc(1, sizeof *list[n]);
		if (!list[n]) {
			rc = -ENOMEM;
			snprintf(err, errlen, "%s: out of memory", file);
			goto out;
		}
		n++;
		rc = router_load(list[n - 1], v, shift, file, i, err, errlen);
		if (rc)
			goto out;
		for (size_t k = 0; k + 1 < n; k++)
			if (list[k]->id == list[n - 1]->id) {
				rc = bad(err, errlen, file, i, "ID: duplicate");
				goto out;
			}
	}
	/* success: replace the store */
	for (i = 0; i < m->nrouters; i++)
		sakura_router_free(m->routers[i]);
	free(m->routers);
	m->routers = list;
	m->nrouters = m->cap = n;
	if (!n) {
		free(list);
		m->routers = NULL;
	}
	list = NULL;
	n = 0;
	m->shared_switch_id = switch_id;
	m->next_host = (uint32_t)json_integer_value(json_object_get(root, "next_host"));
	m->drbg.counter = (uint64_t)json_integer_value(json_object_get(root, "drbg_counter"));
	m->drbg.have = 0;
	rc = 0;
out:
	for (i = 0; i < n; i++)
		sakura_router_free(list[i]);
	free(list);
	json_decref(root);
	return rc;
}
