/* cmd_inspect.h: `vpnlab inspect FILE.pcap... [--keys DIR|FILE]... [--json]`: the timeline of
 * every IKE and ESP event in captures, decrypted with Wireshark-format key files. */
#ifndef VPNLAB_HARNESS_CMD_INSPECT_H
#define VPNLAB_HARNESS_CMD_INSPECT_H

int cmd_inspect(int argc, char **argv);

#endif
