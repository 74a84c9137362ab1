/*
 * strongswan_events.c: charon's VICI events (ike-updown, child-updown, ike-rekey,
 * child-rekey) -> the connections' state machines, counters and the caller's callback.
 */
#include "harness/strongswan_int.h"

#include <stdlib.h>
#include <string.h>

static const char *const state_name[] = { "down", "connecting", "up" };

void sswan_conn_set_state(struct sswan *s, int i, enum gw_conn_state st, const char *why)
{
	if (s->conn[i].state == st)
		return;
	sswan_evlog(s, "%s: %s -> %s (%s)", s->cfg.conns[i].name, state_name[s->conn[i].state],
	            state_name[st], why);
	s->conn[i].state = st;
}

int sswan_conn_index(const struct sswan *s, const char *name)
{
	for (size_t i = 0; i < s->cfg.nconns; i++)
		if (strcmp(s->cfg.conns[i].name, name) == 0)
			return (int)i;
	return -1;
}

static void up_add(struct sswan_conn *c, uint64_t id)
{
	for (size_t i = 0; i < c->nup; i++)
		if (c->up_ike[i] == id)
			return;
	if (c->nup < MAX_UP_IKE)
		c->up_ike[c->nup++] = id;
}

static void up_del(struct sswan_conn *c, uint64_t id)
{
	for (size_t i = 0; i < c->nup; i++)
		if (c->up_ike[i] == id) {
			c->up_ike[i] = c->up_ike[--c->nup];
			return;
		}
}

/* Every event message has one section named after the IKE_SA's config (rekeys: with old and
 * new inside) and, for updown, an "up" key when it is an up event. */
void sswan_on_vici_event(void *ctx, const char *name, const struct vici_node *msg)
{
	struct sswan *s = ctx;
	struct sswan_event ev;
	const struct vici_node *sec = NULL;
	bool up = vici_node_str(msg, "up") != NULL;
	char err[160];
	int i;

	for (const struct vici_node *n = msg->child; n; n = n->next)
		if (n->kind == VICI_NODE_SECTION) {
			sec = n;
			break;
		}
	if (!sec)
		return;
	memset(&ev, 0, sizeof ev);
	if (strcmp(name, "ike-rekey") == 0 || strcmp(name, "child-rekey") == 0) {
		const struct vici_node *nw = vici_node_get(sec, "new");

		ev.type = name[0] == 'i' ? SSWAN_EV_IKE_REKEY : SSWAN_EV_CHILD_REKEY;
		if (strcmp(name, "child-rekey") == 0) {
			/* the IKE_SA section; its child-sas hold { old, new }: sa.child[0] is new */
			if (vici_ike_sa_parse(sec, &ev.sa, err, sizeof err)) {
				sswan_evlog(s, "%s: event %s not understood: %s", sec->name, name, err);
				return;
			}
		} else if (nw) {
			if (vici_ike_sa_parse(nw, &ev.sa, err, sizeof err))
				return;
		}
		snprintf(ev.sa.name, sizeof ev.sa.name, "%.*s", (int)sizeof ev.sa.name - 1,
		         sec->name);
	} else {
		if (strcmp(name, "ike-updown") == 0)
			ev.type = up ? SSWAN_EV_IKE_UP : SSWAN_EV_IKE_DOWN;
		else if (strcmp(name, "child-updown") == 0)
			ev.type = up ? SSWAN_EV_CHILD_UP : SSWAN_EV_CHILD_DOWN;
		else
			return;
		if (vici_ike_sa_parse(sec, &ev.sa, err, sizeof err)) {
			sswan_evlog(s, "%s: event %s not understood: %s", sec->name, name, err);
			return;
		}
	}
	i = sswan_conn_index(s, ev.sa.name);
	ev.conn = i;
	sswan_evlog(s, "%s: event %s (IKE_SA #%llu %s)", ev.sa.name, name,
	      (unsigned long long)ev.sa.uniqueid, ev.sa.state);
	if (i >= 0) {
		struct sswan_conn *c = &s->conn[i];

		switch (ev.type) {
		case SSWAN_EV_IKE_UP:
			/*
			 * charon's IKEv1 reauthentication is a new main mode beside the old IKE_SA;
			 * the CHILD_SAs move over. Its up event can come before or after the old
			 * SA's down (the peer may delete the old one at once, handled by another
			 * charon thread), so a reauth is an up while another IKE_SA of the
			 * connection is up, or after a down that left another IKE_SA standing.
			 */
			if (c->nup > 0 || c->replacing)
				c->reauths++;
			c->replacing = false;
			up_add(c, ev.sa.uniqueid);
			if (c->state == GW_CONN_DOWN)
				sswan_conn_set_state(s, i, GW_CONN_CONNECTING, name);
			break;
		case SSWAN_EV_IKE_DOWN: {
			size_t others = 0;

			up_del(c, ev.sa.uniqueid);
			if (c->nup > 0)
				break;
			if (sswan_conn_ike_count(s, i, ev.sa.uniqueid, &others) == 0 && others > 0) {
				c->replacing = true;
				sswan_evlog(s, "%s: IKE_SA #%llu down, %zu other IKE_SA%s standing: "
				            "a replacement", ev.sa.name,
				            (unsigned long long)ev.sa.uniqueid, others,
				            others == 1 ? "" : "s");
				break;
			}
			sswan_conn_set_state(s, i, GW_CONN_DOWN, name);
			break;
		}
		case SSWAN_EV_CHILD_UP:
			sswan_conn_set_state(s, i, GW_CONN_UP, name);
			break;
		case SSWAN_EV_CHILD_DOWN:
			/* a rekey also brings an old CHILD_SA down; the stats call tells the truth */
			break;
		case SSWAN_EV_IKE_REKEY:
			c->reauths++;
			break;
		case SSWAN_EV_CHILD_REKEY:
			c->rekeys++;
			break;
		}
	}
	if (s->fn)
		s->fn(s->ctx, &ev);
}
