/* main.c: vpnlab's entry point; the commands live in harness/cmd_*.c. */
#include "harness/cli.h"

int main(int argc, char **argv)
{
	return cli_main(argc, argv);
}
