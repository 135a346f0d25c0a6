#!/bin/sh
# EF.CardSecurity of the virtual CNIE (TEST ONLY), signed by the test PKI with Debian's openssl.
#
# The SecurityInfos (ChipAuthenticationInfo + the chip's CA / PACE-CAM public keys) come from the
# virtual chip (`cargo run -p monid-vchip --example export_card_security`); openssl signs them as
# CMS SignedData with eContentType id-SecurityObject (0.4.0.127.0.7.3.2.1, BSI TR-03110-3), the
# way make-pki.sh signs the SODs. EF.CardSecurity is the bare ContentInfo (no 77 wrapper).
#
#   test-vectors/pki/make-card-security.sh            # re-export and re-sign (idempotent if unchanged)
#   SKIP_EXPORT=1 test-vectors/pki/make-card-security.sh
set -eu
cd "$(dirname "$0")"
mkdir -p card-security
C=card-security
if [ -z "${SKIP_EXPORT:-}" ]; then
    cargo run -q -p monid-vchip --example export_card_security -- "$C/new_content.der"
    if ! cmp -s "$C/new_content.der" "$C/cnie_td1.security_infos.der" 2>/dev/null; then
        mv "$C/new_content.der" "$C/cnie_td1.security_infos.der"
        rm -f "$C"/cnie_td1.*.cardsecurity
    else
        rm -f "$C/new_content.der"
    fi
fi
sign() { # OUT DSC
    [ -s "$1" ] && return 0
    openssl cms -sign -binary -nodetach -in "$C/cnie_td1.security_infos.der" \
        -econtent_type 0.4.0.127.0.7.3.2.1 -signer "certs/$2.pem" -inkey "keys/$2.key" \
        -md sha256 -nosmimecap -outform DER -out "$1"
}
sign "$C/cnie_td1.dsc-bp256x.cardsecurity" dsc-bp256x
# A forgery: the same content signed by a self-signed "document signer" outside the test PKI.
if [ ! -s "$C/rogue-dsc.pem" ]; then
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
        -keyout "$C/rogue-dsc.key" -out "$C/rogue-dsc.pem" -days 3650 \
        -subj "/C=UT/O=Rogue/OU=TEST ONLY/CN=Rogue DSC" 2>/dev/null
fi
sign "$C/cnie_td1.rogue.cardsecurity" ../card-security/rogue-dsc
openssl cms -verify -noverify -binary -inform DER -in "$C/cnie_td1.dsc-bp256x.cardsecurity" \
    -out /dev/null 2>/dev/null && echo "signature ok: cnie_td1.dsc-bp256x.cardsecurity"
