/* trace_int.h: private to captures/trace*.c: the state behind struct trace. */
#ifndef VPNLAB_CAPTURES_TRACE_INT_H
#define VPNLAB_CAPTURES_TRACE_INT_H

#include "captures/ike_decrypt.h"
#include "captures/trace.h"
#include "peers/esp/esp_sa.h"
#include "peers/ike/ike_alg.h"

#define TR_QM_MAX    8       /* quick modes in flight per IKE SA */
#define TR_DUP_MAX   16      /* messages remembered per IKE SA to spot duplicates */
#define TR_HAIR_MAX  4096    /* decrypted inner packets remembered for the hairpin test */
#define TR_BUF       (65536 + 64)
#define TR_ESP_IDX   (2 * TRACE_MAX_ESP)
/* A deleted SA's state is kept this long (capture time) for retransmitted deletes and late
 * packets, then its slot is taken by a new SA: memory follows the SAs alive at once. */
#define TR_REUSE_AFTER (60LL * 1000000000)

struct tr_qm {
	bool used;
	uint32_t mid;
	struct ip_addr init;         /* who sent QM1: either side of the IKE SA may start one */
	uint64_t frame1;
	int64_t ts1;
	uint32_t spi_i, spi_r;       /* inbound SPIs of initiator and responder */
	uint64_t life;               /* seconds offered/selected, 0 if none */
	struct ike_prop sel;
	bool have_sel, done;
	bool resp_seen;              /* a message from the responder (QM2) */
	char ts[120];                /* traffic selectors "10.1.0.0/24 === 10.2.0.0/24" */
};

struct tr_ike {
	bool used;
	uint8_t icookie[8], rcookie[8];
	struct ip_addr init, resp;
	uint16_t port;               /* last port used */
	bool up, down;
	int64_t down_ts;             /* capture time of the delete */
	bool initial_contact;        /* its main mode carried INITIAL-CONTACT (RFC 2407 4.6.3.3) */
	bool forgotten;              /* a later IKE SA between the same two came up with
	                                INITIAL-CONTACT: its sender holds no state for this one,
	                                so it is neither reauthenticated nor rekeyed from */
	uint64_t p1_life;
	struct cap_ike_dec *dec;
	uint64_t dup[TR_DUP_MAX];
	size_t ndup;
	struct tr_qm qm[TR_QM_MAX];
	size_t qm_next;
};

struct tr_child {
	bool used, down;
	int64_t down_ts;
	size_t ike;
	uint32_t spi_i, spi_r;
	uint32_t old_i, old_r;       /* the CHILD_SA it rekeyed, 0 if none */
	struct ip_addr init, resp;
	char ts[120];
};

struct tr_esp {
	struct esp_sa *sa;           /* inbound SA built from the esp_sa key, NULL if none */
	bool tried;
	uint64_t window;             /* bit i: max_seq - i seen */
	uint32_t reused_max;         /* after a restart: the highest number before it; numbers up
	                              * to it are used a second time (replays), 0 = none */
};

struct tr_hair {
	uint64_t hash;
	uint32_t spi;
	struct ip_addr src, dst;     /* outer */
	uint64_t frame;
	unsigned file;
};

/* A flow in the clear (TR_PLAIN_FLOW): only its key is kept. */
struct tr_plain {
	unsigned file;
	uint8_t proto;
	uint16_t sport, dport;       /* ICMP echo: identifier, 8 */
	struct ip_addr src, dst;
};

struct trace {
	const struct cap_keys *keys;
	void (*cb)(void *arg, const struct trace_ev *ev);
	void *cb_arg;
	char *files[TRACE_MAX_FILES];
	size_t nfiles;
	uint64_t frames;
	struct trace_ev *ev;         /* grows to TRACE_MAX_EVENTS */
	size_t nev, ev_cap;
	bool no_log;
	uint64_t dropped;
	struct tr_ike *ike;          /* TRACE_MAX_IKE_SAS, a ring once full */
	size_t ike_next;
	struct tr_child *child;      /* TRACE_MAX_CHILDS, a ring once full */
	size_t child_next;
	struct trace_esp *esp;       /* TRACE_MAX_ESP summaries */
	struct tr_esp *esp_st;
	size_t nesp;
	int32_t *esp_idx;            /* TR_ESP_IDX slots: flow index + 1, 0 = empty (open addressing) */
	struct trace_inner *inner;
	size_t ninner;
	struct tr_plain *plain;      /* TRACE_MAX_INNER; flows past that are not reported */
	size_t nplain;
	struct tr_hair *hair;
	size_t hair_next;
	/* The ICMP echo request the ESP packet being read decrypted to, if it was one: a
	 * replay event carries it, so a check can look for the answer. */
	bool echo_req;
	uint16_t echo_id, echo_seq;
	uint32_t inner_spi;          /* the SPI of the inner packet being read */
	uint8_t buf[TR_BUF];
};

/* Start an event from a frame (kind, time, file, frame, addresses, ports). */
void tr_ev_init(struct trace_ev *ev, enum trace_kind k, unsigned file,
                const struct cap_frame *f);
/* Log it (bounded) and hand it to the callback. */
void tr_emit(struct trace *t, const struct trace_ev *ev);

/* The IP-level events of one frame (fragments, ICMP errors, TCP MSS); inner: decrypted. */
void tr_ip_frame(struct trace *t, unsigned file, const struct cap_frame *f, bool inner);
void tr_ike_frame(struct trace *t, unsigned file, const struct cap_frame *f);
void tr_esp_frame(struct trace *t, unsigned file, const struct cap_frame *f);
void tr_esp_free(struct trace *t);
void tr_ike_free(struct trace *t);
/* A CHILD_SA that owns SPI as an inbound SPI (spi_i or spi_r), or NULL. */
const struct tr_child *tr_child_by_spi(const struct trace *t, uint32_t spi);

uint64_t tr_hash(const uint8_t *p, size_t n, uint64_t h);

#endif
