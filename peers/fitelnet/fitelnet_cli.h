/*
 * fitelnet_cli.h (private to peers/fitelnet): the F220 command table and the state of one
 * config text being applied. fitelnet_commands.c holds the table and its handlers,
 * fitelnet_config.c the line reader that drives them.
 */
#ifndef VPNLAB_PEERS_FITELNET_CLI_H
#define VPNLAB_PEERS_FITELNET_CLI_H

#include "peers/fitelnet/fitelnet_config.h"
#include "peers/fitelnet/fitelnet_syntax.h"

#define FITELNET_LINE_SHOW 96   /* longest command echoed in a message */

/* The CLI's modes: global configuration and one per block kind. */
enum fitelnet_mode {
	MODE_GLOBAL,
	MODE_IPSEC_POLICY,
	MODE_SELECTOR,
	MODE_ISAKMP_POLICY,
	MODE_PROFILE,
	MODE_MAP,
	MODE_SKIP,              /* inside a block whose opening line was rejected */
};

extern const char *const fitelnet_mode_name[];

/* One text being applied onto a (scratch) config. */
struct fitelnet_cli {
	struct fitelnet_config *c;
	struct fitelnet_diags *d;
	const char *name;       /* borrowed: labels diagnostics */
	uint8_t src;            /* index of this text in c->src_name */
	unsigned line;
	enum fitelnet_mode mode;
	size_t cur;             /* index of the open block in its array */
	char text[FITELNET_LINE_SHOW + 4];  /* the command, for messages (key hidden) */
};

typedef void (*fitelnet_cmd_fn)(struct fitelnet_cli *p, const struct fitelnet_val *v);

struct fitelnet_cmd {
	enum fitelnet_mode mode;
	const char *syntax;
	fitelnet_cmd_fn fn;     /* sets fields; reports its own semantic errors */
};

extern const struct fitelnet_cmd fitelnet_cmds[];
extern const size_t fitelnet_ncmds;

/* Does this command open a block (crypto ipsec policy NAME, ...)? */
bool fitelnet_cmd_opens_block(const struct fitelnet_cmd *cmd);

/* An error at the current line, column col. */
void fitelnet_cli_error(struct fitelnet_cli *p, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
