#!/usr/bin/env bash
# TEST RP PKI ONLY. Never use these keys or certificates for anything but monid's tests.
#
# Builds the relying-party PKI of monid's QR-challenge tests with Debian's `openssl` command (a
# third-party implementation): two relying-party trust anchors, an intermediate CA, and P-256
# challenge-signing certificates (valid, expired, issued by the other anchor, issued through the
# intermediate, without digitalSignature). See SOURCE.md for every file and its expected outcome
# at 2026-11-25.
#
# Idempotent: a file is made only if it is missing or empty, so a re-run changes nothing. To
# remake something, delete it (and what it signed) and re-run.
#
# Usage: test-vectors/rp/make-rp-pki.sh        (from anywhere)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE"
export PKI_DB
TMP=$(mktemp -d)
LOG="$TMP/openssl.log"
trap 'rc=$?; [ $rc -ne 0 ] && cat "$LOG" >&2; rm -rf "$TMP"' EXIT

mkdir -p keys certs
log() { printf '%s\n' "$*" >&2; }
need() { [ ! -s "$1" ]; }

# ------------------------------------------------------------------ keys (TEST ONLY, P-256)

key() { # name
    need "keys/$1.key" || return 0
    log "key $1: EC P-256 (PKCS#8)"
    openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:prime256v1 \
        -pkeyopt ec_param_enc:named_curve -out "keys/$1.key" 2>>"$LOG"
}

for k in rp-anchor rp-anchor-other rp-intermediate police bank police-expired police-rogue police-nosig; do
    key "$k"
done

# ------------------------------------------------------------------ certificates

# issue NAME SUBJECT SERIAL START END EXTENSIONS ISSUER|self
issue() {
    local name=$1 subj=$2 serial=$3 start=$4 end=$5 ext=$6 issuer=$7
    need "certs/$name.pem" || return 0
    log "cert $name: serial $serial, $start .. $end, issuer $issuer"
    PKI_DB=$(mktemp -d -p "$TMP")
    : >"$PKI_DB/index.txt"
    echo "$serial" >"$PKI_DB/serial"
    openssl req -new -config ca.cnf -key "keys/$name.key" -subj "$subj" -utf8 \
        -out "$PKI_DB/req.csr" 2>>"$LOG"
    local who=(-cert "certs/$issuer.pem" -keyfile "keys/$issuer.key")
    if [ "$issuer" = self ]; then
        who=(-selfsign -keyfile "keys/$name.key")
    fi
    openssl ca -batch -config ca.cnf "${who[@]}" -in "$PKI_DB/req.csr" -out "$TMP/c.pem" \
        -startdate "$start" -enddate "$end" -extensions "$ext" -md sha256 -notext \
        2>>"$LOG" >/dev/null
    openssl x509 -in "$TMP/c.pem" -out "certs/$name.pem"
    openssl x509 -in "$TMP/c.pem" -outform DER -out "certs/$name.der"
}

ANCHOR_DN="/C=MA/O=monid Test RP PKI/OU=TEST ONLY/CN=monid TEST RP Root"
OTHER_DN="/C=MA/O=Other Test RP PKI/OU=TEST ONLY/CN=Other TEST RP Root"
issue rp-anchor "$ANCHOR_DN" 3001 20250101000000Z 20400101000000Z ext_anchor self
issue rp-anchor-other "$OTHER_DN" 4001 20250101000000Z 20400101000000Z ext_anchor self
issue rp-intermediate "/C=MA/O=monid Test RP PKI/OU=TEST ONLY/CN=monid TEST RP Banks CA" \
    3002 20250101000000Z 20350101000000Z ext_intermediate rp-anchor

POLICE_DN="/C=MA/O=DGSN e-services (TEST)/OU=TEST ONLY/CN=police.ma"
issue police "$POLICE_DN" 300a 20260101000000Z 20280101000000Z ext_rp rp-anchor
issue police-expired "$POLICE_DN" 300b 20240101000000Z 20250101000000Z ext_rp rp-anchor
issue police-rogue "$POLICE_DN" 400a 20260101000000Z 20280101000000Z ext_rp rp-anchor-other
issue police-nosig "$POLICE_DN" 300c 20260101000000Z 20280101000000Z ext_rp_nosig rp-anchor
issue bank "/C=MA/O=Banque Test (TEST)/OU=TEST ONLY/CN=bank.example.ma" \
    3101 20260101000000Z 20280101000000Z ext_rp rp-intermediate

# ------------------------------------------------------------------ check with openssl

# 1795564800 = 2026-11-25T00:00:00Z
openssl verify -attime 1795564800 -CAfile certs/rp-anchor.pem certs/police.pem >&2
openssl verify -attime 1795564800 -CAfile certs/rp-anchor.pem -untrusted certs/rp-intermediate.pem \
    certs/bank.pem >&2
if openssl verify -attime 1795564800 -CAfile certs/rp-anchor.pem certs/police-rogue.pem >/dev/null 2>&1; then
    log "police-rogue must not chain to rp-anchor"; exit 1
fi
if openssl verify -attime 1795564800 -CAfile certs/rp-anchor.pem certs/police-expired.pem >/dev/null 2>&1; then
    log "police-expired must be expired at 2026-11-25"; exit 1
fi
