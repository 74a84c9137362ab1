/*
 * gw.c: the gateway's lifecycle, configuration checks, output/event/log queues, timers,
 * state and the scenario actions. The per-connection IKE work is in gw_conn.c, the data
 * plane in gw_out.c and gw_in.c.
 */
#include "peers/esp/esp_replay.h"
#include "peers/gw/gw_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* ---- configuration ---- */

static int check_mtu(uint32_t v, const char *field, char *err, size_t errlen)
{
	/* 68: the smallest MTU every IPv4 link must carry (RFC 791) */
	if (v != 0 && (v < 68 || v > GW_IP_MAX)) {
		snprintf(err, errlen, "dp.%s: %u is outside 68..65535 (0 = 1500)", field, v);
		return -EINVAL;
	}
	return 0;
}

static int check_net(const struct ike_net *n, const char *conn, const char *field, char *err,
                     size_t errlen)
{
	if (n->family != AF_INET || n->len < 0 || n->len > 32) {
		snprintf(err, errlen, "conns[%s].ike.%s: an IPv4 prefix is needed (family %d, "
		         "length %d); the data plane carries IPv4 only", conn, field, n->family,
		         n->len);
		return -EINVAL;
	}
	return 0;
}

static int config_check(const struct gw_config *cfg, char *err, size_t errlen)
{
	const struct gw_dataplane *dp = &cfg->dp;

	if (cfg->nconns > GW_MAX_CONNS) {
		snprintf(err, errlen, "nconns: %zu connections, at most %d", cfg->nconns,
		         GW_MAX_CONNS);
		return -EINVAL;
	}
	if (dp->df != ESP_DF_COPY && dp->df != ESP_DF_CLEAR && dp->df != ESP_DF_SET) {
		snprintf(err, errlen, "dp.df: %d is not copy, clear or set", (int)dp->df);
		return -EINVAL;
	}
	if (dp->frag != GW_FRAG_PRE && dp->frag != GW_FRAG_POST) {
		snprintf(err, errlen, "dp.frag: %d is not pre or post", (int)dp->frag);
		return -EINVAL;
	}
	if (check_mtu(dp->tunnel_mtu, "tunnel_mtu", err, errlen) ||
	    check_mtu(dp->uplink_mtu, "uplink_mtu", err, errlen))
		return -EINVAL;
	if (dp->mss_clamp < -1 || dp->mss_clamp > 65535) {
		snprintf(err, errlen, "dp.mss_clamp: %d (-1 off, 0 from the MTU, or 1..65535)",
		         dp->mss_clamp);
		return -EINVAL;
	}
	if (dp->replay_window > ESP_REPLAY_MAX) {
		snprintf(err, errlen, "dp.replay_window: %u packets, at most %d",
		         dp->replay_window, ESP_REPLAY_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < cfg->nconns; i++) {
		const struct gw_conn *c = &cfg->conns[i];

		if (!memchr(c->name, 0, sizeof c->name) || !c->name[0]) {
			snprintf(err, errlen, "conns[%zu].name: empty or not terminated", i);
			return -EINVAL;
		}
		for (size_t k = 0; k < i; k++)
			if (!strcmp(cfg->conns[k].name, c->name)) {
				snprintf(err, errlen, "conns[%zu].name: \"%s\" is also conns[%zu]", i,
				         c->name, k);
				return -EINVAL;
			}
		if (!c->enabled)
			continue;
		if (c->ike.local.family != AF_INET || c->ike.remote.family != AF_INET) {
			snprintf(err, errlen, "conns[%s].ike.%s: IPv4 endpoints are needed (outer "
			         "packets are IPv4)", c->name,
			         c->ike.local.family != AF_INET ? "local" : "remote");
			return -EINVAL;
		}
		if (c->ike.nike < 1 || c->ike.nike > IKE_MAX_PROPS) {
			snprintf(err, errlen, "conns[%s].ike.nike: %d IKE proposals", c->name,
			         c->ike.nike);
			return -EINVAL;
		}
		if (c->ike.nesp < 1 || c->ike.nesp > IKE_MAX_PROPS) {
			snprintf(err, errlen, "conns[%s].ike.nesp: %d ESP proposals", c->name,
			         c->ike.nesp);
			return -EINVAL;
		}
		for (int k = 0; k < c->ike.nesp; k++) {
			const struct ike_prop *e = &c->ike.esp[k];
			bool aes = e->encr == IKE_ENCR_AES_CBC &&
			           (e->keylen == 128 || e->keylen == 192 || e->keylen == 256);

			/* what gw_conn.c can install: anything else would come up in IKE with
			 * no data plane behind it */
			if ((!aes && e->encr != IKE_ENCR_3DES) || e->hash == IKE_HASH_NONE ||
			    e->hash == IKE_HASH_MD5) {
				snprintf(err, errlen, "conns[%s].ike.esp[%d]: the ESP data plane has "
				         "AES-CBC 128/192/256 or 3DES with HMAC-SHA1/SHA2 only", c->name,
				         k);
				return -EINVAL;
			}
		}
		if (check_net(&c->ike.local_ts, c->name, "local_ts", err, errlen) ||
		    check_net(&c->ike.remote_ts, c->name, "remote_ts", err, errlen))
			return -EINVAL;
	}
	return 0;
}

static struct gw_crt *crt_new(const struct gw_conn *cfg)
{
	struct gw_crt *c = calloc(1, sizeof *c);

	if (!c)
		return NULL;
	c->cfg = *cfg;
	c->cur = -1;
	c->reinit_at = LAB_NEVER;
	return c;
}

static void crt_free(struct gw *g, struct gw_crt *c)
{
	if (!c)
		return;
	gw_crt_stop(g, c);
	explicit_bzero(c, sizeof *c);
	free(c);
}

int gw_new(struct gw **out, const struct gw_config *cfg, struct drbg *drbg, lab_ns now,
           char *err, size_t errlen)
{
	struct gw *g;
	int r;

	*out = NULL;
	if ((r = config_check(cfg, err, errlen)))
		return r;
	g = calloc(1, sizeof *g);
	if (!g)
		goto nomem;
	g->cfg = *cfg;
	g->root = drbg;
	g->now = now;
	drbg_derive(&g->iv_drbg, drbg, "esp/iv");
	drbg_derive(&g->id_drbg, drbg, "ip/id");
	g->outq = calloc(GW_OUTQ_MAX, sizeof *g->outq);
	g->evq = calloc(GW_EVQ_MAX, sizeof *g->evq);
	g->logq = calloc(GW_LOGQ_MAX, sizeof *g->logq);
	if (!g->outq || !g->evq || !g->logq || esp_table_new(&g->table))
		goto nomem;
	for (size_t i = 0; i < cfg->nconns; i++) {
		if (!(g->c[i] = crt_new(&cfg->conns[i])))
			goto nomem;
		g->n = i + 1;
	}
	for (size_t i = 0; i < g->n; i++) {
		if ((r = gw_crt_start(g, (int)i, now))) {
			snprintf(err, errlen, "conns[%s]: the IKE peer refused the policy (%d)",
			         g->c[i]->cfg.name, r);
			gw_free(g);
			return r;
		}
	}
	*out = g;
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
	gw_free(g);
	return -ENOMEM;
}

void gw_free(struct gw *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->n; i++)
		crt_free(g, g->c[i]);
	esp_table_free(g->table);
	if (g->outq)
		for (size_t i = 0; i < GW_OUTQ_MAX; i++)
			free(g->outq[i].data);   /* every slot may hold a buffer */
	free(g->outq);
	if (g->evq)
		explicit_bzero(g->evq, GW_EVQ_MAX * sizeof *g->evq);   /* events carry keys */
	free(g->evq);
	free(g->logq);
	drbg_wipe(&g->iv_drbg);
	drbg_wipe(&g->id_drbg);
	explicit_bzero(g, sizeof *g);
	free(g);
}

static int find_in(const struct gw_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->nconns; i++)
		if (!strcmp(cfg->conns[i].name, name))
			return (int)i;
	return -1;
}

/*
 * Drop what gw_output handed out (borrowed until this call) and move what is still waiting to
 * the front. Slots are swapped, not copied, so each buffer stays with exactly one slot and is
 * reused by a later packet.
 */
static void outq_compact(struct gw *g)
{
	size_t wait;

	if (!g->outq_head)
		return;
	wait = g->outq_n - g->outq_head;
	for (size_t i = 0; i < wait; i++) {
		struct gw_qpkt t = g->outq[i];

		g->outq[i] = g->outq[g->outq_head + i];
		g->outq[g->outq_head + i] = t;
	}
	g->outq_n = wait;
	g->outq_head = 0;
}

void gw_begin(struct gw *g, lab_ns now)
{
	outq_compact(g);
	g->now = now;
}

int gw_reconfigure(struct gw *g, const struct gw_config *cfg, lab_ns now, char *err,
                   size_t errlen)
{
	struct gw_crt *next[GW_MAX_CONNS] = { 0 };
	bool kept[GW_MAX_CONNS] = { 0 };
	int r;

	if ((r = config_check(cfg, err, errlen)))
		return r;
	outq_compact(g);
	g->now = now;
	for (size_t j = 0; j < cfg->nconns; j++) {
		int i = -1;

		for (size_t k = 0; k < g->n; k++)
			if (!strcmp(g->c[k]->cfg.name, cfg->conns[j].name))
				i = (int)k;
		if (i >= 0 && !memcmp(&g->c[i]->cfg, &cfg->conns[j], sizeof cfg->conns[j])) {
			next[j] = g->c[i];
			kept[i] = true;
		}
	}
	/* Removed or changed connections: DELETEs out, their SAs gone. */
	for (size_t k = 0; k < g->n; k++) {
		struct gw_crt *c = g->c[k];
		int j = find_in(cfg, c->cfg.name);

		if (kept[k])
			continue;
		gw_logf(g, c->cfg.name, "%s", j < 0 ? "connection removed" :
		        "connection changed: restarting it");
		if (c->ike) {
			ike_peer_shutdown(c->ike, now);
			gw_crt_pump(g, c, j);
		}
		if (j >= 0) {
			/* the restarted peer draws from a new stream, not the old cookies again */
			unsigned gen = c->generation + 1;

			gw_crt_stop(g, c);
			explicit_bzero(c, sizeof *c);
			c->cfg = cfg->conns[j];
			c->cur = -1;
			c->reinit_at = LAB_NEVER;
			c->generation = gen;
			next[j] = c;
		} else {
			crt_free(g, c);
		}
		g->c[k] = NULL;
	}
	for (size_t j = 0; j < cfg->nconns; j++)
		if (!next[j] && !(next[j] = crt_new(&cfg->conns[j]))) {
			snprintf(err, errlen, "out of memory");
			r = -ENOMEM;
		}
	g->cfg = *cfg;
	for (size_t j = 0; j < cfg->nconns; j++)
		g->c[j] = next[j];
	g->n = cfg->nconns;
	if (r) {
		/* keep the array dense: drop the connections that could not be allocated */
		size_t w = 0;

		for (size_t j = 0; j < g->n; j++)
			if (g->c[j])
				g->c[w++] = g->c[j];
		g->n = w;
		return r;
	}
	for (size_t j = 0; j < g->n; j++)
		if (!g->c[j]->ike && g->c[j]->cfg.enabled) {
			int e = gw_crt_start(g, (int)j, now);

			if (e && !r) {
				snprintf(err, errlen, "conns[%s]: the IKE peer refused the policy (%d)",
				         g->c[j]->cfg.name, e);
				r = e;
			}
		}
	return r;
}

/* ---- queues ---- */

uint8_t *gw_queue_reserve(struct gw *g, size_t len)
{
	struct gw_qpkt *q;

	if (g->outq_n >= GW_OUTQ_MAX) {
		g->st.queue_drops++;
		return NULL;
	}
	q = &g->outq[g->outq_n];
	if (q->cap < len || !q->data) {
		/* room for a full-sized Ethernet packet at least, so the slot is reused */
		size_t cap = len > 2048 ? len : 2048;

		free(q->data);
		q->cap = 0;
		q->data = malloc(cap);
		if (!q->data) {
			g->st.queue_drops++;
			return NULL;
		}
		q->cap = cap;
	}
	return q->data;
}

void gw_queue_commit(struct gw *g, enum gw_out_kind kind, size_t len,
                     const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	struct gw_qpkt *q = &g->outq[g->outq_n];

	q->len = len;
	q->kind = kind;
	memset(&q->from, 0, sizeof q->from);
	memset(&q->to, 0, sizeof q->to);
	if (from)
		q->from = *from;
	if (to)
		q->to = *to;
	g->outq_n++;
}

void gw_queue_pkt(struct gw *g, enum gw_out_kind kind, const uint8_t *data, size_t len,
                  const struct ike_endpoint *from, const struct ike_endpoint *to)
{
	uint8_t *d = gw_queue_reserve(g, len);

	if (!d)
		return;
	memcpy(d, data, len);
	gw_queue_commit(g, kind, len, from, to);
}

bool gw_output(struct gw *g, struct gw_pkt *out)
{
	struct gw_qpkt *q;

	/* Handed-out packets stay in their slots until the next call that queues (each starts
	 * with outq_compact), so a whole drain is valid at once. */
	if (g->outq_head == g->outq_n) {
		g->outq_n = g->outq_head = 0;
		return false;
	}
	q = &g->outq[g->outq_head++];
	out->kind = q->kind;
	out->data = q->data;
	out->len = q->len;
	out->from = q->from;
	out->to = q->to;
	return true;
}

struct gw_event *gw_queue_event(struct gw *g, enum gw_event_type type, int conn)
{
	struct gw_event *e;

	if (g->ev_n >= GW_EVQ_MAX) {
		g->st.queue_drops++;
		e = &g->ev_scratch;
	} else {
		e = &g->evq[(g->ev_head + g->ev_n) % GW_EVQ_MAX];
		g->ev_n++;
	}
	memset(e, 0, sizeof *e);
	e->type = type;
	e->time = g->now;
	e->conn = conn;
	if (conn >= 0 && (size_t)conn < g->n && g->c[conn])
		snprintf(e->conn_name, sizeof e->conn_name, "%s", g->c[conn]->cfg.name);
	return e;
}

bool gw_event_next(struct gw *g, struct gw_event *out)
{
	struct gw_event *e;

	if (!g->ev_n)
		return false;
	e = &g->evq[g->ev_head];
	*out = *e;
	explicit_bzero(e, sizeof *e);
	g->ev_head = (g->ev_head + 1) % GW_EVQ_MAX;
	g->ev_n--;
	return true;
}

void gw_logf(struct gw *g, const char *name, const char *fmt, ...)
{
	char *line;
	int n = 0;
	va_list ap;

	if (g->log_n >= GW_LOGQ_MAX) {
		g->st.queue_drops++;
		return;
	}
	line = g->logq[(g->log_head + g->log_n) % GW_LOGQ_MAX];
	if (name && name[0])
		n = snprintf(line, GW_LOG_LEN, "%.*s: ", GW_NAME_MAX, name);
	va_start(ap, fmt);
	vsnprintf(line + n, GW_LOG_LEN - (size_t)n, fmt, ap);
	va_end(ap);
	g->log_n++;
}

bool gw_log_next(struct gw *g, char *line, size_t len)
{
	if (!g->log_n)
		return false;
	snprintf(line, len, "%s", g->logq[g->log_head]);
	g->log_head = (g->log_head + 1) % GW_LOGQ_MAX;
	g->log_n--;
	return true;
}

/* ---- timers ---- */

void gw_timer(struct gw *g, lab_ns now)
{
	outq_compact(g);
	g->now = now;
	for (size_t i = 0; i < g->n; i++)
		gw_crt_timer(g, (int)i, now);
}

lab_ns gw_deadline(const struct gw *g)
{
	lab_ns d = LAB_NEVER;

	for (size_t i = 0; i < g->n; i++) {
		lab_ns x = gw_crt_deadline(g, (int)i);

		if (x < d)
			d = x;
	}
	return d;
}

/* ---- state ---- */

size_t gw_conn_count(const struct gw *g)
{
	return g->n;
}

int gw_conn_find(const struct gw *g, const char *name)
{
	for (size_t i = 0; i < g->n; i++)
		if (!strcmp(g->c[i]->cfg.name, name))
			return (int)i;
	return -1;
}

void gw_conn_stats(const struct gw *g, int conn, struct gw_conn_stats *out)
{
	const struct gw_crt *c;

	memset(out, 0, sizeof *out);
	if (conn < 0 || (size_t)conn >= g->n)
		return;
	c = g->c[conn];
	out->state = gw_crt_state(c);
	if (c->cur >= 0) {
		out->spi_in = c->ch[c->cur].spi_in;
		out->spi_out = c->ch[c->cur].spi_out;
	}
	out->packets_in = c->packets_in;
	out->bytes_in = c->bytes_in;
	out->packets_out = c->packets_out;
	out->bytes_out = c->bytes_out;
	out->drops = c->drops;
	out->rekeys = c->rekeys;
	out->reauths = c->reauths;
}

bool gw_conn_sa(const struct gw *g, int conn, struct gw_sa_info *out)
{
	const struct gw_crt *c;
	const struct gw_child *ch;
	const struct esp_sa *in;
	const uint8_t *k;
	size_t len;

	memset(out, 0, sizeof *out);
	if (conn < 0 || (size_t)conn >= g->n)
		return false;
	c = g->c[conn];
	out->ike_sas = c->ike ? ike_peer_ike_sa_count(c->ike) : 0;
	if (c->cur < 0 || !c->ch[c->cur].used || !c->ch[c->cur].out)
		return false;
	ch = &c->ch[c->cur];
	in = esp_table_lookup(g->table, ch->spi_in);
	out->spi_in = ch->spi_in;
	out->spi_out = ch->spi_out;
	out->local = ch->local;
	out->remote = ch->remote;
	out->udp_encap = ch->udp_encap;
	out->prop = ch->prop;
	out->local_ts = c->cfg.ike.local_ts;
	out->remote_ts = c->cfg.ike.remote_ts;
	out->created = ch->created;
	out->lifetime = ch->lifetime;
	out->initiator = c->cfg.ike.initiator;
	esp_sa_stats(ch->out, &out->out);
	if ((k = esp_sa_enc_key(ch->out, &len)) && len <= sizeof out->enc_out) {
		memcpy(out->enc_out, k, len);
		out->enc_len = len;
	}
	if ((k = esp_sa_integ_key(ch->out, &len)) && len <= sizeof out->auth_out) {
		memcpy(out->auth_out, k, len);
		out->auth_len = len;
	}
	if (in) {
		esp_sa_stats(in, &out->in);
		if ((k = esp_sa_enc_key(in, &len)) && len <= sizeof out->enc_in)
			memcpy(out->enc_in, k, len);
		if ((k = esp_sa_integ_key(in, &len)) && len <= sizeof out->auth_in)
			memcpy(out->auth_in, k, len);
	}
	return true;
}

void gw_stats(const struct gw *g, struct gw_stats *out)
{
	*out = g->st;
}

/* ---- actions ---- */

void gw_conn_initiate(struct gw *g, int conn, lab_ns now)
{
	outq_compact(g);
	g->now = now;
	if (conn < 0 || (size_t)conn >= g->n)
		return;
	/* an explicit initiate brings back what a DPD clear removed: the configured trap */
	g->c[conn]->trap = g->c[conn]->cfg.always_up || g->c[conn]->cfg.ike.initiator;
	gw_crt_initiate(g, conn, now);
}

void gw_conn_down(struct gw *g, int conn, lab_ns now)
{
	struct gw_crt *c;

	outq_compact(g);
	g->now = now;
	if (conn < 0 || (size_t)conn >= g->n || !(c = g->c[conn])->ike)
		return;
	gw_logf(g, c->cfg.name, "taking the connection down");
	ike_peer_shutdown(c->ike, now);
	gw_crt_pump(g, c, conn);
}

void gw_conn_restart(struct gw *g, int conn, lab_ns now)
{
	struct gw_crt *c;
	uint32_t spis[GW_CHILD_MAX];
	int n = 0;
	unsigned gen;
	struct gw_conn cfg;

	outq_compact(g);
	g->now = now;
	if (conn < 0 || (size_t)conn >= g->n || !(c = g->c[conn])->ike)
		return;
	for (int k = 0; k < GW_CHILD_MAX; k++)
		if (c->ch[k].used)
			spis[n++] = c->ch[k].spi_in;
	gw_logf(g, c->cfg.name, "IKE restarted: %u IKE_SA(s) and %d CHILD_SA(s) forgotten, no "
	        "DELETE sent", ike_peer_ike_sa_count(c->ike), n);
	/* a new stream for the new peer, as a changed connection gets (gw_reconfigure) */
	gen = c->generation + 1;
	cfg = c->cfg;
	gw_crt_stop(g, c);
	explicit_bzero(c, sizeof *c);
	c->cfg = cfg;
	explicit_bzero(&cfg, sizeof cfg);
	c->cur = -1;
	c->reinit_at = LAB_NEVER;
	c->generation = gen;
	if (gw_crt_start(g, conn, now) || !c->ike)
		return;
	for (int k = 0; k < n; k++)
		ike_peer_forgotten(c->ike, spis[k]);
	gw_crt_pump(g, c, conn);
}

int gw_conn_seq_restart(struct gw *g, int conn, uint32_t next)
{
	struct gw_child *ch;
	int r;

	outq_compact(g);
	if (conn < 0 || (size_t)conn >= g->n)
		return -EINVAL;
	ch = gw_crt_current(g, conn);
	if (!ch)
		return -ENOENT;
	if ((r = esp_sa_seq_restart(ch->out, next)))
		return r;
	gw_logf(g, g->c[conn]->cfg.name, "outbound sequence number of CHILD_SA %08x_o restarts at %u",
	        ch->spi_out, next);
	return 0;
}

void gw_shutdown(struct gw *g, lab_ns now)
{
	outq_compact(g);
	g->now = now;
	for (size_t i = 0; i < g->n; i++) {
		struct gw_crt *c = g->c[i];

		if (!c->ike)
			continue;
		ike_peer_shutdown(c->ike, now);
		gw_crt_pump(g, c, (int)i);
		c->reinit_at = LAB_NEVER;       /* shut down means down, also for always_up */
	}
}
