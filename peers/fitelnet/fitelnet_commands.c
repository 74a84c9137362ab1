/*
 * The F220 command table and its handlers: each command is data, its syntax as the user would
 * read it in a manual (notation in fitelnet_syntax.h), and a handler that sets the one field
 * it names. Sources of the commands: PROFILES.md (fitelnet-f220), the two configs of
 * shared/seeds/002_d4e03d8998f8cc8a.txt and research/ikev1-wire-and-vendor-facts.md 6.1
 * (F60 manual: lifetime seconds 60-4294967295). Ranges not in those sources are marked
 * UNCONFIRMED next to the entry.
 */
#include "peers/fitelnet/fitelnet_cli.h"

#include <openssl/crypto.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *const fitelnet_mode_name[] = {
	[MODE_GLOBAL] = "global configuration",
	[MODE_IPSEC_POLICY] = "crypto ipsec policy",
	[MODE_SELECTOR] = "crypto ipsec selector",
	[MODE_ISAKMP_POLICY] = "crypto isakmp policy",
	[MODE_PROFILE] = "crypto isakmp profile",
	[MODE_MAP] = "crypto map",
	[MODE_SKIP] = "a rejected block",
};

void fitelnet_cli_error(struct fitelnet_cli *p, unsigned col, const char *fmt, ...)
{
	char msg[FITELNET_DIAG_TEXT];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	fitelnet_diags_add(p->d, FITELNET_ERROR, p->name, p->line, col, "%s", msg);
}

static struct fitelnet_loc fitelnet_cli_loc(const struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_loc l = { p->src, p->line, v->tok ? v->tok->col : 0 };

	return l;
}

/* ---- handlers: global --------------------------------------------------------------------- */

/*
 * Find the block named by v in an array of blocks (each struct starts with its char name[]),
 * or add it: re-entering a block modifies it (the merge of the field note's second config).
 * Returns the index, or (size_t)-1 when the array is full; *added tells whether it is new.
 */
static size_t block_find_or_add(struct fitelnet_cli *p, void *arr, size_t esize, size_t *cnt,
                                const struct fitelnet_val *v, const char *kind, bool *added)
{
	char nm[FITELNET_NAME_MAX];
	char *base = arr;
	size_t i;

	*added = false;
	fitelnet_tok_copy(nm, sizeof nm, v->tok);
	for (i = 0; i < *cnt; i++)
		if (strcmp(base + i * esize, nm) == 0)
			return i;
	if (*cnt == FITELNET_BLOCKS_MAX) {
		fitelnet_cli_error(p, v->tok->col, "too many %s blocks (at most %d)", kind, FITELNET_BLOCKS_MAX);
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

static void on_global_lifetime(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	p->c->global_sa_lifetime_s = (uint32_t)v[5].num;
}

static void enter(struct fitelnet_cli *p, size_t idx, enum fitelnet_mode m)
{
	p->mode = idx == (size_t)-1 ? MODE_SKIP : m;
	p->cur = idx;
}

static void on_ipsec_policy(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->ipsec_policy, c->n_ipsec_policy, &v[3], "crypto ipsec policy", &added);

	if (added) {
		c->ipsec_policy[i].at = fitelnet_cli_loc(p, &v[3]);
		c->ipsec_policy[i].df_bit = -1;
	}
	enter(p, i, MODE_IPSEC_POLICY);
}

static void on_selector(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->selector, c->n_selector, &v[3], "crypto ipsec selector", &added);

	if (added)
		c->selector[i].at = fitelnet_cli_loc(p, &v[3]);
	enter(p, i, MODE_SELECTOR);
}

static void on_isakmp_policy(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->isakmp_policy, c->n_isakmp_policy, &v[3], "crypto isakmp policy", &added);

	if (added)
		c->isakmp_policy[i].at = fitelnet_cli_loc(p, &v[3]);
	enter(p, i, MODE_ISAKMP_POLICY);
}

static void on_profile(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->profile, c->n_profile, &v[3], "crypto isakmp profile", &added);

	if (added)
		c->profile[i].at = fitelnet_cli_loc(p, &v[3]);
	enter(p, i, MODE_PROFILE);
}

static void on_map(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_config *c = p->c;
	bool added;
	size_t i = BLOCK(p, c->map, c->n_map, &v[2], "crypto map", &added);

	if (added)
		c->map[i].at = fitelnet_cli_loc(p, &v[2]);
	enter(p, i, MODE_MAP);
}

static void on_leave(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	(void)v;
	p->mode = MODE_GLOBAL;
}

static void on_nothing(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	(void)p;
	(void)v;
}

/* ---- handlers: crypto ipsec policy -------------------------------------------------------- */

#define IPP(p) (&(p)->c->ipsec_policy[(p)->cur])

static void on_pfs(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	static const unsigned group[] = { 1, 2, 5, 14, 15, 16 };

	IPP(p)->pfs_group = group[v[2].choice];
}

static void on_always_up(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	(void)v;
	IPP(p)->always_up = true;
}

static void on_sa_lifetime(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IPP(p)->lifetime_s = (uint32_t)v[4].num;
}

/* F60 manual: with both set, the SA goes at whichever expires first (research 6.1). */
static void on_sa_lifetime_kb(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IPP(p)->lifetime_kb = (uint32_t)v[4].num;
}

/* Either order: one cipher and one hash (the field note's v2 writes the hash first). */
static void on_transform(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	enum fitelnet_cipher cipher = FITELNET_CIPHER_UNSET;
	enum fitelnet_hash hash = FITELNET_HASH_UNSET;

	for (int k = 3; k <= 4; k++) {
		switch (v[k].choice) {
		case 0: case 1:
			if (cipher) {
				fitelnet_cli_error(p, v[k].tok->col, "second cipher '%s' in '%s': a transform is one "
				     "cipher {esp-aes|esp-3des} and one hash {esp-sha-hmac|esp-sha256-hmac}",
				     v[k].choice ? "esp-3des" : "esp-aes", p->text);
				return;
			}
			cipher = v[k].choice ? FITELNET_CIPHER_3DES : FITELNET_CIPHER_AES;
			break;
		default:
			if (hash) {
				fitelnet_cli_error(p, v[k].tok->col, "second hash '%s' in '%s': a transform is one "
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

static void on_df_bit(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IPP(p)->df_bit = v[3].choice;
}

static void on_fragment(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IPP(p)->fragment = v[3].choice == 0 ? FITELNET_FRAG_POST : FITELNET_FRAG_PRE;
}

/* ---- handlers: crypto ipsec selector ------------------------------------------------------ */

static void sel_set(struct fitelnet_cli *p, struct fitelnet_sel_entry *e, size_t *n,
                    const struct fitelnet_val *v)
{
	unsigned seq = (unsigned)v[1].num;
	size_t i;

	for (i = 0; i < *n && e[i].seq < seq; i++)
		;
	if (i == *n || e[i].seq != seq) {
		if (*n == FITELNET_SEL_MAX) {
			fitelnet_cli_error(p, v[1].tok->col, "too many %.3s entries in crypto ipsec selector (at most %d)",
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

static void on_src(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_selector *s = &p->c->selector[p->cur];

	sel_set(p, s->src, &s->nsrc, v);
}

static void on_dst(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_selector *s = &p->c->selector[p->cur];

	sel_set(p, s->dst, &s->ndst, v);
}

/* ---- handlers: crypto isakmp policy ------------------------------------------------------- */

#define IKP(p) (&(p)->c->isakmp_policy[(p)->cur])

static void on_auth(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	(void)v;
	IKP(p)->pre_share = true;
}

static void on_encryption(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IKP(p)->cipher = v[1].choice == 0 ? FITELNET_CIPHER_AES : FITELNET_CIPHER_3DES;
}

static void on_group(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	static const unsigned group[] = { 1, 2, 5, 14, 15, 16 };

	IKP(p)->group = group[v[1].choice];
}

static void on_ike_lifetime(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IKP(p)->lifetime_s = (uint32_t)v[1].num;
}

static void on_hash(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	IKP(p)->hash = v[1].choice == 0 ? FITELNET_HASH_SHA1 : FITELNET_HASH_SHA256;
}

/* ---- handlers: crypto isakmp profile ------------------------------------------------------ */

#define PRO(p) (&(p)->c->profile[(p)->cur])

static void on_local_address(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	PRO(p)->local_address = v[1].addr;
	PRO(p)->local_address_at = fitelnet_cli_loc(p, &v[1]);
}

static void on_keepalive(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	PRO(p)->keepalive_interval_s = (unsigned)v[2].num;
	PRO(p)->keepalive_always_send = v[3].tok != NULL;
}

static void on_self_identity(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	PRO(p)->self_identity = v[2].addr;
	PRO(p)->self_identity_at = fitelnet_cli_loc(p, &v[2]);
}

static void on_set_isakmp_policy(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	fitelnet_tok_copy(PRO(p)->isakmp_policy, sizeof PRO(p)->isakmp_policy, v[2].tok);
	PRO(p)->isakmp_policy_at = fitelnet_cli_loc(p, &v[2]);
}

static void on_set_ipsec_policy(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	fitelnet_tok_copy(PRO(p)->ipsec_policy, sizeof PRO(p)->ipsec_policy, v[2].tok);
	PRO(p)->ipsec_policy_at = fitelnet_cli_loc(p, &v[2]);
}

static void on_set_peer(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	PRO(p)->peer = v[2].addr;
	PRO(p)->peer_at = fitelnet_cli_loc(p, &v[2]);
}

static void on_ike_version(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	if (v[1].choice != 0) {
		fitelnet_cli_error(p, v[1].tok->col, "ike-version 2 is not simulated: vpnlab's FITELnet peer "
		     "speaks IKEv1 only (expected: ike-version 1)");
		return;
	}
	PRO(p)->ike_version = 1;
}

static void on_local_key(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_isakmp_profile *pr = PRO(p);

	OPENSSL_cleanse(pr->local_key, sizeof pr->local_key);
	fitelnet_tok_copy(pr->local_key, sizeof pr->local_key, v[1].tok);
	pr->local_key_at = fitelnet_cli_loc(p, &v[1]);
}

/* ---- handlers: crypto map ----------------------------------------------------------------- */

static void on_match_address(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_map *m = &p->c->map[p->cur];

	fitelnet_tok_copy(m->match_address, sizeof m->match_address, v[2].tok);
	m->match_address_at = fitelnet_cli_loc(p, &v[2]);
}

static void on_set_profile(struct fitelnet_cli *p, const struct fitelnet_val *v)
{
	struct fitelnet_map *m = &p->c->map[p->cur];

	fitelnet_tok_copy(m->isakmp_profile, sizeof m->isakmp_profile, v[2].tok);
	m->isakmp_profile_at = fitelnet_cli_loc(p, &v[2]);
}

/* ---- the command table -------------------------------------------------------------------- */

#define LIFETIME "<60-4294967295>"      /* F60 manual, research 6.1; same CLI on the F220 */
#define GROUPS "{1|2|5|14|15|16}"       /* research 6.1: "DH groups 1/2/5/14+"; UNCONFIRMED */

const struct fitelnet_cmd fitelnet_cmds[] = {
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
	{ MODE_IPSEC_POLICY, "set security-association lifetime kilobytes <1000-4294967295>",
	  on_sa_lifetime_kb },                                          /* F60 manual */
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

const size_t fitelnet_ncmds = sizeof fitelnet_cmds / sizeof fitelnet_cmds[0];

bool fitelnet_cmd_opens_block(const struct fitelnet_cmd *cmd)
{
	fitelnet_cmd_fn fn = cmd->fn;

	return fn == on_ipsec_policy || fn == on_selector || fn == on_isakmp_policy ||
	       fn == on_profile || fn == on_map;
}
