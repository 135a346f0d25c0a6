#!/usr/bin/env python3
"""monid wire format v1, second implementation (docs/wire-format.md), in Python with
`cryptography` and `cbor2` only. Shares no code with monid-core.

    python3 monid_wire.py check [VECTORS]   verify test-vectors/receipt/wire_vectors.json:
                                            challenges (signature, x5chain to the RP root),
                                            envelopes (decrypt), receipts (signature, fields,
                                            chip evidence); prints "python: N passed, M failed"
    python3 monid_wire.py issue [VECTORS]   issue a fresh challenge signed by the RP leaf key of
                                            the vectors, and a device-asserted receipt for it
                                            sealed to the challenge's key; prints JSON for the
                                            Rust side (core/tests/receipt_python.rs)
"""
import datetime
import hashlib
import io
import json
import os
import sys

import cbor2
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_VECTORS = os.path.join(HERE, "..", "..", "test-vectors", "receipt", "wire_vectors.json")

MAX_CHALLENGE = 2048
MAX_RECEIPT = 256 * 1024
MAX_ENVELOPE = 512 * 1024
PROTECTED_ES256 = bytes([0xA1, 0x01, 0x26])
DEVICE_IV = bytes([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1])


class WireError(Exception):
    pass


# ---------------------------------------------------------------------------------------------
# CBOR


def canonical(value):
    """RFC 8949 4.2.1 deterministic encoding (integer keys: bytewise order = cbor2's order)."""
    return cbor2.dumps(value, canonical=True)


def strict_loads(data, cap):
    """Decode exactly one item, no trailing bytes, within cap; indefinite lengths are refused by
    re-encoding canonically and comparing (the monid encoder is deterministic)."""
    if len(data) > cap:
        raise WireError("too long")
    stream = io.BytesIO(data)
    try:
        value = cbor2.CBORDecoder(stream).decode()
    except Exception as e:  # noqa: BLE001
        raise WireError("malformed CBOR: %s" % type(e).__name__)
    if stream.tell() != len(data):
        raise WireError("trailing bytes")
    return norm(value)


def norm(v):
    """cbor2 6 may return tuples (e.g. inside tags); use lists throughout."""
    if isinstance(v, (list, tuple)):
        return [norm(x) for x in v]
    if isinstance(v, dict) or hasattr(v, "items"):  # dict or cbor2.frozendict
        return {k: norm(x) for k, x in v.items()}
    if isinstance(v, cbor2.CBORTag):
        return cbor2.CBORTag(v.tag, norm(v.value))
    return v


def int_map(value, what):
    if not isinstance(value, dict) or not all(isinstance(k, int) and k >= 0 for k in value):
        raise WireError(what + " is not an integer-keyed map")
    return value


# ---------------------------------------------------------------------------------------------
# COSE_Sign1 ES256


def sig_structure(protected, payload):
    return canonical(["Signature1", protected, b"", payload])


def parse_sign1(data, cap):
    v = strict_loads(data, cap)
    if not isinstance(v, cbor2.CBORTag) or v.tag != 18:
        raise WireError("COSE_Sign1 tag 18 missing")
    items = v.value
    if not isinstance(items, list) or len(items) != 4:
        raise WireError("COSE_Sign1 is not a 4-array")
    protected, unprotected, payload, signature = items
    if not isinstance(protected, bytes) or cbor2.loads(protected) != {1: -7}:
        raise WireError("protected header must be {1: -7}")
    if not isinstance(unprotected, dict) or not isinstance(payload, bytes):
        raise WireError("COSE_Sign1 structure")
    if not isinstance(signature, bytes) or len(signature) != 64:
        raise WireError("signature size")
    return protected, unprotected, payload, signature


def verify_es256(public_key, protected, payload, signature):
    r = int.from_bytes(signature[:32], "big")
    s = int.from_bytes(signature[32:], "big")
    try:
        public_key.verify(encode_dss_signature(r, s), sig_structure(protected, payload),
                          ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        raise WireError("bad signature")


def sign1(private_key, payload, unprotected):
    der = private_key.sign(sig_structure(PROTECTED_ES256, payload), ec.ECDSA(hashes.SHA256()))
    r, s = decode_dss_signature(der)
    raw = r.to_bytes(32, "big") + s.to_bytes(32, "big")
    return cbor2.dumps(cbor2.CBORTag(18, [PROTECTED_ES256, unprotected, payload, raw]))


def p256_public(sec1):
    return ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), sec1)


def p256_private(scalar):
    return ec.derive_private_key(int.from_bytes(scalar, "big"), ec.SECP256R1())


def sec1(public_key, compressed):
    fmt = (serialization.PublicFormat.CompressedPoint if compressed
           else serialization.PublicFormat.UncompressedPoint)
    return public_key.public_bytes(serialization.Encoding.X962, fmt)


# ---------------------------------------------------------------------------------------------
# Challenge


def verify_chain(leaf_der, anchors, when):
    leaf = x509.load_der_x509_certificate(leaf_der)
    for root in anchors:
        if root.subject != leaf.issuer:
            continue
        try:
            leaf.verify_directly_issued_by(root)
        except (InvalidSignature, ValueError, TypeError):
            continue
        for c in (leaf, root):
            if not (c.not_valid_before_utc <= when <= c.not_valid_after_utc):
                raise WireError("certificate not valid at the scan time")
        if not root.extensions.get_extension_for_class(x509.BasicConstraints).value.ca:
            raise WireError("anchor is not a CA")
        bc = leaf.extensions.get_extension_for_class(x509.BasicConstraints).value
        ku = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
        if bc.ca or not ku.digital_signature:
            raise WireError("leaf flags")
        if not isinstance(leaf.public_key(), ec.EllipticCurvePublicKey) or \
                leaf.public_key().curve.name != "secp256r1":
            raise WireError("leaf key is not P-256")
        return leaf
    raise WireError("unknown relying party (no chain to an anchor)")


def verify_challenge(data, anchors, now):
    """Verifies a challenge (signature, full-form x5chain to an anchor, fields) and returns
    its payload map."""
    protected, unprotected, payload, signature = parse_sign1(data, MAX_CHALLENGE)
    chain = unprotected.get(33)
    if isinstance(chain, bytes):
        chain = [chain]
    if not isinstance(chain, list) or not chain:
        raise WireError("x5chain missing (this script handles the full form)")
    when = datetime.datetime.fromtimestamp(now, datetime.timezone.utc)
    leaf = verify_chain(chain[0], anchors, when)
    verify_es256(leaf.public_key(), protected, payload, signature)
    m = int_map(strict_loads(payload, MAX_CHALLENGE), "challenge")
    if set(k for k in m if k < 100) - set(range(1, 11)):
        raise WireError("unknown critical key")
    if m.get(1) != 1:
        raise WireError("challenge version")
    cn = leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value
    if not isinstance(m.get(2), str) or len(m[2].encode()) > 64 or m[2] != cn:
        raise WireError("rp_id is not the certificate's CN")
    if not isinstance(m.get(3), bytes) or len(m[3]) != 16:
        raise WireError("nonce")
    if not (isinstance(m.get(4), int) and isinstance(m.get(5), int)
            and m[4] < m[5] <= m[4] + 900):
        raise WireError("validity window")
    if now > m[5] + 120:
        raise WireError("expired")
    if now + 120 < m[4]:
        raise WireError("not yet valid")
    if not isinstance(m.get(6), str) or len(m[6].encode()) > 128:
        raise WireError("purpose")
    claims = m.get(7)
    if not isinstance(claims, list) or not 1 <= len(claims) <= 9:
        raise WireError("claims")
    seen = set()
    for c in claims:
        if (not isinstance(c, list) or len(c) != 2 or c[0] not in range(1, 10)
                or c[1] not in (1, 2) or c[0] in seen or (c[0] == 9 and c[1] != 1)):
            raise WireError("claim entry")
        seen.add(c[0])
    if not isinstance(m.get(8), int) or not 0 <= m[8] <= 7:
        raise WireError("assurance")
    if not isinstance(m.get(9), str) or not m[9].startswith("https://") or len(m[9]) > 256:
        raise WireError("response_uri")
    if not isinstance(m.get(10), bytes) or len(m[10]) != 33:
        raise WireError("rp_key")
    p256_public(m[10])
    return m


def confirmation_code(challenge):
    d = hashlib.sha256(b"monid-confirm-v1" + challenge).digest()
    return "%06d" % (int.from_bytes(d[:4], "big") % 1_000_000)


# ---------------------------------------------------------------------------------------------
# Envelope and receipt


def session_key(z, challenge_digest, e_d, rp_key):
    transcript = canonical(["monid-receipt-v1", challenge_digest, e_d, rp_key])
    salt = hashlib.sha256(canonical(cbor2.CBORTag(24, transcript))).digest()
    return HKDF(hashes.SHA256(), 32, salt, b"SKDevice").derive(z)


def open_envelope(envelope, rp_private, challenge):
    m = int_map(strict_loads(envelope, MAX_ENVELOPE), "envelope")
    if set(k for k in m if k < 100) - {1, 2, 3, 4} or m.get(1) != 1:
        raise WireError("envelope keys or version")
    e_d, ct = m.get(3), m.get(4)
    if not isinstance(e_d, bytes) or len(e_d) != 65 or e_d[0] != 4 or not isinstance(ct, bytes):
        raise WireError("envelope fields")
    z = rp_private.exchange(ec.ECDH(), p256_public(e_d))
    rp_key = sec1(rp_private.public_key(), True)
    sk = session_key(z, hashlib.sha256(challenge).digest(), e_d, rp_key)
    return m[2], AESGCM(sk).decrypt(DEVICE_IV, ct, b"")


def seal_envelope(signed_receipt, challenge, nonce, rp_key):
    e = ec.generate_private_key(ec.SECP256R1())
    e_d = sec1(e.public_key(), False)
    z = e.exchange(ec.ECDH(), p256_public(rp_key))
    sk = session_key(z, hashlib.sha256(challenge).digest(), e_d, rp_key)
    return canonical({1: 1, 2: nonce, 3: e_d, 4: AESGCM(sk).encrypt(DEVICE_IV, signed_receipt, b"")})


def aa_challenge(challenge, device_key):
    return hashlib.sha256(b"monid-aa-v1" + challenge + device_key).digest()[:8]


def is_date(s):
    return (isinstance(s, str) and len(s) == 10 and s[4] == "-" and s[7] == "-"
            and (s[:4] + s[5:7] + s[8:]).isdigit())


def spki_of_dg15(dg15):
    # 6F L SPKI (L in short or long form)
    if dg15[0] != 0x6F:
        raise WireError("DG15 tag")
    n = dg15[1]
    off = 2 if n < 0x80 else 2 + (n & 0x7F)
    return serialization.load_der_public_key(dg15[off:])


def verify_receipt(signed, challenge, challenge_map):
    """Verifies a signed receipt against the challenge it answers; returns the payload map."""
    protected, _unprot, payload, signature = parse_sign1(signed, MAX_RECEIPT)
    m = int_map(strict_loads(payload, MAX_RECEIPT), "receipt")
    if set(k for k in m if k < 100) - set(range(1, 11)) or m.get(1) != 1:
        raise WireError("receipt keys or version")
    device_key = m.get(6)
    if not isinstance(device_key, bytes) or len(device_key) != 65:
        raise WireError("device_key")
    verify_es256(p256_public(device_key), protected, payload, signature)
    if m.get(2) != hashlib.sha256(challenge).digest():
        raise WireError("challenge_digest")
    if m.get(3) != challenge_map[3] or m.get(4) != challenge_map[2]:
        raise WireError("nonce or rp_id")
    if not isinstance(m.get(5), int):
        raise WireError("created_at")
    requested = [tuple(c) for c in challenge_map[7]]
    got = [(c[0], c[1]) for c in m[9]]
    if got != requested:
        raise WireError("claims are not exactly the requested ones")
    asserted = False
    for claim, level, value in m[9]:
        if level == 1:
            if value is not None:
                raise WireError("chip-verifiable claim with a value")
            continue
        asserted = True
        ok = {
            1: lambda v: isinstance(v, list) and len(v) == 2 and all(isinstance(x, str) for x in v),
            2: is_date, 7: is_date,
            3: lambda v: isinstance(v, list) and len(v) == 2 and isinstance(v[0], bool) and is_date(v[1]),
            4: lambda v: isinstance(v, list) and len(v) == 2 and isinstance(v[0], bool) and is_date(v[1]),
            5: lambda v: isinstance(v, str) and len(v) == 3,
            6: lambda v: isinstance(v, str), 8: lambda v: isinstance(v, str),
        }.get(claim, lambda v: False)(value)
        if not ok:
            raise WireError("device-asserted value of claim %d" % claim)
    if asserted and not (isinstance(m.get(10), bytes) and len(m[10]) == 32):
        raise WireError("enrolment_id")
    assurance = challenge_map[8]
    if (7 in m) != bool(assurance & 4):
        raise WireError("face map presence")
    chip = m.get(8)
    if (assurance & 3 or any(l == 1 for _, l in requested)) and chip is None:
        raise WireError("chip map missing")
    if chip is not None:
        groups = chip[2]
        want = sorted({11 if c == 8 else 2 if c == 9 else 1 for c, l in requested if l == 1}
                      | ({15} if 3 in chip else set()) | ({14} if chip[4] else set()))
        if sorted(groups) != want:
            raise WireError("data groups are not exactly the needed ones")
        if 3 in chip:
            c8, sig = chip[3]
            if c8 != aa_challenge(challenge, device_key):
                raise WireError("AA challenge is not bound to this challenge and device key")
            key = spki_of_dg15(groups[15])
            r, s = int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big")
            try:
                key.verify(encode_dss_signature(r, s), c8, ec.ECDSA(hashes.SHA256()))
            except InvalidSignature:
                raise WireError("AA signature")
    if 7 in m:
        face = m[7]
        if not (0 <= face[3] <= 1000 and 0 <= face[4] <= 1000 and face[6] in (0, 1, 2)
                and isinstance(face[5], bool) and len(face[7]) == 32):
            raise WireError("face map")
        alg, digest = face[8]
        if chip is not None and 2 in chip[2] and alg == "sha256" \
                and hashlib.sha256(chip[2][2]).digest() != digest:
            raise WireError("DG2 digest does not match DG2")
    return m


# ---------------------------------------------------------------------------------------------
# Commands


def load(path):
    with open(path) as f:
        return json.load(f)


def check(path):
    v = load(path)
    h = bytes.fromhex
    root = x509.load_der_x509_certificate(h(v["keys"]["rp_root_cert"]))
    passed, failed = 0, 0

    def run(name, fn):
        nonlocal passed, failed
        try:
            fn()
            passed += 1
        except Exception as e:  # noqa: BLE001
            failed += 1
            print("FAIL %s: %s: %s" % (name, type(e).__name__, e))

    def expect_error(fn):
        def inner():
            try:
                fn()
            except (WireError, InvalidSignature, ValueError, Exception):  # noqa: BLE001
                return
            raise AssertionError("accepted")
        return inner

    # Keys are what their labels say.
    def keys():
        for k in ("device", "rp_leaf"):
            assert v["keys"][k + "_private"] == hashlib.sha256(
                v["keys"][k + "_private_label"].encode()).hexdigest()
        dev = p256_private(h(v["keys"]["device_private"]))
        assert sec1(dev.public_key(), False) == h(v["keys"]["device_public"])
    run("keys", keys)

    now = v["inputs"]["created_at"]
    for c in v["cases"]:
        ch = h(c["challenge"])
        name = c["name"]
        state = {}

        def challenge():
            state["m"] = verify_challenge(ch, [root], now)
            assert state["m"][10] == h(c["rp_ephemeral_public"])
        run(name + ": challenge", challenge)
        run(name + ": challenge expired", expect_error(lambda: verify_challenge(ch, [root], now + 3600)))
        run(name + ": challenge unknown RP", expect_error(lambda: verify_challenge(ch, [], now)))
        bad = bytearray(ch)
        bad[-1] ^= 1
        run(name + ": challenge bad signature", expect_error(lambda: verify_challenge(bytes(bad), [root], now)))

        def envelope():
            rp = p256_private(h(c["rp_ephemeral_private"]))
            nonce, signed = open_envelope(h(c["envelope"]), rp, ch)
            assert signed == h(c["receipt"]), "decrypted receipt differs"
            assert nonce == state["m"][3]
            m = verify_receipt(signed, ch, state["m"])
            assert canonical(m) == h(c["payload"]), "payload not deterministic CBOR"
            assert m[6] == h(v["keys"]["device_public"])
            if name == "device_asserted":
                assert m[9] == [[3, 2, [False, "2025-11-25"]], [1, 2, ["EL AMRANI", "YASMINE"]]]
                assert m[10] == h(v["inputs"]["enrolment_id"])
                assert 7 not in m and 8 not in m
            else:
                assert m[7][7] == hashlib.sha256(h(v["inputs"]["live_capture"])).digest()
                assert m[7][1] == v["inputs"]["face"]["engine_id"] and m[7][3] == 912
                assert m[8][3][0] == h(c["aa_challenge"])
                assert m[8][5] == 2 and m[8][4] is False
                assert 10 not in m
        run(name + ": envelope + receipt", envelope)

        def wrong_key():
            open_envelope(h(c["envelope"]), p256_private(hashlib.sha256(b"x").digest()), ch)
        run(name + ": envelope wrong key", expect_error(wrong_key))

        def other_challenge():
            rp = p256_private(h(c["rp_ephemeral_private"]))
            open_envelope(h(c["envelope"]), rp, bytes(bad))
        run(name + ": envelope other challenge", expect_error(other_challenge))

        def tampered_receipt():
            signed = bytearray(h(c["receipt"]))
            signed[-1] ^= 1
            verify_receipt(bytes(signed), ch, state["m"])
        run(name + ": receipt bad signature", expect_error(tampered_receipt))

    print("python: %d passed, %d failed" % (passed, failed))
    return failed == 0


def issue(path):
    """A challenge issued here (RP leaf key of the vectors), and a device-asserted receipt for it
    (device key of the vectors) sealed to it, for the Rust side to accept."""
    v = load(path)
    h = bytes.fromhex
    leaf_key = p256_private(h(v["keys"]["rp_leaf_private"]))
    rp_eph = ec.generate_private_key(ec.SECP256R1())
    rp_key = sec1(rp_eph.public_key(), True)
    now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
    nonce = os.urandom(16)
    payload = canonical({
        1: 1, 2: "bank.example.ma", 3: nonce, 4: now, 5: now + 600,
        6: "Python-issued test challenge", 7: [[3, 2], [5, 2]], 8: 0,
        9: "https://bank.example.ma/monid/receipt", 10: rp_key,
    })
    challenge = sign1(leaf_key, payload, {33: h(v["keys"]["rp_leaf_cert"])})
    # Round trip through our own verifier first.
    root = x509.load_der_x509_certificate(h(v["keys"]["rp_root_cert"]))
    cm = verify_challenge(challenge, [root], now)
    device = p256_private(h(v["keys"]["device_private"]))
    receipt_payload = canonical({
        1: 1, 2: hashlib.sha256(challenge).digest(), 3: nonce, 4: "bank.example.ma", 5: now,
        6: sec1(device.public_key(), False),
        9: [[3, 2, [True, "2025-11-26"]], [5, 2, "MAR"]],
        10: hashlib.sha256(b"python enrolment").digest(),
    })
    signed = sign1(device, receipt_payload, {})
    verify_receipt(signed, challenge, cm)
    envelope = seal_envelope(signed, challenge, nonce, rp_key)
    print(json.dumps({
        "challenge": challenge.hex(),
        "issued_at": now,
        "confirmation_code": confirmation_code(challenge),
        "rp_ephemeral_private": rp_eph.private_numbers().private_value.to_bytes(32, "big").hex(),
        "receipt": signed.hex(),
        "envelope": envelope.hex(),
    }))
    return True


def main(argv):
    if len(argv) < 2 or argv[1] not in ("check", "issue"):
        print(__doc__)
        return 2
    path = argv[2] if len(argv) > 2 else DEFAULT_VECTORS
    ok = check(path) if argv[1] == "check" else issue(path)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
