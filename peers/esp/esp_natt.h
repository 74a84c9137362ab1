/*
 * esp_natt.h: UDP encapsulation of ESP (RFC 3948): what arrives on UDP port 4500.
 *
 *   UDP payload, first bytes          meaning (RFC 3948 2.1 - 2.3)
 *   0xFF (exactly one byte)           NAT-keepalive; discard
 *   00 00 00 00 | ISAKMP header ...   IKE behind the non-ESP marker; strip 4 bytes
 *   SPI (non-zero) | seq | ...        ESP
 */
#ifndef VPNLAB_PEERS_ESP_NATT_H
#define VPNLAB_PEERS_ESP_NATT_H

#include <stddef.h>
#include <stdint.h>

#define ESP_NATT_PORT 4500
#define ESP_NATT_MARKER_LEN 4
#define ESP_NATT_UDP_LEN 8      /* UDP header added per packet (research notes section 4) */

enum esp_natt_kind {
	ESP_NATT_INVALID,       /* empty, or too short to be any of the others */
	ESP_NATT_KEEPALIVE,
	ESP_NATT_IKE,           /* payload after the marker: p + 4 */
	ESP_NATT_ESP,
};

/* Classify a UDP/4500 payload (pure). */
enum esp_natt_kind esp_natt_classify(const uint8_t *p, size_t len);

/* Write the NAT-keepalive payload (1 byte 0xFF). Returns its length, or 0 if cap is 0. */
size_t esp_natt_keepalive(uint8_t *buf, size_t cap);

const char *esp_natt_kind_name(enum esp_natt_kind k);

#endif
