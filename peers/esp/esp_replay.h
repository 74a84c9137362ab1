/*
 * esp_replay.h: the ESP anti-replay window (RFC 4303 3.4.3), 32-bit sequence numbers, no ESN.
 *
 * A window of `size` packets ending at the highest sequence number seen so far (`top`):
 * seq in (top - size, top] is checked against a bitmap, seq <= top - size is too old, seq > top
 * slides the window. Check before the ICV (cheap reject), update only after it verifies.
 * The bitmap is a ring of 64-bit blocks (the RFC 6479 layout), so sliding costs at most one
 * pass over the blocks whatever the jump. Size 0 turns the check off.
 *
 * A plain value type: embed it, no allocation, nothing to free.
 */
#ifndef VPNLAB_PEERS_ESP_REPLAY_H
#define VPNLAB_PEERS_ESP_REPLAY_H

#include <stdint.h>

#define ESP_REPLAY_MAX 4096                     /* largest window, in packets */
#define ESP_REPLAY_BLOCKS (ESP_REPLAY_MAX / 64 + 1)

enum esp_replay_verdict {
	ESP_REPLAY_OK,
	ESP_REPLAY_DUPLICATE,   /* inside the window, already received */
	ESP_REPLAY_TOO_OLD,     /* left of the window (or seq 0, never sent without ESN) */
};

struct esp_replay {
	uint32_t size;          /* window in packets; 0 = off */
	uint32_t top;           /* highest verified seq; 0 = none yet */
	uint64_t ring[ESP_REPLAY_BLOCKS];
};

/* Empty window of size packets. 0, or -EINVAL when size > ESP_REPLAY_MAX. */
int esp_replay_init(struct esp_replay *r, uint32_t size);

/* Would seq be accepted? Does not change the window. */
enum esp_replay_verdict esp_replay_check(const struct esp_replay *r, uint32_t seq);

/*
 * Record seq after its ICV verified: slides the window when seq > top. Re-checks, and returns
 * the verdict (the window is unchanged unless it is ESP_REPLAY_OK).
 */
enum esp_replay_verdict esp_replay_update(struct esp_replay *r, uint32_t seq);

const char *esp_replay_verdict_name(enum esp_replay_verdict v);

#endif
