/*
 * scenario_load.c: YAML tree -> struct scenario, collecting every problem with its position
 * (see scenario.h; the format is docs/scenario-format.md). The cross-reference checks live in
 * scenario_check.c.
 */
#include "harness/scenario.h"
#include "harness/scenario_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "harness/yaml_tree.h"

void ld_error(struct ld *ld, int line, int col, const char *fmt, ...)
{
	char msg[512], *full;
	va_list ap;
	int n;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	n = snprintf(NULL, 0, "%s:%d:%d: %s", ld->file, line, col, msg);
	full = malloc((size_t)n + 1);
	if (!full)
		return;
	snprintf(full, (size_t)n + 1, "%s:%d:%d: %s", ld->file, line, col, msg);
	if (ld->d->n == ld->d->cap) {
		size_t cap = ld->d->cap ? 2 * ld->d->cap : 16;
		char **l = realloc(ld->d->lines, cap * sizeof *l);

		if (!l) {
			free(full);
			return;
		}
		ld->d->lines = l;
		ld->d->cap = cap;
	}
	ld->d->lines[ld->d->n++] = full;
	ld->errors++;
}

#define ERR(ld, node, ...) ld_error((ld), (node)->line, (node)->col, __VA_ARGS__)

static struct sc_pos pos_of(struct ld *ld, const struct ynode *n)
{
	struct sc_pos p = { ld->sc->file, n->line, n->col };

	return p;
}

static const char *type_name(const struct ynode *n)
{
	return n->type == Y_MAP ? "a map" : n->type == Y_SEQ ? "a list" : "a value";
}

static bool want(struct ld *ld, const struct ynode *n, enum ytype t, const char *what)
{
	if (n->type == t)
		return true;
	ERR(ld, n, "%s: expected %s, got %s", what,
	    t == Y_MAP ? "a map" : t == Y_SEQ ? "a list" : "a value", type_name(n));
	return false;
}

/* Unknown and duplicate keys of a map, at the key's position. */
static void check_keys(struct ld *ld, const struct ynode *map, const char *const *allowed,
                       const char *where)
{
	for (size_t i = 0; i < map->n; i++) {
		const char *k = map->keys[i]->text;
		bool ok = false;

		for (const char *const *a = allowed; *a; a++)
			ok |= !strcmp(*a, k);
		if (!ok) {
			char list[256] = "";
			size_t used = 0;

			for (const char *const *a = allowed; *a && used < sizeof list; a++)
				used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
				                         a == allowed ? "" : ", ", *a);
			ERR(ld, map->keys[i], "unknown key '%s' in %s (expected: %s)", k, where, list);
		}
		for (size_t j = 0; j < i; j++)
			if (!strcmp(map->keys[j]->text, k)) {
				ERR(ld, map->keys[i], "duplicate key '%s' in %s (first at line %d)", k,
				    where, map->keys[j]->line);
				break;
			}
	}
}

bool ld_valid_name(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n >= max || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '.' && s[i] != '-')
			return false;
	return true;
}

/* Copy a name already checked with ld_valid_name (so it fits). */
static void copy_name(char *dst, size_t max, const char *src)
{
	size_t n = strnlen(src, max - 1);

	memcpy(dst, src, n);
	dst[n] = 0;
}

static bool get_name(struct ld *ld, const struct ynode *n, char *out, size_t max,
                     const char *what)
{
	if (!want(ld, n, Y_SCALAR, what))
		return false;
	if (!ld_valid_name(n->text, max)) {
		ERR(ld, n, "%s '%s': 1 to %zu characters of A-Z a-z 0-9 _ . -, starting with a letter "
		    "or digit", what, n->text, max - 1);
		return false;
	}
	snprintf(out, max, "%s", n->text);
	return true;
}

static bool get_bool(struct ld *ld, const struct ynode *n, bool *out, const char *what)
{
	if (!want(ld, n, Y_SCALAR, what))
		return false;
	if (!n->quoted && (!strcmp(n->text, "true") || !strcmp(n->text, "yes"))) {
		*out = true;
		return true;
	}
	if (!n->quoted && (!strcmp(n->text, "false") || !strcmp(n->text, "no"))) {
		*out = false;
		return true;
	}
	ERR(ld, n, "%s: expected true or false, got '%s'", what, n->text);
	return false;
}

static bool get_int(struct ld *ld, const struct ynode *n, long long lo, long long hi,
                    long long *out, const char *what)
{
	char *end;
	long long v;

	if (!want(ld, n, Y_SCALAR, what))
		return false;
	errno = 0;
	v = strtoll(n->text, &end, 10);
	if (!n->text[0] || *end || errno || n->quoted) {
		ERR(ld, n, "%s: expected a whole number, got '%s'", what, n->text);
		return false;
	}
	if (v < lo || v > hi) {
		ERR(ld, n, "%s: %lld is out of range (%lld to %lld)", what, v, lo, hi);
		return false;
	}
	*out = v;
	return true;
}

static bool get_intv(struct ld *ld, const struct ynode *n, long long lo, long long hi, int *out,
                     const char *what)
{
	long long v;

	if (!get_int(ld, n, lo, hi, &v, what))
		return false;
	*out = (int)v;
	return true;
}

static bool get_duration(struct ld *ld, const struct ynode *n, lab_ns *out, bool positive,
                         const char *what)
{
	if (!want(ld, n, Y_SCALAR, what))
		return false;
	if (sc_parse_duration(n->text, out) < 0) {
		ERR(ld, n, "%s: expected a duration with a unit like 30s, 250ms, 8h or 1h30m, got '%s'",
		    what, n->text);
		return false;
	}
	if (positive && *out <= 0) {
		ERR(ld, n, "%s: must be longer than 0", what);
		return false;
	}
	return true;
}

static bool get_size(struct ld *ld, const struct ynode *n, uint64_t *out, const char *what)
{
	if (!want(ld, n, Y_SCALAR, what))
		return false;
	if (sc_parse_size(n->text, out) < 0) {
		ERR(ld, n, "%s: expected a size like 1400, 1.5KiB or 10MiB, got '%s'", what, n->text);
		return false;
	}
	return true;
}

static bool get_ifname(struct ld *ld, const struct ynode *n, char *out, const char *what)
{
	return get_name(ld, n, out, SC_IFNAME_MAX, what);
}

/* ---- topology ---- */

static void *grow(void *arr, size_t n, size_t size)
{
	void *p = realloc(arr, (n + 1) * size);

	if (p)
		memset((char *)p + n * size, 0, size);
	return p;
}

static const char *const filter_keys[] = { "match", "port", "iface", "after", "enabled", NULL };

static void load_filter(struct ld *ld, struct sc_node *node, const struct ynode *key,
                        const struct ynode *v)
{
	struct sc_filter *f, *arr = grow(node->filters, node->nfilters, sizeof *arr);
	const struct ynode *x;
	char where[96];

	if (!arr)
		return;
	node->filters = arr;
	f = &arr[node->nfilters++];
	f->enabled = true;
	f->pos = pos_of(ld, key);
	get_name(ld, key, f->name, SC_NAME_MAX, "filter name");
	snprintf(where, sizeof where, "filter '%s' of node '%s'", f->name, node->name);
	if (!want(ld, v, Y_MAP, where))
		return;
	check_keys(ld, v, filter_keys, where);
	if ((x = ytree_get(v, "match")) && want(ld, x, Y_SCALAR, "match")) {
		static const char *const names[] = { "esp", "ike", "udp", "tcp", "icmp", "all" };
		bool ok = false;

		for (int i = 0; i < 6; i++)
			if (!strcmp(x->text, names[i])) {
				f->match = (enum sc_filter_match)i;
				ok = true;
			}
		if (!ok)
			ERR(ld, x, "match: expected esp, ike, udp, tcp, icmp or all, got '%s'", x->text);
	} else if (!x) {
		ERR(ld, v, "%s: 'match' is required (esp, ike, udp, tcp, icmp or all)", where);
	}
	if ((x = ytree_get(v, "port")))
		get_intv(ld, x, 1, 65535, &f->port, "port");
	if ((x = ytree_get(v, "iface")))
		get_ifname(ld, x, f->iface, "iface");
	if ((x = ytree_get(v, "after"))) {
		long long a;

		if (get_int(ld, x, 0, 1000000000, &a, "after"))
			f->after = (uint64_t)a;
	}
	if ((x = ytree_get(v, "enabled")))
		get_bool(ld, x, &f->enabled, "enabled");
	/* port with the right matches only (the check needs both keys) */
	if (f->match == SC_MATCH_UDP || f->match == SC_MATCH_TCP) {
		if (!ytree_get(v, "port"))
			ERR(ld, v, "%s: match %s needs a port", where, f->match == SC_MATCH_UDP ? "udp" : "tcp");
	} else if ((x = ytree_get(v, "port"))) {
		ERR(ld, x, "port: only match udp or tcp takes a port");
	}
}

static const char *const node_keys[] = { "forward", "nat", "mss_clamp", "filters", NULL };

static void load_node(struct ld *ld, const struct ynode *key, const struct ynode *v)
{
	struct sc_node *n, *arr = grow(ld->sc->nodes, ld->sc->nnodes, sizeof *arr);
	const struct ynode *x;
	char where[64];

	if (!arr)
		return;
	ld->sc->nodes = arr;
	n = &arr[ld->sc->nnodes++];
	n->pos = pos_of(ld, key);
	get_name(ld, key, n->name, SC_NAME_MAX, "node name");
	snprintf(where, sizeof where, "node '%s'", n->name);
	if (v->type == Y_SCALAR && !v->text[0])
		return;                 /* "office:" with nothing: a plain host */
	if (!want(ld, v, Y_MAP, where))
		return;
	check_keys(ld, v, node_keys, where);
	if ((x = ytree_get(v, "forward")))
		get_bool(ld, x, &n->forward, "forward");
	if ((x = ytree_get(v, "nat")) && want(ld, x, Y_MAP, "nat")) {
		static const char *const k[] = { "masquerade", NULL };
		const struct ynode *m;

		check_keys(ld, x, k, "nat");
		if ((m = ytree_get(x, "masquerade")))
			get_ifname(ld, m, n->masquerade, "masquerade");
		else
			ERR(ld, x, "nat: 'masquerade: IFACE' is required");
	}
	if ((x = ytree_get(v, "mss_clamp")) && want(ld, x, Y_MAP, "mss_clamp")) {
		static const char *const k[] = { "iface", "mss", NULL };
		const struct ynode *m;

		check_keys(ld, x, k, "mss_clamp");
		n->has_mss_clamp = true;
		if ((m = ytree_get(x, "iface")))
			get_ifname(ld, m, n->mss_iface, "iface");
		if ((m = ytree_get(x, "mss")))
			get_intv(ld, m, 88, 65495, &n->mss, "mss");
	}
	if ((x = ytree_get(v, "filters")) && want(ld, x, Y_MAP, "filters"))
		for (size_t i = 0; i < x->n; i++)
			load_filter(ld, n, x->keys[i], x->items[i]);
}

static void load_segment(struct ld *ld, const struct ynode *key, const struct ynode *v)
{
	static const char *const k[] = { "mtu", NULL };
	struct sc_segment *s, *arr = grow(ld->sc->segments, ld->sc->nsegments, sizeof *arr);
	const struct ynode *x;

	if (!arr)
		return;
	ld->sc->segments = arr;
	s = &arr[ld->sc->nsegments++];
	s->pos = pos_of(ld, key);
	get_name(ld, key, s->name, SC_NAME_MAX, "segment name");
	if (v->type == Y_SCALAR && !v->text[0])
		return;
	if (!want(ld, v, Y_MAP, "segment"))
		return;
	check_keys(ld, v, k, "segment");
	if ((x = ytree_get(v, "mtu")))
		get_intv(ld, x, 576, 65535, &s->mtu, "mtu");
}

/* "node:iface ADDR ADDR" or "segment" */
static void load_end(struct ld *ld, const struct ynode *v, struct sc_end *e)
{
	char buf[512], *tok, *save = NULL, *colon;

	e->pos = pos_of(ld, v);
	if (!want(ld, v, Y_SCALAR, "link end"))
		return;
	snprintf(buf, sizeof buf, "%s", v->text);
	tok = strtok_r(buf, " \t", &save);
	if (!tok) {
		ERR(ld, v, "link end: expected 'node:iface ADDRESS/LEN' or a segment name");
		return;
	}
	colon = strchr(tok, ':');
	if (colon) {
		*colon = 0;
		if (!ld_valid_name(tok, SC_NAME_MAX))
			ERR(ld, v, "link end '%s': '%s' is not a valid node name", v->text, tok);
		else
			snprintf(e->node, sizeof e->node, "%s", tok);
		if (!ld_valid_name(colon + 1, SC_IFNAME_MAX))
			ERR(ld, v, "link end '%s': '%s' is not a valid interface name (1 to 15 "
			    "characters)", v->text, colon + 1);
		else
			snprintf(e->iface, sizeof e->iface, "%s", colon + 1);
	} else {
		if (!ld_valid_name(tok, SC_NAME_MAX))
			ERR(ld, v, "link end '%s': expected 'node:iface' or a segment name", v->text);
		else
			snprintf(e->node, sizeof e->node, "%s", tok);
		e->is_segment = true;
	}
	while ((tok = strtok_r(NULL, " \t", &save))) {
		struct sc_prefix p;

		if (e->is_segment) {
			ERR(ld, v, "link end '%s': a segment end takes no address (addresses belong to "
			    "node interfaces)", v->text);
			break;
		}
		if (sc_parse_prefix(tok, &p, true) < 0) {
			ERR(ld, v, "link end '%s': '%s' is not an address with a prefix length like "
			    "192.0.2.1/24 or 2001:db8::1/64", v->text, tok);
			continue;
		}
		if (e->naddrs == SC_ADDRS_MAX) {
			ERR(ld, v, "link end '%s': at most %d addresses", v->text, SC_ADDRS_MAX);
			break;
		}
		e->addrs[e->naddrs++] = p;
	}
}

static void load_link(struct ld *ld, const struct ynode *v)
{
	struct sc_link *l, *arr = grow(ld->sc->links, ld->sc->nlinks, sizeof *arr);
	const struct ynode *ends = v, *x;

	if (!arr)
		return;
	ld->sc->links = arr;
	l = &arr[ld->sc->nlinks++];
	l->pos = pos_of(ld, v);
	if (v->type == Y_MAP) {
		static const char *const k[] = { "ends", "mtu", NULL };

		check_keys(ld, v, k, "link");
		ends = ytree_get(v, "ends");
		if (!ends) {
			ERR(ld, v, "link: 'ends: [A, B]' is required");
			return;
		}
		if ((x = ytree_get(v, "mtu")))
			get_intv(ld, x, 576, 65535, &l->mtu, "mtu");
	}
	if (!want(ld, ends, Y_SEQ, "link"))
		return;
	if (ends->n != 2) {
		ERR(ld, ends, "link: expected exactly two ends, got %zu", ends->n);
		return;
	}
	load_end(ld, ends->items[0], &l->ends[0]);
	load_end(ld, ends->items[1], &l->ends[1]);
}

static void load_route(struct ld *ld, struct sc_node *n, const struct ynode *v)
{
	struct sc_route *r, *arr = grow(n->routes, n->nroutes, sizeof *arr);
	char buf[256], *tok[8], *save = NULL;
	int nt = 0, i = 1;

	if (!arr)
		return;
	n->routes = arr;
	r = &arr[n->nroutes++];
	r->pos = pos_of(ld, v);
	if (!want(ld, v, Y_SCALAR, "route"))
		return;
	snprintf(buf, sizeof buf, "%s", v->text);
	for (char *t = strtok_r(buf, " \t", &save); t && nt < 8; t = strtok_r(NULL, " \t", &save))
		tok[nt++] = t;
	if (nt < 3 || nt % 2 == 0)
		goto bad;
	if (strcmp(tok[0], "default")) {
		if (sc_parse_prefix(tok[0], &r->dst, true) < 0) {
			ERR(ld, v, "route '%s': '%s' is not a prefix like 10.1.0.0/16 (or 'default')",
			    v->text, tok[0]);
			return;
		}
	}
	for (i = 1; i + 1 < nt; i += 2) {
		if (!strcmp(tok[i], "via") && !r->has_via) {
			if (sc_parse_prefix(tok[i + 1], &r->via, false) < 0) {
				ERR(ld, v, "route '%s': '%s' is not an address", v->text, tok[i + 1]);
				return;
			}
			r->has_via = true;
		} else if (!strcmp(tok[i], "dev") && !r->dev[0]) {
			if (!ld_valid_name(tok[i + 1], SC_IFNAME_MAX)) {
				ERR(ld, v, "route '%s': '%s' is not an interface name", v->text, tok[i + 1]);
				return;
			}
			snprintf(r->dev, sizeof r->dev, "%s", tok[i + 1]);
		} else {
			goto bad;
		}
	}
	if (!strcmp(tok[0], "default")) {
		if (!r->has_via) {
			ERR(ld, v, "route '%s': a default route needs 'via ADDRESS'", v->text);
			return;
		}
		r->dst.family = r->via.family;
		r->dst.len = 0;
	} else if (r->has_via && r->via.family != r->dst.family) {
		ERR(ld, v, "route '%s': the next hop's address family differs from the prefix's",
		    v->text);
	}
	return;
bad:
	ERR(ld, v, "route '%s': expected 'default via ADDR', 'PREFIX via ADDR', 'PREFIX dev IFACE' "
	    "or 'PREFIX via ADDR dev IFACE'", v->text);
}

static void load_topology(struct ld *ld, const struct ynode *t)
{
	static const char *const k[] = { "nodes", "segments", "links", "routes", NULL };
	const struct ynode *x;

	if (!want(ld, t, Y_MAP, "topology"))
		return;
	check_keys(ld, t, k, "topology");
	x = ytree_get(t, "nodes");
	if (!x)
		ERR(ld, t, "topology: 'nodes' is required");
	else if (want(ld, x, Y_MAP, "nodes"))
		for (size_t i = 0; i < x->n; i++)
			load_node(ld, x->keys[i], x->items[i]);
	if ((x = ytree_get(t, "segments")) && want(ld, x, Y_MAP, "segments"))
		for (size_t i = 0; i < x->n; i++)
			load_segment(ld, x->keys[i], x->items[i]);
	if ((x = ytree_get(t, "links")) && want(ld, x, Y_SEQ, "links"))
		for (size_t i = 0; i < x->n; i++)
			load_link(ld, x->items[i]);
	if ((x = ytree_get(t, "routes")) && want(ld, x, Y_MAP, "routes"))
		for (size_t i = 0; i < x->n; i++) {
			const struct ynode *key = x->keys[i], *list = x->items[i];
			struct sc_node *n = NULL;

			for (size_t j = 0; j < ld->sc->nnodes; j++)
				if (!strcmp(ld->sc->nodes[j].name, key->text))
					n = &ld->sc->nodes[j];
			if (!n) {
				ERR(ld, key, "routes: node '%s' is not declared in topology.nodes", key->text);
				continue;
			}
			if (!want(ld, list, Y_SEQ, "routes"))
				continue;
			for (size_t r = 0; r < list->n; r++)
				load_route(ld, n, list->items[r]);
		}
}

/* ---- steps ---- */

static void load_target(struct ld *ld, const struct ynode *v, struct sc_target *t)
{
	char buf[128];
	char *colon;

	if (!want(ld, v, Y_SCALAR, "to"))
		return;
	if (sc_parse_prefix(v->text, &t->addr, false) == 0) {
		if (strchr(v->text, '/')) {
			ERR(ld, v, "to: a target is an address without /len, a node, or node:iface");
			return;
		}
		t->is_addr = true;
		return;
	}
	snprintf(buf, sizeof buf, "%s", v->text);
	colon = strchr(buf, ':');
	if (colon)
		*colon = 0;
	if (!ld_valid_name(buf, SC_NAME_MAX) ||
	    (colon && !ld_valid_name(colon + 1, SC_IFNAME_MAX))) {
		ERR(ld, v, "to: expected an address, a node or node:iface, got '%s'", v->text);
		return;
	}
	copy_name(t->node, sizeof t->node, buf);
	if (colon)
		copy_name(t->iface, sizeof t->iface, colon + 1);
}

static void load_icmp_expect(struct ld *ld, const struct ynode *ex, struct sc_probe_expect *e)
{
	const struct ynode *x;

	if ((x = ytree_get(ex, "icmp")) && want(ld, x, Y_SCALAR, "icmp")) {
		if (!strcmp(x->text, "none"))
			e->icmp = SC_ICMP_NONE;
		else if (!strcmp(x->text, "frag-needed"))
			e->icmp = SC_ICMP_FRAG_NEEDED;
		else if (!strcmp(x->text, "unreachable"))
			e->icmp = SC_ICMP_UNREACHABLE;
		else
			ERR(ld, x, "icmp: expected none, frag-needed or unreachable, got '%s'", x->text);
	}
	if ((x = ytree_get(ex, "mtu"))) {
		get_intv(ld, x, 68, 65535, &e->icmp_mtu, "mtu");
		if (e->icmp != SC_ICMP_FRAG_NEEDED)
			ERR(ld, x, "mtu: only with 'icmp: frag-needed'");
	}
}

static void load_ping(struct ld *ld, const struct ynode *v, struct sc_step *s)
{
	static const char *const k[] = { "from", "to", "size", "df", "count", "interval",
	                                 "timeout", "expect", NULL };
	struct sc_ping *p = &s->u.ping;
	const struct ynode *x;

	p->size = 56;
	p->count = 1;
	p->interval = lab_sec(1);
	p->timeout = lab_sec(2);
	if (!want(ld, v, Y_MAP, "ping"))
		return;
	check_keys(ld, v, k, "ping");
	if ((x = ytree_get(v, "from")))
		get_name(ld, x, p->from, SC_NAME_MAX, "from");
	else
		ERR(ld, v, "ping: 'from' is required");
	if ((x = ytree_get(v, "to")))
		load_target(ld, x, &p->to);
	else
		ERR(ld, v, "ping: 'to' is required");
	if ((x = ytree_get(v, "size")))
		get_intv(ld, x, 0, 65507, &p->size, "size");
	if ((x = ytree_get(v, "df")))
		get_bool(ld, x, &p->df, "df");
	if ((x = ytree_get(v, "count")))
		get_intv(ld, x, 1, 1000000, &p->count, "count");
	if ((x = ytree_get(v, "interval")))
		get_duration(ld, x, &p->interval, true, "interval");
	if ((x = ytree_get(v, "timeout")))
		get_duration(ld, x, &p->timeout, true, "timeout");
	p->expect.has_replies = true;
	p->expect.replies_min = p->expect.replies_max = p->count;
	if ((x = ytree_get(v, "expect")) && want(ld, x, Y_MAP, "expect")) {
		static const char *const ek[] = { "replies", "icmp", "mtu", NULL };
		const struct ynode *r;

		check_keys(ld, x, ek, "ping expect");
		if ((r = ytree_get(x, "replies"))) {
			if (r->type == Y_SCALAR && !strcmp(r->text, "all")) {
				/* the default */
			} else if (r->type == Y_SCALAR && !strcmp(r->text, "none")) {
				p->expect.replies_min = p->expect.replies_max = 0;
			} else if (r->type == Y_MAP) {
				static const char *const rk[] = { "min", "max", NULL };
				const struct ynode *m;

				check_keys(ld, r, rk, "replies");
				p->expect.replies_min = 0;
				if ((m = ytree_get(r, "min")))
					get_intv(ld, m, 0, p->count, &p->expect.replies_min, "min");
				if ((m = ytree_get(r, "max")))
					get_intv(ld, m, 0, p->count, &p->expect.replies_max, "max");
				if (p->expect.replies_min > p->expect.replies_max)
					ERR(ld, r, "replies: min is larger than max");
			} else if (get_intv(ld, r, 0, p->count, &p->expect.replies_min,
			                    "replies (a count up to the ping's count, all, none or {min, max})")) {
				p->expect.replies_max = p->expect.replies_min;
			}
		}
		load_icmp_expect(ld, x, &p->expect);
	}
	if (p->df && p->size + 28 > 65535)
		ERR(ld, v, "ping: size %d with DF does not fit in one IPv4 packet", p->size);
}

static void load_udp(struct ld *ld, const struct ynode *v, struct sc_step *s)
{
	static const char *const k[] = { "from", "to", "port", "size", "count", "rate", "df",
	                                 "expect", NULL };
	struct sc_udp *u = &s->u.udp;
	const struct ynode *x;

	u->size = 100;
	u->count = 10;
	u->rate = 10;
	u->expect.has_loss = true;
	if (!want(ld, v, Y_MAP, "udp"))
		return;
	check_keys(ld, v, k, "udp");
	if ((x = ytree_get(v, "from")))
		get_name(ld, x, u->from, SC_NAME_MAX, "from");
	else
		ERR(ld, v, "udp: 'from' is required");
	if ((x = ytree_get(v, "to")))
		load_target(ld, x, &u->to);
	else
		ERR(ld, v, "udp: 'to' is required");
	if ((x = ytree_get(v, "port")))
		get_intv(ld, x, 1, 65535, &u->port, "port");
	else
		ERR(ld, v, "udp: 'port' is required");
	if ((x = ytree_get(v, "size")))
		get_intv(ld, x, 0, 65507, &u->size, "size");
	if ((x = ytree_get(v, "count")))
		get_intv(ld, x, 1, 1000000, &u->count, "count");
	if ((x = ytree_get(v, "rate")) && want(ld, x, Y_SCALAR, "rate")) {
		char *end;
		double r = strtod(x->text, &end);

		if (*end || r <= 0 || r > 1e6)
			ERR(ld, x, "rate: expected datagrams per second (more than 0, at most 1000000), "
			    "got '%s'", x->text);
		else
			u->rate = r;
	}
	if ((x = ytree_get(v, "df")))
		get_bool(ld, x, &u->df, "df");
	if ((x = ytree_get(v, "expect")) && want(ld, x, Y_MAP, "expect")) {
		static const char *const ek[] = { "loss", "icmp", "mtu", NULL };
		const struct ynode *l;

		check_keys(ld, x, ek, "udp expect");
		if ((l = ytree_get(x, "loss")) && want(ld, l, Y_SCALAR, "loss")) {
			char *end;
			double pct = strtod(l->text, &end);

			if (end == l->text || (*end && strcmp(end, "%")) || pct < 0 || pct > 100)
				ERR(ld, l, "loss: expected a percentage like 0%% or 2.5%%, got '%s'", l->text);
			else
				u->expect.loss_max_pct = pct;
		}
		load_icmp_expect(ld, x, &u->expect);
	}
}

static void load_tcp(struct ld *ld, const struct ynode *v, struct sc_step *s)
{
	static const char *const k[] = { "from", "to", "port", "bytes", "timeout", NULL };
	struct sc_tcp *t = &s->u.tcp;
	const struct ynode *x;

	t->bytes = 1 << 20;
	t->timeout = lab_sec(30);
	t->expect.has_bytes = true;
	if (!want(ld, v, Y_MAP, "tcp"))
		return;
	check_keys(ld, v, k, "tcp");
	if ((x = ytree_get(v, "from")))
		get_name(ld, x, t->from, SC_NAME_MAX, "from");
	else
		ERR(ld, v, "tcp: 'from' is required");
	if ((x = ytree_get(v, "to")))
		load_target(ld, x, &t->to);
	else
		ERR(ld, v, "tcp: 'to' is required");
	if ((x = ytree_get(v, "port")))
		get_intv(ld, x, 1, 65535, &t->port, "port");
	else
		ERR(ld, v, "tcp: 'port' is required");
	if ((x = ytree_get(v, "bytes"))) {
		get_size(ld, x, &t->bytes, "bytes");
		if (t->bytes == 0)
			ERR(ld, x, "bytes: must be at least 1");
	}
	if ((x = ytree_get(v, "timeout")))
		get_duration(ld, x, &t->timeout, true, "timeout");
}

static void load_at(struct ld *ld, const struct ynode *x, char *node, char *iface)
{
	char buf[64], *colon;

	if (!want(ld, x, Y_SCALAR, "at"))
		return;
	snprintf(buf, sizeof buf, "%s", x->text);
	colon = strchr(buf, ':');
	if (!colon || !ld_valid_name(colon + 1, SC_IFNAME_MAX) || (*colon = 0, !ld_valid_name(buf, SC_NAME_MAX))) {
		ERR(ld, x, "at: expected node:iface, got '%s'", x->text);
		return;
	}
	copy_name(node, SC_NAME_MAX, buf);
	copy_name(iface, SC_IFNAME_MAX, colon + 1);
}

static void load_step(struct ld *ld, const struct ynode *v)
{
	static const char *const kinds[] = { "wait", "advance", "ping", "udp", "tcp", "link",
	                                     "filter", NULL };
	static const char *const k[] = { "wait", "advance", "ping", "udp", "tcp", "link", "filter",
	                                 "name", NULL };
	struct sc_step *s, *arr = grow(ld->sc->steps, ld->sc->nsteps, sizeof *arr);
	const struct ynode *body = NULL, *x;
	int kind = -1, found = 0;

	if (!arr)
		return;
	ld->sc->steps = arr;
	s = &arr[ld->sc->nsteps++];
	s->pos = pos_of(ld, v);
	if (!want(ld, v, Y_MAP, "step"))
		return;
	check_keys(ld, v, k, "step");
	for (int i = 0; kinds[i]; i++)
		if ((x = ytree_get(v, kinds[i]))) {
			if (!found) {
				kind = i;
				body = x;
			}
			found++;
		}
	if (found != 1) {
		ERR(ld, v, "step: expected exactly one of wait, advance, ping, udp, tcp, link, filter "
		    "(found %d)", found);
		return;
	}
	s->kind = (enum sc_step_kind)kind;
	if ((x = ytree_get(v, "name")) && want(ld, x, Y_SCALAR, "name")) {
		if (!x->text[0] || strlen(x->text) >= sizeof s->name)
			ERR(ld, x, "name: 1 to %zu characters", sizeof s->name - 1);
		else
			snprintf(s->name, sizeof s->name, "%s", x->text);
	}
	switch (s->kind) {
	case SC_STEP_WAIT:
	case SC_STEP_ADVANCE:
		get_duration(ld, body, &s->u.duration, true, kinds[kind]);
		break;
	case SC_STEP_PING: load_ping(ld, body, s); break;
	case SC_STEP_UDP: load_udp(ld, body, s); break;
	case SC_STEP_TCP: load_tcp(ld, body, s); break;
	case SC_STEP_LINK: {
		static const char *const lk[] = { "at", "state", "mtu", NULL };

		s->u.link.up = -1;
		if (!want(ld, body, Y_MAP, "link"))
			break;
		check_keys(ld, body, lk, "link step");
		if ((x = ytree_get(body, "at")))
			load_at(ld, x, s->u.link.node, s->u.link.iface);
		else
			ERR(ld, body, "link: 'at: node:iface' is required");
		if ((x = ytree_get(body, "state")) && want(ld, x, Y_SCALAR, "state")) {
			if (!strcmp(x->text, "up"))
				s->u.link.up = 1;
			else if (!strcmp(x->text, "down"))
				s->u.link.up = 0;
			else
				ERR(ld, x, "state: expected up or down, got '%s'", x->text);
		}
		if ((x = ytree_get(body, "mtu")))
			get_intv(ld, x, 576, 65535, &s->u.link.mtu, "mtu");
		if (!ytree_get(body, "state") && !ytree_get(body, "mtu"))
			ERR(ld, body, "link: give 'state: up|down', 'mtu: N' or both");
		break;
	}
	case SC_STEP_FILTER: {
		static const char *const fk[] = { "node", "name", "enabled", NULL };

		if (!want(ld, body, Y_MAP, "filter"))
			break;
		check_keys(ld, body, fk, "filter step");
		if ((x = ytree_get(body, "node")))
			get_name(ld, x, s->u.filter.node, SC_NAME_MAX, "node");
		else
			ERR(ld, body, "filter: 'node' is required");
		if ((x = ytree_get(body, "name")))
			get_name(ld, x, s->u.filter.filter, SC_NAME_MAX, "name");
		else
			ERR(ld, body, "filter: 'name' is required");
		if ((x = ytree_get(body, "enabled")))
			get_bool(ld, x, &s->u.filter.enabled, "enabled");
		else
			ERR(ld, body, "filter: 'enabled: true|false' is required");
		break;
	}
	}
}

/* ---- top level ---- */

static const char *const top_keys[] = { "name", "description", "seed", "clock", "timeout",
                                        "topology", "steps", NULL };

static void load_root(struct ld *ld, const struct ynode *root)
{
	const struct ynode *x;

	if (!want(ld, root, Y_MAP, "scenario file"))
		return;
	check_keys(ld, root, top_keys, "the scenario");
	if ((x = ytree_get(root, "name")) && want(ld, x, Y_SCALAR, "name")) {
		if (!ld_valid_name(x->text, sizeof ld->sc->name))
			ERR(ld, x, "name '%s': 1 to 63 characters of A-Z a-z 0-9 _ . -", x->text);
		else
			snprintf(ld->sc->name, sizeof ld->sc->name, "%s", x->text);
	} else if (!x) {
		ERR(ld, root, "'name' is required");
	}
	if ((x = ytree_get(root, "description")) && want(ld, x, Y_SCALAR, "description"))
		ld->sc->description = strdup(x->text);
	if ((x = ytree_get(root, "seed")) && want(ld, x, Y_SCALAR, "seed")) {
		char *end;

		errno = 0;
		ld->sc->seed = strtoull(x->text, &end, 10);
		if (!x->text[0] || *end || errno || x->text[0] == '-')
			ERR(ld, x, "seed: expected a whole number from 0 to 18446744073709551615, got '%s'",
			    x->text);
		else
			ld->sc->has_seed = true;
	}
	if ((x = ytree_get(root, "clock")) && want(ld, x, Y_SCALAR, "clock")) {
		if (!strcmp(x->text, "virtual"))
			ld->sc->clock = SC_CLOCK_VIRTUAL;
		else if (!strcmp(x->text, "real"))
			ld->sc->clock = SC_CLOCK_REAL;
		else
			ERR(ld, x, "clock: expected virtual or real, got '%s'", x->text);
	}
	if ((x = ytree_get(root, "timeout")))
		get_duration(ld, x, &ld->sc->timeout, true, "timeout");
	if ((x = ytree_get(root, "topology")))
		load_topology(ld, x);
	else
		ERR(ld, root, "'topology' is required");
	if ((x = ytree_get(root, "steps")) && want(ld, x, Y_SEQ, "steps"))
		for (size_t i = 0; i < x->n; i++)
			load_step(ld, x->items[i]);
}

static int cmp_diag(const void *a, const void *b)
{
	/* "FILE:LINE:COL: ..." — order by line, then column; the file is the same. */
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	const char *px = strchr(x, ':'), *py = strchr(y, ':');
	long lx, ly, cx, cy;
	char *e;

	while (px && !isdigit((unsigned char)px[1]))
		px = strchr(px + 1, ':');
	while (py && !isdigit((unsigned char)py[1]))
		py = strchr(py + 1, ':');
	if (!px || !py)
		return strcmp(x, y);
	lx = strtol(px + 1, &e, 10);
	cx = *e == ':' ? strtol(e + 1, NULL, 10) : 0;
	ly = strtol(py + 1, &e, 10);
	cy = *e == ':' ? strtol(e + 1, NULL, 10) : 0;
	return lx != ly ? (lx < ly ? -1 : 1) : cx != cy ? (cx < cy ? -1 : 1) : 0;
}

int scenario_load_buffer(const char *name, const char *text, size_t len,
                         struct scenario **out, struct sc_diags *diags)
{
	struct ld ld = { .file = name, .d = diags };
	struct scenario *sc = calloc(1, sizeof *sc);
	struct ynode *root;
	char err[256] = "";
	int eline, ecol;
	size_t first = diags->n;

	*out = NULL;
	if (!sc)
		return -ENOMEM;
	sc->file = strdup(name);
	sc->clock = SC_CLOCK_VIRTUAL;
	ld.sc = sc;
	ld.file = sc->file;
	if (!sc->file) {
		free(sc);
		return -ENOMEM;
	}
	root = ytree_parse(text, len, err, sizeof err, &eline, &ecol);
	if (!root) {
		ld_error(&ld, eline ? eline : 1, ecol ? ecol : 1, "%s", err);
		scenario_free(sc);
		return -EINVAL;
	}
	load_root(&ld, root);
	ytree_free(root);
	scenario_check(&ld);
	if (ld.errors) {
		qsort(diags->lines + first, diags->n - first, sizeof *diags->lines, cmp_diag);
		scenario_free(sc);
		return -EINVAL;
	}
	*out = sc;
	return 0;
}

int scenario_load(const char *path, struct scenario **out, struct sc_diags *diags)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;
	struct ld ld = { .file = path, .d = diags };
	int err;

	*out = NULL;
	if (!f) {
		err = -errno;
		ld_error(&ld, 1, 1, "cannot read the file: %s", strerror(-err));
		return err;
	}
	for (;;) {
		size_t n;

		if (len + 4096 > cap) {
			char *b;

			cap = cap ? 2 * cap : 8192;
			if (cap > SC_FILE_MAX + 4096) {
				free(buf);
				fclose(f);
				ld_error(&ld, 1, 1, "file larger than %d bytes", SC_FILE_MAX);
				return -EFBIG;
			}
			b = realloc(buf, cap);
			if (!b) {
				free(buf);
				fclose(f);
				return -ENOMEM;
			}
			buf = b;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
		if (n == 0)
			break;
	}
	err = ferror(f) ? -EIO : 0;
	fclose(f);
	if (err) {
		free(buf);
		ld_error(&ld, 1, 1, "cannot read the file: %s", strerror(-err));
		return err;
	}
	err = scenario_load_buffer(path, buf, len, out, diags);
	free(buf);
	return err;
}

void scenario_free(struct scenario *sc)
{
	if (!sc)
		return;
	for (size_t i = 0; i < sc->nnodes; i++) {
		free(sc->nodes[i].routes);
		free(sc->nodes[i].filters);
	}
	free(sc->nodes);
	free(sc->segments);
	free(sc->links);
	free(sc->steps);
	free(sc->description);
	free(sc->file);
	free(sc);
}

const struct sc_node *scenario_node(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nnodes; i++)
		if (!strcmp(sc->nodes[i].name, name))
			return &sc->nodes[i];
	return NULL;
}

const struct sc_segment *scenario_segment(const struct scenario *sc, const char *name)
{
	for (size_t i = 0; i < sc->nsegments; i++)
		if (!strcmp(sc->segments[i].name, name))
			return &sc->segments[i];
	return NULL;
}
