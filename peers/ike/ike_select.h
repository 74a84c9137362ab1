/*
 * ike_select.h: how a responder picks a transform from a received SA payload (main mode MM1,
 * quick mode QM1), and why each offered transform does or does not match.
 *
 * Pure: an SA payload and the policy's proposals in, a choice out. The IKE engine
 * (ike_peer.c) selects with ike_select_sa(); `vpnlab explain` (peers/profile/) calls the very
 * same function on an SA read from a capture and ike_select_why() to name the attribute that
 * fails, so there is one selection rule, not two.
 */
#ifndef VPNLAB_PEERS_IKE_IKE_SELECT_H
#define VPNLAB_PEERS_IKE_IKE_SELECT_H

#include <stdbool.h>
#include <stddef.h>

#include "peers/ike/ike_peer.h"

/* A received transform as a proposal vpnlab understands. */
struct ike_offer {
	bool ok;                        /* encr, hash (and for IKE a known group) understood */
	struct ike_prop prop;
	lab_ns life;                    /* proposed lifetime in seconds; 0 = none */
	bool psk;                       /* IKE: authentication method pre-shared key */
	int auth;                       /* IKE: the raw authentication method, 0 = absent */
	int encap;                      /* ESP: encapsulation mode, 1 (tunnel) when absent */
};

/* Decode transform t of a phase-1 (esp false) or ESP proposal. */
void ike_offer_decode(const struct isakmp_transform *t, bool esp, struct ike_offer *o);

/* The lifetime rule pol applies: its life_rule, or IKE_LIFE_SHORTER when it sends
 * RESPONDER-LIFETIME. */
enum ike_life_rule ike_select_rule(const struct ike_policy *pol);

/* Apply the lifetime rule: 0 when refused, else the lifetime to use. */
lab_ns ike_select_life(enum ike_life_rule rule, lab_ns offered, lab_ns mine);

struct ike_selection {
	size_t pi, ti;                  /* proposal and transform index in the received SA */
	struct ike_prop prop;
	lab_ns life;                    /* after the lifetime rule */
	int encap;
	int life_refused;               /* candidates that matched but failed the lifetime rule */
	lab_ns life_refused_offered;    /* the first one's offered lifetime */
};

/*
 * Pick a transform of sa against mine[0..nmine) with pol's selection order (own order:
 * the first of ours that any offered transform matches; peer order: the first offered one
 * that matches any of ours) and lifetime rule; my_life is our lifetime. A match is every
 * field of struct ike_prop equal, the right protocol (ESP with a 4-byte SPI / ISAKMP), and
 * for IKE pre-shared key authentication. true and *out filled, or false (out->life_refused
 * still says whether a lifetime was the reason).
 */
bool ike_select_sa(const struct ike_policy *pol, const struct isakmp_sa *sa, bool esp,
                   const struct ike_prop *mine, int nmine, lab_ns my_life,
                   struct ike_selection *out);

/*
 * Why offered transform ti of proposal pi does not match. A wrong protocol or a transform
 * vpnlab does not understand is named alone; otherwise every attribute that differs from the
 * one of our proposals it comes closest to (most equal fields, encryption weighing most):
 * encryption or key length, hash, group, authentication method, e.g. "key length 256
 * (ours: 128), hash SHA2_256 (ours: SHA1), DH group 14 (ours: 5)"; and when all match, the
 * lifetime rule. Returns false (why empty) when the transform matches.
 */
bool ike_select_why(const struct ike_policy *pol, const struct isakmp_sa *sa, size_t pi,
                    size_t ti, bool esp, const struct ike_prop *mine, int nmine,
                    lab_ns my_life, char *why, size_t len);

#endif
