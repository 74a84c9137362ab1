/*
 * vici_msg.c: VICI message builder, parser and packet framing (layouts in vici_msg.h).
 */
#include "harness/vici_msg.h"

#include "peers/ip/cursor.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- builder ---- */

void vici_buf_init(struct vici_buf *b)
{
	memset(b, 0, sizeof *b);
}

void vici_buf_free(struct vici_buf *b)
{
	if (b->data) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	memset(b, 0, sizeof *b);
}

static void buf_fail(struct vici_buf *b, int err, const char *fmt, ...)
{
	va_list ap;

	if (b->err)
		return;
	b->err = err;
	va_start(ap, fmt);
	vsnprintf(b->errmsg, sizeof b->errmsg, fmt, ap);
	va_end(ap);
}

/* Grow by copying, so the old block can be wiped: it may hold a pre-shared key. */
static bool buf_reserve(struct vici_buf *b, size_t more)
{
	size_t cap;
	uint8_t *n;

	if (b->err)
		return false;
	if (more > VICI_SEGMENT_MAX || b->len + more > VICI_SEGMENT_MAX + 4) {
		buf_fail(b, -EMSGSIZE, "message over %u bytes", VICI_SEGMENT_MAX);
		return false;
	}
	if (b->len + more <= b->cap)
		return true;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more)
		cap *= 2;
	n = malloc(cap);
	if (!n) {
		buf_fail(b, -ENOMEM, "out of memory");
		return false;
	}
	if (b->data) {
		memcpy(n, b->data, b->len);
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = n;
	b->cap = cap;
	return true;
}

static void put(struct vici_buf *b, const void *p, size_t n)
{
	if (!buf_reserve(b, n))
		return;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

static void put_u8(struct vici_buf *b, uint8_t v)
{
	put(b, &v, 1);
}

static void put_name(struct vici_buf *b, const char *what, const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 0 || n > 255) {
		buf_fail(b, -EINVAL, "%s name must be 1 to 255 bytes (got %zu)", what, n);
		return;
	}
	put_u8(b, (uint8_t)n);
	put(b, name, n);
}

static void put_value(struct vici_buf *b, const char *what, const void *v, size_t n)
{
	uint8_t l[2];

	if (n > 0xffff) {
		buf_fail(b, -EINVAL, "%s value over 65535 bytes (%zu)", what, n);
		return;
	}
	l[0] = (uint8_t)(n >> 8);
	l[1] = (uint8_t)n;
	put(b, l, 2);
	put(b, v, n);
}

void vici_buf_section_begin(struct vici_buf *b, const char *name)
{
	if (b->in_list) {
		buf_fail(b, -EINVAL, "section '%s' inside a list", name ? name : "");
		return;
	}
	if (b->depth >= VICI_DEPTH_MAX) {
		buf_fail(b, -EINVAL, "sections nested deeper than %d", VICI_DEPTH_MAX);
		return;
	}
	put_u8(b, VICI_SECTION_START);
	put_name(b, "section", name);
	b->depth++;
}

void vici_buf_section_end(struct vici_buf *b)
{
	if (b->in_list || b->depth == 0) {
		buf_fail(b, -EINVAL, "section end without an open section");
		return;
	}
	put_u8(b, VICI_SECTION_END);
	b->depth--;
}

void vici_buf_kv(struct vici_buf *b, const char *name, const void *value, size_t len)
{
	if (b->in_list) {
		buf_fail(b, -EINVAL, "key '%s' inside a list", name ? name : "");
		return;
	}
	put_u8(b, VICI_KEY_VALUE);
	put_name(b, "key", name);
	put_value(b, "key", value, len);
}

void vici_buf_kv_str(struct vici_buf *b, const char *name, const char *value)
{
	vici_buf_kv(b, name, value, strlen(value));
}

void vici_buf_kv_u64(struct vici_buf *b, const char *name, uint64_t value)
{
	char t[24];

	snprintf(t, sizeof t, "%" PRIu64, value);
	vici_buf_kv_str(b, name, t);
}

void vici_buf_list_begin(struct vici_buf *b, const char *name)
{
	if (b->in_list) {
		buf_fail(b, -EINVAL, "list '%s' inside a list", name ? name : "");
		return;
	}
	put_u8(b, VICI_LIST_START);
	put_name(b, "list", name);
	b->in_list = true;
}

void vici_buf_list_item(struct vici_buf *b, const void *value, size_t len)
{
	if (!b->in_list) {
		buf_fail(b, -EINVAL, "list item outside a list");
		return;
	}
	put_u8(b, VICI_LIST_ITEM);
	put_value(b, "list item", value, len);
}

void vici_buf_list_item_str(struct vici_buf *b, const char *value)
{
	vici_buf_list_item(b, value, strlen(value));
}

void vici_buf_list_end(struct vici_buf *b)
{
	if (!b->in_list) {
		buf_fail(b, -EINVAL, "list end without an open list");
		return;
	}
	put_u8(b, VICI_LIST_END);
	b->in_list = false;
}

int vici_buf_error(const struct vici_buf *b)
{
	if (b->err)
		return b->err;
	if (b->depth || b->in_list)
		return -EINVAL;
	return 0;
}

/* ---- packets ---- */

static bool type_named(uint8_t t)
{
	return t == VICI_CMD_REQUEST || t == VICI_EVENT_REGISTER || t == VICI_EVENT_UNREGISTER ||
	       t == VICI_EVENT;
}

int vici_packet_build(struct vici_buf *out, enum vici_pkt_type type, const char *name,
                      const uint8_t *msg, size_t len)
{
	size_t nl = name ? strlen(name) : 0;
	size_t total = 1 + len + (type_named((uint8_t)type) ? 1 + nl : 0);
	uint8_t hdr[5];

	if (type_named((uint8_t)type) && (nl == 0 || nl > 255))
		return -EINVAL;
	if (total > VICI_SEGMENT_MAX)
		return -EMSGSIZE;
	hdr[0] = (uint8_t)(total >> 24);
	hdr[1] = (uint8_t)(total >> 16);
	hdr[2] = (uint8_t)(total >> 8);
	hdr[3] = (uint8_t)total;
	hdr[4] = (uint8_t)type;
	put(out, hdr, 5);
	if (type_named((uint8_t)type)) {
		put_u8(out, (uint8_t)nl);
		put(out, name, nl);
	}
	put(out, msg, len);
	return out->err;
}

int vici_packet_parse(const uint8_t *p, size_t len, struct vici_packet *out, size_t *consumed,
                      char *err, size_t errlen)
{
	struct cursor c;
	uint32_t seg;
	uint8_t nl;

	if (len < 4)
		return -EAGAIN;
	seg = rd_be32(p);
	if (seg == 0 || seg > VICI_SEGMENT_MAX) {
		snprintf(err, errlen, "vici: segment length %" PRIu32 " at offset 0 (1..%u)", seg,
		         VICI_SEGMENT_MAX);
		return -EBADMSG;
	}
	if (len - 4 < seg)
		return -EAGAIN;
	cur_init(&c, p + 4, seg);
	memset(out, 0, sizeof *out);
	cur_get_u8(&c, &out->type);
	if (out->type > VICI_EVENT) {
		snprintf(err, errlen, "vici: unknown packet type %u at offset 4", out->type);
		return -EBADMSG;
	}
	if (type_named(out->type)) {
		if (!cur_get_u8(&c, &nl) || !cur_get_bytes(&c, out->name, nl)) {
			snprintf(err, errlen, "vici: packet name truncated at offset %zu", 4 + c.off);
			return -EBADMSG;
		}
		out->name[nl] = '\0';
	}
	out->msg = c.p;
	out->msglen = c.left;
	*consumed = 4 + (size_t)seg;
	return 0;
}

/* ---- parsed messages ---- */

static const char *elem_name(uint8_t t)
{
	static const char *const n[] = { "?", "SECTION_START", "SECTION_END", "KEY_VALUE",
	                                 "LIST_START", "LIST_ITEM", "LIST_END" };
	return t < 7 ? n[t] : "?";
}

void vici_tree_free(struct vici_node *n)
{
	while (n) {
		struct vici_node *next = n->next;

		vici_tree_free(n->child);
		if (n->value) {
			explicit_bzero(n->value, n->vlen);
			free(n->value);
		}
		free(n);
		n = next;
	}
}

/* Append a new node to parent's members; tail tracks the last one. */
static struct vici_node *node_add(struct vici_node *parent, struct vici_node **tail,
                                  enum vici_node_kind kind)
{
	struct vici_node *n = calloc(1, sizeof *n);

	if (!n)
		return NULL;
	n->kind = kind;
	if (*tail)
		(*tail)->next = n;
	else
		parent->child = n;
	*tail = n;
	return n;
}

int vici_tree_parse(const uint8_t *msg, size_t len, struct vici_node **root, char *err,
                    size_t errlen)
{
	struct vici_node *stack[VICI_DEPTH_MAX + 2], *tails[VICI_DEPTH_MAX + 2];
	struct vici_node *list = NULL, *list_tail = NULL;
	struct cursor c;
	int depth = 0, rc = -EBADMSG;
	size_t at = 0;
	uint8_t t = 0;

	*root = calloc(1, sizeof **root);
	if (!*root)
		return -ENOMEM;
	(*root)->kind = VICI_NODE_SECTION;
	stack[0] = *root;
	tails[0] = NULL;
	cur_init(&c, msg, len);
	while (c.left) {
		struct vici_node *n = NULL;
		uint8_t nl = 0;
		uint16_t vl;
		char name[256];

		at = c.off;
		cur_get_u8(&c, &t);
		if (t == VICI_SECTION_START || t == VICI_KEY_VALUE || t == VICI_LIST_START) {
			if (!cur_get_u8(&c, &nl) || !cur_get_bytes(&c, name, nl))
				goto truncated;
			name[nl] = '\0';
		}
		switch (t) {
		case VICI_SECTION_START:
			if (list)
				goto misplaced;
			if (depth >= VICI_DEPTH_MAX) {
				snprintf(err, errlen, "vici message: offset %zu: sections nested deeper "
				         "than %d", at, VICI_DEPTH_MAX);
				goto fail;
			}
			n = node_add(stack[depth], &tails[depth], VICI_NODE_SECTION);
			if (!n)
				goto nomem;
			memcpy(n->name, name, (size_t)nl + 1);
			depth++;
			stack[depth] = n;
			tails[depth] = NULL;
			break;
		case VICI_SECTION_END:
			if (list || depth == 0)
				goto misplaced;
			depth--;
			break;
		case VICI_KEY_VALUE:
		case VICI_LIST_ITEM:
			if ((t == VICI_KEY_VALUE) == (list != NULL))
				goto misplaced;
			if (!cur_get_be16(&c, &vl) || c.left < vl)
				goto truncated;
			n = t == VICI_KEY_VALUE ? node_add(stack[depth], &tails[depth], VICI_NODE_KV) :
			                          node_add(list, &list_tail, VICI_NODE_ITEM);
			if (!n || !(n->value = malloc((size_t)vl + 1)))
				goto nomem;
			if (t == VICI_KEY_VALUE)
				memcpy(n->name, name, (size_t)nl + 1);
			memcpy(n->value, c.p, vl);
			n->value[vl] = '\0';
			n->vlen = vl;
			cur_skip(&c, vl);
			break;
		case VICI_LIST_START:
			if (list)
				goto misplaced;
			n = node_add(stack[depth], &tails[depth], VICI_NODE_LIST);
			if (!n)
				goto nomem;
			memcpy(n->name, name, (size_t)nl + 1);
			list = n;
			list_tail = NULL;
			break;
		case VICI_LIST_END:
			if (!list)
				goto misplaced;
			list = NULL;
			break;
		default:
			snprintf(err, errlen, "vici message: offset %zu: unknown element type %u", at, t);
			goto fail;
		}
	}
	if (list || depth) {
		snprintf(err, errlen, "vici message: ends with %s '%s' still open",
		         list ? "list" : "section", list ? list->name : stack[depth]->name);
		goto fail;
	}
	return 0;
truncated:
	snprintf(err, errlen, "vici message: offset %zu: %s truncated", at, elem_name(t));
	goto fail;
misplaced:
	snprintf(err, errlen, "vici message: offset %zu: %s not allowed %s", at, elem_name(t),
	         list ? "inside a list" : depth == 0 ? "at the top level" : "outside a list");
	goto fail;
nomem:
	rc = -ENOMEM;
	snprintf(err, errlen, "vici message: out of memory");
fail:
	vici_tree_free(*root);
	*root = NULL;
	return rc;
}

const struct vici_node *vici_node_get(const struct vici_node *sec, const char *name)
{
	if (!sec || (sec->kind != VICI_NODE_SECTION))
		return NULL;
	for (const struct vici_node *n = sec->child; n; n = n->next)
		if (strcmp(n->name, name) == 0)
			return n;
	return NULL;
}

const char *vici_node_str(const struct vici_node *sec, const char *name)
{
	const struct vici_node *n = vici_node_get(sec, name);

	if (!n || n->kind != VICI_NODE_KV || memchr(n->value, '\0', n->vlen))
		return NULL;
	return (const char *)n->value;
}

bool vici_node_u64(const struct vici_node *sec, const char *name, bool hex, uint64_t *out)
{
	const char *s = vici_node_str(sec, name);
	char *end;

	if (!s || !*s || *s == '-' || *s == '+' || *s == ' ')
		return false;
	errno = 0;
	*out = strtoull(s, &end, hex ? 16 : 10);
	return errno == 0 && *end == '\0';
}
