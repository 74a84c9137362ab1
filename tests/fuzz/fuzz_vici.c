/*
 * Fuzz target: the VICI codec as the client meets it: a byte stream cut into packets
 * (vici_packet_parse), each message parsed into a tree (vici_tree_parse) and every section
 * read as an IKE_SA (vici_ike_sa_parse, what list-sa and updown events go through).
 * Seeds: a list-sa event and a command response as charon 5.9.8 sends them (keys of the vici
 * README), and the README's encoding example, made on first use.
 */
#include "tests/fuzz/fuzz.h"
#include "harness/vici_msg.h"
#include "harness/vici_sa.h"

#include <string.h>

static void walk(const struct vici_node *n)
{
	struct vici_ike_sa sa;
	char err[160];

	for (; n; n = n->next)
		if (n->kind == VICI_NODE_SECTION) {
			vici_ike_sa_parse(n, &sa, err, sizeof err);
			walk(n->child);
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct vici_packet pk;
		struct vici_node *root;
		size_t used;
		char err[160];

		if (vici_packet_parse(data + off, size - off, &pk, &used, err, sizeof err))
			break;
		if (vici_tree_parse(pk.msg, pk.msglen, &root, err, sizeof err) == 0) {
			walk(root->child);
			vici_tree_free(root);
		}
		off += used;
	}
	return 0;
}

static void list_sa(struct vici_buf *m)
{
	vici_buf_section_begin(m, "lab");
	vici_buf_kv_str(m, "uniqueid", "1");
	vici_buf_kv_str(m, "version", "1");
	vici_buf_kv_str(m, "state", "ESTABLISHED");
	vici_buf_kv_str(m, "local-host", "10.10.0.2");
	vici_buf_kv_str(m, "local-port", "4500");
	vici_buf_kv_str(m, "remote-host", "10.10.0.1");
	vici_buf_kv_str(m, "remote-port", "4500");
	vici_buf_kv_str(m, "initiator", "yes");
	vici_buf_kv_str(m, "initiator-spi", "8a3f1c2d4e5f6071");
	vici_buf_kv_str(m, "encr-alg", "AES_CBC");
	vici_buf_kv_str(m, "encr-keysize", "256");
	vici_buf_kv_str(m, "integ-alg", "HMAC_SHA2_256_128");
	vici_buf_kv_str(m, "prf-alg", "PRF_HMAC_SHA2_256");
	vici_buf_kv_str(m, "dh-group", "MODP_2048");
	vici_buf_kv_str(m, "established", "3");
	vici_buf_kv_str(m, "reauth-time", "25917");
	vici_buf_list_begin(m, "tasks-queued");
	vici_buf_list_end(m);
	vici_buf_section_begin(m, "child-sas");
	vici_buf_section_begin(m, "lab-1");
	vici_buf_kv_str(m, "name", "lab");
	vici_buf_kv_str(m, "uniqueid", "1");
	vici_buf_kv_str(m, "state", "INSTALLED");
	vici_buf_kv_str(m, "protocol", "ESP");
	vici_buf_kv_str(m, "encap", "yes");
	vici_buf_kv_str(m, "spi-in", "c8931e89");
	vici_buf_kv_str(m, "spi-out", "cee78125");
	vici_buf_kv_str(m, "encr-alg", "AES_CBC");
	vici_buf_kv_str(m, "encr-keysize", "256");
	vici_buf_kv_str(m, "integ-alg", "HMAC_SHA2_256_128");
	vici_buf_kv_str(m, "dh-group", "MODP_2048");
	vici_buf_kv_str(m, "bytes-in", "84");
	vici_buf_kv_str(m, "packets-in", "1");
	vici_buf_kv_str(m, "install-time", "3");
	vici_buf_list_begin(m, "local-ts");
	vici_buf_list_item_str(m, "0.0.0.0/0");
	vici_buf_list_end(m);
	vici_buf_list_begin(m, "remote-ts");
	vici_buf_list_item_str(m, "0.0.0.0/0");
	vici_buf_list_end(m);
	vici_buf_section_end(m);
	vici_buf_section_end(m);
	vici_buf_section_end(m);
}

const struct fuzz_seed *fuzz_seeds(size_t *n)
{
	static struct vici_buf store[3];
	static struct fuzz_seed seeds[3];
	static size_t nseeds;
	struct vici_buf m;

	if (nseeds) {
		*n = nseeds;
		return seeds;
	}
	vici_buf_init(&m);
	list_sa(&m);
	vici_buf_init(&store[0]);
	vici_packet_build(&store[0], VICI_EVENT, "list-sa", m.data, m.len);
	vici_buf_free(&m);

	vici_buf_init(&m);
	vici_buf_kv_str(&m, "success", "no");
	vici_buf_kv_str(&m, "errmsg", "unknown connection");
	vici_buf_init(&store[1]);
	vici_packet_build(&store[1], VICI_EVENT_CONFIRM, NULL, NULL, 0);
	vici_packet_build(&store[1], VICI_CMD_RESPONSE, NULL, m.data, m.len);
	vici_buf_free(&m);

	vici_buf_init(&m);
	vici_buf_kv_str(&m, "key1", "value1");
	vici_buf_section_begin(&m, "section1");
	vici_buf_section_begin(&m, "sub-section");
	vici_buf_kv_str(&m, "key2", "value2");
	vici_buf_section_end(&m);
	vici_buf_list_begin(&m, "list1");
	vici_buf_list_item_str(&m, "item1");
	vici_buf_list_item_str(&m, "item2");
	vici_buf_list_end(&m);
	vici_buf_section_end(&m);
	vici_buf_init(&store[2]);
	vici_packet_build(&store[2], VICI_CMD_REQUEST, "load-conn", m.data, m.len);
	vici_buf_free(&m);

	for (size_t i = 0; i < 3; i++) {
		seeds[i].data = store[i].data;
		seeds[i].len = store[i].len;
	}
	nseeds = 3;
	*n = nseeds;
	return seeds;
}
