//! Encryption of a signed receipt to the relying party's ephemeral key, and its opening.
//!
//! This module owns the session-encryption conventions of `docs/wire-format.md` ("Encryption"
//! and "Envelope"), which follow ISO/IEC 18013-5 §9.1.1.5: ECDH P-256 between a fresh device
//! ephemeral key and the challenge's `rp_key`, `salt = SHA-256(tag 24 (bstr transcript))`,
//! `SK = HKDF-SHA256(Z, salt, "SKDevice", 32)`, AES-256-GCM with the mdoc's IV
//! `00 00 00 00 00 00 00 01 || counter 00 00 00 01`, empty AAD. The primitives
//! ([`session_key`], [`gcm_seal`], [`gcm_open`], [`ecdh`]) are public so that tests reproduce
//! the 18013-5 Annex D values through the same code path. It must not sign or parse receipts.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use ciborium::Value;
use hkdf::Hkdf;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::ReceiptError;
use crate::cose;
use crate::rand::RandomSource;

/// Largest envelope accepted (512 KiB).
pub const MAX_ENVELOPE: usize = 512 * 1024;
/// Domain separator of the monid receipt transcript.
pub const TRANSCRIPT_LABEL: &str = "monid-receipt-v1";
/// 18013-5's IV for the mdoc (device) side, first message: identifier 0..01, counter 1.
pub const DEVICE_IV: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
/// 18013-5's IV for the reader side, first message: identifier 0..00, counter 1.
pub const READER_IV: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];

/// ECDH on P-256: the x-coordinate of `private * public` (`public` in SEC1, compressed or
/// not). The private scalar must be in 1..n-1.
pub fn ecdh(private: &[u8; 32], public_sec1: &[u8]) -> Result<Zeroizing<[u8; 32]>, ReceiptError> {
    let secret = p256::SecretKey::from_slice(private).map_err(|_| ReceiptError::BadKey)?;
    let public = p256::PublicKey::from_sec1_bytes(public_sec1).map_err(|_| ReceiptError::BadKey)?;
    let shared = p256::ecdh::diffie_hellman(secret.to_nonzero_scalar(), public.as_affine());
    let mut out = Zeroizing::new([0u8; 32]);
    out.copy_from_slice(shared.raw_secret_bytes().as_slice());
    Ok(out)
}

/// `HKDF-SHA256(ikm = z, salt = SHA-256(session_transcript_bytes), info, 32)`, where
/// `session_transcript_bytes` is the tag-24-wrapped transcript (18013-5's
/// `SessionTranscriptBytes`).
pub fn session_key(
    z: &[u8; 32],
    session_transcript_bytes: &[u8],
    info: &[u8],
) -> Result<Zeroizing<[u8; 32]>, ReceiptError> {
    let salt = Sha256::digest(session_transcript_bytes);
    let hk = Hkdf::<Sha256>::new(Some(salt.as_slice()), z);
    let mut out = Zeroizing::new([0u8; 32]);
    hk.expand(info, out.as_mut_slice())
        .map_err(|_| ReceiptError::Internal("HKDF length"))?;
    Ok(out)
}

/// AES-256-GCM encryption; the 16-byte tag is appended. (The receipt uses an empty `aad`.)
pub fn gcm_seal(
    key: &[u8; 32],
    iv: &[u8; 12],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<Vec<u8>, ReceiptError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| ReceiptError::Internal("AES key"))?;
    cipher
        .encrypt(
            &Nonce::from(*iv),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| ReceiptError::Internal("AES-GCM encryption"))
}

/// AES-256-GCM decryption; [`ReceiptError::DecryptionFailed`] when the tag does not verify.
pub fn gcm_open(
    key: &[u8; 32],
    iv: &[u8; 12],
    aad: &[u8],
    ciphertext: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ReceiptError> {
    let cipher = Aes256Gcm::new_from_slice(key).map_err(|_| ReceiptError::Internal("AES key"))?;
    cipher
        .decrypt(
            &Nonce::from(*iv),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| ReceiptError::DecryptionFailed)
}

/// `cbor(tag 24 (bstr cbor(["monid-receipt-v1", challenge_digest, E_D, rp_key])))`: the bytes
/// whose SHA-256 is the HKDF salt.
pub fn transcript_bytes(
    challenge_digest: &[u8; 32],
    device_ephemeral: &[u8; 65],
    rp_key_compressed: &[u8; 33],
) -> Result<Vec<u8>, ReceiptError> {
    let transcript = Value::Array(vec![
        Value::Text(TRANSCRIPT_LABEL.to_owned()),
        Value::Bytes(challenge_digest.to_vec()),
        Value::Bytes(device_ephemeral.to_vec()),
        Value::Bytes(rp_key_compressed.to_vec()),
    ]);
    let inner = cose::to_canonical(&transcript)?;
    Ok(cose::to_canonical(&Value::Tag(
        24,
        Box::new(Value::Bytes(inner)),
    ))?)
}

/// Draws a P-256 private scalar from `rng` (retrying the ~2^-32 out-of-range draws, at most 8
/// times).
pub fn ephemeral_scalar(rng: &mut dyn RandomSource) -> Result<Zeroizing<[u8; 32]>, ReceiptError> {
    for _ in 0..8 {
        let mut d = Zeroizing::new([0u8; 32]);
        rng.fill(d.as_mut_slice())
            .map_err(|_| ReceiptError::Internal("random source"))?;
        if p256::SecretKey::from_slice(d.as_slice()).is_ok() {
            return Ok(d);
        }
    }
    Err(ReceiptError::Internal(
        "random source gives no valid scalar",
    ))
}

/// SEC1 encoding (65 bytes uncompressed or 33 compressed) of the public key of `private`.
fn public_of(private: &[u8; 32]) -> Result<(Vec<u8>, Vec<u8>), ReceiptError> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let secret = p256::SecretKey::from_slice(private).map_err(|_| ReceiptError::BadKey)?;
    let public = secret.public_key();
    Ok((
        public.to_sec1_point(false).as_bytes().to_vec(),
        public.to_sec1_point(true).as_bytes().to_vec(),
    ))
}

/// The 33-byte compressed encoding of a P-256 key given in any SEC1 form.
pub fn compress(public_sec1: &[u8]) -> Result<[u8; 33], ReceiptError> {
    use p256::elliptic_curve::sec1::ToSec1Point;
    let public = p256::PublicKey::from_sec1_bytes(public_sec1).map_err(|_| ReceiptError::BadKey)?;
    public
        .to_sec1_point(true)
        .as_bytes()
        .try_into()
        .map_err(|_| ReceiptError::BadKey)
}

/// Encrypts `signed_receipt` to `rp_key` (the challenge's key, 33 bytes compressed) with the
/// device ephemeral private scalar `e_d`, and returns the envelope
/// `{1: 1, 2: nonce, 3: E_D, 4: ciphertext}` in deterministic CBOR.
pub fn seal_with(
    signed_receipt: &[u8],
    challenge_bytes: &[u8],
    nonce: &[u8; 16],
    rp_key: &[u8; 33],
    e_d: &[u8; 32],
) -> Result<Vec<u8>, ReceiptError> {
    let (e_pub, _) = public_of(e_d)?;
    let e_pub: [u8; 65] = e_pub
        .as_slice()
        .try_into()
        .map_err(|_| ReceiptError::Internal("ephemeral key encoding"))?;
    let z = ecdh(e_d, rp_key)?;
    let digest: [u8; 32] = Sha256::digest(challenge_bytes).into();
    let transcript = transcript_bytes(&digest, &e_pub, rp_key)?;
    let sk = session_key(&z, &transcript, b"SKDevice")?;
    let ciphertext = gcm_seal(&sk, &DEVICE_IV, &[], signed_receipt)?;
    let envelope = Value::Map(vec![
        (Value::Integer(1.into()), Value::Integer(1.into())),
        (Value::Integer(2.into()), Value::Bytes(nonce.to_vec())),
        (Value::Integer(3.into()), Value::Bytes(e_pub.to_vec())),
        (Value::Integer(4.into()), Value::Bytes(ciphertext)),
    ]);
    let out = cose::to_canonical(&envelope)?;
    if out.len() > MAX_ENVELOPE {
        return Err(ReceiptError::TooLong);
    }
    Ok(out)
}

/// A parsed (not yet decrypted) envelope.
#[derive(Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The challenge's nonce, for the relying party to find its challenge.
    pub nonce: [u8; 16],
    /// The device's ephemeral key E_D, SEC1 uncompressed.
    pub device_ephemeral: [u8; 65],
    /// AES-256-GCM ciphertext with its tag.
    pub ciphertext: Vec<u8>,
}

impl core::fmt::Debug for Envelope {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(
            f,
            "Envelope {{ ciphertext: {} bytes }}",
            self.ciphertext.len()
        )
    }
}

/// Parses an envelope (bounded by [`MAX_ENVELOPE`]): version 1, nonce 16 bytes, E_D a valid
/// uncompressed P-256 point, ciphertext at least the 16-byte tag. Unknown keys >= 100 are
/// ignored, other unknown keys rejected.
pub fn parse_envelope(bytes: &[u8]) -> Result<Envelope, ReceiptError> {
    let value = cose::from_slice(bytes, MAX_ENVELOPE)?;
    let Value::Map(entries) = value else {
        return Err(ReceiptError::Malformed("envelope is not a map"));
    };
    let (mut version, mut nonce, mut e_d, mut ct) = (None, None, None, None);
    for (k, v) in entries {
        let key = super::map_key(&k, "envelope key")?;
        match (key, v) {
            (1, Value::Integer(i)) => version = u64::try_from(i).ok(),
            (2, Value::Bytes(b)) => nonce = Some(b),
            (3, Value::Bytes(b)) => e_d = Some(b),
            (4, Value::Bytes(b)) => ct = Some(b),
            (k, _) if k >= 100 => {}
            _ => return Err(ReceiptError::Malformed("envelope field")),
        }
    }
    if version != Some(1) {
        return Err(ReceiptError::Unsupported("envelope version"));
    }
    let nonce: [u8; 16] = nonce
        .as_deref()
        .and_then(|n| n.try_into().ok())
        .ok_or(ReceiptError::Malformed("envelope nonce"))?;
    let device_ephemeral: [u8; 65] = e_d
        .as_deref()
        .and_then(|n| n.try_into().ok())
        .ok_or(ReceiptError::Malformed("envelope ephemeral key"))?;
    if device_ephemeral[0] != 0x04 || p256::PublicKey::from_sec1_bytes(&device_ephemeral).is_err() {
        return Err(ReceiptError::BadKey);
    }
    let ciphertext = ct.ok_or(ReceiptError::Malformed("envelope ciphertext"))?;
    if ciphertext.len() < 16 {
        return Err(ReceiptError::Malformed(
            "envelope ciphertext shorter than the tag",
        ));
    }
    Ok(Envelope {
        nonce,
        device_ephemeral,
        ciphertext,
    })
}

/// Opens an envelope with the relying party's ephemeral private scalar (the one whose public
/// key the challenge carried) and the challenge bytes exactly as issued; returns the signed
/// receipt (COSE_Sign1 bytes, not yet parsed or verified). The envelope's nonce must be the
/// challenge's ([`ReceiptError::Malformed`] otherwise); a wrong key, a different challenge or
/// any tampering with E_D or the ciphertext gives [`ReceiptError::DecryptionFailed`]. The
/// challenge's signature is not checked here (the relying party issued it). Pure: no clock, no state (the
/// verifier checks the nonce against its store and the receipt's contents).
pub fn open_envelope(
    envelope: &[u8],
    rp_ephemeral_private: &[u8; 32],
    challenge_bytes: &[u8],
) -> Result<Zeroizing<Vec<u8>>, ReceiptError> {
    let env = parse_envelope(envelope)?;
    // The envelope's nonce is outside the AEAD (it is the relying party's lookup key): check it
    // against the challenge, whose digest the encryption binds.
    let sign1 = cose::parse_sign1(challenge_bytes, crate::challenge::MAX_CHALLENGE_LEN)?;
    let payload = sign1
        .payload
        .as_deref()
        .ok_or(ReceiptError::Malformed("challenge payload"))?;
    let challenge = crate::challenge::Challenge::from_cbor(payload)
        .map_err(|_| ReceiptError::Malformed("challenge"))?;
    if challenge.nonce != env.nonce {
        return Err(ReceiptError::Malformed(
            "envelope nonce is not the challenge's",
        ));
    }
    let (_, rp_compressed) = public_of(rp_ephemeral_private)?;
    let rp_key: [u8; 33] = rp_compressed
        .as_slice()
        .try_into()
        .map_err(|_| ReceiptError::Internal("RP key encoding"))?;
    if rp_key != challenge.rp_key {
        return Err(ReceiptError::DecryptionFailed);
    }
    let z = ecdh(rp_ephemeral_private, &env.device_ephemeral)?;
    let digest: [u8; 32] = Sha256::digest(challenge_bytes).into();
    let transcript = transcript_bytes(&digest, &env.device_ephemeral, &rp_key)?;
    let sk = session_key(&z, &transcript, b"SKDevice")?;
    gcm_open(&sk, &DEVICE_IV, &[], &env.ciphertext)
}
