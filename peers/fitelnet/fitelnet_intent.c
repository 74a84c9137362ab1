/* Resolution of a FITELnet config into per-crypto-map peer intents (fitelnet_intent.h). */
#include "peers/fitelnet/fitelnet_intent.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

void fitelnet_resolve_opts_default(struct fitelnet_resolve_opts *o)
{
	o->aes_offers_256_and_128 = true;
	o->ipsec_lifetime_default_s = 600;
	o->ike_lifetime_default_s = 28800;
}

/* RFC2409 6.1/6.2 (groups 1, 2), RFC3526 (5, 14, 15, 16); names as strongSwan writes them. */
const char *fitelnet_dh_group_name(unsigned group)
{
	switch (group) {
	case 1: return "modp768";
	case 2: return "modp1024";
	case 5: return "modp1536";
	case 14: return "modp2048";
	case 15: return "modp3072";
	case 16: return "modp4096";
	default: return NULL;
	}
}

/* Hand-built configs may bypass the parser's group check: never print NULL. */
static const char *group_text(unsigned group)
{
	const char *g = fitelnet_dh_group_name(group);

	return g ? g : "modp-unknown";
}

/* Key lengths one cipher keyword offers, in the order offered. */
static size_t cipher_sizes(enum fitelnet_cipher c, const struct fitelnet_resolve_opts *o,
                           unsigned bits[2])
{
	if (c == FITELNET_CIPHER_3DES) {
		bits[0] = 192;
		return 1;
	}
	if (o->aes_offers_256_and_128) {
		bits[0] = 256;
		bits[1] = 128;
		return 2;
	}
	bits[0] = 128;
	return 1;
}

static void cipher_text(char *out, size_t cap, enum fitelnet_cipher c, unsigned bits)
{
	if (c == FITELNET_CIPHER_3DES)
		snprintf(out, cap, "3des");
	else
		snprintf(out, cap, "aes%u", bits);
}

static void ike_fill(struct fitelnet_intent *in, const struct fitelnet_isakmp_policy *ip,
                     const struct fitelnet_resolve_opts *o)
{
	unsigned bits[2];
	size_t nb = cipher_sizes(ip->cipher, o, bits);

	in->n_ike = 0;
	for (size_t i = 0; i < nb; i++) {
		struct fitelnet_ike_proposal *pr = &in->ike[in->n_ike];
		char c[8];

		pr->cipher = ip->cipher;
		pr->key_bits = bits[i];
		pr->hash = ip->hash;
		pr->dh_group = ip->group;
		cipher_text(c, sizeof c, ip->cipher, bits[i]);
		/* strongSwan: the hash keyword also selects the PRF (sha1 -> prfsha1). */
		snprintf(in->ike_proposal[in->n_ike], FITELNET_PROPOSAL_TEXT, "%s-%s-%s", c,
		         ip->hash == FITELNET_HASH_SHA256 ? "sha256" : "sha1",
		         group_text(ip->group));
		in->n_ike++;
	}
}

static void esp_fill(struct fitelnet_intent *in, const struct fitelnet_ipsec_policy *q,
                     const struct fitelnet_resolve_opts *o)
{
	unsigned bits[2];
	size_t nb = cipher_sizes(q->esp_cipher, o, bits);

	in->n_esp = 0;
	for (size_t i = 0; i < nb; i++) {
		struct fitelnet_esp_proposal *pr = &in->esp[in->n_esp];
		char c[8];
		int w;

		pr->cipher = q->esp_cipher;
		pr->key_bits = bits[i];
		pr->integ = q->esp_auth == FITELNET_HASH_SHA256 ? FITELNET_INTEG_HMAC_SHA2_256_128
		                                                : FITELNET_INTEG_HMAC_SHA1_96;
		pr->pfs_group = q->pfs_group;
		cipher_text(c, sizeof c, q->esp_cipher, bits[i]);
		w = snprintf(in->esp_proposal[in->n_esp], FITELNET_PROPOSAL_TEXT, "%s-%s", c,
		             q->esp_auth == FITELNET_HASH_SHA256 ? "sha256" : "sha1");
		if (q->pfs_group && w > 0 && (size_t)w < FITELNET_PROPOSAL_TEXT)
			snprintf(in->esp_proposal[in->n_esp] + w, FITELNET_PROPOSAL_TEXT - (size_t)w, "-%s",
			         group_text(q->pfs_group));
		in->n_esp++;
	}
}

static size_t ts_fill(struct fitelnet_ts *ts, const struct fitelnet_sel_entry *e, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		ts[i].addr = e[i].addr;
		ts[i].plen = e[i].plen;
	}
	return n;
}

static size_t ts_print(char *out, size_t cap, const struct fitelnet_ts *ts, size_t n)
{
	size_t used = 0;

	for (size_t i = 0; i < n && used < cap; i++)
		used += (size_t)snprintf(out + used, cap - used, "%s%u.%u.%u.%u/%u", i ? " " : "",
		                         ts[i].addr >> 24, (ts[i].addr >> 16) & 0xff,
		                         (ts[i].addr >> 8) & 0xff, ts[i].addr & 0xff, ts[i].plen);
	return used < cap ? used : cap;
}

static void resolve_one(const struct fitelnet_config *c, const struct fitelnet_map *m,
                        const struct fitelnet_resolve_opts *o, struct fitelnet_intent *in,
                        struct fitelnet_diags *d)
{
	const struct fitelnet_isakmp_profile *pr = fitelnet_config_profile(c, m->isakmp_profile);
	const struct fitelnet_selector *s = fitelnet_config_selector(c, m->match_address);
	const struct fitelnet_isakmp_policy *ip = fitelnet_config_isakmp_policy(c, pr->isakmp_policy);
	const struct fitelnet_ipsec_policy *q = fitelnet_config_ipsec_policy(c, pr->ipsec_policy);
	const char *src = m->at.src < c->n_src ? c->src_name[m->at.src] : "-";
	size_t used;

	memset(in, 0, sizeof *in);
	memcpy(in->map, m->name, sizeof in->map);
	memcpy(in->profile, pr->name, sizeof in->profile);
	memcpy(in->selector, s->name, sizeof in->selector);
	memcpy(in->isakmp_policy, ip->name, sizeof in->isakmp_policy);
	memcpy(in->ipsec_policy, q->name, sizeof in->ipsec_policy);

	in->ike_version = 1;
	in->peer = pr->peer;
	in->local_address = pr->local_address_at.line ? pr->local_address : 0;
	in->self_identity = pr->self_identity_at.line ? pr->self_identity : in->local_address;
	in->self_identity_type = FITELNET_ID_IPV4_ADDR;    /* the only form the grammar takes */
	in->psk_len = strlen(pr->local_key);
	memcpy(in->psk, pr->local_key, in->psk_len + 1);

	ike_fill(in, ip, o);
	in->ike_lifetime_s = ip->lifetime_s;
	in->ike_lifetime_from = FITELNET_FROM_POLICY;
	if (!ip->lifetime_s) {
		in->ike_lifetime_s = o->ike_lifetime_default_s;
		in->ike_lifetime_from = FITELNET_FROM_DEFAULT;
		fitelnet_diags_add(d, FITELNET_WARNING, src, m->at.line, m->at.col, "crypto map %s: "
		                   "crypto isakmp policy %s has no lifetime: using %u s (F220 default "
		                   "unknown)", m->name, ip->name, in->ike_lifetime_s);
	}

	esp_fill(in, q, o);
	in->pfs_group = q->pfs_group;
	if (q->lifetime_s) {
		in->ipsec_lifetime_s = q->lifetime_s;
		in->ipsec_lifetime_from = FITELNET_FROM_POLICY;
	} else if (c->global_sa_lifetime_s) {
		in->ipsec_lifetime_s = c->global_sa_lifetime_s;
		in->ipsec_lifetime_from = FITELNET_FROM_GLOBAL;
	} else {
		in->ipsec_lifetime_s = o->ipsec_lifetime_default_s;
		in->ipsec_lifetime_from = FITELNET_FROM_DEFAULT;
		fitelnet_diags_add(d, FITELNET_WARNING, src, m->at.line, m->at.col, "crypto map %s: no "
		                   "IPsec SA lifetime set: using %u s (F-series default, UNCONFIRMED "
		                   "for the F220)", m->name, in->ipsec_lifetime_s);
	}

	in->ipsec_lifetime_kb = q->lifetime_kb;

	in->dpd_interval_s = pr->keepalive_interval_s;
	in->dpd_always_send = pr->keepalive_always_send;
	in->always_up = q->always_up;
	in->df_bit = q->df_bit;
	in->fragment_post = q->fragment == FITELNET_FRAG_POST;

	in->n_local_ts = ts_fill(in->local_ts, s->src, s->nsrc);
	in->n_remote_ts = ts_fill(in->remote_ts, s->dst, s->ndst);
	used = ts_print(in->ts_text, sizeof in->ts_text, in->local_ts, in->n_local_ts);
	used += (size_t)snprintf(in->ts_text + used, sizeof in->ts_text - used, " === ");
	if (used < sizeof in->ts_text)
		ts_print(in->ts_text + used, sizeof in->ts_text - used, in->remote_ts, in->n_remote_ts);
}

int fitelnet_resolve(const struct fitelnet_config *c, const struct fitelnet_resolve_opts *opts,
                     struct fitelnet_intent *out, size_t cap, size_t *n, struct fitelnet_diags *d)
{
	struct fitelnet_resolve_opts def;
	int rc;

	*n = 0;
	if (!opts) {
		fitelnet_resolve_opts_default(&def);
		opts = &def;
	}
	rc = fitelnet_config_check(c, d);
	if (rc < 0)
		return rc;
	if (c->n_map > cap)
		return -ENOSPC;
	for (size_t i = 0; i < c->n_map; i++)
		resolve_one(c, &c->map[i], opts, &out[i], d);
	*n = c->n_map;
	return 0;
}

void fitelnet_intent_wipe(struct fitelnet_intent *in)
{
	OPENSSL_cleanse(in, sizeof *in);
}
