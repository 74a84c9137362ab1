/* esp_table.c: open-addressing hash of inbound SAs keyed by SPI. */
#include "peers/esp/esp_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct esp_table {
	struct esp_sa **slot;
	size_t cap;                     /* power of two */
	size_t count;                   /* live SAs */
	size_t used;                    /* live SAs and tombstones */
	uint64_t counters[ESP_VERDICT_COUNT];
};

#define TOMBSTONE ((struct esp_sa *)&tombstone_)
static const char tombstone_;

static size_t hash_spi(uint32_t spi, size_t cap)
{
	/* SPIs are random on the wire, but a lab may choose 1, 2, 3: mix anyway. */
	return (size_t)((spi * 0x9e3779b1u) >> 7) & (cap - 1);
}

int esp_table_new(struct esp_table **out)
{
	struct esp_table *t = calloc(1, sizeof *t);

	*out = NULL;
	if (!t)
		return -ENOMEM;
	t->cap = 16;
	t->slot = calloc(t->cap, sizeof *t->slot);
	if (!t->slot) {
		free(t);
		return -ENOMEM;
	}
	*out = t;
	return 0;
}

void esp_table_free(struct esp_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i] && t->slot[i] != TOMBSTONE)
			esp_sa_free(t->slot[i]);
	free(t->slot);
	free(t);
}

static size_t find(const struct esp_table *t, uint32_t spi)
{
	size_t i = hash_spi(spi, t->cap);

	for (size_t n = 0; n < t->cap; n++, i = (i + 1) & (t->cap - 1)) {
		if (!t->slot[i])
			break;
		if (t->slot[i] != TOMBSTONE && esp_sa_spi(t->slot[i]) == spi)
			return i;
	}
	return SIZE_MAX;
}

static void insert(struct esp_sa **slot, size_t cap, struct esp_sa *sa)
{
	size_t i = hash_spi(esp_sa_spi(sa), cap);

	while (slot[i])
		i = (i + 1) & (cap - 1);
	slot[i] = sa;
}

static int rehash(struct esp_table *t, size_t cap)
{
	struct esp_sa **slot = calloc(cap, sizeof *slot);

	if (!slot)
		return -ENOMEM;
	for (size_t i = 0; i < t->cap; i++)
		if (t->slot[i] && t->slot[i] != TOMBSTONE)
			insert(slot, cap, t->slot[i]);
	free(t->slot);
	t->slot = slot;
	t->cap = cap;
	t->used = t->count;
	return 0;
}

int esp_table_add(struct esp_table *t, struct esp_sa *sa)
{
	if (!sa || esp_sa_dir(sa) != ESP_DIR_IN)
		return -EINVAL;
	if (find(t, esp_sa_spi(sa)) != SIZE_MAX)
		return -EEXIST;
	/* Rebuild at half full, tombstones counted, so every probe meets an empty slot. */
	if ((t->used + 1) * 2 > t->cap) {
		int rc = rehash(t, (t->count + 1) * 4 > t->cap ? t->cap * 2 : t->cap);

		if (rc < 0)
			return rc;
	}
	insert(t->slot, t->cap, sa);
	t->count++;
	t->used++;
	return 0;
}

int esp_table_del(struct esp_table *t, uint32_t spi)
{
	size_t i = find(t, spi);

	if (i == SIZE_MAX)
		return -ENOENT;
	esp_sa_free(t->slot[i]);
	t->slot[i] = TOMBSTONE;
	t->count--;
	return 0;
}

struct esp_sa *esp_table_lookup(const struct esp_table *t, uint32_t spi)
{
	size_t i = find(t, spi);

	return i == SIZE_MAX ? NULL : t->slot[i];
}

size_t esp_table_count(const struct esp_table *t)
{
	return t->count;
}

enum esp_verdict esp_table_input(struct esp_table *t, const uint8_t *pkt, size_t len,
                                 uint8_t *out, size_t cap, struct esp_in_result *res,
                                 struct esp_sa **sa_out)
{
	struct esp_sa *sa = NULL;
	enum esp_verdict v;

	memset(res, 0, sizeof *res);
	if (len < ESP_HDR_LEN) {
		snprintf(res->msg, sizeof res->msg, "ESP length %zu < 8 (SPI, sequence number)", len);
		v = ESP_E_SHORT;
		goto out;
	}
	res->spi = (uint32_t)pkt[0] << 24 | (uint32_t)pkt[1] << 16 | (uint32_t)pkt[2] << 8 | pkt[3];
	res->seq = (uint32_t)pkt[4] << 24 | (uint32_t)pkt[5] << 16 | (uint32_t)pkt[6] << 8 | pkt[7];
	sa = esp_table_lookup(t, res->spi);
	if (!sa) {
		snprintf(res->msg, sizeof res->msg, "SPI at offset 0: 0x%08x has no inbound SA",
		         res->spi);
		v = ESP_E_UNKNOWN_SPI;
		goto out;
	}
	v = esp_sa_decrypt(sa, pkt, len, out, cap, res);
out:
	t->counters[v]++;
	if (sa_out)
		*sa_out = sa;
	return v;
}

const uint64_t *esp_table_counters(const struct esp_table *t)
{
	return t->counters;
}
