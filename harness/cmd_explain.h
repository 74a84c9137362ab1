/* cmd_explain.h: `vpnlab explain FILE.pcap --profile NAME [--config FILE]`: would that
 * profile have accepted what the initiators in a capture offered, and if not, why. */
#ifndef VPNLAB_HARNESS_CMD_EXPLAIN_H
#define VPNLAB_HARNESS_CMD_EXPLAIN_H

int cmd_explain(int argc, char **argv);

#endif
