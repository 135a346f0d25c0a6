#!/usr/bin/env python3
"""Makes test-vectors/ca-aa/aa_vectors.json: Active Authentication signatures made here, for
core/tests/ca_aa.rs. Needs Python `cryptography` and the `openssl` command (which uses OpenSSL) for key generation, SPKI
encoding and ECDSA; the RSA signatures are the textbook private operation s = F^d mod n on an
ISO/IEC 9796-2 digital signature scheme 1 message representative F built below.

Keys are freshly generated on each run, so re-running changes every value (the tests only need
the values to be consistent). Run from the repository root:

    python3 test-vectors/ca-aa/make_aa_vectors.py
"""

import hashlib
import json
import os
import subprocess

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

HERE = os.path.dirname(os.path.abspath(__file__))


def spki(pub):
    return pub.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ).hex().upper()


def rsa_sign_raw(key, f):
    n = key.public_key().public_numbers().n
    d = key.private_numbers().d
    k = (n.bit_length() + 7) // 8
    m = int.from_bytes(f, "big")
    assert m < n
    return pow(m, d, n).to_bytes(k, "big")


def iso9796_2_f(k, m1, challenge, hash_name, trailer):
    """6A || M1 || H(M1 || challenge) || trailer, M1 filling the capacity."""
    h = hashlib.new(hash_name, m1 + challenge).digest()
    f = b"\x6a" + m1 + h + trailer
    assert len(f) == k, (len(f), k)
    return f


out = {
    "source": (
        "Made by test-vectors/ca-aa/make_aa_vectors.py with Python cryptography "
        "(OpenSSL 3) keys. rsa1024_appendix_f: a fresh 1024-bit key signing (raw RSA, "
        "s = F^d mod n) the message representative F of ICAO Doc 9303-11 Appendix F "
        "(copied in icao9303_appendix_f.json), so that s^e mod n recovers exactly the "
        "published F. rsa2048_sha256: ISO/IEC 9796-2 scheme 1, partial recovery, SHA-256 "
        "with explicit trailer 34CC, M1 random. rsa2048_sha1_explicit: SHA-1 with trailer "
        "33CC. ecdsa_p256_sha256 / ecdsa_p384_sha384: ECDSA over the 8-byte challenge, "
        "signature converted from DER to plain r || s (BSI TR-03111)."
    ),
}

# Appendix F's F and challenge (M2), signed by a fresh 1024-bit key.
with open(os.path.join(HERE, "icao9303_appendix_f.json")) as fh:
    app_f = json.load(fh)
f = bytes.fromhex(app_f["F_recovered"])
key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
out["rsa1024_appendix_f"] = {
    "spki": spki(key.public_key()),
    "challenge": app_f["M2_rnd_ifd"],
    "signature": rsa_sign_raw(key, f).hex().upper(),
}

key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
challenge = os.urandom(8)
m1 = os.urandom(256 - 1 - 32 - 2)
f = iso9796_2_f(256, m1, challenge, "sha256", b"\x34\xcc")
out["rsa2048_sha256"] = {
    "spki": spki(key.public_key()),
    "challenge": challenge.hex().upper(),
    "signature": rsa_sign_raw(key, f).hex().upper(),
    "F": f.hex().upper(),
}
# Same key: SHA-1 with the explicit trailer 33CC; and a representative with the unknown
# hash identifier 0x37 (Whirlpool in ISO/IEC 10118-3), which must be refused.
m1 = os.urandom(256 - 1 - 20 - 2)
f = iso9796_2_f(256, m1, challenge, "sha1", b"\x33\xcc")
out["rsa2048_sha1_explicit"] = {
    "challenge": challenge.hex().upper(),
    "signature": rsa_sign_raw(key, f).hex().upper(),
}
f = iso9796_2_f(256, m1, challenge, "sha1", b"\x37\xcc")
out["rsa2048_unknown_trailer"] = {
    "challenge": challenge.hex().upper(),
    "signature": rsa_sign_raw(key, f).hex().upper(),
}

# A 512-bit key (too small) signing Appendix F's structure shrunk to 64 bytes.
# (cryptography refuses to generate keys below 1024 bits; openssl genpkey still does.)
pem = subprocess.run(
    ["openssl", "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:512"],
    check=True,
    capture_output=True,
).stdout
key = serialization.load_pem_private_key(pem, password=None)
m1 = os.urandom(64 - 1 - 20 - 1)
f = iso9796_2_f(64, m1, challenge, "sha1", b"\xbc")
out["rsa512_too_small"] = {
    "spki": spki(key.public_key()),
    "challenge": challenge.hex().upper(),
    "signature": rsa_sign_raw(key, f).hex().upper(),
}

for name, curve, h, n in [
    ("ecdsa_p256_sha256", ec.SECP256R1(), hashes.SHA256(), 32),
    ("ecdsa_p384_sha384", ec.SECP384R1(), hashes.SHA384(), 48),
]:
    key = ec.generate_private_key(curve)
    challenge = os.urandom(8)
    r, s = decode_dss_signature(key.sign(challenge, ec.ECDSA(h)))
    out[name] = {
        "spki": spki(key.public_key()),
        "challenge": challenge.hex().upper(),
        "signature": (r.to_bytes(n, "big") + s.to_bytes(n, "big")).hex().upper(),
    }

with open(os.path.join(HERE, "aa_vectors.json"), "w") as fh:
    json.dump(out, fh, indent=1)
    fh.write("\n")
