/* cmd_mock_k5.h: `vpnlab mock k5`: the mock K5 API on its own, for users' scripts and tools. */
#ifndef VPNLAB_HARNESS_CMD_MOCK_K5_H
#define VPNLAB_HARNESS_CMD_MOCK_K5_H

/* argv[0] is "k5". Returns the process exit code (0, or EXIT_USAGE / EXIT_ENV). */
int cmd_mock_k5(int argc, char **argv);

#endif
