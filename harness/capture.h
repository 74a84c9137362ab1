/*
 * capture.h: live capture of one link end to a pcap file, with lab-clock timestamps.
 *
 * Each handle is an AF_PACKET socket made inside the node's namespace (libpcap, immediate
 * mode, non-blocking) and watched by the run's loop. It is opened right after the interface
 * is created and before it comes up, so the file holds every frame from the first one.
 * Timestamps are the lab clock plus the run's epoch; within one file they strictly increase
 * (a frame seen at the same lab instant as the previous one is stamped 1 us later), so the
 * same run gives the same timestamps.
 */
#ifndef VPNLAB_HARNESS_CAPTURE_H
#define VPNLAB_HARNESS_CAPTURE_H

#include <stdint.h>

#include "harness/loop.h"

struct capture;

/* Open a capture of ifname inside nsfd, writing to path. epoch_us: the wall-clock time (us
 * since 1970) that lab time 0 stands for; ring_bytes: the kernel ring for this handle. 0 or
 * -errno, msg says why. */
int capture_open(struct capture **out, struct loop *loop, int nsfd, const char *ifname,
                 const char *path, int64_t epoch_us, int ring_bytes, char *msg, size_t msglen);

/* Read everything pending now (also done by the loop). */
void capture_drain(struct capture *c);

uint64_t capture_frames(const struct capture *c);
const char *capture_path(const struct capture *c);

/* Drain, flush and close; NULL is fine. frames / drops (either may be NULL) receive the
 * frames written and those the kernel dropped because the ring was full. */
void capture_close(struct capture *c, uint64_t *frames, uint64_t *drops);

#endif
