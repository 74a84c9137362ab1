/* The swanctl.conf renderer: a golden file for a typical gateway (checked by loading it into
 * charon 5.9.8 with swanctl --load-all), the pre-shared key forms, the load-conn / load-shared
 * messages, and every refusal naming its field. */
#include "tests/unit/unit.h"
#include "harness/swanctl_conf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

static void psk_set(struct ike_policy *p, const void *psk, size_t n)
{
	memcpy(p->psk, psk, n);
	p->psk_len = n;
}

/* One connection as a Sakura-v2-like site: FQDN identity, two IKE proposals, DPD 15/30. */
static void config(struct gw_config *c)
{
	struct ike_policy *p = &c->conns[0].ike;
	char err[128];

	memset(c, 0, sizeof *c);
	gw_dataplane_default(&c->dp);
	c->nconns = 1;
	strcpy(c->conns[0].name, "to-vpc");
	c->conns[0].enabled = true;
	p->local.family = p->remote.family = AF_INET;
	inet_pton(AF_INET, "10.10.0.2", p->local.addr);
	inet_pton(AF_INET, "10.10.0.1", p->remote.addr);
	p->local.port = p->remote.port = 500;
	psk_set(p, "a \"quoted\" \\ psk", 16);
	p->nike = ike_props_parse("aes256-sha256-modp2048,aes128-sha1-modp1536", false, p->ike,
	                          IKE_MAX_PROPS, err, sizeof err);
	p->nesp = ike_props_parse("aes256-sha256-modp2048", true, p->esp, IKE_MAX_PROPS, err,
	                          sizeof err);
	p->local_ts.family = p->remote_ts.family = AF_INET;
	inet_pton(AF_INET, "192.168.1.0", p->local_ts.addr);
	p->local_ts.len = 24;
	p->ike_lifetime = lab_sec(28800);
	p->esp_lifetime = lab_sec(1800);
	p->dpd = IKE_DPD_IDLE;
	p->dpd_delay = lab_sec(15);
	p->dpd_timeout = lab_sec(30);
	p->dpd_action = IKE_DPD_RESTART;
	p->initiator = true;
	p->force_encap = true;
	p->initial_contact = p->unique_on_initial_contact = true;
	p->send_dpd_vid = p->send_natt_vid = p->dpd_needs_peer_vid = true;
	p->local_id_type = ISAKMP_ID_FQDN;
	memcpy(p->local_id, "site-a.example", 14);
	p->local_id_len = 14;
}

static const char golden[] =
	"# swanctl.conf written by vpnlab from the gateway's configuration.\n"
	"# note: dp.tunnel_mtu: 0 asks for 1500, kernel-libipsec's TUN has 1400\n"
	"# note: dp.df: kernel-libipsec sends ESP through a UDP socket with DF set; copy/clear cannot be configured\n"
	"# note: dp.replay_window: 64 asked, kernel-libipsec's window is fixed at 128\n"
	"# note: conns[0] (to-vpc).ike.initial_contact: charon will not send INITIAL-CONTACT: it "
	"sends it only with unique = no (here: no) to a remote identity without wildcards (here: "
	"%any)\n"
	"connections {\n"
	"    to-vpc {\n"
	"        version = 1\n"
	"        local_addrs = 10.10.0.2\n"
	"        remote_addrs = 10.10.0.1\n"
	"        proposals = aes256-sha256-modp2048, aes128-sha1-modp1536\n"
	"        rekey_time = 0s\n"
	"        reauth_time = 25920s\n"
	"        over_time = 2880s\n"
	"        rand_time = 0s\n"
	"        dpd_delay = 15s\n"
	"        dpd_timeout = 30s\n"
	"        encap = yes\n"
	"        unique = no\n"
	"        local {\n"
	"            auth = psk\n"
	"            id = fqdn:site-a.example\n"
	"        }\n"
	"        remote {\n"
	"            auth = psk\n"
	"            id = %any\n"
	"        }\n"
	"        children {\n"
	"            to-vpc {\n"
	"                local_ts = 192.168.1.0/24\n"
	"                remote_ts = 0.0.0.0/0\n"
	"                esp_proposals = aes256-sha256-modp2048\n"
	"                life_time = 1800s\n"
	"                rekey_time = 1620s\n"
	"                rand_time = 0s\n"
	"                dpd_action = restart\n"
	"                start_action = start\n"
	"                close_action = none\n"
	"            }\n"
	"        }\n"
	"    }\n"
	"}\n"
	"secrets {\n"
	"    ike-to-vpc {\n"
	"        id-local = fqdn:site-a.example\n"
	"        secret = \"a \\\"quoted\\\" \\\\ psk\"\n"
	"    }\n"
	"}\n"
	;

static void test_golden(void)
{
	struct gw_config c;
	char err[256] = "", *t = NULL;

	config(&c);
	CU_ASSERT_EQUAL_FATAL(swanctl_conf_render(&c, &t, err, sizeof err), 0);
	if (strcmp(t, golden))
		fprintf(stderr, "\n--- got:\n%s--- want:\n%s", t, golden);
	CU_ASSERT_STRING_EQUAL(t, golden);
	swanctl_text_free(t);
	gw_config_wipe(&c);
}

static const char *secret_line(const struct gw_config *c, char *buf, size_t len)
{
	char err[256], *t = NULL, *s, *e;

	buf[0] = '\0';
	if (swanctl_conf_render(c, &t, err, sizeof err)) {
		snprintf(buf, len, "error: %s", err);
		return buf;
	}
	s = strstr(t, "secret = ");
	e = s ? strchr(s, '\n') : NULL;
	if (s && e)
		snprintf(buf, len, "%.*s", (int)(e - s - 9), s + 9);
	swanctl_text_free(t);
	return buf;
}

static void test_psk_forms(void)
{
	struct gw_config c;
	char b[512];

	config(&c);
	psk_set(&c.conns[0].ike, "with spaces and a # and }", 25);
	CU_ASSERT_STRING_EQUAL(secret_line(&c, b, sizeof b), "\"with spaces and a # and }\"");
	psk_set(&c.conns[0].ike, "tab\there\nnewline", 16);
	CU_ASSERT_STRING_EQUAL(secret_line(&c, b, sizeof b), "0x7461620968657265"
	                       "0a6e65776c696e65");
	/* swanctl would decode these prefixes as hex/base64: written as hex of the text */
	psk_set(&c.conns[0].ike, "0xdead", 6);
	CU_ASSERT_STRING_EQUAL(secret_line(&c, b, sizeof b), "0x307864656164");
	psk_set(&c.conns[0].ike, "0Sabc", 5);
	CU_ASSERT_STRING_EQUAL(secret_line(&c, b, sizeof b), "0x3053616263");
	psk_set(&c.conns[0].ike, "a\0b\r\xff", 5);
	CU_ASSERT_STRING_EQUAL(secret_line(&c, b, sizeof b), "0x6100620dff");
	gw_config_wipe(&c);
}

static void test_conn_message(void)
{
	struct gw_config c;
	struct vici_buf m;
	struct vici_node *root;
	const struct vici_node *conn, *child, *l;
	char err[256];

	config(&c);
	c.conns[0].always_up = true;
	c.conns[0].ike.initiator = false;
	c.conns[0].ike.dpd_action = IKE_DPD_HOLD;
	c.conns[0].ike.esp_lifebytes = 1000000;
	c.conns[0].ike.remote_id_type = ISAKMP_ID_IPV4_ADDR;
	inet_pton(AF_INET, "172.30.128.254", c.conns[0].ike.remote_id);
	c.conns[0].ike.remote_id_len = 4;
	vici_buf_init(&m);
	CU_ASSERT_EQUAL_FATAL(swanctl_conn_msg(&c, 0, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &root, err, sizeof err), 0);
	conn = vici_node_get(root, "to-vpc");
	CU_ASSERT_STRING_EQUAL(vici_node_str(conn, "version"), "1");
	CU_ASSERT_STRING_EQUAL(vici_node_str(conn, "reauth_time"), "25920s");
	CU_ASSERT_STRING_EQUAL(vici_node_str(conn, "over_time"), "2880s");
	CU_ASSERT_STRING_EQUAL(vici_node_str(conn, "keyingtries"), "0");
	CU_ASSERT_STRING_EQUAL(vici_node_str(vici_node_get(conn, "remote"), "id"),
	                       "172.30.128.254");
	l = vici_node_get(conn, "proposals");
	CU_ASSERT_STRING_EQUAL((const char *)l->child->value, "aes256-sha256-modp2048");
	CU_ASSERT_STRING_EQUAL((const char *)l->child->next->value, "aes128-sha1-modp1536");
	child = vici_node_get(vici_node_get(conn, "children"), "to-vpc");
	CU_ASSERT_STRING_EQUAL(vici_node_str(child, "start_action"), "start");
	CU_ASSERT_STRING_EQUAL(vici_node_str(child, "close_action"), "start");
	CU_ASSERT_STRING_EQUAL(vici_node_str(child, "dpd_action"), "trap");
	CU_ASSERT_STRING_EQUAL(vici_node_str(child, "life_bytes"), "1000000");
	CU_ASSERT_STRING_EQUAL(vici_node_str(child, "rekey_bytes"), "900000");
	vici_tree_free(root);
	vici_buf_free(&m);

	/* the secret goes raw: no quoting on the VICI path */
	vici_buf_init(&m);
	CU_ASSERT_EQUAL_FATAL(swanctl_secret_msg(&c, 0, &m, err, sizeof err), 0);
	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m.data, m.len, &root, err, sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(vici_node_str(root, "id"), "ike-to-vpc");
	CU_ASSERT_STRING_EQUAL(vici_node_str(root, "data"), "a \"quoted\" \\ psk");
	l = vici_node_get(root, "owners");
	CU_ASSERT_STRING_EQUAL((const char *)l->child->value, "fqdn:site-a.example");
	CU_ASSERT_STRING_EQUAL((const char *)l->child->next->value, "172.30.128.254");
	vici_tree_free(root);
	vici_buf_free(&m);
	gw_config_wipe(&c);
}

static void test_ipv6(void)
{
	struct gw_config c;
	struct ike_policy *p;
	char err[256], *t;

	config(&c);
	p = &c.conns[0].ike;
	p->local.family = p->remote.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::2", p->local.addr);
	memset(p->remote.addr, 0, sizeof p->remote.addr);       /* any peer */
	p->local_ts.family = p->remote_ts.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8:1::", p->local_ts.addr);
	p->local_ts.len = 48;
	memset(p->remote_ts.addr, 0, sizeof p->remote_ts.addr);
	p->remote_ts.len = 0;
	p->local_id_type = 0;
	CU_ASSERT_EQUAL_FATAL(swanctl_conf_render(&c, &t, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "        local_addrs = 2001:db8::2\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "        remote_addrs = %any\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "                local_ts = 2001:db8:1::/48\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "                remote_ts = ::/0\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "        id-local = 2001:db8::2\n"));
	swanctl_text_free(t);
	gw_config_wipe(&c);
}

static void expect_refused(const struct gw_config *c, const char *field)
{
	char err[256] = "", *t = (char *)1;

	CU_ASSERT_EQUAL(swanctl_conf_render(c, &t, err, sizeof err), -EINVAL);
	CU_ASSERT_PTR_NULL(t);
	if (!strstr(err, field))
		fprintf(stderr, "\n  got '%s', want '%s'\n", err, field);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, field));
}

static void test_refusals(void)
{
	struct gw_config c;

	config(&c); c.dp.frag = GW_FRAG_POST;
	expect_refused(&c, "dp.frag: post-fragmentation");
	config(&c); c.dp.tunnel_mtu = 1454;
	expect_refused(&c, "dp.tunnel_mtu: 1454");
	config(&c); c.dp.mss_clamp = 1360;
	expect_refused(&c, "dp.mss_clamp");
	config(&c); c.dp.lenient_padding = true;
	expect_refused(&c, "dp.lenient_padding");
	config(&c); c.dp.snat_split = true;
	expect_refused(&c, "dp.snat_split");
	config(&c); strcpy(c.conns[0].name, "to vpc");
	expect_refused(&c, "conns[0].name: 'to vpc'");
	config(&c); c.conns[0].ike.life_rule = IKE_LIFE_SHORTER;
	expect_refused(&c, "conns[0] (to-vpc).ike.life_rule");
	config(&c); c.conns[0].ike.send_responder_lifetime = true;
	expect_refused(&c, "conns[0] (to-vpc).ike.send_responder_lifetime: charon never sends");
	config(&c); c.conns[0].ike.remote.port = 4500;
	expect_refused(&c, "ike.local/remote.port");
	config(&c); c.conns[0].ike.local_id[3] = '"';
	expect_refused(&c, "conns[0] (to-vpc).ike.local_id: byte 0x22 at 3");
	config(&c); c.conns[0].ike.local_id_type = ISAKMP_ID_DER_ASN1_DN;
	expect_refused(&c, "ike.local_id: identity type 9");
	config(&c); c.conns[0].ike.psk_len = 0;
	expect_refused(&c, "ike.psk");
	config(&c); c.conns[0].ike.esp_lifetime = lab_ms(1500);
	expect_refused(&c, "whole seconds");
	{
		/* DPD on without an interval: 30 s, what the simulated peers take for 0 */
		char err[256] = "", *t = NULL;

		config(&c); c.conns[0].ike.dpd_delay = 0;
		CU_ASSERT_EQUAL(swanctl_conf_render(&c, &t, err, sizeof err), 0);
		CU_ASSERT_PTR_NOT_NULL(t && strstr(t, "dpd_delay = 30s\n"));
		swanctl_text_free(t);
	}
	config(&c); c.conns[0].ike.remote_ts.family = 0;
	expect_refused(&c, "ike.remote_ts");
	config(&c); c.conns[0].ike.nesp = 0;
	expect_refused(&c, "ike.esp: at least one");
	config(&c);
	c.conns[1] = c.conns[0];
	c.nconns = 2;
	expect_refused(&c, "conns[1] (to-vpc).name: used twice");
	strcpy(c.conns[1].name, "to-dc");
	c.conns[1].ike.select = IKE_SELECT_PEER_ORDER;
	expect_refused(&c, "conns[1].ike.select");
	gw_config_wipe(&c);
}

static void test_notes_and_disabled(void)
{
	struct gw_config c;
	struct swanctl_notes n;
	char err[256], *t;

	config(&c);
	c.dp.df = ESP_DF_SET;
	c.dp.tunnel_mtu = 1400;
	c.dp.replay_window = 128;
	c.conns[0].ike.remote_id_type = ISAKMP_ID_FQDN;
	memcpy(c.conns[0].ike.remote_id, "vpc.example", 11);
	c.conns[0].ike.remote_id_len = 11;
	CU_ASSERT_EQUAL(swanctl_conf_check(&c, &n, err, sizeof err), 0);
	CU_ASSERT_EQUAL(n.count, 0);            /* exactly what kernel-libipsec does */
	if (n.count)
		fprintf(stderr, "\n%s", n.text);
	c.conns[0].ike.dpd = IKE_DPD_ALWAYS;
	c.conns[0].ike.send_dpd_vid = false;
	CU_ASSERT_EQUAL(swanctl_conf_check(&c, &n, err, sizeof err), 0);
	CU_ASSERT_EQUAL(n.count, 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(n.text, "conns[0] (to-vpc).ike.dpd: charon sends"));

	c.conns[1] = c.conns[0];
	strcpy(c.conns[1].name, "spare");
	c.conns[1].enabled = false;
	c.nconns = 2;
	CU_ASSERT_EQUAL_FATAL(swanctl_conf_render(&c, &t, err, sizeof err), 0);
	CU_ASSERT_PTR_NULL(strstr(t, "spare {"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "# note: conns[1] (spare).enabled: disabled"));
	swanctl_text_free(t);
	gw_config_wipe(&c);
}

static void test_strongswan_conf(void)
{
	struct gw_config c;
	struct swanctl_paths paths = { "/o/strongswan/gw/charon.vici", "/o/strongswan/gw/charon.log" };
	char err[256], *t;

	config(&c);
	c.conns[0].ike.select = IKE_SELECT_PEER_ORDER;
	c.conns[0].ike.retransmit_base = lab_ms(2500);
	c.conns[0].ike.retransmit_tries = 3;
	CU_ASSERT_EQUAL_FATAL(swanctl_strongswan_conf_render(&c, &paths, &t, err, sizeof err), 0);
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "kernel-libipsec kernel-netlink socket-default vici\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "socket = \"unix:///o/strongswan/gw/charon.vici\"\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "path = /o/strongswan/gw/charon.log\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "retransmit_tries = 3\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "retransmit_timeout = 2.500\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(t, "prefer_configured_proposals = no\n"));
	swanctl_text_free(t);
	paths.log = "/o/with \"quote\"/charon.log";
	paths.vici_socket = "/o/with\"quote";
	CU_ASSERT_EQUAL(swanctl_strongswan_conf_render(&c, &paths, &t, err, sizeof err), -EINVAL);
	gw_config_wipe(&c);
}

UNIT_SUITE(swanctl_conf,
           UNIT_TEST(test_golden),
           UNIT_TEST(test_psk_forms),
           UNIT_TEST(test_conn_message),
           UNIT_TEST(test_ipv6),
           UNIT_TEST(test_refusals),
           UNIT_TEST(test_notes_and_disabled),
           UNIT_TEST(test_strongswan_conf))
