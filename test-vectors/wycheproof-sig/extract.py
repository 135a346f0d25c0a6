#!/usr/bin/env python3
"""Copies the fields the pki::sig tests need from Wycheproof files into compact JSON.

Usage: python3 extract.py /path/to/wycheproof/testvectors_v1  (run from this directory)
"""
import json, os, sys

COMMIT = "dac1dd4729fd1f8dd9e1e9f3dce51d783da6c166"
FILES = [
    "ecdsa_secp256r1_sha256_test.json", "ecdsa_secp256r1_sha256_p1363_test.json",
    "ecdsa_secp384r1_sha384_test.json", "ecdsa_secp384r1_sha384_p1363_test.json",
    "ecdsa_brainpoolP256r1_sha256_test.json", "ecdsa_brainpoolP256r1_sha256_p1363_test.json",
    "ecdsa_brainpoolP384r1_sha384_test.json", "ecdsa_brainpoolP384r1_sha384_p1363_test.json",
    "rsa_signature_2048_sha256_test.json", "rsa_signature_3072_sha256_test.json",
    "rsa_signature_2048_sha512_test.json",
    "rsa_pss_2048_sha256_mgf1_32_test.json", "rsa_pss_2048_sha1_mgf1_20_test.json",
    "rsa_pss_3072_sha256_mgf1_32_test.json", "rsa_pss_4096_sha512_mgf1_64_test.json",
]
src = sys.argv[1]
for f in FILES:
    d = json.load(open(os.path.join(src, f)))
    groups = []
    for g in d["testGroups"]:
        out = {"publicKeyDer": g["publicKeyDer"], "sha": g["sha"]}
        for k in ("mgfSha", "sLen"):
            if k in g:
                out[k] = g[k]
        out["tests"] = [[t["tcId"], t["msg"], t["sig"], t["result"], t["flags"]] for t in g["tests"]]
        groups.append(out)
    json.dump({
        "source": f"Project Wycheproof (github.com/C2SP/wycheproof) testvectors_v1/{f} at commit {COMMIT}, "
                  "Apache-2.0; fields copied unchanged, tests as [tcId, msg, sig, result, flags]",
        "schema": d["schema"],
        "groups": groups,
    }, open(f.replace("_test.json", ".json"), "w"), separators=(",", ":"))
