/*
 * `show crypto sa` as the F220 prints it (fitelnet_show_sa.h). The field note's output, with
 * what each line is made of:
 *
 *   (blank)
 *     IPSEC SA <I>                                    role: initiator
 *       Selector :
 *         0.0.0.0/0 ALL ALL <---> 0.0.0.0/0 ALL ALL   local prefix proto port <---> remote
 *       Interface : tunnel 1
 *       Peer IP : 27.133.132.134/500                  address/port
 *       Local IP : 172.30.128.254/500
 *       Encryption algorithm : AES-CBC/128            cipher/key bits
 *       Authentication algorithm : HMAC-SHA1-96/160   integrity/key bits
 *       Life time : 568/1800 sec                      remaining/total
 *       PFS : on (group 5) ESN : off
 *       IN
 *         SPI : 93c1ab67                              8 lowercase hex digits, no 0x
 *         Packets       : 6                           labels padded to 13 columns
 *         ...Replay/Auth/Padding/Rule error, Cipher Key, Auth Key (0x + lowercase hex)
 *       OUT
 *         SPI, Packets, Octets, Seq lapped, Cipher Key, Auth Key
 *   (blank)
 *     Total number of ISAKMP SA 0
 *     Total number of IPSEC SA 1
 */
#include "peers/fitelnet/fitelnet_show_sa.h"

#include <stdarg.h>
#include <stdio.h>

struct out {
	char *buf;
	size_t cap, len;
};

static void put(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(o->len < o->cap ? o->buf + o->len : NULL, o->len < o->cap ? o->cap - o->len : 0,
	              fmt, ap);
	va_end(ap);
	if (n > 0)
		o->len += (size_t)n;
}

static void put_hex(struct out *o, const char *label, const uint8_t *k, size_t len)
{
	put(o, "      %-13s : 0x", label);
	for (size_t i = 0; i < len && i < FITELNET_SA_KEY_MAX; i++)
		put(o, "%02x", k[i]);
	put(o, "\n");
}

static void put_selector(struct out *o, const struct fitelnet_sa_selector *s)
{
	put(o, "%u.%u.%u.%u/%u ", s->addr >> 24, (s->addr >> 16) & 0xff, (s->addr >> 8) & 0xff,
	    s->addr & 0xff, s->plen);
	if (s->proto)
		put(o, "%u ", s->proto);        /* numeric form UNCONFIRMED */
	else
		put(o, "ALL ");
	if (s->port)
		put(o, "%u", s->port);
	else
		put(o, "ALL");
}

static void put_ip(struct out *o, const char *label, uint32_t a, uint16_t port)
{
	put(o, "    %s : %u.%u.%u.%u/%u\n", label, a >> 24, (a >> 16) & 0xff, (a >> 8) & 0xff, a & 0xff,
	    port);
}

static void put_sa(struct out *o, const struct fitelnet_sa *sa)
{
	const char *cipher = sa->cipher == FITELNET_CIPHER_3DES ? "3DES-CBC" : "AES-CBC";
	/* The "/160" of HMAC-SHA1-96 is the key length in bits (20-byte Auth Key in the note). */
	const char *integ = sa->integ == FITELNET_INTEG_HMAC_SHA2_256_128 ? "HMAC-SHA256-128/256"
	                                                                  : "HMAC-SHA1-96/160";

	put(o, "\n  IPSEC SA <%c>\n", sa->initiator ? 'I' : 'R');
	put(o, "    Selector :\n      ");
	put_selector(o, &sa->local);
	put(o, " <---> ");
	put_selector(o, &sa->remote);
	put(o, "\n");
	put(o, "    Interface : %s\n", sa->interface);
	put_ip(o, "Peer IP", sa->peer_ip, sa->peer_port);
	put_ip(o, "Local IP", sa->local_ip, sa->local_port);
	put(o, "    Encryption algorithm : %s/%u\n", cipher, sa->cipher_key_bits);
	put(o, "    Authentication algorithm : %s\n", integ);
	put(o, "    Life time : %lu/%lu sec\n", (unsigned long)sa->life_remaining_s,
	    (unsigned long)sa->life_total_s);
	if (sa->pfs_group)
		put(o, "    PFS : on (group %u) ESN : %s\n", sa->pfs_group, sa->esn ? "on" : "off");
	else
		put(o, "    PFS : off ESN : %s\n", sa->esn ? "on" : "off");

	put(o, "    IN\n");
	put(o, "      SPI : %08lx\n", (unsigned long)sa->in.spi);
	put(o, "      %-13s : %llu\n", "Packets", (unsigned long long)sa->in.packets);
	put(o, "      %-13s : %llu\n", "Octets", (unsigned long long)sa->in.octets);
	put(o, "      %-13s : %llu\n", "Replay error", (unsigned long long)sa->in.replay_errors);
	put(o, "      %-13s : %llu\n", "Auth error", (unsigned long long)sa->in.auth_errors);
	put(o, "      %-13s : %llu\n", "Padding error", (unsigned long long)sa->in.padding_errors);
	put(o, "      %-13s : %llu\n", "Rule error", (unsigned long long)sa->in.rule_errors);
	put_hex(o, "Cipher Key", sa->in.cipher_key, sa->in.cipher_key_len);
	put_hex(o, "Auth Key", sa->in.auth_key, sa->in.auth_key_len);

	put(o, "    OUT\n");
	put(o, "      SPI : %08lx\n", (unsigned long)sa->out.spi);
	put(o, "      %-13s : %llu\n", "Packets", (unsigned long long)sa->out.packets);
	put(o, "      %-13s : %llu\n", "Octets", (unsigned long long)sa->out.octets);
	put(o, "      %-13s : %llu\n", "Seq lapped", (unsigned long long)sa->out.seq_lapped);
	put_hex(o, "Cipher Key", sa->out.cipher_key, sa->out.cipher_key_len);
	put_hex(o, "Auth Key", sa->out.auth_key, sa->out.auth_key_len);
}

size_t fitelnet_show_crypto_sa(const struct fitelnet_sa_table *t, char *buf, size_t cap)
{
	struct out o = { buf, cap, 0 };

	if (cap)
		buf[0] = '\0';
	for (size_t i = 0; i < t->n_sa; i++)
		put_sa(&o, &t->sa[i]);
	put(&o, "\n  Total number of ISAKMP SA %u\n", t->n_isakmp_sa);
	put(&o, "  Total number of IPSEC SA %zu\n", t->n_sa);
	return o.len;
}
