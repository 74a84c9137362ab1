/*
 * keys.h: the key files Wireshark reads, so a capture decrypts in vpnlab as in Wireshark.
 *
 *   ikev1_decryption_table, one IKE SA a line, unquoted hex (packet-isakmp.c ikev1_uat_flds):
 *     aa5bc069957f83b8,2c182d846517e486c172e23b7797723d
 *     (initiator cookie, 8 bytes; encryption key Ka after RFC 2409 App. B, 8..64 bytes)
 *   esp_sa, one SA direction a line, eight quoted fields (packet-ipsec.c esp_uat_flds):
 *     "IPv4","192.0.2.1","192.0.2.2","0xea30623f","AES-CBC [RFC3602]","0x<key>",
 *     "HMAC-SHA-1-96 [RFC2404]","0x<key>"
 *     (addresses and SPI may be "*"; strongSwan's save-keys plugin and vpnlab peer write both)
 *
 * Blank lines and lines starting with '#' are skipped. Errors name FILE:LINE:COL and the field.
 * Keys are copied into the set and wiped (explicit_bzero) when it is freed.
 */
#ifndef VPNLAB_CAPTURES_KEYS_H
#define VPNLAB_CAPTURES_KEYS_H

#include "peers/esp/esp_alg.h"
#include "peers/ip/ip.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_KEYS_MAX_IKE 4096
#define CAP_KEYS_MAX_ESP 8192
#define CAP_IKE_KEY_MAX  64

enum cap_keys_kind { CAP_KEYS_IKE, CAP_KEYS_ESP };

struct cap_ike_key {
	uint8_t icookie[8];
	uint8_t key[CAP_IKE_KEY_MAX];
	size_t len;
};

struct cap_esp_key {
	bool src_any, dst_any, spi_any;
	struct ip_addr src, dst;
	uint32_t spi;
	enum esp_encr encr;
	enum esp_integ integ;
	bool integ_unchecked;           /* "ANY 96 bit authentication [no checking]" */
	uint8_t keymat[2 * ESP_KEY_MAX];   /* encryption key then integrity key */
	size_t enc_len, integ_len;
};

struct cap_keys;

/* An empty set (caller frees with cap_keys_free). NULL on out of memory. */
struct cap_keys *cap_keys_new(void);
void cap_keys_free(struct cap_keys *k);

/*
 * Add the lines of text (len bytes) of the given kind, named name in errors. Pure apart from
 * the set. Returns 0, or -EINVAL / -ENOSPC with msg "NAME:LINE:COL: field: what is wrong".
 */
int cap_keys_parse(struct cap_keys *k, enum cap_keys_kind kind, const char *name,
                   const char *text, size_t len, char *msg, size_t msglen);

/*
 * Load path: a file named ikev1_decryption_table or esp_sa (any other name: its kind is
 * guessed from the first key line: quoted means esp_sa), or a directory holding either or
 * both. Returns 0 or -errno with msg.
 */
int cap_keys_load(struct cap_keys *k, const char *path, char *msg, size_t msglen);

/* The IKE key for an initiator cookie, or NULL (borrowed). */
const struct cap_ike_key *cap_keys_ike(const struct cap_keys *k, const uint8_t icookie[8]);
/* The ESP key for an SA direction (first matching line, wildcards allowed), or NULL. */
const struct cap_esp_key *cap_keys_esp(const struct cap_keys *k, const struct ip_addr *src,
                                       const struct ip_addr *dst, uint32_t spi);
size_t cap_keys_count(const struct cap_keys *k, enum cap_keys_kind kind);

#endif
