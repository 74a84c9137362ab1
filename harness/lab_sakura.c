/*
 * lab_sakura.c: a Sakura appliance's power, NICs and ping on its lab node (see lab_sakura.h).
 */
#include "harness/lab_sakura.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <netlink/errno.h>

#include "harness/rtnl.h"

/* ---- power ---- */

/*
 * A link end (end e of link l) just came up. The kernel brings the end facing it back through
 * its link watch, a moment later in real time; until then that side drops what it sends (an
 * ARP request or reply). Wait for both ends to run (bounded: 1 s of real time, lab time
 * standing still), then forget the neighbour entries each side holds for the other: one left
 * unresolved meanwhile is retried once a second of real time, which the lab time that passed
 * (a virtual clock skips it in no time) has long expired.
 */
static void link_settle(struct lab *lab, const struct sc_link *l, int e)
{
	const struct sc_end *me = &l->ends[e], *o = &l->ends[!e];
	struct lab_node *n = lab_node(lab, me->node), *on = o->is_segment ? NULL : lab_node(lab, o->node);
	struct timespec pause = { 0, 1000000 };

	if (!n)
		return;
	for (int i = 0; i < 1000; i++) {
		if (rt_oper_up(n->nl, me->iface) != 0 && (!on || rt_oper_up(on->nl, o->iface) != 0))
			break;
		nanosleep(&pause, NULL);
	}
	if (!on)
		return;
	for (int a = 0; a < me->naddrs; a++)
		rt_neigh_del(on->nl, o->iface, &me->addrs[a]);
	for (int a = 0; a < o->naddrs; a++)
		rt_neigh_del(n->nl, me->iface, &o->addrs[a]);
}

int lab_sakura_power(struct lab *lab, const char *node, bool dark, char *msg, size_t msglen)
{
	const struct scenario *sc = lab->sc;
	struct lab_node *n = lab_node(lab, node);
	int err;

	if (!n || !n->sc) {
		snprintf(msg, msglen, "no node %s in the lab", node);
		return -ENOENT;
	}
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			if (end->is_segment || strcmp(end->node, node))
				continue;
			err = rt_set_up(n->nl, end->iface, !dark);
			if (err < 0) {
				snprintf(msg, msglen, "%s:%s: setting %s: %s", node, end->iface,
				         dark ? "down" : "up", rt_strerror(err));
				return -EIO;
			}
			for (int a = 0; !dark && a < end->naddrs; a++) {
				err = rt_addr_add(n->nl, end->iface, &end->addrs[a]);
				if (err < 0 && err != -NLE_EXIST) {
					snprintf(msg, msglen, "%s:%s: restoring an address: %s", node,
					         end->iface, rt_strerror(err));
					return -EIO;
				}
			}
			if (!dark)
				link_settle(lab, &sc->links[l], e);
		}
	for (size_t r = 0; !dark && r < n->sc->nroutes; r++) {
		err = rt_route_add(n->nl, &n->sc->routes[r]);
		if (err < 0 && err != -NLE_EXIST) {
			char dst[64];

			sc_format_prefix(&n->sc->routes[r].dst, true, dst, sizeof dst);
			snprintf(msg, msglen, "node %s: restoring route %s: %s", node, dst,
			         rt_strerror(err));
			return -EIO;
		}
	}
	return 0;
}

/* ---- NICs ---- */

const char *lab_sakura_nic_iface(struct lab *lab, const char *node, const char *uplink,
                                 int index)
{
	const struct scenario *sc = lab->sc;
	int k = 0;

	if (index == 0)
		return uplink;
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++) {
			const struct sc_end *end = &sc->links[l].ends[e];

			if (end->is_segment || strcmp(end->node, node) || !strcmp(end->iface, uplink))
				continue;
			if (++k == index)
				return end->iface;
		}
	return NULL;
}

int lab_sakura_nic_set(struct lab *lab, const char *node, const char *iface, bool up,
                       char *msg, size_t msglen)
{
	const struct scenario *sc = lab->sc;
	int err = lab_link_set(lab, node, iface, up ? 1 : 0, 0, msg, msglen);

	if (err || !up)
		return err;
	for (size_t l = 0; l < sc->nlinks; l++)
		for (int e = 0; e < 2; e++)
			if (!sc->links[l].ends[e].is_segment && !strcmp(sc->links[l].ends[e].node, node) &&
			    !strcmp(sc->links[l].ends[e].iface, iface))
				link_settle(lab, &sc->links[l], e);
	return 0;
}

/* ---- ping ---- */

struct lab_sakura_ping {
	struct lab *lab;
	struct sc_step step;            /* the probe reads it while it runs */
	struct probe *probe;
	struct loop_timer poll;
	char dest[16];
	uint64_t token;
	lab_sakura_ping_fn done;
	void *ctx;
};

static const char *unreach_text(int type, int code)
{
	if (type == 11)
		return "Time to live exceeded";
	if (type != 3)
		return "ICMP error";
	switch (code) {
	case 0: return "Destination Net Unreachable";
	case 1: return "Destination Host Unreachable";
	case 2: return "Destination Protocol Unreachable";
	case 3: return "Destination Port Unreachable";
	case 4: return "Frag needed";
	case 13: return "Communication prohibited by filter";
	}
	return "Destination Unreachable";
}

void lab_sakura_ping_text(const char *dest, const struct probe_result *r, char *out,
                          size_t outlen)
{
	size_t o = 0;
	int loss = r->sent ? (r->sent - r->received) * 100 / r->sent : 100;
	long long ms = (long long)((r->finished - r->started) / 1000000);

#define ADD(...) do { \
		int n_ = snprintf(out + o, o < outlen ? outlen - o : 0, __VA_ARGS__); \
		if (n_ > 0) \
			o += (size_t)n_; \
	} while (0)
	if (outlen)
		out[0] = 0;
	ADD("PING %s (%s) 56(84) bytes of data.\n", dest, dest);
	if (r->error[0])
		ADD("ping: %s\n", r->error);
	for (int i = 0; i < r->nicmp; i++) {
		char from[64];

		sc_format_prefix(&r->icmp[i].from, false, from, sizeof from);
		if (r->icmp[i].mtu)
			ADD("From %s: Frag needed and DF set (mtu = %d)\n", from, r->icmp[i].mtu);
		else
			ADD("From %s: %s\n", from, unreach_text(r->icmp[i].type, r->icmp[i].code));
	}
	ADD("--- %s ping statistics ---\n", dest);
	if (r->nicmp_total)
		ADD("%d packets transmitted, %d received, +%d errors, %d%% packet loss, time %lldms\n",
		    r->sent, r->received, r->nicmp_total, loss, ms);
	else
		ADD("%d packets transmitted, %d received, %d%% packet loss, time %lldms\n", r->sent,
		    r->received, loss, ms);
	if (r->received)
		ADD("rtt min/max = %.3f/%.3f ms\n", (double)r->rtt_min / 1e6,
		    (double)r->rtt_max / 1e6);
#undef ADD
	if (o >= outlen && outlen)
		out[outlen - 1] = 0;
}

static void on_poll(void *ctx)
{
	struct lab_sakura_ping *p = ctx;
	char text[1024];

	if (!probe_done(p->probe)) {
		loop_timer_arm(p->lab->loop, &p->poll, loop_now(p->lab->loop) + lab_ms(100));
		return;
	}
	lab_sakura_ping_text(p->dest, probe_result(p->probe), text, sizeof text);
	if (p->done) {
		lab_sakura_ping_fn done = p->done;

		p->done = NULL;
		done(p->ctx, p->token, text);
	}
}

int lab_sakura_ping_start(struct lab_sakura_ping **out, struct lab *lab, const char *node,
                          const char *dest, uint64_t token, struct drbg *drbg,
                          lab_sakura_ping_fn done, void *ctx, char *msg, size_t msglen)
{
	struct lab_sakura_ping *p = calloc(1, sizeof *p);
	struct sc_ping *pg;
	int err;

	*out = NULL;
	if (!p)
		return -ENOMEM;
	p->lab = lab;
	p->token = token;
	p->done = done;
	p->ctx = ctx;
	snprintf(p->dest, sizeof p->dest, "%.15s", dest);
	p->step.kind = SC_STEP_PING;
	snprintf(p->step.name, sizeof p->step.name, "sakura ping %s", p->dest);
	pg = &p->step.u.ping;
	snprintf(pg->from, sizeof pg->from, "%s", node);
	pg->to.is_addr = true;
	pg->to.addr.family = AF_INET;
	pg->to.addr.len = 32;
	if (inet_pton(AF_INET, p->dest, pg->to.addr.addr) != 1) {
		snprintf(msg, msglen, "ping: '%s' is not an address", p->dest);
		free(p);
		return -EINVAL;
	}
	pg->size = 56;
	pg->count = LAB_SAKURA_PING_COUNT;
	pg->interval = lab_sec(1);
	pg->timeout = lab_sec(2);
	loop_timer_init(&p->poll, on_poll, p);
	err = probe_start(&p->probe, lab, &p->step, drbg);
	if (err) {
		snprintf(msg, msglen, "ping from %s: %s", node, probe_result(p->probe)->error);
		probe_free(p->probe);
		free(p);
		return err;
	}
	loop_timer_arm(lab->loop, &p->poll, loop_now(lab->loop) + lab_ms(100));
	*out = p;
	return 0;
}

void lab_sakura_ping_free(struct lab_sakura_ping *p)
{
	if (!p)
		return;
	loop_timer_cancel(p->lab->loop, &p->poll);
	probe_free(p->probe);
	free(p);
}
