/* harness/lab_sakura.c without a lab: the ping endpoint's text, the NIC -> link end map. */
#include "tests/unit/unit.h"
#include "harness/lab_sakura.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

static void test_ping_text(void)
{
	struct probe_result r;
	char out[1024];

	memset(&r, 0, sizeof r);
	r.sent = r.received = 4;
	r.started = lab_sec(10);
	r.finished = lab_sec(13);
	r.rtt_min = lab_ms(1);
	r.rtt_max = 2500 * LAB_NS_PER_US;
	lab_sakura_ping_text("192.168.10.10", &r, out, sizeof out);
	CU_ASSERT_STRING_EQUAL(out,
	                       "PING 192.168.10.10 (192.168.10.10) 56(84) bytes of data.\n"
	                       "--- 192.168.10.10 ping statistics ---\n"
	                       "4 packets transmitted, 4 received, 0% packet loss, time 3000ms\n"
	                       "rtt min/max = 1.000/2.500 ms\n");
	/* nothing answers: 100% loss, no rtt line */
	r.received = 0;
	r.finished = lab_sec(15);
	lab_sakura_ping_text("192.168.21.99", &r, out, sizeof out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "4 packets transmitted, 0 received, 100% packet loss, "
	                                   "time 5000ms\n"));
	CU_ASSERT_PTR_NULL(strstr(out, "rtt"));
	/* ICMP errors: a From line each and the +N errors of ping(8) */
	r.nicmp = r.nicmp_total = 2;
	r.icmp[0].type = 3;
	r.icmp[0].code = 0;
	r.icmp[0].from.family = AF_INET;
	inet_pton(AF_INET, "27.133.132.1", r.icmp[0].from.addr);
	r.icmp[1] = r.icmp[0];
	r.icmp[1].code = 4;
	r.icmp[1].mtu = 1400;
	lab_sakura_ping_text("192.0.2.99", &r, out, sizeof out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "From 27.133.132.1: Destination Net Unreachable\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "From 27.133.132.1: Frag needed and DF set (mtu = 1400)\n"));
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "4 packets transmitted, 0 received, +2 errors, 100% "
	                                   "packet loss"));
	/* a probe that could not run says why */
	snprintf(r.error, sizeof r.error, "no node vr");
	lab_sakura_ping_text("192.0.2.99", &r, out, sizeof out);
	CU_ASSERT_PTR_NOT_NULL(strstr(out, "ping: no node vr\n"));
	/* a small buffer is cut, still terminated */
	lab_sakura_ping_text("192.0.2.99", &r, out, 20);
	CU_ASSERT_EQUAL(strlen(out), 19);
}

static void test_nic_iface(void)
{
	static const char text[] =
		"name: t\n"
		"topology:\n"
		"  nodes: {a: {}, vr: {}, s1: {}, s2: {}}\n"
		"  links:\n"
		"    - [vr:lan0 10.0.1.1/24, s1:eth0 10.0.1.10/24]\n"
		"    - [a:e0 10.0.0.1/24, vr:wan0 10.0.0.2/24]\n"
		"    - [s2:eth0 10.0.2.10/24, vr:lan1 10.0.2.1/24]\n";
	struct sc_diags d = { 0 };
	struct scenario *sc = NULL;
	struct lab lab;

	CU_ASSERT_EQUAL_FATAL(scenario_load_buffer("t.yaml", text, strlen(text), &sc, &d), 0);
	memset(&lab, 0, sizeof lab);
	lab.sc = sc;
	/* 0 is the uplink; 1.. the other link ends in link order, either side of the link */
	CU_ASSERT_STRING_EQUAL(lab_sakura_nic_iface(&lab, "vr", "wan0", 0), "wan0");
	CU_ASSERT_STRING_EQUAL(lab_sakura_nic_iface(&lab, "vr", "wan0", 1), "lan0");
	CU_ASSERT_STRING_EQUAL(lab_sakura_nic_iface(&lab, "vr", "wan0", 2), "lan1");
	CU_ASSERT_PTR_NULL(lab_sakura_nic_iface(&lab, "vr", "wan0", 3));
	CU_ASSERT_PTR_NULL(lab_sakura_nic_iface(&lab, "nobody", "wan0", 1));
	scenario_free(sc);
	sc_diags_free(&d);
}

UNIT_SUITE(lab_sakura,
	UNIT_TEST(test_ping_text),
	UNIT_TEST(test_nic_iface))
