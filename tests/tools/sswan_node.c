/*
 * sswan_node: start a real charon in a network namespace through harness/strongswan.c, with
 * one connection given on the command line (two with --extra-remote), and report what charon says
 * (tests/integration/strongswan_node.sh).
 *
 *   sswan_node --netns PATH --out DIR --local ADDR --remote ADDR --psk SECRET
 *              [--node NAME] [--ike PROPS] [--esp PROPS] [--local-id ID] [--remote-id ID]
 *              [--local-ts CIDR] [--remote-ts CIDR] [--initiate] [--frag-post]
 *              [--esp-lifetime SECONDS] [--ike-lifetime SECONDS] [--wait-up SECONDS]
 *              [--cycle] [--wait-rekey SECONDS] [--wait-reauth SECONDS] [--wait-packets N]
 *              [--extra-remote ADDR [--extra-remote-ts CIDR]] [--hold SECONDS]
 *
 * Prints "started PID DIR" once charon has its configuration, then one line per event, and,
 * when the connection is up (or --wait-up runs out): "ike NAME STATE PROPOSAL", "child STATE
 * SPI_IN SPI_OUT PROPOSAL" per CHILD_SA and "stats STATE SPI_IN SPI_OUT PKTS_IN PKTS_OUT"
 * ("stats2" for the second connection that --extra-remote adds: the same to another peer,
 * named lab2, with its own remote selector if --extra-remote-ts; then "up" waits for both).
 * With --cycle it then terminates the connection (sswan_conn_terminate), waits for it to be
 * down, initiates it again (sswan_conn_initiate) and waits for it to be up with new SPIs
 * ("down", "up again", and a new report). With --wait-rekey it then waits for a CHILD_SA
 * rekey (child-rekey event counted, new SPIs installed) and reports again; with
 * --wait-reauth, for an IKE reauthentication counted in the stats ("reauthenticated N"). With
 * --wait-packets N it then waits (15 s at most) until the stats count N packets in and N out
 * ("traffic IN/OUT packets, IN/OUT bytes in/out"). Then it holds --hold seconds (or until
 * SIGTERM/SIGINT), checking that charon is alive, and stops charon.
 * Exit: 0 when every step asked for happened, 1 when one did not in time, 2 usage, 3 charon
 * could not be started, 4 charon died while held.
 */
#include "harness/loop.h"
#include "harness/scenario.h"
#include "harness/strongswan.h"
#include "peers/ike/isakmp.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct run {
	struct loop loop;
	struct sswan *sw;
	struct loop_timer poll, hold, alive;
	int phase;                      /* enum phase */
	lab_ns wait_until, rekey_wait, reauth_wait;
	uint32_t last_spi;              /* inbound SPI last reported up */
	bool cycle;                     /* --cycle: terminate, then initiate again */
	uint64_t want_packets;          /* --wait-packets N: N in and N out through the tunnel */
	bool up, cycled, rekeyed, failed, done, holding, died;
};

static void usage(void)
{
	fputs("usage: sswan_node --netns PATH --out DIR --local ADDR --remote ADDR --psk SECRET\n"
	      "       [--node NAME] [--ike PROPS] [--esp PROPS] [--local-id ID] [--remote-id ID]\n"
	      "       [--local-ts CIDR] [--remote-ts CIDR] [--initiate] [--frag-post]\n"
	      "       [--esp-lifetime SECONDS] [--ike-lifetime SECONDS] [--wait-up SECONDS]\n"
	      "       [--cycle] [--wait-rekey SECONDS] [--wait-reauth SECONDS] [--wait-packets N]\n"
	      "       [--extra-remote ADDR [--extra-remote-ts CIDR]]\n"
	      "       [--hold SECONDS]\n", stderr);
}

static int endpoint(const char *text, struct ike_endpoint *e)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, false) < 0 || p.len != (p.family == AF_INET ? 32 : 128))
		return -1;
	e->family = p.family;
	memcpy(e->addr, p.addr, 16);
	e->port = 500;
	return 0;
}

static int net(const char *text, struct ike_net *n)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, true) < 0)
		return -1;
	n->family = p.family;
	memcpy(n->addr, p.addr, 16);
	n->len = p.len;
	return 0;
}

static int ident(const char *text, uint8_t *type, uint8_t *data, size_t *len)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, false) == 0 && !strchr(text, '/')) {
		*type = p.family == AF_INET ? ISAKMP_ID_IPV4_ADDR : ISAKMP_ID_IPV6_ADDR;
		*len = p.family == AF_INET ? 4 : 16;
		memcpy(data, p.addr, *len);
		return 0;
	}
	if (!*text || strlen(text) > 63)
		return -1;
	*type = strchr(text, '@') ? ISAKMP_ID_USER_FQDN : ISAKMP_ID_FQDN;
	*len = strlen(text);
	memcpy(data, text, *len);
	return 0;
}

static void report(struct run *r)
{
	struct vici_ike_sa sas[4];
	struct gw_conn_stats st;
	char err[256];
	size_t n;

	if (sswan_list_sas(r->sw, sas, 4, &n, err, sizeof err) == 0) {
		for (size_t i = 0; i < n && i < 4; i++) {
			printf("ike %s %s %s\n", sas[i].name, sas[i].state,
			       sas[i].proposal[0] ? sas[i].proposal : "-");
			for (size_t k = 0; k < sas[i].nchild; k++)
				printf("child %s %08x %08x %s\n", sas[i].child[k].state,
				       sas[i].child[k].spi_in, sas[i].child[k].spi_out,
				       sas[i].child[k].proposal[0] ? sas[i].child[k].proposal : "-");
		}
	} else {
		printf("list-sas failed: %s\n", err);
	}
	/* "stats" for the first connection, "stats2" for the second (--extra-remote) */
	for (size_t c = 0; c < sswan_conn_count(r->sw); c++) {
		const char *tag = c ? "stats2" : "stats";

		if (sswan_conn_stats(r->sw, (int)c, &st, err, sizeof err) == 0)
			printf("%s %s %08x %08x %llu %llu\n", tag,
			       st.state == GW_CONN_UP ? "up" :
			       st.state == GW_CONN_CONNECTING ? "connecting" : "down",
			       st.spi_in, st.spi_out, (unsigned long long)st.packets_in,
			       (unsigned long long)st.packets_out);
		else
			printf("%s failed: %s\n", tag, err);
	}
	fflush(stdout);
}

static void on_event(void *ctx, const struct sswan_event *ev)
{
	static const char *const names[] = { "ike-up", "ike-down", "child-up", "child-down",
	                                     "ike-rekey", "child-rekey" };

	(void)ctx;
	printf("event %s %s #%llu %s", names[ev->type], ev->sa.name,
	       (unsigned long long)ev->sa.uniqueid, ev->sa.state);
	if (ev->sa.nchild)
		printf(" child %s %08x %08x", ev->sa.child[0].state, ev->sa.child[0].spi_in,
		       ev->sa.child[0].spi_out);
	printf("\n");
	fflush(stdout);
}

static void on_hold(void *ctx)
{
	((struct run *)ctx)->done = true;
}

/* What the driver waits for, in order; each phase polls charon's stats every 100 ms until
 * its condition holds or its time runs out. */
enum phase { PH_UP, PH_DOWN, PH_UP_AGAIN, PH_REKEY, PH_REAUTH, PH_PACKETS, PH_HOLD };
static const char *const phase_name[] = { "up", "down after terminate", "up after initiate",
                                          "rekey", "reauthentication", "packets", "hold" };

static void phase_enter(struct run *r, enum phase ph, lab_ns budget)
{
	r->phase = ph;
	if (ph == PH_HOLD) {
		r->holding = true;
		return;
	}
	r->wait_until = loop_now(&r->loop) + budget;
	loop_timer_arm(&r->loop, &r->poll, loop_now(&r->loop) + lab_ms(100));
}

/* After up: the optional terminate/initiate cycle, then the optional rekey, then hold. */
static void phase_next(struct run *r, enum phase done)
{
	char err[256];

	if (done == PH_UP && r->cycle) {
		if (sswan_conn_terminate(r->sw, 0, err, sizeof err)) {
			printf("terminate failed: %s\n", err);
			r->failed = true;
			phase_enter(r, PH_HOLD, 0);
			return;
		}
		phase_enter(r, PH_DOWN, lab_sec(10));
		return;
	}
	if (done == PH_DOWN) {
		if (sswan_conn_initiate(r->sw, 0, err, sizeof err)) {
			printf("initiate failed: %s\n", err);
			r->failed = true;
			phase_enter(r, PH_HOLD, 0);
			return;
		}
		phase_enter(r, PH_UP_AGAIN, lab_sec(15));
		return;
	}
	if (done < PH_REKEY && r->rekey_wait > 0) {
		phase_enter(r, PH_REKEY, r->rekey_wait);
		return;
	}
	if (done < PH_REAUTH && r->reauth_wait > 0) {
		phase_enter(r, PH_REAUTH, r->reauth_wait);
		return;
	}
	if (done < PH_PACKETS && r->want_packets > 0) {
		phase_enter(r, PH_PACKETS, lab_sec(15));
		return;
	}
	phase_enter(r, PH_HOLD, 0);
}

static void on_poll(void *ctx)
{
	struct run *r = ctx;
	struct gw_conn_stats st;
	char err[256];
	bool met = false;
	int rc = sswan_conn_stats(r->sw, 0, &st, err, sizeof err);

	if (rc == 0) {
		bool up = st.state == GW_CONN_UP && st.spi_in && st.spi_out;

		/* with a second connection, "up" means both */
		if (up && r->phase == PH_UP && sswan_conn_count(r->sw) > 1) {
			struct gw_conn_stats st2;

			up = sswan_conn_stats(r->sw, 1, &st2, err, sizeof err) == 0 &&
			     st2.state == GW_CONN_UP && st2.spi_in && st2.spi_out;
		}

		switch (r->phase) {
		case PH_UP: met = up; break;
		case PH_DOWN: met = st.state == GW_CONN_DOWN; break;
		case PH_UP_AGAIN: met = up && st.spi_in != r->last_spi; break;
		case PH_REKEY: met = up && st.rekeys >= 1 && st.spi_in != r->last_spi; break;
		case PH_REAUTH: met = up && st.reauths >= 1; break;
		case PH_PACKETS:
			met = st.packets_in >= r->want_packets && st.packets_out >= r->want_packets;
			break;
		case PH_HOLD: break;
		}
	}
	if (met) {
		switch (r->phase) {
		case PH_UP: r->up = true; break;
		case PH_DOWN: printf("down\n"); break;
		case PH_UP_AGAIN: printf("up again\n"); r->cycled = true; break;
		case PH_REKEY: printf("rekeyed %u\n", st.rekeys); r->rekeyed = true; break;
		case PH_REAUTH: printf("reauthenticated %u\n", st.reauths); break;
		case PH_PACKETS:
			printf("traffic %llu/%llu packets, %llu/%llu bytes in/out\n",
			       (unsigned long long)st.packets_in, (unsigned long long)st.packets_out,
			       (unsigned long long)st.bytes_in, (unsigned long long)st.bytes_out);
			break;
		case PH_HOLD: break;
		}
		if (r->phase != PH_DOWN) {
			r->last_spi = st.spi_in;
			report(r);
		}
		phase_next(r, r->phase);
		return;
	}
	if (loop_now(&r->loop) < r->wait_until) {
		loop_timer_arm(&r->loop, &r->poll, loop_now(&r->loop) + lab_ms(100));
		return;
	}
	printf("not %s in time%s%s\n", phase_name[r->phase], rc ? ": " : "", rc ? err : "");
	if (r->phase == PH_UP)
		report(r);
	r->failed = true;
	phase_enter(r, PH_HOLD, 0);
}

static void on_alive(void *ctx)
{
	struct run *r = ctx;
	char err[256];

	if (!sswan_alive(r->sw, err, sizeof err)) {
		printf("gone: %s\n", err);
		fflush(stdout);
		r->died = r->done = true;
		return;
	}
	loop_timer_arm(&r->loop, &r->alive, loop_now(&r->loop) + lab_ms(200));
}

static bool run_done(void *ctx)
{
	struct run *r = ctx;

	return r->done || (r->holding && !loop_timer_armed(&r->hold));
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "netns", 1, 0, 'n' }, { "out", 1, 0, 'o' }, { "node", 1, 0, 'N' },
		{ "local", 1, 0, 'l' }, { "remote", 1, 0, 'r' }, { "psk", 1, 0, 'p' },
		{ "ike", 1, 0, 'i' }, { "esp", 1, 0, 'e' }, { "local-id", 1, 0, 'I' },
		{ "remote-id", 1, 0, 'R' }, { "local-ts", 1, 0, 't' }, { "remote-ts", 1, 0, 'T' },
		{ "initiate", 0, 0, 'a' }, { "frag-post", 0, 0, 'f' }, { "wait-up", 1, 0, 'w' },
		{ "hold", 1, 0, 'h' }, { "esp-lifetime", 1, 0, 'E' }, { "wait-rekey", 1, 0, 'W' },
		{ "cycle", 0, 0, 'c' }, { "wait-packets", 1, 0, 'P' },
		{ "ike-lifetime", 1, 0, 'L' }, { "wait-reauth", 1, 0, 'A' },
		{ "extra-remote", 1, 0, 'X' }, { "extra-remote-ts", 1, 0, 'Y' },
		{ 0, 0, 0, 0 },
	};
	static struct gw_config cfg;
	static struct run r;
	struct ike_policy *p = &cfg.conns[0].ike;
	const char *nspath = NULL, *out = NULL, *node = "gw";
	const char *ike = "aes128-sha1-modp1536", *esp = "aes128-sha1-modp1536";
	struct ike_endpoint extra = { 0 };
	struct ike_net extra_ts = { 0 };
	int wait_up = 20, hold = 0, o, nsfd, rc, code;
	char err[512];

	gw_dataplane_default(&cfg.dp);
	cfg.nconns = 1;
	snprintf(cfg.conns[0].name, sizeof cfg.conns[0].name, "lab");
	cfg.conns[0].enabled = true;
	p->local_ts.family = p->remote_ts.family = AF_INET;
	p->force_encap = true;
	p->initial_contact = p->unique_on_initial_contact = true;
	p->send_dpd_vid = p->send_natt_vid = p->dpd_needs_peer_vid = true;
	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'n': nspath = optarg; break;
		case 'o': out = optarg; break;
		case 'N': node = optarg; break;
		case 'l': if (endpoint(optarg, &p->local)) goto bad; break;
		case 'r': if (endpoint(optarg, &p->remote)) goto bad; break;
		case 'p':
			if (strlen(optarg) > sizeof p->psk)
				goto bad;
			p->psk_len = strlen(optarg);
			memcpy(p->psk, optarg, p->psk_len);
			break;
		case 'i': ike = optarg; break;
		case 'e': esp = optarg; break;
		case 'I': if (ident(optarg, &p->local_id_type, p->local_id, &p->local_id_len)) goto bad; break;
		case 'R': if (ident(optarg, &p->remote_id_type, p->remote_id, &p->remote_id_len)) goto bad; break;
		case 't': if (net(optarg, &p->local_ts)) goto bad; break;
		case 'T': if (net(optarg, &p->remote_ts)) goto bad; break;
		case 'a': p->initiator = true; break;
		case 'f': cfg.dp.frag = GW_FRAG_POST; break;
		case 'w': wait_up = atoi(optarg); break;
		case 'h': hold = atoi(optarg); break;
		case 'E': p->esp_lifetime = lab_sec(atoi(optarg)); break;
		case 'W': r.rekey_wait = lab_sec(atoi(optarg)); break;
		case 'c': r.cycle = true; break;
		case 'P': r.want_packets = (uint64_t)atoi(optarg); break;
		case 'L': p->ike_lifetime = lab_sec(atoi(optarg)); break;
		case 'A': r.reauth_wait = lab_sec(atoi(optarg)); break;
		case 'X': if (endpoint(optarg, &extra)) goto bad; break;
		case 'Y': if (net(optarg, &extra_ts)) goto bad; break;
		default: goto bad;
		}
	}
	if (!nspath || !out || !p->local.family || !p->remote.family || !p->psk_len)
		goto bad;
	p->nike = ike_props_parse(ike, false, p->ike, IKE_MAX_PROPS, err, sizeof err);
	p->nesp = ike_props_parse(esp, true, p->esp, IKE_MAX_PROPS, err, sizeof err);
	if (p->nike < 1 || p->nesp < 1) {
		fprintf(stderr, "sswan_node: proposals: %s\n", err);
		return 2;
	}
	if (extra.family) {
		/* a second connection like the first, to another peer */
		cfg.conns[1] = cfg.conns[0];
		snprintf(cfg.conns[1].name, sizeof cfg.conns[1].name, "lab2");
		cfg.conns[1].ike.remote = extra;
		cfg.conns[1].ike.remote_id_type = 0;
		if (extra_ts.family)
			cfg.conns[1].ike.remote_ts = extra_ts;
		cfg.nconns = 2;
	}
	nsfd = open(nspath, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		fprintf(stderr, "sswan_node: %s: %s\n", nspath, strerror(errno));
		return 3;
	}
	rc = loop_init(&r.loop, LOOP_CLOCK_REAL);
	if (rc) {
		fprintf(stderr, "sswan_node: loop: %s\n", strerror(-rc));
		return 3;
	}
	rc = sswan_start(&r.sw, &r.loop, nsfd, node, &cfg, out, err, sizeof err);
	gw_config_wipe(&cfg);
	close(nsfd);
	if (rc) {
		fprintf(stderr, "sswan_node: %s\n", err);
		loop_fini(&r.loop);
		return 3;
	}
	sswan_on_event(r.sw, on_event, &r);
	printf("started %d %s\n", (int)sswan_pid(r.sw), sswan_dir(r.sw));
	fflush(stdout);
	loop_timer_init(&r.poll, on_poll, &r);
	loop_timer_init(&r.hold, on_hold, &r);
	loop_timer_init(&r.alive, on_alive, &r);
	phase_enter(&r, PH_UP, lab_sec(wait_up));
	while (!r.done) {
		rc = loop_run(&r.loop, LAB_NEVER, run_done, &r);
		if (rc == -EINTR)
			break;
		if (r.holding && !loop_timer_armed(&r.hold) && !r.done) {
			if (hold <= 0)
				break;
			loop_timer_arm(&r.loop, &r.hold, loop_now(&r.loop) + lab_sec(hold));
			loop_timer_arm(&r.loop, &r.alive, loop_now(&r.loop) + lab_ms(200));
			hold = 0;
		}
	}
	code = r.died ? 4 : r.up && !r.failed ? 0 : 1;
	sswan_stop(r.sw);
	loop_fini(&r.loop);
	printf("stopped\n");
	return code;
bad:
	usage();
	return 2;
}
