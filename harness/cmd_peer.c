/*
 * cmd_peer.c: `vpnlab peer`: run one simulated IKEv1 peer against anything, in the current
 * network namespace (so `ip netns exec NS vpnlab peer ...` works against a real router or
 * daemon). UDP 500 and 4500 sockets on the local address, the real clock, one line per event
 * (or one JSON object per line), Wireshark key files on request.
 */
#include "harness/cmd_peer.h"

#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli.h"
#include "harness/loop.h"
#include "harness/peer_gateway.h"
#include "harness/scenario.h"
#include "peers/ike/ike_peer.h"
#include "peers/profile/profile.h"

struct peer_run {
	struct loop loop;
	struct ike_peer *ike;
	struct drbg drbg;
	struct ike_policy pol;
	int fd500, fd4500;
	struct loop_timer timer, giveup, linger;
	bool json, once, verbose;
	int exit_code;                  /* -1 while running */
	char reason[320];
	const char *keys_dir;
	bool child_seen;
	long repeat;                    /* --repeat N: handshakes still to do; 0 = off */
	long repeat_total, repeat_done;
	bool round_done;                /* this round's CHILD_SA is up */
};

static void usage(FILE *f)
{
	fputs("usage: vpnlab peer --local ADDR --remote ADDR --psk SECRET\n"
	      "                   [--local-id ID] [--remote-id ID]\n"
	      "                   [--ike PROPOSAL[,PROPOSAL...]] [--esp PROPOSAL[,...]]\n"
	      "                   [--local-ts CIDR] [--remote-ts CIDR]\n"
	      "                   [--ike-lifetime DUR] [--esp-lifetime DUR] [--dpd DUR]\n"
	      "                   [--initiate] [--once] [--timeout DUR] [--keys DIR] [--json]\n"
	      "                   [--seed N] [--force-encap] [--responder-lifetime]\n"
	      "                   [--natt-keepalive DUR] [--esp-lifebytes N] [--repeat N]\n"
	      "                   [--verbose] [--profile NAME] [--tunnel NAME [--tunnel-mtu N]\n"
	      "                   [--no-offload]]\n"
	      "\n"
	      "Run one simulated IKEv1 peer (main mode with a pre-shared key, quick mode) in the\n"
	      "current network namespace, e.g. under `ip netns exec NS`, against any peer.\n"
	      "Proposals in strongSwan's notation: aes256-sha256-modp2048 (IKE; a DH group is\n"
	      "required), aes128-sha1 or aes256-sha256-modp2048 (ESP; a group means PFS).\n"
	      "Defaults: --ike aes128-sha1-modp1536, --esp aes128-sha1-modp1536, traffic selectors\n"
	      "0.0.0.0/0, lifetimes 8h / 1h, DPD off.\n"
	      "\n"
	      "  --once          exit 0 when the first CHILD_SA is up, 1 on failure or timeout\n"
	      "  --timeout DUR   give up after DUR (with --once: exit 1)\n"
	      "  --keys DIR      append Wireshark's ikev1_decryption_table and esp_sa lines there\n"
	      "  --json          one JSON object per line: {\"event\": ..., \"time\": ...}\n"
	      "  --force-encap   fake NAT-D so the peer floats to UDP 4500 (as kernel-libipsec)\n"
	      "  --responder-lifetime  as responder, use our lifetime when the proposed one is\n"
	      "                  longer and say so with a RESPONDER-LIFETIME notify (Cisco-like)\n"
	      "  --natt-keepalive DUR  behind a NAT, send a 0xFF keepalive to port 4500 this\n"
	      "                  often (default 20s, 0 = off)\n"
	      "  --esp-lifebytes N  propose / accept a CHILD_SA kilobyte lifetime of N bytes\n"
	      "                  (sent in kilobytes of 1000 bytes, as strongSwan counts them)\n"
	      "  --repeat N      initiator benchmark: N main mode + quick mode handshakes one\n"
	      "                  after the other (each one's INITIAL-CONTACT clears the one\n"
	      "                  before at the responder), then the rate\n"
	      "  --verbose       charon-style log lines on stderr\n"
	      "  --profile NAME  behave as that vendor profile (`vpnlab profiles NAME`): its\n"
	      "                  defaults under the options given, its forced rows over them\n"
	      "  --tunnel NAME   carry traffic: a tunnel interface NAME (at most 10 characters)\n"
	      "                  routed to --remote-ts, userspace ESP on the uplink; packet and\n"
	      "                  byte counters at exit; NAME and its routes removed at exit\n"
	      "  --tunnel-mtu N  its MTU (576..65535, default 1500, or the profile's)\n"
	      "  --no-offload    every frame one packet as on a wire, on NAME and on the uplink\n"
	      "                  (to capture either). By default TCP goes through NAME as GSO\n"
	      "                  packets of up to 64 KiB, split and merged by vpnlab, and ESP in\n"
	      "                  UDP leaves in UDP GSO trains (the kernel picks the outer IP ID\n"
	      "                  and fills in the UDP checksum) and is read in UDP_GRO trains\n"
	      "Without --tunnel the CHILD_SA is negotiated but carries no traffic.\n",
	      f);
}

static double now_s(const struct peer_run *r)
{
	return (double)loop_now(&r->loop) / LAB_NS_PER_SEC;
}

static const char *event_name(enum ike_event_type t)
{
	static const char *const n[] = {
		"ike_sa_established", "child_sa_established", "child_sa_rekeyed",
		"ike_sa_reauthenticated", "no_proposal_chosen", "auth_failed", "ike_sa_deleted",
		"child_sa_deleted", "dpd_sent", "dpd_ack", "dpd_timeout", "timeout", "error",
		"child_sa_inbound",
	};

	return n[t];
}

static void append_line(const char *dir, const char *file, const char *line)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	f = fopen(path, "a");
	if (!f) {
		fprintf(stderr, "vpnlab peer: cannot write %s: %s\n", path, strerror(errno));
		return;
	}
	fprintf(f, "%s\n", line);
	fclose(f);
}

static void print_event(struct peer_run *r, const struct ike_event *e)
{
	FILE *f = stdout;

	if (r->json) {
		fprintf(f, "{\"event\": \"%s\", \"time\": %.3f", event_name(e->type), now_s(r));
		if (e->proposal[0]) {
			fprintf(f, ", \"proposal\": ");
			peer_json_str(f, e->proposal);
		}
		if (e->type == IKE_EV_CHILD_SA_ESTABLISHED || e->type == IKE_EV_CHILD_SA_REKEYED ||
		    e->type == IKE_EV_CHILD_SA_DELETED)
			fprintf(f, ", \"spi_in\": \"%08x\", \"spi_out\": \"%08x\"", e->spi_in, e->spi_out);
		if (e->type == IKE_EV_CHILD_SA_REKEYED)
			fprintf(f, ", \"old_spi_in\": \"%08x\", \"old_spi_out\": \"%08x\"", e->old_spi_in,
			        e->old_spi_out);
		if (e->lifetime)
			fprintf(f, ", \"lifetime\": %lld", (long long)(e->lifetime / LAB_NS_PER_SEC));
		if (e->lifebytes)
			fprintf(f, ", \"lifebytes\": %llu", (unsigned long long)e->lifebytes);
		if (e->type == IKE_EV_CHILD_SA_ESTABLISHED || e->type == IKE_EV_IKE_SA_ESTABLISHED)
			fprintf(f, ", \"udp_encap\": %s", e->udp_encap ? "true" : "false");
		if (e->type == IKE_EV_DPD_SENT || e->type == IKE_EV_DPD_ACK)
			fprintf(f, ", \"seq\": %u", e->dpd_seq);
		if (e->detail[0]) {
			fprintf(f, ", \"detail\": ");
			peer_json_str(f, e->detail);
		}
		fprintf(f, "}\n");
	} else {
		fprintf(f, "%9.3f %s", now_s(r), event_name(e->type));
		if (e->proposal[0])
			fprintf(f, " %s", e->proposal);
		if (e->spi_in)
			fprintf(f, " spi_in=%08x spi_out=%08x", e->spi_in, e->spi_out);
		if (e->lifetime)
			fprintf(f, " lifetime=%llds", (long long)(e->lifetime / LAB_NS_PER_SEC));
		if (e->type == IKE_EV_DPD_SENT || e->type == IKE_EV_DPD_ACK)
			fprintf(f, " seq=%u", e->dpd_seq);
		if (e->detail[0] && !e->proposal[0])
			fprintf(f, " (%s)", e->detail);
		fputc('\n', f);
	}
	fflush(f);
}

static void handle_event(struct peer_run *r, const struct ike_event *e)
{
	char line[400];

	/* vpnlab peer carries no ESP: the inbound half at QM2 is a data-plane matter, and its
	 * keys are written with the complete pair */
	if (e->type == IKE_EV_CHILD_SA_INBOUND)
		return;
	if (r->repeat_total) {
		/* benchmark rounds: no per-event output, only failures end it */
		if (e->type == IKE_EV_CHILD_SA_ESTABLISHED) {
			r->round_done = true;
		} else if (e->type == IKE_EV_NO_PROPOSAL_CHOSEN || e->type == IKE_EV_AUTH_FAILED ||
		           e->type == IKE_EV_TIMEOUT) {
			r->exit_code = 1;
			snprintf(r->reason, sizeof r->reason, "handshake %ld: %s: %s", r->repeat_done + 1,
			         event_name(e->type), e->detail);
		}
		return;
	}
	print_event(r, e);
	if (r->keys_dir && e->type == IKE_EV_IKE_SA_ESTABLISHED)
		append_line(r->keys_dir, "ikev1_decryption_table", e->keyline);
	if (r->keys_dir && (e->type == IKE_EV_CHILD_SA_ESTABLISHED ||
	                    e->type == IKE_EV_CHILD_SA_REKEYED)) {
		ike_esp_sa_line(&e->remote, &e->local, &e->prop, &e->in, line, sizeof line);
		append_line(r->keys_dir, "esp_sa", line);
		ike_esp_sa_line(&e->local, &e->remote, &e->prop, &e->out, line, sizeof line);
		append_line(r->keys_dir, "esp_sa", line);
	}
	if (!r->once)
		return;
	switch (e->type) {
	case IKE_EV_CHILD_SA_ESTABLISHED:
		/* linger half a second, so the peer finishes its side of quick mode before our
		 * DELETEs arrive */
		if (r->exit_code < 0 && !loop_timer_armed(&r->linger))
			loop_timer_arm(&r->loop, &r->linger, loop_now(&r->loop) + lab_ms(500));
		break;
	case IKE_EV_NO_PROPOSAL_CHOSEN:
	case IKE_EV_AUTH_FAILED:
	case IKE_EV_TIMEOUT:
		r->exit_code = 1;
		snprintf(r->reason, sizeof r->reason, "%s: %s", event_name(e->type), e->detail);
		break;
	default:
		break;
	}
}

static void flush(struct peer_run *r)
{
	struct ike_packet pkt;
	struct ike_event ev;
	char line[256];

	while (ike_peer_output(r->ike, &pkt)) {
		struct sockaddr_storage ss;
		socklen_t sl;
		int fd = pkt.from.port == 4500 ? r->fd4500 : r->fd500;

		memset(&ss, 0, sizeof ss);
		if (pkt.to.family == AF_INET) {
			struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

			s4->sin_family = AF_INET;
			s4->sin_port = htons(pkt.to.port);
			memcpy(&s4->sin_addr, pkt.to.addr, 4);
			sl = sizeof *s4;
		} else {
			struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

			s6->sin6_family = AF_INET6;
			s6->sin6_port = htons(pkt.to.port);
			memcpy(&s6->sin6_addr, pkt.to.addr, 16);
			sl = sizeof *s6;
		}
		if (sendto(fd, pkt.data, pkt.len, 0, (struct sockaddr *)&ss, sl) < 0 && r->verbose)
			fprintf(stderr, "vpnlab peer: sendto: %s\n", strerror(errno));
	}
	while (ike_peer_log(r->ike, line, sizeof line))
		if (r->verbose)
			fprintf(stderr, "%9.3f [IKE] %s\n", now_s(r), line);
	while (ike_peer_event(r->ike, &ev))
		handle_event(r, &ev);
	loop_timer_arm(&r->loop, &r->timer, ike_peer_deadline(r->ike));
}

static void on_timer(void *ctx)
{
	struct peer_run *r = ctx;

	ike_peer_timer(r->ike, loop_now(&r->loop));
	flush(r);
}

static void on_giveup(void *ctx)
{
	struct peer_run *r = ctx;

	if (r->repeat_total) {
		r->exit_code = 1;
		snprintf(r->reason, sizeof r->reason, "timeout after %ld of %ld handshakes",
		         r->repeat_done, r->repeat_total);
		return;
	}
	if (!r->once || loop_timer_armed(&r->linger)) {
		r->exit_code = loop_timer_armed(&r->linger) ? 0 : r->exit_code < 0 ? 0 : r->exit_code;
		return;
	}
	r->exit_code = 1;
	snprintf(r->reason, sizeof r->reason, "timeout: no CHILD_SA within the time given");
}

static void on_linger(void *ctx)
{
	struct peer_run *r = ctx;

	if (r->exit_code < 0)
		r->exit_code = 0;
}

static void on_datagram(void *ctx, int fd, uint32_t events)
{
	struct peer_run *r = ctx;
	uint8_t buf[65536];

	(void)events;
	for (;;) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof ss;
		ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&ss, &sl);
		struct ike_endpoint from = { 0 }, to = r->pol.local;
		const uint8_t *m = buf;
		size_t len;

		if (n < 0)
			break;
		len = (size_t)n;
		from.family = ss.ss_family;
		if (ss.ss_family == AF_INET) {
			memcpy(from.addr, &((struct sockaddr_in *)&ss)->sin_addr, 4);
			from.port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		} else {
			memcpy(from.addr, &((struct sockaddr_in6 *)&ss)->sin6_addr, 16);
			from.port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		}
		to.port = fd == r->fd4500 ? 4500 : 500;
		if (fd == r->fd4500) {
			/* RFC 3948: a non-ESP marker means IKE; 0xFF alone is a keepalive; anything
			 * else is ESP, which this command does not carry yet */
			if (len == 1 && buf[0] == 0xff)
				continue;
			if (len < 4 || memcmp(buf, "\0\0\0\0", 4)) {
				ike_peer_traffic(r->ike, loop_now(&r->loop));
				continue;
			}
			m += 4;
			len -= 4;
		}
		ike_peer_input(r->ike, m, len, &from, &to, loop_now(&r->loop));
	}
	flush(r);
}

static int bind_udp(const struct ike_endpoint *local, uint16_t port, char *msg, size_t mlen)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int on = 1, fd = socket(local->family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0) {
		snprintf(msg, mlen, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on);
	memset(&ss, 0, sizeof ss);
	if (local->family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, local->addr, 4);
		sl = sizeof *s4;
	} else {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, local->addr, 16);
		sl = sizeof *s6;
	}
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0) {
		char a[64];

		inet_ntop(local->family, local->addr, a, sizeof a);
		snprintf(msg, mlen, "cannot bind UDP %s port %u: %s (is another IKE daemon running "
		         "here?)", a, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool run_done(void *ctx)
{
	const struct peer_run *r = ctx;

	return r->exit_code >= 0 || r->round_done;
}

/* --repeat: handshake after handshake, a fresh peer each (new cookies, nonces, DH values from
 * the same drbg). Each round's MM5 carries INITIAL-CONTACT, so the responder drops the
 * previous round's SAs itself (strongSwan and vpnlab both do); the previous peer is freed
 * without DELETEs. Sending DELETEs instead races the responder: a DELETE right after QM3 can
 * overtake strongSwan's installation of the CHILD_SA (IKEv1 gives the initiator no
 * acknowledgement of QM3 to wait for), and without INITIAL-CONTACT both responders take each
 * round for a reauthentication of the last one and its quick mode for a rekey.
 * The rate is taken when the last CHILD_SA is up; that one is deleted 200 ms later. */
static void run_repeat(struct peer_run *r)
{
	lab_ns start = loop_now(&r->loop), secs = 0;
	struct ike_peer *prev = NULL;

	while (r->exit_code < 0 && r->repeat_done < r->repeat_total) {
		r->round_done = false;
		ike_peer_start(r->ike, loop_now(&r->loop));
		flush(r);
		loop_run(&r->loop, LAB_NEVER, run_done, r);
		if (r->loop.interrupted && r->exit_code < 0) {
			r->exit_code = 1;
			snprintf(r->reason, sizeof r->reason, "interrupted after %ld handshakes",
			         r->repeat_done);
		}
		if (!r->round_done)
			break;
		r->repeat_done++;
		secs = loop_now(&r->loop) - start;
		ike_peer_free(prev);    /* its SAs went with this round's INITIAL-CONTACT */
		prev = r->ike;
		r->ike = NULL;
		if (ike_peer_new(&r->ike, &r->pol, &r->drbg) < 0) {
			r->ike = prev;
			prev = NULL;
			r->exit_code = 1;
			snprintf(r->reason, sizeof r->reason, "cannot create the peer");
			return;
		}
	}
	if (prev) {
		/* the last round: give the responder a moment for QM3, then delete */
		struct ike_peer *cur = r->ike;

		r->ike = prev;
		r->round_done = false;  /* else run_done() ends the wait at once */
		loop_timer_arm(&r->loop, &r->linger, loop_now(&r->loop) + lab_ms(200));
		if (r->exit_code < 0) {
			loop_run(&r->loop, LAB_NEVER, run_done, r);
			r->exit_code = -1;
		}
		ike_peer_shutdown(r->ike, loop_now(&r->loop));
		flush(r);
		ike_peer_free(prev);
		r->ike = cur;
	}
	if (r->exit_code < 0)
		r->exit_code = 0;
	if (r->json)
		printf("{\"event\": \"repeat\", \"time\": %.3f, \"handshakes\": %ld, "
		       "\"seconds\": %.3f, \"per_second\": %.2f}\n", now_s(r), r->repeat_done,
		       (double)secs / LAB_NS_PER_SEC,
		       secs > 0 ? (double)r->repeat_done * LAB_NS_PER_SEC / (double)secs : 0.0);
	else
		printf("%ld handshakes (main mode + quick mode) in %.3f s: %.2f per second\n",
		       r->repeat_done, (double)secs / LAB_NS_PER_SEC,
		       secs > 0 ? (double)r->repeat_done * LAB_NS_PER_SEC / (double)secs : 0.0);
	fflush(stdout);
}

static int parse_endpoint(const char *opt, const char *text, struct ike_endpoint *e)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, false) < 0 || p.len != (p.family == AF_INET ? 32 : 128)) {
		fprintf(stderr, "vpnlab peer: %s: '%s' is not an IP address\n", opt, text);
		return -1;
	}
	memset(e, 0, sizeof *e);
	e->family = p.family;
	memcpy(e->addr, p.addr, 16);
	e->port = 500;
	return 0;
}

static int parse_net(const char *opt, const char *text, struct ike_net *n)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, true) < 0) {
		fprintf(stderr, "vpnlab peer: %s: '%s' is not a prefix like 10.1.0.0/16\n", opt, text);
		return -1;
	}
	n->family = p.family;
	memcpy(n->addr, p.addr, 16);
	n->len = p.len;
	return 0;
}

static int parse_id(const char *opt, const char *text, uint8_t *type, uint8_t *data, size_t *len)
{
	struct sc_prefix p;

	if (sc_parse_prefix(text, &p, false) == 0 && !strchr(text, '/')) {
		*type = p.family == AF_INET ? ISAKMP_ID_IPV4_ADDR : ISAKMP_ID_IPV6_ADDR;
		*len = p.family == AF_INET ? 4 : 16;
		memcpy(data, p.addr, *len);
		return 0;
	}
	if (strlen(text) == 0 || strlen(text) > 63) {
		fprintf(stderr, "vpnlab peer: %s: an address or a name of 1 to 63 characters\n", opt);
		return -1;
	}
	*type = strchr(text, '@') ? ISAKMP_ID_USER_FQDN : ISAKMP_ID_FQDN;
	*len = strlen(text);
	memcpy(data, text, *len);
	return 0;
}

static int parse_dur(const char *opt, const char *text, lab_ns *out)
{
	if (sc_parse_duration(text, out) < 0 || *out <= 0) {
		fprintf(stderr, "vpnlab peer: %s: '%s' is not a duration like 30s or 8h\n", opt, text);
		return -1;
	}
	return 0;
}

/* --profile NAME (issue 8): the profile's defaults go onto the policy before the other
 * options are read, its forced rows after them (precedence: peers/profile/profile.h). */
static int peer_profile_defaults(int argc, char **argv, struct ike_policy *pol,
                                 const struct profile **out)
{
	const char *name = NULL;

	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--profile") && i + 1 < argc)
			name = argv[i + 1];
		else if (!strncmp(argv[i], "--profile=", 10))
			name = argv[i] + 10;
	if (!name)
		return 0;
	*out = profile_find(name);
	if (!*out) {
		fprintf(stderr, "vpnlab peer: --profile: no profile '%s' (see `vpnlab profiles`)\n",
		        name);
		return -1;
	}
	return profile_conn_apply(*out, pol, NULL, PROFILE_STAGE_DEFAULTS, NULL);
}

static void peer_profile_forced(const struct profile *p, struct ike_policy *pol)
{
	struct profile_report rep = { .n = 0 };

	profile_conn_apply(p, pol, NULL, PROFILE_STAGE_FORCED, &rep);
	for (size_t i = 0; i < rep.n; i++)
		fprintf(stderr, "vpnlab peer: %s\n", rep.line[i]);
}

int cmd_peer(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "local", required_argument, NULL, 'l' }, { "remote", required_argument, NULL, 'r' },
		{ "psk", required_argument, NULL, 'k' }, { "local-id", required_argument, NULL, 'I' },
		{ "remote-id", required_argument, NULL, 'R' }, { "ike", required_argument, NULL, 'i' },
		{ "esp", required_argument, NULL, 'e' }, { "local-ts", required_argument, NULL, 't' },
		{ "remote-ts", required_argument, NULL, 'T' },
		{ "ike-lifetime", required_argument, NULL, 'L' },
		{ "esp-lifetime", required_argument, NULL, 'E' }, { "dpd", required_argument, NULL, 'd' },
		{ "initiate", no_argument, NULL, 'a' }, { "once", no_argument, NULL, 'o' },
		{ "timeout", required_argument, NULL, 'w' }, { "keys", required_argument, NULL, 'K' },
		{ "json", no_argument, NULL, 'j' }, { "seed", required_argument, NULL, 's' },
		{ "force-encap", no_argument, NULL, 'f' }, { "verbose", no_argument, NULL, 'v' },
		{ "profile", required_argument, NULL, 'P' },
		{ "tunnel", required_argument, NULL, 'U' },
		{ "tunnel-mtu", required_argument, NULL, 'M' },
		{ "no-offload", no_argument, NULL, 'O' },
		{ "responder-lifetime", no_argument, NULL, 'Q' },
		{ "natt-keepalive", required_argument, NULL, 'N' },
		{ "repeat", required_argument, NULL, 'n' },
		{ "esp-lifebytes", required_argument, NULL, 'B' },
		{ "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 },
	};
	struct peer_run *r = calloc(1, sizeof *r);
	const struct profile *prof = NULL;
	bool ike_given = false, esp_given = false;
	const char *ike = "aes128-sha1-modp1536", *esp = "aes128-sha1-modp1536";
	bool have_local = false, have_remote = false, have_psk = false;
	lab_ns timeout = 0;
	uint64_t seed = 0;
	const char *tunnel = NULL;
	int tunnel_mtu = 0;
	bool no_offload = false;
	char err[256];
	int c, code = EXIT_USAGE;

	if (!r)
		return EXIT_ENV;
	r->fd500 = r->fd4500 = -1;
	r->exit_code = -1;
	r->pol.local_ts.family = r->pol.remote_ts.family = AF_INET;
	r->pol.initial_contact = true;
	r->pol.send_dpd_vid = true;
	r->pol.send_natt_vid = true;
	r->pol.dpd_needs_peer_vid = true;
	r->pol.unique_on_initial_contact = true;
	r->pol.natt_keepalive = lab_sec(20);    /* strongSwan's charon.keep_alive */
	snprintf(r->pol.name, sizeof r->pol.name, "vpnlab-peer");
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec << 20 ^ (uint64_t)getpid();
	}
	if (peer_profile_defaults(argc, argv, &r->pol, &prof))
		goto out;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'P': break;        /* applied by peer_profile_defaults */
		case 'l': if (parse_endpoint("--local", optarg, &r->pol.local)) goto out; have_local = true; break;
		case 'r': if (parse_endpoint("--remote", optarg, &r->pol.remote)) goto out; have_remote = true; break;
		case 'k':
			if (strlen(optarg) == 0 || strlen(optarg) > sizeof r->pol.psk) {
				fprintf(stderr, "vpnlab peer: --psk: 1 to %zu bytes\n", sizeof r->pol.psk);
				goto out;
			}
			r->pol.psk_len = strlen(optarg);
			memcpy(r->pol.psk, optarg, r->pol.psk_len);
			have_psk = true;
			break;
		case 'I':
			if (parse_id("--local-id", optarg, &r->pol.local_id_type, r->pol.local_id,
			             &r->pol.local_id_len))
				goto out;
			break;
		case 'R':
			if (parse_id("--remote-id", optarg, &r->pol.remote_id_type, r->pol.remote_id,
			             &r->pol.remote_id_len))
				goto out;
			break;
		case 'i': ike = optarg; ike_given = true; break;
		case 'e': esp = optarg; esp_given = true; break;
		case 't': if (parse_net("--local-ts", optarg, &r->pol.local_ts)) goto out; break;
		case 'T': if (parse_net("--remote-ts", optarg, &r->pol.remote_ts)) goto out; break;
		case 'L': if (parse_dur("--ike-lifetime", optarg, &r->pol.ike_lifetime)) goto out; break;
		case 'E': if (parse_dur("--esp-lifetime", optarg, &r->pol.esp_lifetime)) goto out; break;
		case 'd':
			if (parse_dur("--dpd", optarg, &r->pol.dpd_delay))
				goto out;
			r->pol.dpd = IKE_DPD_IDLE;
			r->pol.dpd_timeout = 4 * r->pol.dpd_delay;
			break;
		case 'a': r->pol.initiator = true; break;
		case 'o': r->once = true; break;
		case 'w': if (parse_dur("--timeout", optarg, &timeout)) goto out; break;
		case 'K': r->keys_dir = optarg; break;
		case 'j': r->json = true; break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'f': r->pol.force_encap = true; break;
		case 'v': r->verbose = true; break;
		case 'U':
			if (!optarg[0] || strlen(optarg) > 10 || strchr(optarg, '/')) {
				fprintf(stderr, "vpnlab peer: --tunnel: an interface name of 1 to 10 "
				        "characters\n");
				goto out;
			}
			tunnel = optarg;
			break;
		case 'M': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 576 || v > 65535) {
				fprintf(stderr, "vpnlab peer: --tunnel-mtu: 576..65535\n");
				goto out;
			}
			tunnel_mtu = (int)v;
			break;
		}
		case 'O': no_offload = true; break;
		case 'Q': r->pol.send_responder_lifetime = true; break;
		case 'N':
			if (strcmp(optarg, "0") == 0)
				r->pol.natt_keepalive = 0;
			else if (parse_dur("--natt-keepalive", optarg, &r->pol.natt_keepalive))
				goto out;
			break;
		case 'B': {
			char *end;

			r->pol.esp_lifebytes = strtoull(optarg, &end, 10);
			if (*end || r->pol.esp_lifebytes < 1000) {
				fprintf(stderr, "vpnlab peer: --esp-lifebytes: a byte count of at least 1000\n");
				goto out;
			}
			break;
		}
		case 'n': {
			char *end;

			r->repeat_total = strtol(optarg, &end, 10);
			if (*end || r->repeat_total < 1 || r->repeat_total > 1000000) {
				fprintf(stderr, "vpnlab peer: --repeat: a count from 1 to 1000000\n");
				goto out;
			}
			break;
		}
		case 'h': usage(stdout); code = 0; goto out;
		default: usage(stderr); goto out;
		}
	}
	if (!have_local || !have_remote || !have_psk) {
		fprintf(stderr, "vpnlab peer: --local, --remote and --psk are required\n");
		usage(stderr);
		goto out;
	}
	if (optind < argc) {
		fprintf(stderr, "vpnlab peer: unexpected argument '%s'\n", argv[optind]);
		goto out;
	}
	if (r->repeat_total && (!r->pol.initiator || r->once)) {
		fprintf(stderr, "vpnlab peer: --repeat needs --initiate (and no --once)\n");
		goto out;
	}
	/* a profile's own proposals stand unless --ike / --esp replace them */
	if (ike_given || !prof || !r->pol.nike)
		r->pol.nike = ike_props_parse(ike, false, r->pol.ike, IKE_MAX_PROPS, err, sizeof err);
	if (r->pol.nike < 0) {
		fprintf(stderr, "vpnlab peer: --ike: %s\n", err);
		goto out;
	}
	if (esp_given || !prof || !r->pol.nesp)
		r->pol.nesp = ike_props_parse(esp, true, r->pol.esp, IKE_MAX_PROPS, err, sizeof err);
	if (r->pol.nesp < 0) {
		fprintf(stderr, "vpnlab peer: --esp: %s\n", err);
		goto out;
	}
	if (prof)
		peer_profile_forced(prof, &r->pol);
	if (tunnel_mtu && !tunnel) {
		fprintf(stderr, "vpnlab peer: --tunnel-mtu needs --tunnel\n");
		goto out;
	}
	if (no_offload && !tunnel) {
		fprintf(stderr, "vpnlab peer: --no-offload needs --tunnel\n");
		goto out;
	}
	if (tunnel) {
		/* the data plane: hand over to the lab's gateway with one connection */
		struct peer_gateway_opts po = {
			.tunnel = tunnel, .tunnel_mtu = tunnel_mtu, .keys_dir = r->keys_dir,
			.json = r->json, .once = r->once, .verbose = r->verbose,
			.timeout = timeout, .seed = seed, .offload = !no_offload,
		};
		struct gw_config *cfg = calloc(1, sizeof *cfg);

		code = EXIT_ENV;
		if (!cfg)
			goto out;
		gw_dataplane_default(&cfg->dp);
		/* the profile's data plane (tunnel MTU, replay window, ...) under the options */
		if (prof)
			profile_conn_apply(prof, NULL, &cfg->dp, PROFILE_STAGE_DEFAULTS, NULL);
		if (tunnel_mtu)
			cfg->dp.tunnel_mtu = (uint32_t)tunnel_mtu;
		if (prof)
			profile_conn_apply(prof, NULL, &cfg->dp, PROFILE_STAGE_FORCED, NULL);
		po.tunnel_mtu = (int)cfg->dp.tunnel_mtu;
		cfg->nconns = 1;
		snprintf(cfg->conns[0].name, sizeof cfg->conns[0].name, "peer");
		cfg->conns[0].ike = r->pol;
		cfg->conns[0].enabled = true;
		code = peer_gateway_run(cfg, &po);
		gw_config_wipe(cfg);
		free(cfg);
		goto out;
	}
	if (r->keys_dir && mkdir(r->keys_dir, 0755) < 0 && errno != EEXIST) {
		fprintf(stderr, "vpnlab peer: --keys: cannot create %s: %s\n", r->keys_dir,
		        strerror(errno));
		goto out;
	}
	code = EXIT_ENV;
	if (loop_init(&r->loop, LOOP_CLOCK_REAL) < 0) {
		fprintf(stderr, "vpnlab peer: cannot start the event loop\n");
		goto out;
	}
	if ((r->fd500 = bind_udp(&r->pol.local, 500, err, sizeof err)) < 0 ||
	    (r->fd4500 = bind_udp(&r->pol.local, 4500, err, sizeof err)) < 0) {
		fprintf(stderr, "vpnlab peer: %s\n", err);
		goto out_loop;
	}
	drbg_init(&r->drbg, seed);
	if (ike_peer_new(&r->ike, &r->pol, &r->drbg) < 0) {
		fprintf(stderr, "vpnlab peer: cannot create the peer\n");
		goto out_loop;
	}
	loop_watch(&r->loop, r->fd500, EPOLLIN, on_datagram, r);
	loop_watch(&r->loop, r->fd4500, EPOLLIN, on_datagram, r);
	loop_timer_init(&r->timer, on_timer, r);
	loop_timer_init(&r->giveup, on_giveup, r);
	loop_timer_init(&r->linger, on_linger, r);
	if (timeout)
		loop_timer_arm(&r->loop, &r->giveup, timeout);
	if (r->repeat_total) {
		r->pol.initiator = false;       /* each round is started by run_repeat, once */
		r->pol.initial_contact = true;
		ike_peer_free(r->ike);
		if (ike_peer_new(&r->ike, &r->pol, &r->drbg) < 0) {
			fprintf(stderr, "vpnlab peer: cannot create the peer\n");
			goto out_loop;
		}
		run_repeat(r);
	} else {
		if (r->pol.initiator)
			ike_peer_start(r->ike, 0);
		flush(r);
		loop_run(&r->loop, LAB_NEVER, run_done, r);
	}
	if (r->loop.interrupted || r->exit_code < 0)
		r->exit_code = r->once ? 1 : 0;
	if (r->loop.interrupted && r->once)
		snprintf(r->reason, sizeof r->reason, "interrupted");
	/* say goodbye properly: DELETEs for what is up */
	ike_peer_shutdown(r->ike, loop_now(&r->loop));
	flush(r);
	if (r->exit_code && r->reason[0])
		fprintf(stderr, "vpnlab peer: %s\n", r->reason);
	code = r->exit_code;
	ike_peer_free(r->ike);
	drbg_wipe(&r->drbg);
out_loop:
	if (r->fd500 >= 0)
		close(r->fd500);
	if (r->fd4500 >= 0)
		close(r->fd4500);
	loop_fini(&r->loop);
out:
	explicit_bzero(r, sizeof *r);
	free(r);
	return code;
}
