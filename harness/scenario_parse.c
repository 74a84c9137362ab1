/*
 * scenario_parse.c: the small parsers of scenario values (durations, sizes, prefixes) and the
 * diagnostics list (see scenario.h).
 */
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

void sc_diags_free(struct sc_diags *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->lines[i]);
	free(d->lines);
	memset(d, 0, sizeof *d);
}

void sc_diags_print(const struct sc_diags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++)
		fprintf(f, "%s\n", d->lines[i]);
}

/* A decimal number with an optional fraction: "12", "1.5". Returns chars used, 0 if none. */
static size_t number(const char *s, double *out)
{
	size_t i = 0;
	double v = 0, scale = 1;
	bool digits = false;

	while (isdigit((unsigned char)s[i])) {
		v = v * 10 + (s[i++] - '0');
		digits = true;
		if (v > 1e18)
			return 0;
	}
	if (s[i] == '.' && isdigit((unsigned char)s[i + 1])) {
		i++;
		while (isdigit((unsigned char)s[i])) {
			scale /= 10;
			v += (s[i++] - '0') * scale;
		}
	}
	if (!digits)
		return 0;
	*out = v;
	return i;
}

int sc_parse_duration(const char *text, lab_ns *out)
{
	static const struct { const char *unit; double ns; } units[] = {
		{ "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 }, { "m", 60e9 }, { "h", 3600e9 },
		{ "d", 86400e9 },
	};
	const char *p = text;
	double total = 0;
	int last = -1;

	if (!*p)
		return -EINVAL;
	while (*p) {
		double v;
		size_t n = number(p, &v), best = 0;
		int which = -1;

		if (!n)
			return -EINVAL;
		p += n;
		for (int u = 0; u < 6; u++) {
			size_t l = strlen(units[u].unit);

			if (!strncmp(p, units[u].unit, l) && l > best &&
			    !(l == 1 && p[0] == 'm' && p[1] == 's')) {
				best = l;
				which = u;
			}
		}
		if (which < 0)
			return -EINVAL;         /* a bare number, or an unknown unit */
		/* "1h30m": larger units first, each at most once */
		if (last >= 0 && which >= last)
			return -EINVAL;
		last = which;
		p += best;
		total += v * units[which].ns;
		if (total > 9.2e18)
			return -ERANGE;
	}
	*out = (lab_ns)(total + 0.5);
	return 0;
}

int sc_parse_size(const char *text, uint64_t *out)
{
	static const struct { const char *unit; double mult; } units[] = {
		{ "KiB", 1024.0 }, { "MiB", 1048576.0 }, { "GiB", 1073741824.0 },
		{ "KB", 1e3 }, { "MB", 1e6 }, { "GB", 1e9 }, { "B", 1 }, { "", 1 },
	};
	double v;
	size_t n = number(text, &v);

	if (!n)
		return -EINVAL;
	for (size_t u = 0; u < sizeof units / sizeof units[0]; u++)
		if (!strcmp(text + n, units[u].unit)) {
			double bytes = v * units[u].mult;

			if (bytes > 1.8e19)
				return -ERANGE;
			if (bytes != (double)(uint64_t)bytes && !units[u].unit[0])
				return -EINVAL; /* "1.5" bytes */
			*out = (uint64_t)(bytes + 0.5);
			return 0;
		}
	return -EINVAL;
}

int sc_parse_prefix(const char *text, struct sc_prefix *out, bool need_len)
{
	char buf[64];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	int max;

	memset(out, 0, sizeof *out);
	if (alen == 0 || alen >= sizeof buf)
		return -EINVAL;
	memcpy(buf, text, alen);
	buf[alen] = 0;
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	out->len = max;
	if (slash) {
		char *end;
		long l;

		if (!isdigit((unsigned char)slash[1]))
			return -EINVAL;
		l = strtol(slash + 1, &end, 10);
		if (*end || l < 0 || l > max)
			return -EINVAL;
		out->len = (int)l;
	} else if (need_len) {
		return -EINVAL;
	}
	return 0;
}

void sc_format_prefix(const struct sc_prefix *p, bool with_len, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == AF_INET6 ? AF_INET6 : AF_INET, p->addr, a, sizeof a);
	if (with_len)
		snprintf(buf, len, "%s/%d", a, p->len);
	else
		snprintf(buf, len, "%s", a);
}
