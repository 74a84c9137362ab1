/*
 * isakmp.h: the ISAKMP (IKEv1) codec: one parser and one builder for the whole project. The
 * engine speaks through it and the trace analyser reads captures with it, so it parses
 * anything on the wire, including messages vpnlab did not make, and never trusts a length.
 *
 * Parsers are pure: bytes in, structs out (pointing into the caller's buffer: borrowed), and
 * on failure an error naming the field and the byte offset from the start of the message.
 */
#ifndef VPNLAB_PEERS_IKE_ISAKMP_H
#define VPNLAB_PEERS_IKE_ISAKMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ISAKMP_HDR_LEN       28
#define ISAKMP_VERSION       0x10
#define ISAKMP_MAX_PAYLOADS  32
#define ISAKMP_MAX_PROPOSALS 8
#define ISAKMP_MAX_TRANSFORMS 16
#define ISAKMP_MAX_ATTRS     16
#define ISAKMP_MSG_MAX       8192   /* what the builder makes; the parser takes any size */

/* Payload types (RFC 2408 3.1; RFC 3947; NAT-D draft numbers 130/131) */
enum isakmp_pt {
	ISAKMP_PT_NONE = 0, ISAKMP_PT_SA = 1, ISAKMP_PT_P = 2, ISAKMP_PT_T = 3, ISAKMP_PT_KE = 4,
	ISAKMP_PT_ID = 5, ISAKMP_PT_CERT = 6, ISAKMP_PT_CR = 7, ISAKMP_PT_HASH = 8,
	ISAKMP_PT_SIG = 9, ISAKMP_PT_NONCE = 10, ISAKMP_PT_N = 11, ISAKMP_PT_D = 12,
	ISAKMP_PT_VID = 13, ISAKMP_PT_NATD = 20, ISAKMP_PT_NATOA = 21,
	ISAKMP_PT_NATD_DRAFT = 130, ISAKMP_PT_NATOA_DRAFT = 131,
};

/* Exchange types (RFC 2408 3.1, RFC 2409 App. A) */
enum isakmp_xchg {
	ISAKMP_XCHG_IDPROT = 2, ISAKMP_XCHG_AGGR = 4, ISAKMP_XCHG_INFO = 5,
	ISAKMP_XCHG_TRANSACTION = 6, ISAKMP_XCHG_QUICK = 32,
};

#define ISAKMP_FLAG_ENC    0x01
#define ISAKMP_FLAG_COMMIT 0x02
#define ISAKMP_FLAG_AUTH   0x04

/* Notify message types (RFC 2408 3.14.1, RFC 2407 4.6.3, RFC 3706) */
enum isakmp_notify {
	ISAKMP_N_INVALID_PAYLOAD_TYPE = 1, ISAKMP_N_INVALID_SPI = 11,
	ISAKMP_N_NO_PROPOSAL_CHOSEN = 14, ISAKMP_N_PAYLOAD_MALFORMED = 16,
	ISAKMP_N_INVALID_ID_INFORMATION = 18, ISAKMP_N_INVALID_HASH_INFORMATION = 23,
	ISAKMP_N_AUTHENTICATION_FAILED = 24, ISAKMP_N_RESPONDER_LIFETIME = 24576,
	ISAKMP_N_REPLAY_STATUS = 24577, ISAKMP_N_INITIAL_CONTACT = 24578,
	ISAKMP_N_R_U_THERE = 36136, ISAKMP_N_R_U_THERE_ACK = 36137,
};

/* Protocol IDs (RFC 2407 4.4.1) */
enum isakmp_proto { ISAKMP_PROTO_ISAKMP = 1, ISAKMP_PROTO_AH = 2, ISAKMP_PROTO_ESP = 3 };

/* ID types (RFC 2407 4.6.2.1) */
enum isakmp_id {
	ISAKMP_ID_IPV4_ADDR = 1, ISAKMP_ID_FQDN = 2, ISAKMP_ID_USER_FQDN = 3,
	ISAKMP_ID_IPV4_ADDR_SUBNET = 4, ISAKMP_ID_IPV6_ADDR = 5, ISAKMP_ID_IPV6_ADDR_SUBNET = 6,
	ISAKMP_ID_IPV4_ADDR_RANGE = 7, ISAKMP_ID_IPV6_ADDR_RANGE = 8, ISAKMP_ID_DER_ASN1_DN = 9,
	ISAKMP_ID_KEY_ID = 11,
};

struct isakmp_err {
	size_t off;                     /* byte offset in the message */
	char msg[160];
};

/*
 *   0                   1                   2                   3
 *   0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  !                          Initiator                            !
 *  !                            Cookie                             !
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  !                          Responder                            !
 *  !                            Cookie                             !
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  !  Next Payload ! MjVer ! MnVer ! Exchange Type !     Flags     !
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  !                          Message ID                           !
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *  !                            Length                             !
 *  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *                      RFC 2408 3.1
 */
struct isakmp_hdr {
	uint8_t icookie[8];
	uint8_t rcookie[8];
	uint8_t np;
	uint8_t version;
	uint8_t exch;
	uint8_t flags;
	uint32_t msgid;
	uint32_t length;
};

/* Parse the header; checks version 1.x and that length covers the header and fits len. */
int isakmp_hdr_parse(const uint8_t *msg, size_t len, struct isakmp_hdr *h, struct isakmp_err *e);
void isakmp_hdr_write(uint8_t out[ISAKMP_HDR_LEN], const struct isakmp_hdr *h);

/* One payload of a chain: raw points at its generic header (4 bytes), body after it. */
struct isakmp_pl {
	uint8_t type;
	size_t off;                     /* offset of the generic header in the message */
	const uint8_t *raw;
	size_t raw_len;                 /* header + body */
	const uint8_t *body;
	size_t body_len;
};

struct isakmp_chain {
	struct isakmp_pl pl[ISAKMP_MAX_PAYLOADS];
	size_t n;
	size_t trailing;                /* bytes after the last payload (encryption padding) */
};

/*
 * Walk the generic payload headers starting with type first_np over p[0..len). base_off is
 * p's offset in the message (for errors). Bytes after the payload with next payload 0 are
 * counted as trailing, not parsed (IKEv1 encryption padding has no length of its own).
 *
 *   ! Next Payload  !   RESERVED    !         Payload Length        !   RFC 2408 3.2
 */
int isakmp_chain_parse(uint8_t first_np, const uint8_t *p, size_t len, size_t base_off,
                       struct isakmp_chain *c, struct isakmp_err *e);

/* The first payload of a type, or NULL. */
const struct isakmp_pl *isakmp_chain_find(const struct isakmp_chain *c, uint8_t type);

/* A data attribute: TV (AF bit set, 2-byte value) or TLV (variable length).
 *   !A!       Attribute Type        !    AF=0  Attribute Length     !
 *   !F!                             !    AF=1  Attribute Value      !   RFC 2408 3.3 */
struct isakmp_attr {
	uint16_t type;
	bool tv;
	uint64_t value;                 /* TV, or a TLV of at most 8 bytes */
	bool value_ok;                  /* false for a TLV longer than 8 bytes */
	const uint8_t *data;            /* TLV data */
	size_t len;
};

struct isakmp_transform {
	uint8_t num, id;
	struct isakmp_attr attrs[ISAKMP_MAX_ATTRS];
	size_t nattrs;
	const uint8_t *raw;             /* the whole transform substructure */
	size_t raw_len;
};

struct isakmp_proposal {
	uint8_t num, proto, spi_size, ntransforms;
	uint8_t spi[16];
	struct isakmp_transform tr[ISAKMP_MAX_TRANSFORMS];
	size_t ntr;
};

/* SA payload body: DOI | Situation | Proposal... (RFC 2408 3.4-3.6, RFC 2407 4.6.1) */
struct isakmp_sa {
	uint32_t doi, situation;
	struct isakmp_proposal props[ISAKMP_MAX_PROPOSALS];
	size_t nprops;
};

int isakmp_sa_parse(const uint8_t *body, size_t len, size_t base_off, struct isakmp_sa *sa,
                    struct isakmp_err *e);
/* A bare attribute list (TV and TLV, RFC 2408 3.3), e.g. the data of a RESPONDER-LIFETIME
 * notify (RFC 2407 4.6.3.1), into t->attrs (t->num and t->id 0); base_off is data's offset in
 * the message, for errors. Pointers in t point into data. */
int isakmp_attrs_parse(const uint8_t *data, size_t len, size_t base_off,
                       struct isakmp_transform *t, struct isakmp_err *e);
/* Value of attribute type in a transform; false if absent or not a number. */
bool isakmp_attr_get(const struct isakmp_transform *t, uint16_t type, uint64_t *v);

/* Notify body: DOI | Protocol | SPI size | Type | SPI | data (RFC 2408 3.14) */
struct isakmp_notify_pl {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t type;
	const uint8_t *spi, *data;
	size_t data_len;
};
int isakmp_notify_parse(const struct isakmp_pl *pl, struct isakmp_notify_pl *n,
                        struct isakmp_err *e);

/* Delete body: DOI | Protocol | SPI size | #SPIs | SPIs (RFC 2408 3.15) */
struct isakmp_delete_pl {
	uint32_t doi;
	uint8_t proto, spi_size;
	uint16_t nspis;
	const uint8_t *spis;
};
int isakmp_delete_parse(const struct isakmp_pl *pl, struct isakmp_delete_pl *d,
                        struct isakmp_err *e);

/* ID body: type | protocol | port | data (RFC 2407 4.6.2) */
struct isakmp_id_pl {
	uint8_t type, proto;
	uint16_t port;
	const uint8_t *data;
	size_t len;
};
int isakmp_id_parse(const struct isakmp_pl *pl, struct isakmp_id_pl *id, struct isakmp_err *e);
/* "192.0.2.1", "10.0.0.0/24", "10.0.0.1-10.0.0.9", "host.example", ... */
void isakmp_id_format(const struct isakmp_id_pl *id, char *buf, size_t len);

/* Names for logs: "ID_PROT", "NO_PROPOSAL_CHOSEN", "SA", ... (never NULL) */
const char *isakmp_xchg_name(uint8_t x);
const char *isakmp_notify_name(uint16_t t);
const char *isakmp_pt_name(uint8_t t);
/* strongSwan-style payload list, e.g. "[ HASH SA No KE ID ID ]". */
void isakmp_chain_describe(const struct isakmp_chain *c, char *buf, size_t len);

/* ---- builder ---- */

/* Builds a payload chain; payloads are appended in order and the "next payload" fields are
 * chained automatically. first_np is the type of the first payload (for the header). */
struct isakmp_builder {
	uint8_t buf[ISAKMP_MSG_MAX];
	size_t len;
	uint8_t first_np;
	long np_at;                     /* where the next "next payload" goes; -1: first_np */
	size_t pl_start;
	bool overflow;
};

void isakmp_build_init(struct isakmp_builder *b);
void isakmp_pl_begin(struct isakmp_builder *b, uint8_t type);
void isakmp_pl_end(struct isakmp_builder *b);
void isakmp_put(struct isakmp_builder *b, const void *p, size_t n);
void isakmp_put8(struct isakmp_builder *b, uint8_t v);
void isakmp_put16(struct isakmp_builder *b, uint16_t v);
void isakmp_put32(struct isakmp_builder *b, uint32_t v);
/* An attribute as strongSwan encodes it: TV when the value fits 16 bits, else TLV (4 or 8). */
void isakmp_put_attr(struct isakmp_builder *b, uint16_t type, uint64_t value);
/* Whole simple payloads. */
void isakmp_put_payload(struct isakmp_builder *b, uint8_t type, const void *body, size_t n);
void isakmp_put_notify(struct isakmp_builder *b, uint8_t proto, const uint8_t *spi,
                       size_t spi_size, uint16_t type, const void *data, size_t dlen);
void isakmp_put_delete(struct isakmp_builder *b, uint8_t proto, const uint8_t *spis,
                       size_t spi_size, uint16_t nspis);

#endif
