/*
 * Fuzz the whole trace pipeline: the input is a capture file (pcap or pcapng) read through
 * libpcap, the frame decoder, reassembly, the ISAKMP codec, IKE decryption (with the real
 * strongSwan fixture's keys, so mutated encrypted messages reach the decrypted-payload
 * parsers), ESP decryption and the inner-packet decoder, then every event is formatted.
 * Seeds: the real strongSwan capture and the synthetic Ethernet one, found from the binary's
 * place (build/../tests/fixtures/pcap, or build/asan/../../tests/fixtures/pcap).
 */
#include "tests/fuzz/fuzz.h"
#include "captures/keys.h"
#include "captures/trace.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static struct cap_keys *keys;
static char fixdir[PATH_MAX];

static void find_fixtures(void)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
	char *slash;

	if (n <= 0)
		return;
	exe[n] = 0;
	slash = strrchr(exe, '/');
	if (!slash)
		return;
	*slash = 0;
	static const char *const up[2] = { "/..", "/../.." };
	for (int i = 0; i < 2; i++) {
		char probe[PATH_MAX + 64];
		snprintf(fixdir, sizeof fixdir, "%.*s%s/tests/fixtures/pcap",
		         (int)(sizeof fixdir - 40), exe, up[i]);
		snprintf(probe, sizeof probe, "%s/strongswan_ikev1.pcap", fixdir);
		if (!access(probe, R_OK))
			return;
	}
}

static void sink_event(void *arg, const struct trace_ev *ev)
{
	const struct trace *t = arg;
	char line[1400];

	trace_ev_format(t, ev, line, sizeof line);
	trace_ev_json(t, ev, line, sizeof line);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64], msg[512];
	int fd;

	if (!keys) {
		char kp[PATH_MAX + 32];
		if (!fixdir[0])
			find_fixtures();
		keys = cap_keys_new();
		snprintf(kp, sizeof kp, "%s/strongswan_ikev1.keys", fixdir);
		if (keys && cap_keys_load(keys, kp, msg, sizeof msg))
			fprintf(stderr, "fuzz_trace: running without keys: %s\n", msg);
	}
	fd = memfd_create("fuzz_trace", 0);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	struct trace *t = trace_new(keys);
	if (t) {
		const char *p[1] = { path };
		trace_set_callback(t, sink_event, t);
		trace_read(t, p, 1, msg, sizeof msg);
		trace_free(t);
	}
	close(fd);
	return 0;
}

static uint8_t *slurp(const char *name, size_t *len)
{
	char p[PATH_MAX + 64];
	FILE *f;
	uint8_t *b = NULL;
	long n;

	snprintf(p, sizeof p, "%s/%s", fixdir, name);
	f = fopen(p, "rb");
	if (!f)
		return NULL;
	if (!fseek(f, 0, SEEK_END) && (n = ftell(f)) > 0 && !fseek(f, 0, SEEK_SET) &&
	    (b = malloc((size_t)n)) && fread(b, 1, (size_t)n, f) == (size_t)n) {
		*len = (size_t)n;
	} else {
		free(b);
		b = NULL;
	}
	fclose(f);
	return b;
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct fuzz_seed seeds[2];
	static size_t ns;
	static const char *const names[2] = { "strongswan_ikev1.pcap", "eth_ike.pcapng" };

	if (!ns) {
		find_fixtures();
		for (size_t i = 0; i < 2; i++) {
			size_t len = 0;
			uint8_t *b = slurp(names[i], &len);
			if (b) {
				seeds[ns].data = b;
				seeds[ns++].len = len;
			}
		}
	}
	*n = ns;
	return seeds;
}
