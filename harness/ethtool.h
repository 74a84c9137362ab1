/*
 * ethtool.h: make a veth behave like a wire.
 *
 * veth defaults to segmentation and checksum offloads: a capture would show 64 KiB TCP
 * "packets" and unfinished checksums, which no real link carries, and fragmentation and MSS
 * checks would be meaningless. vpnlab switches them off on every link end.
 */
#ifndef VPNLAB_HARNESS_ETHTOOL_H
#define VPNLAB_HARNESS_ETHTOOL_H

/* Turn off TSO, GSO, GRO, scatter-gather and TX checksum offload on ifname inside nsfd.
 * 0 or -errno (naming nothing: the caller knows the interface). */
int ethtool_wire_like(int nsfd, const char *ifname);

#endif
