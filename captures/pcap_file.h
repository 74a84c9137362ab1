/*
 * pcap_file.h: read a capture file (pcap, or pcapng where libpcap reads it) frame by frame,
 * decoded, with IP fragments reassembled. Streaming: memory stays flat in the capture's size
 * (one frame buffer in libpcap, the bounded reassembly state) and no allocation per frame.
 *
 *   struct cap_file *cf;
 *   const struct cap_frame *f;
 *   if (cap_file_open(path, NULL, &cf, msg, sizeof msg)) ... report msg ...
 *   while ((rc = cap_file_next(cf, &f)) > 0) ... f->number, f->app, f->isakmp ...
 *   if (rc < 0) ... cap_file_error(cf): the cut or corrupt record and its byte offset ...
 *   cap_file_close(cf);
 */
#ifndef VPNLAB_CAPTURES_PCAP_FILE_H
#define VPNLAB_CAPTURES_PCAP_FILE_H

#include "captures/frame.h"

#include <stddef.h>

struct cap_file_opts {
	struct ip_reasm_config reasm;   /* caps, timeout (capture time) and the drop callback */
};

struct cap_file;

/*
 * Open path; opts may be NULL for the defaults. Returns 0, or -errno with a message naming
 * the file in msg (msglen bytes). Caller closes with cap_file_close.
 */
int cap_file_open(const char *path, const struct cap_file_opts *opts, struct cap_file **out,
                  char *msg, size_t msglen);

/*
 * The next decoded frame (borrowed until the next call). A frame that completes a fragmented
 * datagram is followed by one more cap_frame with reassembled set and the same number.
 * Returns 1 for a frame (a malformed one has f->err set: decoding goes on), 0 at the end,
 * -EIO when the file itself is cut or corrupt (cap_file_error says where).
 */
int cap_file_next(struct cap_file *cf, const struct cap_frame **f);

/* The file-level error message, "" if none (borrowed). */
const char *cap_file_error(const struct cap_file *cf);

/* The capture's link type (CAP_DLT_*) and the frames read so far. */
int cap_file_dlt(const struct cap_file *cf);
uint64_t cap_file_frames(const struct cap_file *cf);

/* The reassembly state, e.g. to flush (ip_reasm_expire) at the end (borrowed). */
struct ip_reasm *cap_file_reasm(struct cap_file *cf);

void cap_file_close(struct cap_file *cf);

#endif
