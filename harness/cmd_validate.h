/* cmd_validate.h: `vpnlab validate FILE...`, scenario files checked without running them. */
#ifndef VPNLAB_HARNESS_CMD_VALIDATE_H
#define VPNLAB_HARNESS_CMD_VALIDATE_H

/*
 * argv[0] is "validate". Every diagnostic goes to stderr as FILE:LINE:COL: message; each
 * valid file gets "FILE: ok (N nodes, M links, K steps)" on stdout. Returns 0 if every file
 * is valid, 2 (EXIT_USAGE) if any is invalid or unreadable, or on bad usage.
 */
int cmd_validate(int argc, char **argv);

#endif
