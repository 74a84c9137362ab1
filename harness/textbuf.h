/*
 * textbuf.h: text rendered into a caller's fixed buffer, piece by piece (nftables scripts).
 *
 * The buffer belongs to the caller. A piece that does not fit sets `full` and nothing more is
 * written, so a renderer checks once at the end and answers -ENOSPC; what is in buf up to
 * `used` is always NUL-terminated when len > 0.
 */
#ifndef VPNLAB_HARNESS_TEXTBUF_H
#define VPNLAB_HARNESS_TEXTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *buf;
	size_t len, used;
	bool full;
};

void textbuf_put(struct textbuf *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
