#!/usr/bin/env bash
# TEST PKI ONLY. Never use these keys or certificates for anything but monid's tests.
#
# Builds the test PKI of monid's passive-authentication tests with Debian's `openssl` command
# (a third-party implementation) and python3 (stdlib only, pki_tool.py): CSCAs, a link
# certificate, document signers of every flavour, a CRL, a CSCA master list, and EF.SODs over the
# virtual chip's data groups. See SOURCE.md for every file and its expected verification outcome
# at 2026-11-25.
#
# Idempotent: a file is made only if it is missing or empty, so a re-run changes nothing. To
# remake something, delete it (and what depends on it, see SOURCE.md) and re-run. The data groups
# are exported from the virtual chip on every run (`cargo run -p monid-vchip --example
# export_files`); if they changed, data/<profile>/ is replaced and that profile's SODs are
# deleted and re-signed. SKIP_EXPORT=1 uses the committed data/ as is (no cargo).
#
# Usage: test-vectors/pki/make-pki.sh        (from anywhere)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$HERE"
export PKI_DB
TOOL="python3 $HERE/pki_tool.py"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
LOG="$TMP/openssl.log"

mkdir -p keys certs crl masterlist data sod
log() { printf '%s\n' "$*" >&2; }
need() { [ ! -s "$1" ]; }

# ------------------------------------------------------------------ keys (TEST ONLY)

rsa_key() { # name bits
    need "keys/$1.key" || return 0
    log "key $1: RSA $2"
    openssl genpkey -algorithm RSA -pkeyopt "rsa_keygen_bits:$2" -out "keys/$1.key" 2>>"$LOG"
}
ec_named_key() { # name curve
    need "keys/$1.key" || return 0
    log "key $1: EC $2 (named curve)"
    openssl genpkey -algorithm EC -pkeyopt "ec_paramgen_curve:$2" \
        -pkeyopt ec_param_enc:named_curve -out "keys/$1.key" 2>>"$LOG"
}
ec_explicit_key() { # name curve
    need "keys/$1.key" || return 0
    log "key $1: EC $2 (explicit parameters)"
    openssl ecparam -name "$2" -param_enc explicit -genkey -noout -out "$TMP/k.pem" 2>>"$LOG"
    openssl pkey -in "$TMP/k.pem" -out "keys/$1.key" 2>>"$LOG"
}

rsa_key csca-uto-old 3072
ec_explicit_key csca-uto-new brainpoolP384r1
ec_named_key csca-ma secp384r1
rsa_key dsc-rsa 2048
rsa_key dsc-pss 2048
ec_named_key dsc-p256 prime256v1
ec_explicit_key dsc-bp256x brainpoolP256r1
rsa_key dsc-expired 2048
rsa_key dsc-revoked 2048
rsa_key dsc-wrongcountry 2048
ec_named_key dsc-ma brainpoolP256r1
rsa_key mlsigner 2048

# ------------------------------------------------------------------ certificates

# Names. CSCA-UTO-OLD and CSCA-UTO-NEW share one subject DN (a CSCA key rollover keeps the DN;
# the link certificate is then self-issued and chains are told apart by key identifiers).
DN_CSCA_UTO="/C=UT/O=Utopia Test PKI/OU=TEST ONLY/CN=CSCA UTO TEST"
DN_CSCA_MA="/C=MA/O=Morocco Test PKI/OU=TEST ONLY/CN=CSCA MA TEST"
dn_dsc() { echo "/C=$1/O=$2/OU=TEST ONLY/CN=$3"; }

# issue NAME SUBJECT SERIAL START END EXTENSIONS ISSUER|self [extra openssl-ca args]
issue() {
    local name=$1 subj=$2 serial=$3 start=$4 end=$5 ext=$6 issuer=$7
    shift 7
    need "certs/$name.pem" || return 0
    log "cert $name: serial $serial, $start .. $end, issuer $issuer"
    PKI_DB=$(mktemp -d -p "$TMP")
    : >"$PKI_DB/index.txt"
    echo "$serial" >"$PKI_DB/serial"
    openssl req -new -config ca.cnf -key "keys/${KEY:-$name}.key" -subj "$subj" -utf8 \
        -out "$PKI_DB/req.csr" 2>>"$LOG"
    local md=sha256
    case $issuer in csca-uto-new | csca-ma) md=sha384 ;; esac
    local who=(-cert "certs/$issuer.pem" -keyfile "keys/$issuer.key")
    if [ "$issuer" = self ]; then
        who=(-selfsign -keyfile "keys/$name.key")
        case $name in csca-uto-new | csca-ma) md=sha384 ;; esac
    fi
    openssl ca -batch -config ca.cnf "${who[@]}" -in "$PKI_DB/req.csr" -out "$TMP/c.pem" \
        -startdate "$start" -enddate "$end" -extensions "$ext" -md "$md" -notext \
        "$@" 2>>"$LOG" >/dev/null
    openssl x509 -in "$TMP/c.pem" -out "certs/$name.pem"
    openssl x509 -in "$TMP/c.pem" -outform DER -out "certs/$name.der"
}

# Link certificate: NEW's key and subject, issued (signed) by OLD. Made from NEW's request.
issue csca-uto-old "$DN_CSCA_UTO" 1001 20200101000000Z 20350101000000Z ext_csca self
issue csca-uto-new "$DN_CSCA_UTO" 1002 20240101000000Z 20390101000000Z ext_csca self
KEY=csca-uto-new issue link-uto-new-by-old "$DN_CSCA_UTO" 1003 20240101000000Z 20350101000000Z ext_csca csca-uto-old
issue csca-ma "$DN_CSCA_MA" 2001 20230101000000Z 20380101000000Z ext_csca self

DSC_START=20250601000000Z
DSC_END=20350101000000Z
issue dsc-rsa "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO RSA')" 100a $DSC_START $DSC_END ext_dsc csca-uto-old
issue dsc-pss "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO RSA-PSS')" 100b $DSC_START $DSC_END ext_dsc csca-uto-old \
    -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32
issue dsc-p256 "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO P-256')" 100c $DSC_START $DSC_END ext_dsc csca-uto-new
issue dsc-bp256x "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO brainpoolP256r1 explicit')" 100d $DSC_START $DSC_END ext_dsc csca-uto-new
issue dsc-expired "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO EXPIRED')" 100e 20220101000000Z 20250101000000Z ext_dsc csca-uto-old
issue dsc-revoked "$(dn_dsc UT 'Utopia Test PKI' 'DS UTO REVOKED')" 100f $DSC_START $DSC_END ext_dsc csca-uto-old
issue dsc-wrongcountry "$(dn_dsc FR 'Utopia Test PKI' 'DS WRONG COUNTRY')" 1010 $DSC_START $DSC_END ext_dsc csca-uto-old
issue dsc-ma "$(dn_dsc MA 'Morocco Test PKI' 'DS MA brainpoolP256r1')" 200a $DSC_START $DSC_END ext_dsc csca-ma
issue mlsigner "$(dn_dsc UT 'Utopia Test PKI' 'MLS UTO')" 1020 20250101000000Z 20300101000000Z ext_mls csca-uto-old

# ------------------------------------------------------------------ CRL

# crl CSCA [serial-hex revocation-date subject-cert]: lastUpdate 2026-06-01, nextUpdate 2027-06-01
crl() {
    local ca=$1
    need "crl/$ca.crl" || return 0
    log "CRL of $ca ${2:+listing $4}"
    PKI_DB=$(mktemp -d -p "$TMP")
    : >"$PKI_DB/index.txt"
    if [ $# -gt 1 ]; then
        local subj
        subj=$(openssl x509 -in "certs/$4.pem" -noout -subject -nameopt compat | sed 's/^subject=//')
        printf 'R\t350101000000Z\t%s,keyCompromise\t%s\tunknown\t%s\n' "$3" "$2" "$subj" >"$PKI_DB/index.txt"
    fi
    echo 01 >"$PKI_DB/crlnumber"
    local md=sha256
    case $ca in csca-uto-new | csca-ma) md=sha384 ;; esac
    openssl ca -gencrl -batch -config ca.cnf -cert "certs/$ca.pem" -keyfile "keys/$ca.key" \
        -crl_lastupdate 20260601000000Z -crl_nextupdate 20270601000000Z -crlexts ext_crl -md $md \
        -out "crl/$ca.crl.pem" 2>>"$LOG"
    openssl crl -in "crl/$ca.crl.pem" -outform DER -out "crl/$ca.crl"
}
crl csca-uto-old 100F 260115000000Z dsc-revoked
crl csca-uto-new
crl csca-ma

# ------------------------------------------------------------------ master list

if need masterlist/masterlist.ml; then
    log "CSCA master list (UTO old, new, link; MA) signed by mlsigner"
    $TOOL masterlist masterlist/csca-master-list.der certs/csca-uto-old.der certs/csca-uto-new.der \
        certs/link-uto-new-by-old.der certs/csca-ma.der
    openssl cms -sign -binary -nodetach -in masterlist/csca-master-list.der \
        -econtent_type 2.23.136.1.1.2 -signer certs/mlsigner.pem -inkey keys/mlsigner.key \
        -md sha256 -nosmimecap -outform DER -out masterlist/masterlist.ml 2>>"$LOG"
fi

# ------------------------------------------------------------------ data groups

PROFILES="passport_td3 cnie_td1 cnie_td1_mar"
if [ "${SKIP_EXPORT:-0}" != 1 ]; then
    # vchip embeds three SODs with include_bytes!: give a fresh checkout something to compile.
    for f in sod/passport_td3.dsc-rsa.sod sod/cnie_td1.dsc-bp256x.sod sod/cnie_td1_mar.dsc-ma.sod; do
        [ -e "$f" ] || : >"$f"
    done
    log "exporting the virtual chip's data groups"
    (cd "$ROOT" && cargo run -q -p monid-vchip --example export_files -- "$TMP/export")
    for p in $PROFILES; do
        changed=0
        for f in "$TMP/export/$p"/*; do
            cmp -s "$f" "data/$p/$(basename "$f")" || changed=1
        done
        if [ $changed = 1 ]; then
            log "data/$p changed: replacing it and re-signing its SODs"
            rm -rf "data/$p"
            cp -r "$TMP/export/$p" "data/$p"
            rm -f "sod/$p".*.sod
        fi
    done
fi

# LDSSecurityObject variants, built independently by pki_tool.py. The v0 SHA-256 one must equal
# the chip's own eContent byte for byte.
for p in $PROFILES; do
    d=data/$p
    $TOOL ldsso "$TMP/so.der" sha256 0 "$d"
    cmp -s "$TMP/so.der" "$d/lds_security_object.der" ||
        { log "pki_tool's LDSSecurityObject differs from the chip's for $p"; exit 1; }
done
need data/passport_td3/lds_so_sha1_v0.der && $TOOL ldsso data/passport_td3/lds_so_sha1_v0.der sha1 0 --null-params data/passport_td3
need data/passport_td3/lds_so_sha256_v1.der && $TOOL ldsso data/passport_td3/lds_so_sha256_v1.der sha256 1 data/passport_td3
need data/passport_td3/lds_so_dg11_mismatch.der && $TOOL ldsso data/passport_td3/lds_so_dg11_mismatch.der sha256 0 --alter-dg 11 data/passport_td3
need data/cnie_td1/lds_so_sha384_v0.der && $TOOL ldsso data/cnie_td1/lds_so_sha384_v0.der sha384 0 data/cnie_td1

# ------------------------------------------------------------------ SODs

# sign OUT ECONTENT DSC [extra openssl-cms args]: 77 || ContentInfo(SignedData)
sign() {
    local out=$1 econtent=$2 dsc=$3
    shift 3
    need "$out" || return 0
    log "sod $out"
    local md=sha256
    local extra=()
    [ "$dsc" = dsc-pss ] && extra=(-keyopt rsa_padding_mode:pss -keyopt rsa_pss_saltlen:32)
    openssl cms -sign -binary -nodetach -in "$econtent" -econtent_type 2.23.136.1.1.1 \
        -signer "certs/$dsc.pem" -inkey "keys/$dsc.key" -md "$md" -nosmimecap \
        -outform DER -out "$TMP/ci.der" "${extra[@]}" "$@" 2>>"$LOG"
    $TOOL wrap77 "$TMP/ci.der" "$out"
}

for p in passport_td3 cnie_td1; do
    for dsc in dsc-rsa dsc-pss dsc-p256 dsc-bp256x dsc-expired dsc-revoked dsc-wrongcountry dsc-ma; do
        sign "sod/$p.$dsc.sod" "data/$p/lds_security_object.der" $dsc
    done
done
sign sod/cnie_td1_mar.dsc-ma.sod data/cnie_td1_mar/lds_security_object.der dsc-ma
sign sod/cnie_td1_mar.dsc-rsa.sod data/cnie_td1_mar/lds_security_object.der dsc-rsa

P=data/passport_td3
sign sod/passport_td3.dsc-rsa.stream.sod $P/lds_security_object.der dsc-rsa -stream
sign sod/passport_td3.dsc-rsa.keyid.sod $P/lds_security_object.der dsc-rsa -keyid
sign sod/passport_td3.dsc-rsa.noattr.sod $P/lds_security_object.der dsc-rsa -noattr
sign sod/passport_td3.dsc-rsa.sha1-v0.sod $P/lds_so_sha1_v0.der dsc-rsa
sign sod/passport_td3.dsc-rsa.sha256-v1.sod $P/lds_so_sha256_v1.der dsc-rsa
sign sod/passport_td3.dsc-rsa.dg11-mismatch.sod $P/lds_so_dg11_mismatch.der dsc-rsa
sign sod/cnie_td1.dsc-p256.sha384.sod data/cnie_td1/lds_so_sha384_v0.der dsc-p256 -md sha384

# Broken copies (made from the good ones by pki_tool.py).
broken() { # kind source out
    need "$3" || return 0
    log "sod $3 ($1 of $2)"
    $TOOL "$1" "$2" "$3"
}
G=sod/passport_td3.dsc-rsa.sod
broken tamper-sig $G sod/passport_td3.dsc-rsa.bad-signature.sod
broken tamper-md $G sod/passport_td3.dsc-rsa.bad-messagedigest.sod
broken tamper-econtent $G sod/passport_td3.dsc-rsa.bad-econtent.sod
broken garbage $G sod/passport_td3.dsc-rsa.garbage.sod
broken truncate $G sod/passport_td3.dsc-rsa.truncated.sod
broken tamper-sig sod/cnie_td1.dsc-bp256x.sod sod/cnie_td1.dsc-bp256x.bad-signature.sod

# ------------------------------------------------------------------ checks

# The indefinite-length one really is indefinite-length BER.
openssl asn1parse -inform DER -in sod/passport_td3.dsc-rsa.stream.sod | grep -q 'l=inf' ||
    { log "passport_td3.dsc-rsa.stream.sod has no indefinite length"; exit 1; }

# Every SOD signed over the chip's eContent carries the hashes of the committed DGs.
for f in sod/*.sod; do
    case $f in *.truncated.sod | *.bad-econtent.sod | *.dg11-mismatch.sod) continue ;; esac
    p=$(basename "$f" | cut -d. -f1)
    $TOOL check-hashes "$f" "data/$p"
done

# openssl's own verdict at 2026-11-25 (trust anchors: csca-uto-old and csca-ma only, so the
# NEW-signed DSCs chain through the link certificate; CRL checked). Written to
# openssl-verify.txt as a cross-check of SOURCE.md's expected outcomes.
AT=$(date -u -d 2026-11-25T12:00:00Z +%s)
cat certs/csca-uto-old.pem certs/csca-ma.pem >"$TMP/anchors.pem"
cat crl/*.crl.pem >>"$TMP/anchors.pem" # openssl cms has no -CRLfile: CRLs go in the CAfile
{
    echo "# openssl cms -verify at 2026-11-25T12:00:00Z, anchors csca-uto-old + csca-ma,"
    echo "# -certfile link-uto-new-by-old, CRLs crl/*.crl, leaf CRL check (made by make-pki.sh)"
    for f in sod/*.sod; do
        python3 - "$f" "$TMP/ci.der" <<'EOF'
import sys
d = open(sys.argv[1], "rb").read()
# strip the 77 header (short or long form length)
n = d[1]
off = 2 + (n & 0x7F if n & 0x80 else 0)
open(sys.argv[2], "wb").write(d[off:])
EOF
        if openssl cms -verify -noverify -binary -inform DER -in "$TMP/ci.der" -out /dev/null >/dev/null 2>&1; then
            sig=OK
        else
            sig=FAIL
        fi
        if out=$(openssl cms -verify -binary -inform DER -in "$TMP/ci.der" -CAfile "$TMP/anchors.pem" \
            -certfile certs/link-uto-new-by-old.pem -crl_check \
            -attime "$AT" -purpose any -out /dev/null 2>&1); then
            chain=OK
        else
            why=$(echo "$out" | grep -o -m1 'Verify error:.*' | sed 's/^Verify error: *//')
            [ -n "$why" ] || why=$(echo "$out" | grep -o -m1 -E 'error:[0-9A-F]+:[^:]*:[^:]*:[^:]*' | sed 's/^error:[0-9A-F]*://')
            chain="FAIL ($why)"
        fi
        echo "$(basename "$f"): signature-only $sig; full $chain"
    done
} >openssl-verify.txt
# Every certificate signature and the CRL signatures, checked with `openssl dgst -verify`
# over the TBS bytes (openssl's X.509 path validation refuses explicit EC parameters, so the
# link chain cannot be checked by `openssl verify`; this checks the signatures themselves).
{
    echo "# certificate / CRL signatures checked with openssl dgst -verify over the TBS bytes"
    while read -r obj issuer; do
        python3 "$HERE/pki_tool.py" tbs "$obj" "$TMP/tbs" "$TMP/sig" "$TMP/alg"
        openssl pkey -in "keys/$issuer.key" -pubout -out "$TMP/pub.pem" 2>>"$LOG"
        read -r md pad <"$TMP/alg" || true
        opts=()
        [ "$pad" = pss ] && opts=(-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-2)
        if openssl dgst "-$md" -verify "$TMP/pub.pem" "${opts[@]}" -signature "$TMP/sig" "$TMP/tbs" >/dev/null 2>&1; then
            echo "$obj by $issuer ($md${pad:+ $pad}): OK"
        else
            echo "$obj by $issuer ($md${pad:+ $pad}): FAIL"
        fi
    done <<'EOF'
certs/csca-uto-old.der csca-uto-old
certs/csca-uto-new.der csca-uto-new
certs/link-uto-new-by-old.der csca-uto-old
certs/csca-ma.der csca-ma
certs/dsc-rsa.der csca-uto-old
certs/dsc-pss.der csca-uto-old
certs/dsc-p256.der csca-uto-new
certs/dsc-bp256x.der csca-uto-new
certs/dsc-expired.der csca-uto-old
certs/dsc-revoked.der csca-uto-old
certs/dsc-wrongcountry.der csca-uto-old
certs/dsc-ma.der csca-ma
certs/mlsigner.der csca-uto-old
crl/csca-uto-old.crl csca-uto-old
crl/csca-uto-new.crl csca-uto-new
crl/csca-ma.crl csca-ma
EOF
} >>openssl-verify.txt
log "done: see openssl-verify.txt"
