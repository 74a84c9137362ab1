/*
 * profile_explain.h: would a gateway of this profile, with this connection policy, accept
 * the phase-1 SA an initiator offered? The offline half of `vpnlab explain`: the capture
 * reading is in captures/explain.c, this judges one main (or aggressive) mode message 1.
 *
 * Selection is the engine's own (ike_select_sa, peers/ike/ike_select.h), so the verdict is
 * what a simulated gateway of the profile does on the wire; each offered transform that does
 * not match gets the attributes that fail (ike_select_why). Phase 2 cannot be judged from a
 * capture: quick mode is encrypted.
 */
#ifndef VPNLAB_PEERS_PROFILE_EXPLAIN_H
#define VPNLAB_PEERS_PROFILE_EXPLAIN_H

#include <stdbool.h>
#include <stddef.h>

#include "peers/ike/ike_select.h"
#include "peers/profile/profile.h"

#define PROFILE_EXPLAIN_OFFERS (ISAKMP_MAX_PROPOSALS * ISAKMP_MAX_TRANSFORMS)

struct profile_offer {
	unsigned prop_num, tr_num;      /* proposal and transform numbers as sent */
	bool understood;
	char offered[128];              /* "IKE:AES_CBC_256/..." or what was not understood */
	lab_ns life;                    /* proposed, 0 = none */
	bool matches;
	char why[256];                  /* the failing attributes, when it does not match */
};

struct profile_verdict {
	bool accepted;
	bool mode_refused;              /* aggressive mode to a main-mode-only profile */
	char reason[768];               /* why it is refused, with the profile row's source */
	char selected[128];             /* strongSwan notation, when accepted */
	unsigned sel_prop, sel_tr;      /* its proposal / transform numbers */
	lab_ns life;                    /* lifetime after the profile's rule */
	char ours[256];                 /* our IKE proposals, "aes128-sha1-modp1536,..." */
	struct profile_offer offer[PROFILE_EXPLAIN_OFFERS];
	size_t noffers;
};

/*
 * Judge sa (the SA payload of a message of exchange type exch, ISAKMP_XCHG_IDPROT or
 * ISAKMP_XCHG_AGGR) against pol, a connection of profile p (after the precedence rule of
 * profile.h). Fills *v; pure.
 */
void profile_explain_sa(const struct profile *p, const struct ike_policy *pol, uint8_t exch,
                        const struct isakmp_sa *sa, struct profile_verdict *v);

#endif
