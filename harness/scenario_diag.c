/*
 * scenario_diag.c: diagnostics ("FILE:LINE:COL: message") and the typed readers that turn a
 * YAML tree node into a field, reporting at the node's position when they cannot.
 */
#include "harness/scenario_int.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void sc_diags_free(struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	d->lines = NULL;
	d->n = d->cap = 0;
}

void sc_diags_print(const struct sc_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->lines[i]);
}

static void diag_vadd(struct sc_ctx *c, int line, int col, const char *fmt, va_list ap)
{
	struct sc_diags *d = c->d;
	char msg[512];
	char *s;

	vsnprintf(msg, sizeof msg, fmt, ap);
	/* Messages quote the file; keep control characters out of the user's terminal. */
	for (char *m = msg; *m; m++)
		if ((unsigned char)*m < 0x20 || *m == 0x7f)
			*m = '?';
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **l = realloc(d->lines, cap * sizeof *l);

		if (!l) {
			c->oom = true;
			return;
		}
		d->lines = l;
		d->cap = cap;
	}
	if (asprintf(&s, "%s:%d:%d: %s", c->sc->file, line, col, msg) < 0) {
		c->oom = true;
		return;
	}
	d->lines[d->n++] = s;
}

void sc_err_at(struct sc_ctx *c, int line, int col, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c, line, col, fmt, ap);
	va_end(ap);
}

void sc_err(struct sc_ctx *c, const struct ynode *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c, at->line, at->col, fmt, ap);
	va_end(ap);
}

void sc_err_off(struct sc_ctx *c, const struct ynode *at, size_t off, const char *fmt, ...)
{
	va_list ap;
	int line, col;

	yaml_scalar_pos(at, off, &line, &col);
	va_start(ap, fmt);
	diag_vadd(c, line, col, fmt, ap);
	va_end(ap);
}

void sc_err_pos(struct sc_ctx *c, const struct sc_pos *at, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	diag_vadd(c, at->line, at->col, fmt, ap);
	va_end(ap);
}

struct sc_pos sc_pos_of(struct sc_ctx *c, const struct ynode *n)
{
	struct sc_pos p = { c->sc->file, n->line, n->col };

	return p;
}

/* Diagnostics come out phase by phase; users read them in file order. */
struct diag_key {
	long line, col;
	size_t idx;
	char *s;
};

static int diag_key_cmp(const void *a, const void *b)
{
	const struct diag_key *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

void sc_diags_sort(struct sc_diags *d, size_t from, size_t prefix_len)
{
	size_t n = d->n - from;
	struct diag_key *k;

	if (n < 2)
		return;
	k = calloc(n, sizeof *k);
	if (!k)
		return;         /* unsorted is still correct */
	for (size_t i = 0; i < n; i++) {
		char *s = d->lines[from + i], *end;

		k[i].idx = i;
		k[i].s = s;
		if (strlen(s) > prefix_len) {
			k[i].line = strtol(s + prefix_len + 1, &end, 10);
			if (*end == ':')
				k[i].col = strtol(end + 1, NULL, 10);
		}
	}
	qsort(k, n, sizeof *k, diag_key_cmp);
	for (size_t i = 0; i < n; i++)
		d->lines[from + i] = k[i].s;
	free(k);
}

static const char *type_name(const struct ynode *n)
{
	switch (n->type) {
	case YNODE_SEQ: return "a sequence";
	case YNODE_MAP: return "a map";
	default: return "a value";
	}
}

bool sc_want_map(struct sc_ctx *c, const struct ynode *n, const char *what)
{
	if (n->type == YNODE_MAP)
		return true;
	if (n->type == YNODE_SCALAR)
		sc_err(c, n, "%s: expected a map, got '%s'", what, n->str);
	else if (n->type != YNODE_BAD)
		sc_err(c, n, "%s: expected a map, got %s", what, type_name(n));
	return false;
}

bool sc_want_seq(struct sc_ctx *c, const struct ynode *n, const char *what)
{
	if (n->type == YNODE_SEQ)
		return true;
	if (n->type == YNODE_SCALAR)
		sc_err(c, n, "%s: expected a list, got '%s'", what, n->str);
	else if (n->type != YNODE_BAD)
		sc_err(c, n, "%s: expected a list, got %s", what, type_name(n));
	return false;
}

bool sc_want_scalar(struct sc_ctx *c, const struct ynode *n, const char *what)
{
	if (n->type == YNODE_SCALAR)
		return true;
	if (n->type != YNODE_BAD)
		sc_err(c, n, "%s: expected a single value, got %s", what, type_name(n));
	return false;
}

void sc_check_keys(struct sc_ctx *c, const struct ynode *map, const char *where,
                   const char *const *allowed)
{
	for (size_t i = 0; i + 1 < map->n; i += 2) {
		const struct ynode *k = map->kids[i];
		char list[256] = "";
		size_t j, used = 0;

		for (j = 0; allowed[j]; j++)
			if (!strcmp(k->str, allowed[j]))
				break;
		if (allowed[j])
			continue;
		for (j = 0; allowed[j] && used < sizeof list; j++)
			used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
			                         j ? ", " : "", allowed[j]);
		sc_err(c, k, "unknown key '%s' in %s (expected: %s)", k->str, where, list);
	}
}

bool sc_read_bool(struct sc_ctx *c, const struct ynode *n, const char *what, bool *out)
{
	if (!sc_want_scalar(c, n, what))
		return false;
	if (!strcmp(n->str, "true")) {
		*out = true;
		return true;
	}
	if (!strcmp(n->str, "false")) {
		*out = false;
		return true;
	}
	sc_err(c, n, "%s: expected true or false, got '%s'", what, n->str);
	return false;
}

/* Decimal digits only: no sign, no hex, no spaces; -ERANGE past max. */
static int parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;

	if (!*s)
		return -EINVAL;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

bool sc_read_int(struct sc_ctx *c, const struct ynode *n, const char *what, long min, long max,
                 int *out)
{
	uint64_t v = 0;
	int r;

	if (!sc_want_scalar(c, n, what))
		return false;
	r = parse_u64(n->str[0] == '-' && n->str[1] ? n->str + 1 : n->str, UINT64_MAX, &v);
	if (r == -EINVAL) {
		sc_err(c, n, "%s: expected a whole number, got '%s'", what, n->str);
		return false;
	}
	if (r < 0 || n->str[0] == '-' || v < (uint64_t)min || v > (uint64_t)max) {
		sc_err(c, n, "%s must be %ld..%ld, got %s", what, min, max, n->str);
		return false;
	}
	*out = (int)v;
	return true;
}

bool sc_read_u64(struct sc_ctx *c, const struct ynode *n, const char *what, uint64_t max,
                 uint64_t *out)
{
	int r;

	if (!sc_want_scalar(c, n, what))
		return false;
	r = parse_u64(n->str[0] == '-' && n->str[1] ? n->str + 1 : n->str, max, out);
	if (r == 0 && n->str[0] == '-')
		r = -ERANGE;
	if (r == -EINVAL)
		sc_err(c, n, "%s: expected a whole number, got '%s'", what, n->str);
	else if (r < 0)
		sc_err(c, n, "%s must be 0..%" PRIu64 ", got %s", what, max, n->str);
	return r == 0;
}

bool sc_read_duration(struct sc_ctx *c, const struct ynode *n, const char *what, bool positive,
                      lab_ns *out)
{
	int r;

	if (!sc_want_scalar(c, n, what))
		return false;
	r = sc_parse_duration(n->str, out);
	if (r == -ERANGE) {
		sc_err(c, n, "%s: duration '%s' is too long (at most 106751d)", what, n->str);
		return false;
	}
	if (r < 0) {
		sc_err(c, n, "%s: expected a duration like 30s, 250ms or 1h30m, got '%s'", what,
		       n->str);
		return false;
	}
	if (positive && *out == 0) {
		sc_err(c, n, "%s must be longer than 0s", what);
		return false;
	}
	return true;
}

bool sc_read_size(struct sc_ctx *c, const struct ynode *n, const char *what, uint64_t min,
                  uint64_t max, uint64_t *out)
{
	int r;

	if (!sc_want_scalar(c, n, what))
		return false;
	r = sc_parse_size(n->str, out);
	if (r == -EINVAL) {
		sc_err(c, n, "%s: expected a size like 1400, 1.5KiB or 10MiB (whole bytes), got '%s'",
		       what, n->str);
		return false;
	}
	if (r < 0 || *out < min || *out > max) {
		sc_err(c, n, "%s must be %" PRIu64 "..%" PRIu64 " bytes, got %s", what, min, max,
		       n->str);
		return false;
	}
	return true;
}

const char *sc_name_problem(const char *s, size_t len, size_t max)
{
	if (len == 0)
		return "is empty";
	if (len >= max)
		return max == SC_IFNAME_MAX ? "is longer than 15 characters" :
		       "is longer than 31 characters";
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
	      (s[0] >= '0' && s[0] <= '9')))
		return "must start with a letter or digit";
	for (size_t i = 0; i < len; i++) {
		char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == '.' || ch == '-'))
			return "may only hold letters, digits, '_', '.' and '-'";
	}
	return NULL;
}

bool sc_read_name(struct sc_ctx *c, const struct ynode *n, const char *what, char *buf,
                  size_t max)
{
	const char *why;

	if (!sc_want_scalar(c, n, what))
		return false;
	why = sc_name_problem(n->str, n->len, max);
	if (why) {
		sc_err(c, n, "%s '%s' %s", what, n->str, why);
		return false;
	}
	memcpy(buf, n->str, n->len + 1);
	return true;
}
