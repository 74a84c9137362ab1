/* err.h: private to peers/ip: filling struct ip_err where a parser detects the problem. */
#ifndef VPNLAB_PEERS_IP_ERR_H
#define VPNLAB_PEERS_IP_ERR_H

#include "peers/ip/ip.h"

/* Fill err (may be NULL) and return code, so parsers can `return ip_err_set(...)`. */
int ip_err_set(struct ip_err *err, int code, const char *field, size_t offset,
               const char *fmt, ...) __attribute__((format(printf, 5, 6)));

#endif
