//! X.509 certificate revocation lists (RFC 5280 section 5), parsed leniently.
//!
//! This module owns reading a `CertificateList`: issuer, thisUpdate, nextUpdate, the revoked
//! serial numbers with their dates, and the exact signed bytes so that the CRL can be verified
//! by its issuer ([`Crl::verify_signed_by_cert`]). Deciding which CRL applies and whether it is
//! trusted belongs to [`crate::pki::trust`]. Entry and CRL extensions other than the
//! authorityKeyIdentifier are ignored.

use core::ops::Range;

use super::PkiError;
use super::ber;
use super::cert::{Certificate, bit_string_bytes, optional_time, verify_raw};
use super::name::Name;
use super::oid;
use super::time::Timestamp;

/// Most revoked entries read from one CRL.
pub const MAX_ENTRIES: usize = 1_000_000;

/// A parsed CRL that owns its encoding.
#[derive(Clone)]
pub struct Crl {
    raw: Vec<u8>,
    tbs: Range<usize>,
    signature_algorithm: Range<usize>,
    signature: Range<usize>,
    issuer: Name,
    this_update: Timestamp,
    next_update: Option<Timestamp>,
    authority_key_id: Option<Vec<u8>>,
    /// (serial without leading zero bytes, revocation date), sorted by serial.
    revoked: Vec<(Vec<u8>, Timestamp)>,
}

impl core::fmt::Debug for Crl {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Crl")
            .field("issuer", &self.issuer.to_string())
            .field("revoked", &self.revoked.len())
            .finish_non_exhaustive()
    }
}

fn strip_zeros(b: &[u8]) -> Vec<u8> {
    let n = b.iter().take_while(|&&x| x == 0).count();
    b.get(n..).unwrap_or(&[]).to_vec()
}

fn range_in(base: &[u8], sub: &[u8]) -> Result<Range<usize>, PkiError> {
    let start = (sub.as_ptr() as usize)
        .checked_sub(base.as_ptr() as usize)
        .ok_or(PkiError::Malformed("CRL layout"))?;
    let end = start
        .checked_add(sub.len())
        .filter(|&e| e <= base.len())
        .ok_or(PkiError::Malformed("CRL layout"))?;
    Ok(start..end)
}

impl Crl {
    /// Parses a CRL (one TLV, BER lengths accepted).
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let raw = der.to_vec();
        let buf: &[u8] = &raw;
        let top = ber::read_single(buf)?;
        if top.tag != 0x30 {
            return Err(PkiError::Malformed("CertificateList"));
        }
        let mut c = top.children();
        let tbs = c.expect(0x30)?;
        let sig_alg = c.expect(0x30)?;
        let signature = bit_string_bytes(&c.expect(0x03)?)?;
        let mut t = tbs.children();
        t.optional(0x02)?; // version
        t.expect(0x30)?; // signature
        let issuer = Name::from_element(&t.expect(0x30)?)?;
        let this_update = optional_time(&mut t)?.ok_or(PkiError::Malformed("thisUpdate"))?;
        let next_update = optional_time(&mut t)?;
        let mut revoked = Vec::new();
        if let Some(list) = t.optional(0x30)? {
            for entry in list.children() {
                let entry = entry?;
                if revoked.len() >= MAX_ENTRIES {
                    return Err(PkiError::Malformed("CRL (too many entries)"));
                }
                let mut e = entry.children();
                let serial = e.expect(0x02)?;
                let date = optional_time(&mut e)?.ok_or(PkiError::Malformed("revocationDate"))?;
                revoked.push((strip_zeros(serial.content), date));
            }
        }
        let mut authority_key_id = None;
        if let Some(exts) = t.optional(0xA0)? {
            for ext in exts.children().expect(0x30)?.children() {
                let ext = ext?;
                let mut x = ext.children();
                let id = x.expect(0x06)?;
                x.optional(0x01)?;
                let value = x.expect(0x04)?;
                if oid::to_string(id.content).as_deref() == Some(oid::EXT_AUTHORITY_KEY_ID) {
                    let seq = ber::read_single(value.content)?;
                    if let Some(kid) = seq.children().optional(0x80)? {
                        authority_key_id = Some(kid.content.to_vec());
                    }
                }
            }
        }
        revoked.sort();
        Ok(Crl {
            tbs: range_in(buf, tbs.raw)?,
            signature_algorithm: range_in(buf, sig_alg.raw)?,
            signature: range_in(buf, signature)?,
            issuer,
            this_update,
            next_update,
            authority_key_id,
            revoked,
            raw,
        })
    }

    fn slice(&self, r: &Range<usize>) -> &[u8] {
        self.raw.get(r.clone()).unwrap_or(&[])
    }
    /// The CRL exactly as encoded.
    pub fn raw(&self) -> &[u8] {
        &self.raw
    }
    /// The `tbsCertList` TLV exactly as encoded.
    pub fn tbs(&self) -> &[u8] {
        self.slice(&self.tbs)
    }
    /// The signatureAlgorithm AlgorithmIdentifier TLV.
    pub fn signature_algorithm(&self) -> &[u8] {
        self.slice(&self.signature_algorithm)
    }
    /// The signature value.
    pub fn signature(&self) -> &[u8] {
        self.slice(&self.signature)
    }
    /// The issuer name.
    pub fn issuer(&self) -> &Name {
        &self.issuer
    }
    /// thisUpdate.
    pub fn this_update(&self) -> Timestamp {
        self.this_update
    }
    /// nextUpdate, when present.
    pub fn next_update(&self) -> Option<Timestamp> {
        self.next_update
    }
    /// authorityKeyIdentifier keyIdentifier from the CRL extensions.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }
    /// Number of revoked entries.
    pub fn revoked_count(&self) -> usize {
        self.revoked.len()
    }
    /// The revocation date of `serial` (INTEGER content, leading zeros ignored) when listed.
    pub fn revocation_date(&self, serial: &[u8]) -> Option<Timestamp> {
        let key = strip_zeros(serial);
        self.revoked
            .binary_search_by(|(s, _)| s.as_slice().cmp(key.as_slice()))
            .ok()
            .and_then(|i| self.revoked.get(i))
            .map(|(_, d)| *d)
    }
    /// True when `now` is between thisUpdate and nextUpdate (no nextUpdate: from thisUpdate on).
    pub fn is_current(&self, now: Timestamp) -> bool {
        self.this_update <= now && self.next_update.is_none_or(|n| now <= n)
    }
    /// Verifies the CRL's signature with the issuer certificate's public key.
    pub fn verify_signed_by_cert(&self, issuer: &Certificate) -> Result<(), PkiError> {
        verify_raw(
            issuer.spki(),
            self.signature_algorithm(),
            self.tbs(),
            self.signature(),
        )
    }
}
