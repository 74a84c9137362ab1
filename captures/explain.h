/*
 * explain.h: find the IKEv1 phase-1 offers in a capture, for `vpnlab explain`.
 *
 * Walks a pcap/pcapng file with the captures/ reader and the one ISAKMP codec and calls back,
 * in frame order, for each initiator's first message (main mode 1 or aggressive mode 1: the
 * responder cookie zero, message ID zero, not encrypted, with an SA payload), for the
 * responder's answer to it (main / aggressive mode 2 with its chosen SA, or an unencrypted
 * notify such as NO-PROPOSAL-CHOSEN) and counts what cannot be judged (encrypted messages:
 * main mode 5/6, quick mode, informational). Retransmitted first messages are counted, not
 * reported again.
 */
#ifndef VPNLAB_CAPTURES_EXPLAIN_H
#define VPNLAB_CAPTURES_EXPLAIN_H

#include <stddef.h>
#include <stdint.h>

#include "captures/frame.h"
#include "peers/ike/isakmp.h"

enum cap_ike_kind {
	CAP_IKE_OFFER,          /* an initiator's MM1 / AM1 */
	CAP_IKE_ANSWER,         /* the responder's MM2 / AM2 to a reported offer */
	CAP_IKE_NOTIFY,         /* an unencrypted notify (informational exchange) */
};

struct cap_ike_msg {
	enum cap_ike_kind kind;
	const struct cap_frame *f;      /* borrowed for the call */
	struct isakmp_hdr hdr;
	const struct isakmp_sa *sa;     /* OFFER / ANSWER: borrowed for the call */
	uint16_t notify;                /* NOTIFY: the message type */
	uint64_t offer_frame;           /* ANSWER / NOTIFY: the frame of the matching offer, 0
	                                   when none was seen */
};

struct cap_explain_stats {
	uint64_t frames;
	uint64_t isakmp;                /* ISAKMP messages */
	uint64_t offers;                /* reported first messages */
	uint64_t retransmits;           /* first messages seen again */
	uint64_t encrypted;             /* messages with the encryption flag */
	uint64_t quick_mode;            /* of which quick mode */
	uint64_t malformed;             /* ISAKMP messages the codec refused */
};

typedef void (*cap_ike_fn)(void *ctx, const struct cap_ike_msg *m);

/*
 * Walk path. Returns 0, or -errno with a message in err naming the file (and the frame for a
 * cut or corrupt file); st is filled either way.
 */
int cap_explain_walk(const char *path, cap_ike_fn fn, void *ctx, struct cap_explain_stats *st,
                     char *err, size_t errlen);

#endif
