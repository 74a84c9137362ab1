/*
 * capture.c: libpcap live capture into pcap files stamped with lab time (see capture.h).
 */
#include "harness/capture.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <sys/epoll.h>

#include "harness/netns.h"

#define CAPTURE_SNAPLEN 65535

struct capture {
	pcap_t *pc;
	pcap_dumper_t *dump;
	struct loop *loop;
	int fd;
	int64_t epoch_us;
	int64_t last_us;
	uint64_t frames;
	uint64_t drops;
	char path[512];
};

static void on_frame(u_char *user, const struct pcap_pkthdr *h, const u_char *bytes)
{
	struct capture *c = (struct capture *)user;
	struct pcap_pkthdr out = *h;
	int64_t us = c->epoch_us + loop_now(c->loop) / LAB_NS_PER_US;

	if (us <= c->last_us)
		us = c->last_us + 1;
	c->last_us = us;
	out.ts.tv_sec = (time_t)(us / 1000000);
	out.ts.tv_usec = (suseconds_t)(us % 1000000);
	pcap_dump((u_char *)c->dump, &out, bytes);
	c->frames++;
}

void capture_drain(struct capture *c)
{
	int n;

	do
		n = pcap_dispatch(c->pc, -1, on_frame, (u_char *)c);
	while (n > 0);
	/* n == -1 with ENETDOWN while a link step holds the interface down: the socket
	 * resumes when it comes back up, so this is not an error. */
}

static void on_readable(void *ctx, int fd, uint32_t events)
{
	(void)fd;
	(void)events;
	capture_drain(ctx);
}

int capture_open(struct capture **out, struct loop *loop, int nsfd, const char *ifname,
                 const char *path, int64_t epoch_us, int ring_bytes, char *msg, size_t msglen)
{
	char errbuf[PCAP_ERRBUF_SIZE] = "";
	struct capture *c = calloc(1, sizeof *c);
	int err, rc;

	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->epoch_us = epoch_us;
	c->last_us = INT64_MIN;
	c->fd = -1;
	snprintf(c->path, sizeof c->path, "%s", path);

	err = netns_enter(nsfd);
	if (err) {
		snprintf(msg, msglen, "capture %s: cannot enter namespace: %s", ifname, strerror(-err));
		goto fail;
	}
	c->pc = pcap_create(ifname, errbuf);
	if (c->pc) {
		pcap_set_snaplen(c->pc, CAPTURE_SNAPLEN);
		pcap_set_immediate_mode(c->pc, 1);
		pcap_set_buffer_size(c->pc, ring_bytes);
		pcap_set_promisc(c->pc, 0);
		rc = pcap_activate(c->pc);
		if (rc < 0) {
			snprintf(errbuf, sizeof errbuf, "%s", pcap_geterr(c->pc));
			pcap_close(c->pc);
			c->pc = NULL;
		}
	}
	netns_leave();
	if (!c->pc) {
		snprintf(msg, msglen, "capture %s: %s", ifname, errbuf);
		err = -EIO;
		goto fail;
	}
	if (pcap_setnonblock(c->pc, 1, errbuf) < 0) {
		snprintf(msg, msglen, "capture %s: %s", ifname, errbuf);
		err = -EIO;
		goto fail;
	}
	c->dump = pcap_dump_open(c->pc, path);
	if (!c->dump) {
		snprintf(msg, msglen, "capture %s: cannot write %s: %s", ifname, path,
		         pcap_geterr(c->pc));
		err = -EIO;
		goto fail;
	}
	c->fd = pcap_get_selectable_fd(c->pc);
	err = loop_watch(loop, c->fd, EPOLLIN, on_readable, c);
	if (err) {
		snprintf(msg, msglen, "capture %s: cannot watch fd: %s", ifname, strerror(-err));
		goto fail;
	}
	*out = c;
	return 0;
fail:
	if (c->dump)
		pcap_dump_close(c->dump);
	if (c->pc)
		pcap_close(c->pc);
	free(c);
	return err;
}

uint64_t capture_frames(const struct capture *c)
{
	return c->frames;
}

const char *capture_path(const struct capture *c)
{
	return c->path;
}

void capture_close(struct capture *c, uint64_t *frames, uint64_t *drops)
{
	struct pcap_stat st;

	if (!c)
		return;
	capture_drain(c);
	if (pcap_stats(c->pc, &st) == 0)
		c->drops = st.ps_drop;
	if (frames)
		*frames = c->frames;
	if (drops)
		*drops = c->drops;
	loop_unwatch(c->loop, c->fd);
	pcap_dump_close(c->dump);
	pcap_close(c->pc);
	free(c);
}
