/* `vpnlab inspect`: read captures into the trace model and print every event as it happens,
 * then one summary per ESP SPI and per inner flow, then the table of IKE SAs and CHILD_SAs. */
#include "harness/cmd_inspect.h"

#include "captures/keys.h"
#include "captures/sa_table.h"
#include "captures/trace.h"
#include "harness/cli.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct out {
	const struct trace *t;
	struct sa_table *sa;
	bool json;
	bool ike_msgs;
};

static void usage(FILE *f)
{
	fputs("usage: vpnlab inspect FILE.pcap... [--keys DIR|FILE]... [--json]\n"
	      "\n"
	      "Print a timeline of every IKE and ESP event in the captures (several captures are\n"
	      "merged by timestamp): ISAKMP messages, proposals offered and selected, notifies\n"
	      "(DPD with sequence numbers, lifetimes), deletes, NAT-T float, IKE SA and CHILD_SA\n"
	      "up/rekey/down, the first packet on each SPI, sequence gaps, replays and restarts,\n"
	      "fragments, ICMP errors, TCP MSS, the first packet of each flow in the clear, and\n"
	      "with keys the decrypted exchanges and inner flows. Malformed frames are reported\n"
	      "with frame number and offset.\n"
	      "\n"
	      "  --keys PATH   Wireshark's ikev1_decryption_table and/or esp_sa file, or a\n"
	      "                directory holding them (as vpnlab peer --keys and strongSwan's\n"
	      "                save-keys plugin write them); may be repeated\n"
	      "  --json        one JSON object per event line\n", f);
}

static void print_ev(void *arg, const struct trace_ev *ev)
{
	struct out *o = arg;
	char line[1400];

	sa_table_event(o->sa, ev);
	if (o->json)
		trace_ev_json(o->t, ev, line, sizeof line);
	else
		trace_ev_format(o->t, ev, line, sizeof line);
	puts(line);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');
	return s ? s + 1 : p;
}

static void summary(const struct trace *t, bool json)
{
	size_t n, m;
	const struct trace_esp *e = trace_esp_flows(t, &n);
	const struct trace_inner *in = trace_inner_flows(t, &m);
	char s[48], d[48];

	for (size_t i = 0; i < n; i++) {
		ip_addr_format(&e[i].src, s, sizeof s);
		ip_addr_format(&e[i].dst, d, sizeof d);
		if (json)
			printf("{\"event\": \"esp_summary\", \"file\": \"%s\", \"spi\": \"%08" PRIx32
			       "\", \"src\": \"%s\", \"dst\": \"%s\", \"udp\": %s, \"packets\": %" PRIu64
			       ", \"decrypted\": %" PRIu64 ", \"bad\": %" PRIu64 ", \"gaps\": %" PRIu64
			       ", \"missing\": %" PRIu64 ", \"replays\": %" PRIu64 ", \"restarts\": %"
			       PRIu64 ", \"first_frame\": %" PRIu64 ", \"last_frame\": %" PRIu64
			       ", \"first_seq\": %" PRIu32 ", \"max_seq\": %" PRIu32 "}\n",
			       trace_file_name(t, e[i].file), e[i].spi, s, d, e[i].udp ? "true" : "false",
			       e[i].packets, e[i].decrypted, e[i].bad, e[i].gaps, e[i].missing,
			       e[i].replays, e[i].restarts, e[i].first_frame, e[i].last_frame,
			       e[i].first_seq, e[i].max_seq);
		else
			printf("summary %s SPI %08" PRIx32 " %s -> %s%s: %" PRIu64 " packets (frames %"
			       PRIu64 "-%" PRIu64 ", seq %" PRIu32 "-%" PRIu32 "), %" PRIu64 " decrypted, %"
			       PRIu64 " bad, %" PRIu64 " gaps (%" PRIu64 " missing), %" PRIu64
			       " replays, %" PRIu64 " restarts\n", base_name(trace_file_name(t, e[i].file)),
			       e[i].spi, s, d, e[i].udp ? " udp" : "", e[i].packets, e[i].first_frame,
			       e[i].last_frame, e[i].first_seq, e[i].max_seq, e[i].decrypted, e[i].bad,
			       e[i].gaps, e[i].missing, e[i].replays, e[i].restarts);
	}
	for (size_t i = 0; i < m; i++) {
		ip_addr_format(&in[i].src, s, sizeof s);
		ip_addr_format(&in[i].dst, d, sizeof d);
		if (json)
			printf("{\"event\": \"inner_summary\", \"file\": \"%s\", \"spi\": \"%08" PRIx32
			       "\", \"proto\": %u, \"src\": \"%s\", \"dst\": \"%s\", \"sport\": %u, "
			       "\"dport\": %u, \"packets\": %" PRIu64 ", \"gaps\": %" PRIu64 "}\n",
			       trace_file_name(t, in[i].file), in[i].spi, in[i].proto, s, d, in[i].sport,
			       in[i].dport, in[i].packets, in[i].gaps);
		else
			printf("summary %s inner proto %u %s -> %s (%u/%u): %" PRIu64 " packets (frames %"
			       PRIu64 "-%" PRIu64 "), %" PRIu64 " gaps\n",
			       base_name(trace_file_name(t, in[i].file)), in[i].proto, s, d, in[i].sport,
			       in[i].dport, in[i].packets, in[i].first_frame, in[i].last_frame,
			       in[i].gaps);
	}
	if (trace_events_dropped(t))
		printf(json ? "{\"event\": \"log_cut\", \"dropped\": %" PRIu64 "}\n" :
		       "note: %" PRIu64 " events printed but not kept for checks (log full)\n",
		       trace_events_dropped(t));
}

int cmd_inspect(int argc, char **argv)
{
	const char **files = calloc((size_t)argc, sizeof *files);
	struct cap_keys *keys = NULL;
	struct out o = { 0 };
	struct trace *t = NULL;
	char msg[512];
	size_t nfiles = 0;
	int rc = EXIT_USAGE;

	if (!files)
		return EXIT_ENV;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			usage(stdout);
			rc = 0;
			goto out;
		} else if (!strcmp(argv[i], "--json")) {
			o.json = true;
		} else if (!strcmp(argv[i], "--keys")) {
			if (i + 1 >= argc) {
				fprintf(stderr, "vpnlab inspect: --keys needs a file or directory\n");
				goto out;
			}
			if (!keys && !(keys = cap_keys_new())) {
				rc = EXIT_ENV;
				goto out;
			}
			if (cap_keys_load(keys, argv[++i], msg, sizeof msg)) {
				fprintf(stderr, "vpnlab inspect: %s\n", msg);
				goto out;
			}
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vpnlab inspect: unknown option '%s'\n", argv[i]);
			usage(stderr);
			goto out;
		} else {
			files[nfiles++] = argv[i];
		}
	}
	if (!nfiles) {
		usage(stderr);
		goto out;
	}
	t = trace_new(keys);
	o.sa = sa_table_new();
	if (!t || !o.sa) {
		rc = EXIT_ENV;
		goto out;
	}
	o.t = t;
	trace_set_callback(t, print_ev, &o);
	trace_keep_log(t, false);           /* printed as they come: nothing to judge later */
	if (trace_read(t, files, nfiles, msg, sizeof msg)) {
		fprintf(stderr, "vpnlab inspect: %s\n", msg);
		goto out;
	}
	summary(t, o.json);
	sa_table_print(o.sa, t, o.json, stdout);
	rc = 0;
out:
	sa_table_free(o.sa);
	trace_free(t);
	cap_keys_free(keys);
	free(files);
	return rc;
}
