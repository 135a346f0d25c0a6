#!/usr/bin/env bash
# Generates the PKI test certificates with the OpenSSL command-line tool (a third-party
# implementation: it shares no code with core/src/pki) and, for the load benchmark bundle and
# the deliberately non-DER encodings, with small python3 snippets (bench bundle: the
# `cryptography` package). Outputs are committed; rerunning makes new keys (tests do not depend
# on key values, only on the structure and on the fixed dates below).
# Test clock: 2030-01-01. CSCAs valid 2025-2040 (one until 2055: GeneralizedTime), DSCs
# 2025-2035, the expired DSC 2025-2028.
set -euo pipefail
cd "$(dirname "$0")"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT
mkdir -p "$W/newcerts"
: > "$W/index.txt"
echo 1000 > "$W/serial"
echo 01 > "$W/crlnumber"
cat > "$W/ca.cnf" <<EOF
[ ca ]
default_ca = CA_default
[ CA_default ]
dir = $W
database = $W/index.txt
new_certs_dir = $W/newcerts
serial = $W/serial
crlnumber = $W/crlnumber
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
copy_extensions = none
[ policy_any ]
countryName = optional
organizationName = optional
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = unused
[ csca ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ csca_root ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[ csca_nokid ]
basicConstraints = critical, CA:true, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = none
authorityKeyIdentifier = none
[ dsc ]
keyUsage = critical, digitalSignature
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[ dsc_noaki ]
keyUsage = critical, digitalSignature
subjectKeyIdentifier = none
authorityKeyIdentifier = none
[ crl_ext ]
authorityKeyIdentifier = keyid:always
EOF
CNF="$W/ca.cnf"
rsa() { openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$W/$1.key" 2>/dev/null; }
ec() { openssl ecparam -name "$2" ${3:+-param_enc $3} -genkey -noout -out "$W/$1.key"; }
csr() { openssl req -new -config "$CNF" -key "$W/$1.key" -subj "$2" -out "$W/$1.csr"; }
# sign NAME ISSUER_CERT ISSUER_KEY EXT START END [extra openssl ca args]
sign() {
  local name=$1 icert=$2 ikey=$3 ext=$4 start=$5 end=$6; shift 6
  local certarg=(-cert "$icert")
  [ "$icert" = self ] && certarg=(-selfsign)
  openssl ca -batch -config "$CNF" -notext -preserveDN -in "$W/$name.csr" "${certarg[@]}" \
    -keyfile "$W/$ikey.key" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -out "$W/$name.pem" "$@" 2>/dev/null
  openssl x509 -in "$W/$name.pem" -outform DER -out "$name.der"
}
S=20250101000000Z; E_CA=20400101000000Z; E_DS=20350101000000Z

# CSCA RSA (Morocco), its successor keys and link certificates.
rsa csca-rsa; csr csca-rsa "/C=MA/O=Test/CN=Test CSCA RSA"
sign csca-rsa self csca-rsa csca_root $S $E_CA
rsa csca-rsa-2; csr csca-rsa-2 "/C=MA/O=Test/CN=Test CSCA RSA 2"
sign csca-rsa-2 self csca-rsa-2 csca_root $S $E_CA
cp "$W/csca-rsa-2.csr" "$W/link-rsa-1-2.csr"
sign link-rsa-1-2 "$W/csca-rsa.pem" csca-rsa csca $S $E_CA
# Link 2 -> 3 with both names written in reverse RDN order and no key identifiers: only the
# names (compared as sets) connect it. The issuer name comes from a throw-away reversed
# self-signed certificate of key 2.
csr csca-rsa-2 "/CN=Test CSCA RSA 2/O=Test/C=MA"; mv "$W/csca-rsa-2.csr" "$W/tmp-rev2.csr"
cp "$W/tmp-rev2.csr" "$W/csca-rsa-2.csr"
openssl ca -batch -config "$CNF" -notext -preserveDN -in "$W/tmp-rev2.csr" -selfsign \
  -keyfile "$W/csca-rsa-2.key" -extensions csca_root -startdate $S -enddate $E_CA \
  -out "$W/tmp-rev2.pem" 2>/dev/null
rsa csca-rsa-3; csr csca-rsa-3 "/CN=Test CSCA RSA 3/O=Test/C=MA"; cp "$W/csca-rsa-3.csr" "$W/link-rsa-2-3.csr"
sign link-rsa-2-3 "$W/tmp-rev2.pem" csca-rsa-2 csca_nokid $S $E_CA
# A throw-away CSCA 3 certificate in normal order to issue the DSC only reachable via the links.
csr csca-rsa-3 "/C=MA/O=Test/CN=Test CSCA RSA 3"
openssl ca -batch -config "$CNF" -notext -preserveDN -in "$W/csca-rsa-3.csr" -selfsign \
  -keyfile "$W/csca-rsa-3.key" -extensions csca_root -startdate $S -enddate $E_CA \
  -out "$W/tmp-csca3.pem" 2>/dev/null
rsa dsc-link; csr dsc-link "/C=MA/O=Test/CN=Test DS via link"
sign dsc-link "$W/tmp-csca3.pem" csca-rsa-3 dsc $S $E_DS

# CSCA EC (Germany): P-256 with explicit parameters, valid until 2055 (GeneralizedTime).
ec csca-ec prime256v1 explicit; csr csca-ec "/C=DE/O=Test/CN=Test CSCA EC"
sign csca-ec self csca-ec csca_root $S 20550101000000Z

# DSCs.
rsa dsc-rsa; csr dsc-rsa "/C=MA/O=Test/CN=Test DS RSA"
sign dsc-rsa "$W/csca-rsa.pem" csca-rsa dsc $S $E_DS
rsa dsc-pss; csr dsc-pss "/C=MA/O=Test/CN=Test DS RSA-PSS"
sign dsc-pss "$W/csca-rsa.pem" csca-rsa dsc $S $E_DS -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32 -sigopt rsa_mgf1_md:sha256
ec dsc-p256 prime256v1; csr dsc-p256 "/C=DE/O=Test/CN=Test DS P-256"
sign dsc-p256 "$W/csca-ec.pem" csca-ec dsc $S $E_DS
ec dsc-bp256 brainpoolP256r1 explicit; csr dsc-bp256 "/C=DE/O=Test/CN=Test DS brainpoolP256r1"
sign dsc-bp256 "$W/csca-ec.pem" csca-ec dsc $S $E_DS -md sha384
rsa dsc-expired; csr dsc-expired "/C=MA/O=Test/CN=Test DS expired"
sign dsc-expired "$W/csca-rsa.pem" csca-rsa dsc $S 20280101000000Z
rsa dsc-revoked; csr dsc-revoked "/C=MA/O=Test/CN=Test DS revoked"
sign dsc-revoked "$W/csca-rsa.pem" csca-rsa dsc $S $E_DS
# Signed by the Moroccan CSCA but claiming France in its own subject.
rsa dsc-wrong-country; csr dsc-wrong-country "/C=FR/O=Test/CN=Test DS wrong country"
sign dsc-wrong-country "$W/csca-rsa.pem" csca-rsa dsc $S $E_DS
# Wrong CSCA: a rogue CSCA (not in any store) with exactly the RSA CSCA's name issues a DSC;
# the chain finds the real CSCA by name and its signature check fails.
rsa rogue; csr rogue "/C=MA/O=Test/CN=Test CSCA RSA"
openssl ca -batch -config "$CNF" -notext -preserveDN -in "$W/rogue.csr" -selfsign \
  -keyfile "$W/rogue.key" -extensions csca_nokid -startdate $S -enddate $E_CA -out "$W/rogue.pem" 2>/dev/null
rsa dsc-wrong-csca; csr dsc-wrong-csca "/C=MA/O=Test/CN=Test DS wrong CSCA"
sign dsc-wrong-csca "$W/rogue.pem" rogue dsc_noaki $S $E_DS

# Lower-case country: the CSCA says C=ma, the DSC's issuer says C=MA (no AKI: names only).
rsa csca-lc; csr csca-lc "/C=ma/O=Test/CN=Test CSCA LC"
sign csca-lc self csca-lc csca_root $S $E_CA
csr csca-lc "/C=MA/O=Test/CN=Test CSCA LC"
openssl ca -batch -config "$CNF" -notext -preserveDN -in "$W/csca-lc.csr" -selfsign \
  -keyfile "$W/csca-lc.key" -extensions csca_root -startdate $S -enddate $E_CA -out "$W/tmp-lc.pem" 2>/dev/null
rsa dsc-lc; csr dsc-lc "/C=ma/O=Test/CN=Test DS LC"
sign dsc-lc "$W/tmp-lc.pem" csca-lc dsc_noaki $S $E_DS

# Issuer without C=.
ec csca-noc prime256v1; csr csca-noc "/O=Test NoC/CN=Test CSCA NoC"
sign csca-noc self csca-noc csca_root $S $E_CA
ec dsc-noc prime256v1; csr dsc-noc "/O=Test NoC/CN=Test DS NoC"
sign dsc-noc "$W/csca-noc.pem" csca-noc dsc $S $E_DS

# CRL of the RSA CSCA revoking dsc-revoked (only revocation in the database).
openssl ca -config "$CNF" -revoke "$W/dsc-revoked.pem" -crl_reason keyCompromise \
  -cert "$W/csca-rsa.pem" -keyfile "$W/csca-rsa.key" 2>/dev/null
openssl ca -config "$CNF" -gencrl -cert "$W/csca-rsa.pem" -keyfile "$W/csca-rsa.key" \
  -crl_lastupdate 20260101000000Z -crl_nextupdate 20360101000000Z -crlexts crl_ext -out "$W/crl.pem" 2>/dev/null
openssl crl -in "$W/crl.pem" -outform DER -out crl-csca-rsa.der

# Master list signer (issued by the RSA CSCA) and a master list of three CSCA certificates.
ec mls prime256v1; csr mls "/C=MA/O=Test/CN=Test Master List Signer"
sign mls "$W/csca-rsa.pem" csca-rsa dsc $S $E_DS
python3 - <<'EOF'
def tlv(tag, body):
    n = len(body)
    if n < 0x80: l = bytes([n])
    else:
        b = n.to_bytes((n.bit_length() + 7) // 8, 'big'); l = bytes([0x80 | len(b)]) + b
    return bytes([tag]) + l + body
certs = [open(f, 'rb').read() for f in ['csca-rsa.der', 'csca-ec.der', 'link-rsa-1-2.der']]
open('masterlist-content.der', 'wb').write(tlv(0x30, b'\x02\x01\x00' + tlv(0x31, b''.join(certs))))
EOF
openssl cms -sign -binary -nodetach -nosmimecap -md sha256 -econtent_type 2.23.136.1.1.2 \
  -in masterlist-content.der -signer "$W/mls.pem" -inkey "$W/mls.key" -outform DER -out masterlist.cms
rm masterlist-content.der

# PEM bundle of the CSCAs with one corrupted entry in the middle (base64 damaged).
{
  openssl x509 -in csca-rsa.der -inform DER
  openssl x509 -in csca-ec.der -inform DER | sed '5s/^..../!!!!/'
  openssl x509 -in csca-noc.der -inform DER
  openssl x509 -in link-rsa-1-2.der -inform DER
} > csca-bundle.pem

# Non-DER encodings of dsc-rsa: outer length in a 4-byte long form, and an indefinite outer
# length. The signed tbsCertificate is untouched, so the signature still verifies.
python3 - <<'EOF'
d = open('dsc-rsa.der', 'rb').read()
assert d[0] == 0x30 and d[1] == 0x82
body = d[4:]
open('dsc-rsa-longform.der', 'wb').write(b'\x30\x84' + len(body).to_bytes(4, 'big') + body)
open('dsc-rsa-indefinite.der', 'wb').write(b'\x30\x80' + body + b'\x00\x00')
EOF

# ~600 certificates for the load benchmark (python3 `cryptography`: one RSA subject key, one
# P-256 issuer key, serials 1..600).
python3 - <<'EOF'
import datetime
from cryptography import x509
from cryptography.x509.oid import NameOID
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
sk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ik = ec.generate_private_key(ec.SECP256R1())
issuer = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, 'XX'), x509.NameAttribute(NameOID.COMMON_NAME, 'Bench CSCA')])
t0 = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
out = []
for i in range(1, 601):
    subj = x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, 'XX'), x509.NameAttribute(NameOID.ORGANIZATION_NAME, 'Bench'), x509.NameAttribute(NameOID.COMMON_NAME, f'Bench CSCA {i}')])
    c = (x509.CertificateBuilder().subject_name(subj).issuer_name(issuer).public_key(sk.public_key())
         .serial_number(i).not_valid_before(t0).not_valid_after(t0 + datetime.timedelta(days=5000))
         .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
         .add_extension(x509.SubjectKeyIdentifier(i.to_bytes(20, 'big')), critical=False)
         .sign(ik, hashes.SHA256()))
    out.append(c.public_bytes(serialization.Encoding.PEM))
open('bench-600.pem', 'wb').write(b''.join(out))
EOF
echo done
