/*
 * fitelnet_intent.h: what a simulated F220 peer is configured with, one intent per crypto map,
 * resolved from a parsed and checked struct fitelnet_config.
 *
 * Proposals are given twice: as this module's enums and as strongSwan notation strings
 * ("aes256-sha1-modp1536"), so the IKE engine can consume them without these structs.
 * Choices the field note does not settle are options (struct fitelnet_resolve_opts), and
 * every default that was used is reported as a warning and recorded in *_from fields.
 */
#ifndef VPNLAB_PEERS_FITELNET_INTENT_H
#define VPNLAB_PEERS_FITELNET_INTENT_H

#include "peers/fitelnet/fitelnet_config.h"

#define FITELNET_PROPOSALS_MAX  4
#define FITELNET_PROPOSAL_TEXT  48
#define FITELNET_TS_TEXT        (2 * FITELNET_SEL_MAX * 20 + 8)
#define FITELNET_ID_IPV4_ADDR   1       /* phase-1 ID type (RFC2407 4.6.2.1) */

struct fitelnet_resolve_opts {
	/*
	 * `encryption aes` / `esp-aes` offer AES-256 then AES-128 (true, the default), or AES-128
	 * only (false). Inferred from the field note: the same keyword negotiated AES-CBC/128 with
	 * the Sakura VPC router v1 (`show crypto sa`) and AES_CBC_256 with v2 (charon's log);
	 * UNCONFIRMED (PROFILES.md, fitelnet-f220).
	 */
	bool aes_offers_256_and_128;
	/* IPsec SA lifetime when neither the policy nor the global command sets one: 600 s, the
	 * F-series manual's default (F60 manual, research 6.1), UNCONFIRMED for the F220. */
	uint32_t ipsec_lifetime_default_s;
	/* ISAKMP SA lifetime when the policy has no `lifetime`: the F220 default is unknown
	 * (research 6.1); vpnlab's choice is 28800 s. */
	uint32_t ike_lifetime_default_s;
};

/* The defaults described above. */
void fitelnet_resolve_opts_default(struct fitelnet_resolve_opts *o);

enum fitelnet_integ {
	FITELNET_INTEG_HMAC_SHA1_96,            /* esp-sha-hmac (RFC2404) */
	FITELNET_INTEG_HMAC_SHA2_256_128,       /* esp-sha256-hmac (RFC4868) */
};

/* Phase 1 proposal: cipher, key length, hash (= PRF), MODP group. */
struct fitelnet_ike_proposal {
	enum fitelnet_cipher cipher;
	unsigned key_bits;                      /* 256, 128; 192 for 3DES */
	enum fitelnet_hash hash;
	unsigned dh_group;
};

/* Phase 2 (ESP) proposal; pfs_group 0 = no PFS. */
struct fitelnet_esp_proposal {
	enum fitelnet_cipher cipher;
	unsigned key_bits;
	enum fitelnet_integ integ;
	unsigned pfs_group;
};

enum fitelnet_from {
	FITELNET_FROM_POLICY,                   /* written in the block */
	FITELNET_FROM_GLOBAL,                   /* crypto ipsec security-association lifetime */
	FITELNET_FROM_DEFAULT,                  /* an option of fitelnet_resolve_opts */
};

struct fitelnet_ts {
	uint32_t addr;                          /* host order */
	uint8_t plen;
};

struct fitelnet_intent {
	char map[FITELNET_NAME_MAX], profile[FITELNET_NAME_MAX], selector[FITELNET_NAME_MAX];
	char isakmp_policy[FITELNET_NAME_MAX], ipsec_policy[FITELNET_NAME_MAX];

	unsigned ike_version;                   /* 1 */
	uint32_t peer;                          /* set peer (host order) */
	uint32_t local_address;                 /* local-address; 0 = the lab interface's */
	uint32_t self_identity;                 /* self-identity address; else local-address */
	uint8_t self_identity_type;             /* FITELNET_ID_IPV4_ADDR */
	char psk[FITELNET_KEY_MAX];             /* local-key; secret, see fitelnet_intent_wipe */
	size_t psk_len;

	struct fitelnet_ike_proposal ike[FITELNET_PROPOSALS_MAX];
	char ike_proposal[FITELNET_PROPOSALS_MAX][FITELNET_PROPOSAL_TEXT];
	size_t n_ike;
	uint32_t ike_lifetime_s;
	enum fitelnet_from ike_lifetime_from;

	struct fitelnet_esp_proposal esp[FITELNET_PROPOSALS_MAX];
	char esp_proposal[FITELNET_PROPOSALS_MAX][FITELNET_PROPOSAL_TEXT];
	size_t n_esp;
	unsigned pfs_group;                     /* 0 = PFS off */
	uint32_t ipsec_lifetime_s;
	uint32_t ipsec_lifetime_kb;             /* 0 = no volume limit; else whichever comes first */
	enum fitelnet_from ipsec_lifetime_from;

	unsigned dpd_interval_s;                /* keepalive interval N; 0 = not configured */
	bool dpd_always_send;                   /* R-U-THERE every N s, traffic or not */
	bool always_up;                         /* initiate at start and whenever the SA goes away */
	int df_bit;                             /* outer DF: 0 clear, 1 set, -1 not configured */
	bool fragment_post;                     /* fragment after encryption */

	struct fitelnet_ts local_ts[FITELNET_SEL_MAX], remote_ts[FITELNET_SEL_MAX];
	size_t n_local_ts, n_remote_ts;
	char ts_text[FITELNET_TS_TEXT];         /* "0.0.0.0/0 === 0.0.0.0/0" (charon's notation) */
};

/*
 * Check c (fitelnet_config_check) and resolve each crypto map, in config order, into out[0..]:
 * at most cap intents, *n gets the count. opts NULL = fitelnet_resolve_opts_default().
 * Returns 0, -EINVAL when the config has errors (reported in d), -ENOSPC when cap is too small.
 * The intents hold the PSK: the caller wipes them with fitelnet_intent_wipe.
 */
int fitelnet_resolve(const struct fitelnet_config *c, const struct fitelnet_resolve_opts *opts,
                     struct fitelnet_intent *out, size_t cap, size_t *n, struct fitelnet_diags *d);

void fitelnet_intent_wipe(struct fitelnet_intent *in);

/* strongSwan's name of a MODP group ("modp1536" for 5), or NULL for an unknown group. */
const char *fitelnet_dh_group_name(unsigned group);

#endif
