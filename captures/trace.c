/* The trace model: reading, merging, the event log and the link/IP-level events. */
#include "captures/trace_int.h"

#include "captures/pcap_file.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const kind_names[TR_KIND_COUNT] = {
	[TR_MALFORMED] = "malformed", [TR_FILE_ERROR] = "file_error", [TR_IKE_MSG] = "ike_msg",
	[TR_IKE_UNDECRYPTED] = "ike_undecrypted", [TR_PROPOSALS] = "proposals",
	[TR_SELECTED] = "selected", [TR_NOTIFY] = "notify", [TR_DELETE] = "delete",
	[TR_NATT_FLOAT] = "natt_float", [TR_IKE_UP] = "ike_sa_up", [TR_IKE_DOWN] = "ike_sa_down",
	[TR_CHILD_UP] = "child_sa_up", [TR_CHILD_DOWN] = "child_sa_down",
	[TR_ESP_FIRST] = "esp_first", [TR_ESP_GAP] = "esp_gap", [TR_ESP_REPLAY] = "esp_replay",
	[TR_ESP_RESTART] = "esp_seq_restart", [TR_ESP_BAD] = "esp_bad",
	[TR_FRAGMENTS] = "fragments", [TR_ICMP_ERROR] = "icmp_error", [TR_TCP_MSS] = "tcp_mss",
	[TR_INNER_FLOW] = "inner_flow", [TR_INNER_GAP] = "inner_gap", [TR_HAIRPIN] = "hairpin",
	[TR_PLAIN_FLOW] = "plain_flow",
};

const char *trace_kind_name(enum trace_kind k)
{
	return (unsigned)k < TR_KIND_COUNT && kind_names[k] ? kind_names[k] : "?";
}

int64_t trace_ts_diff(int64_t a, int64_t b)
{
	int64_t d;

	if (__builtin_sub_overflow(a, b, &d))
		return a > b ? INT64_MAX : INT64_MIN;
	return d;
}

uint64_t tr_hash(const uint8_t *p, size_t n, uint64_t h)
{
	/* FNV-1a: only to recognise the same bytes again, not against an adversary. */
	if (!h)
		h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

struct trace *trace_new(const struct cap_keys *keys)
{
	struct trace *t = calloc(1, sizeof *t);

	if (!t)
		return NULL;
	t->keys = keys;
	t->ike = calloc(TRACE_MAX_IKE_SAS, sizeof *t->ike);
	t->child = calloc(TRACE_MAX_CHILDS, sizeof *t->child);
	t->esp = calloc(TRACE_MAX_ESP, sizeof *t->esp);
	t->esp_st = calloc(TRACE_MAX_ESP, sizeof *t->esp_st);
	t->inner = calloc(TRACE_MAX_INNER, sizeof *t->inner);
	t->plain = calloc(TRACE_MAX_INNER, sizeof *t->plain);
	t->hair = calloc(TR_HAIR_MAX, sizeof *t->hair);
	t->esp_idx = calloc(TR_ESP_IDX, sizeof *t->esp_idx);
	if (!t->esp_idx || !t->ike || !t->child || !t->esp || !t->esp_st || !t->inner || !t->hair ||
	    !t->plain) {
		trace_free(t);
		return NULL;
	}
	return t;
}

void trace_free(struct trace *t)
{
	if (!t)
		return;
	if (t->ike)
		tr_ike_free(t);
	if (t->esp_st)
		tr_esp_free(t);
	for (size_t i = 0; i < t->nfiles; i++)
		free(t->files[i]);
	free(t->ev);
	free(t->ike);
	free(t->child);
	free(t->esp);
	free(t->esp_st);
	free(t->inner);
	free(t->plain);
	free(t->hair);
	free(t->esp_idx);
	explicit_bzero(t->buf, sizeof t->buf);   /* decrypted bytes */
	free(t);
}

void trace_set_callback(struct trace *t, void (*cb)(void *arg, const struct trace_ev *ev),
                        void *arg)
{
	t->cb = cb;
	t->cb_arg = arg;
}

void tr_ev_init(struct trace_ev *ev, enum trace_kind k, unsigned file,
                const struct cap_frame *f)
{
	memset(ev, 0, sizeof *ev);
	ev->kind = k;
	ev->file = file;
	if (f) {
		ev->ts_ns = f->ts_ns;
		ev->frame = f->number;
		ev->src = f->src;
		ev->dst = f->dst;
		ev->sport = f->sport;
		ev->dport = f->dport;
	}
}

void trace_keep_log(struct trace *t, bool keep)
{
	t->no_log = !keep;
}

void tr_emit(struct trace *t, const struct trace_ev *ev)
{
	if (t->no_log) {
		if (t->cb)
			t->cb(t->cb_arg, ev);
		return;
	}
	/* The log grows by doubling up to its cap, so a small capture costs little. */
	if (t->nev == t->ev_cap && t->ev_cap < TRACE_MAX_EVENTS) {
		size_t cap = t->ev_cap ? t->ev_cap * 2 : 256;
		struct trace_ev *n = realloc(t->ev, (cap < TRACE_MAX_EVENTS ? cap :
		                                     TRACE_MAX_EVENTS) * sizeof *n);
		if (n) {
			t->ev = n;
			t->ev_cap = cap < TRACE_MAX_EVENTS ? cap : TRACE_MAX_EVENTS;
		}
	}
	if (t->nev < t->ev_cap)
		t->ev[t->nev++] = *ev;
	else
		t->dropped++;
	if (t->cb)
		t->cb(t->cb_arg, ev);
}

static void frag_event(struct trace *t, unsigned file, const struct cap_frame *f, bool inner)
{
	const struct ip_reasm_datagram *d = &f->reasm;
	struct trace_ev ev;
	size_t at = 0;

	tr_ev_init(&ev, TR_FRAGMENTS, file, f);
	ev.inner = inner;
	ev.value = d->nfrags;
	ev.value2 = f->caplen;
	ev.flag = d->first_df;
	ev.frame2 = d->nfrags ? d->frags[0].frame : 0;
	at += (size_t)snprintf(ev.text, sizeof ev.text, "%s id %" PRIu32 " in %zu fragments:",
	                       f->app == CAP_APP_ESP || f->app == CAP_APP_UDP_ESP ? "ESP" :
	                       f->app == CAP_APP_ISAKMP ? "ISAKMP" : "datagram", d->id, d->nfrags);
	for (size_t i = 0; i < d->nfrags && at < sizeof ev.text - 24; i++)
		at += (size_t)snprintf(ev.text + at, sizeof ev.text - at, " %" PRIu32 "@%" PRIu32
		                       "%s", d->frags[i].len, d->frags[i].offset,
		                       d->frags[i].duplicate ? "(dup)" : "");
	tr_emit(t, &ev);
}

static void icmp_event(struct trace *t, unsigned file, const struct cap_frame *f, bool inner)
{
	const struct icmp_msg *m = &f->icmp;
	struct trace_ev ev;
	char qs[48], qd[48];

	if (m->kind != ICMP_KIND_UNREACH && m->kind != ICMP_KIND_FRAG_NEEDED &&
	    m->kind != ICMP_KIND_TIME_EXCEEDED && m->kind != ICMP_KIND_PARAM_PROBLEM)
		return;
	tr_ev_init(&ev, TR_ICMP_ERROR, file, f);
	ev.inner = inner;
	ev.exch = m->type;
	ev.notify = m->code;
	ev.value = m->mtu;
	if (m->has_quote) {
		ip_addr_format(&m->quote.src, qs, sizeof qs);
		ip_addr_format(&m->quote.dst, qd, sizeof qd);
		if (m->quote.has_spi)
			ev.spi = m->quote.spi;
		char spi[24] = "", mtu[20] = "";
		if (m->kind == ICMP_KIND_FRAG_NEEDED)
			snprintf(mtu, sizeof mtu, " MTU %" PRIu32, m->mtu);
		if (m->quote.has_spi)
			snprintf(spi, sizeof spi, " SPI %08" PRIx32, m->quote.spi);
		snprintf(ev.text, sizeof ev.text, "%s%s quoting %s -> %s proto %u len %u%s",
		         m->kind == ICMP_KIND_FRAG_NEEDED ? (m->family == 6 ? "packet too big" :
		         "fragmentation needed") : m->kind == ICMP_KIND_UNREACH ? "unreachable" :
		         m->kind == ICMP_KIND_TIME_EXCEEDED ? "time exceeded" : "parameter problem",
		         mtu, qs, qd,
		         m->quote.proto, m->quote.total_len, spi);
	} else {
		snprintf(ev.text, sizeof ev.text, "type %u code %u", m->type, m->code);
	}
	tr_emit(t, &ev);
}

void tr_ip_frame(struct trace *t, unsigned file, const struct cap_frame *f, bool inner)
{
	struct trace_ev ev;

	if (f->reassembled)
		frag_event(t, file, f, inner);
	if (f->l4 == CAP_L4_ICMP && f->icmp_valid)
		icmp_event(t, file, f, inner);
	if (f->l4 == CAP_L4_TCP && f->has_mss && (f->tcp_flags & 0x02)) {
		tr_ev_init(&ev, TR_TCP_MSS, file, f);
		ev.inner = inner;
		ev.value = f->mss;
		ev.flag = (f->tcp_flags & 0x10) != 0;       /* SYN-ACK */
		snprintf(ev.text, sizeof ev.text, "%s MSS %u", ev.flag ? "SYN-ACK" : "SYN", f->mss);
		tr_emit(t, &ev);
	}
}

/* The first packet of a flow in the clear (TR_PLAIN_FLOW). */
static void plain_flow(struct trace *t, unsigned file, const struct cap_frame *f)
{
	struct trace_ev ev;
	uint16_t sp = f->sport, dp = f->dport;
	size_t i;

	if ((f->l3 != CAP_L3_IPV4 && f->l3 != CAP_L3_IPV6) || f->fragment)
		return;
	if (f->l4 == CAP_L4_ICMP) {
		if (!f->icmp_valid || f->icmp.kind != ICMP_KIND_ECHO_REQUEST)
			return;
		sp = f->icmp.echo_id;
		dp = 8;
	} else if (f->l4 != CAP_L4_UDP && f->l4 != CAP_L4_TCP) {
		return;
	}
	for (i = 0; i < t->nplain; i++) {
		const struct tr_plain *x = &t->plain[i];
		if (x->file == file && x->proto == f->proto && x->sport == sp && x->dport == dp &&
		    ip_addr_equal(&x->src, &f->src) && ip_addr_equal(&x->dst, &f->dst))
			return;
	}
	if (t->nplain == TRACE_MAX_INNER)
		return;
	t->plain[t->nplain++] = (struct tr_plain){ .file = file, .proto = f->proto, .sport = sp,
	                                           .dport = dp, .src = f->src, .dst = f->dst };
	tr_ev_init(&ev, TR_PLAIN_FLOW, file, f);
	ev.sport = sp;
	ev.dport = dp;
	snprintf(ev.text, sizeof ev.text, "proto %u %s %u -> %u in the clear", f->proto,
	         f->l4 == CAP_L4_ICMP ? "icmp echo id" : "ports", sp, dp);
	tr_emit(t, &ev);
}

void trace_frame(struct trace *t, unsigned file, const struct cap_frame *f)
{
	struct trace_ev ev;

	t->frames += f->reassembled ? 0 : 1;
	if (f->err) {
		tr_ev_init(&ev, TR_MALFORMED, file, f);
		snprintf(ev.text, sizeof ev.text, "%s at offset %zu: %s",
		         f->error.field ? f->error.field : "frame", f->error.offset, f->error.msg);
		tr_emit(t, &ev);
	}
	tr_ip_frame(t, file, f, false);
	if (f->app == CAP_APP_ISAKMP && f->isakmp)
		tr_ike_frame(t, file, f);
	else if ((f->app == CAP_APP_ESP || f->app == CAP_APP_UDP_ESP) && !f->fragment)
		tr_esp_frame(t, file, f);
	else if (f->app == CAP_APP_NONE && !f->err)
		plain_flow(t, file, f);
}

int trace_read(struct trace *t, const char *const *paths, size_t n, char *msg, size_t msglen)
{
	struct cap_file *cf[TRACE_MAX_FILES] = { 0 };
	const struct cap_frame *next[TRACE_MAX_FILES] = { 0 };
	size_t base = t->nfiles;
	int rc = 0;

	if (n > TRACE_MAX_FILES - base) {
		snprintf(msg, msglen, "more than %d captures", TRACE_MAX_FILES);
		return -E2BIG;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = cap_file_open(paths[i], NULL, &cf[i], msg, msglen)))
			goto out;
	}
	for (size_t i = 0; i < n; i++) {
		t->files[base + i] = strdup(paths[i]);
		if (!t->files[base + i]) {
			snprintf(msg, msglen, "out of memory");
			rc = -ENOMEM;
			goto out;
		}
		t->nfiles = base + i + 1;
	}
	/* Prime one frame per file, then always take the earliest (ties: the lower file). */
	for (size_t i = 0; i < n; i++) {
		int r = cap_file_next(cf[i], &next[i]);
		if (r <= 0) {
			if (r < 0) {
				struct trace_ev ev;
				tr_ev_init(&ev, TR_FILE_ERROR, (unsigned)(base + i), NULL);
				ev.frame = cap_file_frames(cf[i]) + 1;
				snprintf(ev.text, sizeof ev.text, "%s", cap_file_error(cf[i]));
				tr_emit(t, &ev);
			}
			next[i] = NULL;
		}
	}
	for (;;) {
		size_t best = n;
		for (size_t i = 0; i < n; i++)
			if (next[i] && (best == n || next[i]->ts_ns < next[best]->ts_ns))
				best = i;
		if (best == n)
			break;
		trace_frame(t, (unsigned)(base + best), next[best]);
		int r = cap_file_next(cf[best], &next[best]);
		if (r <= 0) {
			if (r < 0) {
				struct trace_ev ev;
				tr_ev_init(&ev, TR_FILE_ERROR, (unsigned)(base + best), NULL);
				ev.frame = cap_file_frames(cf[best]) + 1;
				snprintf(ev.text, sizeof ev.text, "%s", cap_file_error(cf[best]));
				tr_emit(t, &ev);
			}
			next[best] = NULL;
		}
	}
out:
	for (size_t i = 0; i < n; i++)
		cap_file_close(cf[i]);
	return rc;
}

const struct trace_ev *trace_events(const struct trace *t, size_t *n)
{
	*n = t->nev;
	return t->ev;
}

uint64_t trace_events_dropped(const struct trace *t)
{
	return t->dropped;
}

const struct trace_esp *trace_esp_flows(const struct trace *t, size_t *n)
{
	*n = t->nesp;
	return t->esp;
}

const struct trace_inner *trace_inner_flows(const struct trace *t, size_t *n)
{
	*n = t->ninner;
	return t->inner;
}

const char *trace_file_name(const struct trace *t, unsigned file)
{
	return file < t->nfiles ? t->files[file] : "?";
}

uint64_t trace_frames(const struct trace *t)
{
	return t->frames;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

int trace_ts_format(int64_t ts_ns, char *when, size_t len)
{
	int64_t sec = ts_ns / 1000000000;
	long us = (long)((ts_ns % 1000000000) / 1000);
	time_t tt = (time_t)sec;
	struct tm tm;

	/* Capture time in UTC, as a wall clock an engineer compares with device logs. */
	size_t w = len > 8 && us >= 0 && gmtime_r(&tt, &tm) && tm.tm_year < 8000 ?
	           strftime(when, len - 8, "%Y-%m-%d %H:%M:%S", &tm) : 0;
	if (w)
		return (int)w + snprintf(when + w, len - w, ".%06ld", us % 1000000);
	return snprintf(when, len, "%" PRId64 ".%06ld", sec, us < 0 ? -us : us);
}

int trace_ev_format(const struct trace *t, const struct trace_ev *ev, char *buf, size_t len)
{
	char s[48] = "", d[48] = "", when[40];

	trace_ts_format(ev->ts_ns, when, sizeof when);
	if (ev->src.family)
		ip_addr_format(&ev->src, s, sizeof s);
	if (ev->dst.family)
		ip_addr_format(&ev->dst, d, sizeof d);
	return snprintf(buf, len, "%s %s#%" PRIu64 " %-15s %s%s%s%s %s",
	                when, base_name(trace_file_name(t, ev->file)), ev->frame,
	                trace_kind_name(ev->kind), s, *d ? " -> " : "", d,
	                ev->inner ? " (inner)" : "", ev->text);
}

/* JSON string body with the escapes RFC 8259 requires. */
static size_t json_str(char *out, size_t cap, const char *s)
{
	size_t n = 0;

	for (; *s && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[n++] = '\\';
			out[n++] = (char)c;
		} else if (c < 0x20) {
			n += (size_t)snprintf(out + n, cap - n, "\\u%04x", c);
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = 0;
	return n;
}

int trace_ev_json(const struct trace *t, const struct trace_ev *ev, char *buf, size_t len)
{
	char s[48] = "", d[48] = "", text[512], file[600], ic[17] = "", rc[17] = "";

	if (ev->src.family)
		ip_addr_format(&ev->src, s, sizeof s);
	if (ev->dst.family)
		ip_addr_format(&ev->dst, d, sizeof d);
	json_str(text, sizeof text, ev->text);
	json_str(file, sizeof file, trace_file_name(t, ev->file));
	for (int i = 0; i < 8; i++) {
		snprintf(ic + 2 * i, 3, "%02x", ev->icookie[i]);
		snprintf(rc + 2 * i, 3, "%02x", ev->rcookie[i]);
	}
	return snprintf(buf, len,
	                "{\"event\": \"%s\", \"ts\": %" PRId64 ".%09" PRId64 ", \"file\": \"%s\", "
	                "\"frame\": %" PRIu64 ", \"src\": \"%s\", \"dst\": \"%s\", \"sport\": %u, "
	                "\"dport\": %u, \"icookie\": \"%s\", \"rcookie\": \"%s\", \"exch\": %u, "
	                "\"msgid\": %" PRIu32 ", \"spi\": \"%08" PRIx32 "\", \"spi2\": \"%08" PRIx32
	                "\", \"notify\": %u, \"value\": %" PRIu64 ", \"value2\": %" PRIu64
	                ", \"flag\": %s, \"inner\": %s, \"decrypted\": %s, \"text\": \"%s\"}",
	                trace_kind_name(ev->kind), ev->ts_ns / 1000000000, ev->ts_ns % 1000000000,
	                file, ev->frame, s, d, ev->sport, ev->dport, ic, rc, ev->exch, ev->msgid,
	                ev->spi, ev->spi2, ev->notify, ev->value, ev->value2,
	                ev->flag ? "true" : "false", ev->inner ? "true" : "false",
	                ev->decrypted ? "true" : "false", text);
}
