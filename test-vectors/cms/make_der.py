#!/usr/bin/env python3
"""Builds the DER inputs that make-cms.sh signs (stdlib only).

make_der.py ldsso OUT            LDSSecurityObject v0 (SHA-256, DG1, DG2, DG14)
make_der.py ldsso1 OUT           LDSSecurityObject v1 (adds ldsVersionInfo "0108"/"040000")
make_der.py masterlist OUT C1 C2 C3   CscaMasterList v0 with the given certificate DER files"""
import hashlib
import sys


def tlv(tag, content):
    n = len(content)
    if n < 0x80:
        ln = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, "big")
        ln = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + ln + content


SHA256_ALG = tlv(0x30, tlv(0x06, bytes.fromhex("608648016503040201")) + tlv(0x05, b""))


def ldsso(version):
    hashes = b""
    for dg in (1, 2, 14):
        h = hashlib.sha256(b"monid test data group %d" % dg).digest()
        hashes += tlv(0x30, tlv(0x02, bytes([dg])) + tlv(0x04, h))
    body = tlv(0x02, bytes([version])) + SHA256_ALG + tlv(0x30, hashes)
    if version == 1:
        body += tlv(0x30, tlv(0x13, b"0108") + tlv(0x13, b"040000"))
    return tlv(0x30, body)


def masterlist(paths):
    certs = sorted(open(p, "rb").read() for p in paths)  # DER SET OF order
    return tlv(0x30, tlv(0x02, b"\x00") + tlv(0x31, b"".join(certs)))


kind, out = sys.argv[1], sys.argv[2]
data = {"ldsso": lambda: ldsso(0), "ldsso1": lambda: ldsso(1),
        "masterlist": lambda: masterlist(sys.argv[3:])}[kind]()
open(out, "wb").write(data)
