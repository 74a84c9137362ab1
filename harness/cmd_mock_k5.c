/*
 * cmd_mock_k5.c: `vpnlab mock k5 --listen ADDR:PORT [--state FILE] [--seed N] [--region ID]
 * [--upstream] [--active-delay SEC]`.
 *
 * Standalone, there is no lab: the lab clock is the wall clock since start (CLOCK_MONOTONIC),
 * the epoch is the wall time at start, and site connections only record their intent. One
 * poll loop over the HTTP server's fd and a signalfd; SIGINT / SIGTERM save the state (with
 * --state) and exit 0.
 */
#include "harness/cmd_mock_k5.h"

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
#include "mocks/k5.h"

struct mock_clock {
	struct timespec start;
};

static lab_ns mono_since(void *ctx)
{
	struct mock_clock *c = ctx;
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - c->start.tv_sec) * LAB_NS_PER_SEC + (now.tv_nsec - c->start.tv_nsec);
}

/* Status transitions on stderr, stamped with seconds since start. */
static void log_line(void *ctx, const char *line)
{
	fprintf(stderr, "[%9.3f] %s\n", (double)mono_since(ctx) / LAB_NS_PER_SEC, line);
}

static void usage(FILE *f)
{
	fputs("usage: vpnlab mock k5 --listen ADDR:PORT [--state FILE] [--seed N] [--region ID]\n"
	      "                      [--upstream] [--active-delay SEC]\n"
	      "\n"
	      "Serve a mock Fujitsu K5 API (Keystone v3 at /v3, Neutron v2.0 with VPNaaS and\n"
	      "FWaaS at /v2.0) for scripts, the OpenStack CLI and other tools.\n"
	      "\n"
	      "  --listen ADDR:PORT  address to serve on, e.g. 127.0.0.1:5000 or [::1]:5000\n"
	      "                      (port 0 picks a free port, printed at start)\n"
	      "  --state FILE        load the store from FILE if it exists; save it there on\n"
	      "                      SIGINT / SIGTERM\n"
	      "  --seed N            seed of the ID generator (default 1): same seed, same IDs\n"
	      "  --region ID         region in the catalog (default jp-east-1); AZs are IDa, IDb\n"
	      "  --upstream          upstream neutron-vpnaas validation, without the K5 rules\n"
	      "  --active-delay SEC  seconds before a site connection turns ACTIVE (default 2)\n"
	      "\n"
	      "Point clients at it: OS_AUTH_URL=http://ADDR:PORT/v3. Any user name and password\n"
	      "is accepted. Each connection's resolved configuration is at GET\n"
	      "/vpnlab/v1/intents (vpnlab's own endpoint, not part of the K5 API).\n", f);
}

static int print_bound(int fd, const char *listen)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
		port = ntohs(a->sin6_port);
		printf("vpnlab mock k5: listening on [%s]:%u (asked %s)\n", host, port, listen);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &a->sin_addr, host, sizeof host);
		port = ntohs(a->sin_port);
		printf("vpnlab mock k5: listening on %s:%u (asked %s)\n", host, port, listen);
	}
	fflush(stdout);
	return 0;
}

int cmd_mock_k5(int argc, char **argv)
{
	const char *listen_on = NULL, *state = NULL;
	struct k5_config cfg;
	struct mock_clock clk;
	struct k5_mock *k5 = NULL;
	struct http_server *srv = NULL;
	struct drbg drbg;
	unsigned long long seed = 1;
	char err[512];
	sigset_t sigs;
	int fd, sfd = -1, rc = EXIT_ENV;

	k5_config_default(&cfg);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end;

		if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else if (!strcmp(a, "--upstream")) {
			k5_rules_upstream(&cfg.rules);
			continue;
		}
		if (!v || strncmp(a, "--", 2)) {
			fprintf(stderr, "vpnlab mock k5: %s: %s\n", a,
			        strncmp(a, "--", 2) ? "unexpected argument" : "needs a value");
			usage(stderr);
			return EXIT_USAGE;
		}
		i++;
		if (!strcmp(a, "--listen")) {
			listen_on = v;
		} else if (!strcmp(a, "--state")) {
			state = v;
		} else if (!strcmp(a, "--region")) {
			if (!*v || strlen(v) > 60) {
				fprintf(stderr, "vpnlab mock k5: --region: 1..60 characters\n");
				return EXIT_USAGE;
			}
			cfg.region = v;
		} else if (!strcmp(a, "--seed")) {
			errno = 0;
			seed = strtoull(v, &end, 0);
			if (!*v || *end || errno) {
				fprintf(stderr, "vpnlab mock k5: --seed '%s': not a number\n", v);
				return EXIT_USAGE;
			}
		} else if (!strcmp(a, "--active-delay")) {
			double s = strtod(v, &end);

			if (!*v || *end || s < 0 || s > 86400) {
				fprintf(stderr, "vpnlab mock k5: --active-delay '%s': 0..86400 seconds\n",
				        v);
				return EXIT_USAGE;
			}
			cfg.active_delay = (lab_ns)(s * LAB_NS_PER_SEC);
		} else {
			fprintf(stderr, "vpnlab mock k5: unknown option %s\n", a);
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (!listen_on) {
		fprintf(stderr, "vpnlab mock k5: --listen ADDR:PORT is required\n");
		usage(stderr);
		return EXIT_USAGE;
	}

	clock_gettime(CLOCK_MONOTONIC, &clk.start);
	cfg.epoch_unix = (int64_t)time(NULL);
	cfg.now = mono_since;
	cfg.now_ctx = &clk;
	cfg.log = log_line;
	cfg.log_ctx = &clk;
	drbg_init(&drbg, seed);
	if (k5_mock_new(&k5, &cfg, &drbg)) {
		fprintf(stderr, "vpnlab mock k5: out of memory\n");
		goto out;
	}
	if (state && access(state, F_OK) == 0 && k5_mock_load(k5, state, err, sizeof err)) {
		fprintf(stderr, "vpnlab mock k5: %s\n", err);
		rc = EXIT_USAGE;
		goto out;
	}

	/* signals arrive on a descriptor, so the loop never races a handler */
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGTERM);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	sfd = signalfd(-1, &sigs, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		fprintf(stderr, "vpnlab mock k5: signalfd: %s\n", strerror(errno));
		goto out;
	}
	fd = http_listen(listen_on, err, sizeof err);
	if (fd < 0) {
		fprintf(stderr, "vpnlab mock k5: %s\n", err);
		rc = fd == -EINVAL ? EXIT_USAGE : EXIT_ENV;
		goto out;
	}
	print_bound(fd, listen_on);
	if (http_server_start(&srv, fd, K5_MAX_BODY, k5_mock_handle, k5, err, sizeof err)) {
		fprintf(stderr, "vpnlab mock k5: %s\n", err);
		goto out;
	}
	for (;;) {
		struct pollfd p[2] = { { .fd = http_server_fd(srv), .events = POLLIN },
		                       { .fd = sfd, .events = POLLIN } };
		int64_t t = http_server_timeout_ms(srv);
		struct signalfd_siginfo si;

		if (t < 0 || t > 1000)
			t = 1000;
		if (poll(p, 2, (int)t) < 0 && errno != EINTR) {
			fprintf(stderr, "vpnlab mock k5: poll: %s\n", strerror(errno));
			goto out;
		}
		if (p[1].revents & POLLIN && read(sfd, &si, sizeof si) == (ssize_t)sizeof si) {
			fprintf(stderr, "vpnlab mock k5: signal %u, stopping\n", si.ssi_signo);
			break;
		}
		http_server_run(srv);
	}
	rc = 0;
	if (state && k5_mock_save(k5, state, err, sizeof err)) {
		fprintf(stderr, "vpnlab mock k5: %s\n", err);
		rc = EXIT_ENV;
	} else if (state) {
		fprintf(stderr, "vpnlab mock k5: state saved to %s\n", state);
	}
out:
	http_server_stop(srv);
	k5_mock_free(k5);
	drbg_wipe(&drbg);
	if (sfd >= 0)
		close(sfd);
	return rc;
}
