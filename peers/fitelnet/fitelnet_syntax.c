/*
 * Matching one CLI line's words against a syntax string (fitelnet_syntax.h). Values are
 * checked here, where the word is: a bad address or an out-of-range number is reported with
 * the word's column and what is wrong with it.
 */
#include "peers/fitelnet/fitelnet_syntax.h"

#include <stdio.h>
#include <string.h>

void fitelnet_tok_copy(char *dst, size_t cap, const struct fitelnet_tok *t)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	memcpy(dst, t->s, n);
	dst[n] = '\0';
}

bool fitelnet_tok_is(const struct fitelnet_tok *t, const char *w, size_t wlen)
{
	return t->len == wlen && memcmp(t->s, w, wlen) == 0;
}

/* ---- values ------------------------------------------------------------------------------ */

static int num_parse(const struct fitelnet_tok *t, uint64_t *out)
{
	uint64_t n = 0;

	if (t->len == 0 || t->len > 19)
		return -1;
	for (size_t i = 0; i < t->len; i++) {
		if (t->s[i] < '0' || t->s[i] > '9')
			return -1;
		n = n * 10 + (uint64_t)(t->s[i] - '0');
	}
	*out = n;
	return 0;
}

/* Dotted quad, four decimal octets 0..255, no leading zeros (010 is not 8 nor 10). */
static int ipv4_parse(const char *s, size_t len, uint32_t *out)
{
	uint32_t a = 0;
	size_t i = 0;

	for (int oct = 0; oct < 4; oct++) {
		unsigned v = 0;
		size_t start = i;

		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		a = a << 8 | v;
		if (oct < 3) {
			if (i >= len || s[i] != '.')
				return -1;
			i++;
		}
	}
	if (i != len)
		return -1;
	*out = a;
	return 0;
}

static const char *unicast_problem(uint32_t a)
{
	if (a == 0)
		return "0.0.0.0 is not a host address";
	if (a == 0xffffffffu)
		return "the broadcast address is not a host address";
	if ((a >> 24) == 127)
		return "a loopback address cannot be a tunnel endpoint";
	if ((a >> 28) == 0xe)
		return "a multicast address is not a host address";
	if ((a >> 28) == 0xf)
		return "240.0.0.0/4 is reserved";
	return NULL;
}

/* ---- syntax matching ---------------------------------------------------------------------- */

/* Next element of a syntax string: [*e, *elen); returns 0 at the end. */
static int elem_next(const char **s, const char **e, size_t *elen)
{
	while (**s == ' ')
		(*s)++;
	if (!**s)
		return 0;
	*e = *s;
	while (**s && **s != ' ')
		(*s)++;
	*elen = (size_t)(*s - *e);
	return 1;
}

/* Element idx of a syntax string (the caller knows it exists). */
void fitelnet_syntax_elem_at(const char *syntax, size_t idx, const char **e, size_t *elen)
{
	const char *s = syntax;

	*e = syntax;
	*elen = 0;
	for (size_t i = 0; i <= idx; i++)
		if (!elem_next(&s, e, elen))
			return;
}

/* {a|b|c}: index of t among the alternatives, or -1. */
static int choice_index(const char *e, size_t elen, const struct fitelnet_tok *t)
{
	const char *a = e + 1, *end = e + elen - 1;
	int idx = 0;

	while (a < end) {
		const char *bar = memchr(a, '|', (size_t)(end - a));
		size_t alen = bar ? (size_t)(bar - a) : (size_t)(end - a);

		if (fitelnet_tok_is(t, a, alen))
			return idx;
		idx++;
		a += alen + 1;
		if (!bar)
			break;
	}
	return -1;
}

/* One placeholder <...> against one word; 0 or -1 with m->detail set. */
static int value_match(const char *e, size_t elen, const struct fitelnet_tok *t,
                       struct fitelnet_val *v, struct fitelnet_match *m)
{
	uint64_t lo, hi;

	if (elen == 6 && memcmp(e, "<NAME>", 6) == 0) {
		if (t->len >= FITELNET_NAME_MAX) {
			snprintf(m->detail, sizeof m->detail, "name longer than %d characters",
			         FITELNET_NAME_MAX - 1);
			return -1;
		}
		return 0;
	}
	if (elen == 5 && memcmp(e, "<KEY>", 5) == 0) {
		if (t->len >= FITELNET_KEY_MAX) {
			snprintf(m->detail, sizeof m->detail, "key longer than %d characters",
			         FITELNET_KEY_MAX - 1);
			return -1;
		}
		return 0;
	}
	if (elen == 6 && memcmp(e, "<FILE>", 6) == 0)
		return 0;
	if (elen == 9 && memcmp(e, "<A.B.C.D>", 9) == 0) {
		const char *why;

		if (ipv4_parse(t->s, t->len, &v->addr) < 0) {
			snprintf(m->detail, sizeof m->detail, "not an IPv4 address");
			return -1;
		}
		if ((why = unicast_problem(v->addr)) != NULL) {
			snprintf(m->detail, sizeof m->detail, "%s", why);
			return -1;
		}
		return 0;
	}
	if (elen == 15 && memcmp(e, "<any|A.B.C.D/M>", 15) == 0) {
		const char *slash = memchr(t->s, '/', t->len);
		struct fitelnet_tok pl;
		uint64_t n;

		if (fitelnet_tok_is(t, "any", 3)) {
			v->any = true;
			return 0;
		}
		if (!slash || ipv4_parse(t->s, (size_t)(slash - t->s), &v->addr) < 0) {
			snprintf(m->detail, sizeof m->detail, "not 'any' nor an IPv4 prefix A.B.C.D/M");
			return -1;
		}
		pl.s = slash + 1;
		pl.len = t->len - (size_t)(slash - t->s) - 1;
		pl.col = 0;
		if (num_parse(&pl, &n) < 0 || n > 32) {
			snprintf(m->detail, sizeof m->detail, "prefix length is not 0..32");
			return -1;
		}
		v->plen = (uint8_t)n;
		if (n < 32 && (v->addr & (0xffffffffu >> n))) {
			snprintf(m->detail, sizeof m->detail, "host bits set beyond /%u", (unsigned)n);
			return -1;
		}
		return 0;
	}
	/* <LO-HI> */
	{
		struct fitelnet_tok a = { e + 1, 0, 0 }, b;
		const char *dash = memchr(e, '-', elen);

		if (!dash)
			goto bad_syntax;
		a.len = (size_t)(dash - a.s);
		b.s = dash + 1;
		b.len = (size_t)(e + elen - 1 - b.s);
		b.col = 0;
		if (num_parse(&a, &lo) < 0 || num_parse(&b, &hi) < 0)
			goto bad_syntax;
		if (num_parse(t, &v->num) < 0) {
			snprintf(m->detail, sizeof m->detail, "not a decimal number");
			return -1;
		}
		if (v->num < lo || v->num > hi) {
			snprintf(m->detail, sizeof m->detail, "out of range %llu..%llu",
			         (unsigned long long)lo, (unsigned long long)hi);
			return -1;
		}
		return 0;
	}
bad_syntax:
	snprintf(m->detail, sizeof m->detail, "internal: bad syntax element");
	return -1;
}

/* Match words against one syntax; vals[] gets one entry per element. */
void fitelnet_syntax_match(const char *syntax, const struct fitelnet_tok *t, size_t n,
                           struct fitelnet_val *vals, size_t *nvals, struct fitelnet_match *m)
{
	const char *s = syntax, *e;
	size_t elen, i = 0;

	memset(m, 0, sizeof *m);
	*nvals = 0;
	while (elem_next(&s, &e, &elen)) {
		struct fitelnet_val *v = &vals[*nvals];
		bool opt = e[0] == '[';

		memset(v, 0, sizeof *v);
		if (opt) {
			e++;
			elen -= 2;
		}
		if (i >= n) {
			if (opt) {
				(*nvals)++;
				continue;
			}
			m->why = M_MISSING;
			m->at = i;
			m->rank = 2 * (int)i + 1;
			return;
		}
		v->tok = &t[i];
		if (e[0] == '{') {
			v->choice = choice_index(e, elen, &t[i]);
			if (v->choice < 0) {
				m->why = M_KEYWORD;
				m->at = i;
				m->rank = 2 * (int)i;
				return;
			}
		} else if (e[0] == '<') {
			if (value_match(e, elen, &t[i], v, m) < 0) {
				m->why = M_VALUE;
				m->at = i;
				m->rank = 2 * (int)i + 1;
				return;
			}
		} else if (!fitelnet_tok_is(&t[i], e, elen)) {
			m->why = M_KEYWORD;
			m->at = i;
			m->rank = 2 * (int)i;
			return;
		}
		(*nvals)++;
		i++;
	}
	if (i < n) {
		m->why = M_EXTRA;
		m->at = i;
		m->rank = 2 * (int)i + 1;
		return;
	}
	m->why = M_FULL;
}
