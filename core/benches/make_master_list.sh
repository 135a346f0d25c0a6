#!/bin/sh
# Makes data/bench-600.ml for core/benches/pa.rs: a CSCA master list (ICAO 9303-12) holding the
# 600 certificates of test-vectors/certs/bench-600.pem, as CMS SignedData made by Debian's
# openssl (`cms -sign -econtent_type 2.23.136.1.1.2`, as test-vectors/pki/make-pki.sh makes the
# small one) and signed by the test PKI's master list signer (test-vectors/pki: mlsigner, issued
# by CSCA-UTO-OLD; TEST ONLY keys). The CscaMasterList eContent is written by
# test-vectors/pki/pki_tool.py (version 0, SET OF Certificate, sorted).
#
# Run from anywhere: sh core/benches/make_master_list.sh. Does nothing when the file exists
# (delete it to remake; the signature then differs byte for byte: signingTime).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out="$here/data/bench-600.ml"
if [ -s "$out" ]; then
    echo "exists: $out"
    exit 0
fi
pki="$root/test-vectors/pki"
t=$(mktemp -d)
trap 'rm -rf "$t"' EXIT
# One DER file per PEM block.
python3 - "$root/test-vectors/certs/bench-600.pem" "$t" <<'PY'
import base64, re, sys
pem, out = open(sys.argv[1]).read(), sys.argv[2]
blocks = re.findall(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", pem, re.S)
for i, b in enumerate(blocks):
    open(f"{out}/c{i:04}.der", "wb").write(base64.b64decode("".join(b.split())))
print(f"{len(blocks)} certificates")
PY
python3 "$pki/pki_tool.py" masterlist "$t/econtent.der" "$t"/c*.der
openssl cms -sign -binary -nodetach -in "$t/econtent.der" \
    -econtent_type 2.23.136.1.1.2 -signer "$pki/certs/mlsigner.pem" -inkey "$pki/keys/mlsigner.key" \
    -md sha256 -nosmimecap -outform DER -out "$out"
# Cross-check with openssl itself: signature and chain mlsigner -> CSCA-UTO-OLD.
openssl cms -verify -inform DER -in "$out" -CAfile "$pki/certs/csca-uto-old.pem" \
    -purpose any -attime 1795608000 -out /dev/null
ls -l "$out"
