/*
 * FITELnet F220 CLI importer: lines -> words -> a match against the command table of the
 * current block -> a handler that sets one field (see fitelnet_config.h).
 *
 * The table is data: each command is its syntax as the user would read it in a manual,
 *   word          a keyword
 *   {a|b|c}       one of these keywords (the handler gets the index)
 *   <NAME>        a block name, <KEY> a pre-shared key, <FILE> a file name
 *   <A.B.C.D>     an IPv4 unicast host address
 *   <any|A.B.C.D/M>  any, or an IPv4 prefix without host bits
 *   <LO-HI>       a decimal number in that range
 *   [x]           an optional last element
 * and that same string is what an error prints after "expected:". Sources of the commands:
 * PROFILES.md (fitelnet-f220), the two configs of shared/seeds/002_d4e03d8998f8cc8a.txt and
 * research/ikev1-wire-and-vendor-facts.md section 6.1 (F60 manual: lifetime seconds
 * 60-4294967295). Ranges not in those sources are marked UNCONFIRMED next to the entry.
 */
#include "peers/fitelnet/fitelnet_config.h"

#include <errno.h>
#include <stdarg.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOK_MAX   16
#define LINE_SHOW 96            /* longest command echoed in a message */

enum mode {
	MODE_GLOBAL,
	MODE_IPSEC_POLICY,
	MODE_SELECTOR,
	MODE_ISAKMP_POLICY,
	MODE_PROFILE,
	MODE_MAP,
	MODE_SKIP,              /* inside a block whose opening line was rejected */
};

static const char *const mode_name[] = {
	[MODE_GLOBAL] = "global configuration",
	[MODE_IPSEC_POLICY] = "crypto ipsec policy",
	[MODE_SELECTOR] = "crypto ipsec selector",
	[MODE_ISAKMP_POLICY] = "crypto isakmp policy",
	[MODE_PROFILE] = "crypto isakmp profile",
	[MODE_MAP] = "crypto map",
	[MODE_SKIP] = "a rejected block",
};

struct tok {
	const char *s;
	size_t len;
	unsigned col;
};

/* A matched syntax element. */
struct val {
	const struct tok *tok;  /* NULL: an optional element that was absent */
	int choice;             /* {a|b} index */
	uint64_t num;
	uint32_t addr;
	uint8_t plen;
	bool any;
};

struct parse;
typedef void (*cmd_fn)(struct parse *p, const struct val *v);

struct cmd {
	enum mode mode;
	const char *syntax;
	cmd_fn fn;
};

struct parse {
	struct fitelnet_config *c;
	struct fitelnet_diags *d;
	const char *name;
	uint8_t src;
	unsigned line;
	enum mode mode;
	size_t cur;             /* index of the open block in its array */
	char text[LINE_SHOW + 4];  /* the command, for messages */
};

static void perr(struct parse *p, unsigned col, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void perr(struct parse *p, unsigned col, const char *fmt, ...)
{
	char msg[FITELNET_DIAG_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fitelnet_diags_add(p->d, FITELNET_ERROR, p->name, p->line, col, "%s", msg);
}

static struct fitelnet_loc here(const struct parse *p, const struct val *v)
{
	struct fitelnet_loc l = { p->src, p->line, v->tok ? v->tok->col : 0 };

	return l;
}

static void tok_copy(char *dst, size_t cap, const struct tok *t)
{
	size_t n = t->len < cap - 1 ? t->len : cap - 1;

	memcpy(dst, t->s, n);
	dst[n] = '\0';
}

static bool tok_is(const struct tok *t, const char *w, size_t wlen)
{
	return t->len == wlen && memcmp(t->s, w, wlen) == 0;
}

/* ---- values ------------------------------------------------------------------------------ */

static int num_parse(const struct tok *t, uint64_t *out)
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

enum why { M_FULL, M_KEYWORD, M_VALUE, M_MISSING, M_EXTRA };

struct match {
	enum why why;
	size_t at;              /* element (and token) index where matching stopped */
	int rank;
	char detail[96];        /* M_VALUE: what is wrong with the value */
};

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
static void elem_at(const char *syntax, size_t idx, const char **e, size_t *elen)
{
	const char *s = syntax;

	*e = syntax;
	*elen = 0;
	for (size_t i = 0; i <= idx; i++)
		if (!elem_next(&s, e, elen))
			return;
}

/* {a|b|c}: index of t among the alternatives, or -1. */
static int choice_index(const char *e, size_t elen, const struct tok *t)
{
	const char *a = e + 1, *end = e + elen - 1;
	int idx = 0;

	while (a < end) {
		const char *bar = memchr(a, '|', (size_t)(end - a));
		size_t alen = bar ? (size_t)(bar - a) : (size_t)(end - a);

		if (tok_is(t, a, alen))
			return idx;
		idx++;
		a += alen + 1;
		if (!bar)
			break;
	}
	return -1;
}

/* One placeholder <...> against one word; 0 or -1 with m->detail set. */
static int value_match(const char *e, size_t elen, const struct tok *t, struct val *v, struct match *m)
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
		struct tok pl;
		uint64_t n;

		if (tok_is(t, "any", 3)) {
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
		struct tok a = { e + 1, 0, 0 }, b;
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
static void syntax_match(const char *syntax, const struct tok *t, size_t n, struct val *vals,
                         size_t *nvals, struct match *m)
{
	const char *s = syntax, *e;
	size_t elen, i = 0;

	memset(m, 0, sizeof *m);
	*nvals = 0;
	while (elem_next(&s, &e, &elen)) {
		struct val *v = &vals[*nvals];
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
		} else if (!tok_is(&t[i], e, elen)) {
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

/* ---- handlers: global --------------------------------------------------------------------- */

/*
 * Find the block named by v in an array of blocks (each struct starts with its char name[]),
 * or add it: re-entering a block modifies it (the merge of the field note's second config).
 * Returns the index, or (size_t)-1 when the array is full; *added tells whether it is new.
 */
static size_t block_find_or_add(struct parse *p, void *arr, size_t esize, size_t *cnt,
                                const struct val *v, const char *kind, bool *added)
{
	char nm[FITELNET_NAME_MAX];
	char *base = arr;
	size_t i;

	*added = false;
	tok_copy(nm, sizeof nm, v->tok);
	for (i = 0; i < *cnt; i++)
		if (strcmp(base + i * esize, nm) == 0)
			return i;
	if (*cnt == FITELNET_BLOCKS_MAX) {
		perr(p, v->tok->col, "too many %s blocks (at most %d)", kind, FITELNET_BLOCKS_MAX);
		return (size_t)-1;
	}
	memset(base + i * esize, 0, esize);
	memcpy(base + i * esize, nm, sizeof nm);
	(*cnt)++;
	*added = true;
	return i;
}

#define BLOCK(p, arr, cnt, v, kind, added) \
	block_find_or_add((p), (arr), sizeof (arr)[0], &(cnt), (v), (kind), (added))

static void on_global_lifetime(struct parse *p, const struct val *v)
{
	p->c->global_sa_lifetime_s = (uint32_t)v[5].num;
}

static void enter(struct parse *p, size_t idx, enum mode m)
{
	p->mode = idx == (size_t)-1 ? MODE_SKIP : m;
	p->cur = idx;
}

static void on_ipsec_policy(struct parse *p, const struct val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->ipsec_policy, c->n_ipsec_policy, &v[3], "crypto ipsec policy", &added);

	if (added) {
		c->ipsec_policy[i].at = here(p, &v[3]);
		c->ipsec_policy[i].df_bit = -1;
	}
	enter(p, i, MODE_IPSEC_POLICY);
}

static void on_selector(struct parse *p, const struct val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->selector, c->n_selector, &v[3], "crypto ipsec selector", &added);

	if (added)
		c->selector[i].at = here(p, &v[3]);
	enter(p, i, MODE_SELECTOR);
}

static void on_isakmp_policy(struct parse *p, const struct val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->isakmp_policy, c->n_isakmp_policy, &v[3], "crypto isakmp policy", &added);

	if (added)
		c->isakmp_policy[i].at = here(p, &v[3]);
	enter(p, i, MODE_ISAKMP_POLICY);
}

static void on_profile(struct parse *p, const struct val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->profile, c->n_profile, &v[3], "crypto isakmp profile", &added);

	if (added)
		c->profile[i].at = here(p, &v[3]);
	enter(p, i, MODE_PROFILE);
}

static void on_map(struct parse *p, const struct val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->map, c->n_map, &v[2], "crypto map", &added);

	if (added)
		c->map[i].at = here(p, &v[2]);
	enter(p, i, MODE_MAP);
}

static void on_leave(struct parse *p, const struct val *v)
{
	(void)v;
	p->mode = MODE_GLOBAL;
}

static void on_nothing(struct parse *p, const struct val *v)
{
	(void)p;
	(void)v;
}

/* ---- handlers: crypto ipsec policy -------------------------------------------------------- */

#define IPP(p) (&(p)->c->ipsec_policy[(p)->cur])

static void on_pfs(struct parse *p, const struct val *v)
{
	static const unsigned group[] = { 1, 2, 5, 14, 15, 16 };

	IPP(p)->pfs_group = group[v[2].choice];
}

static void on_always_up(struct parse *p, const struct val *v)
{
	(void)v;
	IPP(p)->always_up = true;
}

static void on_sa_lifetime(struct parse *p, const struct val *v)
{
	IPP(p)->lifetime_s = (uint32_t)v[4].num;
}

/* Either order: one cipher and one hash (the field note's v2 writes the hash first). */
static void on_transform(struct parse *p, const struct val *v)
{
	enum fitelnet_cipher cipher = FITELNET_CIPHER_UNSET;
	enum fitelnet_hash hash = FITELNET_HASH_UNSET;

	for (int k = 3; k <= 4; k++) {
		switch (v[k].choice) {
		case 0: case 1:
			if (cipher) {
				perr(p, v[k].tok->col, "second cipher '%s' in '%s': a transform is one "
				     "cipher {esp-aes|esp-3des} and one hash {esp-sha-hmac|esp-sha256-hmac}",
				     v[k].choice ? "esp-3des" : "esp-aes", p->text);
				return;
			}
			cipher = v[k].choice ? FITELNET_CIPHER_3DES : FITELNET_CIPHER_AES;
			break;
		default:
			if (hash) {
				perr(p, v[k].tok->col, "second hash '%s' in '%s': a transform is one "
				     "cipher {esp-aes|esp-3des} and one hash {esp-sha-hmac|esp-sha256-hmac}",
				     v[k].choice == 2 ? "esp-sha-hmac" : "esp-sha256-hmac", p->text);
				return;
			}
			hash = v[k].choice == 2 ? FITELNET_HASH_SHA1 : FITELNET_HASH_SHA256;
			break;
		}
	}
	IPP(p)->esp_cipher = cipher;
	IPP(p)->esp_auth = hash;
}

static void on_df_bit(struct parse *p, const struct val *v)
{
	IPP(p)->df_bit = v[3].choice;
}

static void on_fragment(struct parse *p, const struct val *v)
{
	IPP(p)->fragment = v[3].choice == 0 ? FITELNET_FRAG_POST : FITELNET_FRAG_PRE;
}

/* ---- handlers: crypto ipsec selector ------------------------------------------------------ */

static void sel_set(struct parse *p, struct fitelnet_sel_entry *e, size_t *n, const struct val *v)
{
	unsigned seq = (unsigned)v[1].num;
	size_t i;

	for (i = 0; i < *n && e[i].seq < seq; i++)
		;
	if (i == *n || e[i].seq != seq) {
		if (*n == FITELNET_SEL_MAX) {
			perr(p, v[1].tok->col, "too many %.3s entries in crypto ipsec selector (at most %d)",
			     v[0].tok->s, FITELNET_SEL_MAX);
			return;
		}
		memmove(&e[i + 1], &e[i], (*n - i) * sizeof e[0]);
		(*n)++;
	}
	e[i].seq = seq;
	e[i].any = v[3].any;
	e[i].addr = v[3].any ? 0 : v[3].addr;
	e[i].plen = v[3].any ? 0 : v[3].plen;
}

static void on_src(struct parse *p, const struct val *v)
{
	struct fitelnet_selector *s = &p->c->selector[p->cur];

	sel_set(p, s->src, &s->nsrc, v);
}

static void on_dst(struct parse *p, const struct val *v)
{
	struct fitelnet_selector *s = &p->c->selector[p->cur];

	sel_set(p, s->dst, &s->ndst, v);
}

/* ---- handlers: crypto isakmp policy ------------------------------------------------------- */

#define IKP(p) (&(p)->c->isakmp_policy[(p)->cur])

static void on_auth(struct parse *p, const struct val *v)
{
	(void)v;
	IKP(p)->pre_share = true;
}

static void on_encryption(struct parse *p, const struct val *v)
{
	IKP(p)->cipher = v[1].choice == 0 ? FITELNET_CIPHER_AES : FITELNET_CIPHER_3DES;
}

static void on_group(struct parse *p, const struct val *v)
{
	static const unsigned group[] = { 1, 2, 5, 14, 15, 16 };

	IKP(p)->group = group[v[1].choice];
}

static void on_ike_lifetime(struct parse *p, const struct val *v)
{
	IKP(p)->lifetime_s = (uint32_t)v[1].num;
}

static void on_hash(struct parse *p, const struct val *v)
{
	IKP(p)->hash = v[1].choice == 0 ? FITELNET_HASH_SHA1 : FITELNET_HASH_SHA256;
}

/* ---- handlers: crypto isakmp profile ------------------------------------------------------ */

#define PRO(p) (&(p)->c->profile[(p)->cur])

static void on_local_address(struct parse *p, const struct val *v)
{
	PRO(p)->local_address = v[1].addr;
	PRO(p)->local_address_at = here(p, &v[1]);
}

static void on_keepalive(struct parse *p, const struct val *v)
{
	PRO(p)->keepalive_interval_s = (unsigned)v[2].num;
	PRO(p)->keepalive_always_send = v[3].tok != NULL;
}

static void on_self_identity(struct parse *p, const struct val *v)
{
	PRO(p)->self_identity = v[2].addr;
	PRO(p)->self_identity_at = here(p, &v[2]);
}

static void on_set_isakmp_policy(struct parse *p, const struct val *v)
{
	tok_copy(PRO(p)->isakmp_policy, sizeof PRO(p)->isakmp_policy, v[2].tok);
	PRO(p)->isakmp_policy_at = here(p, &v[2]);
}

static void on_set_ipsec_policy(struct parse *p, const struct val *v)
{
	tok_copy(PRO(p)->ipsec_policy, sizeof PRO(p)->ipsec_policy, v[2].tok);
	PRO(p)->ipsec_policy_at = here(p, &v[2]);
}

static void on_set_peer(struct parse *p, const struct val *v)
{
	PRO(p)->peer = v[2].addr;
	PRO(p)->peer_at = here(p, &v[2]);
}

static void on_ike_version(struct parse *p, const struct val *v)
{
	if (v[1].choice != 0) {
		perr(p, v[1].tok->col, "ike-version 2 is not simulated: vpnlab's FITELnet peer "
		     "speaks IKEv1 only (expected: ike-version 1)");
		return;
	}
	PRO(p)->ike_version = 1;
}

static void on_local_key(struct parse *p, const struct val *v)
{
	struct fitelnet_isakmp_profile *pr = PRO(p);

	OPENSSL_cleanse(pr->local_key, sizeof pr->local_key);
	tok_copy(pr->local_key, sizeof pr->local_key, v[1].tok);
	pr->local_key_at = here(p, &v[1]);
}

/* ---- handlers: crypto map ----------------------------------------------------------------- */

static void on_match_address(struct parse *p, const struct val *v)
{
	struct fitelnet_map *m = &p->c->map[p->cur];

	tok_copy(m->match_address, sizeof m->match_address, v[2].tok);
	m->match_address_at = here(p, &v[2]);
}

static void on_set_profile(struct parse *p, const struct val *v)
{
	struct fitelnet_map *m = &p->c->map[p->cur];

	tok_copy(m->isakmp_profile, sizeof m->isakmp_profile, v[2].tok);
	m->isakmp_profile_at = here(p, &v[2]);
}

/* ---- the command table -------------------------------------------------------------------- */

#define LIFETIME "<60-4294967295>"      /* F60 manual, research 6.1; same CLI on the F220 */
#define GROUPS "{1|2|5|14|15|16}"       /* research 6.1: "DH groups 1/2/5/14+"; UNCONFIRMED */

static const struct cmd cmds[] = {
	{ MODE_GLOBAL, "crypto ipsec security-association lifetime seconds " LIFETIME, on_global_lifetime },
	{ MODE_GLOBAL, "crypto ipsec policy <NAME>", on_ipsec_policy },
	{ MODE_GLOBAL, "crypto ipsec selector <NAME>", on_selector },
	{ MODE_GLOBAL, "crypto isakmp policy <NAME>", on_isakmp_policy },
	{ MODE_GLOBAL, "crypto isakmp profile <NAME>", on_profile },
	{ MODE_GLOBAL, "crypto map <NAME> ipsec-isakmp", on_map },
	{ MODE_GLOBAL, "exit", on_leave },
	{ MODE_GLOBAL, "end", on_leave },
	/* "config して end、save、commit" (field note); refresh: research 6.1 (F2000 manual). */
	{ MODE_GLOBAL, "configure [terminal]", on_nothing },
	{ MODE_GLOBAL, "save [<FILE>]", on_nothing },
	{ MODE_GLOBAL, "commit", on_nothing },
	{ MODE_GLOBAL, "refresh", on_nothing },

	{ MODE_IPSEC_POLICY, "set pfs {group1|group2|group5|group14|group15|group16}", on_pfs },
	{ MODE_IPSEC_POLICY, "set security-association always-up", on_always_up },
	{ MODE_IPSEC_POLICY, "set security-association lifetime seconds " LIFETIME, on_sa_lifetime },
	{ MODE_IPSEC_POLICY, "set security-association transform "
	  "{esp-aes|esp-3des|esp-sha-hmac|esp-sha256-hmac} {esp-aes|esp-3des|esp-sha-hmac|esp-sha256-hmac}",
	  on_transform },
	{ MODE_IPSEC_POLICY, "set ip df-bit {0|1}", on_df_bit },
	{ MODE_IPSEC_POLICY, "set ip fragment {post|pre}", on_fragment },

	/* Sequence number range UNCONFIRMED. */
	{ MODE_SELECTOR, "src <1-65535> ipv4 <any|A.B.C.D/M>", on_src },
	{ MODE_SELECTOR, "dst <1-65535> ipv4 <any|A.B.C.D/M>", on_dst },

	{ MODE_ISAKMP_POLICY, "authentication {pre-share}", on_auth },
	{ MODE_ISAKMP_POLICY, "encryption {aes|3des}", on_encryption },
	{ MODE_ISAKMP_POLICY, "group " GROUPS, on_group },
	{ MODE_ISAKMP_POLICY, "lifetime " LIFETIME, on_ike_lifetime },   /* range UNCONFIRMED */
	{ MODE_ISAKMP_POLICY, "hash {sha|sha-256}", on_hash },

	{ MODE_PROFILE, "local-address <A.B.C.D>", on_local_address },
	{ MODE_PROFILE, "keepalive interval <1-65535> [always-send]", on_keepalive }, /* range UNCONFIRMED */
	{ MODE_PROFILE, "self-identity address <A.B.C.D>", on_self_identity },
	{ MODE_PROFILE, "set isakmp-policy <NAME>", on_set_isakmp_policy },
	{ MODE_PROFILE, "set ipsec-policy <NAME>", on_set_ipsec_policy },
	{ MODE_PROFILE, "set peer <A.B.C.D>", on_set_peer },
	{ MODE_PROFILE, "ike-version {1|2}", on_ike_version },
	{ MODE_PROFILE, "local-key <KEY>", on_local_key },

	{ MODE_MAP, "match address <NAME>", on_match_address },
	{ MODE_MAP, "set isakmp-profile <NAME>", on_set_profile },
};

#define NCMDS (sizeof cmds / sizeof cmds[0])

static bool opens_block(cmd_fn fn)
{
	return fn == on_ipsec_policy || fn == on_selector || fn == on_isakmp_policy ||
	       fn == on_profile || fn == on_map;
}

/* "a|b|c" of the first words of a mode's commands (with exit/end inside blocks). */
static void first_words(enum mode mode, char *out, size_t cap)
{
	size_t used = 0;

	out[0] = '\0';
	for (size_t i = 0; i < NCMDS; i++) {
		const char *s = cmds[i].syntax, *sp = strchr(s, ' ');
		size_t wl = sp ? (size_t)(sp - s) : strlen(s);
		bool seen = false;

		if (cmds[i].mode != mode)
			continue;
		for (size_t j = 0; j < i && !seen; j++)
			seen = cmds[j].mode == mode && strncmp(cmds[j].syntax, s, wl) == 0 &&
			       (cmds[j].syntax[wl] == ' ' || cmds[j].syntax[wl] == '\0');
		if (seen)
			continue;
		used += (size_t)snprintf(out + used, used < cap ? cap - used : 0, "%s%.*s",
		                         used ? "|" : "", (int)wl, s);
		if (used >= cap)
			return;
	}
	if (mode != MODE_GLOBAL)
		snprintf(out + used, used < cap ? cap - used : 0, "|exit|end");
}

/* One command line (already split into words). */
static void line_run(struct parse *p, const struct tok *t, size_t n)
{
	struct val vals[TOK_MAX + 2], best_vals[TOK_MAX + 2];
	struct match m, best = { .rank = -1 };
	const struct cmd *hit = NULL, *best_cmd = NULL;
	const struct cmd *cand[NCMDS];
	char expected[FITELNET_DIAG_TEXT];
	size_t nv, used = 0, ncand;
	enum mode mode = p->mode;

	if (mode == MODE_SKIP) {
		/* Lines of a block whose opening failed: only leaving it matters. */
		if (tok_is(&t[0], "exit", 4) || tok_is(&t[0], "end", 3) || t[0].col == 1)
			p->mode = MODE_GLOBAL;
		if (t[0].col != 1 || tok_is(&t[0], "exit", 4) || tok_is(&t[0], "end", 3))
			return;
		mode = MODE_GLOBAL;
	}
	if (mode != MODE_GLOBAL && (tok_is(&t[0], "exit", 4) || tok_is(&t[0], "end", 3))) {
		if (n > 1) {
			perr(p, t[1].col, "unexpected '%.*s' after '%.*s' in %s (expected: %.*s)",
			     (int)t[1].len, t[1].s, (int)t[0].len, t[0].s, mode_name[mode],
			     (int)t[0].len, t[0].s);
			return;
		}
		p->mode = MODE_GLOBAL;
		return;
	}
	for (int pass = 0; pass < 2 && !hit; pass++) {
		enum mode pm = pass == 0 ? mode : MODE_GLOBAL;

		if (pass == 1 && mode == MODE_GLOBAL)
			break;
		for (size_t i = 0; i < NCMDS; i++) {
			if (cmds[i].mode != pm)
				continue;
			syntax_match(cmds[i].syntax, t, n, vals, &nv, &m);
			if (m.why == M_FULL) {
				hit = &cmds[i];
				memcpy(best_vals, vals, sizeof vals);
				break;
			}
			/* Inside a block, the block's own commands explain errors best. */
			if (pass == 0 && m.rank > best.rank) {
				best = m;
				best_cmd = &cmds[i];
			}
		}
	}
	if (hit) {
		if (hit->mode == MODE_GLOBAL)
			p->mode = MODE_GLOBAL;  /* a global command leaves the open block */
		hit->fn(p, best_vals);
		return;
	}
	if (best.rank <= 0 || !best_cmd) {
		first_words(mode, expected, sizeof expected);
		perr(p, t[0].col, "unknown command '%s' in %s (expected: %s)", p->text, mode_name[mode],
		     expected);
		/* An unknown top-level block: its indented lines would only repeat the error. */
		if (mode == MODE_GLOBAL && t[0].col == 1)
			p->mode = MODE_SKIP;
		return;
	}
	/*
	 * Every command of the mode that got as far as the best one is a candidate: one or two
	 * are shown whole; more (`set foo` in an ipsec policy) as the words allowed at that point.
	 */
	expected[0] = '\0';
	ncand = 0;
	for (size_t i = 0; i < NCMDS; i++) {
		if (cmds[i].mode != mode)
			continue;
		syntax_match(cmds[i].syntax, t, n, vals, &nv, &m);
		if (m.rank == best.rank && ncand < NCMDS)
			cand[ncand++] = &cmds[i];
	}
	if (ncand <= 2 || best.why != M_KEYWORD) {
		for (size_t i = 0; i < ncand; i++)
			used += (size_t)snprintf(expected + used, used < sizeof expected ? sizeof expected - used : 0,
			                         "%s%s", used ? "; " : "", cand[i]->syntax);
	} else {
		for (size_t i = 0; i < ncand; i++) {
			const char *e, *e2;
			size_t el, el2;
			bool dup = false;

			elem_at(cand[i]->syntax, best.at, &e, &el);
			for (size_t j = 0; j < i && !dup; j++) {
				elem_at(cand[j]->syntax, best.at, &e2, &el2);
				dup = el == el2 && memcmp(e, e2, el) == 0;
			}
			if (!dup)
				used += (size_t)snprintf(expected + used,
				                         used < sizeof expected ? sizeof expected - used : 0,
				                         "%s%.*s", used ? "|" : "", (int)el, e);
		}
		if (used < sizeof expected)
			snprintf(expected + used, sizeof expected - used, " after '%.*s'",
			         (int)(t[best.at - 1].s + t[best.at - 1].len - t[0].s), t[0].s);
	}
	switch (best.why) {
	case M_KEYWORD:
		perr(p, t[best.at].col, "unknown command '%s' in %s at '%.*s' (expected: %s)", p->text,
		     mode_name[mode], (int)t[best.at].len, t[best.at].s, expected);
		break;
	case M_VALUE:
		perr(p, t[best.at].col, "invalid value '%.*s' in '%s' in %s: %s (expected: %s)",
		     (int)t[best.at].len, t[best.at].s, p->text, mode_name[mode], best.detail, expected);
		break;
	case M_MISSING:
		perr(p, t[n - 1].col + (unsigned)t[n - 1].len + 1, "incomplete command '%s' in %s "
		     "(expected: %s)", p->text, mode_name[mode], expected);
		break;
	case M_EXTRA:
		perr(p, t[best.at].col, "unexpected '%.*s' at the end of '%s' in %s (expected: %s)",
		     (int)t[best.at].len, t[best.at].s, p->text, mode_name[mode], expected);
		break;
	case M_FULL:
		break;
	}
	if (mode == MODE_GLOBAL && opens_block(best_cmd->fn))
		p->mode = MODE_SKIP;
}

/* Split one physical line into words; comments, blank lines and bad bytes handled here. */
static void line_split(struct parse *p, const char *s, size_t len)
{
	struct tok t[TOK_MAX];
	size_t n = 0, i = 0, tl = 0;

	if (len && s[len - 1] == '\r')          /* CRLF pasted from a terminal */
		len--;
	while (i < len && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i == len || s[i] == '!')
		return;
	for (size_t k = i; k < len; k++) {
		unsigned char ch = (unsigned char)s[k];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f) {
			perr(p, (unsigned)k + 1, "invalid byte 0x%02x in a command (only printable ASCII, "
			     "or a comment line starting with '!')", ch);
			if (p->mode == MODE_GLOBAL && i == 0)
				p->mode = MODE_SKIP;
			return;
		}
	}
	while (i < len) {
		size_t start = i;

		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (n == TOK_MAX) {
			perr(p, (unsigned)start + 1, "too many words in one command (at most %d)", TOK_MAX);
			return;
		}
		t[n].s = s + start;
		t[n].len = i - start;
		t[n].col = (unsigned)start + 1;
		n++;
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
	}
	/* The command as echoed in messages: words joined by one space, the key hidden. */
	p->text[0] = '\0';
	for (size_t k = 0; k < n && tl < LINE_SHOW; k++) {
		bool secret = k > 0 && tok_is(&t[k - 1], "local-key", 9);

		tl += (size_t)snprintf(p->text + tl, sizeof p->text - tl, "%s%.*s", k ? " " : "",
		                       secret ? 3 : (int)t[k].len, secret ? "***" : t[k].s);
	}
	if (tl >= LINE_SHOW)
		memcpy(p->text + LINE_SHOW - 3, "...", 4);
	line_run(p, t, n);
}

static void text_run(struct parse *p, const char *text, size_t len)
{
	size_t i = 0;

	p->line = 0;
	p->mode = MODE_GLOBAL;
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t ll = nl ? (size_t)(nl - (text + i)) : len - i;

		p->line++;
		line_split(p, text + i, ll);
		i += ll + (nl ? 1 : 0);
	}
}

/* ---- public ------------------------------------------------------------------------------- */

void fitelnet_config_init(struct fitelnet_config *c)
{
	memset(c, 0, sizeof *c);
}

void fitelnet_config_wipe(struct fitelnet_config *c)
{
	OPENSSL_cleanse(c, sizeof *c);
	fitelnet_config_init(c);
}

int fitelnet_config_apply(struct fitelnet_config *c, const char *name, const char *text, size_t len,
                          struct fitelnet_diags *d)
{
	struct fitelnet_config *scratch = NULL;
	struct parse p;
	size_t errors_before = d->errors;
	int rc = 0;

	name = name ? name : "-";
	if (c->n_src >= FITELNET_SRC_MAX) {
		fitelnet_diags_add(d, FITELNET_ERROR, name, 0, 0, "too many config texts applied onto "
		                   "one config (at most %d)", FITELNET_SRC_MAX);
		return -E2BIG;
	}
	scratch = malloc(sizeof *scratch);
	if (!scratch) {
		fitelnet_diags_add(d, FITELNET_ERROR, name, 0, 0, "out of memory");
		return -ENOMEM;
	}
	memcpy(scratch, c, sizeof *c);
	snprintf(scratch->src_name[scratch->n_src], sizeof scratch->src_name[0], "%s", name);
	memset(&p, 0, sizeof p);
	p.c = scratch;
	p.d = d;
	p.name = name;
	p.src = (uint8_t)scratch->n_src++;
	text_run(&p, text ? text : "", text ? len : 0);
	if (d->errors != errors_before) {
		rc = -EINVAL;
		goto out;
	}
	memcpy(c, scratch, sizeof *c);
out:
	OPENSSL_cleanse(scratch, sizeof *scratch);
	free(scratch);
	return rc;
}

int fitelnet_parse(const char *name, const char *text, size_t len, struct fitelnet_config *out,
                   struct fitelnet_diags *d)
{
	fitelnet_config_init(out);
	return fitelnet_config_apply(out, name, text, len, d);
}

#define LOOKUP(type, fn, arr, cnt)                                                          \
	const type *fn(const struct fitelnet_config *c, const char *name)                    \
	{                                                                                  \
		for (size_t i = 0; i < c->cnt; i++)                                        \
			if (strcmp(c->arr[i].name, name) == 0)                             \
				return &c->arr[i];                                         \
		return NULL;                                                               \
	}

LOOKUP(struct fitelnet_ipsec_policy, fitelnet_config_ipsec_policy, ipsec_policy, n_ipsec_policy)
LOOKUP(struct fitelnet_selector, fitelnet_config_selector, selector, n_selector)
LOOKUP(struct fitelnet_isakmp_policy, fitelnet_config_isakmp_policy, isakmp_policy, n_isakmp_policy)
LOOKUP(struct fitelnet_isakmp_profile, fitelnet_config_profile, profile, n_profile)
LOOKUP(struct fitelnet_map, fitelnet_config_map, map, n_map)
