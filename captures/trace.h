/*
 * trace.h: the trace model: what went over the links, read from one or more captures the way an
 * engineer reads them, with keys when there are some (keys.h).
 *
 * Frames are read streaming from every file at once, merged by timestamp (one capture per
 * link end is the normal case). Memory stays flat in the captures' size: per frame nothing is
 * kept; what is kept is bounded: IKE SAs and exchanges in flight, one summary per ESP SPI per
 * capture, one per inner flow, and the event log (at most TRACE_MAX_EVENTS; later events are
 * still handed to the callback, counted, and the checks say the log was cut).
 *
 * Every event remembers its capture file (index into the paths given) and frame number.
 *
 *   struct trace *t = trace_new(keys);              keys may be NULL (borrowed)
 *   trace_set_callback(t, print_event, ctx);        optional: every event as it happens
 *   if (trace_read(t, paths, n, msg, sizeof msg)) ...    a file that cannot be opened
 *   trace_events(t, &n) ... trace_esp_flows(t, &n) ...   (borrowed until trace_free)
 */
#ifndef VPNLAB_CAPTURES_TRACE_H
#define VPNLAB_CAPTURES_TRACE_H

#include "captures/frame.h"
#include "captures/keys.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TRACE_MAX_FILES   64
#define TRACE_MAX_EVENTS  65536
#define TRACE_MAX_IKE_SAS 1024
#define TRACE_MAX_CHILDS  4096
#define TRACE_MAX_ESP     4096
#define TRACE_MAX_INNER   4096

enum trace_kind {
	TR_MALFORMED,           /* a frame or message that does not decode: text has field+offset */
	TR_FILE_ERROR,          /* the capture file itself is cut or corrupt */
	TR_IKE_MSG,             /* any ISAKMP message: exch, msgid, payload list in text; flag:
	                         * seen before (a retransmission, or a copy in another capture) */
	TR_IKE_UNDECRYPTED,     /* an encrypted message we could not decrypt: text says why */
	TR_PROPOSALS,           /* offered: text "IKE:.../..., IKE:..." (flag: phase 2) */
	TR_SELECTED,            /* the responder's choice: text in strongSwan notation */
	TR_NOTIFY,              /* notify: type; value = DPD sequence / lifetime seconds */
	TR_DELETE,              /* protocol (exch field holds it); spi = first SPI; value = count */
	TR_NATT_FLOAT,          /* the IKE SA moved to UDP 4500 */
	TR_IKE_UP,              /* IKE SA established; flag: a reauthentication of another */
	TR_IKE_DOWN,
	TR_CHILD_UP,            /* spi = initiator's inbound, spi2 = responder's inbound;
	                         * value = lifetime s; flag: a rekey of old_spi/old_spi2 */
	TR_CHILD_DOWN,          /* spi = deleted SPI */
	TR_ESP_FIRST,           /* first packet on an SPI in a capture; text: moved from old SPI */
	TR_ESP_GAP,             /* value = expected seq, value2 = seq seen */
	TR_ESP_REPLAY,          /* value = seq seen again (or used again after a restart);
	                         * decrypted: it carried the echo request echo_id/echo_seq */
	TR_ESP_RESTART,         /* value = highest seq before, value2 = seq seen (1) */
	TR_ESP_BAD,             /* decryption or ICV failed: text has the verdict */
	TR_FRAGMENTS,           /* a fragmented datagram: value = fragments, value2 = total length;
	                         * flag: DF on the first; inner: decrypted traffic; text: sizes */
	TR_ICMP_ERROR,          /* exch = type, notify = code, value = MTU; text: what it quotes */
	TR_TCP_MSS,             /* SYN with MSS value (inner: after decryption) */
	TR_INNER_FLOW,          /* first decrypted inner packet of a flow; spi carries it */
	TR_INNER_GAP,           /* ICMP echo / udp probe sequence jumped: value expected, value2
	                         * seen */
	TR_HAIRPIN,             /* an inner packet decrypted from spi2 re-encrypted into spi */
	TR_PLAIN_FLOW,          /* first packet in the clear (not IKE, not ESP, not a fragment,
	                         * not decrypted) of a flow in a capture: ICMP echo request (id
	                         * in sport), UDP or TCP; traffic before a gateway encrypts it,
	                         * e.g. what makes a trap policy (DPD action hold) initiate */
	TR_KIND_COUNT
};

struct trace_ev {
	enum trace_kind kind;
	int64_t ts_ns;
	unsigned file;
	uint64_t frame;
	uint64_t frame2;        /* a related earlier frame (first of the exchange), or 0 */
	struct ip_addr src, dst;
	uint16_t sport, dport;
	uint8_t icookie[8], rcookie[8];
	uint8_t exch;
	uint32_t msgid;
	uint32_t spi, spi2, old_spi, old_spi2;
	uint16_t notify;
	uint64_t value, value2;
	bool flag;
	bool inner;
	bool decrypted;
	uint16_t echo_id, echo_seq; /* TR_ESP_REPLAY decrypted: the ICMP echo request it carried */
	char text[240];
};

/* One ESP SPI as seen in one capture. */
struct trace_esp {
	unsigned file;
	uint32_t spi;
	struct ip_addr src, dst;
	bool udp;               /* UDP-encapsulated (RFC 3948) */
	uint64_t packets, decrypted, bad, gaps, missing, replays, restarts;
	uint64_t first_frame, last_frame;
	int64_t first_ts, last_ts;
	uint32_t first_seq, max_seq;
};

/* One decrypted inner flow (proto + addresses + ports or ICMP identifier). */
struct trace_inner {
	unsigned file;
	uint32_t spi;           /* the SPI of its first packet */
	uint8_t proto;
	struct ip_addr src, dst;
	uint16_t sport, dport;  /* ICMP echo: identifier in sport */
	uint64_t packets, gaps;
	uint64_t first_frame, last_frame;
	uint32_t last_seq;      /* ICMP echo sequence, or the probe's datagram number */
	/* A vpnlab udp probe (datagrams start with tag, number from 0, count: harness/probe.c):
	 * the tag and the count it announced; 0 = not one. */
	uint32_t probe_tag, probe_count;
};

struct trace;

struct trace *trace_new(const struct cap_keys *keys);
void trace_free(struct trace *t);

/*
 * Keep the event log (the default) or only hand events to the callback: `inspect` prints and
 * needs no log, so its memory does not grow with the number of IKE events either.
 */
void trace_keep_log(struct trace *t, bool keep);

/* Called for every event as it happens (ev borrowed for the call). */
void trace_set_callback(struct trace *t, void (*cb)(void *arg, const struct trace_ev *ev),
                        void *arg);

/*
 * Read the captures (n <= TRACE_MAX_FILES) to the end, merged by timestamp. Returns 0, or
 * -errno with msg naming the file that cannot be opened (nothing is read then). A file cut or
 * corrupt midway is not an error: it gives a TR_FILE_ERROR event and the others go on.
 */
int trace_read(struct trace *t, const char *const *paths, size_t n, char *msg, size_t msglen);

/* Feed one decoded frame of capture file (for tests and fuzzing without files). */
void trace_frame(struct trace *t, unsigned file, const struct cap_frame *f);

/* The results (borrowed until trace_free). */
const struct trace_ev *trace_events(const struct trace *t, size_t *n);
uint64_t trace_events_dropped(const struct trace *t);
const struct trace_esp *trace_esp_flows(const struct trace *t, size_t *n);
const struct trace_inner *trace_inner_flows(const struct trace *t, size_t *n);
const char *trace_file_name(const struct trace *t, unsigned file);
uint64_t trace_frames(const struct trace *t);

const char *trace_kind_name(enum trace_kind k);
/* a - b in ns, saturated: capture times come from files and may be anything. */
int64_t trace_ts_diff(int64_t a, int64_t b);
/* Capture time as "2026-01-01 00:00:12.000043" (UTC), as the event lines print it. */
int trace_ts_format(int64_t ts_ns, char *buf, size_t len);
/* One line for a terminal, and one JSON object (no newline). Return the length. */
int trace_ev_format(const struct trace *t, const struct trace_ev *ev, char *buf, size_t len);
int trace_ev_json(const struct trace *t, const struct trace_ev *ev, char *buf, size_t len);

#endif
