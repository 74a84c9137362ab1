/*
 * run.c: the step engine and the probe checks (see run.h).
 */
#include "harness/run.h"
#include "harness/run_expect.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/cloud_step.h"
#include "harness/lab.h"
#include "harness/lab_cloud.h"
#include "harness/lab_gateway.h"
#include "harness/loop.h"
#include "harness/probe.h"
#include "peers/drbg.h"

/* Lab time 0 in pcap timestamps under the virtual clock: 2026-01-01T00:00:00Z, fixed so that
 * the same seed gives the same bytes. Under the real clock, the wall time at the start. */
#define VIRTUAL_EPOCH_US (1767225600LL * 1000000LL)

static double wall_ms_since(const struct timespec *t0)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0->tv_sec) * 1e3 + (double)(t.tv_nsec - t0->tv_nsec) / 1e6;
}

static void target_text(const struct sc_target *t, char *buf, size_t len)
{
	if (t->is_addr)
		sc_format_prefix(&t->addr, false, buf, len);
	else
		snprintf(buf, len, "%s%s%s", t->node, t->iface[0] ? ":" : "", t->iface);
}

void run_step_label(const struct sc_step *s, char *buf, size_t len)
{
	char to[96], d[32];

	if (s->name[0]) {
		snprintf(buf, len, "%s", s->name);
		return;
	}
	switch (s->kind) {
	case SC_STEP_WAIT:
	case SC_STEP_ADVANCE:
		report_fmt_time(s->u.duration, d, sizeof d);
		snprintf(buf, len, "%s %s", s->kind == SC_STEP_WAIT ? "wait" : "advance", d);
		break;
	case SC_STEP_PING:
		target_text(&s->u.ping.to, to, sizeof to);
		snprintf(buf, len, "ping %s -> %s %d B%s x%d", s->u.ping.from, to, s->u.ping.size,
		         s->u.ping.df ? " DF" : "", s->u.ping.count);
		break;
	case SC_STEP_UDP:
		target_text(&s->u.udp.to, to, sizeof to);
		snprintf(buf, len, "udp %s -> %s:%d %d B x%d%s", s->u.udp.from, to, s->u.udp.port,
		         s->u.udp.size, s->u.udp.count, s->u.udp.df ? " DF" : "");
		break;
	case SC_STEP_TCP:
		target_text(&s->u.tcp.to, to, sizeof to);
		snprintf(buf, len, "tcp %s -> %s:%d %llu B", s->u.tcp.from, to, s->u.tcp.port,
		         (unsigned long long)s->u.tcp.bytes);
		break;
	case SC_STEP_LINK:
		snprintf(buf, len, "link %s:%s%s%s", s->u.link.node, s->u.link.iface,
		         s->u.link.up < 0 ? "" : s->u.link.up ? " up" : " down",
		         s->u.link.mtu ? " mtu" : "");
		if (s->u.link.mtu) {
			size_t n = strlen(buf);

			snprintf(buf + n, len - n, " %d", s->u.link.mtu);
		}
		break;
	case SC_STEP_FILTER:
		snprintf(buf, len, "filter %s/%s %s", s->u.filter.node, s->u.filter.filter,
		         s->u.filter.enabled ? "on" : "off");
		break;
	case SC_STEP_WAIT_TUNNEL:
		report_fmt_time(s->u.twait.within, d, sizeof d);
		snprintf(buf, len, "wait tunnel %s/%s %s within %s", s->u.twait.ref.gateway,
		         s->u.twait.ref.conn, s->u.twait.up ? "up" : "down", d);
		break;
	case SC_STEP_SEQ_RESTART:
		snprintf(buf, len, "seq_restart %s/%s next %u", s->u.seq.ref.gateway,
		         s->u.seq.ref.conn, s->u.seq.next);
		break;
	case SC_STEP_TUNNEL:
		snprintf(buf, len, "tunnel %s/%s %s", s->u.tunnel.ref.gateway, s->u.tunnel.ref.conn,
		         s->u.tunnel.action == SC_TUNNEL_DOWN ? "down" :
		         s->u.tunnel.action == SC_TUNNEL_RESTART ? "restart" : "initiate");
		break;
	case SC_STEP_API:
		if (s->u.api->login)
			snprintf(buf, len, "api %s login %s", scenario_cloud_name(s->u.api->cloud),
			         s->u.api->user);
		else
			snprintf(buf, len, "api %s %s %.100s", scenario_cloud_name(s->u.api->cloud),
			         s->u.api->method, s->u.api->path);
		break;
	case SC_STEP_WAIT_CLOUD:
		report_fmt_time(s->u.cwait.within, d, sizeof d);
		snprintf(buf, len, "wait %s %.60s %s%s%s %s within %s",
		         scenario_cloud_name(s->u.cwait.cloud), s->u.cwait.object, s->u.cwait.field,
		         s->u.cwait.peer[0] ? " " : "", s->u.cwait.peer, s->u.cwait.value, d);
		break;
	case SC_STEP_RECONFIGURE:
		snprintf(buf, len, "reconfigure %s%s%s", s->u.reconf.gateway,
		         s->u.reconf.config ? " config" : "", s->u.reconf.conns ? " connections" : "");
		break;
	case SC_STEP_SHOW:
		snprintf(buf, len, "show %s", s->u.show.gateway);
		break;
	}
}

static void where(const struct sc_step *s, size_t idx, char *buf, size_t len)
{
	snprintf(buf, len, "%s:%d:%d (step %zu)", s->pos.file, s->pos.line, s->pos.col, idx + 1);
}

static void icmp_text(const struct probe_result *pr, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = 0;
	if (!pr->nicmp_total) {
		snprintf(buf, len, "no ICMP error");
		return;
	}
	for (int i = 0; i < pr->nicmp && n < len; i++) {
		const struct probe_icmp *e = &pr->icmp[i];
		char from[64];

		sc_format_prefix(&e->from, false, from, sizeof from);
		if (e->type < 0)
			n += (size_t)snprintf(buf + n, len - n, "%slocal 'message too long' (mtu %d)",
			                      i ? "; " : "", e->mtu);
		else if ((e->family == AF_INET && e->type == 3 && e->code == 4) ||
		         (e->family == AF_INET6 && e->type == 2))
			n += (size_t)snprintf(buf + n, len - n, "%sfragmentation needed, mtu %d, from %s",
			                      i ? "; " : "", e->mtu, from);
		else
			n += (size_t)snprintf(buf + n, len - n, "%sICMP%s type %d code %d from %s",
			                      i ? "; " : "", e->family == AF_INET6 ? "v6" : "", e->type,
			                      e->code, from);
	}
	if (pr->nicmp_total > pr->nicmp && n < len)
		snprintf(buf + n, len - n, " (+%d more)", pr->nicmp_total - pr->nicmp);
}

static bool is_frag_needed(const struct probe_icmp *e)
{
	return e->type < 0 || (e->family == AF_INET && e->type == 3 && e->code == 4) ||
	       (e->family == AF_INET6 && e->type == 2);
}

static void icmp_checks(struct report *r, struct step_result *sr, const char *label,
                        const struct sc_probe_expect *ex, const struct probe_result *pr,
                        const char *wh, lab_ns now)
{
	char name[192], seen[512];
	struct check *c;
	bool pass = true;

	if (ex->icmp == SC_ICMP_ANY)
		return;
	icmp_text(pr, seen, sizeof seen);
	switch (ex->icmp) {
	case SC_ICMP_NONE:
		pass = pr->nicmp_total == 0;
		snprintf(name, sizeof name, "%s: no ICMP error", label);
		c = report_check(r, sr, pass, name);
		snprintf(c->expected, sizeof c->expected, "no ICMP error");
		break;
	case SC_ICMP_FRAG_NEEDED:
		pass = false;
		for (int i = 0; i < pr->nicmp; i++)
			if (is_frag_needed(&pr->icmp[i]) && (!ex->icmp_mtu || pr->icmp[i].mtu == ex->icmp_mtu))
				pass = true;
		if (ex->icmp_mtu)
			snprintf(name, sizeof name, "%s: fragmentation needed, mtu %d", label, ex->icmp_mtu);
		else
			snprintf(name, sizeof name, "%s: fragmentation needed", label);
		c = report_check(r, sr, pass, name);
		if (ex->icmp_mtu)
			snprintf(c->expected, sizeof c->expected,
			         "ICMP fragmentation needed carrying next-hop MTU %d", ex->icmp_mtu);
		else
			snprintf(c->expected, sizeof c->expected, "ICMP fragmentation needed");
		break;
	default:
		pass = false;
		for (int i = 0; i < pr->nicmp; i++)
			if (!is_frag_needed(&pr->icmp[i]) &&
			    ((pr->icmp[i].family == AF_INET && pr->icmp[i].type == 3) ||
			     (pr->icmp[i].family == AF_INET6 && pr->icmp[i].type == 1)))
				pass = true;
		snprintf(name, sizeof name, "%s: destination unreachable", label);
		c = report_check(r, sr, pass, name);
		snprintf(c->expected, sizeof c->expected, "ICMP destination unreachable");
		break;
	}
	snprintf(c->observed, sizeof c->observed, "%s", seen);
	snprintf(c->where, sizeof c->where, "%s", wh);
	c->at = now;
}

static void probe_checks(struct report *r, struct step_result *sr, const struct sc_step *s,
                         size_t idx, const struct probe_result *pr, lab_ns now)
{
	char name[192], wh[320];
	struct check *c;
	const struct sc_probe_expect *ex;

	where(s, idx, wh, sizeof wh);
	if (s->kind == SC_STEP_PING) {
		ex = &s->u.ping.expect;
		if (ex->has_replies) {
			bool pass = pr->received >= ex->replies_min && pr->received <= ex->replies_max;

			snprintf(name, sizeof name, "%s: replies", sr->label);
			c = report_check(r, sr, pass, name);
			if (ex->replies_min == ex->replies_max)
				snprintf(c->expected, sizeof c->expected, "%d of %d echoes answered",
				         ex->replies_min, s->u.ping.count);
			else
				snprintf(c->expected, sizeof c->expected, "%d to %d of %d echoes answered",
				         ex->replies_min, ex->replies_max, s->u.ping.count);
			if (pr->received) {
				char a[32], b[32];

				report_fmt_time(pr->rtt_min, a, sizeof a);
				report_fmt_time(pr->rtt_max, b, sizeof b);
				snprintf(c->observed, sizeof c->observed,
				         "%d of %d answered (lab rtt %s..%s)", pr->received, pr->sent, a, b);
			} else {
				char ic[400];

				icmp_text(pr, ic, sizeof ic);
				snprintf(c->observed, sizeof c->observed, "%d of %d answered (%s)",
				         pr->received, pr->sent, ic);
			}
			snprintf(c->where, sizeof c->where, "%s", wh);
			c->at = now;
		}
	} else if (s->kind == SC_STEP_UDP) {
		double loss;

		ex = &s->u.udp.expect;
		loss = pr->sent ? 100.0 * (pr->sent - pr->received) / pr->sent : 100.0;
		if (ex->has_loss) {
			snprintf(name, sizeof name, "%s: loss", sr->label);
			c = report_check(r, sr, loss <= ex->loss_max_pct + 1e-9, name);
			snprintf(c->expected, sizeof c->expected, "loss at most %g%%", ex->loss_max_pct);
			snprintf(c->observed, sizeof c->observed, "%d of %d datagrams arrived, loss %.1f%%",
			         pr->received, pr->sent, loss);
			snprintf(c->where, sizeof c->where, "%s", wh);
			c->at = now;
		}
	} else {
		ex = &s->u.tcp.expect;
		if (ex->has_bytes) {
			bool pass = pr->bytes_received == s->u.tcp.bytes && pr->received;

			snprintf(name, sizeof name, "%s: delivered", sr->label);
			c = report_check(r, sr, pass, name);
			snprintf(c->expected, sizeof c->expected, "all %llu bytes delivered",
			         (unsigned long long)s->u.tcp.bytes);
			snprintf(c->observed, sizeof c->observed, "%llu of %llu bytes delivered%s%s (MSS %d)",
			         (unsigned long long)pr->bytes_received, (unsigned long long)s->u.tcp.bytes,
			         pr->error[0] ? "; " : "", pr->error, pr->mss);
			snprintf(c->where, sizeof c->where, "%s", wh);
			c->at = now;
		}
	}
	icmp_checks(r, sr, sr->label, ex, pr, wh, now);
}

struct progress {
	const struct run_opts *o;
	struct loop *loop;
	const char *label;
	lab_ns end;
	lab_ns last;
	struct probe *probe;
	struct loop_timer tick;         /* wakes a long wait now and then for the progress line */
};

static bool probe_finished(void *ctx)
{
	struct progress *pg = ctx;

	return probe_done(pg->probe);
}

static bool wait_progress(void *ctx)
{
	struct progress *pg = ctx;
	lab_ns now = loop_now(pg->loop);

	if (now - pg->last >= lab_sec(1)) {
		report_progress(&pg->o->out, pg->label, now, pg->end);
		pg->last = now;
	}
	return false;
}

static void on_tick(void *ctx)
{
	struct progress *pg = ctx;
	lab_ns step = (pg->end - loop_now(pg->loop)) / 50;

	if (step < lab_sec(1))
		step = lab_sec(1);
	if (loop_now(pg->loop) + step < pg->end)
		loop_timer_arm(pg->loop, &pg->tick, loop_now(pg->loop) + step);
}

struct tunnel_wait {
	struct lab_gateways *lg;
	const struct sc_tunnel_wait *w;
};

static bool tunnel_reached(void *ctx)
{
	struct tunnel_wait *tw = ctx;

	return lab_gateways_conn_up(tw->lg, &tw->w->ref) == tw->w->up;
}

/* wait: {tunnel: GW/CONN, up: BOOL, within: DUR} is a check: did it happen in time? */
static int wait_tunnel(struct report *r, struct step_result *sr, const struct sc_step *s,
                       size_t idx, struct loop *loop, struct lab_gateways *lg, lab_ns deadline)
{
	const struct sc_tunnel_wait *w = &s->u.twait;
	struct tunnel_wait tw = { .lg = lg, .w = w };
	lab_ns start = loop_now(loop), end = start + w->within;
	char took[32], within[32];
	struct check *c;
	int err;

	if (end > deadline)
		end = deadline;
	err = loop_run(loop, end, tunnel_reached, &tw);
	if (err && err != -ETIMEDOUT)
		return err;
	c = report_check(r, sr, err == 0, sr->label);
	report_fmt_time(w->within, within, sizeof within);
	report_fmt_time(loop_now(loop) - start, took, sizeof took);
	snprintf(c->expected, sizeof c->expected, "the tunnel %s within %s",
	         w->up ? "up (a CHILD_SA installed)" : "down (no CHILD_SA)", within);
	if (err == 0)
		snprintf(c->observed, sizeof c->observed, "%s after %s", w->up ? "up" : "down", took);
	else
		snprintf(c->observed, sizeof c->observed, "still %s after %s%s", w->up ? "down" : "up",
		         took, end < start + w->within ? " (the scenario's timeout)" : "");
	where(s, idx, c->where, sizeof c->where);
	c->at = loop_now(loop);
	return 0;
}

static int run_steps(const struct scenario *sc, const struct run_opts *o, struct lab *lab,
                     struct loop *loop, struct drbg *root, struct report *r,
                     struct lab_gateways *lg, struct lab_clouds *lc)
{
	lab_ns deadline = sc->timeout ? sc->timeout : LAB_NEVER;

	for (size_t i = 0; i < sc->nsteps; i++) {
		const struct sc_step *s = &sc->steps[i];
		struct step_result *sr = &r->steps[i];
		struct timespec t0;
		struct progress pg = { .o = o, .loop = loop };
		char msg[512] = "";
		int err = 0;

		r->nsteps = i + 1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		run_step_label(s, sr->label, sizeof sr->label);
		sr->start = loop_now(loop);
		sr->ok = true;
		report_step_begin(&o->out, r, i, sc->nsteps, sr);
		switch (s->kind) {
		case SC_STEP_WAIT:
		case SC_STEP_ADVANCE:
			pg.label = sr->label;
			pg.end = loop_now(loop) + s->u.duration;
			pg.last = loop_now(loop);
			if (pg.end > deadline) {
				err = -ETIME;
				snprintf(msg, sizeof msg, "the scenario's timeout ends before this wait does");
				break;
			}
			/* On a terminal, ticks give the progress line something to show on long
			 * waits (each costs a virtual-clock jump, so only there). */
			loop_timer_init(&pg.tick, on_tick, &pg);
			if (o->out.is_tty)
				on_tick(&pg);
			err = loop_run(loop, pg.end, wait_progress, &pg);
			loop_timer_cancel(loop, &pg.tick);
			if (err == -ETIMEDOUT)
				err = 0;
			break;
		case SC_STEP_PING:
		case SC_STEP_UDP:
		case SC_STEP_TCP: {
			struct drbg d;
			char label[32];

			snprintf(label, sizeof label, "probe/%zu", i);
			drbg_derive(&d, root, label);
			err = probe_start(&pg.probe, lab, s, &d);
			if (!err) {
				err = loop_run(loop, deadline, probe_finished, &pg);
				if (err == -ETIMEDOUT)
					snprintf(msg, sizeof msg, "the scenario's timeout passed before the "
					         "probe finished");
			} else {
				snprintf(msg, sizeof msg, "%s", probe_result(pg.probe)->error);
			}
			if (!err || err == -ETIMEDOUT)
				probe_checks(r, sr, s, i, probe_result(pg.probe), loop_now(loop));
			probe_free(pg.probe);
			drbg_wipe(&d);
			break;
		}
		case SC_STEP_LINK:
			err = lab_link_set(lab, s->u.link.node, s->u.link.iface, s->u.link.up,
			                   s->u.link.mtu, msg, sizeof msg);
			if (!err && s->u.link.mtu)
				err = lab_gateways_link_mtu(lg, s->u.link.node, s->u.link.iface,
				                            s->u.link.mtu, msg, sizeof msg);
			break;
		case SC_STEP_FILTER:
			err = lab_filter_set(lab, s->u.filter.node, s->u.filter.filter,
			                     s->u.filter.enabled, msg, sizeof msg);
			break;
		case SC_STEP_WAIT_TUNNEL:
			err = wait_tunnel(r, sr, s, i, loop, lg, deadline);
			break;
		case SC_STEP_SEQ_RESTART:
			err = lab_gateways_seq_restart(lg, &s->u.seq, msg, sizeof msg);
			break;
		case SC_STEP_TUNNEL:
			err = lab_gateways_tunnel(lg, &s->u.tunnel, msg, sizeof msg);
			break;
		case SC_STEP_API:
		case SC_STEP_WAIT_CLOUD: {
			char wh[320];

			where(s, i, wh, sizeof wh);
			err = (s->kind == SC_STEP_API ? cloud_step_api : cloud_step_wait)(
				lc, loop, r, sr, s, wh, deadline, msg, sizeof msg);
			break;
		}
		case SC_STEP_RECONFIGURE:
			err = lab_gateways_reconfigure(lg, &s->u.reconf, msg, sizeof msg);
			break;
		case SC_STEP_SHOW:
			err = lab_gateways_show(lg, s->u.show.gateway, msg, sizeof msg);
			break;
		}
		sr->end = loop_now(loop);
		sr->wall_ms = wall_ms_since(&t0);
		if (err == -EINTR) {
			snprintf(r->error, sizeof r->error, "interrupted by signal %d during step %zu",
			         loop->signo, i + 1);
			sr->ok = false;
			snprintf(sr->error, sizeof sr->error, "interrupted");
			report_step_end(&o->out, r, sr);
			return err;
		}
		if (err) {
			char wh[320];
			struct check *c;

			sr->ok = false;
			snprintf(sr->error, sizeof sr->error, "%s", msg[0] ? msg : strerror(-err));
			where(s, i, wh, sizeof wh);
			c = report_check(r, sr, false, sr->label);
			snprintf(c->expected, sizeof c->expected, "the step runs");
			snprintf(c->observed, sizeof c->observed, "%s", sr->error);
			snprintf(c->where, sizeof c->where, "%s", wh);
			c->at = loop_now(loop);
		}
		report_step_end(&o->out, r, sr);
	}
	return 0;
}

static void print_hold(const struct lab *lab, FILE *f)
{
	pid_t pid = getpid();
	char userpart[64] = "";

	{
		/* A rootless run lives in a user namespace: entering a node needs it too. */
		FILE *m = fopen("/proc/self/uid_map", "r");
		unsigned a = 0, b = 0, c = 0;

		if (m && fscanf(m, "%u %u %u", &a, &b, &c) == 3 && !(a == 0 && b == 0 && c == 4294967295u))
			snprintf(userpart, sizeof userpart, "--user=/proc/%d/ns/user --preserve-credentials ",
			         (int)pid);
		if (m)
			fclose(m);
	}
	fprintf(f, "lab is up (pid %d); enter a node with:\n", (int)pid);
	for (size_t i = 0; i < lab->nnodes; i++) {
		const struct lab_node *n = &lab->nodes[i];

		if (n->is_segment)
			continue;
		fprintf(f, "  %-12s nsenter %s--net=/proc/%d/fd/%d\n", n->name, userpart, (int)pid,
		        n->nsfd);
	}
	fprintf(f, "Ctrl-C ends the run and removes everything.\n");
	fflush(f);
}

int run_scenario(const struct scenario *sc, const struct run_opts *o, struct report *r)
{
	struct loop loop;
	struct lab lab;
	struct drbg root;
	struct lab_opts lo;
	struct lab_gateways *lg = NULL;
	struct lab_clouds *lc = NULL;
	struct timespec t0;
	uint64_t seed = o->has_seed ? o->seed : sc->has_seed ? sc->seed : 1;
	char msg[900] = "";
	int err, code;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	report_init(r, sc, seed);
	snprintf(r->outdir, sizeof r->outdir, "%s", o->outdir);
	err = loop_init(&loop, sc->clock == SC_CLOCK_REAL ? LOOP_CLOCK_REAL : LOOP_CLOCK_VIRTUAL);
	if (err) {
		snprintf(r->error, sizeof r->error, "cannot start the event loop: %s", strerror(-err));
		r->exit_code = 3;
		return 3;
	}
	drbg_init(&root, seed);
	lo.outdir = o->outdir;
	lo.capture = o->capture;
	if (sc->clock == SC_CLOCK_VIRTUAL) {
		lo.epoch_us = VIRTUAL_EPOCH_US;
	} else {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		lo.epoch_us = (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
	}
	err = lab_build(&lab, sc, &loop, &lo, msg, sizeof msg);
	if (err) {
		snprintf(r->error, sizeof r->error, "cannot build the lab: %s", msg);
		r->exit_code = 3;
		goto out;
	}
	err = lab_gateways_start(&lg, &lab, &root, r, &o->out, msg, sizeof msg);
	if (err) {
		snprintf(r->error, sizeof r->error, "cannot start the gateways: %s", msg);
		lab_teardown(&lab);
		lab_free(&lab);
		r->exit_code = 3;
		goto out;
	}
	err = lab_clouds_start(&lc, &lab, lg, &root, r, &o->out, msg, sizeof msg);
	if (err) {
		snprintf(r->error, sizeof r->error, "cannot start the clouds: %s", msg);
		lab_gateways_stop(lg);
		lab_teardown(&lab);
		lab_free(&lab);
		r->exit_code = 3;
		goto out;
	}
	err = run_steps(sc, o, &lab, &loop, &root, r, lg, lc);
	if (!err && o->hold && o->out.tty) {
		print_hold(&lab, o->out.tty);
		lab_clouds_print(lc, o->out.tty);
		loop_follow_wall(&loop);
		loop_run(&loop, LAB_NEVER, NULL, NULL);
		if (loop.interrupted)
			err = 0;
	}
	r->lab_total = loop_now(&loop);
	r->clock_jumps = loop.jumps;
	r->clock_skipped = loop.skipped;
	lab_clouds_stop(lc);
	lab_gateways_stop(lg);
	lab_teardown(&lab);
	for (size_t i = 0; i < lab.nnodes; i++)
		for (size_t f = 0; f < lab.nodes[i].nifaces; f++)
			if (o->capture) {
				struct capture_info *ci;

				ci = realloc(r->captures, (r->ncaptures + 1) * sizeof *ci);
				if (!ci)
					break;
				r->captures = ci;
				ci = &r->captures[r->ncaptures++];
				snprintf(ci->path, sizeof ci->path, "%s/captures/%s-%s.pcap", o->outdir,
				         lab.nodes[i].name, lab.nodes[i].ifaces[f].name);
				ci->frames = lab.nodes[i].ifaces[f].frames;
				ci->drops = lab.nodes[i].ifaces[f].drops;
			}
	lab_free(&lab);
	if (!err)
		run_expect(sc, o, r);           /* judged from the pcaps, now flushed */
	r->exit_code = err ? 3 : report_failed(r) ? 1 : 0;
out:
	drbg_wipe(&root);
	loop_fini(&loop);
	r->wall_ms = wall_ms_since(&t0);
	code = r->exit_code;
	return code;
}
