/*
 * sakura_find.c: GET /appliance?{json}: Filter, Sort, From, Count and the list envelope
 * {"Total","From","Count","Appliances"} (notes §1.3, §1.4).
 */
#include "mocks/sakura_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static char *filter_str(const json_t *v)
{
	const char *s = json_string_value(v);

	return s ? sakura_pct_decode(s, strlen(s)) : NULL;
}

static bool contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return !n;
}

/* Partial match, words AND-ed (a space or an encoded %20 separates them). */
static bool match_words(const char *value, const json_t *filter)
{
	char *words = filter_str(filter), *save = NULL, *w;
	bool ok = true;

	if (!words)
		return false;
	for (w = strtok_r(words, " ", &save); w && ok; w = strtok_r(NULL, " ", &save))
		ok = contains_ci(value, w);
	free(words);
	return ok;
}

/* Exact match of any element (OR), or partial words for a plain string. */
static bool match_field(const char *value, const json_t *filter, bool exact)
{
	size_t i;
	json_t *e;

	if (json_is_string(filter)) {
		char *d;
		bool ok;

		if (!exact)
			return match_words(value, filter);
		d = filter_str(filter);
		ok = d && !strcmp(d, value);
		free(d);
		return ok;
	}
	if (json_is_array(filter)) {
		json_array_foreach(filter, i, e) {
			char num[24];
			const char *s = NULL;
			char *d = NULL;
			bool ok;

			if (json_is_integer(e)) {
				snprintf(num, sizeof num, "%lld", (long long)json_integer_value(e));
				s = num;
			} else if (json_is_string(e)) {
				s = d = filter_str(e);
			}
			ok = s && (exact ? !strcmp(s, value) : contains_ci(value, s));
			free(d);
			if (ok)
				return true;
		}
		return false;
	}
	if (json_is_integer(filter)) {
		char num[24];

		snprintf(num, sizeof num, "%lld", (long long)json_integer_value(filter));
		return !strcmp(num, value);
	}
	return false;
}

static bool has_tag(const json_t *tags, const char *tag)
{
	size_t i;
	json_t *t;

	json_array_foreach(tags, i, t)
		if (json_is_string(t) && !strcmp(json_string_value(t), tag))
			return true;
	return false;
}

/* "Tags.Name": [["t1","t2"]] or ["t1","t2"]: every tag must be present (AND). */
static bool match_tags(const json_t *tags, const json_t *filter)
{
	size_t i;
	json_t *e;

	if (json_is_string(filter)) {
		char *d = filter_str(filter);
		bool ok = d && has_tag(tags, d);

		free(d);
		return ok;
	}
	json_array_foreach(filter, i, e) {
		if (json_is_array(e)) {
			if (!match_tags(tags, e))
				return false;
		} else {
			char *d = filter_str(e);
			bool ok = d && has_tag(tags, d);

			free(d);
			if (!ok)
				return false;
		}
	}
	return true;
}

static bool router_matches(const struct sakura_router *r, const json_t *filter)
{
	const char *key;
	char id[24];
	json_t *v;

	snprintf(id, sizeof id, "%llu", (unsigned long long)r->id);
	json_object_foreach((json_t *)filter, key, v) {
		const json_t *doc = r->doc;
		bool ok = true;

		if (!strcmp(key, "ID"))
			ok = match_field(id, v, true);
		else if (!strcmp(key, "Name"))
			ok = match_field(json_string_value(json_object_get(doc, "Name")), v, false);
		else if (!strcmp(key, "Description"))
			ok = match_field(json_string_value(json_object_get(doc, "Description")), v,
			                 false);
		else if (!strcmp(key, "Class"))
			ok = match_field("vpcrouter", v, false);
		else if (!strcmp(key, "Tags.Name") || !strcmp(key, "Tags"))
			ok = match_tags(json_object_get(doc, "Tags"), v);
		else if (!strcmp(key, "Availability"))
			ok = match_field(r->avail == SAKURA_AVAIL_MIGRATING ? "migrating" :
			                 "available", v, true);
		else if (!strcmp(key, "Instance.Status"))
			ok = match_field(sakura_status_text(r->power), v, true);
		/* other keys: ignored, as IAAS's fake driver does (notes §6) */
		if (!ok)
			return false;
	}
	return true;
}

struct sort_key {
	char field[16];
	bool desc;
};

static int sort_cmp(const struct sakura_router *a, const struct sakura_router *b,
                    const struct sort_key *keys, size_t nkeys)
{
	for (size_t k = 0; k < nkeys; k++) {
		int d = 0;

		if (!strcmp(keys[k].field, "ID"))
			d = a->id < b->id ? -1 : a->id > b->id;
		else if (!strcmp(keys[k].field, "Name"))
			d = strcmp(json_string_value(json_object_get(a->doc, "Name")),
			           json_string_value(json_object_get(b->doc, "Name")));
		else if (!strcmp(keys[k].field, "CreatedAt"))
			d = a->created < b->created ? -1 : a->created > b->created;
		if (d)
			return keys[k].desc ? -d : d;
	}
	return 0;
}

static int find_params(struct sakura_call *c, long long *from, long long *count, json_t **filter,
                       struct sort_key *keys, size_t *nkeys)
{
	const json_t *q = c->query, *v, *s;
	const char *names[] = { "From", "Count" };
	long long *dst[] = { from, count };
	size_t i;

	*from = *count = 0;
	*filter = NULL;
	*nkeys = 0;
	for (int k = 0; k < 2; k++) {
		v = json_object_get(q, names[k]);
		if (!v || json_is_null(v))
			continue;
		if (!json_is_integer(v) || json_integer_value(v) < 0) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.%s: expected an integer "
			                   ">= 0", names[k]);
			return -EINVAL;
		}
		*dst[k] = json_integer_value(v);
	}
	v = json_object_get(q, "Filter");
	if (v && !json_is_null(v)) {
		if (!json_is_object(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Filter: expected an "
			                   "object");
			return -EINVAL;
		}
		*filter = (json_t *)v;
	}
	v = json_object_get(q, "Sort");
	if (json_is_string(v) || (v && !json_is_null(v) && !json_is_array(v))) {
		if (!json_is_string(v)) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort: expected an array "
			                   "of field names");
			return -EINVAL;
		}
	}
	for (i = 0; v && i < (json_is_array(v) ? json_array_size(v) : 1); i++) {
		const char *f;

		s = json_is_array(v) ? json_array_get(v, i) : v;
		f = json_string_value(s);
		if (!f) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort[%zu]: expected a "
			                   "string", i);
			return -EINVAL;
		}
		if (*nkeys == 4)
			break;
		keys[*nkeys].desc = *f == '-';
		f += *f == '-';
		if (strcmp(f, "ID") && strcmp(f, "Name") && strcmp(f, "CreatedAt")) {
			sakura_reply_error(c->m, c->resp, 400, NULL, "query.Sort[%zu]: '%.32s': "
			                   "vpnlab sorts by ID, Name or CreatedAt", i, f);
			return -EINVAL;
		}
		snprintf(keys[*nkeys].field, sizeof keys[0].field, "%s", f);
		(*nkeys)++;
	}
	return 0;
}

void sakura_appliance_find(struct sakura_call *c)
{
	struct sakura_mock *m = c->m;
	struct sakura_router **hits;
	struct sort_key keys[4];
	long long from, count;
	size_t nkeys, n = 0, shown = 0;
	json_t *filter, *list;

	if (find_params(c, &from, &count, &filter, keys, &nkeys))
		return;
	hits = calloc(m->nrouters + 1, sizeof *hits);
	list = json_array();
	if (!hits || !list) {
		free(hits);
		json_decref(list);
		sakura_reply_error(m, c->resp, 500, NULL, "out of memory");
		return;
	}
	for (size_t i = 0; i < m->nrouters; i++)
		if (!strcmp(m->routers[i]->zone, c->zone) &&
		    (!filter || router_matches(m->routers[i], filter)))
			hits[n++] = m->routers[i];
	/* insertion sort: stable, and lists are small */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && sort_cmp(hits[j - 1], hits[j], keys, nkeys) > 0; j--) {
			struct sakura_router *t = hits[j];

			hits[j] = hits[j - 1];
			hits[j - 1] = t;
		}
	for (size_t i = (size_t)from; i < n && (count == 0 || (long long)shown < count); i++) {
		json_array_append_new(list, sakura_render_appliance(m, hits[i], c->bigint_int));
		shown++;
	}
	free(hits);
	/* the list envelope (notes §1.4), with is_ok as on every answer: node-sacloud, Sakura's
	 * own client, takes a list without is_ok: true for a failure */
	sakura_reply(c->resp, 200, json_pack("{s:I, s:I, s:I, s:o, s:b}", "Total", (json_int_t)n,
	                                     "From", (json_int_t)from, "Count",
	                                     (json_int_t)shown, "Appliances", list, "is_ok", 1),
	             c->pretty);
}

