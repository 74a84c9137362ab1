/*
 * ike_peer.h: one simulated IKEv1 peer, sans I/O.
 *
 * The peer is fed datagrams (the ISAKMP message, with the RFC 3948 non-ESP marker already
 * removed), the addresses they came from and went to, and the lab time; it hands back
 * datagrams to send (with the marker when they go to port 4500), events, and the lab time of
 * its next deadline. It reads no clock and opens no socket; its randomness (cookies, nonces,
 * SPIs, DH values, message IDs, jitter) comes from the drbg it is given, so two runs with the
 * same seed exchange the same bytes.
 *
 * What a profile does differently is data in struct ike_policy, not code.
 */
#ifndef VPNLAB_PEERS_IKE_IKE_PEER_H
#define VPNLAB_PEERS_IKE_IKE_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "peers/drbg.h"
#include "peers/ike/ike_alg.h"
#include "peers/ike/isakmp.h"
#include "peers/labtime.h"

struct ike_endpoint {
	int family;                     /* AF_INET / AF_INET6 */
	uint8_t addr[16];
	uint16_t port;
};

struct ike_net {                        /* a traffic selector / subnet */
	int family;
	uint8_t addr[16];
	int len;
};

enum ike_select { IKE_SELECT_OWN_ORDER, IKE_SELECT_PEER_ORDER };
enum ike_life_rule { IKE_LIFE_ACCEPT, IKE_LIFE_SHORTER, IKE_LIFE_EXACT };
enum ike_dpd_mode { IKE_DPD_OFF, IKE_DPD_IDLE, IKE_DPD_ALWAYS, IKE_DPD_RESPOND_ONLY };
enum ike_dpd_action { IKE_DPD_CLEAR, IKE_DPD_HOLD, IKE_DPD_RESTART };

struct ike_policy {
	char name[32];                  /* for logs */
	struct ike_endpoint local;      /* port 500 */
	struct ike_endpoint remote;     /* port 500 */
	uint8_t psk[128];
	size_t psk_len;
	uint8_t local_id_type;          /* ISAKMP_ID_*; 0: ID_IPV4_ADDR of local */
	uint8_t local_id[64];
	size_t local_id_len;
	uint8_t remote_id_type;         /* 0: accept any identity */
	uint8_t remote_id[64];
	size_t remote_id_len;
	struct ike_prop ike[IKE_MAX_PROPS];
	int nike;
	struct ike_prop esp[IKE_MAX_PROPS];
	int nesp;
	struct ike_net local_ts, remote_ts;
	lab_ns ike_lifetime;            /* proposed / enforced; 0 = 8h */
	lab_ns esp_lifetime;            /* 0 = 1h */
	uint64_t esp_lifebytes;         /* bytes, proposed in quick mode as kilobytes of 1000
	                                   bytes (as strongSwan counts them); 0 = none.
	                                   Enforced from ike_peer_child_bytes() reports */
	bool send_responder_lifetime;   /* responder: when the proposed lifetime (seconds, or
	                                   kilobytes in phase 2) is longer than ours, echo the
	                                   proposal, use ours, and say so with RESPONDER-LIFETIME
	                                   (RFC 2407 4.6.3.1; Cisco-like). Implies the
	                                   "shorter" rule for what is used */
	lab_ns natt_keepalive;          /* behind a NAT (NAT-D): a one-byte 0xFF datagram to the
	                                   peer's port 4500 this often (RFC 3948 4); 0 = none */
	enum ike_select select;
	enum ike_life_rule life_rule;
	bool send_dpd_vid;
	bool send_natt_vid;
	bool initial_contact;
	bool unique_on_initial_contact; /* drop older IKE SAs of the peer on INITIAL-CONTACT */
	bool force_encap;               /* fake NAT-D so the peer floats to 4500 (libipsec) */
	enum ike_dpd_mode dpd;
	bool dpd_needs_peer_vid;        /* strongSwan: send R-U-THERE only if the peer sent the
	                                   DPD vendor ID (always answered either way) */
	lab_ns dpd_delay, dpd_timeout;
	enum ike_dpd_action dpd_action;
	bool initiator;                 /* start main mode on ike_peer_start */
	lab_ns rekey_margin;            /* rekey children this long before expiry; 0 = 10% */
	lab_ns rekey_jitter;            /* up to this much earlier, from the drbg */
	lab_ns reauth_margin;           /* charon's IKE_SA schedule when > 0, either role: reauth
	                                   at lifetime - margin - U[0, margin] whole seconds from
	                                   the drbg (rekeyfuzz 100%), hard expiry at reauth +
	                                   margin (over_time); 0 = initiator only, rekey_margin
	                                   or 10% less rekey_jitter, expiry at the lifetime */
	lab_ns retransmit_base;         /* 0 = 4s, then x1.8 per try (strongSwan) */
	int retransmit_tries;           /* 0 = 5 */
};

enum ike_event_type {
	IKE_EV_IKE_SA_ESTABLISHED,
	IKE_EV_CHILD_SA_ESTABLISHED,
	IKE_EV_CHILD_SA_REKEYED,
	IKE_EV_IKE_SA_REAUTHENTICATED,
	IKE_EV_NO_PROPOSAL_CHOSEN,
	IKE_EV_AUTH_FAILED,
	IKE_EV_IKE_SA_DELETED,
	IKE_EV_CHILD_SA_DELETED,
	IKE_EV_DPD_SENT,
	IKE_EV_DPD_ACK,
	IKE_EV_DPD_TIMEOUT,
	IKE_EV_TIMEOUT,                 /* an exchange got no answer */
	IKE_EV_ERROR,                   /* a message was refused; detail says why */
	IKE_EV_CHILD_SA_INBOUND,        /* responder, QM2 sent: install the inbound half now
	                                   (`in`, spi_in, prop, udp_encap, local/remote; `out`
	                                   is zero), as strongSwan does, so ESP the initiator
	                                   sends right after QM3 is not dropped. The complete
	                                   pair follows in CHILD_SA_ESTABLISHED / REKEYED once
	                                   QM3 arrives; if the CHILD_SA never gets that far,
	                                   CHILD_SA_DELETED with this spi_in removes it */
};

/* The keys of one CHILD_SA direction, for the ESP data plane. */
struct ike_child_keys {
	uint32_t spi;
	uint8_t enc[32];
	size_t enc_len;
	uint8_t integ[64];
	size_t integ_len;
};

struct ike_event {
	enum ike_event_type type;
	lab_ns time;
	char proposal[128];             /* strongSwan log notation, when established */
	char detail[256];
	uint32_t spi_in, spi_out;       /* CHILD_SA */
	uint32_t old_spi_in, old_spi_out; /* CHILD_SA_REKEYED: the SA being replaced */
	lab_ns lifetime;
	uint64_t lifebytes;             /* CHILD_SA: kilobyte lifetime in bytes, 0 = none */
	uint32_t dpd_seq;
	bool udp_encap;                 /* ESP in UDP 4500 */
	struct ike_prop prop;
	struct ike_child_keys in, out;  /* CHILD_SA_ESTABLISHED / REKEYED */
	struct ike_endpoint local, remote; /* where ESP goes */
	char keyline[160];              /* ikev1_decryption_table line, IKE_SA_ESTABLISHED */
};

struct ike_packet {
	uint8_t data[ISAKMP_MSG_MAX + 4];
	size_t len;
	struct ike_endpoint from, to;
};

struct ike_peer;

/* Ownership: the peer copies the policy; it borrows drbg for its lifetime. */
int ike_peer_new(struct ike_peer **out, const struct ike_policy *pol, struct drbg *drbg);
void ike_peer_free(struct ike_peer *p);

/* Initiate main mode now (also done automatically for an initiator policy). */
void ike_peer_start(struct ike_peer *p, lab_ns now);
void ike_peer_input(struct ike_peer *p, const uint8_t *msg, size_t len,
                    const struct ike_endpoint *from, const struct ike_endpoint *to, lab_ns now);
/* Note that ESP traffic arrived (for idle-only DPD). */
void ike_peer_traffic(struct ike_peer *p, lab_ns now);
void ike_peer_timer(struct ike_peer *p, lab_ns now);
lab_ns ike_peer_deadline(const struct ike_peer *p);
/* Delete every SA (informational DELETEs go out). */
void ike_peer_shutdown(struct ike_peer *p, lab_ns now);
/* spi_in: an inbound ESP SPI of a CHILD_SA that an earlier incarnation of this peer had and
 * forgot without a DELETE (its IKE side restarted). With its first new CHILD_SA (as quick
 * mode initiator between QM2 and QM3, as responder once QM3 arrived) a DELETE for it goes out
 * under that IKE_SA, as the F220 does after it links again (seeds/002 l.233-238; the router
 * answers "CHILD_SA not found, ignored" when INITIAL-CONTACT already destroyed it). At most 8
 * are kept. */
void ike_peer_forgotten(struct ike_peer *p, uint32_t spi_in);

bool ike_peer_output(struct ike_peer *p, struct ike_packet *out);
bool ike_peer_event(struct ike_peer *p, struct ike_event *out);
/* One log line per call ("selected proposal: IKE:..."), charon-like; false when empty. */
bool ike_peer_log(struct ike_peer *p, char *line, size_t len);

/* The ESP data plane reports the bytes an SA has carried so far (a running total for the
 * SA with this SPI, either direction). A CHILD_SA with a kilobyte lifetime is rekeyed when
 * either direction passes the soft limit (10% before the end, earlier by up to rekey_jitter
 * worth of bytes in the same proportion), whichever side this peer is, and deleted
 * (DELETE sent) at the hard limit. Unknown SPIs are ignored. */
void ike_peer_child_bytes(struct ike_peer *p, uint32_t spi, uint64_t bytes, lab_ns now);

/* Is an ESTABLISHED CHILD_SA up? */
bool ike_peer_child_up(const struct ike_peer *p);
/* How many ISAKMP SAs are established (a status display's "ISAKMP SA" count). */
unsigned ike_peer_ike_sa_count(const struct ike_peer *p);

/* Wireshark esp_sa lines for one direction (research notes 7). */
void ike_esp_sa_line(const struct ike_endpoint *src, const struct ike_endpoint *dst,
                     const struct ike_prop *prop, const struct ike_child_keys *k, char *buf,
                     size_t len);

#endif
