/*
 * ike_info.c: informational exchanges (RFC 2408 4.8): notifies, DELETEs and DPD
 * (RFC 3706), sent and received.
 * Shares the peer's state with ike_peer.c through ike_peer_int.h (see ike_peer.h).
 */
#include "peers/ike/ike_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <openssl/crypto.h>

#include "peers/ike/ike_crypto.h"
#include "peers/ike/ike_peer_int.h"
#include "peers/ike/ike_select.h"


void ikep_send_plain_notify(struct ike_peer *p, struct ikesa *s, uint16_t type)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, NULL, 0);
	ikep_frame(s, &pkt, ISAKMP_XCHG_INFO, 0, ikep_rand_nonzero32(p), b.first_np, b.buf, b.len);
	ikep_queue_packet(p, &pkt);
	ikep_log(p, "generating INFORMATIONAL_V1 request [ N(%s) ]", isakmp_notify_name(type));
}

/* An encrypted informational exchange: HASH(1) = prf(SKEYID_a, M-ID | payloads). */
void ikep_send_info(struct ike_peer *p, struct ikesa *s, struct isakmp_builder *payloads)
{
	struct isakmp_builder b;
	struct ike_packet pkt;
	uint8_t h[IKE_HASH_MAX], iv[16], m[4];
	uint32_t mid = ikep_rand_nonzero32(p);
	size_t hl = ike_hash_len(s->prop.hash);
	struct ike_iov v[2] = { { m, 4 }, { payloads->buf, payloads->len } };

	ikep_put_be32(m, mid);
	ike_prf(s->prop.hash, s->ska, hl, v, 2, h);
	isakmp_build_init(&b);
	isakmp_pl_begin(&b, ISAKMP_PT_HASH);
	isakmp_put(&b, h, hl);
	isakmp_pl_end(&b);
	b.buf[b.np_at] = payloads->first_np;
	isakmp_put(&b, payloads->buf, payloads->len);
	/* informational exchanges never chain: IV from the last phase-1 block and the M-ID */
	ike_iv_exchange(s->prop.hash, s->p1_last, ike_encr_block(s->prop.encr), mid, iv);
	if (ikep_frame_enc(p, s, &pkt, ISAKMP_XCHG_INFO, mid, ISAKMP_PT_HASH, b.buf, b.len, iv) == 0)
		ikep_queue_packet(p, &pkt);
}

void ikep_send_delete_child(struct ike_peer *p, struct ikesa *s, const struct child *c)
{
	struct isakmp_builder b;
	uint8_t spi[4];

	ikep_put_be32(spi, c->spi_in);       /* the SA we receive on */
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ESP, spi, 4, 1);
	ikep_send_info(p, s, &b);
	ikep_log(p, "sending DELETE for ESP CHILD_SA with SPI %08x", c->spi_in);
}

void ike_peer_forgotten(struct ike_peer *p, uint32_t spi_in)
{
	if (p->nforgotten < MAX_FORGOTTEN)
		p->forgotten[p->nforgotten++] = spi_in;
}

void ikep_send_forgotten_deletes(struct ike_peer *p, struct ikesa *s)
{
	for (int i = 0; i < p->nforgotten && s->st == SA_UP; i++) {
		struct isakmp_builder b;
		uint8_t spi[4];

		ikep_put_be32(spi, p->forgotten[i]);
		isakmp_build_init(&b);
		isakmp_put_delete(&b, ISAKMP_PROTO_ESP, spi, 4, 1);
		ikep_send_info(p, s, &b);
		ikep_log(p, "sending DELETE for ESP CHILD_SA with SPI %08x (forgotten by the restart)",
		         p->forgotten[i]);
	}
	if (s->st == SA_UP)
		p->nforgotten = 0;
}

void ikep_send_delete_ike(struct ike_peer *p, struct ikesa *s)
{
	struct isakmp_builder b;
	uint8_t spi[16];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	isakmp_build_init(&b);
	isakmp_put_delete(&b, ISAKMP_PROTO_ISAKMP, spi, 16, 1);
	ikep_send_info(p, s, &b);
	ikep_log(p, "sending DELETE for IKE_SA");
}
/* ---- informational ---- */

void ikep_send_dpd(struct ike_peer *p, struct ikesa *s, uint16_t type, uint32_t seq)
{
	struct isakmp_builder b;
	uint8_t spi[16], sq[4];

	memcpy(spi, s->ci, 8);
	memcpy(spi + 8, s->cr, 8);
	ikep_put_be32(sq, seq);
	isakmp_build_init(&b);
	isakmp_put_notify(&b, ISAKMP_PROTO_ISAKMP, spi, 16, type, sq, 4);
	ikep_send_info(p, s, &b);
}

/*
 * Which CHILD_SA a received DELETE for an ESP SPI means. RFC 2408 3.15 leaves "the SPI" to the
 * sender, and the sender names the SA it receives on: our outbound SPI, the normal case
 * (strongSwan sends its inbound SPI, quick_delete.c). strongSwan also names the peer's SPI
 * when it deletes a CHILD_SA it could not install (quick mode: the initiator's SPI, the one
 * the initiator receives on), and as a receiver it looks the SPI up both ways; so do we, our
 * outbound SPIs first. NULL: no established CHILD_SA has it.
 */
struct child *ikep_child_by_delete_spi(struct ike_peer *p, uint32_t spi)
{
	for (int pass = 0; pass < 2; pass++)
		for (int x = 0; x < MAX_CHILDREN; x++) {
			struct child *ch = &p->ch[x];

			if (ch->st == CH_UP && (pass ? ch->spi_in : ch->spi_out) == spi)
				return ch;
		}
	return NULL;
}

void ikep_handle_info(struct ike_peer *p, struct ikesa *s, const uint8_t *msg, size_t len,
                      const struct isakmp_hdr *h)
{
	uint8_t pt[ISAKMP_MSG_MAX], iv[16], next_iv[16];
	struct isakmp_chain c;
	struct isakmp_err err;

	if (!(h->flags & ISAKMP_FLAG_ENC)) {
		/* only NO-PROPOSAL-CHOSEN to our MM1 is believed unprotected */
		if (isakmp_chain_parse(h->np, msg + ISAKMP_HDR_LEN, len - ISAKMP_HDR_LEN, ISAKMP_HDR_LEN,
		                       &c, &err) < 0)
			return;
		for (size_t i = 0; i < c.n; i++) {
			struct isakmp_notify_pl n;

			if (c.pl[i].type != ISAKMP_PT_N || isakmp_notify_parse(&c.pl[i], &n, &err) < 0)
				continue;
			ikep_log(p, "received %s error notify", isakmp_notify_name(n.type));
			if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN && s->st == MM_I1) {
				struct ike_event *e = ikep_event(p, IKE_EV_NO_PROPOSAL_CHOSEN);

				snprintf(e->detail, sizeof e->detail, "the peer refused every IKE proposal "
				         "(NO_PROPOSAL_CHOSEN)");
				ikep_sa_kill(p, s, "no proposal chosen");
				if (p->pol.initiator)
					p->restart_at = p->now + lab_sec(30);
			}
		}
		return;
	}
	/* informational exchanges never chain (research notes 2.2) */
	ike_iv_exchange(s->prop.hash, s->st == MM_I3 ? s->iv : s->p1_last,
	                ike_encr_block(s->prop.encr), h->msgid, iv);
	if (ikep_open_p2(p, s, msg, len, h, iv, pt, next_iv, &c))
		return;
	if (!ikep_verify_p2_hash(s, &c, h->msgid, NULL, 0)) {
		ikep_log(p, "INFORMATIONAL_V1 %u: HASH does not verify", h->msgid);
		return;
	}
	{
		char desc[128];

		isakmp_chain_describe(&c, desc, sizeof desc);
		ikep_log(p, "parsed INFORMATIONAL_V1 request %u %s", h->msgid, desc);
	}
	for (size_t i = 1; i < c.n; i++) {
		const struct isakmp_pl *pl = &c.pl[i];

		if (pl->type == ISAKMP_PT_N) {
			struct isakmp_notify_pl n;

			if (isakmp_notify_parse(pl, &n, &err) < 0)
				continue;
			if (n.type == ISAKMP_N_R_U_THERE && n.data_len == 4) {
				ikep_send_dpd(p, s, ISAKMP_N_R_U_THERE_ACK, ikep_be32(n.data));
			} else if (n.type == ISAKMP_N_R_U_THERE_ACK && n.data_len == 4) {
				if (s->dpd_waiting && ikep_be32(n.data) == s->dpd_seq) {
					struct ike_event *e = ikep_event(p, IKE_EV_DPD_ACK);

					e->dpd_seq = s->dpd_seq;
					s->dpd_waiting = false;
				} else {
					ikep_log(p, "received invalid DPD sequence number %u (expected %u), ignored",
					      ikep_be32(n.data), s->dpd_seq);
				}
			} else if (n.type == ISAKMP_N_INITIAL_CONTACT) {
				ikep_uniqueness(p, s, true);
				ikep_handle_ic(p, s);
			} else if (n.type == ISAKMP_N_RESPONDER_LIFETIME) {
				lab_ns secs;
				uint64_t kb;

				if (ikep_responder_lifetime_read(p, &n, &secs, &kb) < 0)
					continue;
				if (n.proto == ISAKMP_PROTO_ISAKMP && s->st == SA_UP)
					ikep_p1_shorten(p, s, secs);
				for (int k = 0; n.proto == ISAKMP_PROTO_ESP && n.spi_size == 4 &&
				     k < MAX_CHILDREN; k++) {
					struct child *ch = &p->ch[k];

					/* the SPI is the responder's, the one we send to */
					if (ch->st != CH_UP || ch->spi_out != ikep_be32(n.spi))
						continue;
					if (secs > 0 && secs < ch->lifetime) {
						ch->lifetime = secs;
						ch->expire_at = ch->established + secs;
						if (ch->rekey_at != LAB_NEVER)
							ch->rekey_at = ch->established + secs - (p->pol.rekey_margin > 0 ?
							              p->pol.rekey_margin : secs / 10);
					}
					if (kb && (!ch->lifebytes || kb * IKE_KILOBYTE < ch->lifebytes))
						ch->lifebytes = kb * IKE_KILOBYTE;
				}
			} else if (n.type == ISAKMP_N_AUTHENTICATION_FAILED && s->st == MM_I3) {
				struct ike_event *e = ikep_event(p, IKE_EV_AUTH_FAILED);

				snprintf(e->detail, sizeof e->detail, "the peer says AUTHENTICATION_FAILED");
				ikep_log(p, "%s", e->detail);
				ikep_sa_kill(p, s, "authentication failed");
			} else if (n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ||
			           n.type == ISAKMP_N_INVALID_ID_INFORMATION) {
				struct ike_event *e = ikep_event(p, n.type == ISAKMP_N_NO_PROPOSAL_CHOSEN ?
				                                IKE_EV_NO_PROPOSAL_CHOSEN : IKE_EV_ERROR);

				snprintf(e->detail, sizeof e->detail, "the peer refused our quick mode: %s",
				         isakmp_notify_name(n.type));
				ikep_log(p, "%s", e->detail);
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].st == QM_I1 && p->ch[k].sa == ikep_sa_index(p, s))
						ikep_child_kill(p, &p->ch[k], "refused", false);
			}
		} else if (pl->type == ISAKMP_PT_D) {
			struct isakmp_delete_pl d;

			if (isakmp_delete_parse(pl, &d, &err) < 0)
				continue;
			if (d.proto == ISAKMP_PROTO_ISAKMP && d.spi_size == 16) {
				ikep_log(p, "received DELETE for IKE_SA");
				for (int k = 0; k < MAX_CHILDREN; k++)
					if (p->ch[k].sa == ikep_sa_index(p, s) && !s->replaced)
						ikep_child_kill(p, &p->ch[k], "IKE_SA deleted by peer", true);
				ikep_sa_kill(p, s, "deleted by peer");
				return;
			}
			for (uint16_t k = 0; d.proto == ISAKMP_PROTO_ESP && d.spi_size == 4 && k < d.nspis; k++) {
				uint32_t spi = ikep_be32(d.spis + 4 * k);
				struct child *ch;

				ikep_log(p, "received DELETE for ESP CHILD_SA with SPI %08x", spi);
				ch = ikep_child_by_delete_spi(p, spi);
				if (!ch) {
					ikep_log(p, "CHILD_SA not found, ignored");
					continue;
				}
				if (ch->spi_out != spi)
					ikep_log(p, "SPI %08x is our inbound one (the peer names our SPI, as "
					         "charon does for a CHILD_SA it could not install)", spi);
				ikep_child_kill(p, ch, "deleted by peer", true);
			}
		}
	}
}
