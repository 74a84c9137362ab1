/*
 * vici_msg.h: the VICI wire format (strongSwan's Versatile IKE Control Interface), pure.
 *
 * Three layers, as the plugin's README (src/libcharon/plugins/vici/README.md, 5.9.8) defines
 * them:
 *
 *   transport:  +-------------------------------+------------------------------+
 *               | length (32 bit, network order)| packet (length bytes, <=512K)|
 *               +-------------------------------+------------------------------+
 *   packet:     | type (8 bit) | [name len (8) | name] | message ...            |
 *               (named: CMD_REQUEST, EVENT_REGISTER, EVENT_UNREGISTER, EVENT)
 *   message:    a sequence of elements, each a type byte, then
 *                 SECTION_START: name len (8) + name          SECTION_END: nothing
 *                 KEY_VALUE:     name len (8) + name + value len (16, network order) + value
 *                 LIST_START:    name len (8) + name          LIST_END: nothing
 *                 LIST_ITEM:     value len (16) + value
 *               Sections nest and balance; lists hold only items and do not nest; key/values
 *               may not appear in lists. Values are blobs (charon sends text, numbers as text).
 *
 * A builder writes messages (errors are sticky: check vici_buf_error once at the end), a
 * parser turns a message into a tree, and the framing functions wrap and unwrap packets.
 * Nothing here does I/O; harness/vici.c is the client that talks to charon.
 */
#ifndef VPNLAB_HARNESS_VICI_MSG_H
#define VPNLAB_HARNESS_VICI_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define VICI_SEGMENT_MAX (512u * 1024u)     /* charon refuses longer transport segments */
#define VICI_DEPTH_MAX   32                 /* our own bound on section nesting */

enum vici_pkt_type {
	VICI_CMD_REQUEST = 0,
	VICI_CMD_RESPONSE = 1,
	VICI_CMD_UNKNOWN = 2,
	VICI_EVENT_REGISTER = 3,
	VICI_EVENT_UNREGISTER = 4,
	VICI_EVENT_CONFIRM = 5,
	VICI_EVENT_UNKNOWN = 6,
	VICI_EVENT = 7,
};

enum vici_elem {
	VICI_SECTION_START = 1,
	VICI_SECTION_END = 2,
	VICI_KEY_VALUE = 3,
	VICI_LIST_START = 4,
	VICI_LIST_ITEM = 5,
	VICI_LIST_END = 6,
};

/* ---- builder ---- */

/* A growable byte buffer. It may hold secrets (load-shared): growing wipes the old copy and
 * vici_buf_free wipes the contents. */
struct vici_buf {
	uint8_t *data;
	size_t len, cap;
	int depth;              /* open sections */
	bool in_list;
	int err;                /* first error, sticky: -EINVAL, -ENOMEM, -EMSGSIZE */
	char errmsg[96];
};

void vici_buf_init(struct vici_buf *b);
void vici_buf_free(struct vici_buf *b);
/* Names are 1..255 bytes; values at most 65535. Misuse (an item outside a list, a section
 * end too many, a key/value in a list) sets the sticky error. */
void vici_buf_section_begin(struct vici_buf *b, const char *name);
void vici_buf_section_end(struct vici_buf *b);
void vici_buf_kv(struct vici_buf *b, const char *name, const void *value, size_t len);
void vici_buf_kv_str(struct vici_buf *b, const char *name, const char *value);
void vici_buf_kv_u64(struct vici_buf *b, const char *name, uint64_t value);
void vici_buf_list_begin(struct vici_buf *b, const char *name);
void vici_buf_list_item(struct vici_buf *b, const void *value, size_t len);
void vici_buf_list_item_str(struct vici_buf *b, const char *value);
void vici_buf_list_end(struct vici_buf *b);
/* 0 when the message is complete and balanced; else the first error (message in b->errmsg,
 * or "unbalanced" for open sections or lists). */
int vici_buf_error(const struct vici_buf *b);

/* ---- packets ---- */

/* Append one transport segment to out: length, type, name (for the named types; NULL or ""
 * otherwise) and the message bytes. 0, -EINVAL (name missing/too long for a named type),
 * -EMSGSIZE, -ENOMEM. */
int vici_packet_build(struct vici_buf *out, enum vici_pkt_type type, const char *name,
                      const uint8_t *msg, size_t len);

struct vici_packet {
	uint8_t type;
	char name[256];                 /* "" for unnamed types */
	const uint8_t *msg;             /* borrowed from the input */
	size_t msglen;
};

/* Take one packet from the front of a byte stream. 0 and *consumed set when a whole segment
 * is there; -EAGAIN when more bytes are needed; -EBADMSG (length 0 or over 512 KiB, unknown
 * type, truncated name) with err naming the field and offset. */
int vici_packet_parse(const uint8_t *p, size_t len, struct vici_packet *out, size_t *consumed,
                      char *err, size_t errlen);

/* ---- parsed messages ---- */

enum vici_node_kind { VICI_NODE_SECTION, VICI_NODE_KV, VICI_NODE_LIST, VICI_NODE_ITEM };

struct vici_node {
	enum vici_node_kind kind;
	char name[256];                 /* "" for items and the root */
	uint8_t *value;                 /* KV, ITEM: value bytes plus a terminating NUL */
	size_t vlen;
	struct vici_node *child;        /* SECTION, LIST: first member */
	struct vici_node *next;         /* next sibling, in message order */
};

/* Parse a message into a tree (*root is a SECTION without name). 0, -ENOMEM, or -EBADMSG
 * with err naming the element and its byte offset. Caller frees with vici_tree_free. */
int vici_tree_parse(const uint8_t *msg, size_t len, struct vici_node **root, char *err,
                    size_t errlen);
void vici_tree_free(struct vici_node *root);    /* wipes values */

/* The first direct member of a section called name, of any kind; NULL if none. */
const struct vici_node *vici_node_get(const struct vici_node *sec, const char *name);
/* The value of key/value name in sec as a string; NULL if absent, not a key/value, or the
 * value has a NUL byte inside. */
const char *vici_node_str(const struct vici_node *sec, const char *name);
/* The value parsed as an unsigned decimal (or, with hex, hexadecimal) number into *out;
 * false if absent or not a number. */
bool vici_node_u64(const struct vici_node *sec, const char *name, bool hex, uint64_t *out);

#endif
