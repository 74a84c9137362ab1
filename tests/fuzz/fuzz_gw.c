/*
 * Fuzz an established gateway's inputs: the first byte picks the entry point (0: UDP 500,
 * 1: UDP 4500, 2: raw ESP, 3: the tunnel interface), the rest is the datagram or packet;
 * 4 to 7 are actions, their argument the next byte (4: the clock moves on that many seconds
 * and the timers run, 5: gw_reconfigure with data-plane settings taken from the byte and one
 * connection changed or removed, 6: a sequence restart, 7: a connection down / initiated).
 * Two gateways are brought up once (in process, no sockets); the seeds are what the peer
 * really sent (IKE, ESP in both encapsulations' shapes) and inner packets (a ping that needs
 * pre-fragmentation, a TCP SYN for the MSS clamp, one that needs ICMP 3/4). After each input
 * every queue is drained and each outer packet checked: a well-formed IPv4 packet with a
 * right header checksum that fits the uplink.
 */
#include "tests/fuzz/fuzz.h"
#include "peers/gw/gw.h"
#include "peers/ip/ip.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#define UPLINK 1454

static struct gw *ga, *gb;
static struct gw_config cfg_a;
static lab_ns now;
static struct drbg da, db;
static struct ike_endpoint ea, eb;      /* a: the fuzzed gateway, b: its peer */
static struct fuzz_seed seeds[24];
static size_t nseeds;
static uint8_t seedbuf[24][1600];

static void conn(struct gw_conn *c, const char *name, const char *l, const char *r,
                 const char *lts, const char *rts, bool up)
{
	char err[128];

	memset(c, 0, sizeof *c);
	snprintf(c->name, sizeof c->name, "%s", name);
	c->enabled = true;
	c->always_up = up;
	c->ike.local.family = c->ike.remote.family = AF_INET;
	inet_pton(AF_INET, l, c->ike.local.addr);
	inet_pton(AF_INET, r, c->ike.remote.addr);
	c->ike.local.port = c->ike.remote.port = 500;
	memcpy(c->ike.psk, "fuzz", 4);
	c->ike.psk_len = 4;
	c->ike.nike = ike_props_parse("aes128-sha1-modp1024", false, c->ike.ike, IKE_MAX_PROPS,
	                              err, sizeof err);
	c->ike.nesp = ike_props_parse("aes128-sha1", true, c->ike.esp, IKE_MAX_PROPS, err,
	                              sizeof err);
	c->ike.local_ts.family = c->ike.remote_ts.family = AF_INET;
	inet_pton(AF_INET, lts, c->ike.local_ts.addr);
	inet_pton(AF_INET, rts, c->ike.remote_ts.addr);
	c->ike.local_ts.len = c->ike.remote_ts.len = 16;
	c->ike.initiator = up;
	c->ike.send_natt_vid = true;
}

static void add_seed(uint8_t kind, const uint8_t *p, size_t len)
{
	if (nseeds >= 24 || len + 1 > sizeof seedbuf[0])
		return;
	seedbuf[nseeds][0] = kind;
	memcpy(seedbuf[nseeds] + 1, p, len);
	seeds[nseeds].data = seedbuf[nseeds];
	seeds[nseeds].len = len + 1;
	nseeds++;
}

static void check_outer(const struct gw_pkt *p)
{
	struct ipv4_hdr h;
	struct ip_err err;

	if (p->kind != GW_OUT_IP)
		return;
	if (ipv4_parse(p->data, p->len, &h, &err) || !h.csum_ok || h.truncated ||
	    p->len > UPLINK || h.total_len != p->len)
		abort();
}

/* Move b's packets into a and a's into b until quiet; keep a's first ones as seeds. */
static void shuttle(bool keep)
{
	struct gw_pkt p;
	struct gw_event e;
	char line[256];
	bool moved = true;
	uint8_t buf[2048];

	while (moved) {
		moved = false;
		for (int k = 0; k < 2; k++) {
			struct gw *from = k ? gb : ga, *to = k ? ga : gb;

			while (gw_output(from, &p)) {
				size_t len = p.len < sizeof buf ? p.len : sizeof buf;
				struct ike_endpoint f = p.from, t = p.to;
				enum gw_out_kind kind = p.kind;

				moved = true;
				memcpy(buf, p.data, len);
				if (kind == GW_OUT_UDP) {
					if (keep && k == 1)
						add_seed(t.port == 4500 ? 1 : 0, buf, len);
					gw_udp_input(to, buf, len, &f, &t, 0);
				} else if (kind == GW_OUT_IP && len > 20) {
					if (keep && k == 1)
						add_seed(2, buf + 20, len - 20);
					gw_esp_input(to, buf + 20, len - 20, k ? &eb : &ea,
					             k ? &ea : &eb, 0);
				}
			}
			while (gw_event_next(from, &e))
				;
			while (gw_log_next(from, line, sizeof line))
				;
		}
	}
}

static void ping(uint8_t *out, size_t len, const char *src, const char *dst, bool df)
{
	memset(out, 0x5a, len);
	out[0] = 0x45;
	out[2] = (uint8_t)(len >> 8);
	out[3] = (uint8_t)len;
	out[6] = df ? 0x40 : 0;
	out[8] = 64;
	out[9] = 1;
	inet_pton(AF_INET, src, out + 12);
	inet_pton(AF_INET, dst, out + 16);
	out[10] = out[11] = 0;
	{
		uint32_t s = ip_csum_add(0, out, 20);
		uint16_t c = (uint16_t)~ip_csum_fold(s);

		out[10] = (uint8_t)(c >> 8);
		out[11] = (uint8_t)c;
	}
	out[20] = 8;
	out[21] = 0;
}

static void setup(void)
{
	static struct gw_config b;
	struct gw_config *a_ = &cfg_a;
	char err[200];
	uint8_t p[1400];

	if (ga)
		return;
	gw_dataplane_default(&a_->dp);
	gw_dataplane_default(&b.dp);
	a_->dp.uplink_mtu = b.dp.uplink_mtu = UPLINK;
	a_->dp.tunnel_mtu = 1400;
	a_->dp.mss_clamp = 0;
	a_->dp.frag = GW_FRAG_POST;
	a_->dp.df = ESP_DF_CLEAR;
	conn(&a_->conns[0], "to-b", "192.0.2.1", "192.0.2.2", "10.1.0.0", "10.2.0.0", false);
	conn(&a_->conns[1], "to-c", "192.0.2.1", "192.0.2.3", "10.1.0.0", "10.3.0.0", false);
	conn(&b.conns[0], "to-a", "192.0.2.2", "192.0.2.1", "10.2.0.0", "10.1.0.0", true);
	a_->nconns = 2;
	b.nconns = 1;
	ea.family = eb.family = AF_INET;
	inet_pton(AF_INET, "192.0.2.1", ea.addr);
	inet_pton(AF_INET, "192.0.2.2", eb.addr);
	drbg_init(&da, 1);
	drbg_init(&db, 2);
	if (gw_new(&ga, a_, &da, 0, err, sizeof err) || gw_new(&gb, &b, &db, 0, err, sizeof err)) {
		fprintf(stderr, "fuzz_gw: %s\n", err);
		abort();
	}
	shuttle(true);
	ping(p, 300, "10.2.0.7", "10.1.0.5", false);
	gw_inner_input(gb, p, 300, 0);
	shuttle(true);
	ping(p, 1400, "10.1.0.5", "10.2.0.7", false);
	add_seed(3, p, 1400);
	ping(p, 1400, "10.1.0.5", "10.2.0.7", true);
	add_seed(3, p, 1400);
	add_seed(3, (const uint8_t *)
	         "\x45\x00\x00\x2c\x00\x00\x40\x00\x40\x06\x00\x00\x0a\x01\x00\x05\x0a\x02\x00\x07"
	         "\x9c\x40\x00\x50\x00\x00\x00\x01\x00\x00\x00\x00\x60\x02\xff\xff\x00\x00\x00\x00"
	         "\x02\x04\x05\xb4", 44);
	add_seed(1, (const uint8_t *)"\xff", 1);
	add_seed(4, (const uint8_t *)"\x1e", 1);
	add_seed(5, (const uint8_t *)"\x45", 1);
	add_seed(6, (const uint8_t *)"\x02", 1);
	add_seed(7, (const uint8_t *)"\x01", 1);
}

/* Actions: what scenario steps and mock API calls do to a running gateway. */
static void action(unsigned kind, uint8_t arg)
{
	struct gw_config c;
	char err[200];

	switch (kind) {
	case 4:
		now += lab_sec(arg);
		gw_timer(ga, now);
		break;
	case 5:
		c = cfg_a;
		c.dp.df = (enum esp_df_mode)(arg % 3);
		c.dp.frag = arg & 4 ? GW_FRAG_POST : GW_FRAG_PRE;
		c.dp.hairpin = arg & 8;
		c.dp.mss_clamp = arg & 16 ? -1 : arg;
		c.dp.replay_window = arg & 32 ? 0 : 64;
		if (arg & 64)
			c.conns[1].ike.esp_lifetime = lab_sec(arg);
		if (arg & 128)
			c.nconns = 1;
		gw_reconfigure(ga, &c, now, err, sizeof err);
		break;
	case 6:
		gw_conn_seq_restart(ga, arg & 1, arg >> 1);
		break;
	default:
		if (arg & 1)
			gw_conn_down(ga, arg & 2 ? 1 : 0, now);
		else
			gw_conn_initiate(ga, arg & 2 ? 1 : 0, now);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_endpoint to = ea, from = eb;
	struct gw_pkt p;
	struct gw_event e;
	char line[256];

	setup();
	if (size < 1)
		return 0;
	switch (data[0] & 7) {
	case 0:
		from.port = to.port = 500;
		gw_udp_input(ga, data + 1, size - 1, &from, &to, now);
		break;
	case 1:
		from.port = to.port = 4500;
		gw_udp_input(ga, data + 1, size - 1, &from, &to, now);
		break;
	case 2:
		gw_esp_input(ga, data + 1, size - 1, &from, &to, now);
		break;
	case 3:
		gw_inner_input(ga, data + 1, size - 1, now);
		break;
	default:
		action(data[0] & 7, size > 1 ? data[1] : 0);
		break;
	}
	while (gw_output(ga, &p))
		check_outer(&p);
	while (gw_event_next(ga, &e))
		;
	while (gw_log_next(ga, line, sizeof line))
		;
	if (gw_deadline(ga) < now)
		abort();                /* a deadline in the past would spin the harness */
	return 0;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	setup();
	*n = nseeds;
	return seeds;
}
