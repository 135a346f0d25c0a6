#!/bin/sh
# Regenerates the OpenSSL-made CMS test vectors in this directory (see SOURCE.md).
# Needs Debian's openssl (3.x) and python3 (stdlib only). Private keys live in a temporary
# directory and are not kept. Every output is signed afresh (new keys, new signing time), so
# re-running changes every file; the tests only rely on the relations checked here.
set -eu
cd "$(dirname "$0")"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT

# Test signers: self-signed RSA-2048 and EC P-256 "document signers".
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/rsa.key" -days 3650 \
    -subj "/C=UT/O=monid test/CN=monid test DS RSA" -outform DER -out rsa_cert.der 2>/dev/null
openssl ecparam -name prime256v1 -genkey -noout -out "$T/ec.key"
openssl req -x509 -new -key "$T/ec.key" -days 3650 \
    -subj "/C=UT/O=monid test/CN=monid test DS P-256" -outform DER -out ec_cert.der
openssl pkey -in "$T/rsa.key" -pubout -out rsa_pub.pem
openssl pkey -in "$T/ec.key" -pubout -out ec_pub.pem
openssl x509 -inform DER -in rsa_cert.der -out "$T/rsa.pem"
openssl x509 -inform DER -in ec_cert.der -out "$T/ec.pem"

python3 make_der.py ldsso ldsso_v0.der
python3 make_der.py ldsso1 ldsso_v1.der

# sign NAME KEY INPUT ECONTENT_TYPE [extra openssl cms options]
sign() {
    name=$1 key=$2 input=$3 ctype=$4
    shift 4
    openssl cms -sign -binary -nodetach -md sha256 -econtent_type "$ctype" \
        -signer "$T/$key.pem" -inkey "$T/$key.key" -in "$input" -outform DER -out "$name.der" "$@"
    openssl cms -cmsout -print -inform DER -in "$name.der" > "$name.print.txt"
    python3 ber_walk.py "$name.der" "$name.signed_attrs.bin" "$name.sig.bin"
    if [ -s "$name.signed_attrs.bin" ]; then
        openssl dgst -sha256 -verify "${key}_pub.pem" -signature "$name.sig.bin" "$name.signed_attrs.bin"
    else
        openssl dgst -sha256 -verify "${key}_pub.pem" -signature "$name.sig.bin" "$input"
    fi
    # And OpenSSL's own CMS verification (signer certificate as trust anchor).
    openssl cms -verify -binary -inform DER -in "$name.der" -CAfile "$T/$key.pem" \
        -out /dev/null 2>/dev/null
}

sign sod_rsa rsa ldsso_v0.der 2.23.136.1.1.1
sign sod_rsa_stream rsa ldsso_v0.der 2.23.136.1.1.1 -stream
sign sod_rsa_nosmimecap rsa ldsso_v0.der 2.23.136.1.1.1 -nosmimecap
sign sod_rsa_noattr rsa ldsso_v0.der 2.23.136.1.1.1 -noattr
sign sod_ec ec ldsso_v1.der 2.23.136.1.1.1 -nosmimecap
sign sod_ec_stream ec ldsso_v1.der 2.23.136.1.1.1 -stream -nosmimecap

# Detached signature (no eContent): must be refused.
openssl cms -sign -binary -md sha256 -econtent_type 2.23.136.1.1.1 -nosmimecap \
    -signer "$T/rsa.pem" -inkey "$T/rsa.key" -in ldsso_v0.der -outform DER -out sod_rsa_detached.der

# A CSCA master list of three self-signed CSCA certificates, signed by the RSA signer.
for i in 1 2 3; do
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$T/csca$i.key" -days 3650 -subj "/C=UT/O=monid test/CN=monid test CSCA $i" \
        -outform DER -out "csca$i.der" 2>/dev/null
done
python3 make_der.py masterlist masterlist.der csca1.der csca2.der csca3.der
sign masterlist_cms rsa masterlist.der 2.23.136.1.1.2 -nosmimecap

# Hand-assembled BER SignedData (indefinite-length signed attributes) around an OpenSSL
# RSA signature over the signed attributes exactly as encoded (31 80 ... 00 00).
ski=$(openssl x509 -inform DER -in rsa_cert.der -noout -ext subjectKeyIdentifier | tail -1 | tr -d ' :')
python3 make_ber.py attrs ldsso_v0.der "$ski" sod_ber.signed_attrs.bin
openssl dgst -sha256 -sign "$T/rsa.key" -out sod_ber.sig.bin sod_ber.signed_attrs.bin
openssl dgst -sha256 -verify rsa_pub.pem -signature sod_ber.sig.bin sod_ber.signed_attrs.bin
python3 make_ber.py cms ldsso_v0.der "$ski" sod_ber.signed_attrs.bin sod_ber.sig.bin rsa_cert.der sod_ber.der
openssl cms -cmsout -print -inform DER -in sod_ber.der > sod_ber.print.txt
# OpenSSL's own CMS verify re-encodes the signed attributes in DER before checking, so it is
# expected to reject this one; record what it says.
if openssl cms -verify -binary -inform DER -in sod_ber.der -CAfile "$T/rsa.pem" -out /dev/null 2>/dev/null; then
    echo "openssl cms -verify accepts sod_ber.der" > sod_ber.openssl-verify.txt
else
    echo "openssl cms -verify rejects sod_ber.der" > sod_ber.openssl-verify.txt
fi
echo "all vectors regenerated and checked"
