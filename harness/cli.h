/* cli.h: command dispatch. Exit codes: 0 all checks held, 1 a check failed, 2 bad usage or
 * invalid file, 3 the environment cannot run a lab. */
#ifndef VPNLAB_HARNESS_CLI_H
#define VPNLAB_HARNESS_CLI_H

#define EXIT_CHECK_FAILED 1
#define EXIT_USAGE        2
#define EXIT_ENV          3

#define VPNLAB_VERSION "0.1.0"

int cli_main(int argc, char **argv);

#endif
