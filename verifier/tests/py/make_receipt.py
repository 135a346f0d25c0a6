#!/usr/bin/env python3
"""Makes a receipt with the Python second implementation (scripts/py/monid_wire.py) for
verifier/tests/python.rs: reads JSON on stdin {challenge, rp_root, device_private, now, claims,
enrolment_id?, chip?}, verifies the challenge (ES256, x5chain to rp_root, fields, clock),
builds the receipt payload (claims given as [code, level, value]; AA challenge derived here from
the challenge and the device key), signs it with the device key and seals it to the challenge's
ephemeral key. Prints {"envelope": hex, "aa_challenge": hex}."""
import hashlib
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..",
                                "scripts", "py"))
import monid_wire as w  # noqa: E402
from cryptography import x509  # noqa: E402

req = json.load(sys.stdin)
h = bytes.fromhex
challenge = h(req["challenge"])
root = x509.load_der_x509_certificate(h(req["rp_root"]))
cm = w.verify_challenge(challenge, [root], req["now"])
device = w.p256_private(h(req["device_private"]))
device_key = w.sec1(device.public_key(), False)
payload = {
    1: 1, 2: hashlib.sha256(challenge).digest(), 3: cm[3], 4: cm[2], 5: req["now"],
    6: device_key, 9: req["claims"],
}
if req.get("enrolment_id"):
    payload[10] = h(req["enrolment_id"])
aa = w.aa_challenge(challenge, device_key)
if req.get("chip"):
    c = req["chip"]
    payload[8] = {
        1: h(c["sod"]), 2: {int(n): h(b) for n, b in c["data_groups"].items()},
        3: [aa, h(c["aa_signature"])], 4: False, 5: 2, 6: 1,
    }
if req.get("face"):
    f = req["face"]
    payload[7] = {1: "synthetic", 2: "1", 3: f["score_milli"], 4: 800, 5: True, 6: 1,
                  7: hashlib.sha256(b"synthetic live capture").digest(),
                  8: ["sha256", h(f["dg2_digest"])]}
signed = w.sign1(device, w.canonical(payload), {})
envelope = w.seal_envelope(signed, challenge, cm[3], cm[10])
print(json.dumps({"envelope": envelope.hex(), "aa_challenge": aa.hex()}))
