//! PACE with ECDH or DH, terminal side (ICAO 9303-11 §4.4, BSI TR-03110-2 §3.2 / TR-03110-3
//! B.1), as a sans-I/O typestate.
//!
//! This module owns the PACE protocol steps: MSE:Set AT, the four GENERAL AUTHENTICATE
//! exchanges (encrypted nonce, mapping, key agreement, mutual authentication) for the generic,
//! integrated and chip authentication mappings, the session key derivation and the
//! authentication tokens, ending in a [`SecureMessaging`] session with a zero SSC and a
//! [`PaceOutcome`] for the evidence. Each step consumes its state and returns the next one with
//! the command to send, like [`crate::bac`]: nothing here does I/O, chooses a protocol from
//! EF.CardAccess (`pace::info` does), or verifies the chip's static key against EF.CardSecurity
//! (the caller does, with [`PaceOutcome::verify_chip_authentication`]). Curve arithmetic is in
//! [`super::ec`]; the DH arms of each step are in `super::dh_steps` (arithmetic in
//! [`super::dh`]). K_π, nonces, private keys and session keys are zeroized on drop and redacted
//! in `Debug`; errors name the step and status word, never a value.

use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::dh_steps;
use super::ec::{self, EcError};
use super::params::{
    EcCurve, KeyAgreement, Mapping, PaceDomain, PaceParams, PaceProtocol, PasswordRef, TokenMac,
};
use crate::access::AccessKey;
use crate::apdu::{Command, Response, StatusWord};
use crate::crypto::{self, MAC_LEN, SmCipher};
use crate::error::{ChipError, Error, Result};
use crate::rand::RandomSource;
use crate::sm::SecureMessaging;
use crate::tlv;

const DURING_SET_AT: &str = "PACE MSE:Set AT";
const DURING_NONCE: &str = "PACE GENERAL AUTHENTICATE (encrypted nonce)";
const DURING_MAP: &str = "PACE GENERAL AUTHENTICATE (mapping)";
const DURING_KA: &str = "PACE GENERAL AUTHENTICATE (key agreement)";
const DURING_MA: &str = "PACE GENERAL AUTHENTICATE (mutual authentication)";

/// Largest encrypted nonce accepted (the nonce is one or two cipher blocks in practice).
const MAX_NONCE_LEN: usize = 64;
/// Largest encrypted chip authentication data accepted (CA_IC is at most a 66-byte scalar).
const MAX_CAM_DATA_LEN: usize = 128;

fn malformed(during: &'static str, problem: &'static str) -> Error {
    Error::Chip(ChipError::MalformedResponse { during, problem })
}

fn ec_error(during: &'static str, e: EcError) -> Error {
    match e {
        EcError::Random => Error::Random,
        EcError::Cipher => Error::Internal("pace: block cipher"),
        EcError::InvalidScalar => malformed(during, "scalar out of range"),
        EcError::InvalidPoint => malformed(during, "public key is not a point on the curve"),
        EcError::Identity => malformed(during, "result is the point at infinity"),
        EcError::InvalidMappingInput => malformed(during, "mapping input is degenerate"),
    }
}

/// A GENERAL AUTHENTICATE command: `10 86 00 00` (chained) or `00 86 00 00` (last), data
/// `7C { inner }`, Ne = 256.
fn general_authenticate(last: bool, inner: &[u8]) -> Command {
    let cla = if last { 0x00 } else { 0x10 };
    Command::new(cla, 0x86, 0x00, 0x00)
        .with_data(tlv::encode(0x7C, inner))
        .with_ne(256)
}

/// Checks the status word of a GENERAL AUTHENTICATE before the last one.
fn check_status(response: &Response, during: &'static str) -> Result<()> {
    if response.sw.is_success() {
        Ok(())
    } else {
        Err(Error::Chip(ChipError::UnexpectedStatus {
            sw: response.sw,
            during,
        }))
    }
}

/// The dynamic authentication data `7C { ... }` of a response: its inner objects.
fn dynamic_data<'a>(response: &'a Response, during: &'static str) -> Result<Vec<tlv::Tlv<'a>>> {
    let outer = tlv::parse_single(&response.data, 0x7C)
        .map_err(|_| malformed(during, "response is not one 7C data object"))?;
    tlv::Reader::new(outer.value)
        .read_all()
        .map_err(|_| malformed(during, "malformed data object inside 7C"))
}

/// The value of the one object with `tag` inside 7C; duplicates are malformed.
fn required<'a>(objects: &[tlv::Tlv<'a>], tag: u32, during: &'static str) -> Result<&'a [u8]> {
    let mut found = objects.iter().filter(|o| o.tag == tag);
    let first = found
        .next()
        .ok_or(malformed(during, "required data object missing"))?;
    if found.next().is_some() {
        return Err(malformed(during, "data object repeated"));
    }
    Ok(first.value)
}

/// Decrypts the chip's nonce: `s = D(K_π, z)`, CBC with a zero IV (3DES or AES).
pub fn decrypt_nonce(cipher: SmCipher, k_pi: &[u8], z: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if z.is_empty() || !z.len().is_multiple_of(cipher.block_len()) || z.len() > MAX_NONCE_LEN {
        return Err(malformed(DURING_NONCE, "encrypted nonce length"));
    }
    match cipher {
        SmCipher::Des3 => crypto::des3_cbc_decrypt(k_pi, z),
        _ => crypto::aes_cbc_decrypt(k_pi, &[0u8; 16], z),
    }
}

/// The public key data object the tokens are computed over (TR-03110-3 D.3.3), without domain
/// parameters: `7F49 { 06 OID, 86 uncompressed point }` for ECDH, `7F49 { 06 OID, 84 public
/// value }` for DH (the value as the chip sent it, normally p's length).
pub fn token_input(protocol: &PaceProtocol, public_key: &[u8]) -> Vec<u8> {
    let tag = match protocol.key_agreement {
        KeyAgreement::Ecdh => 0x86,
        KeyAgreement::Dh => 0x84,
    };
    let mut inner = tlv::encode(0x06, &protocol.oid());
    inner.extend_from_slice(&tlv::encode(tag, public_key));
    tlv::encode(0x7F49, &inner)
}

/// An authentication token `T = MAC(KS_mac, 7F49 { 06 OID, 86 PK })` (ICAO 9303-11
/// §4.4.3.4): AES-CMAC truncated to 8 bytes, or for 3DES the retail MAC over the input padded
/// with ISO/IEC 9797-1 method 2.
pub fn auth_token(
    protocol: &PaceProtocol,
    ks_mac: &[u8],
    public_key: &[u8],
) -> Result<[u8; MAC_LEN]> {
    let input = token_input(protocol, public_key);
    match protocol.token_mac() {
        TokenMac::Cmac => crypto::aes_cmac8(ks_mac, &input),
        TokenMac::RetailMac => crypto::retail_mac(ks_mac, &crypto::pad(&input, 8)),
    }
}

/// Decrypts the chip authentication data of CAM (DO'8A'): AES-CBC under KS_enc with
/// `IV = E(KS_enc, FF..FF)` (ICAO 9303-11 §4.4.3.5.2), padding removed: CA_IC.
pub fn decrypt_cam_data(ks_enc: &[u8], encrypted: &[u8]) -> Result<Zeroizing<Vec<u8>>> {
    if encrypted.is_empty()
        || !encrypted.len().is_multiple_of(16)
        || encrypted.len() > MAX_CAM_DATA_LEN
    {
        return Err(malformed(DURING_MA, "chip authentication data length"));
    }
    let iv = crypto::aes_ecb_encrypt_block(ks_enc, &[0xFF; 16])?;
    let plain = crypto::aes_cbc_decrypt(ks_enc, &iv, encrypted)?;
    let ca =
        crypto::unpad(&plain).ok_or(malformed(DURING_MA, "chip authentication data padding"))?;
    Ok(Zeroizing::new(ca.to_vec()))
}

/// What PACE established, for the caller's evidence and the chip authentication check.
#[derive(Clone)]
pub struct PaceOutcome {
    /// The protocol run (its OID is [`PaceProtocol::oid`]).
    pub protocol: PaceProtocol,
    /// The curve (ECDH) or group (DH).
    pub domain: PaceDomain,
    /// The password reference used.
    pub password: PasswordRef,
    /// The chip's ephemeral public key PK_PICC (uncompressed point on the mapped generator; for
    /// DH the public value as sent).
    pub chip_ephemeral_public_key: Vec<u8>,
    /// The chip's mapping public key PK_Map,PICC (generic and chip authentication mappings).
    pub chip_mapping_public_key: Option<Vec<u8>>,
    /// CAM only: the decrypted chip authentication data CA_IC, to check against the chip's
    /// static key with [`PaceOutcome::verify_chip_authentication`].
    pub chip_authentication_data: Option<Zeroizing<Vec<u8>>>,
}

impl fmt::Debug for PaceOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaceOutcome")
            .field("protocol", &self.protocol.name())
            .field("domain", &self.domain)
            .field("password", &self.password)
            .field(
                "chip_ephemeral_public_key_len",
                &self.chip_ephemeral_public_key.len(),
            )
            .field(
                "chip_authentication_data",
                &self.chip_authentication_data.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

impl PaceOutcome {
    /// The protocol OID (DER content octets).
    pub fn oid(&self) -> [u8; 10] {
        self.protocol.oid()
    }

    /// The mapping.
    pub fn mapping(&self) -> Mapping {
        self.protocol.mapping
    }

    /// The secure-messaging cipher.
    pub fn cipher(&self) -> SmCipher {
        self.protocol.cipher
    }

    /// The curve, for an ECDH run.
    pub fn curve(&self) -> Option<EcCurve> {
        self.domain.curve()
    }

    /// Chip authentication by CAM (ICAO 9303-11 §4.4.3.5.2): true when
    /// `PK_Map,PICC == CA_IC · PK_IC` for the chip's static public key `pk_ic` (uncompressed
    /// point from the ChipAuthenticationPublicKeyInfo of EF.CardSecurity, whose signature the
    /// caller verifies). [`Error::InvalidInput`] when this run was not CAM or `pk_ic` is not a
    /// point of the curve; a malformed CA_IC is a [`ChipError`].
    pub fn verify_chip_authentication(&self, pk_ic: &[u8]) -> Result<bool> {
        let (Some(ca), Some(pk_map)) = (
            self.chip_authentication_data.as_ref(),
            self.chip_mapping_public_key.as_ref(),
        ) else {
            return Err(Error::InvalidInput(
                "PACE: not a chip authentication mapping run",
            ));
        };
        let curve = self
            .domain
            .curve()
            .ok_or(Error::InvalidInput("PACE: not an ECDH run"))?;
        ec::validate_point(curve, pk_ic)
            .map_err(|_| Error::InvalidInput("PACE: chip static public key is not on the curve"))?;
        ec::cam_verify(curve, ca, pk_ic, pk_map).map_err(|e| ec_error(DURING_MA, e))
    }
}

/// PACE before MSE:Set AT: parameters and K_π.
pub struct Pace {
    params: PaceParams,
    password: PasswordRef,
    k_pi: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for Pace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pace")
            .field("params", &self.params)
            .field("password", &self.password)
            .field("k_pi", &"<redacted>")
            .finish()
    }
}

impl Pace {
    /// Starts PACE with an access key: MRZ (π = SHA-1 of the MRZ information, reference 01),
    /// CAN (02) or PIN (03). K_π = KDF(π, 3) for the protocol's cipher.
    pub fn new(params: PaceParams, key: &AccessKey) -> Pace {
        Pace::with_password(params, PasswordRef::from(key.kind()), &key.password_bytes())
    }

    /// Starts PACE with explicit password bytes π and reference (worked examples that pair a
    /// password with another reference; a PUK).
    #[doc(hidden)]
    pub fn with_password(params: PaceParams, password: PasswordRef, pi: &[u8]) -> Pace {
        Pace {
            params,
            password,
            k_pi: crypto::kdf(pi, 3, params.protocol.cipher),
        }
    }

    /// MSE:Set AT `00 22 C1 A4` with DO'80' (protocol OID), DO'83' (password reference) and
    /// DO'84' (domain parameter id) when [`PaceParams::parameter_id`] is set.
    pub fn mse_set_at(self) -> (PaceAwaitingSetAt, Command) {
        let mut data = tlv::encode(0x80, &self.params.protocol.oid());
        data.extend_from_slice(&tlv::encode(0x83, &[self.password.byte()]));
        if let Some(id) = self.params.parameter_id {
            data.extend_from_slice(&tlv::encode(0x84, &[id]));
        }
        let cmd = Command::new(0x00, 0x22, 0xC1, 0xA4).with_data(data);
        (PaceAwaitingSetAt { inner: self }, cmd)
    }
}

/// PACE after MSE:Set AT was built: waits for its status.
pub struct PaceAwaitingSetAt {
    inner: Pace,
}

impl fmt::Debug for PaceAwaitingSetAt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaceAwaitingSetAt(<redacted>)")
    }
}

impl PaceAwaitingSetAt {
    /// Takes the MSE:Set AT status and builds the first GENERAL AUTHENTICATE
    /// (`10 86 00 00 02 7C 00 00`). 9000 and the warnings 62xx/63xx continue and are returned
    /// for the caller to interpret (63Cx: x tries left; 63C1 with a PIN: suspended, CAN
    /// first; 6283: password deactivated); the caller may drop the state instead of sending.
    /// 6983 (password blocked) is [`Error::AccessDenied`]; any other status is
    /// [`ChipError::UnexpectedStatus`].
    pub fn on_set_at(
        self,
        response: &Response,
    ) -> Result<(PaceAwaitingNonce, Command, StatusWord)> {
        let sw = response.sw;
        match sw.0 {
            0x9000 | 0x6200..=0x63FF => {}
            0x6983 => return Err(Error::AccessDenied(sw)),
            _ => {
                return Err(Error::Chip(ChipError::UnexpectedStatus {
                    sw,
                    during: DURING_SET_AT,
                }));
            }
        }
        Ok((
            PaceAwaitingNonce { inner: self.inner },
            general_authenticate(false, &[]),
            sw,
        ))
    }
}

/// PACE waiting for the encrypted nonce.
pub struct PaceAwaitingNonce {
    inner: Pace,
}

impl fmt::Debug for PaceAwaitingNonce {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaceAwaitingNonce(<redacted>)")
    }
}

/// The terminal's mapping secret: the GM/CAM private key or the IM nonce t.
enum MappingSecret {
    Key { sk: Zeroizing<Vec<u8>>, pk: Vec<u8> },
    Nonce(Zeroizing<Vec<u8>>),
}

impl PaceAwaitingNonce {
    /// Decrypts the nonce s (DO'80') with K_π and builds the mapping command: for GM and CAM a
    /// fresh mapping key pair (`7C { 81 PK_Map,PCD }`; for DH the public value `g^x`, p's
    /// length), for IM a fresh nonce t (`7C { 81 t }`, key length bytes). Draws the mapping
    /// private key (GM, CAM) or t (IM) from `rng`.
    pub fn on_nonce(
        self,
        response: &Response,
        rng: &mut dyn RandomSource,
    ) -> Result<(PaceAwaitingMapping, Command)> {
        check_status(response, DURING_NONCE)?;
        let objects = dynamic_data(response, DURING_NONCE)?;
        let z = required(&objects, 0x80, DURING_NONCE)?;
        let p = &self.inner.params;
        if p.domain.key_agreement() != p.protocol.key_agreement {
            return Err(Error::InvalidInput(
                "PACE: the domain parameters are not for the protocol's key agreement",
            ));
        }
        let cipher = p.protocol.cipher;
        let s = decrypt_nonce(cipher, &self.inner.k_pi, z)?;
        let (secret, mapping_data) = match (p.protocol.mapping, p.domain) {
            (Mapping::Generic, PaceDomain::Dh(group)) => {
                let (sk, pk) = dh_steps::mapping_key(group, rng, DURING_NONCE)?;
                let data = pk.clone();
                (MappingSecret::Key { sk, pk }, data)
            }
            (Mapping::ChipAuthentication, PaceDomain::Dh(_)) => {
                return Err(Error::Unsupported("PACE: DH chip authentication mapping"));
            }
            (Mapping::Generic | Mapping::ChipAuthentication, PaceDomain::Ec(curve)) => {
                let sk =
                    ec::generate_private_key(curve, rng).map_err(|e| ec_error(DURING_NONCE, e))?;
                let pk = ec::public_key(curve, &sk, None).map_err(|e| ec_error(DURING_NONCE, e))?;
                let data = pk.clone();
                (MappingSecret::Key { sk, pk }, data)
            }
            (Mapping::Integrated, _) => {
                if s.len() != ec::im_block_len(cipher) {
                    return Err(malformed(
                        DURING_NONCE,
                        "nonce length for integrated mapping",
                    ));
                }
                let mut t = Zeroizing::new(vec![0u8; ec::im_nonce_len(cipher)]);
                rng.fill(&mut t)?;
                let data = t.to_vec();
                (MappingSecret::Nonce(t), data)
            }
        };
        let cmd = general_authenticate(false, &tlv::encode(0x81, &mapping_data));
        Ok((
            PaceAwaitingMapping {
                inner: self.inner,
                s,
                secret,
            },
            cmd,
        ))
    }
}

/// PACE waiting for the chip's mapping data.
pub struct PaceAwaitingMapping {
    inner: Pace,
    s: Zeroizing<Vec<u8>>,
    secret: MappingSecret,
}

impl fmt::Debug for PaceAwaitingMapping {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaceAwaitingMapping(<redacted>)")
    }
}

impl PaceAwaitingMapping {
    /// Computes the mapped generator G' and builds the key agreement command
    /// `7C { 83 PK_PCD }` with a fresh ephemeral key drawn from `rng`.
    ///
    /// GM/CAM: the chip's mapping key (DO'82') must be a point of the curve different from
    /// ours; `H = SK_Map,PCD · PK_Map,PICC`, `G' = s·G + H`. IM: the chip's answer carries no
    /// mapping data (an empty 7C, or an empty DO'82'); `G' = f_G(R_p(s, t))`.
    pub fn on_mapping(
        self,
        response: &Response,
        rng: &mut dyn RandomSource,
    ) -> Result<(PaceAwaitingKeyAgreement, Command)> {
        check_status(response, DURING_MAP)?;
        let objects = dynamic_data(response, DURING_MAP)?;
        let p = self.inner.params;
        let map_err = |e| ec_error(DURING_MAP, e);
        let (generator, chip_mapping_key) = match (&self.secret, p.domain) {
            (MappingSecret::Key { sk, pk }, PaceDomain::Dh(group)) => {
                let pk_picc = required(&objects, 0x82, DURING_MAP)?;
                let g = dh_steps::generic_generator(group, &self.s, sk, pk, pk_picc, DURING_MAP)?;
                (g, Some(pk_picc.to_vec()))
            }
            (MappingSecret::Key { sk, pk }, PaceDomain::Ec(curve)) => {
                let pk_picc = required(&objects, 0x82, DURING_MAP)?;
                ec::validate_point(curve, pk_picc).map_err(map_err)?;
                if pk_picc == pk.as_slice() {
                    return Err(malformed(DURING_MAP, "chip mapping key equals ours"));
                }
                let h = ec::ecdh_point(curve, sk, pk_picc).map_err(map_err)?;
                let g = ec::gm_generator(curve, &self.s, &h).map_err(map_err)?;
                (g, Some(pk_picc.to_vec()))
            }
            (MappingSecret::Nonce(t), domain) => {
                if objects.iter().any(|o| o.tag != 0x82 || !o.value.is_empty()) {
                    return Err(malformed(
                        DURING_MAP,
                        "unexpected data for integrated mapping",
                    ));
                }
                let g = match domain {
                    PaceDomain::Ec(curve) => {
                        ec::im_generator(curve, p.protocol.cipher, &self.s, t).map_err(map_err)?
                    }
                    PaceDomain::Dh(group) => dh_steps::integrated_generator(
                        group,
                        p.protocol.cipher,
                        &self.s,
                        t,
                        DURING_MAP,
                    )?,
                };
                (g, None)
            }
        };
        let (sk, pk) = match p.domain {
            PaceDomain::Ec(curve) => {
                let sk = ec::generate_private_key(curve, rng).map_err(map_err)?;
                let pk = ec::public_key(curve, &sk, Some(&generator)).map_err(map_err)?;
                (sk, pk)
            }
            PaceDomain::Dh(group) => dh_steps::ephemeral_key(group, &generator, rng, DURING_MAP)?,
        };
        let cmd = general_authenticate(false, &tlv::encode(0x83, &pk));
        Ok((
            PaceAwaitingKeyAgreement {
                inner: self.inner,
                generator,
                chip_mapping_key,
                sk,
                pk,
            },
            cmd,
        ))
    }
}

/// PACE waiting for the chip's ephemeral public key.
pub struct PaceAwaitingKeyAgreement {
    inner: Pace,
    generator: Vec<u8>,
    chip_mapping_key: Option<Vec<u8>>,
    sk: Zeroizing<Vec<u8>>,
    pk: Vec<u8>,
}

impl fmt::Debug for PaceAwaitingKeyAgreement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaceAwaitingKeyAgreement(<redacted>)")
    }
}

impl PaceAwaitingKeyAgreement {
    /// The mapped generator G' (uncompressed point; for DH g', p's length), for tests and
    /// diagnostics.
    #[doc(hidden)]
    pub fn mapped_generator(&self) -> &[u8] {
        &self.generator
    }

    /// Takes PK_PICC (DO'84'), checks it is a point of the curve (DH: 1 < Y < p-1 and
    /// `Y^q = 1`) different from PK_PCD, computes K = x(SK_PCD · PK_PICC) (DH: `Y^x mod p`,
    /// big-endian of p's length), KS_enc = KDF(K, 1), KS_mac = KDF(K, 2), and builds the last
    /// GENERAL AUTHENTICATE `00 86 00 00 7C { 85 T_PCD }` with
    /// `T_PCD = MAC(KS_mac, 7F49 { 06 OID, 86 PK_PICC })` (DH: DO'84').
    pub fn on_key_agreement(self, response: &Response) -> Result<(PaceAwaitingToken, Command)> {
        check_status(response, DURING_KA)?;
        let objects = dynamic_data(response, DURING_KA)?;
        let pk_picc = required(&objects, 0x84, DURING_KA)?;
        let p = self.inner.params;
        let k = match p.domain {
            PaceDomain::Ec(curve) => {
                ec::validate_point(curve, pk_picc).map_err(|e| ec_error(DURING_KA, e))?;
                if bool::from(pk_picc.ct_eq(self.pk.as_slice())) {
                    return Err(malformed(DURING_KA, "chip ephemeral key equals ours"));
                }
                ec::ecdh_shared_x(curve, &self.sk, pk_picc).map_err(|e| ec_error(DURING_KA, e))?
            }
            PaceDomain::Dh(group) => {
                dh_steps::shared_secret(group, &self.sk, &self.pk, pk_picc, DURING_KA)?
            }
        };
        let ks_enc = crypto::kdf(&k, 1, p.protocol.cipher);
        let ks_mac = crypto::kdf(&k, 2, p.protocol.cipher);
        let t_pcd = auth_token(&p.protocol, &ks_mac, pk_picc)?;
        let cmd = general_authenticate(true, &tlv::encode(0x85, &t_pcd));
        Ok((
            PaceAwaitingToken {
                params: p,
                password: self.inner.password,
                pk_pcd: self.pk.clone(),
                pk_picc: pk_picc.to_vec(),
                chip_mapping_key: self.chip_mapping_key.clone(),
                ks_enc,
                ks_mac,
            },
            cmd,
        ))
    }
}

/// PACE waiting for the chip's authentication token.
pub struct PaceAwaitingToken {
    params: PaceParams,
    password: PasswordRef,
    pk_pcd: Vec<u8>,
    pk_picc: Vec<u8>,
    chip_mapping_key: Option<Vec<u8>>,
    ks_enc: Zeroizing<Vec<u8>>,
    ks_mac: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for PaceAwaitingToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaceAwaitingToken(<redacted>)")
    }
}

impl PaceAwaitingToken {
    /// Checks T_PICC (DO'86', constant time, over `7F49 { 06 OID, 86 PK_PCD }`), for CAM
    /// decrypts the chip authentication data (DO'8A'), and opens secure messaging with KS_enc,
    /// KS_mac and a zero SSC (16 bytes for AES, 8 for 3DES).
    ///
    /// A wrong password shows here: 63xx, 6982, 6983, 6984, 6985, 6988 and 6A80 are
    /// [`Error::AccessDenied`] (the caller reads 63Cx as tries left); any other non-9000
    /// status is [`ChipError::UnexpectedStatus`]. A token that does not verify after 9000 is
    /// [`ChipError::AuthenticationFailed`] (a compliant chip rejects a wrong password before
    /// answering 9000). Malformed data objects are [`ChipError::MalformedResponse`].
    pub fn finish(self, response: &Response) -> Result<(SecureMessaging, PaceOutcome)> {
        if !response.sw.is_success() {
            return Err(match response.sw.0 {
                0x6300..=0x63FF | 0x6982 | 0x6983 | 0x6984 | 0x6985 | 0x6988 | 0x6A80 => {
                    Error::AccessDenied(response.sw)
                }
                _ => Error::Chip(ChipError::UnexpectedStatus {
                    sw: response.sw,
                    during: DURING_MA,
                }),
            });
        }
        let objects = dynamic_data(response, DURING_MA)?;
        let t_picc = required(&objects, 0x86, DURING_MA)?;
        let protocol = self.params.protocol;
        let expected = auth_token(&protocol, &self.ks_mac, &self.pk_pcd)?;
        if t_picc.len() != MAC_LEN || !bool::from(expected.ct_eq(t_picc)) {
            return Err(ChipError::AuthenticationFailed.into());
        }
        let chip_authentication_data = match protocol.mapping {
            Mapping::ChipAuthentication => {
                let encrypted = required(&objects, 0x8A, DURING_MA)?;
                Some(decrypt_cam_data(&self.ks_enc, encrypted)?)
            }
            _ => None,
        };
        let ssc = vec![0u8; protocol.cipher.block_len()];
        let sm = SecureMessaging::new(protocol.cipher, &self.ks_enc, &self.ks_mac, &ssc)?;
        let outcome = PaceOutcome {
            protocol,
            domain: self.params.domain,
            password: self.password,
            chip_ephemeral_public_key: self.pk_picc.clone(),
            chip_mapping_public_key: self.chip_mapping_key.clone(),
            chip_authentication_data,
        };
        Ok((sm, outcome))
    }
}

/// Runs PACE over a channel's plain APDUs: a thin loop over the typestate. Returns the MSE:Set AT
/// status with the session, so the caller can see a 63Cx warning.
pub fn run(
    channel: &mut crate::channel::Channel<'_>,
    key: &AccessKey,
    params: PaceParams,
    rng: &mut dyn RandomSource,
) -> Result<(SecureMessaging, PaceOutcome, StatusWord)> {
    let (state, cmd) = Pace::new(params, key).mse_set_at();
    let r = channel.transmit_plain(&cmd)?;
    let (state, cmd, set_at_status) = state.on_set_at(&r)?;
    let r = channel.transmit_plain(&cmd)?;
    let (state, cmd) = state.on_nonce(&r, rng)?;
    let r = channel.transmit_plain(&cmd)?;
    let (state, cmd) = state.on_mapping(&r, rng)?;
    let r = channel.transmit_plain(&cmd)?;
    let (state, cmd) = state.on_key_agreement(&r)?;
    let r = channel.transmit_plain(&cmd)?;
    let (sm, outcome) = state.finish(&r)?;
    Ok((sm, outcome, set_at_status))
}
