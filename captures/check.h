/*
 * check.h: expectations judged on a trace model (trace.h), the way an engineer judges a
 * capture. Each verdict says what was expected, what the trace showed, and where (capture
 * file and frame numbers). Pure: reads the trace's event log and summaries, changes nothing.
 *
 * Addresses: family 0 means "any". Times are capture time in ns. `capture` restricts an
 * expectation to one link end's capture.
 */
#ifndef VPNLAB_CAPTURES_CHECK_H
#define VPNLAB_CAPTURES_CHECK_H

#include "captures/trace.h"

#include <stdbool.h>
#include <stdint.h>

enum check_kind {
	CHK_IKE_PROPOSAL,       /* the IKE proposal selected between a and b is `proposal`
	                         * (strongSwan notation, "IKE:AES_CBC_256/HMAC_SHA2_256_128/...") */
	CHK_ESP_PROPOSAL,       /* the same for the CHILD_SAs ("ESP:AES_CBC_128/HMAC_SHA1_96/...") */
	CHK_NO_PROPOSAL_CHOSEN, /* a NO-PROPOSAL-CHOSEN notify was sent (from a, if given) */
	CHK_TUNNEL_UP_WITHIN,   /* a CHILD_SA between a and b within `within` of the first
	                         * ISAKMP message between them */
	CHK_CHILD_REKEY_EVERY,  /* CHILD_SA rekeys every `interval` +- `tolerance` (at least one) */
	CHK_IKE_REAUTH_EVERY,   /* IKE reauthentications every `interval` +- `tolerance` */
	CHK_DPD_EVERY,          /* R-U-THERE from a every `interval` +- `tolerance` */
	CHK_DPD_TIMEOUT,        /* R-U-THERE from a left unanswered, then `action`: "restart"
	                         * (a new main mode from a) or "clear" (delete / nothing more);
	                         * `within` (0: to the end) bounds the window after the first
	                         * unanswered one in which the action is looked for. "hold"
	                         * (a trap policy): nothing from a (no delete, no new main
	                         * mode) until the first packet in the clear of the flow
	                         * fa -> fb after the first unanswered one (in any capture),
	                         * then a new main mode from a within CHECK_HOLD_REACT of it;
	                         * `within` bounds that packet and the main mode */
	CHK_HAIRPIN_REFUSED,    /* no inner packet decrypted from one tunnel re-encrypted into
	                         * another (needs decrypted traffic) */
	CHK_OUTER_FRAGMENTS,    /* ESP / UDP-ESP datagrams fragmented on the link (from a) */
	CHK_INNER_FRAGMENTS,    /* fragments inside the tunnel (decrypted traffic) */
	CHK_ICMP_FRAG_NEEDED,   /* ICMP fragmentation needed / packet too big with MTU n */
	CHK_TCP_MSS_MAX,        /* every TCP SYN's MSS (outer and inner) at most n; one at least;
	                         * between a and b, or only a -> b when `directed` */
	CHK_NO_LOSS_ACROSS_REKEY, /* inner flows running across each rekey lost nothing; with a
	                         * or b: only the inner flow a -> b (ICMP echo or udp probe) */
	CHK_ESP_SEQ_RESTART,    /* an ESP sequence restart was seen (from a) */
	CHK_REPLAY_DROPPED,     /* replayed ESP packets were seen and not answered: the reverse
	                         * SA carried no more packets than the originals (1:1 traffic) */
	CHK_NATT_FLOAT,         /* IKE between a and b moved from UDP 500 to 4500 and the ESP
	                         * between them travels in UDP 4500 (RFC 3947/3948), none bare */
	CHK_RESPONDER_LIFETIME, /* an N(RESPONDER-LIFETIME) from a (to b) carrying n seconds
	                         * (0: any); `phase` 1 (for the ISAKMP SA, protocol ISAKMP), 2
	                         * (for a CHILD_SA, protocol ESP / AH) or 0 (either). The notify
	                         * rides in encrypted messages: seen only with the IKE keys */
	CHK_INITIAL_CONTACT,    /* a main mode from a with INITIAL-CONTACT in MM5 while an older
	                         * IKE SA with b was up; the new one up with a quick mode, and
	                         * nothing more under the old one's cookies */
	CHK_KIND_COUNT
};

/* hold: how soon after the trapped packet the new main mode must leave. An acquire is
 * immediate (strongSwan's and vpnlab's trap policies initiate on the packet itself); a
 * cleared connection that an operator initiates while traffic is being dropped comes
 * seconds later, and must not pass for a trap. */
#define CHECK_HOLD_REACT 1000000000LL

struct check_expect {
	enum check_kind kind;
	struct ip_addr a, b;
	char proposal[128];
	int64_t within, interval, tolerance;
	uint64_t n;
	char action[16];
	int phase;               /* CHK_RESPONDER_LIFETIME: 1, 2, 0 = either */
	struct ip_addr fa, fb;   /* CHK_DPD_TIMEOUT hold: the flow whose packet is trapped */
	bool directed;           /* CHK_TCP_MSS_MAX: a and b are from and to, not between */
	char capture[96];        /* only events of the capture with this file name ("r1-wan0.pcap",
	                          * the base name); "" = every capture */
	int64_t lifetime;        /* CHK_IKE/ESP_PROPOSAL: every selection's lifetime (ns, whole
	                          * seconds); 0 = not judged */
	bool after_refusal;      /* judge only events after the last NO-PROPOSAL-CHOSEN notify
	                          * (between a and b when given); none there: the check fails */
	int64_t since_ns;        /* set by check_judge from after_refusal: events up to this
	                          * capture time are not matched */
};

struct check_verdict {
	bool pass;
	char expected[320];
	char observed[400];
	char where[240];         /* "file.pcap#frames 7,9" */
};

/* Judge one expectation. Returns v->pass. */
bool check_judge(const struct trace *t, const struct check_expect *e, struct check_verdict *v);

const char *check_kind_name(enum check_kind k);
/* "ike_proposal" -> CHK_IKE_PROPOSAL; -1 if unknown. */
int check_kind_from_name(const char *name);

#endif
