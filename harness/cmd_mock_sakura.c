/*
 * cmd_mock_sakura.c: `vpnlab mock sakura --listen ADDR:PORT [--state FILE] [--seed N]
 * [--stuck-migration] [--token T] [--secret S] [--delay SEC] [--api-prefix P]
 * [--vpnlab-prefix P]`.
 *
 * Standalone there is no lab: the lab clock is CLOCK_MONOTONIC since start, the epoch is the
 * wall time at start, no gateway is attached (peers stay DOWN, logs hold the configuration
 * lines). One poll loop over the HTTP server's fd and a signalfd; it wakes for the mock's next
 * transition too. SIGINT / SIGTERM save the state (with --state) and exit 0.
 */
#include "harness/cmd_mock_sakura.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "harness/cli.h"
#include "mocks/http.h"
#include "mocks/sakura.h"

#define ME "vpnlab mock sakura"

struct mono_clock {
	struct timespec start;
};

static lab_ns mono_now(void *ctx)
{
	const struct mono_clock *c = ctx;
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - c->start.tv_sec) * LAB_NS_PER_SEC + (t.tv_nsec - c->start.tv_nsec);
}

/* Transitions on stderr, stamped with seconds since start. */
static void log_stderr(void *ctx, const char *line)
{
	fprintf(stderr, "[%9.3f] %s\n", (double)mono_now(ctx) / LAB_NS_PER_SEC, line);
}

static void usage(FILE *f)
{
	fputs("usage: vpnlab mock sakura --listen ADDR:PORT [--state FILE] [--seed N]\n"
	      "                          [--stuck-migration] [--token T] [--secret S]\n"
	      "                          [--delay SEC] [--api-prefix P] [--vpnlab-prefix P]\n"
	      "\n"
	      "Serve a mock Sakura Cloud IaaS API 1.1 (VPC router appliances) for scripts,\n"
	      "usacloud and the Terraform provider.\n"
	      "\n"
	      "  --listen ADDR:PORT   address to serve on, e.g. 127.0.0.1:8080 (port 0: any)\n"
	      "  --state FILE         load the store from FILE if it exists; save it there on\n"
	      "                       SIGINT / SIGTERM\n"
	      "  --seed N             seed of the ID generator (default 1): same seed, same IDs\n"
	      "  --stuck-migration    a v1 -> v2 migration leaves the router stuck (no VPN, no\n"
	      "                       logs) until power off, config import, power on\n"
	      "  --token T, --secret S  HTTP Basic credentials (default: SAKURACLOUD_ACCESS_TOKEN\n"
	      "                       and SAKURACLOUD_ACCESS_TOKEN_SECRET, else vpnlab-token /\n"
	      "                       vpnlab-secret)\n"
	      "  --delay SEC          seconds a router spends migrating after create, booting and\n"
	      "                       shutting down (default 2; forced stop a quarter of it)\n"
	      "  --api-prefix P       path before /{zone}/api/cloud/1.1 (default /cloud/zone)\n"
	      "  --vpnlab-prefix P    path of vpnlab's own endpoints (default /_vpnlab/sakura)\n"
	      "\n"
	      "Point clients at it: SAKURACLOUD_API_ROOT_URL=http://ADDR:PORT/cloud/zone.\n"
	      "vpnlab's own endpoints (not Sakura's): POST P/{zone}/appliance/{id}/migrate,\n"
	      "GET .../config/export, PUT .../config/import, PUT .../vpn/reconnect.\n", f);
}

static void print_bound(int fd, const char *api_prefix, const char *asked)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN + 2] = "?", addr[INET6_ADDRSTRLEN] = "";
	unsigned port = 0;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0) {
		if (ss.ss_family == AF_INET6) {
			const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)&ss;

			inet_ntop(AF_INET6, &a->sin6_addr, addr, sizeof addr);
			snprintf(host, sizeof host, "[%s]", addr);
			port = ntohs(a->sin6_port);
		} else {
			const struct sockaddr_in *a = (const struct sockaddr_in *)&ss;

			inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
			port = ntohs(a->sin_port);
		}
	}
	printf(ME ": listening on %s:%u (asked %s)\n", host, port, asked);
	printf("SAKURACLOUD_API_ROOT_URL=http://%s:%u%s\n", host, port, api_prefix);
	fflush(stdout);
}

static int parse_seconds(const char *v, lab_ns *out)
{
	char *end;
	double s = strtod(v, &end);

	if (!*v || *end || s < 0 || s > 3600)
		return -EINVAL;
	*out = (lab_ns)(s * LAB_NS_PER_SEC);
	return 0;
}

int cmd_mock_sakura(int argc, char **argv)
{
	const char *listen_on = NULL, *state = NULL;
	struct sakura_config cfg;
	struct mono_clock clk;
	struct sakura_mock *m = NULL;
	struct http_server *srv = NULL;
	struct drbg drbg;
	unsigned long long seed = 1;
	char err[512];
	sigset_t sigs;
	int fd, sfd = -1, rc = EXIT_ENV;

	sakura_config_default(&cfg);
	if (getenv("SAKURACLOUD_ACCESS_TOKEN") && *getenv("SAKURACLOUD_ACCESS_TOKEN"))
		cfg.token = getenv("SAKURACLOUD_ACCESS_TOKEN");
	if (getenv("SAKURACLOUD_ACCESS_TOKEN_SECRET") && *getenv("SAKURACLOUD_ACCESS_TOKEN_SECRET"))
		cfg.secret = getenv("SAKURACLOUD_ACCESS_TOKEN_SECRET");
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		}
		if (!strcmp(a, "--stuck-migration")) {
			cfg.stuck_migration = true;
			continue;
		}
		if (!v || strncmp(a, "--", 2)) {
			fprintf(stderr, ME ": %s: %s\n", a,
			        strncmp(a, "--", 2) ? "unexpected argument" : "needs a value");
			usage(stderr);
			return EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--listen")) {
			listen_on = v;
		} else if (!strcmp(a, "--state")) {
			state = v;
		} else if (!strcmp(a, "--token")) {
			cfg.token = v;
		} else if (!strcmp(a, "--secret")) {
			cfg.secret = v;
		} else if (!strcmp(a, "--api-prefix")) {
			cfg.api_prefix = v;
		} else if (!strcmp(a, "--vpnlab-prefix")) {
			cfg.vpnlab_prefix = v;
		} else if (!strcmp(a, "--seed")) {
			errno = 0;
			seed = strtoull(v, &end, 0);
			if (!*v || *end || errno) {
				fprintf(stderr, ME ": --seed '%s': not a number\n", v);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--delay")) {
			lab_ns d;

			if (parse_seconds(v, &d)) {
				fprintf(stderr, ME ": --delay '%s': 0..3600 seconds\n", v);
				return EXIT_USAGE;
			}
			cfg.create_delay = cfg.boot_delay = cfg.stop_delay = d;
			cfg.force_stop_delay = d / 4;
			cfg.migrate_delay = d + d / 2;
		} else {
			fprintf(stderr, ME ": unknown option %s\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!listen_on) {
		fprintf(stderr, ME ": --listen ADDR:PORT is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}
	if ((cfg.api_prefix[0] && cfg.api_prefix[0] != '/') || cfg.vpnlab_prefix[0] != '/' ||
	    !strcmp(cfg.api_prefix, cfg.vpnlab_prefix)) {
		fprintf(stderr, ME ": prefixes must start with '/' and differ\n");
		return EXIT_USAGE;
	}

	clock_gettime(CLOCK_MONOTONIC, &clk.start);
	cfg.epoch_unix = (int64_t)time(NULL);
	cfg.now = mono_now;
	cfg.now_ctx = &clk;
	cfg.log = log_stderr;
	cfg.log_ctx = &clk;
	drbg_init(&drbg, seed);
	if (sakura_mock_new(&m, &cfg, &drbg)) {
		fprintf(stderr, ME ": cannot create the mock (bad configuration or no memory)\n");
		goto out;
	}
	if (state && access(state, F_OK) == 0) {
		if (sakura_mock_load(m, state, err, sizeof err)) {
			fprintf(stderr, ME ": %s\n", err);
			rc = EXIT_USAGE;
			goto out;
		}
		fprintf(stderr, ME ": %zu router(s) loaded from %s\n", sakura_mock_count(m), state);
	}

	/* signals arrive on a descriptor, so the loop never races a handler */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, ME ": signalfd: %s\n", strerror(errno));
		goto out;
	}
	fd = http_listen(listen_on, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, ME ": %s\n", err);
		rc = fd == -EINVAL ? EXIT_USAGE : EXIT_ENV;
		goto out;
	}
	print_bound(fd, cfg.api_prefix, listen_on);
	/* the server's 413 limit sits above the mock's own, so oversized bodies get the API's
	 * 400 error JSON */
	if (http_server_start(&srv, fd, 2 * SAKURA_MAX_BODY, sakura_mock_handle, m, err,
	                      sizeof err)) {
		fprintf(stderr, ME ": %s\n", err);
		goto out;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = http_server_fd(srv), .events = POLLIN },
		                       { .fd = sfd, .events = POLLIN } };
		int64_t t = http_server_timeout_ms(srv);
		lab_ns next = sakura_mock_next_deadline(m);
		struct signalfd_siginfo si;

		if (t < 0 || t > 1000)
			t = 1000;
		if (next != LAB_NEVER) {
			lab_ns wait = next - mono_now(&clk);
			int64_t ms = wait <= 0 ? 0 : (wait + LAB_NS_PER_MS - 1) / LAB_NS_PER_MS;

			if (ms < t)
				t = ms;
		}
		if (poll(p, 2, (int)t) < 0 && errno != EINTR) {
			fprintf(stderr, ME ": poll: %s\n", strerror(errno));
			goto out;
		}
		if (p[1].revents & POLLIN && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			fprintf(stderr, ME ": signal %u, stopping\n", si.ssi_signo);
			break;
		}
		http_server_run(srv);
		sakura_mock_advance(m);
	}
	rc = 0;
	if (state && sakura_mock_save(m, state, err, sizeof err)) {
		fprintf(stderr, ME ": %s\n", err);
		rc = EXIT_ENV;
	} else if (state) {
		fprintf(stderr, ME ": state saved to %s\n", state);
	}
out:
	http_server_stop(srv);
	sakura_mock_free(m);
	drbg_wipe(&drbg);
	if (sfd >= 0)
		close(sfd);
	return rc;
}
