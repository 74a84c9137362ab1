/*
 * fitelnet_show_sa.h: the F220's `show crypto sa` text, from a plain SA state.
 *
 * The layout is the field note's (shared/seeds/002_d4e03d8998f8cc8a.txt, "#show crypto sa"),
 * reproduced byte for byte for the one SA shown there (tests/fixtures/fitelnet/
 * show-crypto-sa.txt). Text for states the note does not show is vpnlab's guess and says so:
 * the responder tag <R>, "PFS : off", names of 3DES and HMAC-SHA-256, non-zero protocols and
 * ports in the selector line, and the blank line between several SAs (all UNCONFIRMED).
 */
#ifndef VPNLAB_PEERS_FITELNET_SHOW_SA_H
#define VPNLAB_PEERS_FITELNET_SHOW_SA_H

#include "peers/fitelnet/fitelnet_config.h"
#include "peers/fitelnet/fitelnet_intent.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FITELNET_SA_KEY_MAX 32

struct fitelnet_sa_selector {
	uint32_t addr;          /* host order */
	uint8_t plen;
	uint8_t proto;          /* 0 = ALL */
	uint16_t port;          /* 0 = ALL */
};

/* One direction of an IPsec SA. Keys are secrets: wipe the struct after use. */
struct fitelnet_sa_dir {
	uint32_t spi;
	uint64_t packets, octets;
	uint64_t replay_errors, auth_errors, padding_errors, rule_errors;  /* IN only */
	uint64_t seq_lapped;                                                /* OUT only */
	uint8_t cipher_key[FITELNET_SA_KEY_MAX];
	size_t cipher_key_len;
	uint8_t auth_key[FITELNET_SA_KEY_MAX];
	size_t auth_key_len;
};

struct fitelnet_sa {
	bool initiator;                         /* <I>; false prints <R> (UNCONFIRMED) */
	struct fitelnet_sa_selector local, remote;
	char interface[32];                     /* "tunnel 1" */
	uint32_t peer_ip, local_ip;             /* host order */
	uint16_t peer_port, local_port;
	enum fitelnet_cipher cipher;
	unsigned cipher_key_bits;               /* AES-CBC/128 */
	enum fitelnet_integ integ;              /* HMAC-SHA1-96/160: the /N is the key length */
	uint32_t life_remaining_s, life_total_s;
	unsigned pfs_group;                     /* 0 = off */
	bool esn;
	struct fitelnet_sa_dir in, out;
};

struct fitelnet_sa_table {
	const struct fitelnet_sa *sa;           /* borrowed */
	size_t n_sa;
	unsigned n_isakmp_sa;                   /* "Total number of ISAKMP SA" */
};

/*
 * Print the table as `show crypto sa` does into buf (cap bytes, always NUL-terminated when
 * cap > 0). Returns the length of the whole text, like snprintf: a result >= cap means it was
 * truncated. The text contains the keys, as the router's does.
 */
size_t fitelnet_show_crypto_sa(const struct fitelnet_sa_table *t, char *buf, size_t cap);

#endif
