/*
 * textbuf.c: see textbuf.h.
 */
#include "harness/textbuf.h"

#include <stdarg.h>
#include <stdio.h>

void textbuf_put(struct textbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->full)
		return;
	va_start(ap, fmt);
	n = vsnprintf(o->buf + o->used, o->len - o->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->used) {
		o->full = true;
		return;
	}
	o->used += (size_t)n;
}
