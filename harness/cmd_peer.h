/* cmd_peer.h: `vpnlab peer ...`: one simulated IKEv1 peer in the current network namespace. */
#ifndef VPNLAB_HARNESS_CMD_PEER_H
#define VPNLAB_HARNESS_CMD_PEER_H

int cmd_peer(int argc, char **argv);

#endif
