/*
 * scenario_parse.c: the value parsers shared by the scenario loader and the command line:
 * durations, sizes, prefixes. Pure functions: text in, value or error out.
 */
#include "harness/scenario.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

/*
 * Durations: one or more NUMBER UNIT groups with units in strictly decreasing order
 * ("1h30m", not "30m1h" nor "1m1m"), so that a value reads one way only. No bare numbers.
 */
static const struct {
	const char *unit;
	lab_ns ns;
} duration_units[] = {
	/* Longest first so that "ms" is not read as "m" followed by "s". */
	{ "us", 1000LL },
	{ "ms", 1000LL * 1000 },
	{ "d", 86400LL * 1000 * 1000 * 1000 },
	{ "h", 3600LL * 1000 * 1000 * 1000 },
	{ "m", 60LL * 1000 * 1000 * 1000 },
	{ "s", 1000LL * 1000 * 1000 },
};

int sc_parse_duration(const char *text, lab_ns *out)
{
	lab_ns total = 0, last_unit = INT64_MAX;
	const char *p = text;

	if (!*p)
		return -EINVAL;
	while (*p) {
		uint64_t v = 0;
		lab_ns unit = 0;
		size_t digits = 0;

		while (*p >= '0' && *p <= '9') {
			if (v > (UINT64_MAX - 9) / 10)
				return -ERANGE;
			v = v * 10 + (uint64_t)(*p++ - '0');
			digits++;
		}
		if (!digits)
			return -EINVAL;
		for (size_t i = 0; i < sizeof duration_units / sizeof duration_units[0]; i++) {
			size_t ul = strlen(duration_units[i].unit);

			if (!strncmp(p, duration_units[i].unit, ul)) {
				unit = duration_units[i].ns;
				p += ul;
				break;
			}
		}
		if (!unit || unit >= last_unit)
			return -EINVAL;
		last_unit = unit;
		if (v > (uint64_t)(INT64_MAX / unit) || (lab_ns)v * unit > INT64_MAX - total)
			return -ERANGE;
		total += (lab_ns)v * unit;
	}
	*out = total;
	return 0;
}

/* Sizes: DIGITS[.DIGITS][UNIT]; the result must be a whole number of bytes. */
static const struct {
	const char *unit;
	uint64_t mult;
} size_units[] = {
	{ "KiB", 1ULL << 10 }, { "MiB", 1ULL << 20 }, { "GiB", 1ULL << 30 },
	{ "KB", 1000ULL }, { "MB", 1000ULL * 1000 }, { "GB", 1000ULL * 1000 * 1000 },
};

int sc_parse_size(const char *text, uint64_t *out)
{
	const char *p = text;
	uint64_t whole = 0, frac = 0, frac_div = 1, mult = 1;
	size_t digits = 0, fdigits = 0;

	while (*p >= '0' && *p <= '9') {
		if (whole > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		whole = whole * 10 + (uint64_t)(*p++ - '0');
		digits++;
	}
	if (!digits)
		return -EINVAL;
	if (*p == '.') {
		p++;
		while (*p >= '0' && *p <= '9') {
			if (fdigits == 9)       /* a billionth of a GiB is less than a byte */
				return -EINVAL;
			frac = frac * 10 + (uint64_t)(*p++ - '0');
			frac_div *= 10;
			fdigits++;
		}
		if (!fdigits)
			return -EINVAL;
	}
	if (*p) {
		size_t i, n = sizeof size_units / sizeof size_units[0];

		for (i = 0; i < n; i++)
			if (!strcmp(p, size_units[i].unit))
				break;
		if (i == n)
			return -EINVAL;
		mult = size_units[i].mult;
	}
	/* frac < 10^9 and mult <= 2^30, so frac * mult fits in 64 bits. */
	if ((frac * mult) % frac_div)
		return -EINVAL;
	if (whole > UINT64_MAX / mult || whole * mult > UINT64_MAX - frac * mult / frac_div)
		return -ERANGE;
	*out = whole * mult + frac * mult / frac_div;
	return 0;
}

int sc_parse_prefix(const char *text, struct sc_prefix *out, bool need_len)
{
	char addr[INET6_ADDRSTRLEN];
	const char *slash = strchr(text, '/');
	size_t alen = slash ? (size_t)(slash - text) : strlen(text);
	struct sc_prefix p = { 0 };
	int max;

	if (alen == 0 || alen >= sizeof addr)
		return -EINVAL;
	memcpy(addr, text, alen);
	addr[alen] = 0;
	if (inet_pton(AF_INET, addr, p.addr) == 1) {
		p.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, p.addr) == 1) {
		p.family = AF_INET6;
		max = 128;
	} else {
		return -EINVAL;
	}
	p.len = max;
	if (slash) {
		const char *l = slash + 1;
		int v = 0;

		if (!*l || (l[0] == '0' && l[1]))       /* no "/", no "/024" */
			return -EINVAL;
		for (; *l; l++) {
			if (*l < '0' || *l > '9')
				return -EINVAL;
			v = v * 10 + (*l - '0');
			if (v > max)
				return -EINVAL;
		}
		p.len = v;
	} else if (need_len) {
		return -EINVAL;
	}
	*out = p;
	return 0;
}

void sc_format_prefix(const struct sc_prefix *p, bool with_len, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (!len)
		return;
	if (!inet_ntop(p->family, p->addr, a, sizeof a)) {
		snprintf(buf, len, "?");
		return;
	}
	if (with_len)
		snprintf(buf, len, "%s/%d", a, p->len);
	else
		snprintf(buf, len, "%s", a);
}
