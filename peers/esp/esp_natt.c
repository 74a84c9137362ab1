/* esp_natt.c: RFC 3948 demultiplexing of UDP/4500. */
#include "peers/esp/esp_natt.h"
#include "peers/esp/esp_sa.h"

enum esp_natt_kind esp_natt_classify(const uint8_t *p, size_t len)
{
	if (len == 1 && p[0] == 0xff)
		return ESP_NATT_KEEPALIVE;
	if (len < ESP_NATT_MARKER_LEN)
		return ESP_NATT_INVALID;
	/* A zero SPI is reserved (RFC 4303 2.1), which is what frees it to mark IKE. */
	if (p[0] == 0 && p[1] == 0 && p[2] == 0 && p[3] == 0)
		return ESP_NATT_IKE;
	if (len < ESP_HDR_LEN)
		return ESP_NATT_INVALID;
	return ESP_NATT_ESP;
}

size_t esp_natt_keepalive(uint8_t *buf, size_t cap)
{
	if (cap < 1)
		return 0;
	buf[0] = 0xff;
	return 1;
}

const char *esp_natt_kind_name(enum esp_natt_kind k)
{
	switch (k) {
	case ESP_NATT_INVALID:   return "invalid";
	case ESP_NATT_KEEPALIVE: return "NAT-keepalive";
	case ESP_NATT_IKE:       return "IKE";
	case ESP_NATT_ESP:       return "ESP";
	}
	return "?";
}
