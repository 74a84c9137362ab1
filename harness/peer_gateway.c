/*
 * peer_gateway.c: `vpnlab peer --tunnel` (see peer_gateway.h).
 */
#include "harness/peer_gateway.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/gateway.h"
#include "harness/loop.h"
#include "harness/netns.h"
#include "harness/rtnl.h"

struct peer_gw {
	const struct peer_gateway_opts *o;
	struct loop loop;
	struct gateway *gw;
	struct loop_timer giveup, linger;
	int exit_code;                  /* -1 while running */
	char reason[320];
};

void peer_json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static double now_s(const struct peer_gw *p)
{
	return (double)loop_now(&p->loop) / LAB_NS_PER_SEC;
}

static void on_event(void *ctx, struct gateway *g, const struct gw_event *ev)
{
	struct peer_gw *p = ctx;
	char kind[32], text[320];

	(void)g;
	gateway_event_text(ev, kind, sizeof kind, text, sizeof text);
	if (p->o->json) {
		printf("{\"event\": \"%s\", \"time\": %.3f, \"detail\": ", kind, now_s(p));
		peer_json_str(stdout, text);
		printf("}\n");
	} else {
		printf("%9.3f %s%s%s\n", now_s(p), kind, text[0] ? " " : "", text);
	}
	fflush(stdout);
	if (!p->o->once || ev->type != GW_EV_IKE)
		return;
	switch (ev->ike.type) {
	case IKE_EV_CHILD_SA_ESTABLISHED:
		if (p->exit_code < 0 && !loop_timer_armed(&p->linger))
			loop_timer_arm(&p->loop, &p->linger, loop_now(&p->loop) + lab_ms(500));
		break;
	case IKE_EV_NO_PROPOSAL_CHOSEN:
	case IKE_EV_AUTH_FAILED:
	case IKE_EV_TIMEOUT:
		p->exit_code = 1;
		snprintf(p->reason, sizeof p->reason, "%s: %s", kind, ev->ike.detail);
		break;
	default:
		break;
	}
}

static void on_log(void *ctx, struct gateway *g, const char *line)
{
	struct peer_gw *p = ctx;

	(void)g;
	if (p->o->verbose)
		fprintf(stderr, "%9.3f [GW] %s\n", now_s(p), line);
}

static void on_giveup(void *ctx)
{
	struct peer_gw *p = ctx;

	if (p->exit_code >= 0)
		return;
	if (p->o->once) {
		p->exit_code = 1;
		snprintf(p->reason, sizeof p->reason, "timeout: no CHILD_SA within the time given");
	} else {
		p->exit_code = 0;
	}
}

static void on_linger(void *ctx)
{
	struct peer_gw *p = ctx;

	if (p->exit_code < 0)
		p->exit_code = 0;
}

static bool done(void *ctx)
{
	return ((struct peer_gw *)ctx)->exit_code >= 0;
}

static void print_counters(struct peer_gw *p)
{
	struct gw *w = gateway_gw(p->gw);
	struct gateway_io io;
	struct gw_stats gs;

	gateway_io(p->gw, &io);
	gw_stats(w, &gs);
	for (size_t c = 0; c < gw_conn_count(w); c++) {
		struct gw_conn_stats st;

		gw_conn_stats(w, (int)c, &st);
		if (p->o->json)
			printf("{\"event\": \"counters\", \"time\": %.3f, \"spi_in\": \"%08x\", "
			       "\"spi_out\": \"%08x\", \"packets_in\": %llu, \"bytes_in\": %llu, "
			       "\"packets_out\": %llu, \"bytes_out\": %llu, \"drops\": %llu, "
			       "\"rekeys\": %u, \"tunnel_rx\": %llu, \"tunnel_tx\": %llu, "
			       "\"send_errors\": %llu, \"frag_needed\": %llu, \"no_sa_drops\": %llu, "
			       "\"no_match_drops\": %llu, \"gso_sends\": %llu, "
			       "\"gso_segments\": %llu, \"gro_reads\": %llu, \"gro_segments\": %llu}\n",
			       now_s(p), st.spi_in, st.spi_out, (unsigned long long)st.packets_in,
			       (unsigned long long)st.bytes_in, (unsigned long long)st.packets_out,
			       (unsigned long long)st.bytes_out, (unsigned long long)st.drops,
			       st.rekeys, (unsigned long long)io.tun_rx, (unsigned long long)io.tun_tx,
			       (unsigned long long)io.send_errors, (unsigned long long)gs.frag_needed,
			       (unsigned long long)gs.no_sa_drops,
			       (unsigned long long)gs.no_match_drops,
			       (unsigned long long)io.gso_sends, (unsigned long long)io.gso_segments,
			       (unsigned long long)io.gro_reads, (unsigned long long)io.gro_segments);
		else
			printf("%9.3f counters spi_in=%08x spi_out=%08x in: %llu packets %llu bytes, "
			       "out: %llu packets %llu bytes, drops %llu, rekeys %u (tunnel rx %llu tx "
			       "%llu, send errors %llu; UDP GSO %llu sends of %llu packets, GRO %llu "
			       "reads of %llu)\n", now_s(p), st.spi_in, st.spi_out,
			       (unsigned long long)st.packets_in, (unsigned long long)st.bytes_in,
			       (unsigned long long)st.packets_out, (unsigned long long)st.bytes_out,
			       (unsigned long long)st.drops, st.rekeys, (unsigned long long)io.tun_rx,
			       (unsigned long long)io.tun_tx, (unsigned long long)io.send_errors,
			       (unsigned long long)io.gso_sends, (unsigned long long)io.gso_segments,
			       (unsigned long long)io.gro_reads, (unsigned long long)io.gro_segments);
	}
	fflush(stdout);
}

int peer_gateway_run(const struct gw_config *cfg, const struct peer_gateway_opts *o)
{
	struct peer_gw *p = calloc(1, sizeof *p);
	struct gateway_opts go = { 0 };
	struct nl_sock *nl = NULL;
	struct drbg drbg;
	char msg[512];
	int nsfd = -1, code = EXIT_ENV, err;

	if (!p)
		return EXIT_ENV;
	p->o = o;
	p->exit_code = -1;
	drbg_init(&drbg, o->seed);
	if (netns_init() < 0 || (nsfd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC)) < 0) {
		fprintf(stderr, "vpnlab peer: cannot open this network namespace: %s\n",
		        strerror(errno));
		goto out;
	}
	nl = rt_open(nsfd);
	if (!nl) {
		fprintf(stderr, "vpnlab peer: cannot open an rtnetlink socket\n");
		goto out;
	}
	if (loop_init(&p->loop, LOOP_CLOCK_REAL) < 0) {
		fprintf(stderr, "vpnlab peer: cannot start the event loop\n");
		goto out;
	}
	go.name = "peer";
	go.loop = &p->loop;
	go.nsfd = nsfd;
	go.nl = nl;
	go.cfg = cfg;
	go.drbg = &drbg;
	go.tunnel = o->tunnel;
	go.tunnel_mtu = o->tunnel_mtu;
	go.offload = o->offload;
	go.send_thread = true;
	go.udp_gso = o->offload;
	go.routes = true;
	go.remove_on_close = true;      /* this namespace outlives us */
	go.keys_dir = o->keys_dir;
	go.on_event = on_event;
	go.on_log = on_log;
	go.ctx = p;
	err = gateway_open(&p->gw, &go, msg, sizeof msg);
	if (err) {
		fprintf(stderr, "vpnlab peer: %s\n", msg);
		goto out_loop;
	}
	loop_timer_init(&p->giveup, on_giveup, p);
	loop_timer_init(&p->linger, on_linger, p);
	if (o->timeout)
		loop_timer_arm(&p->loop, &p->giveup, o->timeout);
	gateway_start(p->gw);
	loop_run(&p->loop, LAB_NEVER, done, p);
	if (p->loop.interrupted || p->exit_code < 0)
		p->exit_code = o->once ? 1 : 0;
	if (p->loop.interrupted && o->once)
		snprintf(p->reason, sizeof p->reason, "interrupted");
	/* the counters while the SA still exists, then DELETEs out */
	print_counters(p);
	gateway_shutdown(p->gw);
	gateway_close(p->gw);
	if (p->exit_code && p->reason[0])
		fprintf(stderr, "vpnlab peer: %s\n", p->reason);
	code = p->exit_code;
out_loop:
	loop_fini(&p->loop);
out:
	rt_close(nl);
	if (nsfd >= 0)
		close(nsfd);
	drbg_wipe(&drbg);
	free(p);
	return code;
}
