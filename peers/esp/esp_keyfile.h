/*
 * esp_keyfile.h: Wireshark's esp_sa UAT line for one SA, so captures open decrypted.
 *
 *   "IPv4","192.0.2.1","192.0.2.2","0xea30623f","AES-CBC [RFC3602]","0x<enc key>",
 *   "HMAC-SHA-1-96 [RFC2404]","0x<integ key>"
 *
 * (one line, eight quoted fields: Protocol, Src IP, Dest IP, SPI, Encryption, Encryption Key,
 * Authentication, Authentication Key; accepted by tshark 4.0, research notes section 7).
 * Src and Dest are the outer addresses of the SA's direction of traffic.
 */
#ifndef VPNLAB_PEERS_ESP_KEYFILE_H
#define VPNLAB_PEERS_ESP_KEYFILE_H

#include <stddef.h>

struct esp_sa;

/*
 * Format the line, with a trailing newline, into buf (pure; reads the SA's keys). af is AF_INET
 * or AF_INET6, src/dst point to struct in_addr / in6_addr. Returns the length written, or
 * -EINVAL (family), -ENOSPC (cap too small; buf then holds no partial key).
 */
int esp_keyfile_line(const struct esp_sa *sa, int af, const void *src, const void *dst,
                     char *buf, size_t cap);

#endif
