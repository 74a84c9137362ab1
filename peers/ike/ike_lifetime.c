/*
 * ike_lifetime.c: lifetimes beyond the proposal: the RESPONDER-LIFETIME notify (RFC 2407
 * 4.6.3.1) a responder sends when its own lifetime is shorter than the one proposed, and
 * kilobyte lifetimes enforced from the byte counts the ESP data plane reports.
 *
 * RESPONDER-LIFETIME (notify type 24576) as Cisco-like responders send it:
 *
 *    0                   1                   2                   3
 *    0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ! Next Payload  !   RESERVED    !         Payload Length        !
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   !              Domain of Interpretation (1, IPsec)              !
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   !  Protocol-ID  !   SPI Size    !   Notify Message Type (24576) !
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~  SPI: CKY-I | CKY-R (phase 1, 16) or the responder's ESP SPI  ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *   ~  SA attributes: life type / life duration pairs (TV or TLV)   ~
 *   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
 *
 * The attribute numbers are those of the SA being shortened: 11/12 for the ISAKMP SA
 * (RFC 2409 appendix A), 1/2 for an IPsec SA (RFC 2407 4.5); life type 1 is seconds, 2
 * kilobytes. In quick mode the notify rides in QM2 (covered by HASH(2)); for the ISAKMP SA it
 * goes in an informational exchange right after MM6, since MM2 is not yet protected.
 */
#include "peers/ike/ike_peer_int.h"

#include <stdio.h>
#include <string.h>

static void attr_types(bool p1, uint16_t *type, uint16_t *dur)
{
	*type = p1 ? 11 : 1;
	*dur = p1 ? 12 : 2;
}

void ikep_life_read(const struct isakmp_transform *t, bool p1, lab_ns *secs, uint64_t *kb)
{
	uint16_t ty, du;

	attr_types(p1, &ty, &du);
	*secs = 0;
	*kb = 0;
	/* each duration follows the type it measures (RFC 2407 4.5) */
	for (size_t i = 0; i + 1 < t->nattrs; i++) {
		const struct isakmp_attr *a = &t->attrs[i], *d = &t->attrs[i + 1];

		if (a->type != ty || !a->value_ok || d->type != du || !d->value_ok)
			continue;
		if (a->value == 1)
			*secs = (lab_ns)d->value * LAB_NS_PER_SEC;
		else if (a->value == 2)
			*kb = d->value;
	}
}

void ikep_life_put(struct isakmp_builder *b, bool p1, lab_ns secs, uint64_t kb)
{
	uint16_t ty, du;

	attr_types(p1, &ty, &du);
	if (secs > 0) {
		isakmp_put_attr(b, ty, 1);
		isakmp_put_attr(b, du, (uint64_t)(secs / LAB_NS_PER_SEC));
	}
	if (kb) {
		isakmp_put_attr(b, ty, 2);
		isakmp_put_attr(b, du, kb);
	}
}

void ikep_put_responder_lifetime(struct ike_peer *p, struct isakmp_builder *b, uint8_t proto,
                                 const uint8_t *spi, size_t spilen, lab_ns secs, uint64_t kb)
{
	struct isakmp_builder data;
	bool p1 = proto == ISAKMP_PROTO_ISAKMP;

	isakmp_build_init(&data);
	ikep_life_put(&data, p1, secs, kb);
	isakmp_put_notify(b, proto, spi, spilen, ISAKMP_N_RESPONDER_LIFETIME, data.buf, data.len);
	if (kb)
		ikep_log(p, "sending RESPONDER-LIFETIME %llds / %llu KB for %s", (long long)(secs /
		         LAB_NS_PER_SEC), (unsigned long long)kb, p1 ? "IKE_SA" : "CHILD_SA");
	else
		ikep_log(p, "sending RESPONDER-LIFETIME %llds for %s",
		         (long long)(secs / LAB_NS_PER_SEC), p1 ? "IKE_SA" : "CHILD_SA");
}

int ikep_responder_lifetime_read(struct ike_peer *p, const struct isakmp_notify_pl *n,
                                 lab_ns *secs, uint64_t *kb)
{
	struct isakmp_transform t;
	struct isakmp_err err;

	if (isakmp_attrs_parse(n->data, n->data_len, 0, &t, &err) < 0) {
		ikep_log(p, "RESPONDER-LIFETIME: %s", err.msg);
		return -1;
	}
	ikep_life_read(&t, n->proto == ISAKMP_PROTO_ISAKMP, secs, kb);
	ikep_log(p, "received RESPONDER-LIFETIME %llds%s for %s", (long long)(*secs / LAB_NS_PER_SEC),
	         *kb ? " and kilobytes" : "", n->proto == ISAKMP_PROTO_ISAKMP ? "IKE_SA" : "CHILD_SA");
	return 0;
}

void ikep_send_p1_responder_lifetime(struct ike_peer *p, struct ikesa *s)
{
	struct isakmp_builder b;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	ikep_put_responder_lifetime(p, &b, ISAKMP_PROTO_ISAKMP, spi, 16, s->lifetime, 0);
	ikep_send_info(p, s, &b);
}

void ikep_p1_shorten(struct ike_peer *p, struct ikesa *s, lab_ns secs)
{
	lab_ns margin;

	if (secs <= 0 || secs >= s->lifetime)
		return;
	margin = p->pol.rekey_margin > 0 ? p->pol.rekey_margin : secs / 10;
	s->lifetime = secs;
	s->expire_at = s->established + secs;
	if (s->reauth_at != LAB_NEVER)
		s->reauth_at = s->established + secs - margin;
	ikep_reauth_schedule(p, s, false);
	if (s->reauth_at != LAB_NEVER)
		ikep_log(p, "rescheduling reauthentication in %llds",
		         (long long)((s->reauth_at - p->now) / LAB_NS_PER_SEC));
	ikep_log(p, "maximum IKE_SA lifetime %llds",
	         (long long)((s->expire_at - p->now) / LAB_NS_PER_SEC));
}

/*
 * charon's IKE_SA schedule (pol.reauth_margin > 0), whichever side initiated: reauthenticate
 * at lifetime - margin - jitter, the jitter whole seconds in [0, margin] (rekeyfuzz 100%), and
 * give up the SA (hard expiry: DELETEs, CHILD_SAs gone) over_time = margin after that if the
 * reauthentication has not replaced it. seeds/002 l.227-228: lifetime 28800, "scheduling
 * reauthentication in 28632s", "maximum IKE_SA lifetime 28721s", so margin 89 and jitter 79.
 * draw: a new SA takes its jitter from the peer's drbg; a shortened one (RESPONDER-LIFETIME)
 * keeps the jitter it drew. A lifetime of at most twice the margin leaves the default
 * schedule as it is (charon refuses a margin that long).
 */
void ikep_reauth_schedule(struct ike_peer *p, struct ikesa *s, bool draw)
{
	lab_ns m = p->pol.reauth_margin;

	if (m <= 0 || s->lifetime <= 2 * m)
		return;
	if (draw)
		s->reauth_jitter = lab_sec((int64_t)drbg_uniform(p->drbg,
		                                                 (uint64_t)(m / LAB_NS_PER_SEC) + 1));
	s->reauth_at = s->established + s->lifetime - m - s->reauth_jitter;
	s->expire_at = s->reauth_at + m;
}

/* ---- kilobyte lifetimes ---- */

void ike_peer_child_bytes(struct ike_peer *p, uint32_t spi, uint64_t bytes, lab_ns now)
{
	p->now = now;
	for (int i = 0; i < MAX_CHILDREN; i++) {
		struct child *c = &p->ch[i];
		struct ikesa *s = &p->sa[c->sa];
		uint64_t used, soft;

		if (c->st != CH_UP || (c->spi_in != spi && c->spi_out != spi))
			continue;
		if (c->spi_in == spi)
			c->bytes_in = bytes;
		else
			c->bytes_out = bytes;
		if (!c->lifebytes)
			return;
		used = c->bytes_in > c->bytes_out ? c->bytes_in : c->bytes_out;
		/* soft limit as for time: 10% before the end, less the jitter drawn at setup. Both
		 * ends count the same bytes (one's outbound is the other's inbound), so with equal
		 * limits both would start a rekey on the same packet and end with two new pairs
		 * (IKEv1 has no rule for such a collision). The IKE_SA's responder therefore waits
		 * until 5% before the end: it rekeys only when the initiator did not (a peer that
		 * counts nothing, or a smaller limit of its own). */
		soft = c->lifebytes - (s->initiator ? c->lifebytes / 10 : c->lifebytes / 20) -
		       c->bytes_jitter;
		if (used >= c->lifebytes) {
			char why[96];

			snprintf(why, sizeof why, "kilobyte lifetime reached (%llu of %llu bytes)",
			         (unsigned long long)used, (unsigned long long)c->lifebytes);
			if (s->st == SA_UP)
				ikep_send_delete_child(p, s, c);
			ikep_child_kill(p, c, why, true);
		} else if (used >= soft && !c->rekeyed && !c->bytes_soft && s->st == SA_UP) {
			c->bytes_soft = true;
			c->rekey_at = LAB_NEVER;
			ikep_log(p, "rekeying CHILD_SA %08x_i %08x_o: %llu of %llu bytes used", c->spi_in,
			         c->spi_out, (unsigned long long)used, (unsigned long long)c->lifebytes);
			ikep_start_qm(p, s, i);
		}
		return;
	}
}
