//! COSE_Sign1 with ES256, deterministic CBOR and bounded CBOR decoding.
//!
//! This module owns the byte-level conventions of `docs/wire-format.md` that every signed object
//! of monid shares: building and parsing tagged COSE_Sign1 (RFC 9052) with ES256 in the protected
//! header and an empty external AAD, verifying it with a P-256 public key, converting ECDSA
//! signatures between DER (what platforms return) and raw `r || s` (what COSE carries), encoding
//! a CBOR value deterministically (RFC 8949 §4.2.1) and decoding untrusted CBOR with a size cap,
//! a nesting cap and no indefinite lengths. It must not know what a challenge, receipt or
//! enrolment record contains, nor hold keys: signing is the caller's closure.

use ciborium::value::{Integer, Value};
use coset::{AsCborValue, CoseSign1, Header, Label};
use p256::ecdsa::signature::Verifier;

/// COSE algorithm identifier of ECDSA P-256 with SHA-256.
pub const ES256: i64 = -7;

/// Maximum nesting depth [`from_slice`] accepts (arrays, maps and tags).
pub const MAX_DEPTH: usize = 16;

/// The protected header every monid COSE_Sign1 carries: `{1: -7}`.
const PROTECTED_ES256: [u8; 3] = [0xA1, 0x01, 0x26];

/// The P-256 group order n, big-endian.
const P256_N: [u8; 32] = [
    0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
    0xBC, 0xE6, 0xFA, 0xAD, 0xA7, 0x17, 0x9E, 0x84, 0xF3, 0xB9, 0xCA, 0xC2, 0xFC, 0x63, 0x25, 0x51,
];

/// Why COSE or CBOR processing failed. Messages name the step, never a value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CoseError {
    /// The input is longer than the cap of the object being decoded.
    #[error("input longer than the {max}-byte cap")]
    TooLong {
        /// The cap that was exceeded.
        max: usize,
    },
    /// The bytes are not well-formed (or not deterministic where that is required).
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// Well-formed but outside what monid supports (algorithm, critical header, float, ...).
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// The public key is not a valid P-256 point.
    #[error("public key is not a P-256 point")]
    BadKey,
    /// The signature does not verify (or is malformed: wrong size, r or s out of range).
    #[error("signature does not verify")]
    BadSignature,
}

// ---------------------------------------------------------------------------------------------
// COSE_Sign1

/// Builds a tagged COSE_Sign1 over `payload` with protected header `{1: -7}`, the given
/// unprotected header and an empty external AAD. `sign` receives the `Sig_structure` bytes
/// (RFC 9052 §4.4) and returns the raw `r || s` signature (SHA-256 is the signer's job, as with
/// any ES256 signer). The unprotected header is encoded with sorted keys; its labels are
/// expected to be unique (a duplicate is encoded as given and rejected by [`parse_sign1`]).
pub fn sign1<E>(
    payload: &[u8],
    unprotected: Header,
    sign: impl FnOnce(&[u8]) -> Result<[u8; 64], E>,
) -> Result<Vec<u8>, E> {
    let tbs = sig_structure(&PROTECTED_ES256, payload);
    let signature = sign(&tbs)?;
    let mut out = Vec::with_capacity(payload.len() + 96);
    out.push(0xD2); // tag 18
    out.push(0x84); // array(4)
    write_head(&mut out, 2, PROTECTED_ES256.len() as u64);
    out.extend_from_slice(&PROTECTED_ES256);
    encode_lax(&header_to_value(&unprotected), &mut out);
    write_head(&mut out, 2, payload.len() as u64);
    out.extend_from_slice(payload);
    write_head(&mut out, 2, 64);
    out.extend_from_slice(&signature);
    Ok(out)
}

/// `Sig_structure = ["Signature1", protected, external_aad = h'', payload]`.
fn sig_structure(protected: &[u8], payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload.len() + protected.len() + 20);
    out.push(0x84);
    write_head(&mut out, 3, 10);
    out.extend_from_slice(b"Signature1");
    write_head(&mut out, 2, protected.len() as u64);
    out.extend_from_slice(protected);
    write_head(&mut out, 2, 0);
    write_head(&mut out, 2, payload.len() as u64);
    out.extend_from_slice(payload);
    out
}

/// Header labels monid understands when a sender marks them critical: alg, x5chain, x5t.
const UNDERSTOOD: [i64; 3] = [1, 33, 34];

/// Parses a tagged COSE_Sign1 (tag 18 required) of at most `max_len` bytes without verifying
/// it. The whole input goes through [`from_slice`] (no indefinite lengths, no trailing bytes,
/// no duplicate map keys, bounded nesting), and so does the protected header. The protected
/// header must name ES256; `alg` must not be repeated unprotected; a critical header other than
/// alg/x5chain/x5t is [`CoseError::Unsupported`]; a detached payload is unsupported.
pub fn parse_sign1(bytes: &[u8], max_len: usize) -> Result<CoseSign1, CoseError> {
    let value = from_slice(bytes, max_len)?;
    let Value::Tag(tag, inner) = value else {
        return Err(CoseError::Malformed("COSE_Sign1 tag 18 missing"));
    };
    if tag != 18 {
        return Err(CoseError::Malformed("COSE_Sign1 tag 18 missing"));
    }
    let Value::Array(items) = *inner else {
        return Err(CoseError::Malformed("COSE_Sign1 is not an array"));
    };
    // Check the protected header's bytes with the strict decoder before coset parses them.
    match items.first() {
        Some(Value::Bytes(p)) if !p.is_empty() => {
            let Value::Map(entries) = from_slice(p, max_len)? else {
                return Err(CoseError::Malformed("protected header is not a map"));
            };
            // Critical labels are checked here: coset refuses unregistered ones as malformed.
            for (k, v) in &entries {
                if k != &Value::from(2) {
                    continue;
                }
                let Value::Array(labels) = v else {
                    return Err(CoseError::Malformed("crit is not an array"));
                };
                for l in labels {
                    let understood = l
                        .as_integer()
                        .and_then(|i| i64::try_from(i).ok())
                        .is_some_and(|i| UNDERSTOOD.contains(&i));
                    if !understood {
                        return Err(CoseError::Unsupported("critical header"));
                    }
                }
            }
        }
        Some(Value::Bytes(_)) => return Err(CoseError::Unsupported("empty protected header")),
        _ => return Err(CoseError::Malformed("COSE_Sign1 protected header")),
    }
    let sign1 = CoseSign1::from_cbor_value(Value::Array(items))
        .map_err(|_| CoseError::Malformed("COSE_Sign1 structure"))?;
    let es256 = coset::Algorithm::Assigned(coset::iana::Algorithm::ES256);
    if sign1.protected.header.alg.as_ref() != Some(&es256) {
        return Err(CoseError::Unsupported("algorithm (ES256 required)"));
    }
    if sign1.unprotected.alg.is_some() {
        return Err(CoseError::Malformed("alg in the unprotected header"));
    }
    if !sign1.unprotected.crit.is_empty() {
        return Err(CoseError::Malformed("crit in the unprotected header"));
    }
    if sign1.payload.is_none() {
        return Err(CoseError::Unsupported("detached payload"));
    }
    Ok(sign1)
}

/// Verifies a parsed COSE_Sign1 (ES256, empty external AAD) with a P-256 public key given as
/// SEC1 bytes (compressed or uncompressed).
pub fn verify_es256(sign1: &CoseSign1, public_key_sec1: &[u8]) -> Result<(), CoseError> {
    let es256 = coset::Algorithm::Assigned(coset::iana::Algorithm::ES256);
    if sign1.protected.header.alg.as_ref() != Some(&es256) {
        return Err(CoseError::Unsupported("algorithm (ES256 required)"));
    }
    let tbs = sign1.tbs_data(b"");
    verify_es256_raw(public_key_sec1, &tbs, &sign1.signature)
}

/// Verifies a raw `r || s` ECDSA P-256 / SHA-256 signature over `message` (the primitive under
/// [`verify_es256`]). The signature must be exactly 64 bytes with r and s in `[1, n-1]`; high S
/// is accepted (ECDSA does not require low S).
pub fn verify_es256_raw(
    public_key_sec1: &[u8],
    message: &[u8],
    signature: &[u8],
) -> Result<(), CoseError> {
    let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(public_key_sec1)
        .map_err(|_| CoseError::BadKey)?;
    if signature.len() != 64 {
        return Err(CoseError::BadSignature);
    }
    let sig = p256::ecdsa::Signature::from_slice(signature).map_err(|_| CoseError::BadSignature)?;
    key.verify(message, &sig)
        .map_err(|_| CoseError::BadSignature)
}

/// Converts a strict-DER `Ecdsa-Sig-Value ::= SEQUENCE { r INTEGER, s INTEGER }` into raw
/// `r || s` (32 + 32 bytes). Rejects non-minimal lengths and integers, negative values, trailing
/// bytes, and r or s outside `[1, n-1]`.
pub fn ecdsa_der_to_raw(der: &[u8]) -> Result<[u8; 64], CoseError> {
    const BAD: CoseError = CoseError::Malformed("DER ECDSA signature");
    let (content, rest) = der_tlv(der, 0x30).ok_or(BAD)?;
    if !rest.is_empty() {
        return Err(BAD);
    }
    let (r, rest) = der_tlv(content, 0x02).ok_or(BAD)?;
    let (s, rest) = der_tlv(rest, 0x02).ok_or(BAD)?;
    if !rest.is_empty() {
        return Err(BAD);
    }
    let mut out = [0u8; 64];
    for (int, slot) in [(r, 0usize), (s, 32usize)] {
        let mag = match int {
            [] => return Err(BAD),
            [f, ..] if f & 0x80 != 0 => return Err(BAD),
            [0, second, ..] if second & 0x80 == 0 => return Err(BAD),
            [0, mag @ ..] => mag,
            mag => mag,
        };
        if mag.len() > 32 {
            return Err(BAD);
        }
        let dst = out.get_mut(slot + 32 - mag.len()..slot + 32).ok_or(BAD)?;
        dst.copy_from_slice(mag);
    }
    let (r, s) = out.split_at(32);
    if !scalar_in_range(r) || !scalar_in_range(s) {
        return Err(BAD);
    }
    Ok(out)
}

/// Converts a raw `r || s` signature into DER (minimal INTEGERs). Never fails; out-of-range
/// values are encoded as given (a verifier rejects them).
pub fn ecdsa_raw_to_der(raw: &[u8; 64]) -> Vec<u8> {
    let (r, s) = raw.split_at(32);
    let mut body = Vec::with_capacity(70);
    for half in [r, s] {
        let first = half.iter().position(|&b| b != 0).unwrap_or(half.len());
        let mag = half.get(first..).unwrap_or_default();
        let pad = mag.first().is_none_or(|&b| b & 0x80 != 0);
        body.push(0x02);
        body.push((mag.len() + usize::from(pad)) as u8);
        if pad {
            body.push(0);
        }
        body.extend_from_slice(mag);
    }
    let mut out = Vec::with_capacity(body.len() + 2);
    out.push(0x30);
    out.push(body.len() as u8);
    out.extend_from_slice(&body);
    out
}

/// True when the 32-byte big-endian value is in `[1, n-1]`.
fn scalar_in_range(v: &[u8]) -> bool {
    v.iter().any(|&b| b != 0) && v < &P256_N[..]
}

/// One DER TLV with a one-byte `tag` and a minimal definite length (at most 0xFF): (content,
/// rest).
fn der_tlv(input: &[u8], tag: u8) -> Option<(&[u8], &[u8])> {
    let (&t, rest) = input.split_first()?;
    if t != tag {
        return None;
    }
    let (&l0, rest) = rest.split_first()?;
    let (len, rest) = match l0 {
        0..=0x7F => (usize::from(l0), rest),
        0x81 => {
            let (&l, rest) = rest.split_first()?;
            if l < 0x80 {
                return None;
            }
            (usize::from(l), rest)
        }
        _ => return None,
    };
    rest.split_at_checked(len)
}

// ---------------------------------------------------------------------------------------------
// Deterministic encoding

/// Encodes `value` deterministically (RFC 8949 §4.2.1): shortest integer and length forms,
/// definite lengths, map keys sorted bytewise by their encoding. Floats are
/// [`CoseError::Unsupported`]; duplicate map keys are [`CoseError::Malformed`].
pub fn to_canonical(value: &Value) -> Result<Vec<u8>, CoseError> {
    check_encodable(value, 0)?;
    let mut out = Vec::new();
    encode_lax(value, &mut out);
    Ok(out)
}

/// Rejects floats, duplicate map keys, depth beyond what a decoder accepts.
fn check_encodable(value: &Value, depth: usize) -> Result<(), CoseError> {
    if depth > MAX_DEPTH {
        return Err(CoseError::Unsupported("nesting deeper than 16"));
    }
    match value {
        Value::Float(_) => Err(CoseError::Unsupported("float")),
        Value::Array(items) => items.iter().try_for_each(|v| check_encodable(v, depth + 1)),
        Value::Tag(_, inner) => check_encodable(inner, depth + 1),
        Value::Map(entries) => {
            let mut keys = Vec::with_capacity(entries.len());
            for (k, v) in entries {
                check_encodable(k, depth + 1)?;
                check_encodable(v, depth + 1)?;
                let mut kb = Vec::new();
                encode_lax(k, &mut kb);
                keys.push(kb);
            }
            keys.sort();
            if keys.windows(2).any(|w| w.first() == w.get(1)) {
                return Err(CoseError::Malformed("duplicate map key"));
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

/// Writes a CBOR head (major type, argument) in its shortest form.
fn write_head(out: &mut Vec<u8>, major: u8, arg: u64) {
    let m = major << 5;
    if arg < 24 {
        out.push(m | arg as u8);
    } else if arg <= 0xFF {
        out.push(m | 24);
        out.push(arg as u8);
    } else if arg <= 0xFFFF {
        out.push(m | 25);
        out.extend_from_slice(&(arg as u16).to_be_bytes());
    } else if arg <= 0xFFFF_FFFF {
        out.push(m | 26);
        out.extend_from_slice(&(arg as u32).to_be_bytes());
    } else {
        out.push(m | 27);
        out.extend_from_slice(&arg.to_be_bytes());
    }
}

/// Deterministic encoder that cannot fail: floats are written as float64, duplicate keys as
/// given. [`to_canonical`] checks those first.
fn encode_lax(value: &Value, out: &mut Vec<u8>) {
    match value {
        Value::Integer(i) => {
            let i = i128::from(*i);
            if i >= 0 {
                write_head(out, 0, i as u64);
            } else {
                write_head(out, 1, (-1 - i) as u64);
            }
        }
        Value::Bytes(b) => {
            write_head(out, 2, b.len() as u64);
            out.extend_from_slice(b);
        }
        Value::Text(t) => {
            write_head(out, 3, t.len() as u64);
            out.extend_from_slice(t.as_bytes());
        }
        Value::Array(items) => {
            write_head(out, 4, items.len() as u64);
            for v in items {
                encode_lax(v, out);
            }
        }
        Value::Map(entries) => {
            let mut pairs: Vec<(Vec<u8>, Vec<u8>)> = entries
                .iter()
                .map(|(k, v)| {
                    let mut kb = Vec::new();
                    encode_lax(k, &mut kb);
                    let mut vb = Vec::new();
                    encode_lax(v, &mut vb);
                    (kb, vb)
                })
                .collect();
            pairs.sort();
            write_head(out, 5, pairs.len() as u64);
            for (k, v) in pairs {
                out.extend_from_slice(&k);
                out.extend_from_slice(&v);
            }
        }
        Value::Tag(t, inner) => {
            write_head(out, 6, *t);
            encode_lax(inner, out);
        }
        Value::Bool(false) => out.push(0xF4),
        Value::Bool(true) => out.push(0xF5),
        Value::Null => out.push(0xF6),
        Value::Float(f) => {
            out.push(0xFB);
            out.extend_from_slice(&f.to_be_bytes());
        }
        // `Value` is non-exhaustive; anything else becomes `undefined`.
        _ => out.push(0xF7),
    }
}

/// A coset [`Header`] as a CBOR map, without coset's fallible serializer (so [`sign1`] cannot
/// fail on its own).
fn header_to_value(h: &Header) -> Value {
    let mut m: Vec<(Value, Value)> = Vec::new();
    if let Some(alg) = &h.alg {
        m.push((Value::from(1), reg_label(alg)));
    }
    if !h.crit.is_empty() {
        m.push((
            Value::from(2),
            Value::Array(h.crit.iter().map(reg_label).collect()),
        ));
    }
    if let Some(ct) = &h.content_type {
        let v = match ct {
            coset::ContentType::Assigned(a) => Value::from(*a as u64),
            coset::ContentType::Text(t) => Value::Text(t.clone()),
        };
        m.push((Value::from(3), v));
    }
    if !h.key_id.is_empty() {
        m.push((Value::from(4), Value::Bytes(h.key_id.clone())));
    }
    if !h.iv.is_empty() {
        m.push((Value::from(5), Value::Bytes(h.iv.clone())));
    }
    if !h.partial_iv.is_empty() {
        m.push((Value::from(6), Value::Bytes(h.partial_iv.clone())));
    }
    if !h.counter_signatures.is_empty() {
        let sigs: Vec<Value> = h
            .counter_signatures
            .iter()
            .map(|s| {
                let mut prot = Vec::new();
                if let Some(orig) = &s.protected.original_data {
                    prot.clone_from(orig);
                } else if !s.protected.header.is_empty() {
                    encode_lax(&header_to_value(&s.protected.header), &mut prot);
                }
                Value::Array(vec![
                    Value::Bytes(prot),
                    header_to_value(&s.unprotected),
                    Value::Bytes(s.signature.clone()),
                ])
            })
            .collect();
        let v = if let [one] = sigs.as_slice() {
            one.clone()
        } else {
            Value::Array(sigs)
        };
        m.push((Value::from(7), v));
    }
    for (label, value) in &h.rest {
        let k = match label {
            Label::Int(i) => Value::from(*i),
            Label::Text(t) => Value::Text(t.clone()),
        };
        m.push((k, value.clone()));
    }
    Value::Map(m)
}

fn reg_label<T: coset::iana::EnumI64 + coset::iana::WithPrivateRange>(
    l: &coset::RegisteredLabelWithPrivate<T>,
) -> Value {
    match l {
        coset::RegisteredLabelWithPrivate::PrivateUse(i) => Value::from(*i),
        coset::RegisteredLabelWithPrivate::Assigned(a) => Value::from(a.to_i64()),
        coset::RegisteredLabelWithPrivate::Text(t) => Value::Text(t.clone()),
    }
}

// ---------------------------------------------------------------------------------------------
// Bounded decoding

/// Decodes exactly one CBOR item from `bytes` (at most `max_len` bytes, else
/// [`CoseError::TooLong`]). Rejects trailing bytes, indefinite lengths, nesting deeper than
/// [`MAX_DEPTH`], duplicate map keys, floats, simple values other than false/true/null, invalid
/// UTF-8 and any length beyond the input. Every allocation is bounded by the input length.
pub fn from_slice(bytes: &[u8], max_len: usize) -> Result<Value, CoseError> {
    if bytes.len() > max_len {
        return Err(CoseError::TooLong { max: max_len });
    }
    let mut d = Decoder { input: bytes };
    let v = d.item(0)?;
    if !d.input.is_empty() {
        return Err(CoseError::Malformed("trailing bytes after CBOR item"));
    }
    Ok(v)
}

struct Decoder<'a> {
    input: &'a [u8],
}

impl<'a> Decoder<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], CoseError> {
        let (head, rest) = self
            .input
            .split_at_checked(n)
            .ok_or(CoseError::Malformed("CBOR item runs past the end"))?;
        self.input = rest;
        Ok(head)
    }

    /// Reads a head: (major type, additional info, argument).
    fn head(&mut self) -> Result<(u8, u8, u64), CoseError> {
        let &[b] = self.take(1)? else {
            return Err(CoseError::Malformed("CBOR head"));
        };
        let major = b >> 5;
        let info = b & 0x1F;
        let arg = match info {
            0..=23 => u64::from(info),
            24 => u64::from(self.be(1)? as u8),
            25 => self.be(2)?,
            26 => self.be(4)?,
            27 => self.be(8)?,
            31 => return Err(CoseError::Malformed("indefinite length")),
            _ => return Err(CoseError::Malformed("reserved CBOR additional info")),
        };
        Ok((major, info, arg))
    }

    fn be(&mut self, n: usize) -> Result<u64, CoseError> {
        Ok(self
            .take(n)?
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }

    /// A length that must fit in what is left of the input (each element takes >= 1 byte).
    fn len(&self, arg: u64) -> Result<usize, CoseError> {
        let n = usize::try_from(arg).map_err(|_| CoseError::Malformed("CBOR length"))?;
        if n > self.input.len() {
            return Err(CoseError::Malformed("CBOR length beyond the input"));
        }
        Ok(n)
    }

    fn item(&mut self, depth: usize) -> Result<Value, CoseError> {
        if depth > MAX_DEPTH {
            return Err(CoseError::Malformed("CBOR nesting deeper than 16"));
        }
        let (major, info, arg) = self.head()?;
        match major {
            0 => Ok(Value::Integer(Integer::from(arg))),
            1 => {
                let v = -1i128 - i128::from(arg);
                Integer::try_from(v)
                    .map(Value::Integer)
                    .map_err(|_| CoseError::Malformed("CBOR negative integer"))
            }
            2 => {
                let n = self.len(arg)?;
                Ok(Value::Bytes(self.take(n)?.to_vec()))
            }
            3 => {
                let n = self.len(arg)?;
                let raw = self.take(n)?;
                let s = core::str::from_utf8(raw)
                    .map_err(|_| CoseError::Malformed("CBOR text is not UTF-8"))?;
                Ok(Value::Text(s.to_owned()))
            }
            4 => {
                let n = self.len(arg)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.item(depth + 1)?);
                }
                Ok(Value::Array(items))
            }
            5 => {
                let n = self.len(arg)?;
                let mut entries: Vec<(Value, Value)> = Vec::with_capacity(n);
                // Keys compared by value (their deterministic encoding), so that `1` and a
                // non-shortest `0x18 0x01` are the same key.
                let mut keys = std::collections::BTreeSet::new();
                for _ in 0..n {
                    let k = self.item(depth + 1)?;
                    let mut key_bytes = Vec::new();
                    encode_lax(&k, &mut key_bytes);
                    if !keys.insert(key_bytes) {
                        return Err(CoseError::Malformed("duplicate map key"));
                    }
                    let v = self.item(depth + 1)?;
                    entries.push((k, v));
                }
                Ok(Value::Map(entries))
            }
            6 => Ok(Value::Tag(arg, Box::new(self.item(depth + 1)?))),
            _ => match (info, arg) {
                (20, _) => Ok(Value::Bool(false)),
                (21, _) => Ok(Value::Bool(true)),
                (22, _) => Ok(Value::Null),
                (25..=27, _) => Err(CoseError::Unsupported("float")),
                _ => Err(CoseError::Unsupported("CBOR simple value")),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use p256::ecdsa::signature::Signer;
    use serde_json::Value as Json;

    fn key() -> p256::ecdsa::SigningKey {
        p256::ecdsa::SigningKey::from_slice(&[0x11; 32]).unwrap()
    }

    fn sign_with(k: &p256::ecdsa::SigningKey) -> impl FnOnce(&[u8]) -> Result<[u8; 64], ()> + '_ {
        move |tbs| {
            let sig: p256::ecdsa::Signature = k.sign(tbs);
            Ok(sig.to_bytes().into())
        }
    }

    fn pubkey(k: &p256::ecdsa::SigningKey) -> Vec<u8> {
        k.verifying_key().to_sec1_point(false).as_bytes().to_vec()
    }

    #[test]
    fn sign_parse_verify_round_trip() {
        let k = key();
        let mut h = Header::default();
        h.rest.push((Label::Int(33), Value::Bytes(vec![1, 2, 3])));
        let bytes = sign1(b"hello", h, sign_with(&k)).unwrap();
        assert_eq!(&bytes[..6], &[0xD2, 0x84, 0x43, 0xA1, 0x01, 0x26]);
        let s = parse_sign1(&bytes, 1000).unwrap();
        assert_eq!(s.payload.as_deref(), Some(&b"hello"[..]));
        verify_es256(&s, &pubkey(&k)).unwrap();
        // coset re-encodes it byte for byte.
        use coset::TaggedCborSerializable;
        assert_eq!(s.clone().to_tagged_vec().unwrap(), bytes);
        // Another key fails.
        let other = p256::ecdsa::SigningKey::from_slice(&[0x22; 32]).unwrap();
        assert_eq!(
            verify_es256(&s, &pubkey(&other)),
            Err(CoseError::BadSignature)
        );
        // A flipped payload byte fails.
        let mut bad = bytes.clone();
        let at = bad.windows(5).position(|w| w == b"hello").unwrap();
        bad[at] ^= 1;
        let s = parse_sign1(&bad, 1000).unwrap();
        assert_eq!(verify_es256(&s, &pubkey(&k)), Err(CoseError::BadSignature));
        assert_eq!(parse_sign1(&bytes, 10), Err(CoseError::TooLong { max: 10 }));
    }

    #[test]
    fn parse_rejections() {
        let k = key();
        let good = sign1(b"x", Header::default(), sign_with(&k)).unwrap();
        // untagged
        assert!(matches!(
            parse_sign1(&good[1..], 1000),
            Err(CoseError::Malformed(_))
        ));
        // trailing byte
        let mut t = good.clone();
        t.push(0);
        assert!(matches!(
            parse_sign1(&t, 1000),
            Err(CoseError::Malformed(_))
        ));
        // alg ES384 (-35 = 0x38 0x22) in the protected header
        let cose = |prot: &[u8], unprot: &[u8]| {
            let mut v = vec![0xD2, 0x84];
            write_head(&mut v, 2, prot.len() as u64);
            v.extend_from_slice(prot);
            v.extend_from_slice(unprot);
            v.extend_from_slice(&[0x41, b'x', 0x58, 0x40]);
            v.extend_from_slice(&[1; 64]);
            v
        };
        assert_eq!(
            parse_sign1(&cose(&[0xA1, 0x01, 0x38, 0x22], &[0xA0]), 1000),
            Err(CoseError::Unsupported("algorithm (ES256 required)"))
        );
        // critical header 99 not understood
        assert_eq!(
            parse_sign1(
                &cose(&[0xA2, 0x01, 0x26, 0x02, 0x81, 0x18, 99], &[0xA0]),
                1000
            ),
            Err(CoseError::Unsupported("critical header"))
        );
        // critical x5chain is fine
        assert!(
            parse_sign1(
                &cose(&[0xA2, 0x01, 0x26, 0x02, 0x81, 0x18, 33], &[0xA0]),
                1000
            )
            .is_ok()
        );
        // alg repeated unprotected
        assert!(matches!(
            parse_sign1(&cose(&[0xA1, 0x01, 0x26], &[0xA1, 0x01, 0x26]), 1000),
            Err(CoseError::Malformed(_))
        ));
        // indefinite-length unprotected map
        assert_eq!(
            parse_sign1(&cose(&[0xA1, 0x01, 0x26], &[0xBF, 0xFF]), 1000),
            Err(CoseError::Malformed("indefinite length"))
        );
        // duplicate key in the protected header
        assert_eq!(
            parse_sign1(&cose(&[0xA2, 0x01, 0x26, 0x01, 0x26], &[0xA0]), 1000),
            Err(CoseError::Malformed("duplicate map key"))
        );
        // wrong signature length
        let s = parse_sign1(&good, 1000).unwrap();
        let mut s2 = s.clone();
        s2.signature.pop();
        assert_eq!(verify_es256(&s2, &pubkey(&k)), Err(CoseError::BadSignature));
        assert_eq!(verify_es256(&s, &[4, 1, 2]), Err(CoseError::BadKey));
    }

    #[test]
    fn canonical_encoding() {
        let v = Value::Map(vec![
            (Value::from(10), Value::from(1)),
            (Value::from(2), Value::from(-500)),
            (Value::from(-1), Value::Text("a".into())),
            (Value::from(100), Value::Bytes(vec![0; 24])),
        ]);
        let enc = to_canonical(&v).unwrap();
        // keys sorted bytewise: 02, 0A, 18 64, 20
        assert_eq!(&enc[..4], &[0xA4, 0x02, 0x39, 0x01]);
        assert_eq!(
            from_slice(&enc, 100).unwrap(),
            Value::Map(vec![
                (Value::from(2), Value::from(-500)),
                (Value::from(10), Value::from(1)),
                (Value::from(100), Value::Bytes(vec![0; 24])),
                (Value::from(-1), Value::Text("a".into())),
            ])
        );
        assert_eq!(
            to_canonical(&Value::Float(1.5)),
            Err(CoseError::Unsupported("float"))
        );
        let dup = Value::Map(vec![
            (Value::from(1), Value::from(1)),
            (Value::from(1), Value::from(2)),
        ]);
        assert_eq!(
            to_canonical(&dup),
            Err(CoseError::Malformed("duplicate map key"))
        );
        // Integer edge values round trip.
        for i in [
            0i128,
            23,
            24,
            255,
            256,
            65535,
            65536,
            u32::MAX as i128,
            u64::MAX as i128,
            -1,
            -24,
            -25,
            -(u64::MAX as i128) - 1,
        ] {
            let v = Value::Integer(Integer::try_from(i).unwrap());
            let e = to_canonical(&v).unwrap();
            assert_eq!(from_slice(&e, 100).unwrap(), v, "{i}");
        }
    }

    #[test]
    fn bounded_decoding() {
        assert_eq!(
            from_slice(&[0x01, 0x02], 10),
            Err(CoseError::Malformed("trailing bytes after CBOR item"))
        );
        assert_eq!(
            from_slice(&[0x9F, 0xFF], 10),
            Err(CoseError::Malformed("indefinite length"))
        );
        assert_eq!(
            from_slice(&[0x5F, 0xFF], 10),
            Err(CoseError::Malformed("indefinite length"))
        );
        // length beyond input: no allocation of 2^32 elements
        assert!(from_slice(&[0x9A, 0xFF, 0xFF, 0xFF, 0xFF], 10).is_err());
        assert!(from_slice(&[0x5B, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF], 10).is_err());
        assert_eq!(
            from_slice(&[0x00; 11], 10),
            Err(CoseError::TooLong { max: 10 })
        );
        // nesting 17 arrays deep
        let mut deep = vec![0x81; 17];
        deep.push(0x00);
        assert_eq!(
            from_slice(&deep, 100),
            Err(CoseError::Malformed("CBOR nesting deeper than 16"))
        );
        let mut ok = vec![0x81; 16];
        ok.push(0x00);
        assert!(from_slice(&ok, 100).is_ok());
        assert_eq!(
            from_slice(&[0xF9, 0x3C, 0x00], 10),
            Err(CoseError::Unsupported("float"))
        );
        assert_eq!(
            from_slice(&[0xF7], 10),
            Err(CoseError::Unsupported("CBOR simple value"))
        );
        assert_eq!(
            from_slice(&[0x62, 0xFF, 0xFE], 10),
            Err(CoseError::Malformed("CBOR text is not UTF-8"))
        );
        assert_eq!(
            from_slice(&[0x1C], 10),
            Err(CoseError::Malformed("reserved CBOR additional info"))
        );
        assert_eq!(
            from_slice(&[], 10),
            Err(CoseError::Malformed("CBOR item runs past the end"))
        );
        assert_eq!(
            from_slice(&[0xA2, 0x01, 0x00, 0x01, 0x00], 10),
            Err(CoseError::Malformed("duplicate map key"))
        );
        // The same key in a non-shortest form is still a duplicate.
        assert_eq!(
            from_slice(&[0xA2, 0x01, 0x00, 0x18, 0x01, 0x00], 10),
            Err(CoseError::Malformed("duplicate map key"))
        );
        // Non-shortest forms are accepted otherwise, and re-encode canonically.
        let v = from_slice(&[0x19, 0x00, 0x05], 10).unwrap();
        assert_eq!(to_canonical(&v).unwrap(), [0x05]);
    }

    #[test]
    fn der_raw_conversion() {
        let k = key();
        for msg in [&b""[..], b"abc", b"monid"] {
            let sig: p256::ecdsa::Signature = k.sign(msg);
            let raw: [u8; 64] = sig.to_bytes().into();
            let der = ecdsa_raw_to_der(&raw);
            assert_eq!(der, sig.to_der().as_bytes());
            assert_eq!(ecdsa_der_to_raw(&der).unwrap(), raw);
        }
        // small values: r = 1, s = 0x80 (needs a leading zero)
        let mut raw = [0u8; 64];
        raw[31] = 1;
        raw[63] = 0x80;
        let der = ecdsa_raw_to_der(&raw);
        assert_eq!(der, [0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x02, 0x00, 0x80]);
        assert_eq!(ecdsa_der_to_raw(&der).unwrap(), raw);
        for bad in [
            &[0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x01][..], // r = 0
            &[0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01], // non-minimal
            &[0x30, 0x06, 0x02, 0x01, 0x81, 0x02, 0x01, 0x01],     // negative
            &[0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01], // long-form length < 128
            &[0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], // trailing
            &[0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x00], // trailing inside
        ] {
            assert!(ecdsa_der_to_raw(bad).is_err(), "{bad:02X?}");
        }
        // r = n is out of range
        let mut n = vec![0x30, 0x26, 0x02, 0x21, 0x00];
        n.extend_from_slice(&P256_N);
        n.extend_from_slice(&[0x02, 0x01, 0x01]);
        assert!(ecdsa_der_to_raw(&n).is_err());
    }

    fn wycheproof(file: &str) -> Json {
        let path = format!(
            "{}/../test-vectors/wycheproof-sig/{file}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    /// SubjectPublicKeyInfo of a named-curve P-256 key: the point is the last 65 bytes.
    fn spki_point(hex_der: &str) -> Vec<u8> {
        let der = hex::decode(hex_der).unwrap();
        assert_eq!(der.len(), 91);
        der[26..].to_vec()
    }

    #[test]
    fn wycheproof_p256_der() {
        let v = wycheproof("ecdsa_secp256r1_sha256.json");
        let mut n = 0;
        for g in v["groups"].as_array().unwrap() {
            let key = spki_point(g["publicKeyDer"].as_str().unwrap());
            for t in g["tests"].as_array().unwrap() {
                let id = &t[0];
                let msg = hex::decode(t[1].as_str().unwrap()).unwrap();
                let sig = hex::decode(t[2].as_str().unwrap()).unwrap();
                let valid = match t[3].as_str().unwrap() {
                    "valid" => true,
                    "invalid" => false,
                    other => panic!("tc {id}: {other}"),
                };
                let got = ecdsa_der_to_raw(&sig).and_then(|raw| verify_es256_raw(&key, &msg, &raw));
                assert_eq!(got.is_ok(), valid, "tcId {id}: {got:?}");
                if valid {
                    let raw = ecdsa_der_to_raw(&sig).unwrap();
                    assert_eq!(ecdsa_raw_to_der(&raw), sig, "tcId {id}: DER round trip");
                }
                n += 1;
            }
        }
        assert!(n > 400, "{n}");
    }

    #[test]
    fn wycheproof_p256_p1363() {
        let v = wycheproof("ecdsa_secp256r1_sha256_p1363.json");
        let mut n = 0;
        for g in v["groups"].as_array().unwrap() {
            let key = spki_point(g["publicKeyDer"].as_str().unwrap());
            for t in g["tests"].as_array().unwrap() {
                let id = &t[0];
                let msg = hex::decode(t[1].as_str().unwrap()).unwrap();
                let sig = hex::decode(t[2].as_str().unwrap()).unwrap();
                let valid = match t[3].as_str().unwrap() {
                    "valid" => true,
                    "invalid" => false,
                    other => panic!("tc {id}: {other}"),
                };
                let got = verify_es256_raw(&key, &msg, &sig);
                assert_eq!(got.is_ok(), valid, "tcId {id}: {got:?}");
                n += 1;
            }
        }
        assert!(n > 200, "{n}");
    }
    #[test]
    fn cose_wg_examples() {
        let path = format!(
            "{}/../test-vectors/cose/cose-wg-sign1.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: Json = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let mut key = vec![4u8];
        key.extend(hex::decode(v["key"]["x"].as_str().unwrap()).unwrap());
        key.extend(hex::decode(v["key"]["y"].as_str().unwrap()).unwrap());
        let case = |title: &str| {
            let c = v["cases"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["title"].as_str().unwrap().starts_with(title))
                .unwrap()
                .clone();
            let tbs = c["tbs"].as_str().map(|t| hex::decode(t).unwrap());
            (hex::decode(c["cbor"].as_str().unwrap()).unwrap(), tbs)
        };
        // sign-pass-03: untagged is refused; tagged, it verifies and the Sig_structure matches.
        let (untagged, tbs) = case("sign-pass-03");
        assert!(matches!(
            parse_sign1(&untagged, 1000),
            Err(CoseError::Malformed(_))
        ));
        let mut tagged = vec![0xD2];
        tagged.extend_from_slice(&untagged);
        let s = parse_sign1(&tagged, 1000).unwrap();
        assert_eq!(s.tbs_data(b""), tbs.unwrap());
        assert_eq!(
            sig_structure(&PROTECTED_ES256, b"This is the content."),
            s.tbs_data(b"")
        );
        verify_es256(&s, &key).unwrap();
        // ECDSA-01: protected {1: -7, 3: 0} verifies.
        let (bytes, tbs) = case("ECDSA-01");
        let s = parse_sign1(&bytes, 1000).unwrap();
        assert_eq!(s.tbs_data(b""), tbs.unwrap());
        verify_es256(&s, &key).unwrap();
        // sign-fail-02: payload changed.
        let (bytes, _) = case("sign-fail-02");
        let s = parse_sign1(&bytes, 1000).unwrap();
        assert_eq!(verify_es256(&s, &key), Err(CoseError::BadSignature));
        // sign-pass-01: alg only unprotected; monid requires it protected.
        let (bytes, _) = case("sign-pass-01");
        assert!(matches!(
            parse_sign1(&bytes, 1000),
            Err(CoseError::Unsupported(_) | CoseError::Malformed(_))
        ));
    }
}
