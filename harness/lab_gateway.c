/*
 * lab_gateway.c: the scenario's gateways in the lab (see lab_gateway.h).
 */
#include "harness/lab_gateway.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness/gateway.h"
#include "harness/gateway_show.h"
#include "harness/netns.h"
#include "harness/scenario_gateway.h"

struct lab_gw {
	const struct sc_gateway *sc;
	/* what reconfigure steps stacked: CLI texts after sc->config, and the connection list
	 * as the last step left it (NULL: sc->conns); borrowed from the scenario */
	const char *texts[SC_GW_TEXTS_MAX];
	size_t ntexts;
	const struct sc_gw_conn *conns;
	uint32_t uplink_mtu;            /* set by a link step; 0 = the topology's */
	struct gateway *gw;
	struct drbg drbg;
	FILE *log;                      /* OUT/logs/NODE.log: the gateway's charon-like lines */
	struct gw_config *cloud_cfg;    /* a cloud gateway's current configuration (the API's,
	                                   not the scenario's); wiped and freed at stop */
};

struct lab_gateways {
	struct lab *lab;
	struct report *r;
	const struct report_out *o;
	struct lab_gw *gws;
	size_t n;
	struct lab_gateways_observer ob;
};

static struct lab_gw *by_gateway(struct lab_gateways *lg, const struct gateway *g)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw == g)
			return &lg->gws[i];
	return NULL;
}

static void on_event(void *ctx, struct gateway *g, const struct gw_event *ev)
{
	struct lab_gateways *lg = ctx;
	char source[72], kind[32], text[320];

	if (ev->conn >= 0)
		snprintf(source, sizeof source, "%s/%s", gateway_name(g), ev->conn_name);
	else
		snprintf(source, sizeof source, "%s", gateway_name(g));
	gateway_event_text(ev, kind, sizeof kind, text, sizeof text);
	report_event(lg->r, lg->o, ev->time, source, kind, text);
	if (lg->ob.event)
		lg->ob.event(lg->ob.ctx, gateway_name(g), ev);
}

static void on_log(void *ctx, struct gateway *g, const char *line)
{
	struct lab_gateways *lg = ctx;
	char t[32];

	report_fmt_time(loop_now(lg->lab->loop), t, sizeof t);
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw == g && lg->gws[i].log)
			fprintf(lg->gws[i].log, "%10s %s\n", t, line);
	if (lg->ob.log)
		lg->ob.log(lg->ob.ctx, gateway_name(g), line);
}

void lab_gateways_observe(struct lab_gateways *lg, const struct lab_gateways_observer *ob)
{
	if (ob)
		lg->ob = *ob;
	else
		memset(&lg->ob, 0, sizeof lg->ob);
}

struct gateway *lab_gateways_node(struct lab_gateways *lg, const char *node)
{
	for (size_t i = 0; i < lg->n; i++)
		if (!strcmp(lg->gws[i].sc->node, node))
			return lg->gws[i].gw;
	return NULL;
}

int lab_gateways_set_config(struct lab_gateways *lg, const char *node,
                            const struct gw_config *cfg, char *msg, size_t msglen)
{
	struct gateway *g = lab_gateways_node(lg, node);
	struct lab_gw *lgw = g ? by_gateway(lg, g) : NULL;
	int err;

	if (!lgw) {
		snprintf(msg, msglen, "node %s has no gateway", node);
		return -ENOENT;
	}
	if (!lgw->cloud_cfg && !(lgw->cloud_cfg = calloc(1, sizeof *lgw->cloud_cfg)))
		return -ENOMEM;
	err = gateway_reconfigure(g, cfg, msg, msglen);
	if (!err)
		*lgw->cloud_cfg = *cfg;
	return err;
}

static struct lab_gw *find(struct lab_gateways *lg, const struct sc_conn_ref *ref, int *conn)
{
	for (size_t i = 0; i < lg->n; i++)
		if (!strcmp(lg->gws[i].sc->node, ref->gateway) && lg->gws[i].gw) {
			*conn = gw_conn_find(gateway_gw(lg->gws[i].gw), ref->conn);
			return *conn >= 0 ? &lg->gws[i] : NULL;
		}
	return NULL;
}

/* The gateway's configuration as it is now (after the reconfigure steps run so far). */
static int resolve_current(struct lab_gateways *lg, const struct lab_gw *g,
                           struct gw_config *cfg, struct profile_report *forced, char *err,
                           size_t errlen)
{
	struct sc_gateway now = *g->sc;

	int rc;

	if (g->conns)
		now.conns = (struct sc_gw_conn *)g->conns;
	rc = scenario_gateway_resolve(lg->lab->sc, &now, g->texts, g->ntexts, cfg, forced, err,
	                              errlen);
	if (!rc && g->uplink_mtu)
		cfg->dp.uplink_mtu = g->uplink_mtu;
	return rc;
}

/* What the vendor's firmware does whatever the scenario set, a line each. */
static void forced_report(struct lab_gateways *lg, const struct lab_gw *g,
                          const struct profile_report *forced)
{
	lab_ns now = loop_now(lg->lab->loop);

	for (size_t k = 0; k < forced->n; k++)
		report_event(lg->r, lg->o, now, g->sc->node, "profile_forced", forced->line[k]);
	if (forced->dropped) {
		char text[96];

		snprintf(text, sizeof text, "%zu more values replaced by profile %s",
		         forced->dropped, g->sc->profile);
		report_event(lg->r, lg->o, now, g->sc->node, "profile_forced", text);
	}
}

int lab_gateways_start(struct lab_gateways **out, struct lab *lab, struct drbg *root,
                       struct report *r, const struct report_out *o, char *msg,
                       size_t msglen)
{
	const struct scenario *sc = lab->sc;
	struct lab_gateways *lg = calloc(1, sizeof *lg);
	char keys[600];
	int err = 0;

	*out = NULL;
	if (!lg)
		return -ENOMEM;
	lg->lab = lab;
	lg->r = r;
	lg->o = o;
	lg->gws = calloc(sc->ngateways + 1, sizeof *lg->gws);
	if (!lg->gws) {
		free(lg);
		return -ENOMEM;
	}
	if (lab->opts.capture && sc->ngateways) {
		char logs[600];

		snprintf(logs, sizeof logs, "%s/logs", lab->opts.outdir);
		if (mkdir(logs, 0755) < 0 && errno != EEXIST) {
			snprintf(msg, msglen, "cannot create %s: %s", logs, strerror(errno));
			free(lg->gws);
			free(lg);
			return -errno;
		}
	}
	snprintf(keys, sizeof keys, "%s/keys", lab->opts.outdir);
	/* this run's keys only (an output directory is reused from run to run) */
	for (int k = 0; k < 2; k++) {
		char path[700];

		snprintf(path, sizeof path, "%s/%s", keys, k ? "esp_sa" : "ikev1_decryption_table");
		unlink(path);
	}
	for (size_t i = 0; i < sc->ngateways; i++) {
		const struct sc_gateway *g = &sc->gateways[i];
		struct lab_gw *lgw = &lg->gws[lg->n++];
		struct lab_node *n = lab_node(lab, g->node);
		struct gw_config cfg;
		struct profile_report forced;
		struct gateway_opts go = { 0 };
		char label[48], err_text[300];

		lgw->sc = g;
		if (lab->opts.capture) {
			char path[700];

			snprintf(path, sizeof path, "%s/logs/%s.log", lab->opts.outdir, g->node);
			lgw->log = fopen(path, "w");
		}
		snprintf(label, sizeof label, "gw/%s", g->node);
		drbg_derive(&lgw->drbg, root, label);
		if (!n) {
			snprintf(msg, msglen, "gateway %s: no such node in the lab", g->node);
			err = -ENOENT;
			break;
		}
		memset(&forced, 0, sizeof forced);
		err = resolve_current(lg, lgw, &cfg, &forced, err_text, sizeof err_text);
		if (err) {
			snprintf(msg, msglen, "%s", err_text);
			gw_config_wipe(&cfg);
			break;
		}
		forced_report(lg, lgw, &forced);
		/* a gateway forwards between its LAN and its tunnel, whatever the node says */
		err = netns_sysctl(n->nsfd, "net/ipv4/ip_forward", "1");
		if (err) {
			snprintf(msg, msglen, "gateway %s: forwarding on: %s", g->node, strerror(-err));
			gw_config_wipe(&cfg);
			break;
		}
		go.name = g->node;
		go.loop = lab->loop;
		go.nsfd = n->nsfd;
		go.nl = n->nl;
		go.cfg = &cfg;
		go.drbg = &lgw->drbg;
		go.tunnel = g->tunnel;
		go.tunnel_mtu = (int)cfg.dp.tunnel_mtu;       /* the scenario's, or the profile's */
		go.routes = true;
		go.keys_dir = lab->opts.capture ? keys : NULL;
		go.on_event = on_event;
		go.on_log = on_log;
		go.ctx = lg;
		err = gateway_open(&lgw->gw, &go, msg, msglen);
		gw_config_wipe(&cfg);
		if (err)
			break;
		err = lab_capture_add(lab, g->node, g->tunnel, "tunnel",
		                      go.tunnel_mtu ? go.tunnel_mtu : 1500, msg, msglen);
		if (err)
			break;
	}
	if (err) {
		lab_gateways_stop(lg);
		return err;
	}
	for (size_t i = 0; i < lg->n; i++)
		gateway_start(lg->gws[i].gw);
	*out = lg;
	return 0;
}

bool lab_gateways_conn_up(struct lab_gateways *lg, const struct sc_conn_ref *ref)
{
	struct gw_conn_stats st;
	int conn;
	struct lab_gw *g = find(lg, ref, &conn);

	if (!g)
		return false;
	gw_conn_stats(gateway_gw(g->gw), conn, &st);
	return st.state == GW_CONN_UP;
}

int lab_gateways_seq_restart(struct lab_gateways *lg, const struct sc_seq_restart *s,
                             char *msg, size_t msglen)
{
	int conn, err;
	struct lab_gw *g = find(lg, &s->ref, &conn);

	if (!g) {
		snprintf(msg, msglen, "no connection %s/%s in the lab", s->ref.gateway, s->ref.conn);
		return -ENOENT;
	}
	err = gw_conn_seq_restart(gateway_gw(g->gw), conn, s->next);
	if (err == -ENOENT)
		snprintf(msg, msglen, "%s/%s has no SA whose sequence numbers could restart",
		         s->ref.gateway, s->ref.conn);
	else if (err)
		snprintf(msg, msglen, "%s/%s: sequence restart refused (%s)", s->ref.gateway,
		         s->ref.conn, strerror(-err));
	return err;
}

int lab_gateways_tunnel(struct lab_gateways *lg, const struct sc_tunnelop *t, char *msg,
                        size_t msglen)
{
	int conn;
	struct lab_gw *g = find(lg, &t->ref, &conn);
	lab_ns now = loop_now(lg->lab->loop);

	if (!g) {
		snprintf(msg, msglen, "no connection %s/%s in the lab", t->ref.gateway, t->ref.conn);
		return -ENOENT;
	}
	if (t->action == SC_TUNNEL_DOWN)
		gw_conn_down(gateway_gw(g->gw), conn, now);
	else
		gw_conn_initiate(gateway_gw(g->gw), conn, now);
	gateway_flush(g->gw);
	return 0;
}

int lab_gateways_link_mtu(struct lab_gateways *lg, const char *node, const char *iface,
                          int mtu, char *msg, size_t msglen)
{
	for (size_t i = 0; i < lg->n; i++) {
		struct lab_gw *g = &lg->gws[i];
		struct gw_config cfg;
		char err_text[300];
		int err;

		if (!g->gw || strcmp(g->sc->node, node) || strcmp(g->sc->uplink, iface))
			continue;
		/* the same configuration with the new uplink MTU: the connections compare equal
		 * and keep their SAs; the size rules use the new MTU from the next packet */
		g->uplink_mtu = (uint32_t)mtu;
		if (g->cloud_cfg) {
			cfg = *g->cloud_cfg;
			cfg.dp.uplink_mtu = (uint32_t)mtu;
			err = 0;
		} else {
			err = resolve_current(lg, g, &cfg, NULL, err_text, sizeof err_text);
		}
		if (!err) {
			err = gw_reconfigure(gateway_gw(g->gw), &cfg, loop_now(lg->lab->loop), err_text,
			                     sizeof err_text);
		}
		if (!err && g->cloud_cfg)
			g->cloud_cfg->dp.uplink_mtu = (uint32_t)mtu;
		gw_config_wipe(&cfg);
		if (err) {
			snprintf(msg, msglen, "gateway %s: uplink MTU %d: %s", node, mtu, err_text);
			return err;
		}
		gateway_flush(g->gw);
	}
	return 0;
}

int lab_gateways_reconfigure(struct lab_gateways *lg, const struct sc_reconfigure *r,
                             char *msg, size_t msglen)
{
	struct lab_gw *g = NULL;
	struct gw_config *cfg;
	struct profile_report forced;
	char err_text[300];
	int err;

	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw && !strcmp(lg->gws[i].sc->node, r->gateway))
			g = &lg->gws[i];
	if (!g) {
		snprintf(msg, msglen, "no gateway %s in the lab", r->gateway);
		return -ENOENT;
	}
	if (g->sc->cloud) {
		snprintf(msg, msglen, "gateway %s is configured through the %s API, not by steps",
		         r->gateway, scenario_cloud_name(g->sc->cloud));
		return -EINVAL;
	}
	if (r->config && g->ntexts == SC_GW_TEXTS_MAX) {
		snprintf(msg, msglen, "gateway %s: more than %d config texts", r->gateway,
		         SC_GW_TEXTS_MAX);
		return -E2BIG;
	}
	cfg = calloc(1, sizeof *cfg);
	if (!cfg)
		return -ENOMEM;
	if (r->config)
		g->texts[g->ntexts++] = r->config;
	if (r->conns)
		g->conns = r->conns;
	memset(&forced, 0, sizeof forced);
	err = resolve_current(lg, g, cfg, &forced, err_text, sizeof err_text);
	if (!err)
		err = gw_reconfigure(gateway_gw(g->gw), cfg, loop_now(lg->lab->loop), err_text,
		                     sizeof err_text);
	gw_config_wipe(cfg);
	free(cfg);
	if (err) {
		snprintf(msg, msglen, "gateway %s: reconfigure: %s", r->gateway, err_text);
		return err;
	}
	forced_report(lg, g, &forced);
	gateway_flush(g->gw);
	return 0;
}

static const char *state_name(enum gw_conn_state s)
{
	return s == GW_CONN_UP ? "up" : s == GW_CONN_CONNECTING ? "connecting" : "down";
}

/* One "status" line per connection of g, now. */
static void status_lines(struct lab_gateways *lg, const struct lab_gw *g, const char *kind)
{
	struct gw *w = gateway_gw(g->gw);

	for (size_t c = 0; c < gw_conn_count(w); c++) {
		struct gw_conn_stats st;
		char src[72], text[320];

		gw_conn_stats(w, (int)c, &st);
		snprintf(src, sizeof src, "%s/%s", g->sc->node,
		         g->cloud_cfg && c < g->cloud_cfg->nconns ? g->cloud_cfg->conns[c].name :
		         c < g->sc->nconns ? g->sc->conns[c].name : "?");
		snprintf(text, sizeof text, "%s spi_in=%08x spi_out=%08x in: %llu packets %llu bytes, "
		         "out: %llu packets %llu bytes, drops %llu, rekeys %u, reauths %u",
		         state_name(st.state), st.spi_in, st.spi_out,
		         (unsigned long long)st.packets_in, (unsigned long long)st.bytes_in,
		         (unsigned long long)st.packets_out, (unsigned long long)st.bytes_out,
		         (unsigned long long)st.drops, st.rekeys, st.reauths);
		report_event(lg->r, lg->o, loop_now(lg->lab->loop), src, kind, text);
	}
}

/* The vendor's own status display, for the profiles that have one: 0 or -ENOMEM. */
static int vendor_show(struct lab_gateways *lg, const struct lab_gw *g)
{
	size_t skipped = 0;
	char *text;

	if (strcmp(g->sc->profile, "fitelnet-f220"))
		return 0;
	text = gateway_show_crypto_sa(gateway_gw(g->gw), loop_now(lg->lab->loop), &skipped);
	if (!text)
		return -ENOMEM;
	report_show_add(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node, "show crypto sa",
	                text);
	if (skipped) {
		char why[128];

		snprintf(why, sizeof why, "show crypto sa: %zu SAs not shown (a transform an F220 "
		         "cannot negotiate)", skipped);
		report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node, "show", why);
	}
	explicit_bzero(text, strlen(text));
	free(text);
	return 0;
}

int lab_gateways_show(struct lab_gateways *lg, const char *node, char *msg, size_t msglen)
{
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw && !strcmp(lg->gws[i].sc->node, node)) {
			status_lines(lg, &lg->gws[i], "status");
			if (vendor_show(lg, &lg->gws[i])) {
				snprintf(msg, msglen, "gateway %s: out of memory for its status", node);
				return -ENOMEM;
			}
			return 0;
		}
	snprintf(msg, msglen, "no gateway %s in the lab", node);
	return -ENOENT;
}

void lab_gateways_stop(struct lab_gateways *lg)
{
	if (!lg)
		return;
	for (size_t i = 0; i < lg->n; i++) {
		struct lab_gw *g = &lg->gws[i];
		struct gw *w;

		if (!g->gw)
			continue;
		/* the counters (and the vendor's status display) before the DELETEs, which end
		 * the SAs */
		w = gateway_gw(g->gw);
		vendor_show(lg, g);
		for (size_t c = 0; c < gw_conn_count(w); c++) {
			struct report_gw_conn *rc = report_gw_conn_add(lg->r);
			struct gw_conn_stats st;

			gw_conn_stats(w, (int)c, &st);
			snprintf(rc->node, sizeof rc->node, "%s", g->sc->node);
			if (g->cloud_cfg && c < g->cloud_cfg->nconns)
				snprintf(rc->conn, sizeof rc->conn, "%s", g->cloud_cfg->conns[c].name);
			else
				snprintf(rc->conn, sizeof rc->conn, "%s",
				         c < g->sc->nconns ? g->sc->conns[c].name : "?");
			snprintf(rc->state, sizeof rc->state, "%s", state_name(st.state));
			rc->spi_in = st.spi_in;
			rc->spi_out = st.spi_out;
			rc->packets_in = st.packets_in;
			rc->bytes_in = st.bytes_in;
			rc->packets_out = st.packets_out;
			rc->bytes_out = st.bytes_out;
			rc->drops = st.drops;
			rc->rekeys = st.rekeys;
			rc->reauths = st.reauths;
			{
				char src[72], text[320];

				snprintf(src, sizeof src, "%s/%s", rc->node, rc->conn);
				snprintf(text, sizeof text, "%s spi_in=%08x spi_out=%08x in: %llu packets "
				         "%llu bytes, out: %llu packets %llu bytes, drops %llu, rekeys %u",
				         rc->state, rc->spi_in, rc->spi_out,
				         (unsigned long long)rc->packets_in,
				         (unsigned long long)rc->bytes_in,
				         (unsigned long long)rc->packets_out,
				         (unsigned long long)rc->bytes_out,
				         (unsigned long long)rc->drops, rc->rekeys);
				report_event(lg->r, lg->o, loop_now(lg->lab->loop), src, "counters", text);
			}
		}
		{
			struct gateway_io io;

			gateway_io(g->gw, &io);
			if (io.send_errors) {
				char text[160];

				snprintf(text, sizeof text, "%llu packets could not be sent (the last: %s)",
				         (unsigned long long)io.send_errors, strerror(io.last_send_errno));
				report_event(lg->r, lg->o, loop_now(lg->lab->loop), g->sc->node,
				             "send_errors", text);
			}
		}
	}
	/* Every gateway says goodbye, then the loop carries the DELETEs across for a moment
	 * before any socket closes, so no DELETE meets a closed port. */
	for (size_t i = 0; i < lg->n; i++)
		if (lg->gws[i].gw)
			gateway_shutdown(lg->gws[i].gw);
	if (lg->n)
		loop_run(lg->lab->loop, loop_now(lg->lab->loop) + lab_ms(100), NULL, NULL);
	for (size_t i = 0; i < lg->n; i++) {
		gateway_close(lg->gws[i].gw);
		lg->gws[i].gw = NULL;
		if (lg->gws[i].log)
			fclose(lg->gws[i].log);
		drbg_wipe(&lg->gws[i].drbg);
		if (lg->gws[i].cloud_cfg) {
			gw_config_wipe(lg->gws[i].cloud_cfg);
			free(lg->gws[i].cloud_cfg);
		}
	}
	free(lg->gws);
	free(lg);
}
