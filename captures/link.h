/* link.h: private to captures/: the link-layer header of a frame. */
#ifndef VPNLAB_CAPTURES_LINK_H
#define VPNLAB_CAPTURES_LINK_H

#include "captures/frame.h"

/*
 * Find the network layer: sets f->ethertype, f->nvlan, f->vlan, f->l3_off, and f->l3 to
 * CAP_L3_OTHER for a non-IP frame. Returns 0 or -errno with f->error set.
 */
int cap_link_parse(int dlt, const uint8_t *data, size_t len, struct cap_frame *f);

#endif
