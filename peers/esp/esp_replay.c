/* esp_replay.c: the anti-replay bitmap (RFC 4303 3.4.3; ring of blocks as in RFC 6479). */
#include "peers/esp/esp_replay.h"

#include <errno.h>
#include <string.h>

int esp_replay_init(struct esp_replay *r, uint32_t size)
{
	if (size > ESP_REPLAY_MAX)
		return -EINVAL;
	memset(r, 0, sizeof *r);
	r->size = size;
	return 0;
}

static uint64_t *block_of(struct esp_replay *r, uint32_t seq)
{
	return &r->ring[(seq >> 6) % ESP_REPLAY_BLOCKS];
}

static uint64_t bit_of(uint32_t seq)
{
	return 1ull << (seq & 63);
}

enum esp_replay_verdict esp_replay_check(const struct esp_replay *r, uint32_t seq)
{
	if (r->size == 0)
		return ESP_REPLAY_OK;
	/* Without ESN the sender starts at 1 and never wraps (RFC 4303 3.3.3). */
	if (seq == 0)
		return ESP_REPLAY_TOO_OLD;
	if (seq > r->top)
		return ESP_REPLAY_OK;
	if (r->top - seq >= r->size)
		return ESP_REPLAY_TOO_OLD;
	if (r->ring[(seq >> 6) % ESP_REPLAY_BLOCKS] & bit_of(seq))
		return ESP_REPLAY_DUPLICATE;
	return ESP_REPLAY_OK;
}

enum esp_replay_verdict esp_replay_update(struct esp_replay *r, uint32_t seq)
{
	enum esp_replay_verdict v = esp_replay_check(r, seq);

	if (v != ESP_REPLAY_OK || r->size == 0)
		return v;
	if (seq > r->top) {
		/* Clear the blocks the window slides over; a jump past the ring clears it all. */
		uint32_t from = r->top >> 6, to = seq >> 6;
		uint32_t steps = to - from;

		if (steps > ESP_REPLAY_BLOCKS)
			steps = ESP_REPLAY_BLOCKS;
		for (uint32_t i = 1; i <= steps; i++)
			r->ring[(from + i) % ESP_REPLAY_BLOCKS] = 0;
		r->top = seq;
	}
	*block_of(r, seq) |= bit_of(seq);
	return ESP_REPLAY_OK;
}

const char *esp_replay_verdict_name(enum esp_replay_verdict v)
{
	switch (v) {
	case ESP_REPLAY_OK:        return "ok";
	case ESP_REPLAY_DUPLICATE: return "duplicate";
	case ESP_REPLAY_TOO_OLD:   return "too old";
	}
	return "?";
}
