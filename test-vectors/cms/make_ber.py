#!/usr/bin/env python3
"""Builds a deliberately BER-encoded SignedData around an OpenSSL signature (stdlib only).

make_ber.py attrs ECONTENT SKI_HEX OUT_SIGNED_BYTES
    writes the signed attributes as they are signed: 31 80 ... 00 00 (indefinite length),
    with contentType, a GeneralizedTime signingTime, a messageDigest as a constructed OCTET
    STRING in two segments, and CMSAlgorithmProtection (sha256, [1] sha256WithRSAEncryption).
make_ber.py cms ECONTENT SKI_HEX SIGNED_BYTES SIG CERT OUT
    wraps them: indefinite lengths at every constructed level, the eContent as a constructed
    OCTET STRING in three segments, a non-minimal length on the signature, sid =
    [0] subjectKeyIdentifier (SignerInfo v3); signedAttrs is [0] with the signed bytes'
    content kept byte for byte (A0 80 ... 00 00)."""
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


def indef(tag, content):
    return bytes([tag, 0x80]) + content + b"\0\0"


def oid(hexstr):
    return tlv(0x06, bytes.fromhex(hexstr))


SHA256 = tlv(0x30, oid("608648016503040201") + tlv(0x05, b""))
SHA256_RSA_BODY = oid("2a864886f70d01010b") + tlv(0x05, b"")
LDS_SO = "678108010101"  # 2.23.136.1.1.1


def signed_attrs(econtent):
    md = hashlib.sha256(econtent).digest()
    attrs = [
        tlv(0x30, oid("2a864886f70d010903") + tlv(0x31, oid(LDS_SO))),
        tlv(0x30, oid("2a864886f70d010905") + tlv(0x31, tlv(0x18, b"20250102030405Z"))),
        indef(0x30, oid("2a864886f70d010904")
              + indef(0x31, indef(0x24, tlv(0x04, md[:7]) + tlv(0x04, md[7:])))),
        tlv(0x30, oid("2a864886f70d010934")
            + tlv(0x31, tlv(0x30, SHA256 + tlv(0xA1, SHA256_RSA_BODY)))),
    ]
    return indef(0x31, b"".join(attrs))


def cms(econtent, ski, signed, sig, cert):
    assert signed[:2] == b"\x31\x80"
    econ = econtent
    segs = tlv(0x04, econ[:50]) + tlv(0x04, econ[50:100]) + tlv(0x04, econ[100:])
    encap = indef(0x30, oid(LDS_SO) + indef(0xA0, indef(0x24, segs)))
    sig_tlv = b"\x04\x82" + len(sig).to_bytes(2, "big") + sig  # non-minimal for <256 too
    signer = indef(0x30, tlv(0x02, b"\x03") + tlv(0x80, ski) + SHA256
                   + b"\xA0" + signed[1:] + tlv(0x30, SHA256_RSA_BODY) + sig_tlv)
    sd = indef(0x30, tlv(0x02, b"\x03") + indef(0x31, SHA256) + encap
               + indef(0xA0, cert) + indef(0x31, signer))
    return indef(0x30, oid("2a864886f70d010702") + indef(0xA0, sd))


mode = sys.argv[1]
econtent = open(sys.argv[2], "rb").read()
ski = bytes.fromhex(sys.argv[3])
if mode == "attrs":
    open(sys.argv[4], "wb").write(signed_attrs(econtent))
else:
    signed = open(sys.argv[4], "rb").read()
    sig = open(sys.argv[5], "rb").read()
    cert = open(sys.argv[6], "rb").read()
    open(sys.argv[7], "wb").write(cms(econtent, ski, signed, sig, cert))
