/* The VICI codec: the README's encoding example byte for byte, packet framing, and every
 * malformed message the parser must refuse with the offset named. */
#include "tests/unit/unit.h"
#include "harness/vici_msg.h"

#include <errno.h>
#include <string.h>

/*
 * The structure of the encoding example in strongSwan's vici README (5.9.8):
 *   key1 = value1
 *   section1 = { sub-section = { key2 = value2 }  list1 = [ item1, item2 ] }
 * encoded by hand from the element rules (type, 8-bit name length, 16-bit value length).
 */
static const uint8_t readme_msg[] = {
	3, 4, 'k', 'e', 'y', '1', 0, 6, 'v', 'a', 'l', 'u', 'e', '1',
	1, 8, 's', 'e', 'c', 't', 'i', 'o', 'n', '1',
	1, 11, 's', 'u', 'b', '-', 's', 'e', 'c', 't', 'i', 'o', 'n',
	3, 4, 'k', 'e', 'y', '2', 0, 6, 'v', 'a', 'l', 'u', 'e', '2',
	2,
	4, 5, 'l', 'i', 's', 't', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '1',
	5, 0, 5, 'i', 't', 'e', 'm', '2',
	6,
	2,
};

static void build_readme(struct vici_buf *b)
{
	vici_buf_init(b);
	vici_buf_kv_str(b, "key1", "value1");
	vici_buf_section_begin(b, "section1");
	vici_buf_section_begin(b, "sub-section");
	vici_buf_kv_str(b, "key2", "value2");
	vici_buf_section_end(b);
	vici_buf_list_begin(b, "list1");
	vici_buf_list_item_str(b, "item1");
	vici_buf_list_item_str(b, "item2");
	vici_buf_list_end(b);
	vici_buf_section_end(b);
}

static void test_builder_matches_readme_example(void)
{
	struct vici_buf b;

	build_readme(&b);
	CU_ASSERT_EQUAL(vici_buf_error(&b), 0);
	CU_ASSERT_EQUAL(b.len, sizeof readme_msg);
	CU_ASSERT_EQUAL(memcmp(b.data, readme_msg, sizeof readme_msg), 0);
	vici_buf_free(&b);
}

static void test_parse_readme_example(void)
{
	struct vici_node *root;
	const struct vici_node *s1, *sub, *l;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(readme_msg, sizeof readme_msg, &root, err,
	                                      sizeof err), 0);
	CU_ASSERT_STRING_EQUAL(vici_node_str(root, "key1"), "value1");
	s1 = vici_node_get(root, "section1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s1);
	CU_ASSERT_EQUAL(s1->kind, VICI_NODE_SECTION);
	sub = vici_node_get(s1, "sub-section");
	CU_ASSERT_STRING_EQUAL(vici_node_str(sub, "key2"), "value2");
	CU_ASSERT_PTR_NULL(vici_node_str(s1, "key2"));          /* not one level up */
	l = vici_node_get(s1, "list1");
	CU_ASSERT_PTR_NOT_NULL_FATAL(l);
	CU_ASSERT_EQUAL(l->kind, VICI_NODE_LIST);
	CU_ASSERT_STRING_EQUAL((const char *)l->child->value, "item1");
	CU_ASSERT_STRING_EQUAL((const char *)l->child->next->value, "item2");
	CU_ASSERT_PTR_NULL(l->child->next->next);
	CU_ASSERT_PTR_NULL(vici_node_str(root, "section1"));    /* a section is not a value */
	vici_tree_free(root);
}

static void test_numbers(void)
{
	static const uint8_t m[] = { 3, 1, 'a', 0, 3, '4', '2', '0', 3, 1, 'h', 0, 8, 'c', '0',
	                             'f', 'f', 'e', 'e', '0', '1', 3, 1, 'x', 0, 2, '4', 'z',
	                             3, 1, 'n', 0, 2, '-', '1' };
	struct vici_node *root;
	uint64_t v;
	char err[128];

	CU_ASSERT_EQUAL_FATAL(vici_tree_parse(m, sizeof m, &root, err, sizeof err), 0);
	CU_ASSERT_TRUE(vici_node_u64(root, "a", false, &v));
	CU_ASSERT_EQUAL(v, 420);
	CU_ASSERT_TRUE(vici_node_u64(root, "h", true, &v));
	CU_ASSERT_EQUAL(v, 0xc0ffee01);
	CU_ASSERT_FALSE(vici_node_u64(root, "x", false, &v));
	CU_ASSERT_FALSE(vici_node_u64(root, "n", false, &v));
	CU_ASSERT_FALSE(vici_node_u64(root, "missing", false, &v));
	vici_tree_free(root);
}

static void expect_bad(const uint8_t *m, size_t n, const char *want)
{
	struct vici_node *root = (struct vici_node *)1;
	char err[128] = "";

	CU_ASSERT_EQUAL(vici_tree_parse(m, n, &root, err, sizeof err), -EBADMSG);
	CU_ASSERT_PTR_NULL(root);
	if (!strstr(err, want))
		fprintf(stderr, "\n  got '%s', want '%s'\n", err, want);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
}

static void test_parse_refuses_malformed(void)
{
	static const uint8_t kv_in_list[] = { 4, 1, 'l', 3, 1, 'k', 0, 0, 6 };
	static const uint8_t item_outside[] = { 5, 0, 1, 'x' };
	static const uint8_t nested_list[] = { 4, 1, 'l', 4, 1, 'm', 6, 6 };
	static const uint8_t open_section[] = { 1, 1, 's', 3, 1, 'k', 0, 0 };
	static const uint8_t open_list[] = { 4, 1, 'l' };
	static const uint8_t end_top[] = { 2 };
	static const uint8_t list_end_top[] = { 6 };
	static const uint8_t short_name[] = { 3, 9, 'k' };
	static const uint8_t short_value[] = { 3, 1, 'k', 0, 5, 'a', 'b' };
	static const uint8_t no_vlen[] = { 3, 1, 'k', 0 };
	static const uint8_t unknown[] = { 3, 1, 'k', 0, 0, 9 };
	uint8_t deep[2 * (VICI_DEPTH_MAX + 1)];

	expect_bad(kv_in_list, sizeof kv_in_list, "offset 3: KEY_VALUE not allowed inside a list");
	expect_bad(item_outside, sizeof item_outside, "offset 0: LIST_ITEM not allowed");
	expect_bad(nested_list, sizeof nested_list, "offset 3: LIST_START not allowed inside");
	expect_bad(open_section, sizeof open_section, "section 's' still open");
	expect_bad(open_list, sizeof open_list, "list 'l' still open");
	expect_bad(end_top, sizeof end_top, "SECTION_END not allowed at the top level");
	expect_bad(list_end_top, sizeof list_end_top, "offset 0: LIST_END not allowed");
	expect_bad(short_name, sizeof short_name, "offset 0: KEY_VALUE truncated");
	expect_bad(short_value, sizeof short_value, "offset 0: KEY_VALUE truncated");
	expect_bad(no_vlen, sizeof no_vlen, "offset 0: KEY_VALUE truncated");
	expect_bad(unknown, sizeof unknown, "offset 5: unknown element type 9");
	for (size_t i = 0; i < sizeof deep; i += 2) {
		deep[i] = 1;
		deep[i + 1] = 0;                /* empty names are allowed by the format */
	}
	expect_bad(deep, sizeof deep, "nested deeper than 32");
}

static void test_builder_refuses_misuse(void)
{
	struct vici_buf b;
	char big[300];

	vici_buf_init(&b);
	vici_buf_list_item_str(&b, "x");
	CU_ASSERT_EQUAL(vici_buf_error(&b), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.errmsg, "outside a list"));
	vici_buf_free(&b);

	vici_buf_init(&b);
	vici_buf_list_begin(&b, "l");
	vici_buf_kv_str(&b, "k", "v");
	CU_ASSERT_EQUAL(vici_buf_error(&b), -EINVAL);
	vici_buf_free(&b);

	vici_buf_init(&b);
	vici_buf_section_begin(&b, "s");
	CU_ASSERT_EQUAL(vici_buf_error(&b), -EINVAL);           /* unbalanced */
	vici_buf_section_end(&b);
	CU_ASSERT_EQUAL(vici_buf_error(&b), 0);
	vici_buf_section_end(&b);
	CU_ASSERT_EQUAL(vici_buf_error(&b), -EINVAL);
	vici_buf_free(&b);

	memset(big, 'n', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	vici_buf_init(&b);
	vici_buf_kv_str(&b, big, "v");
	CU_ASSERT_EQUAL(vici_buf_error(&b), -EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(b.errmsg, "1 to 255"));
	vici_buf_free(&b);
}

static void test_packets(void)
{
	struct vici_buf out, msg;
	struct vici_packet pk;
	size_t used;
	char err[128];

	build_readme(&msg);
	vici_buf_init(&out);
	CU_ASSERT_EQUAL(vici_packet_build(&out, VICI_CMD_REQUEST, "list-sas", msg.data, msg.len), 0);
	CU_ASSERT_EQUAL(vici_packet_build(&out, VICI_CMD_RESPONSE, NULL, NULL, 0), 0);
	/* 4 length + type + 1 + "list-sas" + message, then 4 + 1 */
	CU_ASSERT_EQUAL(out.len, 4 + 1 + 1 + 8 + msg.len + 5);
	CU_ASSERT_EQUAL(out.data[3], 1 + 1 + 8 + msg.len);
	for (size_t n = 0; n < 4 + 1 + 1 + 8 + msg.len; n++)
		CU_ASSERT_EQUAL(vici_packet_parse(out.data, n, &pk, &used, err, sizeof err), -EAGAIN);
	CU_ASSERT_EQUAL_FATAL(vici_packet_parse(out.data, out.len, &pk, &used, err, sizeof err), 0);
	CU_ASSERT_EQUAL(pk.type, VICI_CMD_REQUEST);
	CU_ASSERT_STRING_EQUAL(pk.name, "list-sas");
	CU_ASSERT_EQUAL(pk.msglen, msg.len);
	CU_ASSERT_EQUAL(memcmp(pk.msg, readme_msg, msg.len), 0);
	CU_ASSERT_EQUAL_FATAL(vici_packet_parse(out.data + used, out.len - used, &pk, &used, err,
	                                        sizeof err), 0);
	CU_ASSERT_EQUAL(pk.type, VICI_CMD_RESPONSE);
	CU_ASSERT_STRING_EQUAL(pk.name, "");
	CU_ASSERT_EQUAL(pk.msglen, 0);
	CU_ASSERT_EQUAL(used, 5);
	CU_ASSERT_EQUAL(vici_packet_build(&out, VICI_EVENT, "", NULL, 0), -EINVAL);
	vici_buf_free(&out);
	vici_buf_free(&msg);
}

static void test_packets_refused(void)
{
	static const uint8_t zero[] = { 0, 0, 0, 0, 1 };
	static const uint8_t huge[] = { 0, 8, 0, 1, 1 };
	static const uint8_t type9[] = { 0, 0, 0, 1, 9 };
	static const uint8_t noname[] = { 0, 0, 0, 3, 7, 5, 'a' };
	struct vici_packet pk;
	size_t used;
	char err[128];

	CU_ASSERT_EQUAL(vici_packet_parse(zero, sizeof zero, &pk, &used, err, sizeof err), -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "segment length 0"));
	CU_ASSERT_EQUAL(vici_packet_parse(huge, sizeof huge, &pk, &used, err, sizeof err), -EBADMSG);
	CU_ASSERT_EQUAL(vici_packet_parse(type9, sizeof type9, &pk, &used, err, sizeof err),
	                -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "unknown packet type 9"));
	CU_ASSERT_EQUAL(vici_packet_parse(noname, sizeof noname, &pk, &used, err, sizeof err),
	                -EBADMSG);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "name truncated"));
}

UNIT_SUITE(vici_msg,
           UNIT_TEST(test_builder_matches_readme_example),
           UNIT_TEST(test_parse_readme_example),
           UNIT_TEST(test_numbers),
           UNIT_TEST(test_parse_refuses_malformed),
           UNIT_TEST(test_builder_refuses_misuse),
           UNIT_TEST(test_packets),
           UNIT_TEST(test_packets_refused))
