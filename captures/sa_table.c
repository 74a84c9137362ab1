/* The IKE SA and CHILD_SA table of a trace (see sa_table.h). */
#include "captures/sa_table.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NONE INT64_MIN

struct ike_row {
	uint8_t icookie[8];
	struct ip_addr a, b;         /* a: the initiator when its SA selection was seen */
	char prop[96];
	int64_t up, replaced, down;
	unsigned file;
	uint64_t frame;
};

struct child_row {
	uint32_t spi_i, spi_r;       /* the quick mode initiator's inbound, the responder's */
	struct ip_addr i, r;
	char prop[80];
	int64_t up, rekeyed, down;
	unsigned file;
	uint64_t frame;
};

struct sa_table {
	struct ike_row ike[SA_TABLE_MAX_IKE];
	size_t nike, ike_over;
	struct child_row child[SA_TABLE_MAX_CHILD];
	size_t nchild, child_over;
};

struct sa_table *sa_table_new(void)
{
	return calloc(1, sizeof(struct sa_table));
}

void sa_table_free(struct sa_table *st)
{
	free(st);
}

size_t sa_table_ike_count(const struct sa_table *st)
{
	return st->nike;
}

size_t sa_table_child_count(const struct sa_table *st)
{
	return st->nchild;
}

/* The latest row of that cookie (a cookie is the IKE SA's name in the capture). */
static struct ike_row *ike_find(struct sa_table *st, const uint8_t *ic)
{
	for (size_t i = st->nike; i-- > 0;)
		if (!memcmp(st->ike[i].icookie, ic, 8))
			return &st->ike[i];
	return NULL;
}

static struct ike_row *ike_get(struct sa_table *st, const struct trace_ev *ev)
{
	struct ike_row *r = ike_find(st, ev->icookie);

	if (r)
		return r;
	if (st->nike == SA_TABLE_MAX_IKE) {
		st->ike_over++;
		return NULL;
	}
	r = &st->ike[st->nike++];
	memset(r, 0, sizeof *r);
	memcpy(r->icookie, ev->icookie, 8);
	r->a = ev->src;
	r->b = ev->dst;
	r->up = r->replaced = r->down = NONE;
	snprintf(r->prop, sizeof r->prop, "IKE:? (selection not seen)");
	return r;
}

static struct child_row *child_find(struct sa_table *st, uint32_t x, uint32_t y)
{
	for (size_t i = st->nchild; i-- > 0;) {
		const struct child_row *c = &st->child[i];
		if ((c->spi_i == x && c->spi_r == y) || (c->spi_i == y && c->spi_r == x))
			return &st->child[i];
	}
	return NULL;
}

static void child_up(struct sa_table *st, const struct trace_ev *ev)
{
	struct child_row *c;
	const char *sp;

	if (ev->flag && (c = child_find(st, ev->old_spi, ev->old_spi2)) && c->rekeyed == NONE)
		c->rekeyed = ev->ts_ns;
	if (st->nchild == SA_TABLE_MAX_CHILD) {
		st->child_over++;
		return;
	}
	c = &st->child[st->nchild++];
	memset(c, 0, sizeof *c);
	c->spi_i = ev->spi;
	c->spi_r = ev->spi2;
	c->i = ev->src;                  /* QM3 comes from the quick mode's initiator */
	c->r = ev->dst;
	c->up = ev->ts_ns;
	c->rekeyed = c->down = NONE;
	c->file = ev->file;
	c->frame = ev->frame;
	sp = strstr(ev->text, " SPIs ");
	snprintf(c->prop, sizeof c->prop, "%.*s", sp ? (int)(sp - ev->text) : 79, ev->text);
}

void sa_table_event(struct sa_table *st, const struct trace_ev *ev)
{
	struct ike_row *r;
	struct child_row *c;

	switch (ev->kind) {
	case TR_SELECTED:
		if (ev->flag || !(r = ike_get(st, ev)))
			break;
		snprintf(r->prop, sizeof r->prop, "%.95s", ev->text);
		r->a = ev->dst;              /* the responder chose: it sent the selection */
		r->b = ev->src;
		break;
	case TR_IKE_UP:
		/* A reauthentication names the SA it replaces in rcookie. */
		if (ev->flag && (r = ike_find(st, ev->rcookie)) && r->replaced == NONE)
			r->replaced = ev->ts_ns;
		if (!(r = ike_get(st, ev)) || r->up != NONE)
			break;
		r->up = ev->ts_ns;
		r->file = ev->file;
		r->frame = ev->frame;
		break;
	case TR_IKE_DOWN:
		if ((r = ike_find(st, ev->icookie)) && r->down == NONE)
			r->down = ev->ts_ns;
		break;
	case TR_CHILD_UP:
		child_up(st, ev);
		break;
	case TR_CHILD_DOWN:
		for (size_t i = st->nchild; i-- > 0;) {
			c = &st->child[i];
			if ((c->spi_i == ev->spi || c->spi_r == ev->spi) && c->down == NONE) {
				c->down = ev->ts_ns;
				break;
			}
		}
		break;
	default:
		break;
	}
}

/*
 * ESP packets on an SPI from `from` to `to`: the most one capture saw. SPIs are chosen by
 * each receiver, so two tunnels may share one: the addresses pick the tunnel. Behind a NAT a
 * capture shows other addresses for the same SA; one matching end is enough, and with none
 * (a capture from elsewhere only) the SPI alone is used.
 */
static uint64_t packets(const struct trace *t, uint32_t spi, const struct ip_addr *from,
                        const struct ip_addr *to)
{
	size_t n;
	const struct trace_esp *e = trace_esp_flows(t, &n);
	uint64_t best = 0, any = 0;

	for (size_t i = 0; i < n; i++) {
		if (e[i].spi != spi)
			continue;
		if ((ip_addr_equal(&e[i].src, from) || ip_addr_equal(&e[i].dst, to)) &&
		    e[i].packets > best)
			best = e[i].packets;
		if (e[i].packets > any)
			any = e[i].packets;
	}
	return best ? best : any;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

/* A time, "-" (text) or null (JSON) when it did not happen in the capture. */
static const char *when(int64_t ts, bool json, char *buf, size_t len)
{
	char w[48];

	if (ts == NONE)
		return json ? "null" : "-";
	trace_ts_format(ts, w, sizeof w);
	snprintf(buf, len, json ? "\"%s\"" : "%s", w);
	return buf;
}

void sa_table_print(const struct sa_table *st, const struct trace *t, bool json, FILE *out)
{
	char a[48], b[48], t1[56], t2[56], t3[56];

	for (size_t i = 0; i < st->nike; i++) {
		const struct ike_row *r = &st->ike[i];
		char ic[17];
		for (int k = 0; k < 8; k++)
			snprintf(ic + 2 * k, 3, "%02x", r->icookie[k]);
		ip_addr_format(&r->a, a, sizeof a);
		ip_addr_format(&r->b, b, sizeof b);
		if (json)
			fprintf(out, "{\"event\": \"ike_sa\", \"icookie\": \"%s\", \"initiator\": \"%s\", "
			        "\"responder\": \"%s\", \"proposal\": \"%s\", \"up\": %s, \"replaced\": %s, "
			        "\"deleted\": %s, \"file\": \"%s\", \"frame\": %" PRIu64 "}\n", ic, a, b,
			        r->prop, when(r->up, true, t1, sizeof t1),
			        when(r->replaced, true, t2, sizeof t2), when(r->down, true, t3, sizeof t3),
			        r->up == NONE ? "" : base_name(trace_file_name(t, r->file)), r->frame);
		else {
			char at[120] = "";
			if (r->up != NONE)
				snprintf(at, sizeof at, " (%s#%" PRIu64 ")",
				         base_name(trace_file_name(t, r->file)), r->frame);
			fprintf(out, "ike_sa %s %s -> %s %s: up %s%s, replaced %s, deleted %s\n",
			        ic, a, b, r->prop, when(r->up, false, t1, sizeof t1), at,
			        when(r->replaced, false, t2, sizeof t2), when(r->down, false, t3, sizeof t3));
		}
	}
	for (size_t i = 0; i < st->nchild; i++) {
		const struct child_row *c = &st->child[i];
		uint64_t to_r = packets(t, c->spi_r, &c->i, &c->r), to_i = packets(t, c->spi_i, &c->r, &c->i);
		ip_addr_format(&c->i, a, sizeof a);
		ip_addr_format(&c->r, b, sizeof b);
		if (json)
			fprintf(out, "{\"event\": \"child_sa\", \"spi_i\": \"%08" PRIx32 "\", \"spi_r\": "
			        "\"%08" PRIx32 "\", \"initiator\": \"%s\", \"responder\": \"%s\", "
			        "\"proposal\": \"%s\", \"up\": %s, \"rekeyed\": %s, \"deleted\": %s, "
			        "\"packets_i_r\": %" PRIu64 ", \"packets_r_i\": %" PRIu64 ", \"file\": "
			        "\"%s\", \"frame\": %" PRIu64 "}\n", c->spi_i, c->spi_r, a, b, c->prop,
			        when(c->up, true, t1, sizeof t1), when(c->rekeyed, true, t2, sizeof t2),
			        when(c->down, true, t3, sizeof t3), to_r, to_i,
			        base_name(trace_file_name(t, c->file)), c->frame);
		else
			fprintf(out, "child_sa %08" PRIx32 "_i %08" PRIx32 "_r %s -> %s %s: up %s (%s#%"
			        PRIu64 "), rekeyed %s, deleted %s, packets i->r %" PRIu64 " r->i %" PRIu64
			        "\n", c->spi_i, c->spi_r, a, b, c->prop, when(c->up, false, t1, sizeof t1),
			        base_name(trace_file_name(t, c->file)), c->frame,
			        when(c->rekeyed, false, t2, sizeof t2), when(c->down, false, t3, sizeof t3),
			        to_r, to_i);
	}
	if (st->ike_over || st->child_over)
		fprintf(out, json ? "{\"event\": \"sa_table_cut\", \"ike_sas\": %zu, \"child_sas\": "
		        "%zu}\n" : "note: %zu IKE SAs and %zu CHILD_SAs more than the table holds, not "
		        "listed\n", st->ike_over, st->child_over);
}
