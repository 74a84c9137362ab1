/* cmd_mock_sakura.h: `vpnlab mock sakura`, the mock Sakura Cloud API on its own. */
#ifndef VPNLAB_HARNESS_CMD_MOCK_SAKURA_H
#define VPNLAB_HARNESS_CMD_MOCK_SAKURA_H

/* argv[0] is "sakura". Returns an exit code (harness/cli.h). */
int cmd_mock_sakura(int argc, char **argv);

#endif
