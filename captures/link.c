/* Link-layer headers: Ethernet with VLAN tags, Linux cooked v1/v2, raw IP, BSD loopback. */
#include "captures/link.h"
#include "peers/ip/cursor.h"

#include <errno.h>
#include <stdio.h>

#define ETHERTYPE_IPV4 0x0800
#define ETHERTYPE_IPV6 0x86dd
#define ETHERTYPE_VLAN 0x8100   /* IEEE 802.1Q */
#define ETHERTYPE_QINQ 0x88a8   /* IEEE 802.1ad */
#define ETHERTYPE_QINQ_OLD 0x9100
#define ETHER_MAX_LEN_FIELD 1500 /* below this the field is an 802.3 length, not a type */
#define VLAN_MAX_TAGS 8          /* more is not a real frame */

static int link_err(struct cap_frame *f, int code, const char *field, size_t off,
                    const char *msg)
{
	f->error.field = field;
	f->error.offset = off;
	snprintf(f->error.msg, sizeof f->error.msg, "%s", msg);
	return code;
}

/*
 * 802.1Q tags (IEEE 802.1Q §9.6): after the type 0x8100 (or 0x88a8 for an S-tag),
 * | PCP(3) DEI(1) VID(12) | inner type (16) |
 */
static int link_vlans(struct cursor *c, struct cap_frame *f)
{
	int n = 0;

	while (f->ethertype == ETHERTYPE_VLAN || f->ethertype == ETHERTYPE_QINQ ||
	       f->ethertype == ETHERTYPE_QINQ_OLD) {
		uint16_t tci;

		if (n == VLAN_MAX_TAGS)
			return link_err(f, -EBADMSG, "vlan", c->off, "more than 8 VLAN tags");
		if (!cur_get_be16(c, &tci) || !cur_get_be16(c, &f->ethertype)) {
			f->truncated = true;
			return link_err(f, -EMSGSIZE, "vlan.tci", c->off, "VLAN tag truncated");
		}
		if (f->nvlan < CAP_MAX_VLAN)
			f->vlan[f->nvlan++] = tci & 0x0fff;
		n++;
	}
	return 0;
}

static int link_ethertype_to_l3(struct cap_frame *f)
{
	if (f->ethertype == ETHERTYPE_IPV4)
		f->l3 = CAP_L3_IPV4;
	else if (f->ethertype == ETHERTYPE_IPV6)
		f->l3 = CAP_L3_IPV6;
	else
		f->l3 = CAP_L3_OTHER;
	return 0;
}

/* The first nibble says which IP version: raw IP link types carry no type field. */
static int link_ip_version(const uint8_t *data, size_t len, struct cap_frame *f, size_t off)
{
	if (len <= off) {
		f->truncated = true;
		return link_err(f, -EMSGSIZE, "ip.version", off, "no IP header");
	}
	switch (data[off] >> 4) {
	case 4:
		f->ethertype = ETHERTYPE_IPV4;
		break;
	case 6:
		f->ethertype = ETHERTYPE_IPV6;
		break;
	default:
		f->l3 = CAP_L3_OTHER;
		return link_err(f, -EPROTONOSUPPORT, "ip.version", off, "IP version not 4 or 6");
	}
	f->l3_off = off;
	return link_ethertype_to_l3(f);
}

/* BSD loopback address families (4.4BSD and descendants; 10 is Linux's AF_INET6). */
static int link_null_family(uint32_t af, struct cap_frame *f)
{
	switch (af) {
	case 2:
		f->ethertype = ETHERTYPE_IPV4;
		break;
	case 10: case 24: case 28: case 30:
		f->ethertype = ETHERTYPE_IPV6;
		break;
	default:
		f->l3 = CAP_L3_OTHER;
		return 0;
	}
	f->l3_off = 4;
	return link_ethertype_to_l3(f);
}

int cap_link_parse(int dlt, const uint8_t *data, size_t len, struct cap_frame *f)
{
	struct cursor c;
	int rc;

	cur_init(&c, data, len);
	switch (dlt) {
	case CAP_DLT_EN10MB:
		/* | destination (6) | source (6) | type/length (2) | */
		if (!cur_skip(&c, 12) || !cur_get_be16(&c, &f->ethertype)) {
			f->truncated = true;
			return link_err(f, -EMSGSIZE, "eth.type", 12, "Ethernet header truncated");
		}
		break;
	case CAP_DLT_LINUX_SLL:
		/* | pkttype (2) | ARPHRD (2) | addr len (2) | addr (8) | protocol (2) | */
		if (!cur_skip(&c, 14) || !cur_get_be16(&c, &f->ethertype)) {
			f->truncated = true;
			return link_err(f, -EMSGSIZE, "sll.protocol", 14, "SLL header truncated");
		}
		break;
	case CAP_DLT_LINUX_SLL2:
		/* | protocol (2) | reserved (2) | ifindex (4) | ARPHRD (2) | pkttype (1) |
		 * | addr len (1) | addr (8) | */
		if (!cur_get_be16(&c, &f->ethertype) || !cur_skip(&c, 18)) {
			f->truncated = true;
			return link_err(f, -EMSGSIZE, "sll2", 0, "SLL2 header truncated");
		}
		break;
	case CAP_DLT_RAW:
	case CAP_DLT_LINKTYPE_RAW:
		return link_ip_version(data, len, f, 0);
	case CAP_DLT_IPV4:
		f->ethertype = ETHERTYPE_IPV4;
		f->l3_off = 0;
		return link_ethertype_to_l3(f);
	case CAP_DLT_IPV6:
		f->ethertype = ETHERTYPE_IPV6;
		f->l3_off = 0;
		return link_ethertype_to_l3(f);
	case CAP_DLT_NULL:
	case CAP_DLT_LOOP: {
		uint32_t af;

		if (len < 4) {
			f->truncated = true;
			return link_err(f, -EMSGSIZE, "null.family", 0, "loopback header truncated");
		}
		af = rd_be32(data);
		/* DLT_NULL is in the capturing host's order: a small value either way round. */
		if (dlt == CAP_DLT_NULL && af > 0xffff)
			af = (uint32_t)data[3] << 24 | (uint32_t)data[2] << 16 |
			     (uint32_t)data[1] << 8 | data[0];
		return link_null_family(af, f);
	}
	default:
		f->l3 = CAP_L3_OTHER;
		return link_err(f, -EPROTONOSUPPORT, "link", 0, "link type not decoded");
	}
	rc = link_vlans(&c, f);
	if (rc)
		return rc;
	if (f->ethertype <= ETHER_MAX_LEN_FIELD && dlt == CAP_DLT_EN10MB) {
		f->l3 = CAP_L3_OTHER;   /* 802.3 with LLC: not IP */
		return 0;
	}
	f->l3_off = c.off;
	return link_ethertype_to_l3(f);
}
