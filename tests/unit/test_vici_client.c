/* The VICI client against a scripted server on a unix socket (the server's side is written
 * by the test, so ordering and failures are exact): blocking calls with events in between,
 * queued requests sent one at a time from the event loop, CMD_UNKNOWN, a lost connection;
 * and list-sa sections read into struct vici_ike_sa. */
#include "tests/unit/unit.h"
#include "harness/loop.h"
#include "harness/vici.h"
#include "harness/vici_sa.h"
#include "peers/ike/ike_alg.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

struct server {
	char path[108];
	int lfd, fd;
};

static int server_open(struct server *s, struct vici_conn **c)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char err[160];

	snprintf(s->path, sizeof s->path, "/tmp/vpnlab-vici-test.%d", (int)getpid());
	unlink(s->path);
	memcpy(sa.sun_path, s->path, strlen(s->path) + 1);
	s->lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (s->lfd < 0 || bind(s->lfd, (struct sockaddr *)&sa, sizeof sa) || listen(s->lfd, 1))
		return -1;
	if (vici_connect(c, s->path, err, sizeof err))
		return -1;
	s->fd = accept(s->lfd, NULL, NULL);
	return s->fd < 0 ? -1 : 0;
}

static void server_close(struct server *s)
{
	if (s->fd >= 0)
		close(s->fd);
	close(s->lfd);
	unlink(s->path);
}

static void server_send(struct server *s, enum vici_pkt_type t, const char *name,
                        const struct vici_buf *m)
{
	struct vici_buf p;

	vici_buf_init(&p);
	vici_packet_build(&p, t, name, m ? m->data : NULL, m ? m->len : 0);
	CU_ASSERT_EQUAL(write(s->fd, p.data, p.len), (ssize_t)p.len);
	vici_buf_free(&p);
}

/* Read whatever the client has sent by now; returns how many whole packets, the first one's
 * type and name. */
static int server_recv(struct server *s, uint8_t *type, char *name, size_t namelen)
{
	uint8_t buf[4096];
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	struct vici_packet pk;
	size_t len = 0, off = 0, used;
	char err[160];
	int n = 0;

	while (poll(&p, 1, 50) > 0 && len < sizeof buf) {
		ssize_t r = read(s->fd, buf + len, sizeof buf - len);

		if (r <= 0)
			break;
		len += (size_t)r;
	}
	while (vici_packet_parse(buf + off, len - off, &pk, &used, err, sizeof err) == 0) {
		if (n == 0) {
			*type = pk.type;
			snprintf(name, namelen, "%s", pk.name);
		}
		n++;
		off += used;
	}
	return n;
}

struct seen {
	int events;
	char last_event[64];
	int replies, last_rc;
	char last_value[64];
};

static void on_event(void *ctx, const char *name, const struct vici_node *msg)
{
	struct seen *s = ctx;

	s->events++;
	snprintf(s->last_event, sizeof s->last_event, "%s", name);
	(void)msg;
}

static void on_reply(void *ctx, int rc, const struct vici_node *resp, const char *err)
{
	struct seen *s = ctx;
	const char *v = resp ? vici_node_str(resp, "daemon") : NULL;

	(void)err;
	s->replies++;
	s->last_rc = rc;
	snprintf(s->last_value, sizeof s->last_value, "%s", v ? v : "");
}

static void test_blocking_call_with_event(void)
{
	struct server s;
	struct vici_conn *c;
	struct vici_buf m;
	struct vici_node *resp;
	struct seen seen = { 0 };
	uint8_t type;
	char name[256], err[160];

	CU_ASSERT_EQUAL_FATAL(server_open(&s, &c), 0);
	vici_on_event(c, on_event, &seen);
	/* the answers are already waiting: an event first, then the response */
	vici_buf_init(&m);
	vici_buf_kv_str(&m, "up", "yes");
	server_send(&s, VICI_EVENT, "ike-updown", &m);
	vici_buf_free(&m);
	vici_buf_init(&m);
	vici_buf_kv_str(&m, "daemon", "charon");
	server_send(&s, VICI_CMD_RESPONSE, NULL, &m);
	vici_buf_free(&m);
	CU_ASSERT_EQUAL_FATAL(vici_call(c, "version", NULL, &resp, 1000, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(vici_node_str(resp, "daemon"), "charon");
	vici_tree_free(resp);
	CU_ASSERT_EQUAL(seen.events, 1);
	CU_ASSERT_STRING_EQUAL(seen.last_event, "ike-updown");
	CU_ASSERT_EQUAL(server_recv(&s, &type, name, sizeof name), 1);
	CU_ASSERT_EQUAL(type, VICI_CMD_REQUEST);
	CU_ASSERT_STRING_EQUAL(name, "version");

	/* an unknown command, then no answer at all */
	server_send(&s, VICI_CMD_UNKNOWN, NULL, NULL);
	CU_ASSERT_EQUAL(vici_call(c, "nonsense", NULL, NULL, 1000, err, sizeof err), -ENOENT);
	server_send(&s, VICI_EVENT_UNKNOWN, NULL, NULL);
	CU_ASSERT_EQUAL(vici_register(c, "no-such-event", 1000, err, sizeof err), -ENOENT);
	CU_ASSERT_EQUAL(vici_call(c, "version", NULL, NULL, 100, err, sizeof err), -ETIMEDOUT);
	CU_ASSERT_FALSE(vici_alive(c));         /* out of step: given up */
	vici_close(c);
	server_close(&s);
}

struct drive {
	struct seen *seen;
	int want;
};

static bool replies_done(void *ctx)
{
	struct drive *d = ctx;

	return d->seen->replies >= d->want;
}

static void test_queued_requests_in_loop(void)
{
	struct server s;
	struct vici_conn *c;
	struct vici_buf m;
	struct loop l;
	struct seen seen = { 0 };
	struct drive d = { &seen, 1 };
	uint8_t type;
	char name[256];

	CU_ASSERT_EQUAL_FATAL(loop_init(&l, LOOP_CLOCK_REAL), 0);
	CU_ASSERT_EQUAL_FATAL(server_open(&s, &c), 0);
	CU_ASSERT_EQUAL(vici_attach(c, &l), 0);
	CU_ASSERT_EQUAL(vici_request(c, "version", NULL, on_reply, &seen), 0);
	CU_ASSERT_EQUAL(vici_request(c, "stats", NULL, on_reply, &seen), 0);
	CU_ASSERT_EQUAL(vici_pending(c), 2);
	/* one command at a time: only the first is on the wire */
	CU_ASSERT_EQUAL(server_recv(&s, &type, name, sizeof name), 1);
	CU_ASSERT_STRING_EQUAL(name, "version");
	vici_buf_init(&m);
	vici_buf_kv_str(&m, "daemon", "charon");
	server_send(&s, VICI_CMD_RESPONSE, NULL, &m);
	vici_buf_free(&m);
	CU_ASSERT_EQUAL(loop_run(&l, loop_now(&l) + lab_sec(2), replies_done, &d), 0);
	CU_ASSERT_EQUAL(seen.replies, 1);
	CU_ASSERT_EQUAL(seen.last_rc, 0);
	CU_ASSERT_STRING_EQUAL(seen.last_value, "charon");
	/* now the second goes out */
	CU_ASSERT_EQUAL(server_recv(&s, &type, name, sizeof name), 1);
	CU_ASSERT_STRING_EQUAL(name, "stats");
	CU_ASSERT_EQUAL(vici_pending(c), 1);
	/* charon goes away: the pending request fails, nothing hangs */
	close(s.fd);
	s.fd = -1;
	d.want = 2;
	CU_ASSERT_EQUAL(loop_run(&l, loop_now(&l) + lab_sec(2), replies_done, &d), 0);
	CU_ASSERT_EQUAL(seen.last_rc, -EPIPE);
	CU_ASSERT_FALSE(vici_alive(c));
	CU_ASSERT_EQUAL(vici_request(c, "version", NULL, on_reply, &seen), -EPIPE);
	vici_close(c);
	server_close(&s);
	loop_fini(&l);
}

static void test_success(void)
{
	struct vici_buf m;
	struct vici_node *r;
	char err[160];

	vici_buf_init(&m);
	vici_buf_kv_str(&m, "success", "no");
	vici_buf_kv_str(&m, "errmsg", "no config named 'x'");
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &r, err, sizeof err), 0);
	CU_ASSERT_FALSE(vici_success(r, err, sizeof err));
	CU_ASSERT_STRING_EQUAL(err, "no config named 'x'");
	vici_tree_free(r);
	vici_buf_free(&m);
}

/* A list-sa section with the keys charon 5.9.8 sends (vici README, list-sa event). */
static void test_ike_sa_parse(void)
{
	struct vici_buf m;
	struct vici_node *root;
	struct vici_ike_sa sa;
	struct ike_prop p[1];
	char err[160], want[128];

	vici_buf_init(&m);
	vici_buf_section_begin(&m, "lab");
	vici_buf_kv_str(&m, "uniqueid", "3");
	vici_buf_kv_str(&m, "version", "1");
	vici_buf_kv_str(&m, "state", "ESTABLISHED");
	vici_buf_kv_str(&m, "local-host", "10.10.0.2");
	vici_buf_kv_str(&m, "local-port", "4500");
	vici_buf_kv_str(&m, "initiator", "yes");
	vici_buf_kv_str(&m, "encr-alg", "AES_CBC");
	vici_buf_kv_str(&m, "encr-keysize", "256");
	vici_buf_kv_str(&m, "integ-alg", "HMAC_SHA2_256_128");
	vici_buf_kv_str(&m, "prf-alg", "PRF_HMAC_SHA2_256");
	vici_buf_kv_str(&m, "dh-group", "MODP_2048");
	vici_buf_kv_str(&m, "reauth-time", "25917");
	vici_buf_section_begin(&m, "child-sas");
	vici_buf_section_begin(&m, "lab-7");
	vici_buf_kv_str(&m, "name", "lab");
	vici_buf_kv_str(&m, "uniqueid", "7");
	vici_buf_kv_str(&m, "state", "INSTALLED");
	vici_buf_kv_str(&m, "protocol", "ESP");
	vici_buf_kv_str(&m, "encap", "yes");
	vici_buf_kv_str(&m, "spi-in", "c8931e89");
	vici_buf_kv_str(&m, "spi-out", "0ee78125");
	vici_buf_kv_str(&m, "encr-alg", "3DES_CBC");
	vici_buf_kv_str(&m, "integ-alg", "HMAC_SHA1_96");
	vici_buf_kv_str(&m, "bytes-in", "84");
	vici_buf_kv_str(&m, "packets-in", "1");
	vici_buf_list_begin(&m, "local-ts");
	vici_buf_list_item_str(&m, "192.168.1.0/24");
	vici_buf_list_end(&m);
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &root, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(vici_ike_sa_parse(root->child, &sa, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(sa.name, "lab");
	CU_ASSERT_EQUAL(sa.uniqueid, 3);
	CU_ASSERT_EQUAL(sa.version, 1);
	CU_ASSERT_TRUE(sa.initiator);
	CU_ASSERT_EQUAL(sa.local_port, 4500);
	CU_ASSERT_EQUAL(sa.reauth_time, 25917);
	/* the same notation the simulated peers log */
	ike_props_parse("aes256-sha256-modp2048", false, p, 1, err, sizeof err);
	ike_prop_strongswan(&p[0], false, want, sizeof want);
	CU_ASSERT_STRING_EQUAL(sa.proposal, want);
	CU_ASSERT_EQUAL_FATAL(sa.nchild, 1);
	CU_ASSERT_STRING_EQUAL(sa.child[0].name, "lab");
	CU_ASSERT_STRING_EQUAL(sa.child[0].state, "INSTALLED");
	CU_ASSERT_EQUAL(sa.child[0].spi_in, 0xc8931e89);
	CU_ASSERT_EQUAL(sa.child[0].spi_out, 0x0ee78125);
	CU_ASSERT_TRUE(sa.child[0].encap);
	CU_ASSERT_EQUAL(sa.child[0].packets_in, 1);
	CU_ASSERT_EQUAL(sa.child[0].bytes_in, 84);
	CU_ASSERT_STRING_EQUAL(sa.child[0].local_ts, "192.168.1.0/24");
	ike_props_parse("3des-sha1", true, p, 1, err, sizeof err);
	ike_prop_strongswan(&p[0], true, want, sizeof want);
	CU_ASSERT_STRING_EQUAL(sa.child[0].proposal, want);
	vici_tree_free(root);
	vici_buf_free(&m);

	/* child-rekey: the CHILD_SA entry holds old and new; new is read */
	vici_buf_init(&m);
	vici_buf_section_begin(&m, "lab");
	vici_buf_kv_str(&m, "state", "ESTABLISHED");
	vici_buf_section_begin(&m, "child-sas");
	vici_buf_section_begin(&m, "lab-3");
	vici_buf_section_begin(&m, "old");
	vici_buf_kv_str(&m, "state", "REKEYED");
	vici_buf_kv_str(&m, "spi-in", "00000001");
	vici_buf_section_end(&m);
	vici_buf_section_begin(&m, "new");
	vici_buf_kv_str(&m, "state", "INSTALLED");
	vici_buf_kv_str(&m, "spi-in", "00000002");
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	vici_buf_section_begin(&m, "lab-4");
	vici_buf_kv_str(&m, "state", "INSTALLED");
	vici_buf_kv_str(&m, "spi-in", "00000004");
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &root, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(vici_ike_sa_parse(root->child, &sa, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(sa.nchild, 2);
	CU_ASSERT_STRING_EQUAL(sa.child[0].state, "INSTALLED");
	CU_ASSERT_EQUAL(sa.child[0].spi_in, 2);
	CU_ASSERT_EQUAL(sa.child[1].spi_in, 4);         /* the sibling after it is still read */
	vici_tree_free(root);
	vici_buf_free(&m);

	/* a malformed SPI is refused with the key named */
	vici_buf_init(&m);
	vici_buf_section_begin(&m, "lab");
	vici_buf_kv_str(&m, "state", "ESTABLISHED");
	vici_buf_section_begin(&m, "child-sas");
	vici_buf_section_begin(&m, "lab-1");
	vici_buf_kv_str(&m, "state", "INSTALLED");
	vici_buf_kv_str(&m, "spi-in", "1c8931e89");
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	vici_buf_section_end(&m);
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &root, err, sizeof err), 0);
	CU_ASSERT_EQUAL(vici_ike_sa_parse(root->child, &sa, err, sizeof err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "child-sas.lab-1.spi-in"));
	vici_tree_free(root);
	vici_buf_free(&m);
}

UNIT_SUITE(vici_client,
           UNIT_TEST(test_blocking_call_with_event),
           UNIT_TEST(test_queued_requests_in_loop),
           UNIT_TEST(test_success),
           UNIT_TEST(test_ike_sa_parse))
