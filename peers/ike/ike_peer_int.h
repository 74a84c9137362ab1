/*
 * ike_peer_int.h: what the files of the IKEv1 peer share (ike_peer.c: helpers, message
 * framing, SA lookup, proposals, input dispatch, timers, lifecycle; ike_mainmode.c: main
 * mode; ike_quickmode.c: quick mode; ike_info.c: informational exchanges and DPD;
 * ike_lifetime.c: RESPONDER-LIFETIME and kilobyte lifetimes; ike_natt.c: NAT keepalives).
 * Private to peers/ike/: nothing outside includes it.
 */
#ifndef VPNLAB_PEERS_IKE_IKE_PEER_INT_H
#define VPNLAB_PEERS_IKE_IKE_PEER_INT_H

#include "peers/ike/ike_crypto.h"
#include "peers/ike/ike_peer.h"

#define MAX_SAS       4
#define MAX_CHILDREN  8
#define MAX_EVENTS    64
#define MAX_OUT       32
#define MAX_LOG       64
#define NONCE_LEN     32
#define NONCE_MAX     256
/* The IKE_SA a reauthentication replaced is deleted this long after the new one is up, not at
 * once: strongSwan as responder moves the CHILD_SAs over in a job of its own
 * (adopt_children_job) after MM6, and a DELETE arriving before that job ran takes the
 * CHILD_SAs down with the old IKE_SA. */
#define REPLACED_DELETE_DELAY lab_sec(2)
/* Bytes in a "kilobyte" of the SA Life Type (RFC 2407 4.5 leaves it open): strongSwan reads
 * and writes the attribute as bytes / 1000 (proposal_substructure.c), so vpnlab does too and
 * both sides agree on the byte count. */
#define IKE_KILOBYTE 1000

enum sa_state { SA_NONE, MM_I1, MM_I2, MM_I3, MM_R1, MM_R2, SA_UP, SA_DEAD };
enum ch_state { CH_NONE, QM_I1, QM_R1, CH_UP, CH_DEAD };

struct xmit {
	bool active;
	struct ike_packet pkt;
	lab_ns next;
	int tries;
};

struct ikesa {
	enum sa_state st;
	bool initiator;
	uint8_t ci[8], cr[8];
	struct ike_prop prop;
	lab_ns lifetime;
	uint8_t sai_b[2048];
	size_t sai_len;
	struct ike_dh dh;
	uint8_t gxi[IKE_DH_MAX], gxr[IKE_DH_MAX], gxy[IKE_DH_MAX];
	size_t glen;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t nil, nrl;
	uint8_t skeyid[IKE_HASH_MAX], skd[IKE_HASH_MAX], ska[IKE_HASH_MAX], ske[IKE_HASH_MAX];
	uint8_t ka[32];
	size_t kalen;
	uint8_t iv[16];                 /* phase-1 CBC chain */
	uint8_t p1_last[16];            /* last ciphertext block of the final phase-1 message */
	bool peer_natt, peer_dpd, encap;
	struct ike_endpoint local, remote;
	struct xmit xm;
	uint8_t last_req_hash[20];      /* the last request we answered, to resend on a retransmit */
	struct ike_packet resp;
	bool have_resp;
	lab_ns established, reauth_at, expire_at;
	lab_ns reauth_jitter;           /* drawn by ikep_reauth_schedule (charon's schedule) */
	char peer_id[96];               /* the peer's phase-1 identity as text, once verified */
	bool ic_doomed;                 /* a duplicate INITIAL-CONTACT destroys after MM6 */
	uint32_t dpd_seq;
	bool dpd_waiting;
	lab_ns dpd_deadline, dpd_next, last_in;
	bool replaced;                  /* reauthenticated: children moved to a newer SA */
	bool collided;                  /* replaced as the loser of a simultaneous initiation */
	bool send_rl;                   /* responder: RESPONDER-LIFETIME goes out after MM6 */
	bool natt_local;                /* NAT-D: this side is behind a NAT (keepalives) */
	lab_ns keepalive_next;
	lab_ns created;
};

struct child {
	enum ch_state st;
	int sa;                         /* owning IKE SA */
	bool initiator;
	uint32_t mid;
	uint8_t iv[16];
	uint32_t spi_in, spi_out;
	struct ike_prop prop;
	lab_ns lifetime;
	uint8_t ni[NONCE_MAX], nr[NONCE_MAX];
	size_t nil, nrl;
	struct ike_dh dh;
	bool pfs;
	uint8_t gxy_buf[IKE_DH_MAX];    /* PFS shared secret */
	struct xmit xm;
	struct ike_packet resp;
	uint8_t req_hash[20];
	lab_ns established, rekey_at, expire_at;
	uint64_t lifebytes;             /* kilobyte lifetime in bytes; 0 = none */
	uint64_t bytes_in, bytes_out;   /* as the data plane last reported them */
	uint64_t bytes_jitter;          /* the soft limit comes this much earlier */
	bool bytes_soft;                /* the soft byte limit started a rekey */
	int replaces;                   /* child index this rekey replaces, -1 */
	bool rekeyed;                   /* a newer child took over */
	bool in_reported;               /* responder: CHILD_SA_INBOUND went out at QM2 */
};

#define MAX_FORGOTTEN 8

struct ike_peer {
	struct ike_policy pol;
	struct drbg *drbg;
	struct ikesa sa[MAX_SAS];
	struct child ch[MAX_CHILDREN];
	struct ike_event ev[MAX_EVENTS];
	size_t nev, evhead;
	struct ike_packet *out;
	size_t nout, outhead;
	char log[MAX_LOG][192];
	size_t nlog, loghead;
	lab_ns now;
	lab_ns restart_at;              /* re-initiate main mode then (initiator after failure) */
	lab_ns last_traffic;
	uint32_t forgotten[MAX_FORGOTTEN]; /* inbound SPIs a restart forgot (ike_peer_forgotten) */
	int nforgotten;
};

/* One log line, charon-like (kept in a ring of MAX_LOG; the oldest goes first). */
void ikep_log(struct ike_peer *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A new event at p->now, zeroed but for type and time. */
struct ike_event *ikep_event(struct ike_peer *p, enum ike_event_type t);
uint32_t ikep_be32(const uint8_t *b);
void ikep_put_be32(uint8_t *b, uint32_t v);
void ikep_queue_packet(struct ike_peer *p, const struct ike_packet *pkt);
/* An encrypted informational exchange on s carrying payloads (HASH(1) put in front). */
void ikep_send_info(struct ike_peer *p, struct ikesa *s, struct isakmp_builder *payloads);
void ikep_send_delete_child(struct ike_peer *p, struct ikesa *s, const struct child *c);
/* DELETEs on s for the SPIs ike_peer_forgotten noted, once (after s's first CHILD_SA). */
void ikep_send_forgotten_deletes(struct ike_peer *p, struct ikesa *s);
/* CHILD_SA state -> DEAD (with a CHILD_SA_DELETED event if it was up and event_it). */
void ikep_child_kill(struct ike_peer *p, struct child *c, const char *why, bool event_it);
/* Quick mode as initiator on s; replaces: the child index it rekeys, or -1. */
void ikep_start_qm(struct ike_peer *p, struct ikesa *s, int replaces);

/* ike_peer.c: helpers, framing, SA lookup, proposals, identities and selectors */
size_t ikep_alen(int family);
void ikep_arm_xmit(struct ike_peer *p, struct xmit *x, const struct ike_packet *pkt);
void ikep_ep_text(const struct ike_endpoint *e, char *buf, size_t len);
bool ikep_esp_from_transform(const struct isakmp_transform *t, struct ike_prop *pr, lab_ns *life,
                             int *encap);
void ikep_frame(struct ikesa *s, struct ike_packet *pkt, uint8_t exch, uint8_t flags, uint32_t mid,
                uint8_t first_np, const uint8_t *body, size_t blen);
int ikep_frame_enc(struct ike_peer *p, struct ikesa *s, struct ike_packet *pkt, uint8_t exch,
                   uint32_t mid, uint8_t first_np, const uint8_t *chain, size_t clen, uint8_t *iv);
bool ikep_id_acceptable(const struct ike_policy *pol, const struct isakmp_id_pl *id);
size_t ikep_id_body(const struct ike_policy *pol, uint8_t *out);
lab_ns ikep_lifetime_or(lab_ns v, lab_ns dflt);
void ikep_log_proposals(struct ike_peer *p, const struct isakmp_sa *sa, bool esp);
bool ikep_p1_from_transform(const struct isakmp_transform *t, struct ike_prop *pr, lab_ns *life,
                            bool *psk);
void ikep_put_esp_transform(struct isakmp_builder *b, uint8_t num, bool last,
                            const struct ike_prop *pr, bool encap, lab_ns lifetime,
                            uint64_t lifebytes);
void ikep_put_ike_transform(struct isakmp_builder *b, uint8_t num, bool last,
                            const struct ike_prop *pr, lab_ns lifetime);
size_t ikep_put_sa_begin(struct isakmp_builder *b, uint8_t pnum, uint8_t proto, const uint8_t *spi,
                         size_t spilen, int ntr);
void ikep_put_sa_end(struct isakmp_builder *b, size_t prop_at);
uint32_t ikep_rand_nonzero32(struct ike_peer *p);
int ikep_sa_index(struct ike_peer *p, const struct ikesa *s);
void ikep_sa_kill(struct ike_peer *p, struct ikesa *s, const char *why);
struct ikesa *ikep_sa_new(struct ike_peer *p);
void ikep_sa_state(struct ike_peer *p, struct ikesa *s, enum sa_state st);
struct ikesa *ikep_sa_up(struct ike_peer *p);
bool ikep_select_prop(struct ike_peer *p, const struct isakmp_sa *sa, bool esp,
                      const struct ike_prop *mine, int nmine, lab_ns my_life, size_t *pi,
                      size_t *ti, struct ike_prop *got, lab_ns *life, int *encap);
void ikep_sha1_of(const uint8_t *m, size_t len, uint8_t out[20]);
size_t ikep_ts_body(const struct ike_net *n, uint8_t *out);
void ikep_ts_text(const struct ike_net *n, char *buf, size_t len);

/* ike_mainmode.c */
int ikep_decrypt_body(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                      const uint8_t *iv, uint8_t *pt, uint8_t *next_iv);
/* Uniqueness (policy unique_on_initial_contact): older IKE_SAs of s's peer identity are
 * logged as duplicates, and with ic marked for ikep_handle_ic, which destroys them. */
void ikep_uniqueness(struct ike_peer *p, struct ikesa *s, bool ic);
void ikep_handle_ic(struct ike_peer *p, struct ikesa *s);
void ikep_handle_mm1(struct ike_peer *p, const struct isakmp_hdr *h, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to);
void ikep_handle_mm2(struct ike_peer *p, struct ikesa *s, const struct isakmp_hdr *h,
                     const struct isakmp_chain *c);
void ikep_handle_mm3(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to);
void ikep_handle_mm4(struct ike_peer *p, struct ikesa *s, const struct isakmp_chain *c,
                     const struct ike_endpoint *from, const struct ike_endpoint *to);
void ikep_handle_mm5(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h, const struct ike_endpoint *from,
                     const struct ike_endpoint *to);
void ikep_handle_mm6(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h);

/* ike_quickmode.c */
struct child *ikep_child_by_mid(struct ike_peer *p, int sa, uint32_t mid);
void ikep_handle_qm1(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                     const struct isakmp_hdr *h);
void ikep_handle_qm2(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
                     size_t len, const struct isakmp_hdr *h);
void ikep_handle_qm3(struct ike_peer *p, struct ikesa *s, struct child *ch, const uint8_t *msg,
                     size_t len, const struct isakmp_hdr *h);
int ikep_open_p2(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                 const struct isakmp_hdr *h, const uint8_t *iv, uint8_t *pt, uint8_t *next_iv,
                 struct isakmp_chain *c);
bool ikep_verify_p2_hash(struct ikesa *s, const struct isakmp_chain *c, uint32_t mid,
                         const uint8_t *nonce, size_t nlen);

/* ike_info.c */
void ikep_handle_info(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                      const struct isakmp_hdr *h);
void ikep_send_delete_ike(struct ike_peer *p, struct ikesa *s);
void ikep_send_dpd(struct ike_peer *p, struct ikesa *s, uint16_t type, uint32_t seq);
/* The established CHILD_SA a received ESP DELETE naming spi means (our outbound SPI, else our
 * inbound one, see ike_info.c); NULL: none. */
struct child *ikep_child_by_delete_spi(struct ike_peer *p, uint32_t spi);
void ikep_send_plain_notify(struct ike_peer *p, struct ikesa *s, uint16_t type);

/* ike_lifetime.c */
/* Seconds / kilobytes from the life type/duration pairs of t (p1: attributes 11/12, else 1/2);
 * 0 where absent. */
void ikep_life_read(const struct isakmp_transform *t, bool p1, lab_ns *secs, uint64_t *kb);
void ikep_life_put(struct isakmp_builder *b, bool p1, lab_ns secs, uint64_t kb);
/* Append N(RESPONDER-LIFETIME) for the SA spi of proto, carrying secs and kb (0: left out). */
void ikep_put_responder_lifetime(struct ike_peer *p, struct isakmp_builder *b, uint8_t proto,
                                 const uint8_t *spi, size_t spilen, lab_ns secs, uint64_t kb);
int ikep_responder_lifetime_read(struct ike_peer *p, const struct isakmp_notify_pl *n,
                                 lab_ns *secs, uint64_t *kb);
/* Phase 1 responder: the informational exchange with our shorter lifetime, after MM6. */
void ikep_send_p1_responder_lifetime(struct ike_peer *p, struct ikesa *s);
/* Honour a shorter ISAKMP SA lifetime: expiry and reauthentication move earlier. */
void ikep_p1_shorten(struct ike_peer *p, struct ikesa *s, lab_ns secs);
void ikep_reauth_schedule(struct ike_peer *p, struct ikesa *s, bool draw);

/* ike_natt.c */
/* After NAT-D: arm keepalives when this side is behind a NAT. */
void ikep_keepalive_arm(struct ike_peer *p, struct ikesa *s);
void ikep_keepalive_timer(struct ike_peer *p, struct ikesa *s);

#endif
