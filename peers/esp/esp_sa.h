/*
 * esp_sa.h: one ESP security association in tunnel mode (RFC 4303), sans-I/O.
 *
 * Outbound: an inner IPv4/IPv6 packet in, the ESP payload out, i.e. the bytes after the outer IP
 * header (raw IPPROTO_ESP socket) or after the UDP header (RFC 3948, UDP 4500 socket); the
 * kernel writes the outer headers. Inbound: those bytes in, the inner packet out.
 *
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ----
 *  |               Security Parameters Index (SPI)                 | ^Int.
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
 *  |                      Sequence Number                          | |ered
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ | ----
 *  |                    IV (8 or 16, RFC 3602 / 2451)              | |   ^
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |   |
 *  ~             Inner IP packet (Payload Data)                    ~ |Conf.
 *  +               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |Cov-
 *  |               |     Padding 1, 2, 3, ... (0-255 bytes)        | |ered
 *  +-+-+-+-+-+-+-+-+               +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ |   |
 *  |                               |  Pad Length   | Next Header   | v   v
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+ ------
 *  |         Integrity Check Value (12, 16, 24 or 32 bytes)        |
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                       (RFC 4303 2, tunnel mode, encrypt then MAC)
 *
 * 32-bit sequence numbers only (no ESN, like kernel-libipsec). Keys are copied in and wiped on
 * free. Lifetimes are judged from lab time passed in; nothing here reads a clock.
 */
#ifndef VPNLAB_PEERS_ESP_SA_H
#define VPNLAB_PEERS_ESP_SA_H

#include "peers/esp/esp_alg.h"
#include "peers/labtime.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct drbg;
struct esp_sa;

enum esp_dir { ESP_DIR_IN, ESP_DIR_OUT };

/* Next Header values for tunnel mode (IANA protocol numbers). */
#define ESP_NH_IPV4 4
#define ESP_NH_IPV6 41
#define ESP_NH_NONE 59  /* dummy packet (RFC 4303 2.6) */

#define ESP_HDR_LEN 8   /* SPI + sequence number */

struct esp_sa_config {
	uint32_t spi;                   /* host order; 0 is reserved (RFC 4303 2.1) */
	enum esp_dir dir;
	enum esp_encr encr;
	enum esp_integ integ;
	/* Encryption key then integrity key, as IKEv1 KEYMAT delivers them (borrowed, copied). */
	const uint8_t *keymat;
	size_t keymat_len;              /* at least enc key_len + integ key_len; extra ignored */
	bool udp_encap;                 /* RFC 3948: only changes the overhead and the socket */
	uint32_t replay_window;         /* inbound, packets; 0 = off (libipsec 128, charon 32) */
	bool lenient_padding;           /* inbound: accept any pad bytes, not only 1,2,3,... */
	uint64_t soft_kbytes, hard_kbytes;      /* lifetimes in KiB of inner bytes; 0 = none */
	lab_ns soft_time, hard_time;            /* lifetimes since creation; 0 = none */
};

/*
 * Create an SA at lab time now. Returns 0 and *out (caller frees with esp_sa_free), or -EINVAL
 * (bad algorithm, short keymat, spi 0, window too large), -ENOMEM, -EIO (OpenSSL refused).
 */
int esp_sa_new(const struct esp_sa_config *cfg, lab_ns now, struct esp_sa **out);

/* Wipe the keys and free. NULL is fine. */
void esp_sa_free(struct esp_sa *sa);

uint32_t esp_sa_spi(const struct esp_sa *sa);
enum esp_dir esp_sa_dir(const struct esp_sa *sa);
bool esp_sa_udp_encap(const struct esp_sa *sa);
enum esp_encr esp_sa_encr(const struct esp_sa *sa);
enum esp_integ esp_sa_integ(const struct esp_sa *sa);

/* Key material for key files (borrowed; lives as long as the SA). */
const uint8_t *esp_sa_enc_key(const struct esp_sa *sa, size_t *len);
const uint8_t *esp_sa_integ_key(const struct esp_sa *sa, size_t *len);

/* Why an inbound packet was dropped; counted per SA and per table. */
enum esp_verdict {
	ESP_OK,
	ESP_E_SHORT,            /* shorter than header + IV + one block + ICV */
	ESP_E_LENGTH,           /* ciphertext not a whole number of blocks */
	ESP_E_UNKNOWN_SPI,
	ESP_E_REPLAY_DUP,
	ESP_E_REPLAY_OLD,
	ESP_E_AUTH,             /* ICV mismatch */
	ESP_E_PADDING,          /* pad length too large, or pad bytes not 1,2,3,... (strict) */
	ESP_E_NEXT_HEADER,      /* not 4 / 41 / 59, or the inner version disagrees */
	ESP_E_DUMMY,            /* next header 59: a dummy packet, authentic, discarded
	                         * silently (RFC 4303 2.6); the window does move */
	ESP_E_NOSPC,            /* the caller's output buffer is too small */
	ESP_E_INTERNAL,         /* OpenSSL failed, wrong direction */
	ESP_VERDICT_COUNT
};

const char *esp_verdict_name(enum esp_verdict v);

struct esp_sa_stats {
	uint64_t packets;               /* accepted inbound / sent outbound */
	uint64_t bytes;                 /* inner packet bytes of those: what strongSwan's
	                                 * libipsec counts too (ipsec_processor.c,
	                                 * update_usestats with the inner packet's length) */
	uint64_t drops[ESP_VERDICT_COUNT];
	uint32_t seq;                   /* outbound: last sent; inbound: highest accepted */
};

void esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *st);

enum esp_life { ESP_LIFE_OK, ESP_LIFE_SOFT, ESP_LIFE_HARD };

/* Where the SA stands against its byte and time lifetimes at lab time now (hard wins). */
enum esp_life esp_sa_lifetime(const struct esp_sa *sa, lab_ns now);

/* Exact ESP payload length for an inner packet of inner_len bytes (no outer IP/UDP header). */
size_t esp_sa_out_len(const struct esp_sa *sa, size_t inner_len);

/*
 * Encapsulate one inner IPv4 or IPv6 packet (the version nibble picks next header 4 or 41).
 * inner may overlap out (in place), e.g. sit at out + ESP_HDR_LEN + IV length.
 * The IV comes from rng (borrowed). Writes esp_sa_out_len() bytes to out.
 * Returns 0, -EINVAL (not IPv4/IPv6, inbound SA), -ENOSPC (cap too small), -EOVERFLOW (the
 * sequence number would pass 2^32-1: the caller rekeys; RFC 4303 3.3.3), -EIO.
 */
int esp_sa_encrypt(struct esp_sa *sa, struct drbg *rng, const uint8_t *inner, size_t inner_len,
                   uint8_t *out, size_t cap, size_t *out_len);

/* As esp_sa_encrypt with a given IV (block_len bytes): for known-answer tests. */
int esp_sa_encrypt_iv(struct esp_sa *sa, const uint8_t *iv, const uint8_t *inner,
                      size_t inner_len, uint8_t *out, size_t cap, size_t *out_len);

/*
 * Next outbound sequence number := next (a gateway fail-over restarting at 1, as a scenario
 * action). 0 is refused (-EINVAL).
 */
int esp_sa_seq_restart(struct esp_sa *sa, uint32_t next);

struct esp_in_result {
	uint32_t spi;
	uint32_t seq;
	uint8_t next_header;
	size_t inner_len;               /* the inner packet is out[0 .. inner_len) */
	char msg[128];                  /* on a drop: which field, at which offset, what value */
};

/*
 * Decapsulate one ESP payload addressed to this (inbound) SA: replay check, ICV (constant
 * time), decrypt, padding, next header, then the window update. Returns ESP_OK with the inner
 * packet in out, or the drop reason (also counted in the SA's stats, msg filled in).
 * out needs the ciphertext length (len - 8 - IV - ICV) bytes.
 */
enum esp_verdict esp_sa_decrypt(struct esp_sa *sa, const uint8_t *pkt, size_t len,
                                uint8_t *out, size_t cap, struct esp_in_result *res);

#endif
