/* cmd_run.h: `vpnlab run FILE...`. */
#ifndef VPNLAB_HARNESS_CMD_RUN_H
#define VPNLAB_HARNESS_CMD_RUN_H

int cmd_run(int argc, char **argv);

#endif
