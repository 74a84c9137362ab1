/* cmd_validate.h: `vpnlab validate FILE...`. */
#ifndef VPNLAB_HARNESS_CMD_VALIDATE_H
#define VPNLAB_HARNESS_CMD_VALIDATE_H

int cmd_validate(int argc, char **argv);

#endif
