/* Offline capture reading with libpcap, feeding the frame decoder and reassembly. */
#include "captures/pcap_file.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct cap_file {
	pcap_t *pcap;
	char *path;
	int dlt;
	uint64_t number;
	bool classic;             /* pcap (not pcapng): record offsets are known arithmetically */
	long offset;              /* classic: where the next record starts */
	struct ip_reasm *reasm;
	struct cap_frame frame;
	struct cap_frame whole;   /* a reassembled datagram waiting to be handed out */
	bool whole_pending;
	char err[PCAP_ERRBUF_SIZE + 256];
};

int cap_file_open(const char *path, const struct cap_file_opts *opts, struct cap_file **out,
                  char *msg, size_t msglen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct cap_file *cf;
	int rc = -ENOMEM;

	*out = NULL;
	cf = calloc(1, sizeof *cf);
	if (!cf) {
		snprintf(msg, msglen, "%s: out of memory", path);
		goto fail;
	}
	cf->path = strdup(path);
	cf->reasm = ip_reasm_new(opts ? &opts->reasm : NULL);
	if (!cf->path || !cf->reasm) {
		snprintf(msg, msglen, "%s: out of memory", path);
		goto fail;
	}
	/* Nanosecond timestamps whatever the file holds: libpcap scales microseconds up. */
	cf->pcap = pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO,
	                                                   errbuf);
	if (!cf->pcap) {
		rc = -EINVAL;
		snprintf(msg, msglen, "%s: %s", path, errbuf);
		goto fail;
	}
	cf->dlt = pcap_datalink(cf->pcap);
	/* pcapng reads as version 1.0; a classic file is 2.x with a 24-byte file header. */
	cf->classic = pcap_major_version(cf->pcap) == 2;
	cf->offset = 24;
	*out = cf;
	return 0;
fail:
	cap_file_close(cf);
	return rc;
}

int cap_file_next(struct cap_file *cf, const struct cap_frame **out)
{
	struct pcap_pkthdr *ph;
	const u_char *data;
	long where;
	int rc;

	if (cf->whole_pending) {
		cf->whole_pending = false;
		*out = &cf->whole;
		return 1;
	}
	/* Counting record sizes spares a seek system call per frame on classic files. */
	where = cf->classic ? cf->offset : ftell(pcap_file(cf->pcap));
	rc = pcap_next_ex(cf->pcap, &ph, &data);
	if (rc == PCAP_ERROR_BREAK)
		return 0;
	if (rc != 1) {
		/* A record cut short or a corrupt header: libpcap says which. */
		snprintf(cf->err, sizeof cf->err, "%s: frame %llu at byte offset %ld: %s", cf->path,
		         (unsigned long long)cf->number + 1, where, pcap_geterr(cf->pcap));
		return -EIO;
	}
	cf->number++;
	cf->offset += 16 + (long)ph->caplen;
	cap_frame_decode(cf->dlt, data, ph->caplen, ph->len, &cf->frame);
	cf->frame.number = cf->number;
	/* A hostile pcapng can carry any 64-bit time: saturate instead of overflowing. */
	if (ph->ts.tv_sec > INT64_MAX / 1000000000 - 1)
		cf->frame.ts_ns = INT64_MAX;
	else if (ph->ts.tv_sec < INT64_MIN / 1000000000 + 1)
		cf->frame.ts_ns = INT64_MIN;
	else
		cf->frame.ts_ns = (int64_t)ph->ts.tv_sec * 1000000000 + ph->ts.tv_usec;
	if (cf->frame.fragment && cap_frame_reassemble(cf->reasm, &cf->frame, &cf->whole) == 1)
		cf->whole_pending = true;
	*out = &cf->frame;
	return 1;
}

const char *cap_file_error(const struct cap_file *cf)
{
	return cf->err;
}

int cap_file_dlt(const struct cap_file *cf)
{
	return cf->dlt;
}

uint64_t cap_file_frames(const struct cap_file *cf)
{
	return cf->number;
}

struct ip_reasm *cap_file_reasm(struct cap_file *cf)
{
	return cf->reasm;
}

void cap_file_close(struct cap_file *cf)
{
	if (!cf)
		return;
	if (cf->pcap)
		pcap_close(cf->pcap);
	ip_reasm_free(cf->reasm);
	free(cf->path);
	free(cf);
}
