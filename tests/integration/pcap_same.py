#!/usr/bin/env python3
"""Compare two pcap files frame by frame: timestamps, lengths and bytes.

The Linux kernel picks some header fields itself at random, and no seed reaches them: the IPv4
identification of the packets it originates without DF (echo replies, ICMP errors, fragments of
those), and so the IPv4 header checksum, and in an ICMP error the quoted header's ID/checksum
and the ICMP checksum. With --mask-kernel-ids exactly those bytes are ignored; every other byte
must match. Exit 0 if the files match, 1 with the first differences otherwise.
"""
import struct
import sys


def frames(path):
    data = open(path, 'rb').read()
    if len(data) < 24:
        raise SystemExit(f'{path}: not a pcap file')
    magic = struct.unpack('<I', data[:4])[0]
    if magic != 0xa1b2c3d4:
        raise SystemExit(f'{path}: unexpected pcap magic {magic:#x}')
    out, off = [], 24
    while off + 16 <= len(data):
        sec, usec, caplen, _ = struct.unpack('<IIII', data[off:off + 16])
        out.append((sec, usec, bytearray(data[off + 16:off + 16 + caplen])))
        off += 16 + caplen
    return out


def mask_ipv4(b, at):
    """Zero the kernel-chosen fields of the IPv4 packet at offset at (Ethernet payload)."""
    if len(b) < at + 20 or b[at] >> 4 != 4:
        return
    ihl = (b[at] & 15) * 4
    b[at + 4:at + 6] = b'\0\0'          # identification
    b[at + 10:at + 12] = b'\0\0'        # header checksum
    proto = b[at + 9]
    frag = struct.unpack('>H', b[at + 6:at + 8])[0] & 0x1fff
    if proto == 1 and frag == 0 and len(b) >= at + ihl + 8 and b[at + ihl] in (3, 11, 12):
        b[at + ihl + 2:at + ihl + 4] = b'\0\0'      # ICMP checksum covers the quote
        mask_ipv4(b, at + ihl + 8)


def main():
    args = sys.argv[1:]
    mask = '--mask-kernel-ids' in args
    args = [a for a in args if a != '--mask-kernel-ids']
    a, b = frames(args[0]), frames(args[1])
    diffs = []
    if len(a) != len(b):
        diffs.append(f'frame counts differ: {len(a)} vs {len(b)}')
    for i, (x, y) in enumerate(zip(a, b), 1):
        if x[:2] != y[:2]:
            diffs.append(f'frame {i}: timestamps {x[0]}.{x[1]:06d} vs {y[0]}.{y[1]:06d}')
        bx, by = x[2], y[2]
        if mask and len(bx) > 14 and bx[12:14] == b'\x08\x00':
            mask_ipv4(bx, 14)
            mask_ipv4(by, 14)
        if bx != by:
            where = [j for j in range(min(len(bx), len(by))) if bx[j] != by[j]][:8]
            diffs.append(f'frame {i}: bytes differ (lengths {len(bx)}/{len(by)}, offsets {where})')
    if diffs:
        print(f'{args[0]} vs {args[1]}:')
        for d in diffs[:10]:
            print('  ' + d)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
