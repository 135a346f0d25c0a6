//! Basic Access Control (ICAO 9303-11 §4.3), terminal side, as a sans-I/O typestate.
//!
//! This module owns the BAC key derivation from K_seed, the mutual authentication (GET CHALLENGE,
//! EXTERNAL AUTHENTICATE) and the derivation of the session keys and SSC that open a
//! [`SecureMessaging`] session. Each step consumes its state and returns the next one with the
//! command to send, as rustls does for handshakes: the caller transmits, nothing here does I/O.
//! It does not compute K_seed from the MRZ (the MRZ module does), does not select applications
//! and does not implement the chip side. Every key, nonce and cryptogram is zeroized on drop and
//! redacted in `Debug`.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::apdu::{Command, Response};
use crate::crypto::{self, MAC_LEN, SmCipher};
use crate::error::{ChipError, Error, Result};
use crate::rand::RandomSource;
use crate::sm::SecureMessaging;

/// Length of RND.IC and RND.IFD.
pub const NONCE_LEN: usize = 8;
/// Length of K.IFD, K.IC, K_seed and each BAC key.
pub const KEY_LEN: usize = 16;
/// Length of E_IFD / E_IC.
const CRYPTOGRAM_LEN: usize = 32;
/// Length of the EXTERNAL AUTHENTICATE data and response (E || M).
pub const AUTH_DATA_LEN: usize = CRYPTOGRAM_LEN + MAC_LEN;

const DURING_AUTH: &str = "BAC EXTERNAL AUTHENTICATE";

/// A pair of two-key 3DES keys: K_enc and K_mac (document basic access keys, or session keys).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct BacKeys {
    k_enc: [u8; KEY_LEN],
    k_mac: [u8; KEY_LEN],
}

impl fmt::Debug for BacKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacKeys(<redacted>)")
    }
}

impl BacKeys {
    /// K_enc (16 bytes, DES parity adjusted).
    pub fn k_enc(&self) -> &[u8; KEY_LEN] {
        &self.k_enc
    }

    /// K_mac (16 bytes, DES parity adjusted).
    pub fn k_mac(&self) -> &[u8; KEY_LEN] {
        &self.k_mac
    }
}

/// Derives K_enc (counter 1) and K_mac (counter 2) from a 16-byte seed with the 3DES KDF.
/// Used for the document basic access keys (seed K_seed from the MRZ) and for the session keys
/// (seed K.IFD xor K.IC).
pub fn derive_bac_keys(key_seed: &[u8; KEY_LEN]) -> BacKeys {
    let enc = crypto::kdf(key_seed, 1, SmCipher::Des3);
    let mac = crypto::kdf(key_seed, 2, SmCipher::Des3);
    let mut keys = BacKeys {
        k_enc: [0; KEY_LEN],
        k_mac: [0; KEY_LEN],
    };
    // The 3DES KDF always yields 16 bytes; zip keeps this free of panics regardless.
    for (d, s) in keys.k_enc.iter_mut().zip(enc.iter()) {
        *d = *s;
    }
    for (d, s) in keys.k_mac.iter_mut().zip(mac.iter()) {
        *d = *s;
    }
    keys
}

/// Session keys after mutual authentication: KDF(K.IFD xor K.IC), counters 1 and 2.
pub fn derive_session_keys(k_ifd: &[u8; KEY_LEN], k_ic: &[u8; KEY_LEN]) -> BacKeys {
    let mut seed = Zeroizing::new([0u8; KEY_LEN]);
    for ((s, a), b) in seed.iter_mut().zip(k_ifd.iter()).zip(k_ic.iter()) {
        *s = a ^ b;
    }
    derive_bac_keys(&seed)
}

/// The initial SSC of a BAC session: RND.IC[4..8] || RND.IFD[4..8].
pub fn session_ssc(rnd_ic: &[u8; NONCE_LEN], rnd_ifd: &[u8; NONCE_LEN]) -> [u8; 8] {
    let mut ssc = [0u8; 8];
    for (d, s) in ssc
        .iter_mut()
        .zip(rnd_ic.iter().skip(4).chain(rnd_ifd.iter().skip(4)))
    {
        *d = *s;
    }
    ssc
}

/// The 3DES secure-messaging session that BAC opens from K.IFD, K.IC and both nonces.
pub fn derive_session(
    k_ifd: &[u8; KEY_LEN],
    k_ic: &[u8; KEY_LEN],
    rnd_ic: &[u8; NONCE_LEN],
    rnd_ifd: &[u8; NONCE_LEN],
) -> Result<SecureMessaging> {
    let keys = derive_session_keys(k_ifd, k_ic);
    SecureMessaging::new(
        SmCipher::Des3,
        keys.k_enc(),
        keys.k_mac(),
        &session_ssc(rnd_ic, rnd_ifd),
    )
}

/// BAC before mutual authentication: holds the document basic access keys.
///
/// ```
/// # fn main() -> monid_core::Result<()> {
/// use monid_core::apdu::{Response, StatusWord};
/// use monid_core::bac::Bac;
/// use monid_core::rand::FixedRandom;
/// # fn hex(s: &str) -> Vec<u8> {
/// #     (0..s.len()).step_by(2).map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap()).collect()
/// # }
/// // ICAO 9303-11 Appendix D: K_seed, RND.IC, then RND.IFD || K.IFD injected as "random".
/// let seed: [u8; 16] = hex("239AB9CB282DAF66231DC5A4DF6BFBAE").try_into().unwrap();
/// let _get_challenge = Bac::get_challenge(); // send it; the chip answers RND.IC
/// let rnd_ic = hex("4608F91988702212");
/// let mut rng = FixedRandom::new(hex("781723860C06C2260B795240CB7049B01C19B33E32804F0B"));
/// let (awaiting, _external_authenticate) = Bac::new(&seed).authenticate(&rnd_ic, &mut rng)?;
/// // send EXTERNAL AUTHENTICATE; the chip answers E_IC || M_IC with 9000
/// let answer = Response {
///     data: hex("46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449"),
///     sw: StatusWord::SUCCESS,
/// };
/// let sm = awaiting.finish(&answer)?;
/// assert_eq!(sm.ssc(), hex("887022120C06C226"));
/// # Ok(())
/// # }
/// ```
pub struct Bac {
    keys: BacKeys,
}

impl fmt::Debug for Bac {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Bac(<redacted>)")
    }
}

impl Bac {
    /// Starts BAC from K_seed (the first 16 bytes of SHA-1 of the MRZ information).
    pub fn new(key_seed: &[u8; KEY_LEN]) -> Self {
        Bac {
            keys: derive_bac_keys(key_seed),
        }
    }

    /// GET CHALLENGE: `00 84 00 00`, Ne = 8. Its response data is RND.IC.
    pub fn get_challenge() -> Command {
        Command::new(0x00, 0x84, 0x00, 0x00).with_ne(NONCE_LEN)
    }

    /// Builds EXTERNAL AUTHENTICATE (`00 82 00 00`, data E_IFD || M_IFD, Ne = 40) from RND.IC.
    /// Draws RND.IFD (8 bytes) then K.IFD (16 bytes) from `rng`, in that order.
    ///
    /// A RND.IC that is not 8 bytes is a [`ChipError::MalformedResponse`].
    pub fn authenticate(
        self,
        rnd_ic: &[u8],
        rng: &mut dyn RandomSource,
    ) -> Result<(BacAwaitingChip, Command)> {
        let rnd_ic: [u8; NONCE_LEN] =
            rnd_ic
                .try_into()
                .map_err(|_| ChipError::MalformedResponse {
                    during: "BAC GET CHALLENGE",
                    problem: "RND.IC is not 8 bytes",
                })?;
        let mut rnd_ifd = Zeroizing::new([0u8; NONCE_LEN]);
        rng.fill(rnd_ifd.as_mut_slice())?;
        let mut k_ifd = Zeroizing::new([0u8; KEY_LEN]);
        rng.fill(k_ifd.as_mut_slice())?;

        let mut s = Zeroizing::new(Vec::with_capacity(CRYPTOGRAM_LEN));
        s.extend_from_slice(rnd_ifd.as_slice());
        s.extend_from_slice(&rnd_ic);
        s.extend_from_slice(k_ifd.as_slice());
        let e_ifd = crypto::des3_cbc_encrypt(self.keys.k_enc(), &s)?;
        let m_ifd = crypto::retail_mac(self.keys.k_mac(), &crypto::pad(&e_ifd, 8))?;
        let mut data = Vec::with_capacity(AUTH_DATA_LEN);
        data.extend_from_slice(&e_ifd);
        data.extend_from_slice(&m_ifd);
        let cmd = Command::new(0x00, 0x82, 0x00, 0x00)
            .with_data(data)
            .with_ne(AUTH_DATA_LEN);

        let Bac { keys } = self;
        let next = BacAwaitingChip {
            keys,
            rnd_ic,
            rnd_ifd: *rnd_ifd,
            k_ifd: *k_ifd,
        };
        Ok((next, cmd))
    }
}

/// BAC after EXTERNAL AUTHENTICATE was built: waits for the chip's answer.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct BacAwaitingChip {
    keys: BacKeys,
    rnd_ic: [u8; NONCE_LEN],
    rnd_ifd: [u8; NONCE_LEN],
    k_ifd: [u8; KEY_LEN],
}

impl fmt::Debug for BacAwaitingChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BacAwaitingChip(<redacted>)")
    }
}

impl BacAwaitingChip {
    /// Checks the EXTERNAL AUTHENTICATE response and opens secure messaging.
    ///
    /// The statuses chips use to refuse the cryptogram are [`Error::AccessDenied`] (63xx,
    /// 6982, 6984, 6985, 6988, 6A80); any other non-9000 status is the chip misbehaving
    /// ([`ChipError::UnexpectedStatus`]), so that a broken link is never reported as a wrong
    /// MRZ. A response that is not 40 bytes is [`ChipError::MalformedResponse`]. A MAC
    /// that does not verify (constant time) or a wrong RND.IFD echo is
    /// [`ChipError::AuthenticationFailed`].
    pub fn finish(self, response: &Response) -> Result<SecureMessaging> {
        if !response.sw.is_success() {
            return Err(match response.sw.0 {
                0x6300..=0x63FF | 0x6982 | 0x6984 | 0x6985 | 0x6988 | 0x6A80 => {
                    Error::AccessDenied(response.sw)
                }
                _ => Error::Chip(ChipError::UnexpectedStatus {
                    sw: response.sw,
                    during: "EXTERNAL AUTHENTICATE",
                }),
            });
        }
        let (e_ic, m_ic) = response
            .data
            .split_at_checked(CRYPTOGRAM_LEN)
            .filter(|(_, m)| m.len() == MAC_LEN)
            .ok_or(ChipError::MalformedResponse {
                during: DURING_AUTH,
                problem: "response is not 40 bytes",
            })?;
        let mac = crypto::retail_mac(self.keys.k_mac(), &crypto::pad(e_ic, 8))?;
        if !bool::from(mac.ct_eq(m_ic)) {
            return Err(ChipError::AuthenticationFailed.into());
        }
        let r = crypto::des3_cbc_decrypt(self.keys.k_enc(), e_ic)?;
        // R = RND.IC || RND.IFD || K.IC
        let echo = r
            .get(NONCE_LEN..2 * NONCE_LEN)
            .ok_or(Error::Internal("bac: decrypted cryptogram length"))?;
        if !bool::from(echo.ct_eq(&self.rnd_ifd)) {
            return Err(ChipError::AuthenticationFailed.into());
        }
        let k_ic: Zeroizing<[u8; KEY_LEN]> = Zeroizing::new(
            r.get(2 * NONCE_LEN..)
                .and_then(|k| k.try_into().ok())
                .ok_or(Error::Internal("bac: decrypted cryptogram length"))?,
        );
        derive_session(&self.k_ifd, &k_ic, &self.rnd_ic, &self.rnd_ifd)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apdu::StatusWord;
    use crate::rand::FixedRandom;

    fn h(s: &str) -> Vec<u8> {
        hex::decode(s).unwrap()
    }

    // ICAO 9303-11 Appendix D (repeated from test-vectors/icao9303-11-appendix-d.json).
    const SEED: &str = "239AB9CB282DAF66231DC5A4DF6BFBAE";
    const RND_IC: &str = "4608F91988702212";
    const RND_IFD_K_IFD: &str = "781723860C06C2260B795240CB7049B01C19B33E32804F0B";
    const RESP: &str =
        "46B9342A41396CD7386BF5803104D7CEDC122B9132139BAF2EEDC94EE178534F2F2D235D074D7449";

    fn awaiting() -> BacAwaitingChip {
        let seed: [u8; 16] = h(SEED).try_into().unwrap();
        let mut rng = FixedRandom::new(h(RND_IFD_K_IFD));
        Bac::new(&seed)
            .authenticate(&h(RND_IC), &mut rng)
            .unwrap()
            .0
    }

    #[test]
    fn status_words_map_to_access_denied() {
        for sw in [0x6F00, 0x6700, 0x6292] {
            let err = awaiting()
                .finish(&Response {
                    data: vec![],
                    sw: StatusWord(sw),
                })
                .unwrap_err();
            assert_eq!(err.kind(), crate::ErrorKind::ChipMisbehaved, "{sw:04X}");
        }
        for sw in [0x6300, 0x63C2, 0x6982, 0x6988, 0x6A80, 0x6985] {
            let err = awaiting()
                .finish(&Response {
                    data: vec![],
                    sw: StatusWord(sw),
                })
                .unwrap_err();
            assert!(matches!(err, Error::AccessDenied(StatusWord(s)) if s == sw));
            assert_eq!(err.kind(), crate::ErrorKind::WrongAccessKey);
        }
    }

    #[test]
    fn wrong_lengths_are_chip_errors() {
        let seed = [0u8; 16];
        let mut rng = FixedRandom::new(vec![0; 24]);
        let err = Bac::new(&seed).authenticate(&[0; 7], &mut rng).unwrap_err();
        assert!(matches!(
            err,
            Error::Chip(ChipError::MalformedResponse { .. })
        ));
        for n in [0usize, 39, 41, 32] {
            let err = awaiting()
                .finish(&Response {
                    data: vec![0; n],
                    sw: StatusWord::SUCCESS,
                })
                .unwrap_err();
            assert!(matches!(
                err,
                Error::Chip(ChipError::MalformedResponse { .. })
            ));
        }
        // An exhausted random source is an error, not a panic.
        let mut short = FixedRandom::new(vec![0; 10]);
        assert!(matches!(
            Bac::new(&seed).authenticate(&[0; 8], &mut short),
            Err(Error::Random)
        ));
    }

    #[test]
    fn wrong_cryptogram_or_echo_fails_authentication() {
        let mut bad = h(RESP);
        bad[5] ^= 1;
        let err = awaiting()
            .finish(&Response {
                data: bad,
                sw: StatusWord::SUCCESS,
            })
            .unwrap_err();
        assert!(matches!(err, Error::Chip(ChipError::AuthenticationFailed)));
        let mut bad = h(RESP);
        bad[39] ^= 0x80;
        assert!(matches!(
            awaiting().finish(&Response {
                data: bad,
                sw: StatusWord::SUCCESS
            }),
            Err(Error::Chip(ChipError::AuthenticationFailed))
        ));
        // A correctly MACed cryptogram that echoes a different RND.IFD.
        let keys = derive_bac_keys(&h(SEED).try_into().unwrap());
        let mut r = h("4608F91988702212");
        r.extend_from_slice(&h("0000000000000000"));
        r.extend_from_slice(&h("0B4F80323EB3191CB04970CB4052790B"));
        let e = crypto::des3_cbc_encrypt(keys.k_enc(), &r).unwrap();
        let m = crypto::retail_mac(keys.k_mac(), &crypto::pad(&e, 8)).unwrap();
        let mut data = e;
        data.extend_from_slice(&m);
        assert!(matches!(
            awaiting().finish(&Response {
                data,
                sw: StatusWord::SUCCESS
            }),
            Err(Error::Chip(ChipError::AuthenticationFailed))
        ));
    }

    #[test]
    fn garbage_responses_never_panic() {
        let mut x = 0x2545_F491_4F6C_DD1Du64;
        for i in 0..200 {
            let n = if i % 2 == 0 { 40 } else { i % 64 };
            let data: Vec<u8> = (0..n)
                .map(|_| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    x as u8
                })
                .collect();
            let sw = if i % 5 == 0 { 0x6300 } else { 0x9000 };
            assert!(
                awaiting()
                    .finish(&Response {
                        data,
                        sw: StatusWord(sw)
                    })
                    .is_err()
            );
        }
    }

    #[test]
    fn debug_is_redacted() {
        let keys = derive_bac_keys(&[0x11; 16]);
        assert_eq!(format!("{keys:?}"), "BacKeys(<redacted>)");
        assert_eq!(format!("{:?}", Bac::new(&[0x11; 16])), "Bac(<redacted>)");
        assert!(format!("{:?}", awaiting()).contains("redacted"));
    }

    #[test]
    fn ssc_helper() {
        assert_eq!(
            session_ssc(
                &h(RND_IC).try_into().unwrap(),
                &h("781723860C06C226").try_into().unwrap()
            )[..],
            h("887022120C06C226")
        );
    }
}
