/*
 * fitelnet_syntax.h (private to peers/fitelnet): matching the words of one CLI line against
 * a command's syntax string. The syntax notation, as a manual writes it:
 *   word             a keyword
 *   {a|b|c}          one of these keywords (the match gives the index)
 *   <NAME>           a block name, <KEY> a pre-shared key, <FILE> a file name
 *   <A.B.C.D>        an IPv4 unicast host address
 *   <any|A.B.C.D/M>  any, or an IPv4 prefix without host bits
 *   <LO-HI>          a decimal number in that range
 *   [x]              an optional last element
 * The same string is what an error prints after "expected:".
 */
#ifndef VPNLAB_PEERS_FITELNET_SYNTAX_H
#define VPNLAB_PEERS_FITELNET_SYNTAX_H

#include "peers/fitelnet/fitelnet_config.h"

#define FITELNET_TOK_MAX 16     /* words in one command */

/* One word of a line; s is borrowed from the config text. */
struct fitelnet_tok {
	const char *s;
	size_t len;
	unsigned col;           /* 1-based byte column */
};

/* A matched syntax element. */
struct fitelnet_val {
	const struct fitelnet_tok *tok;  /* NULL: an optional element that was absent */
	int choice;             /* {a|b} index */
	uint64_t num;           /* <LO-HI> */
	uint32_t addr;          /* <A.B.C.D>, <any|A.B.C.D/M> (host order) */
	uint8_t plen;
	bool any;
};

enum fitelnet_why {
	M_FULL,                 /* every element matched, no word left over */
	M_KEYWORD,              /* a word is not the keyword (or none of the choices) */
	M_VALUE,                /* a value is malformed or out of range (detail says which) */
	M_MISSING,              /* the line ended early */
	M_EXTRA,                /* words left after the last element */
};

struct fitelnet_match {
	enum fitelnet_why why;
	size_t at;              /* element (and word) index where matching stopped */
	int rank;               /* how far it got: the best partial match explains an error */
	char detail[96];        /* M_VALUE: what is wrong with the value */
};

/* Match words t[0..n) against syntax; vals[] (FITELNET_TOK_MAX + 2) gets one per element. */
void fitelnet_syntax_match(const char *syntax, const struct fitelnet_tok *t, size_t n,
                           struct fitelnet_val *vals, size_t *nvals, struct fitelnet_match *m);

/* Element idx of a syntax string: [*e, *e + *elen); empty when there is none. */
void fitelnet_syntax_elem_at(const char *syntax, size_t idx, const char **e, size_t *elen);

bool fitelnet_tok_is(const struct fitelnet_tok *t, const char *w, size_t wlen);

/* Copy a word into dst (cap bytes, NUL-terminated, cut if longer). */
void fitelnet_tok_copy(char *dst, size_t cap, const struct fitelnet_tok *t);

#endif
