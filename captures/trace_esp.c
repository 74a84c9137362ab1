/*
 * The ESP side of the trace: one summary per SPI per capture (packets, sequence gaps,
 * replays, restarts), decryption with esp_sa keys (keys.h) through peers/esp, and the inner
 * packets: flows, ICMP echo sequence gaps, inner fragments, ICMP errors and TCP MSS, and the
 * hairpin test (the same inner packet decrypted from one tunnel and seen in another).
 */
#include "captures/trace_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

void tr_esp_free(struct trace *t)
{
	for (size_t i = 0; i < t->nesp; i++) {
		esp_sa_free(t->esp_st[i].sa);
		t->esp_st[i].sa = NULL;
	}
}

static bool flow_is(const struct trace_esp *e, unsigned file, const struct cap_frame *f)
{
	return e->spi == f->spi && e->file == file && ip_addr_equal(&e->src, &f->src) &&
	       ip_addr_equal(&e->dst, &f->dst);
}

/* The summary of (capture, SPI, addresses): a hash table, so a lookup costs the same with
 * four SPIs or four thousand. */
static size_t flow_find(struct trace *t, unsigned file, const struct cap_frame *f)
{
	uint64_t seed = (uint64_t)f->spi * 0x9e3779b97f4a7c15ull + file + 1;
	uint64_t h = tr_hash(f->src.a, 16, tr_hash(f->dst.a, 16, seed));
	size_t slot = h % TR_ESP_IDX, i;

	for (size_t probe = 0; probe < TR_ESP_IDX; probe++, slot = (slot + 1) % TR_ESP_IDX) {
		int32_t v = t->esp_idx[slot];
		if (!v)
			break;
		if (flow_is(&t->esp[v - 1], file, f))
			return (size_t)v - 1;
	}
	if (t->nesp == TRACE_MAX_ESP)
		return SIZE_MAX;
	i = t->nesp++;
	t->esp_idx[slot] = (int32_t)i + 1;   /* at most half full: an empty slot was found */
	memset(&t->esp[i], 0, sizeof t->esp[i]);
	memset(&t->esp_st[i], 0, sizeof t->esp_st[i]);
	t->esp[i].file = file;
	t->esp[i].spi = f->spi;
	t->esp[i].src = f->src;
	t->esp[i].dst = f->dst;
	t->esp[i].udp = f->app == CAP_APP_UDP_ESP;
	return i;
}

static void esp_ev(struct trace_ev *ev, enum trace_kind k, unsigned file,
                   const struct cap_frame *f)
{
	tr_ev_init(ev, k, file, f);
	ev->spi = f->spi;
}

/*
 * Sequence numbers: gaps, replays (a number seen again), restarts (back to 1). After a
 * restart the numbers up to the highest before it are used a second time: the receiver's
 * window still holds them, so they are replays on the wire too (the K5 fail-over story).
 * Returns true when the packet is a replay; *rep is then its event, emitted by the caller
 * once the packet is decrypted (it names the echo request it carried).
 */
static bool esp_seq(struct trace *t, unsigned file, const struct cap_frame *f,
                    struct trace_esp *s, struct tr_esp *st, struct trace_ev *rep)
{
	struct trace_ev ev;
	uint32_t seq = f->seq;

	if (s->packets == 1) {
		s->first_seq = s->max_seq = seq;
		st->window = 1;
		return false;
	}
	if (seq > s->max_seq) {
		uint32_t d = seq - s->max_seq;
		if (d > 1) {
			s->gaps++;
			s->missing += d - 1;
			esp_ev(&ev, TR_ESP_GAP, file, f);
			ev.value = (uint64_t)s->max_seq + 1;
			ev.value2 = seq;
			snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 " expected seq %" PRIu64
			         ", saw %" PRIu32 " (%" PRIu32 " missing)", f->spi, ev.value, seq, d - 1);
			tr_emit(t, &ev);
		}
		st->window = d >= 64 ? 1 : (st->window << d) | 1;
		s->max_seq = seq;
		if (st->reused_max && seq <= st->reused_max) {
			s->replays++;
			esp_ev(rep, TR_ESP_REPLAY, file, f);
			rep->value = seq;
			rep->value2 = st->reused_max;
			snprintf(rep->text, sizeof rep->text, "SPI %08" PRIx32 " seq %" PRIu32 " used "
			         "again after the restart (highest before it %" PRIu32 ")", f->spi, seq,
			         st->reused_max);
			return true;
		}
		st->reused_max = 0;
		return false;
	}
	if (seq <= 1 && s->max_seq > 1) {
		s->restarts++;
		esp_ev(&ev, TR_ESP_RESTART, file, f);
		ev.value = s->max_seq;
		ev.value2 = seq;
		snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 " sequence restarted at %" PRIu32
		         " after %" PRIu32, f->spi, seq, s->max_seq);
		tr_emit(t, &ev);
		if (s->max_seq > st->reused_max)
			st->reused_max = s->max_seq;
		s->max_seq = seq;
		st->window = 1;
		return false;
	}
	uint32_t back = s->max_seq - seq;
	if (back >= 64 || (st->window >> back) & 1) {
		s->replays++;
		esp_ev(rep, TR_ESP_REPLAY, file, f);
		rep->value = seq;
		rep->value2 = s->max_seq;
		snprintf(rep->text, sizeof rep->text, "SPI %08" PRIx32 " seq %" PRIu32 " %s (highest %"
		         PRIu32 ")", f->spi, seq, back >= 64 ? "older than a 64-packet window" :
		         "seen before", s->max_seq);
		return true;
	}
	st->window |= 1ull << back;   /* late, not a replay */
	return false;
}

static uint64_t inner_hash(const uint8_t *p, size_t n)
{
	/* The inner packet as a gateway forwards it: TTL / hop limit and checksum left out. */
	if (n >= 20 && (p[0] >> 4) == 4) {
		uint64_t h = tr_hash(p, 8, 0);
		h = tr_hash(p + 9, 1, h);
		return tr_hash(p + 12, n - 12, h);
	}
	if (n >= 40 && (p[0] >> 4) == 6)
		return tr_hash(p + 8, n - 8, tr_hash(p, 7, 0));
	return tr_hash(p, n, 0);
}

static void hairpin(struct trace *t, unsigned file, const struct cap_frame *f,
                    const uint8_t *inner, size_t n)
{
	uint64_t h = inner_hash(inner, n);
	struct tr_hair *e = &t->hair[h % TR_HAIR_MAX];
	struct trace_ev ev;

	if (e->hash == h && e->spi != f->spi &&
	    !(ip_addr_equal(&e->src, &f->src) && ip_addr_equal(&e->dst, &f->dst)) &&
	    !(ip_addr_equal(&e->src, &f->dst) && ip_addr_equal(&e->dst, &f->src))) {
		char a[48], b[48];
		esp_ev(&ev, TR_HAIRPIN, file, f);
		ev.inner = true;
		ev.spi2 = e->spi;
		ev.frame2 = e->frame;
		ip_addr_format(&e->src, a, sizeof a);
		ip_addr_format(&e->dst, b, sizeof b);
		snprintf(ev.text, sizeof ev.text, "inner packet from SPI %08" PRIx32 " (%s -> %s, "
		         "frame %" PRIu64 ") re-encrypted into SPI %08" PRIx32, e->spi, a, b, e->frame,
		         f->spi);
		tr_emit(t, &ev);
	}
	e->hash = h;
	e->spi = f->spi;
	e->src = f->src;
	e->dst = f->dst;
	e->frame = f->number;
	e->file = file;
}

/*
 * A vpnlab udp probe's datagram: tag(4) number(4) count(4), big-endian, at the start of the
 * payload (harness/probe.c). A flow is taken for a probe when its first datagram is number 0
 * of a count >= 1, and stays one while the tag and count do not change; its numbers then give
 * gaps the way ICMP echo sequence numbers do. Returns true when the datagram was one.
 */
static bool probe_seq(struct trace *t, unsigned file, const struct cap_frame *in,
                      struct trace_inner *x, size_t n)
{
	size_t off = in->l4_off + 8;
	struct trace_ev ev;
	uint32_t w[3];

	if (in->fragment)               /* a piece of a datagram: its number is in the first */
		return x->packets > 1 && x->probe_count;
	if (off + 12 > n || off + 12 > in->caplen) {
		x->probe_count = 0;
		return false;
	}
	for (int i = 0; i < 3; i++)
		w[i] = (uint32_t)in->data[off + 4 * i] << 24 | (uint32_t)in->data[off + 4 * i + 1] << 16 |
		       (uint32_t)in->data[off + 4 * i + 2] << 8 | in->data[off + 4 * i + 3];
	if (x->packets == 1) {
		if (w[1] != 0 || w[2] == 0 || w[2] > 10000000)
			return false;
		x->probe_tag = w[0];
		x->probe_count = w[2];
		x->last_seq = 0;
		return true;
	}
	if (!x->probe_count || w[0] != x->probe_tag || w[2] != x->probe_count ||
	    w[1] >= x->probe_count) {
		x->probe_count = 0;
		return false;
	}
	if (w[1] > x->last_seq + 1) {
		x->gaps++;
		tr_ev_init(&ev, TR_INNER_GAP, file, in);
		ev.inner = true;
		ev.spi = t->inner_spi;
		ev.value = x->last_seq + 1;
		ev.value2 = w[1];
		snprintf(ev.text, sizeof ev.text, "udp probe %u -> %u: expected datagram %" PRIu32
		         ", saw %" PRIu32, in->sport, in->dport, x->last_seq + 1, w[1]);
		tr_emit(t, &ev);
	}
	if (w[1] > x->last_seq)
		x->last_seq = w[1];
	return true;
}

static void inner_packet(struct trace *t, unsigned file, const struct cap_frame *outer,
                         const uint8_t *p, size_t n)
{
	struct cap_frame in;
	struct trace_ev ev;
	uint16_t sp, dp;
	size_t i;

	cap_frame_decode(CAP_DLT_RAW, p, n, n, &in);
	t->inner_spi = outer->spi;
	in.number = outer->number;
	in.ts_ns = outer->ts_ns;
	hairpin(t, file, outer, p, n);
	tr_ip_frame(t, file, &in, true);
	if (in.fragment) {
		tr_ev_init(&ev, TR_FRAGMENTS, file, &in);
		ev.inner = true;
		ev.spi = outer->spi;
		ev.value = 1;
		ev.value2 = in.frag_len;
		ev.flag = in.df;
		snprintf(ev.text, sizeof ev.text, "inner fragment id %" PRIu32 " %zu bytes at offset "
		         "%u%s", in.frag_id, in.frag_len, in.frag_off, in.mf ? " MF" : "");
		tr_emit(t, &ev);
	}
	if (in.l3 != CAP_L3_IPV4 && in.l3 != CAP_L3_IPV6)
		return;
	sp = in.sport;
	dp = in.dport;
	if (in.l4 == CAP_L4_ICMP && in.icmp_valid &&
	    (in.icmp.kind == ICMP_KIND_ECHO_REQUEST || in.icmp.kind == ICMP_KIND_ECHO_REPLY)) {
		sp = in.icmp.echo_id;
		dp = in.icmp.kind == ICMP_KIND_ECHO_REQUEST ? 8 : 0;
	}
	for (i = 0; i < t->ninner; i++) {
		struct trace_inner *x = &t->inner[i];
		if (x->file == file && x->proto == in.proto && x->sport == sp && x->dport == dp &&
		    ip_addr_equal(&x->src, &in.src) && ip_addr_equal(&x->dst, &in.dst))
			break;
	}
	if (i == t->ninner) {
		if (t->ninner == TRACE_MAX_INNER)
			return;
		struct trace_inner *x = &t->inner[t->ninner++];
		memset(x, 0, sizeof *x);
		x->file = file;
		x->spi = outer->spi;
		x->proto = in.proto;
		x->src = in.src;
		x->dst = in.dst;
		x->sport = sp;
		x->dport = dp;
		x->first_frame = in.number;
		tr_ev_init(&ev, TR_INNER_FLOW, file, &in);
		ev.inner = true;
		ev.spi = outer->spi;
		ev.sport = sp;
		ev.dport = dp;
		snprintf(ev.text, sizeof ev.text, "proto %u %s %u -> %u in SPI %08" PRIx32, in.proto,
		         in.l4 == CAP_L4_ICMP ? "icmp id/type" : "ports", sp, dp, outer->spi);
		tr_emit(t, &ev);
	}
	struct trace_inner *x = &t->inner[i];
	x->packets++;
	x->last_frame = in.number;
	if (in.l4 == CAP_L4_ICMP && in.icmp_valid && in.icmp.kind == ICMP_KIND_ECHO_REQUEST) {
		t->echo_req = true;
		t->echo_id = in.icmp.echo_id;
		t->echo_seq = in.icmp.echo_seq;
	}
	if (in.l4 == CAP_L4_UDP && probe_seq(t, file, &in, x, n))
		return;
	if (in.l4 == CAP_L4_ICMP && in.icmp_valid &&
	    (in.icmp.kind == ICMP_KIND_ECHO_REQUEST || in.icmp.kind == ICMP_KIND_ECHO_REPLY)) {
		uint32_t s = in.icmp.echo_seq;
		if (x->packets > 1 && s > x->last_seq + 1) {
			x->gaps++;
			tr_ev_init(&ev, TR_INNER_GAP, file, &in);
			ev.inner = true;
			ev.spi = outer->spi;
			ev.value = x->last_seq + 1;
			ev.value2 = s;
			snprintf(ev.text, sizeof ev.text, "ICMP echo id %u: expected seq %" PRIu32
			         ", saw %" PRIu32, sp, x->last_seq + 1, s);
			tr_emit(t, &ev);
		}
		if (x->packets == 1 || s > x->last_seq)
			x->last_seq = s;
	}
}

static void esp_decrypt(struct trace *t, unsigned file, const struct cap_frame *f,
                        struct trace_esp *s, struct tr_esp *st)
{
	const struct cap_esp_key *k;
	size_t off, end;
	struct esp_in_result res;
	struct trace_ev ev;

	if (!t->keys)
		return;
	if (!st->tried) {
		st->tried = true;
		k = cap_keys_esp(t->keys, &f->src, &f->dst, f->spi);
		if (k) {
			struct esp_sa_config cfg = {
				.spi = f->spi, .dir = ESP_DIR_IN, .encr = k->encr, .integ = k->integ,
				.keymat = k->keymat, .keymat_len = k->enc_len + k->integ_len,
				.udp_encap = f->app == CAP_APP_UDP_ESP, .replay_window = 0,
				.lenient_padding = true,
			};
			if (esp_sa_new(&cfg, 0, &st->sa)) {
				esp_ev(&ev, TR_ESP_BAD, file, f);
				snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 ": the esp_sa key line "
				         "does not make an SA", f->spi);
				tr_emit(t, &ev);
			}
		}
	}
	if (!st->sa || f->truncated)
		return;
	off = f->l4_off + (f->app == CAP_APP_UDP_ESP ? 8 : 0);
	if (f->reassembled)
		end = f->caplen;
	else
		end = f->l3_off + (f->l3 == CAP_L3_IPV6 ? 40u : 0u) + f->ip_len;
	if (end > f->caplen)
		end = f->caplen;
	if (off >= end)
		return;
	enum esp_verdict v = esp_sa_decrypt(st->sa, f->data + off, end - off, t->buf,
	                                    sizeof t->buf, &res);
	if (v == ESP_OK) {
		s->decrypted++;
		inner_packet(t, file, f, t->buf, res.inner_len);
	} else if (v != ESP_E_DUMMY) {
		s->bad++;
		esp_ev(&ev, TR_ESP_BAD, file, f);
		snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 " seq %" PRIu32 ": %s: %s", f->spi,
		         f->seq, esp_verdict_name(v), res.msg);
		tr_emit(t, &ev);
	}
}

void tr_esp_frame(struct trace *t, unsigned file, const struct cap_frame *f)
{
	size_t i = flow_find(t, file, f);
	struct trace_ev ev;

	if (i == SIZE_MAX)
		return;
	struct trace_esp *s = &t->esp[i];
	struct tr_esp *st = &t->esp_st[i];

	s->packets++;
	if (s->packets == 1) {
		const struct tr_child *c = tr_child_by_spi(t, f->spi);
		uint32_t old = c ? (f->spi == c->spi_r ? c->old_r : c->old_i) : 0;
		s->first_frame = f->number;
		s->first_ts = f->ts_ns;
		esp_ev(&ev, TR_ESP_FIRST, file, f);
		ev.old_spi = old;
		ev.flag = f->app == CAP_APP_UDP_ESP;
		if (old)
			snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 " seq %" PRIu32 "%s: traffic "
			         "in this direction moved from SPI %08" PRIx32, f->spi, f->seq,
			         ev.flag ? " (UDP 4500)" : "", old);
		else
			snprintf(ev.text, sizeof ev.text, "SPI %08" PRIx32 " seq %" PRIu32 "%s", f->spi,
			         f->seq, ev.flag ? " (UDP 4500)" : "");
		tr_emit(t, &ev);
	}
	s->last_frame = f->number;
	s->last_ts = f->ts_ns;
	bool replay = esp_seq(t, file, f, s, st, &ev);
	t->echo_req = false;
	esp_decrypt(t, file, f, s, st);
	if (replay) {
		/* decrypted: the replay carried an ICMP echo request */
		if (t->echo_req) {
			size_t l = strlen(ev.text);
			ev.decrypted = true;
			ev.echo_id = t->echo_id;
			ev.echo_seq = t->echo_seq;
			snprintf(ev.text + l, sizeof ev.text - l, ": ICMP echo request id %u seq %u",
			         t->echo_id, t->echo_seq);
		}
		tr_emit(t, &ev);
	}
}
