#!/usr/bin/env python3
"""Independent reference ESP packets for tests/unit/test_esp_kat.c.

Written from RFC 4303 / 3602 / 2451 / 2404 / 4868 alone with Python's `cryptography` package
(no vpnlab code): fixed keys, IV, SPI and sequence number; prints C arrays to paste into the test.
Run: python3 tests/tools/esp_kat.py
"""
import hashlib
import hmac
import struct

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:  # older cryptography
    TripleDES = algorithms.TripleDES


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


def ipv4_icmp_echo(src, dst, ident, seq, data):
    icmp = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + data
    icmp = icmp[:2] + struct.pack("!H", csum(icmp)) + icmp[4:]
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(icmp), 0x1234, 0x4000, 64, 1, 0,
                      bytes(src), bytes(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    return hdr + icmp


def ipv6_icmp_echo(src, dst, ident, seq, data):
    icmp = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + data
    pseudo = bytes(src) + bytes(dst) + struct.pack("!I3xB", len(icmp), 58)
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    return struct.pack("!IHBB16s16s", 0x60000000, len(icmp), 58, 64, bytes(src), bytes(dst)) + icmp


ENCR = {  # name: (key length, block, cipher factory)
    "AES128": (16, 16, algorithms.AES),
    "AES192": (24, 16, algorithms.AES),
    "AES256": (32, 16, algorithms.AES),
    "3DES": (24, 8, TripleDES),
}
INTEG = {  # name: (key length, ICV length, hash) -- RFC 2404, RFC 4868 2.3
    "SHA1_96": (20, 12, hashlib.sha1),
    "SHA256_128": (32, 16, hashlib.sha256),
    "SHA384_192": (48, 24, hashlib.sha384),
    "SHA512_256": (64, 32, hashlib.sha512),
}


def esp(encr, integ, keymat, spi, seq, iv, inner, nh):
    klen, block, cipher = ENCR[encr]
    ilen, icvlen, h = INTEG[integ]
    ek, ak = keymat[:klen], keymat[klen:klen + ilen]
    pad = (block - (len(inner) + 2) % block) % block
    pt = inner + bytes(range(1, pad + 1)) + bytes([pad, nh])
    enc = Cipher(cipher(ek), modes.CBC(iv)).encryptor()
    ct = enc.update(pt) + enc.finalize()
    head = struct.pack("!II", spi, seq) + iv + ct
    return head + hmac.new(ak, head, h).digest()[:icvlen]


def carray(name, b):
    out = "static const uint8_t %s[%d] = {\n" % (name, len(b))
    for i in range(0, len(b), 12):
        out += "\t" + " ".join("0x%02x," % x for x in b[i:i + 12]) + "\n"
    return out + "};\n"


KEYMAT = bytes((i * 7 + 3) & 0xFF for i in range(96))
IV = bytes(range(0xA0, 0xB0))
V4 = ipv4_icmp_echo([10, 1, 0, 1], [10, 2, 0, 1], 0x42, 1, bytes(range(56)))
V6 = ipv6_icmp_echo(bytes.fromhex("fd000001" + "0" * 23 + "1"), bytes.fromhex("fd000002" + "0" * 23 + "1"),
                    0x42, 1, bytes(range(40)))

if __name__ == "__main__":
    print(carray("keymat", KEYMAT))
    print(carray("iv", IV))
    print(carray("inner4", V4))
    print(carray("inner6", V6))
    cases = [
        ("aes128_sha1_v4", "AES128", "SHA1_96", 0xEA30623F, 1, V4, 4),
        ("aes256_sha256_v4", "AES256", "SHA256_128", 0x2CB83190, 7, V4, 4),
        ("aes192_sha512_v6", "AES192", "SHA512_256", 0x00001001, 0xFFFFFFFF, V6, 41),
        ("des3_sha384_v4", "3DES", "SHA384_192", 0xC0FFEE01, 2, V4, 4),
    ]
    for name, e, a, spi, seq, inner, nh in cases:
        iv = IV[:ENCR[e][1]]
        print("/* %s: SPI 0x%08x seq %u */" % (name, spi, seq))
        print(carray(name, esp(e, a, KEYMAT, spi, seq, iv, inner, nh)))
