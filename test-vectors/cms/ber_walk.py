#!/usr/bin/env python3
"""Tiny independent BER walker used by make-cms.sh (stdlib only, not the Rust parser).

Usage: ber_walk.py CMS.der OUT_SIGNED_ATTRS OUT_SIGNATURE
Finds the first SignerInfo's signedAttrs [0] (written with its first byte A0 replaced by 31,
everything else byte for byte) and its signature OCTET STRING content. Handles indefinite
lengths and constructed OCTET STRINGs (openssl -stream output)."""
import sys


def read(buf, pos):
    """Returns (tag, content_start, content_end, end) for the element at pos."""
    start = pos
    tag = buf[pos]
    pos += 1
    if tag & 0x1F == 0x1F:
        while buf[pos] & 0x80:
            pos += 1
        pos += 1
    l0 = buf[pos]
    pos += 1
    if l0 == 0x80:
        cs = pos
        while buf[pos:pos + 2] != b"\0\0":
            pos = read(buf, pos)[3]
        return tag, cs, pos, pos + 2
    if l0 < 0x80:
        n = l0
    else:
        k = l0 & 0x7F
        n = int.from_bytes(buf[pos:pos + k], "big")
        pos += k
    return tag, pos, pos + n, pos + n


def children(buf, cs, ce):
    out = []
    pos = cs
    while pos < ce:
        t, a, b, e = read(buf, pos)
        out.append((t, pos, a, b, e))
        pos = e
    return out


def string(buf, t, a, b):
    if t & 0x20 == 0:
        return buf[a:b]
    return b"".join(string(buf, ct, ca, cb) for ct, _, ca, cb, _ in children(buf, a, b))


def main():
    buf = open(sys.argv[1], "rb").read()
    _, a, b, _ = read(buf, 0)
    ci = children(buf, a, b)
    _, _, a, b, _ = ci[1]  # [0] EXPLICIT
    _, _, a, b, _ = children(buf, a, b)[0]  # SignedData SEQUENCE
    sd = children(buf, a, b)
    signer_infos = sd[-1]
    assert signer_infos[0] == 0x31
    si = children(buf, signer_infos[2], signer_infos[3])[0]
    fields = children(buf, si[2], si[3])
    attrs = [f for f in fields if f[0] == 0xA0]
    sig = [f for f in fields if f[0] in (0x04, 0x24)][0]
    with open(sys.argv[2], "wb") as f:
        if attrs:
            t, p, _, _, e = attrs[0]
            f.write(b"\x31" + buf[p + 1:e])
    with open(sys.argv[3], "wb") as f:
        f.write(string(buf, sig[0], sig[2], sig[3]))


main()
