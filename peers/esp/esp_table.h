/*
 * esp_table.h: a gateway's inbound SAs by SPI, and the receive entry point.
 *
 * Several SAs may be live at once: during a rekey the old inbound SA keeps accepting until IKE
 * deletes it, while the peer already sends on the new one (RFC 2409 5.5 hand-over).
 */
#ifndef VPNLAB_PEERS_ESP_TABLE_H
#define VPNLAB_PEERS_ESP_TABLE_H

#include "peers/esp/esp_sa.h"

#include <stddef.h>
#include <stdint.h>

struct esp_table;

/* 0 and *out (caller frees with esp_table_free), or -ENOMEM. */
int esp_table_new(struct esp_table **out);

/* Frees the table and every SA still in it. NULL is fine. */
void esp_table_free(struct esp_table *t);

/* Take ownership of an inbound SA. 0, -EEXIST (SPI taken; sa not taken), -EINVAL, -ENOMEM. */
int esp_table_add(struct esp_table *t, struct esp_sa *sa);

/* Remove and free the SA with this SPI. 0 or -ENOENT. */
int esp_table_del(struct esp_table *t, uint32_t spi);

/* Borrowed SA or NULL. */
struct esp_sa *esp_table_lookup(const struct esp_table *t, uint32_t spi);

size_t esp_table_count(const struct esp_table *t);

/*
 * Receive one ESP payload (after the outer IP header, or after UDP and classification for
 * UDP/4500): length check, SPI lookup, then esp_sa_decrypt. Every verdict is counted in the
 * table (esp_table_drops), drops on a known SA also in that SA. *sa_out (may be NULL) gets the
 * SA that matched, borrowed, or NULL.
 */
enum esp_verdict esp_table_input(struct esp_table *t, const uint8_t *pkt, size_t len,
                                 uint8_t *out, size_t cap, struct esp_in_result *res,
                                 struct esp_sa **sa_out);

/* Counts by verdict since creation (ESP_OK counts accepted packets). Borrowed array. */
const uint64_t *esp_table_counters(const struct esp_table *t);

#endif
