#!/usr/bin/env python3
"""Compare two runs' captures of a tunnel, frame by frame, down to the encrypted bytes.

Usage: esp_same.py ESP_SA_1 ESP_SA_2 A.pcap B.pcap

pcap_same.py --mask-kernel-ids ignores the few header fields the kernel draws itself. Inside
an ESP packet such a field is encrypted, so the ciphertext of the same inner packet differs
between runs even though every byte vpnlab chose is the same. So here, for each ESP packet
(raw, or in UDP 4500), the outer IPv4 header (built by the gateway), SPI, sequence number and
IV must be identical; the payload is decrypted with each run's esp_sa keys (AES-CBC or 3DES,
Wireshark's UAT format) and the inner packets compared with pcap_same's masking. IKE and every
other frame are compared as pcap_same does. Outer fragments after the first cannot be
decrypted alone: their outer header and length are compared. Exit 0 if equal, 1 otherwise.
"""
import sys

sys.path.insert(0, __file__.rsplit('/', 1)[0])
import pcap_same  # noqa: E402

try:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
except ImportError:
    print('SKIP: python3 cryptography module missing')
    sys.exit(77)

ICV = {'HMAC-SHA-1-96': 12, 'HMAC-SHA-256-128': 16, 'HMAC-SHA-384-192': 24,
       'HMAC-SHA-512-256': 32, 'NULL': 0}


def load_keys(path):
    keys = {}
    for line in open(path):
        f = [x.strip('"') for x in line.strip().split('","')]
        if len(f) < 8:
            continue
        spi = int(f[3], 16)
        enc = bytes.fromhex(f[5][2:])
        icv = ICV.get(f[6].split(' ')[0], 12)
        keys[spi] = (f[4].startswith('TripleDES'), enc, icv)
    return keys


def decrypt(keys, esp):
    spi = int.from_bytes(esp[0:4], 'big')
    if spi not in keys:
        return None
    des, key, icv = keys[spi]
    ivlen = 8 if des else 16
    body = bytes(esp[8 + ivlen:len(esp) - icv])
    alg = algorithms.TripleDES(key) if des else algorithms.AES(key)
    d = Cipher(alg, modes.CBC(bytes(esp[8:8 + ivlen]))).decryptor()
    plain = d.update(body) + d.finalize()
    padlen = plain[-2]
    return bytearray(plain[:len(plain) - 2 - padlen]), 8 + ivlen


def split(b):
    """(outer IPv4 offset, ESP offset or None, fragment?) of an Ethernet frame."""
    if len(b) < 34 or b[12:14] != b'\x08\x00' or b[14] >> 4 != 4:
        return None, None, False
    ihl = (b[14] & 15) * 4
    frag = int.from_bytes(b[20:22], 'big')
    first = frag & 0x1fff == 0
    whole = frag & 0x3fff == 0
    if b[23] == 50:
        return 14, 14 + ihl if whole else None, not whole
    if b[23] == 17 and first and len(b) >= 14 + ihl + 12:
        ports = int.from_bytes(b[14 + ihl:14 + ihl + 2], 'big'), \
            int.from_bytes(b[14 + ihl + 2:14 + ihl + 4], 'big')
        u = 14 + ihl + 8
        if 4500 in ports and b[u:u + 4] != b'\0\0\0\0' and len(b) > u + 8 and whole:
            return 14, u, False
    return 14, None, frag & 0x3fff != 0


def main():
    ka, kb = load_keys(sys.argv[1]), load_keys(sys.argv[2])
    a, b = pcap_same.frames(sys.argv[3]), pcap_same.frames(sys.argv[4])
    diffs, esp_n, frag_n = [], 0, 0
    if len(a) != len(b):
        diffs.append(f'frame counts differ: {len(a)} vs {len(b)}')
    for i, (x, y) in enumerate(zip(a, b), 1):
        bx, by = x[2], y[2]
        if x[:2] != y[:2] or len(bx) != len(by):
            diffs.append(f'frame {i}: timestamp or length differs')
            continue
        ip, esp, frag = split(bx)
        if esp is not None and split(by)[1] == esp:
            end = 14 + int.from_bytes(bx[16:18], 'big')
            dx, dy = decrypt(ka, bx[esp:end]), decrypt(kb, by[esp:end])
            if dx is None or dy is None:
                diffs.append(f'frame {i}: no key for SPI {bx[esp:esp + 4].hex()}')
                continue
            hdr = esp + dx[1]
            if bx[:hdr] != by[:hdr]:
                diffs.append(f'frame {i}: outer header, SPI, sequence or IV differ')
            ix, iy = dx[0], dy[0]
            if ix and ix[0] >> 4 == 4:
                pcap_same.mask_ipv4(ix, 0)
                pcap_same.mask_ipv4(iy, 0)
            if ix != iy:
                diffs.append(f'frame {i}: decrypted inner packets differ')
            esp_n += 1
            continue
        if frag and ip is not None and bx[23] in (17, 50):
            frag_n += 1
            if bx[:34] != by[:34]:
                diffs.append(f'frame {i}: outer fragment headers differ')
            continue
        if len(bx) > 14 and bx[12:14] == b'\x08\x00':
            pcap_same.mask_ipv4(bx, 14)
            pcap_same.mask_ipv4(by, 14)
        if bx != by:
            diffs.append(f'frame {i}: bytes differ')
    if diffs:
        print(f'{sys.argv[3]} vs {sys.argv[4]}:')
        for d in diffs[:10]:
            print('  ' + d)
        return 1
    print(f'{len(a)} frames equal ({esp_n} ESP decrypted and compared, {frag_n} outer '
          f'fragments by header)')
    return 0


if __name__ == '__main__':
    sys.exit(main())
