/*
 * fitelnet_config.h: the FITELnet F220 CLI configuration importer.
 *
 * Text in, struct and diagnostics out; no I/O, no clock. The grammar is the command list of
 * PROFILES.md (fitelnet-f220), checked against the two configs of the field note
 * shared/seeds/002_d4e03d8998f8cc8a.txt. Config texts are applied in order onto one
 * struct fitelnet_config: the field story is "load config 1, later apply the changes of
 * config 2", where re-entering `crypto ipsec policy NAME` modifies the existing block and
 * only the lines given change.
 *
 * Lines: leading spaces (the CLI's indentation) are ignored, `!` starts a comment line, blank
 * lines are skipped, `exit` leaves a block, `end` leaves configuration mode, and
 * `save [FILE]`, `commit`, `refresh`, `configure [terminal]` are accepted and do nothing here.
 * A line inside a block that is not a command of the block but is a global command leaves the
 * block first (as IOS-style CLIs do; UNCONFIRMED for the F220, whose pasted configs always
 * close blocks with `exit`).
 */
#ifndef VPNLAB_PEERS_FITELNET_CONFIG_H
#define VPNLAB_PEERS_FITELNET_CONFIG_H

#include "peers/fitelnet/fitelnet_diag.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FITELNET_NAME_MAX   64   /* block names, including NUL (F220 limit UNCONFIRMED) */
#define FITELNET_KEY_MAX    128  /* local-key, including NUL (F220 limit UNCONFIRMED) */
#define FITELNET_BLOCKS_MAX 16   /* blocks of each kind */
#define FITELNET_SEL_MAX    8    /* src or dst entries of one selector */
#define FITELNET_SRC_MAX    16   /* config texts applied onto one config */

/* Where a value was set: which applied text, which line and column (0 = never set). */
struct fitelnet_loc {
	uint8_t src;            /* index into fitelnet_config.src_name */
	unsigned line, col;
};

enum fitelnet_cipher { FITELNET_CIPHER_UNSET, FITELNET_CIPHER_AES, FITELNET_CIPHER_3DES };
enum fitelnet_hash { FITELNET_HASH_UNSET, FITELNET_HASH_SHA1, FITELNET_HASH_SHA256 };
enum fitelnet_frag { FITELNET_FRAG_UNSET, FITELNET_FRAG_PRE, FITELNET_FRAG_POST };

/* crypto ipsec policy NAME */
struct fitelnet_ipsec_policy {
	char name[FITELNET_NAME_MAX];
	struct fitelnet_loc at;
	unsigned pfs_group;                     /* set pfs groupN; 0 = not set (no PFS) */
	bool always_up;                         /* set security-association always-up */
	uint32_t lifetime_s;                    /* set security-association lifetime seconds; 0 unset */
	uint32_t lifetime_kb;                   /* ... lifetime kilobytes; 0 unset (no volume limit) */
	enum fitelnet_cipher esp_cipher;        /* set security-association transform ... */
	enum fitelnet_hash esp_auth;            /* esp-sha-hmac = SHA1, esp-sha256-hmac = SHA256 */
	int df_bit;                             /* set ip df-bit 0|1; -1 = not set */
	enum fitelnet_frag fragment;            /* set ip fragment pre|post */
};

/* One `src N ipv4 ...` or `dst N ipv4 ...` entry; any = 0.0.0.0/0. */
struct fitelnet_sel_entry {
	unsigned seq;
	bool any;
	uint32_t addr;          /* host order */
	uint8_t plen;
};

/* crypto ipsec selector NAME */
struct fitelnet_selector {
	char name[FITELNET_NAME_MAX];
	struct fitelnet_loc at;
	struct fitelnet_sel_entry src[FITELNET_SEL_MAX], dst[FITELNET_SEL_MAX];
	size_t nsrc, ndst;      /* kept sorted by seq */
};

/* crypto isakmp policy NAME */
struct fitelnet_isakmp_policy {
	char name[FITELNET_NAME_MAX];
	struct fitelnet_loc at;
	bool pre_share;                 /* authentication pre-share */
	enum fitelnet_cipher cipher;    /* encryption aes|3des */
	unsigned group;                 /* group N; 0 unset */
	uint32_t lifetime_s;            /* lifetime N; 0 unset */
	enum fitelnet_hash hash;        /* hash sha|sha-256 */
};

/* crypto isakmp profile NAME */
struct fitelnet_isakmp_profile {
	char name[FITELNET_NAME_MAX];
	struct fitelnet_loc at;
	uint32_t local_address;         /* host order; loc.line == 0 when unset */
	struct fitelnet_loc local_address_at;
	unsigned keepalive_interval_s;  /* keepalive interval N [always-send]; 0 unset */
	bool keepalive_always_send;
	uint32_t self_identity;         /* self-identity address A */
	struct fitelnet_loc self_identity_at;
	char isakmp_policy[FITELNET_NAME_MAX];  /* set isakmp-policy P; "" unset */
	struct fitelnet_loc isakmp_policy_at;
	char ipsec_policy[FITELNET_NAME_MAX];   /* set ipsec-policy P */
	struct fitelnet_loc ipsec_policy_at;
	uint32_t peer;                  /* set peer A */
	struct fitelnet_loc peer_at;
	unsigned ike_version;           /* ike-version 1; 0 unset */
	char local_key[FITELNET_KEY_MAX];       /* secret: wiped by fitelnet_config_wipe() */
	struct fitelnet_loc local_key_at;
};

/* crypto map NAME ipsec-isakmp */
struct fitelnet_map {
	char name[FITELNET_NAME_MAX];
	struct fitelnet_loc at;
	char match_address[FITELNET_NAME_MAX];  /* match address S (a selector) */
	struct fitelnet_loc match_address_at;
	char isakmp_profile[FITELNET_NAME_MAX]; /* set isakmp-profile P */
	struct fitelnet_loc isakmp_profile_at;
};

struct fitelnet_config {
	uint32_t global_sa_lifetime_s;  /* crypto ipsec security-association lifetime seconds N */
	struct fitelnet_ipsec_policy ipsec_policy[FITELNET_BLOCKS_MAX];
	struct fitelnet_selector selector[FITELNET_BLOCKS_MAX];
	struct fitelnet_isakmp_policy isakmp_policy[FITELNET_BLOCKS_MAX];
	struct fitelnet_isakmp_profile profile[FITELNET_BLOCKS_MAX];
	struct fitelnet_map map[FITELNET_BLOCKS_MAX];
	size_t n_ipsec_policy, n_selector, n_isakmp_policy, n_profile, n_map;
	char src_name[FITELNET_SRC_MAX][FITELNET_NAME_MAX];  /* names of the applied texts */
	size_t n_src;
};

/* An empty config (no blocks, nothing set). */
void fitelnet_config_init(struct fitelnet_config *c);

/* Wipe the config, pre-shared keys included (OPENSSL_cleanse); c is empty afterwards. */
void fitelnet_config_wipe(struct fitelnet_config *c);

/*
 * Apply one config text (len bytes, need not be NUL-terminated) onto c. name labels the
 * diagnostics ("v1.conf:12:6: ..."). Every syntax error is reported in d. Atomic: when any
 * error is found, c is left exactly as it was and -EINVAL is returned; otherwise 0.
 * Too many texts applied onto one config (FITELNET_SRC_MAX) gives -E2BIG. Allocates a scratch
 * copy (-ENOMEM). Cross-references are not checked here (see fitelnet_config_check).
 */
int fitelnet_config_apply(struct fitelnet_config *c, const char *name, const char *text, size_t len,
                          struct fitelnet_diags *d);

/* fitelnet_config_init() then fitelnet_config_apply(). */
int fitelnet_parse(const char *name, const char *text, size_t len, struct fitelnet_config *out,
                   struct fitelnet_diags *d);

/*
 * Cross-reference checks of a complete config: every crypto map names an existing selector
 * and profile, every profile an existing isakmp-policy and ipsec-policy, has a peer and a
 * local-key; the blocks a working tunnel needs exist (each missing one is named); unused
 * blocks give warnings. Errors point at the referencing line. Returns 0 or -EINVAL.
 */
int fitelnet_config_check(const struct fitelnet_config *c, struct fitelnet_diags *d);

/* Lookups by name; NULL when absent. Borrowed pointers into c. */
const struct fitelnet_ipsec_policy *fitelnet_config_ipsec_policy(const struct fitelnet_config *c,
                                                                 const char *name);
const struct fitelnet_selector *fitelnet_config_selector(const struct fitelnet_config *c,
                                                         const char *name);
const struct fitelnet_isakmp_policy *fitelnet_config_isakmp_policy(const struct fitelnet_config *c,
                                                                   const char *name);
const struct fitelnet_isakmp_profile *fitelnet_config_profile(const struct fitelnet_config *c,
                                                              const char *name);
const struct fitelnet_map *fitelnet_config_map(const struct fitelnet_config *c, const char *name);

#endif
