/*
 * gw_conn.c: one connection of the gateway: its IKE peer, and the ESP SAs installed from the
 * peer's events.
 *
 *   CHILD_SA_INBOUND      responder, QM2 sent: the inbound SA into the esp_table already
 *                         (strongSwan's timing), so ESP the initiator sends as soon as QM3 is
 *                         out is accepted even if it is handled before QM3; not sent on
 *   CHILD_SA_ESTABLISHED  inbound SA into the gateway's esp_table (unless CHILD_SA_INBOUND put
 *                         it there), outbound SA kept here and used for sending at once
 *   CHILD_SA_REKEYED      the same for the new pair; sending moves to the new outbound SA
 *                         (the engine reports a rekey when quick mode is complete on its side:
 *                         the initiator after sending QM3, the responder on receiving it, so
 *                         the peer holds the new inbound SA before the first packet on it
 *                         arrives); the old inbound SA keeps accepting until its DELETE
 *   CHILD_SA_DELETED      both halves of that pair removed
 *
 * always_up connections initiate at start and again, after a back-off, whenever their last
 * CHILD_SA goes away; initiators (and always_up ones) also initiate on traffic that finds no
 * SA, as a kernel acquire on a trap policy does.
 *
 * DPD timeout, by the connection's dpd_action (strongSwan's dpd_action semantics):
 *   clear    SAs removed and the trap too: nothing renegotiates, not even traffic, until an
 *            explicit initiate (gw_conn_initiate), a reconfiguration, or the peer comes in;
 *            strongSwan's "clear" with start_action=start (a connection whose start_action
 *            includes trap keeps its trap, which vpnlab does not model separately)
 *   hold     SAs removed, the trap stays (is installed, for a responder too): the next
 *            packet for the tunnel initiates (strongSwan's dpd_action=trap, ipsec.conf hold)
 *   restart  the engine initiates again at once, with or without traffic
 * always_up (FITELnet `always-up`) comes back after the back-off whatever the action: keeping
 * the tunnel up is what the vendor's keyword is for.
 */
#include "peers/esp/esp_natt.h"
#include "peers/gw/gw_int.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static lab_ns backoff(const struct gw_crt *c)
{
	/* the engine's first retransmission interval: short, and drawn from no randomness */
	return c->cfg.ike.retransmit_base > 0 ? c->cfg.ike.retransmit_base : lab_sec(4);
}

static bool has_child(const struct gw_crt *c)
{
	for (int k = 0; k < GW_CHILD_MAX; k++)
		if (c->ch[k].used && !c->ch[k].inbound_only)
			return true;
	return false;
}

enum gw_conn_state gw_crt_state(const struct gw_crt *c)
{
	return has_child(c) ? GW_CONN_UP : c->connecting ? GW_CONN_CONNECTING : GW_CONN_DOWN;
}

static const char *state_name(enum gw_conn_state s)
{
	return s == GW_CONN_UP ? "UP" : s == GW_CONN_CONNECTING ? "CONNECTING" : "DOWN";
}

/* The connection's state is derived from its SAs and negotiation; log each change. */
static void state_note(struct gw *g, struct gw_crt *c)
{
	enum gw_conn_state now = gw_crt_state(c);

	if (now == c->state)
		return;
	gw_logf(g, c->cfg.name, "connection %s -> %s", state_name(c->state), state_name(now));
	c->state = now;
}

int gw_crt_start(struct gw *g, int i, lab_ns now)
{
	struct gw_crt *c = g->c[i];
	struct ike_policy pol;
	char label[GW_NAME_MAX + 32];
	int r;

	if (!c->cfg.enabled)
		return 0;
	snprintf(label, sizeof label, "ike/%s/%u", c->cfg.name, c->generation);
	drbg_derive(&c->drbg, g->root, label);
	pol = c->cfg.ike;
	if (!pol.name[0])
		snprintf(pol.name, sizeof pol.name, "%s", c->cfg.name);
	/* an always-up connection is the one that starts (and rekeys) */
	if (c->cfg.always_up)
		pol.initiator = true;
	r = ike_peer_new(&c->ike, &pol, &c->drbg);
	explicit_bzero(&pol, sizeof pol);
	if (r)
		return r;
	c->trap = c->cfg.always_up || c->cfg.ike.initiator;
	if (c->cfg.always_up)
		gw_crt_initiate(g, i, now);
	return 0;
}

static void child_clear(struct gw *g, struct gw_child *ch)
{
	if (!ch->used)
		return;
	esp_table_del(g->table, ch->spi_in);
	esp_sa_free(ch->out);
	memset(ch, 0, sizeof *ch);
}

void gw_crt_stop(struct gw *g, struct gw_crt *c)
{
	for (int k = 0; k < GW_CHILD_MAX; k++)
		child_clear(g, &c->ch[k]);
	c->cur = -1;
	ike_peer_free(c->ike);
	c->ike = NULL;
	drbg_wipe(&c->drbg);
	c->connecting = false;
	c->reinit_at = LAB_NEVER;
}

void gw_crt_initiate(struct gw *g, int i, lab_ns now)
{
	struct gw_crt *c = g->c[i];

	if (!c->ike || has_child(c) || c->connecting)
		return;
	c->connecting = true;
	c->reinit_at = LAB_NEVER;
	ike_peer_start(c->ike, now);
	gw_crt_pump(g, c, i);
}

void gw_crt_acquire(struct gw *g, int i, lab_ns now)
{
	struct gw_crt *c = g->c[i];

	if (!c->ike || !c->trap || now < c->acquire_after)
		return;
	if (!c->connecting && !has_child(c))
		gw_logf(g, c->cfg.name, "acquire: traffic for the tunnel, initiating");
	gw_crt_initiate(g, i, now);
}

struct gw_child *gw_crt_current(struct gw *g, int i)
{
	struct gw_crt *c = g->c[i];

	if (c->cur < 0 || !c->ch[c->cur].used || !c->ch[c->cur].out)
		return NULL;
	return &c->ch[c->cur];
}

int gw_child_by_spi_in(const struct gw *g, uint32_t spi, int *child)
{
	for (size_t i = 0; i < g->n; i++)
		for (int k = 0; k < GW_CHILD_MAX; k++)
			if (g->c[i]->ch[k].used && g->c[i]->ch[k].spi_in == spi) {
				if (child)
					*child = k;
				return (int)i;
			}
	return -1;
}

/* The ESP transform of a quick mode proposal. */
static int child_algs(const struct ike_prop *p, enum esp_encr *e, enum esp_integ *in)
{
	if (p->encr == IKE_ENCR_3DES)
		*e = ESP_ENCR_3DES_CBC;
	else if (p->encr == IKE_ENCR_AES_CBC && p->keylen == 128)
		*e = ESP_ENCR_AES128_CBC;
	else if (p->encr == IKE_ENCR_AES_CBC && p->keylen == 192)
		*e = ESP_ENCR_AES192_CBC;
	else if (p->encr == IKE_ENCR_AES_CBC && p->keylen == 256)
		*e = ESP_ENCR_AES256_CBC;
	else
		return -EINVAL;
	switch (p->hash) {
	case IKE_HASH_SHA1: *in = ESP_INTEG_HMAC_SHA1_96; return 0;
	case IKE_HASH_SHA256: *in = ESP_INTEG_HMAC_SHA2_256_128; return 0;
	case IKE_HASH_SHA384: *in = ESP_INTEG_HMAC_SHA2_384_192; return 0;
	case IKE_HASH_SHA512: *in = ESP_INTEG_HMAC_SHA2_512_256; return 0;
	default: return -EINVAL;        /* HMAC-MD5-96 is not in the ESP codec */
	}
}

static int sa_make(struct gw *g, const struct ike_event *e,
                   const struct ike_child_keys *k, enum esp_dir dir, struct esp_sa **out)
{
	uint8_t km[sizeof k->enc + sizeof k->integ];
	struct esp_sa_config sc;
	uint64_t hard = e->lifebytes;
	int r;

	memset(&sc, 0, sizeof sc);
	if (child_algs(&e->prop, &sc.encr, &sc.integ))
		return -EINVAL;
	if (k->enc_len > sizeof k->enc || k->integ_len > sizeof k->integ)
		return -EINVAL;
	memcpy(km, k->enc, k->enc_len);
	memcpy(km + k->enc_len, k->integ, k->integ_len);
	sc.spi = k->spi;
	sc.dir = dir;
	sc.keymat = km;
	sc.keymat_len = k->enc_len + k->integ_len;
	sc.udp_encap = e->udp_encap;
	sc.replay_window = g->cfg.dp.replay_window;
	sc.lenient_padding = g->cfg.dp.lenient_padding;
	/* Kilobyte lifetimes are the engine's (gw_crt_pump reports the byte counts: it rekeys at
	 * the soft limit and deletes at the hard one). The SA's own hard limit, in whole KiB
	 * rounded up, never comes before the engine's and only guards against a count that
	 * did not reach it (a hairpinned packet is reported at the connection's next pump). */
	if (hard)
		sc.hard_kbytes = (hard + 1023) / 1024;
	r = esp_sa_new(&sc, g->now, out);
	explicit_bzero(km, sizeof km);
	return r;
}

/* QM3 completed a pair whose inbound half CHILD_SA_INBOUND installed: add the outbound SA
 * and send on it. false when there is no such half. */
static bool child_complete(struct gw *g, struct gw_crt *c, const struct ike_event *e)
{
	struct esp_sa *out = NULL;
	int r;

	for (int k = 0; k < GW_CHILD_MAX; k++) {
		struct gw_child *ch = &c->ch[k];

		if (!ch->used || !ch->inbound_only || ch->spi_in != e->spi_in)
			continue;
		if ((r = sa_make(g, e, &e->out, ESP_DIR_OUT, &out))) {
			gw_logf(g, c->cfg.name, "cannot install outbound SA %08x (%s): %s", e->spi_out,
			        e->proposal, r == -EINVAL ? "transform not supported by the ESP codec" :
			        "ESP SA refused");
			return true;
		}
		ch->out = out;
		ch->spi_out = e->spi_out;
		ch->lifebytes = e->lifebytes;
		ch->inbound_only = false;
		c->cur = k;
		gw_logf(g, c->cfg.name, "installed outbound SA %08x_o of CHILD_SA %08x_i, sending on "
		        "it", e->spi_out, e->spi_in);
		return true;
	}
	return false;
}

/* No room for another pair: the oldest one that is not the current one goes. */
static int child_slot(struct gw *g, struct gw_crt *c)
{
	lab_ns oldest = LAB_NEVER;
	int slot = -1;

	for (int k = 0; k < GW_CHILD_MAX; k++)
		if (!c->ch[k].used)
			return k;
	for (int k = 0; k < GW_CHILD_MAX; k++)
		if (k != c->cur && c->ch[k].created < oldest) {
			oldest = c->ch[k].created;
			slot = k;
		}
	gw_logf(g, c->cfg.name, "too many CHILD_SAs: dropping %08x_i %08x_o",
	        c->ch[slot].spi_in, c->ch[slot].spi_out);
	child_clear(g, &c->ch[slot]);
	return slot;
}

/* What a slot records of an established (or half-established) CHILD_SA from its event. */
static void child_fill(const struct gw *g, struct gw_child *ch, const struct ike_event *e)
{
	ch->used = true;
	ch->spi_in = e->spi_in;
	ch->spi_out = e->spi_out;
	ch->lifebytes = e->lifebytes;
	ch->local = e->local;
	ch->remote = e->remote;
	ch->udp_encap = e->udp_encap;
	ch->created = g->now;
	ch->lifetime = e->lifetime;
	ch->prop = e->prop;
}

/* CHILD_SA_INBOUND: the inbound half only. */
static void child_install_in(struct gw *g, struct gw_crt *c, const struct ike_event *e)
{
	struct esp_sa *in = NULL;
	struct gw_child *ch;
	int r, slot = child_slot(g, c);

	if ((r = sa_make(g, e, &e->in, ESP_DIR_IN, &in))) {
		gw_logf(g, c->cfg.name, "cannot install inbound SA %08x (%s): %s", e->spi_in,
		        e->proposal, r == -EINVAL ? "transform not supported by the ESP codec" :
		        "ESP SA refused");
		return;
	}
	if ((r = esp_table_add(g->table, in))) {
		gw_logf(g, c->cfg.name, "cannot install inbound SA %08x: %s", e->spi_in,
		        r == -EEXIST ? "SPI already in use on this gateway" : "table refused it");
		esp_sa_free(in);
		return;
	}
	ch = &c->ch[slot];
	child_fill(g, ch, e);
	ch->inbound_only = true;
	gw_logf(g, c->cfg.name, "installed inbound SA %08x_i (QM2 sent; outbound %08x_o follows "
	        "QM3)", e->spi_in, e->spi_out);
}

static void child_install(struct gw *g, struct gw_crt *c, const struct ike_event *e)
{
	struct gw_child *ch = NULL;
	struct esp_sa *in = NULL, *out = NULL;
	int r, slot;

	if (child_complete(g, c, e))
		return;
	slot = child_slot(g, c);
	if ((r = sa_make(g, e, &e->in, ESP_DIR_IN, &in)) ||
	    (r = sa_make(g, e, &e->out, ESP_DIR_OUT, &out))) {
		gw_logf(g, c->cfg.name, "cannot install CHILD_SA %08x_i %08x_o (%s): %s",
		        e->spi_in, e->spi_out, e->proposal,
		        r == -EINVAL ? "transform not supported by the ESP codec" : "ESP SA refused");
		goto fail;
	}
	if ((r = esp_table_add(g->table, in))) {
		gw_logf(g, c->cfg.name, "cannot install inbound SA %08x: %s", e->spi_in,
		        r == -EEXIST ? "SPI already in use on this gateway" : "table refused it");
		goto fail;
	}
	ch = &c->ch[slot];
	child_fill(g, ch, e);
	ch->out = out;
	c->cur = slot;
	gw_logf(g, c->cfg.name, "installed CHILD_SA %08x_i %08x_o%s, sending on %08x_o",
	        e->spi_in, e->spi_out, e->udp_encap ? " (ESP in UDP)" : "", e->spi_out);
	return;
fail:
	esp_sa_free(in);
	esp_sa_free(out);
}

static void child_remove(struct gw *g, struct gw_crt *c, uint32_t spi_in)
{
	for (int k = 0; k < GW_CHILD_MAX; k++) {
		if (!c->ch[k].used || c->ch[k].spi_in != spi_in)
			continue;
		gw_logf(g, c->cfg.name, "removed CHILD_SA %08x_i %08x_o", c->ch[k].spi_in,
		        c->ch[k].spi_out);
		child_clear(g, &c->ch[k]);
		if (c->cur == k) {
			/* fall back to the newest pair left, if any */
			lab_ns newest = -1;

			c->cur = -1;
			for (int x = 0; x < GW_CHILD_MAX; x++)
				if (c->ch[x].used && c->ch[x].out && c->ch[x].created > newest) {
					newest = c->ch[x].created;
					c->cur = x;
				}
		}
	}
}

/* always_up: come back after the back-off once nothing is left. */
static void maybe_reinit(struct gw *g, struct gw_crt *c)
{
	if (has_child(c) || c->connecting)
		return;
	c->acquire_after = g->now + backoff(c);
	if (c->cfg.always_up && c->reinit_at == LAB_NEVER)
		c->reinit_at = g->now + backoff(c);
}

/* What the DPD action leaves behind for traffic (see the top of the file). */
static void dpd_trap(struct gw *g, struct gw_crt *c)
{
	if (c->cfg.ike.dpd_action == IKE_DPD_CLEAR) {
		c->trap = false;
		gw_logf(g, c->cfg.name, "DPD action clear: no trap policy, traffic will not "
		        "initiate%s", c->cfg.always_up ? " (always-up initiates again)" : "");
	} else if (c->cfg.ike.dpd_action == IKE_DPD_HOLD) {
		c->trap = true;
		gw_logf(g, c->cfg.name, "DPD action hold: trap policy installed, the next packet "
		        "for the tunnel initiates");
	}
}

static void on_ike_event(struct gw *g, struct gw_crt *c, const struct ike_event *e)
{
	switch (e->type) {
	case IKE_EV_IKE_SA_ESTABLISHED:
		c->connecting = true;   /* quick mode follows */
		break;
	case IKE_EV_CHILD_SA_INBOUND:
		child_install_in(g, c, e);
		break;
	case IKE_EV_CHILD_SA_ESTABLISHED:
		c->connecting = false;
		child_install(g, c, e);
		break;
	case IKE_EV_CHILD_SA_REKEYED:
		c->connecting = false;
		c->rekeys++;
		child_install(g, c, e);
		break;
	case IKE_EV_IKE_SA_REAUTHENTICATED:
		c->reauths++;
		c->replacing = true;
		break;
	case IKE_EV_CHILD_SA_DELETED:
		child_remove(g, c, e->spi_in);
		maybe_reinit(g, c);
		break;
	case IKE_EV_IKE_SA_DELETED:
		if (c->replacing) {
			c->replacing = false;
			break;
		}
		/* the engine reports each CHILD_SA it deletes; should it ever drop one silently,
		 * do not keep sending on keys nobody holds any more */
		if (has_child(c) && !ike_peer_child_up(c->ike)) {
			gw_logf(g, c->cfg.name, "IKE_SA gone and no CHILD_SA left in the engine: "
			        "removing the installed SAs");
			for (int k = 0; k < GW_CHILD_MAX; k++)
				child_clear(g, &c->ch[k]);
			c->cur = -1;
		}
		/* fall through */
	case IKE_EV_NO_PROPOSAL_CHOSEN:
	case IKE_EV_AUTH_FAILED:
	case IKE_EV_DPD_TIMEOUT:
	case IKE_EV_TIMEOUT:
		if (e->type == IKE_EV_DPD_TIMEOUT)
			dpd_trap(g, c);
		if (!has_child(c))
			c->connecting = false;
		maybe_reinit(g, c);
		break;
	default:
		break;
	}
}

void gw_crt_cookie_note(struct gw_crt *c, const uint8_t icookie[8])
{
	if (gw_crt_cookie_known(c, icookie))
		return;
	memcpy(c->cookies[c->ncookies % GW_COOKIES], icookie, 8);
	c->ncookies++;
}

bool gw_crt_cookie_known(const struct gw_crt *c, const uint8_t icookie[8])
{
	unsigned n = c->ncookies < GW_COOKIES ? c->ncookies : GW_COOKIES;

	for (unsigned k = 0; k < n; k++)
		if (!memcmp(c->cookies[k], icookie, 8))
			return true;
	return false;
}

/* Kilobyte lifetimes: the engine learns each SA's inner byte count (what libipsec counts
 * too), both directions. It rekeys at the soft limit and deletes at the hard one; what it
 * queues is drained by the caller, gw_crt_pump. Only SAs with a kilobyte lifetime are
 * reported, so a tunnel without one costs nothing here. */
static void bytes_report(struct gw *g, struct gw_crt *c)
{
	struct esp_sa_stats st;

	for (int k = 0; k < GW_CHILD_MAX; k++) {
		const struct gw_child *ch = &c->ch[k];
		const struct esp_sa *in;

		if (!ch->used || !ch->lifebytes)
			continue;
		if (ch->out) {
			esp_sa_stats(ch->out, &st);
			ike_peer_child_bytes(c->ike, ch->spi_out, st.bytes, g->now);
		}
		/* the report may delete the pair (hard limit): look again */
		if (ch->used && (in = esp_table_lookup(g->table, ch->spi_in))) {
			esp_sa_stats(in, &st);
			ike_peer_child_bytes(c->ike, ch->spi_in, st.bytes, g->now);
		}
	}
}

void gw_crt_pump(struct gw *g, struct gw_crt *c, int report)
{
	struct ike_packet pkt;
	struct ike_event ev;
	char line[GW_LOG_LEN];
	bool sent = false, told = false;

	if (!c->ike)
		return;
	bytes_report(g, c);
	while (ike_peer_output(c->ike, &pkt)) {
		sent = true;
		/* a packet from a connection believed idle: the engine restarted by itself
		 * (retransmission give-up, DPD restart); do not initiate a second time */
		if (!has_child(c) && !c->connecting) {
			c->connecting = true;
			c->reinit_at = LAB_NEVER;
		}
		{
			/* on 4500 the datagram starts with the non-ESP marker */
			size_t m = pkt.to.port == ESP_NATT_PORT ? ESP_NATT_MARKER_LEN : 0;

			if (pkt.len >= m + 8)
				gw_crt_cookie_note(c, pkt.data + m);
		}
		gw_queue_pkt(g, GW_OUT_UDP, pkt.data, pkt.len, &pkt.from, &pkt.to);
	}
	/* wiped only when used: a pump runs for every ESP packet too, mostly for nothing */
	if (sent)
		explicit_bzero(&pkt, sizeof pkt);
	/* the engine's lines first: they tell what happened, the gateway's say what it did */
	while (ike_peer_log(c->ike, line, sizeof line))
		gw_logf(g, c->cfg.name, "%s", line);
	while (ike_peer_event(c->ike, &ev)) {
		struct gw_event *ge;

		told = true;
		on_ike_event(g, c, &ev);
		ge = gw_queue_event(g, GW_EV_IKE, report);
		snprintf(ge->conn_name, sizeof ge->conn_name, "%s", c->cfg.name);
		ge->time = ev.time ? ev.time : g->now;
		ge->ike = ev;
		snprintf(ge->detail, sizeof ge->detail, "%.*s", (int)sizeof ge->detail - 1, ev.detail);
	}
	if (told)
		explicit_bzero(&ev, sizeof ev);
	state_note(g, c);
}

void gw_crt_bytes(struct gw *g, int i)
{
	struct gw_crt *c = g->c[i];

	for (int k = 0; k < GW_CHILD_MAX; k++)
		if (c->ch[k].used && c->ch[k].lifebytes) {
			gw_crt_pump(g, c, i);
			return;
		}
}

void gw_crt_ike_input(struct gw *g, int i, const uint8_t *msg, size_t len,
                      const struct ike_endpoint *from, const struct ike_endpoint *to,
                      lab_ns now)
{
	struct gw_crt *c = g->c[i];

	ike_peer_input(c->ike, msg, len, from, to, now);
	gw_crt_pump(g, c, i);
}

void gw_crt_timer(struct gw *g, int i, lab_ns now)
{
	struct gw_crt *c = g->c[i];

	if (!c->ike)
		return;
	if (c->reinit_at <= now) {
		c->reinit_at = LAB_NEVER;
		if (!has_child(c) && !c->connecting)
			gw_logf(g, c->cfg.name, "always-up: no SA, initiating again");
		gw_crt_initiate(g, i, now);
	}
	ike_peer_timer(c->ike, now);
	gw_crt_pump(g, c, i);
}

lab_ns gw_crt_deadline(const struct gw *g, int i)
{
	const struct gw_crt *c = g->c[i];
	lab_ns d;

	if (!c->ike)
		return LAB_NEVER;
	d = ike_peer_deadline(c->ike);
	return c->reinit_at < d ? c->reinit_at : d;
}
