/*
 * gso.c: TCP/IPv4 segments merged into a GSO packet and split out of one (see gso.h).
 */
#include "peers/ip/gso.h"
#include "peers/ip/ip.h"

#include <errno.h>
#include <string.h>

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The pseudo-header sum of an IPv4 header (addresses at 12..19) for TCP of tcp_len bytes. */
static uint32_t pseudo4(const uint8_t *ip, size_t tcp_len)
{
	uint8_t tail[4] = { 0, 6, (uint8_t)(tcp_len >> 8), (uint8_t)tcp_len };

	return ip_csum_add(ip_csum_add(0, ip + 12, 8), tail, sizeof tail);
}

static void ip4_csum_set(uint8_t *ip)
{
	ip[10] = ip[11] = 0;
	put16(ip + 10, (uint16_t)~ip_csum_fold(ip_csum_add(0, ip, 20)));
}

/* A segment a merge may take: its TCP header length (> 0), or 0. */
static size_t mergeable(const uint8_t *d, size_t len)
{
	size_t thl;

	if (len < 40 || d[0] != 0x45 || get16(d + 2) != len || (get16(d + 6) & 0x3fff) ||
	    d[9] != 6)
		return 0;
	thl = (size_t)(d[32] >> 4) * 4;
	if (thl < 20 || 20 + thl >= len || (d[20 + 13] != TCP_ACK &&
	                                    d[20 + 13] != (TCP_ACK | TCP_PSH)) || get16(d + 38))
		return 0;
	/* A field of 0xffff checks only where 0 is what a computation gives (RFC 1624 §3):
	 * the kernel's segmentation would send 0, so such a segment is not merged. */
	if (get16(d + 10) == 0xffff || get16(d + 36) == 0xffff ||
	    ip_csum_fold(ip_csum_add(0, d, 20)) != 0xffff ||
	    ip_csum_fold(ip_csum_add(pseudo4(d, len - 20), d + 20, len - 20)) != 0xffff)
		return 0;
	return thl;
}

size_t gso_tcp4_merge(const struct gso_seg *p, size_t n, size_t max_total, size_t max_segs,
                      struct gso_merge *m)
{
	const uint8_t *h = p[0].data;
	size_t thl, hl, mss, total, k;
	uint32_t seq;

	m->count = 1;
	if (n < 2 || max_segs < 2 || max_total > GSO_MAX_TOTAL)
		return 1;
	thl = mergeable(h, p[0].len);
	if (!thl || h[20 + 13] != TCP_ACK)
		return 1;
	hl = 20 + thl;
	mss = p[0].len - hl;
	total = p[0].len;
	seq = get32(h + 24);
	for (k = 1; k < n && k < max_segs; k++) {
		const uint8_t *d = p[k].data;
		size_t len = p[k].len;

		if (len < hl || len - hl > mss || total + (len - hl) > max_total ||
		    mergeable(d, len) != thl)
			break;
		/* TOS, DF, TTL, protocol, addresses; ports; ACK number; data offset; window;
		 * options: all as in the first */
		if (d[1] != h[1] || d[6] != h[6] || d[8] != h[8] || memcmp(d + 12, h + 12, 8) ||
		    memcmp(d + 20, h + 20, 4) || memcmp(d + 28, h + 28, 5) ||
		    memcmp(d + 34, h + 34, 2) || memcmp(d + 40, h + 40, thl - 20))
			break;
		if (get16(d + 4) != (uint16_t)(get16(h + 4) + k) ||
		    get32(d + 24) != seq + (uint32_t)(total - hl))
			break;
		total += len - hl;
		if (d[20 + 13] & TCP_PSH || len - hl < mss) {
			k++;                    /* it ends the run */
			break;
		}
	}
	if (k < 2)
		return 1;
	m->count = k;
	m->hdr_len = hl;
	m->total = total;
	m->gso_size = (uint16_t)mss;
	m->csum_start = 20;
	m->csum_offset = 16;
	memcpy(m->hdr, h, hl);
	put16(m->hdr + 2, (uint16_t)total);
	ip4_csum_set(m->hdr);
	m->hdr[20 + 13] = p[k - 1].data[20 + 13];
	/* the partial checksum a device completes: the pseudo-header sum, not complemented */
	put16(m->hdr + 20 + 16, ip_csum_fold(pseudo4(m->hdr, total - 20)));
	return k;
}

int gso_tcp4_split_init(struct gso_split *s, uint8_t *pkt, size_t len, size_t gso_size,
                        const char **field)
{
	size_t thl;

	memset(s, 0, sizeof *s);
	*field = NULL;
	if (len < 40 || (pkt[0] >> 4) != 4)
		*field = "ip.version";
	else if ((pkt[0] & 15) != 5)
		*field = "ip.ihl";
	else if (get16(pkt + 2) != len)
		*field = "ip.total_length";
	else if (get16(pkt + 6) & 0x3fff)
		*field = "ip.fragment";
	else if (pkt[9] != 6)
		*field = "ip.protocol";
	if (*field)
		return -EINVAL;
	thl = (size_t)(pkt[32] >> 4) * 4;
	if (thl < 20 || 20 + thl >= len)
		*field = "tcp.data_offset";
	else if (gso_size == 0 || gso_size > GSO_MAX_TOTAL - 20 - thl)
		*field = "gso_size";
	if (*field)
		return -EINVAL;
	s->pkt = pkt;
	s->len = len;
	s->hdr_len = 20 + thl;
	s->mss = gso_size;
	s->off = s->hdr_len;
	s->seq = get32(pkt + 24);
	s->id = get16(pkt + 4);
	s->flags = pkt[20 + 13];
	memcpy(s->hdr, pkt, s->hdr_len);
	return 0;
}

bool gso_tcp4_split_next(struct gso_split *s, uint8_t **seg, size_t *seglen)
{
	size_t chunk, hl = s->hdr_len, tl;
	uint8_t *h;
	bool last;

	if (s->off >= s->len)
		return false;
	chunk = s->len - s->off < s->mss ? s->len - s->off : s->mss;
	last = s->off + chunk == s->len;
	h = s->pkt + s->off - hl;       /* over consumed bytes of the previous segment */
	memcpy(h, s->hdr, hl);
	put16(h + 2, (uint16_t)(hl + chunk));
	put16(h + 4, (uint16_t)(s->id + s->index));
	ip4_csum_set(h);
	put32(h + 24, s->seq + (uint32_t)(s->off - hl));
	h[20 + 13] = s->flags;
	if (s->index)
		h[20 + 13] &= (uint8_t)~TCP_CWR;
	if (!last)
		h[20 + 13] &= (uint8_t)~(TCP_FIN | TCP_PSH);
	tl = hl - 20 + chunk;
	h[20 + 16] = h[20 + 17] = 0;
	put16(h + 20 + 16, (uint16_t)~ip_csum_fold(ip_csum_add(pseudo4(h, tl), h + 20, tl)));
	*seg = h;
	*seglen = hl + chunk;
	s->off += chunk;
	s->index++;
	return true;
}

int gso_csum_complete(uint8_t *pkt, size_t len, size_t start, size_t offset)
{
	uint16_t c;

	if (start >= len || offset > len - start || len - start - offset < 2)
		return -EINVAL;
	c = (uint16_t)~ip_csum_fold(ip_csum_add(0, pkt + start, len - start));
	/* as the kernel's own completion does: a UDP checksum of 0 would mean "none" */
	put16(pkt + start + offset, c ? c : 0xffff);
	return 0;
}
