#!/usr/bin/env python3
"""Relying-party test PKI for the receipt vectors: a root (trust anchor) and a leaf that signs
challenges. Keys are fixed (scalar = SHA-256 of a label, see keys below) so the vectors can be
regenerated; the certificates' ECDSA signatures are randomized (Python `cryptography`), so a
re-run changes the DER but not the keys. Run once: python3 make_rp_certs.py (writes rp_root.der,
rp_leaf.der next to this file)."""
import datetime, hashlib, os
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

HERE = os.path.dirname(os.path.abspath(__file__))

def key(label):
    return ec.derive_private_key(int.from_bytes(hashlib.sha256(label.encode()).digest(), "big"), ec.SECP256R1())

root_key = key("monid test rp root")
leaf_key = key("monid test rp leaf")
nb = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
na = datetime.datetime(2045, 1, 1, tzinfo=datetime.timezone.utc)
root_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "MA"),
                       x509.NameAttribute(NameOID.ORGANIZATION_NAME, "monid test relying-party CA"),
                       x509.NameAttribute(NameOID.COMMON_NAME, "monid test RP root")])
leaf_name = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "MA"),
                       x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Banque Exemple"),
                       x509.NameAttribute(NameOID.COMMON_NAME, "bank.example.ma")])
root = (x509.CertificateBuilder().subject_name(root_name).issuer_name(root_name)
        .public_key(root_key.public_key()).serial_number(1).not_valid_before(nb).not_valid_after(na)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256()))
leaf = (x509.CertificateBuilder().subject_name(leaf_name).issuer_name(root_name)
        .public_key(leaf_key.public_key()).serial_number(2).not_valid_before(nb).not_valid_after(na)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(leaf_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()), critical=False)
        .sign(root_key, hashes.SHA256()))
for name, c in (("rp_root.der", root), ("rp_leaf.der", leaf)):
    with open(os.path.join(HERE, name), "wb") as f:
        f.write(c.public_bytes(serialization.Encoding.DER))
