//! The virtual chip: command dispatch, file system, BAC and 3DES secure messaging (card side).
//!
//! This module owns [`VirtualChip`] and its card state (current DF/EF, challenge, SM session),
//! and applies the profile's capabilities, the [`Misbehaviour`] settings and the [`LinkModel`].
//! It must not use `monid-core`'s BAC/SM/crypto/LDS modules: the card side is an independent
//! implementation (see [`crate::crypto`]).

use core::fmt;

use monid_core::tlv::{Reader, encode};
use monid_core::{Transport, TransportError, TransportInfo};
use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::cmd::{self, Apdu};
use crate::crypto;
use crate::ec::Curve;
use crate::link::{LinkModel, LinkStats};
use crate::misbehave::Misbehaviour;
use crate::pace::{self, AesKeys, FixedPace, PaceCipher, PaceMapping, PaceStep, Password};
use crate::profile::{AID_EMRTD, AccessControl, FID_CARD_SECURITY, File, Location, Profile};

const SW_CHAINING: u16 = 0x6884;
const SW_BLOCKED: u16 = 0x6983;

const SW_OK: u16 = 0x9000;
const SW_EOF: u16 = 0x6282;
const SW_AUTH_FAILED: u16 = 0x6300;
const SW_WRONG_LENGTH: u16 = 0x6700;
const SW_SM_NOT_SUPPORTED: u16 = 0x6882;
const SW_SECURITY: u16 = 0x6982;
const SW_CONDITIONS: u16 = 0x6985;
const SW_NO_EF: u16 = 0x6986;
const SW_SM_MISSING: u16 = 0x6987;
const SW_SM_INCORRECT: u16 = 0x6988;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_NOT_FOUND: u16 = 0x6A82;
const SW_WRONG_P1P2: u16 = 0x6A86;
const SW_OFFSET: u16 = 0x6B00;
const SW_INS: u16 = 0x6D00;
const SW_CLA: u16 = 0x6E00;

/// A card-side response before encoding.
struct Resp {
    data: Vec<u8>,
    sw: u16,
}

impl Resp {
    fn sw(sw: u16) -> Resp {
        Resp {
            data: Vec::new(),
            sw,
        }
    }

    fn ok(data: Vec<u8>) -> Resp {
        Resp { data, sw: SW_OK }
    }

    fn into_bytes(mut self) -> Vec<u8> {
        let mut out = core::mem::take(&mut self.data);
        out.extend_from_slice(&self.sw.to_be_bytes());
        out
    }
}

impl Drop for Resp {
    fn drop(&mut self) {
        self.data.zeroize();
    }
}

/// Secure-messaging session keys and send sequence counter: 3DES (BAC, 8-byte SSC, retail MAC)
/// or AES (PACE / CA, 16-byte SSC, IV = E(KS_enc, SSC), CMAC truncated to 8 bytes).
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Session {
    #[zeroize(skip)]
    aes: bool,
    ks_enc: Vec<u8>,
    ks_mac: Vec<u8>,
    /// Big-endian counter; 3DES uses its last 8 bytes.
    ssc: [u8; 16],
}

impl Session {
    fn tdes(ks_enc: [u8; 16], ks_mac: [u8; 16], ssc: [u8; 8]) -> Session {
        let mut full = [0u8; 16];
        for (o, b) in full.iter_mut().skip(8).zip(ssc.iter()) {
            *o = *b;
        }
        Session {
            aes: false,
            ks_enc: ks_enc.to_vec(),
            ks_mac: ks_mac.to_vec(),
            ssc: full,
        }
    }

    fn aes(keys: &AesKeys) -> Session {
        Session {
            aes: true,
            ks_enc: keys.ks_enc.clone(),
            ks_mac: keys.ks_mac.clone(),
            ssc: [0u8; 16],
        }
    }

    fn increment(&mut self) {
        let next = u128::from_be_bytes(self.ssc).wrapping_add(1);
        self.ssc = if self.aes {
            next
        } else {
            next & u128::from(u64::MAX)
        }
        .to_be_bytes();
    }

    fn ssc_bytes(&self) -> &[u8] {
        if self.aes {
            &self.ssc
        } else {
            self.ssc.get(8..).unwrap_or(&[])
        }
    }

    fn block(&self) -> usize {
        if self.aes {
            crypto::AES_BLOCK
        } else {
            crypto::BLOCK
        }
    }

    fn tdes_key(key: &[u8]) -> Option<[u8; 16]> {
        key.try_into().ok()
    }

    fn aes_iv(&self) -> Option<[u8; 16]> {
        let iv = crypto::aes_cbc_encrypt(&self.ks_enc, &[0u8; 16], &self.ssc)?;
        iv.as_slice().try_into().ok()
    }

    fn encrypt(&self, padded: &[u8]) -> Option<Vec<u8>> {
        if self.aes {
            crypto::aes_cbc_encrypt(&self.ks_enc, &self.aes_iv()?, padded)
        } else {
            crypto::tdes_encrypt(&Self::tdes_key(&self.ks_enc)?, padded)
        }
    }

    fn decrypt(&self, cryptogram: &[u8]) -> Option<Vec<u8>> {
        if self.aes {
            crypto::aes_cbc_decrypt(&self.ks_enc, &self.aes_iv()?, cryptogram)
        } else {
            crypto::tdes_decrypt(&Self::tdes_key(&self.ks_enc)?, cryptogram)
        }
    }

    /// The 8-byte MAC over `data` (SSC first), padded here to the cipher's block size.
    fn mac(&self, data: &[u8]) -> Option<[u8; 8]> {
        let padded = crypto::pad_to(data, self.block());
        if self.aes {
            crypto::aes_cmac8(&self.ks_mac, &padded)
        } else {
            crypto::retail_mac(&Self::tdes_key(&self.ks_mac)?, &padded)
        }
    }
}

/// The dedicated file currently selected.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum Df {
    #[default]
    Mf,
    Emrtd,
    /// Another application listed in the profile (no files).
    Other,
}

/// Volatile card state, cleared by a reset.
#[derive(Default)]
struct CardState {
    df: Df,
    ef: Option<u16>,
    challenge: Option<[u8; 8]>,
    session: Option<Session>,
    /// PACE progress (plain GENERAL AUTHENTICATE chain).
    pace: PaceStep,
    /// MSE:Set AT for Chip Authentication accepted; GENERAL AUTHENTICATE comes next.
    ca_selected: bool,
    /// Keys established by Chip Authentication, installed after its response is wrapped.
    pending_session: Option<Session>,
}

impl Drop for CardState {
    fn drop(&mut self) {
        if let Some(c) = self.challenge.as_mut() {
            c.zeroize();
        }
    }
}

/// Deterministic card "randomness": SHA-256(seed || counter). A test chip, not a real RNG.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
struct Drbg {
    seed: [u8; 8],
    counter: u64,
}

impl Drbg {
    fn fill(&mut self, out: &mut [u8]) {
        for chunk in out.chunks_mut(32) {
            let mut h = Sha256::new();
            h.update(self.seed);
            h.update(self.counter.to_be_bytes());
            self.counter = self.counter.wrapping_add(1);
            let d = h.finalize();
            for (o, b) in chunk.iter_mut().zip(d.iter()) {
                *o = *b;
            }
        }
    }
}

/// A virtual ICAO 9303 chip implementing [`Transport`].
///
/// `transceive` takes a raw command APDU and returns the response APDU (data then SW1 SW2), as a
/// contactless reader would. See the crate documentation for the commands, files, behaviours and
/// misbehaviours.
pub struct VirtualChip {
    profile: Profile,
    k_enc: [u8; 16],
    k_mac: [u8; 16],
    fixed: Option<([u8; 8], [u8; 16])>,
    fixed_pace: Option<FixedPace>,
    fixed_ca_nonce: Option<[u8; 8]>,
    pin_tries_left: u8,
    drbg: Drbg,
    state: CardState,
    misbehaviour: Misbehaviour,
    link: LinkModel,
    stats: LinkStats,
    next_index: u64,
    link_down: bool,
    drop_done: bool,
}

impl fmt::Debug for VirtualChip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VirtualChip")
            .field("profile", &self.profile)
            .field("keys", &"<redacted>")
            .field("sm_active", &self.state.session.is_some())
            .field("misbehaviour", &self.misbehaviour)
            .field("link", &self.link)
            .field("stats", &self.stats)
            .field("next_index", &self.next_index)
            .field("link_down", &self.link_down)
            .finish()
    }
}

impl Drop for VirtualChip {
    fn drop(&mut self) {
        self.k_enc.zeroize();
        self.k_mac.zeroize();
        if let Some((r, k)) = self.fixed.as_mut() {
            r.zeroize();
            k.zeroize();
        }
    }
}

/// Length of a BER length field for `len`.
fn len_len(len: usize) -> usize {
    match len {
        0..=0x7F => 1,
        0x80..=0xFF => 2,
        0x100..=0xFFFF => 3,
        _ => 4,
    }
}

/// Size of the SM response data (DO'87'/'85', DO'99', DO'8E') around `n` plain bytes, for a
/// cipher with `block`-byte blocks.
fn wrapped_len(n: usize, odd: bool, block: usize) -> usize {
    let body = if n == 0 {
        0
    } else {
        let padded = (n / block + 1) * block;
        let v = padded + usize::from(!odd);
        1 + len_len(v) + v
    };
    body + 4 + 10
}

/// Big-endian unsigned value of at most 4 bytes.
fn be_value(bytes: &[u8]) -> Option<usize> {
    if bytes.is_empty() || bytes.len() > 4 {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b)),
    )
}

impl VirtualChip {
    /// A powered-up chip with `profile`, a well-behaved link and the default [`LinkModel`].
    pub fn new(profile: Profile) -> VirtualChip {
        let pin_tries_left = profile.pin_tries;
        let mut seed = crypto::bac_key_seed(profile.mrz_information().as_bytes());
        let k_enc = crypto::kdf(&seed, 1);
        let k_mac = crypto::kdf(&seed, 2);
        seed.zeroize();
        VirtualChip {
            profile,
            k_enc,
            k_mac,
            fixed: None,
            fixed_pace: None,
            fixed_ca_nonce: None,
            pin_tries_left,
            drbg: Drbg {
                seed: *b"monidvc\0",
                counter: 0,
            },
            state: CardState::default(),
            misbehaviour: Misbehaviour::default(),
            link: LinkModel::default(),
            stats: LinkStats::default(),
            next_index: 0,
            link_down: false,
            drop_done: false,
        }
    }

    /// Fixes the chip's random values: every GET CHALLENGE returns `rnd_ic` and every BAC uses
    /// `k_ic` (ICAO 9303-11 Appendix D: `4608F91988702212`, `0B4F80323EB3191CB04970CB4052790B`).
    #[must_use]
    pub fn with_fixed_random(mut self, rnd_ic: [u8; 8], k_ic: [u8; 16]) -> VirtualChip {
        self.fixed = Some((rnd_ic, k_ic));
        self
    }

    /// Fixes the chip's PACE randomness (for worked examples): the nonce `s` (16 bytes), the
    /// mapping private key and the ephemeral private key (big-endian, field size, e.g. 32 bytes
    /// for brainpoolP256r1). Every PACE run then uses them.
    #[must_use]
    pub fn with_fixed_pace(mut self, nonce: &[u8], map_sk: &[u8], eph_sk: &[u8]) -> VirtualChip {
        self.fixed_pace = Some(FixedPace {
            nonce: nonce.to_vec(),
            map_sk: map_sk.to_vec(),
            eph_sk: eph_sk.to_vec(),
        });
        self
    }

    /// Fixes the Chip Authentication v2 nonce r_PICC (8 bytes) the chip returns.
    #[must_use]
    pub fn with_fixed_ca_nonce(mut self, r_picc: [u8; 8]) -> VirtualChip {
        self.fixed_ca_nonce = Some(r_picc);
        self
    }

    /// Tries left on the PACE PIN (reset to the profile's count by a successful PIN PACE).
    pub fn pin_tries_left(&self) -> u8 {
        self.pin_tries_left
    }

    /// Seeds the chip's deterministic generator (the default seed is a constant).
    #[must_use]
    pub fn with_seed(mut self, seed: u64) -> VirtualChip {
        self.drbg = Drbg {
            seed: seed.to_be_bytes(),
            counter: 0,
        };
        self
    }

    /// Sets the misbehaviour.
    #[must_use]
    pub fn with_misbehaviour(mut self, misbehaviour: Misbehaviour) -> VirtualChip {
        self.misbehaviour = misbehaviour;
        self
    }

    /// Sets the link model.
    #[must_use]
    pub fn with_link_model(mut self, link: LinkModel) -> VirtualChip {
        self.link = link;
        self
    }

    /// Replaces the misbehaviour (takes effect from the next APDU).
    pub fn set_misbehaviour(&mut self, misbehaviour: Misbehaviour) {
        self.misbehaviour = misbehaviour;
    }

    /// The profile.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The raw bytes of file `fid`, as stored on the chip.
    pub fn file(&self, fid: u16) -> Option<&[u8]> {
        self.profile.file(fid)
    }

    /// The link counters.
    pub fn stats(&self) -> LinkStats {
        self.stats
    }

    /// Zeroes the link counters (the APDU index used by misbehaviours is not reset).
    pub fn reset_stats(&mut self) {
        self.stats = LinkStats::default();
    }

    /// The link model.
    pub fn link_model(&self) -> LinkModel {
        self.link
    }

    /// The index the next `transceive` call will have (see [`Misbehaviour`]).
    pub fn apdu_index(&self) -> u64 {
        self.next_index
    }

    /// True while a secure-messaging session is established.
    pub fn sm_active(&self) -> bool {
        self.state.session.is_some()
    }

    /// True while the link is up (false after a `drop_link_after` fault until `reconnect`).
    pub fn link_up(&self) -> bool {
        !self.link_down
    }

    /// Simulates a new tap: card reset (SM session, challenge and current DF/EF cleared; the MF
    /// is current) and link restored.
    pub fn reconnect(&mut self) {
        self.state = CardState::default();
        self.link_down = false;
    }

    fn random_challenge(&mut self) -> [u8; 8] {
        if let Some((r, _)) = self.fixed {
            return r;
        }
        let mut r = [0u8; 8];
        self.drbg.fill(&mut r);
        r
    }

    fn random_k_ic(&mut self) -> [u8; 16] {
        if let Some((_, k)) = self.fixed {
            return k;
        }
        let mut k = [0u8; 16];
        self.drbg.fill(&mut k);
        k
    }

    /// Handles one raw command and returns the raw response (before link faults).
    fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        if raw.len() > self.profile.max_command_len.max(5) {
            self.state.session = None;
            return Resp::sw(SW_WRONG_LENGTH).into_bytes();
        }
        let Some(apdu) = cmd::parse(raw) else {
            self.state.session = None;
            return Resp::sw(SW_WRONG_LENGTH).into_bytes();
        };
        if apdu.extended && (!self.profile.extended_length || self.misbehaviour.refuse_extended) {
            self.state.session = None;
            return Resp::sw(SW_WRONG_LENGTH).into_bytes();
        }
        if apdu.cla & 0x10 != 0 && apdu.ins != 0x86 {
            // Command chaining is only used by GENERAL AUTHENTICATE (PACE).
            return Resp::sw(SW_CHAINING).into_bytes();
        }
        match apdu.cla {
            0x00 | 0x10 => {
                if self.state.session.is_some() {
                    // A plain command inside an SM session aborts the session.
                    self.state.session = None;
                    return Resp::sw(SW_SM_MISSING).into_bytes();
                }
                let cap = apdu
                    .ne
                    .unwrap_or(256)
                    .min(self.profile.max_response_len.saturating_sub(2));
                self.dispatch(&apdu, cap, false).into_bytes()
            }
            0x0C | 0x1C => self.process_sm(&apdu),
            _ => Resp::sw(SW_CLA).into_bytes(),
        }
    }

    /// Unwraps a protected command, runs it and wraps the response (ICAO 9303-11 §9.8).
    fn process_sm(&mut self, apdu: &Apdu) -> Vec<u8> {
        let Some(mut session) = self.state.session.take() else {
            return Resp::sw(SW_SM_NOT_SUPPORTED).into_bytes();
        };
        session.increment();
        // Parse DO'87'/'85', DO'97', DO'8E' (in this order, each at most once).
        let mut reader = Reader::new(&apdu.data);
        let mut crypto_do: Option<(u32, Vec<u8>)> = None;
        let mut le_do: Option<Vec<u8>> = None;
        let mut mac: Option<Vec<u8>> = None;
        let mut mac_input_objects: Vec<u8> = Vec::new();
        while !reader.is_empty() {
            let before = reader.rest();
            let Ok(tlv) = reader.read() else {
                return Resp::sw(SW_SM_INCORRECT).into_bytes();
            };
            if mac.is_some() {
                // Nothing may follow DO'8E'.
                return Resp::sw(SW_SM_INCORRECT).into_bytes();
            }
            let encoded = before.get(..tlv.encoded_len()).unwrap_or(&[]);
            match tlv.tag {
                0x87 | 0x85 if crypto_do.is_none() && le_do.is_none() => {
                    crypto_do = Some((tlv.tag, tlv.value.to_vec()));
                    mac_input_objects.extend_from_slice(encoded);
                }
                0x97 if le_do.is_none() => {
                    le_do = Some(tlv.value.to_vec());
                    mac_input_objects.extend_from_slice(encoded);
                }
                0x8E => mac = Some(tlv.value.to_vec()),
                _ => return Resp::sw(SW_SM_INCORRECT).into_bytes(),
            }
        }
        let Some(mac) = mac else {
            return Resp::sw(SW_SM_MISSING).into_bytes();
        };
        let mut n = Vec::with_capacity(32 + mac_input_objects.len() + 16);
        n.extend_from_slice(session.ssc_bytes());
        n.extend_from_slice(&crypto::pad_to(
            &[apdu.cla, apdu.ins, apdu.p1, apdu.p2],
            session.block(),
        ));
        n.extend_from_slice(&mac_input_objects);
        let expected = session.mac(&n);
        if !expected.is_some_and(|e| crypto::ct_eq(&e, &mac)) {
            return Resp::sw(SW_SM_INCORRECT).into_bytes();
        }
        // Decrypt the command data.
        let data = match crypto_do {
            None => Vec::new(),
            Some((tag, value)) => {
                let cryptogram = if tag == 0x87 {
                    match value.split_first() {
                        Some((0x01, c)) => c,
                        _ => return Resp::sw(SW_SM_INCORRECT).into_bytes(),
                    }
                } else {
                    value.as_slice()
                };
                let Some(mut plain) = session.decrypt(cryptogram) else {
                    return Resp::sw(SW_SM_INCORRECT).into_bytes();
                };
                let unpadded = crypto::unpad_from(&plain, session.block()).map(<[u8]>::to_vec);
                plain.zeroize();
                match unpadded {
                    Some(d) => d,
                    None => return Resp::sw(SW_SM_INCORRECT).into_bytes(),
                }
            }
        };
        let ne = match le_do.as_deref() {
            None => None,
            Some([0]) => Some(256),
            Some([b]) => Some(usize::from(*b)),
            Some([0, 0]) => Some(65_536),
            Some([h, l]) => Some(usize::from(u16::from_be_bytes([*h, *l]))),
            Some(_) => return Resp::sw(SW_SM_INCORRECT).into_bytes(),
        };
        let odd = apdu.ins & 1 == 1;
        // Largest plain response that fits the outer Ne and the chip's buffer once wrapped.
        let outer = apdu
            .ne
            .unwrap_or(usize::MAX)
            .min(self.profile.max_response_len.saturating_sub(2));
        let mut cap = outer;
        let block = session.block();
        while cap > 0 && wrapped_len(cap, odd, block) > outer {
            cap = cap.saturating_sub(if cap > 64 { 8 } else { 1 });
        }
        let inner = Apdu {
            cla: apdu.cla & 0x10,
            ins: apdu.ins,
            p1: apdu.p1,
            p2: apdu.p2,
            data,
            ne,
            extended: apdu.extended,
        };
        self.state.session = Some(session);
        let resp = self.dispatch(&inner, cap.min(ne.unwrap_or(0)), true);
        let mut inner = inner;
        inner.data.zeroize();
        let Some(mut session) = self.state.session.take() else {
            return resp.into_bytes();
        };
        session.increment();
        let out = self.wrap_response(&session, &resp, odd);
        // Chip Authentication answers under the old keys, then switches (new SSC 0).
        self.state.session = Some(self.state.pending_session.take().unwrap_or(session));
        out.into_bytes()
    }

    fn wrap_response(&self, session: &Session, resp: &Resp, odd: bool) -> Resp {
        let mut objects = Vec::new();
        if !resp.data.is_empty() {
            let mut padded = crypto::pad_to(&resp.data, session.block());
            let enc = session.encrypt(&padded).unwrap_or_default();
            padded.zeroize();
            if odd {
                objects.extend(encode(0x85, &enc));
            } else {
                let mut v = Vec::with_capacity(enc.len() + 1);
                v.push(0x01);
                v.extend_from_slice(&enc);
                objects.extend(encode(0x87, &v));
            }
        }
        if !self.misbehaviour.omit_do99 {
            objects.extend(encode(0x99, &resp.sw.to_be_bytes()));
        }
        if !(self.misbehaviour.errors_without_mac && resp.sw != SW_OK) {
            let mut n = Vec::with_capacity(16 + objects.len());
            n.extend_from_slice(session.ssc_bytes());
            n.extend_from_slice(&objects);
            let mac = session.mac(&n).unwrap_or_default();
            objects.extend(encode(0x8E, &mac));
        }
        Resp {
            data: objects,
            sw: resp.sw,
        }
    }

    /// Runs an unwrapped command. `cap` bounds the response data length.
    fn dispatch(&mut self, apdu: &Apdu, cap: usize, protected: bool) -> Resp {
        match apdu.ins {
            0xA4 => self.select(apdu),
            0xB0 => self.read_binary(apdu, cap),
            0xB1 => self.read_binary_odd(apdu, cap),
            0x84 | 0x82 if !protected && self.profile.access == AccessControl::Pace => {
                Resp::sw(SW_INS)
            }
            0x84 if !protected => self.get_challenge(apdu),
            0x82 if !protected => self.external_authenticate(apdu),
            0x84 | 0x82 => Resp::sw(SW_CONDITIONS),
            0x22 => self.manage_security_environment(apdu, protected),
            0x86 => self.general_authenticate(apdu, protected),
            0x88 => self.internal_authenticate(apdu, protected),
            _ => Resp::sw(SW_INS),
        }
    }

    fn readable(&self, file: &File) -> bool {
        let mf_public = file.location == Location::Mf && file.fid != FID_CARD_SECURITY;
        mf_public || self.profile.access == AccessControl::None || self.state.session.is_some()
    }

    fn current_location(&self) -> Option<Location> {
        match self.state.df {
            Df::Mf => Some(Location::Mf),
            Df::Emrtd => Some(Location::Emrtd),
            Df::Other => None,
        }
    }

    fn find_in_current_df(&self, fid: u16) -> Option<&File> {
        let loc = match self.state.df {
            Df::Mf => Location::Mf,
            Df::Emrtd => Location::Emrtd,
            Df::Other => return None,
        };
        self.profile
            .files
            .iter()
            .find(|f| f.fid == fid && f.location == loc)
    }

    fn find_sfi_in_current_df(&self, sfi: u8) -> Option<&File> {
        let loc = match self.state.df {
            Df::Mf => Location::Mf,
            Df::Emrtd => Location::Emrtd,
            Df::Other => return None,
        };
        self.profile
            .files
            .iter()
            .find(|f| f.sfi == Some(sfi) && f.location == loc)
    }

    fn select(&mut self, apdu: &Apdu) -> Resp {
        if !matches!(apdu.p2, 0x00 | 0x04 | 0x0C) {
            return Resp::sw(SW_WRONG_P1P2);
        }
        match apdu.p1 {
            0x04 => {
                if apdu.data.is_empty() {
                    return Resp::sw(SW_WRONG_LENGTH);
                }
                self.state.df = if apdu.data == AID_EMRTD {
                    Df::Emrtd
                } else if self.profile.other_applications.contains(&apdu.data) {
                    Df::Other
                } else {
                    return Resp::sw(SW_NOT_FOUND);
                };
                self.state.ef = None;
                match apdu.p2 {
                    0x0C => Resp::sw(SW_OK),
                    // FCI (P2=00) or FCP (P2=04) with the DF name.
                    0x00 => Resp::ok(encode(0x6F, &encode(0x84, &apdu.data))),
                    _ => Resp::ok(encode(0x62, &encode(0x84, &apdu.data))),
                }
            }
            0x00 | 0x02 => {
                let fid = match apdu.data.as_slice() {
                    [] if apdu.p1 == 0x00 => 0x3F00,
                    [h, l] => u16::from_be_bytes([*h, *l]),
                    _ => return Resp::sw(SW_WRONG_LENGTH),
                };
                if fid == 0x3F00 && apdu.p1 == 0x00 {
                    self.state.df = Df::Mf;
                    self.state.ef = None;
                    return Resp::sw(SW_OK);
                }
                let Some(file) = self.find_in_current_df(fid) else {
                    return Resp::sw(SW_NOT_FOUND);
                };
                if !self.readable(file) {
                    return Resp::sw(SW_SECURITY);
                }
                let mut fcp = encode(
                    0x80,
                    &u16::try_from(file.content.len())
                        .unwrap_or(u16::MAX)
                        .to_be_bytes(),
                );
                fcp.extend(encode(0x82, &[0x01]));
                fcp.extend(encode(0x83, &fid.to_be_bytes()));
                self.state.ef = Some(fid);
                match apdu.p2 {
                    0x0C => Resp::sw(SW_OK),
                    0x04 => Resp::ok(encode(0x62, &fcp)),
                    _ => Resp::ok(encode(0x6F, &fcp)),
                }
            }
            _ => Resp::sw(SW_WRONG_P1P2),
        }
    }

    fn sfi_refusal(&self) -> Option<u16> {
        self.misbehaviour
            .no_sfi
            .or(self.profile.sfi_refusal)
            .map(|r| r.sw())
    }

    /// Resolves the EF to read: by SFI (selecting it) or the current EF.
    fn target_ef(&mut self, sfi: Option<u8>) -> Result<u16, u16> {
        let fid = match sfi {
            Some(sfi) => {
                if let Some(sw) = self.sfi_refusal() {
                    return Err(sw);
                }
                if sfi == 0 || sfi == 0x1F {
                    return Err(SW_WRONG_P1P2);
                }
                self.find_sfi_in_current_df(sfi)
                    .map(|f| f.fid)
                    .ok_or(SW_NOT_FOUND)?
            }
            None => self.state.ef.ok_or(SW_NO_EF)?,
        };
        let file = self.find_in_current_df(fid).ok_or(SW_NO_EF)?;
        if !self.readable(file) {
            return Err(SW_SECURITY);
        }
        self.state.ef = Some(fid);
        Ok(fid)
    }

    /// Bytes from `offset`: at most `sendable` (further bounded by the misbehaviour limit and
    /// the end of the file), and whether the end of the file came before `requested` bytes.
    fn slice(
        &self,
        fid: u16,
        offset: usize,
        requested: usize,
        sendable: usize,
    ) -> Result<(Vec<u8>, bool), u16> {
        let content = self
            .current_location()
            .and_then(|loc| self.profile.file_at(fid, loc))
            .ok_or(SW_NO_EF)?;
        let len = content.len();
        if offset >= len {
            return Err(SW_OFFSET);
        }
        let limited = match self.misbehaviour.max_response_data {
            Some(m) => sendable.min(m),
            None => sendable,
        };
        let end = offset.saturating_add(limited).min(len);
        let eof = end == len && offset.saturating_add(requested) > len;
        let data = content.get(offset..end).unwrap_or(&[]).to_vec();
        Ok((data, eof))
    }

    fn read_binary(&mut self, apdu: &Apdu, cap: usize) -> Resp {
        if !apdu.data.is_empty() {
            return Resp::sw(SW_WRONG_LENGTH);
        }
        let Some(ne) = apdu.ne else {
            return Resp::sw(SW_WRONG_LENGTH);
        };
        let (sfi, offset) = if apdu.p1 & 0x80 != 0 {
            if apdu.p1 & 0x60 != 0 {
                return Resp::sw(SW_WRONG_P1P2);
            }
            (Some(apdu.p1 & 0x1F), usize::from(apdu.p2))
        } else {
            (None, usize::from(u16::from_be_bytes([apdu.p1, apdu.p2])))
        };
        let fid = match self.target_ef(sfi) {
            Ok(f) => f,
            Err(sw) => return Resp::sw(sw),
        };
        // The requested length decides end-of-file; the buffer only limits what is sent.
        match self.slice(fid, offset, ne, ne.min(cap)) {
            Ok((data, eof)) => Resp {
                data,
                sw: if eof { SW_EOF } else { SW_OK },
            },
            Err(sw) => Resp::sw(sw),
        }
    }

    fn read_binary_odd(&mut self, apdu: &Apdu, cap: usize) -> Resp {
        let offset = {
            let mut r = Reader::new(&apdu.data);
            match (r.read(), r.is_empty()) {
                (Ok(t), true) if t.tag == 0x54 => match be_value(t.value) {
                    Some(o) => o,
                    None => return Resp::sw(SW_WRONG_DATA),
                },
                _ if apdu.data.is_empty() => return Resp::sw(SW_WRONG_LENGTH),
                _ => return Resp::sw(SW_WRONG_DATA),
            }
        };
        let Some(ne) = apdu.ne else {
            return Resp::sw(SW_WRONG_LENGTH);
        };
        let p1p2 = u16::from_be_bytes([apdu.p1, apdu.p2]);
        let fid = if p1p2 == 0 {
            self.target_ef(None)
        } else if p1p2 & 0xFFE0 == 0 {
            self.target_ef(Some(apdu.p2 & 0x1F))
        } else {
            match self.find_in_current_df(p1p2) {
                None => Err(SW_NOT_FOUND),
                Some(f) if !self.readable(f) => Err(SW_SECURITY),
                Some(_) => {
                    self.state.ef = Some(p1p2);
                    Ok(p1p2)
                }
            }
        };
        let fid = match fid {
            Ok(f) => f,
            Err(sw) => return Resp::sw(sw),
        };
        // Largest DO'53' content fitting in Ne (what was asked) and in the buffer (what is sent).
        let fit = |limit: usize| {
            let mut n = limit.saturating_sub(2);
            while n > 0 && 1 + len_len(n) + n > limit {
                n -= 1;
            }
            n
        };
        let wanted = fit(ne);
        let n = fit(ne.min(cap));
        if n == 0 {
            return Resp::sw(SW_WRONG_LENGTH);
        }
        match self.slice(fid, offset, wanted, n) {
            Ok((data, eof)) => Resp {
                data: encode(0x53, &data),
                sw: if eof { SW_EOF } else { SW_OK },
            },
            Err(sw) => Resp::sw(sw),
        }
    }

    fn get_challenge(&mut self, apdu: &Apdu) -> Resp {
        if apdu.p1 != 0 || apdu.p2 != 0 {
            return Resp::sw(SW_WRONG_P1P2);
        }
        if !apdu.data.is_empty() || apdu.ne != Some(8) {
            return Resp::sw(SW_WRONG_LENGTH);
        }
        let c = self.random_challenge();
        self.state.challenge = Some(c);
        Resp::ok(c.to_vec())
    }

    /// ICAO 9303-11 §9.7.2, card side: checks M_IFD and RND.IC, answers E_IC || M_IC and
    /// starts secure messaging with the derived session keys.
    fn external_authenticate(&mut self, apdu: &Apdu) -> Resp {
        if apdu.p1 != 0 || apdu.p2 != 0 {
            return Resp::sw(SW_WRONG_P1P2);
        }
        if apdu.data.len() != 40 || apdu.ne.is_some_and(|ne| ne < 40) {
            return Resp::sw(SW_WRONG_LENGTH);
        }
        let Some(rnd_ic) = self.state.challenge.take() else {
            return Resp::sw(SW_CONDITIONS);
        };
        let (e_ifd, m_ifd) = apdu.data.split_at(32);
        let mac_ok = crypto::retail_mac(&self.k_mac, &crypto::pad(e_ifd))
            .is_some_and(|m| crypto::ct_eq(&m, m_ifd));
        if !mac_ok {
            return Resp::sw(SW_AUTH_FAILED);
        }
        let Some(mut s) = crypto::tdes_decrypt(&self.k_enc, e_ifd) else {
            return Resp::sw(SW_AUTH_FAILED);
        };
        // S = RND.IFD || RND.IC || K.IFD
        let ok = s.get(8..16).is_some_and(|r| crypto::ct_eq(r, &rnd_ic));
        if !ok {
            s.zeroize();
            return Resp::sw(SW_AUTH_FAILED);
        }
        let mut k_ic = self.random_k_ic();
        let mut r = Vec::with_capacity(32);
        r.extend_from_slice(&rnd_ic);
        r.extend_from_slice(s.get(0..8).unwrap_or(&[]));
        r.extend_from_slice(&k_ic);
        let e_ic = crypto::tdes_encrypt(&self.k_enc, &r).unwrap_or_default();
        r.zeroize();
        let m_ic = crypto::retail_mac(&self.k_mac, &crypto::pad(&e_ic)).unwrap_or_default();
        let mut seed = [0u8; 16];
        for ((o, a), b) in seed
            .iter_mut()
            .zip(s.get(16..32).unwrap_or(&[]))
            .zip(k_ic.iter())
        {
            *o = a ^ b;
        }
        let mut ssc = [0u8; 8];
        for (o, b) in ssc.iter_mut().zip(
            rnd_ic
                .get(4..8)
                .unwrap_or(&[])
                .iter()
                .chain(s.get(4..8).unwrap_or(&[])),
        ) {
            *o = *b;
        }
        s.zeroize();
        k_ic.zeroize();
        self.state.session = Some(Session::tdes(
            crypto::kdf(&seed, 1),
            crypto::kdf(&seed, 2),
            ssc,
        ));
        seed.zeroize();
        let mut data = e_ic;
        data.extend_from_slice(&m_ic);
        Resp::ok(data)
    }

    /// The session keys and SSC of the current SM session, for tests of the worked example:
    /// `(KS_enc, KS_mac, SSC)`. `None` without a session.
    pub fn session_keys(&self) -> Option<([u8; 16], [u8; 16], [u8; 8])> {
        let s = self.state.session.as_ref().filter(|s| !s.aes)?;
        Some((
            s.ks_enc.as_slice().try_into().ok()?,
            s.ks_mac.as_slice().try_into().ok()?,
            s.ssc_bytes().try_into().ok()?,
        ))
    }

    /// The keys and SSC of the current AES SM session (after PACE or Chip Authentication), for
    /// tests of the worked examples: `(KS_enc, KS_mac, SSC)`. `None` without an AES session.
    pub fn aes_session_keys(&self) -> Option<(Vec<u8>, Vec<u8>, [u8; 16])> {
        let s = self.state.session.as_ref().filter(|s| s.aes)?;
        Some((s.ks_enc.clone(), s.ks_mac.clone(), s.ssc))
    }
}

/// PACE, Chip Authentication and Active Authentication (card side).
impl VirtualChip {
    fn pace_allowed(&self) -> bool {
        matches!(
            self.profile.access,
            AccessControl::Pace | AccessControl::BacOrPace
        ) && self.profile.pace.is_some()
    }

    /// A random private scalar for `curve` from the chip's generator (rejection sampling).
    fn random_scalar(&mut self, curve: Curve) -> Vec<u8> {
        let mut b = vec![0u8; curve.field_len()];
        for _ in 0..64 {
            self.drbg.fill(&mut b);
            if let Some(first) = b.first_mut() {
                *first &= curve.first_byte_mask();
            }
            if curve.is_valid_secret(&b) {
                return b;
            }
        }
        // Unreachable in practice (each draw is valid with probability > 1/2): the scalar 1.
        b.zeroize();
        if let Some(last) = b.last_mut() {
            *last = 1;
        }
        b
    }

    /// The password bytes PACE uses for `password` (ICAO 9303-11 §9.7.3: CAN and PIN as ASCII,
    /// MRZ as SHA-1 of the MRZ information).
    fn pace_password_bytes(&self, password: Password) -> Vec<u8> {
        match password {
            Password::Mrz => crypto::sha1(self.profile.mrz_information().as_bytes()),
            Password::Can => self.profile.can.as_bytes().to_vec(),
            Password::Pin => self.profile.pin.as_bytes().to_vec(),
        }
    }

    fn manage_security_environment(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        match (apdu.p1, apdu.p2) {
            (0xC1, 0xA4) => self.mse_pace(apdu, protected),
            (0x41, 0xA4) => self.mse_ca(apdu, protected),
            (0x41, 0xA6) => self.mse_kat(apdu, protected),
            // MSE:Set DST / Set AT for Terminal Authentication: accepted and ignored under SM
            // (TA itself is not implemented).
            (0x81, 0xB6) | (0x81, 0xA4) if protected => Resp::sw(SW_OK),
            _ => Resp::sw(SW_WRONG_P1P2),
        }
    }

    /// MSE:Set AT for PACE (`00 22 C1 A4`).
    fn mse_pace(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        self.state.pace = PaceStep::Idle;
        if protected {
            return Resp::sw(SW_CONDITIONS);
        }
        let Some(cfg) = self.profile.pace.filter(|_| self.pace_allowed()) else {
            return Resp::sw(SW_WRONG_P1P2);
        };
        let parsed = match self.profile.pace_dh.as_ref() {
            Some(dh) => crate::pace_dh::parse_mse_set_at(dh, &apdu.data),
            None => pace::parse_mse_set_at_pace(&cfg, &apdu.data),
        };
        let password = match parsed {
            Ok(p) => p,
            Err(sw) => return Resp::sw(sw),
        };
        if !self.profile.pace_passwords.contains(&password) {
            return Resp::sw(pace::SW_REF_NOT_FOUND);
        }
        if cfg.mapping == PaceMapping::ChipAuthentication
            && self.profile.cam_key(cfg.curve).is_none()
        {
            // CAM needs a static key on the PACE curve.
            return Resp::sw(pace::SW_REF_NOT_FOUND);
        }
        let mut bytes = self.pace_password_bytes(password);
        let cipher = match self.profile.pace_dh {
            Some(dh) => match pace::PaceCipher::aes(dh.key_len) {
                Some(c) => c,
                None => return Resp::sw(pace::SW_REF_NOT_FOUND),
            },
            None => cfg.cipher,
        };
        let k_pi = pace::k_pi(&bytes, cipher);
        bytes.zeroize();
        self.state.pace = PaceStep::Selected {
            password,
            k_pi: Zeroizing::new(k_pi),
        };
        if password == Password::Pin && self.pin_tries_left < self.profile.pin_tries {
            return Resp::sw(0x63C0 | u16::from(self.pin_tries_left.min(0x0F)));
        }
        Resp::sw(SW_OK)
    }

    /// MSE:Set AT for Chip Authentication v2 (`00 22 41 A4`, under SM).
    fn mse_ca(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        self.state.ca_selected = false;
        if !protected {
            return Resp::sw(SW_SECURITY);
        }
        if self.profile.ca_dh.is_some() {
            return match crate::ca_dh::parse_mse_set_at(&apdu.data) {
                Ok(()) => {
                    self.state.ca_selected = true;
                    Resp::sw(SW_OK)
                }
                Err(sw) => Resp::sw(sw),
            };
        }
        if self.profile.ca.is_none() {
            return Resp::sw(SW_WRONG_P1P2);
        }
        let mut r = Reader::new(&apdu.data);
        let mut oid_ok = false;
        while !r.is_empty() {
            let Ok(t) = r.read() else {
                return Resp::sw(SW_WRONG_DATA);
            };
            match t.tag {
                0x80 if t.value == pace::OID_CA_ECDH_AES_128 => oid_ok = true,
                0x80 => return Resp::sw(pace::SW_REF_NOT_FOUND),
                0x84 if t.value == [0x01] => {}
                0x84 => return Resp::sw(pace::SW_REF_NOT_FOUND),
                _ => return Resp::sw(SW_WRONG_DATA),
            }
        }
        if !oid_ok {
            return Resp::sw(SW_WRONG_DATA);
        }
        self.state.ca_selected = true;
        Resp::sw(SW_OK)
    }

    /// MSE:Set KAT, Chip Authentication v1 (`00 22 41 A6 {91 PK_PCD, 84 keyId?}`, under SM):
    /// KS = KDF(K, 1/2), no response data, new session after the response.
    fn mse_kat(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        self.state.ca_selected = false;
        if !protected {
            return Resp::sw(SW_SECURITY);
        }
        let Some(ca) = self.profile.ca.as_ref() else {
            return Resp::sw(SW_WRONG_P1P2);
        };
        let mut r = Reader::new(&apdu.data);
        let mut pk = None;
        while !r.is_empty() {
            let Ok(t) = r.read() else {
                return Resp::sw(SW_WRONG_DATA);
            };
            match t.tag {
                0x91 if pk.is_none() => pk = Some(t.value.to_vec()),
                0x84 if t.value == [0x01] => {}
                0x84 => return Resp::sw(pace::SW_REF_NOT_FOUND),
                _ => return Resp::sw(SW_WRONG_DATA),
            }
        }
        let Some(pk) = pk else {
            return Resp::sw(SW_WRONG_DATA);
        };
        let Some(k) = ca.curve.shared_secret(&ca.secret, &pk) else {
            return Resp::sw(SW_WRONG_DATA);
        };
        let k = Zeroizing::new(k);
        let keys = pace::derive_keys(&k, 16);
        self.state.pending_session = Some(Session::aes(&keys));
        Resp::sw(SW_OK)
    }

    fn general_authenticate(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        if apdu.p1 != 0 || apdu.p2 != 0 {
            self.state.pace = PaceStep::Idle;
            return Resp::sw(SW_WRONG_P1P2);
        }
        if protected {
            if !core::mem::take(&mut self.state.ca_selected) {
                return Resp::sw(SW_CONDITIONS);
            }
            return match self.ca_step(&apdu.data) {
                Ok(d) => Resp::ok(encode(0x7C, &d)),
                Err(sw) => Resp::sw(sw),
            };
        }
        let step = core::mem::take(&mut self.state.pace);
        match self.pace_step(step, &apdu.data, apdu.cla & 0x10 != 0) {
            Ok(d) => Resp::ok(encode(0x7C, &d)),
            Err(sw) => {
                self.state.pace = PaceStep::Idle;
                Resp::sw(sw)
            }
        }
    }

    /// One PACE GENERAL AUTHENTICATE step; sets the next state on success.
    fn pace_step(&mut self, step: PaceStep, data: &[u8], chained: bool) -> pace::StepResult {
        let Some(cfg) = self.profile.pace.filter(|_| self.pace_allowed()) else {
            return Err(SW_CONDITIONS);
        };
        if let Some(dh) = self.profile.pace_dh {
            return self.pace_dh_step(&dh, step, data, chained);
        }
        let curve = cfg.curve;
        match step {
            PaceStep::Idle => Err(SW_CONDITIONS),
            PaceStep::Selected { password, k_pi } => {
                if password == Password::Pin && self.pin_tries_left == 0 {
                    return Err(SW_BLOCKED);
                }
                pace::ga_object(data, None)?;
                let s = match self.fixed_pace.as_ref() {
                    Some(f) => f.nonce.clone(),
                    None => {
                        let mut s = vec![0u8; cfg.nonce_len()];
                        self.drbg.fill(&mut s);
                        s
                    }
                };
                let z = pace::encrypt_nonce(cfg.cipher, &k_pi, &s).ok_or(SW_WRONG_DATA)?;
                self.state.pace = PaceStep::Nonce {
                    password,
                    s: Zeroizing::new(s),
                };
                Ok(encode(0x80, &z))
            }
            PaceStep::Nonce { password, s } if cfg.mapping == PaceMapping::Integrated => {
                // 7C{81 t} -> 7C{}: G' = f_G(R_p(s, t)).
                let t = Zeroizing::new(pace::ga_object(data, Some(0x81))?);
                let generator =
                    pace::im_generator(curve, cfg.cipher, &s, &t).ok_or(SW_WRONG_DATA)?;
                self.state.pace = PaceStep::Mapped {
                    password,
                    generator,
                    map_sk: None,
                };
                Ok(Vec::new())
            }
            PaceStep::Nonce { password, s } => {
                let pk_map_pcd = pace::ga_object(data, Some(0x81))?;
                if !curve.is_valid_point(&pk_map_pcd) {
                    return Err(SW_WRONG_DATA);
                }
                let map_sk = Zeroizing::new(match self.fixed_pace.as_ref() {
                    Some(f) => f.map_sk.clone(),
                    None => self.random_scalar(curve),
                });
                let pk_map_picc = curve.public_key(None, &map_sk).ok_or(SW_WRONG_DATA)?;
                let generator = pace::map(curve, &s, &map_sk, &pk_map_pcd).ok_or(SW_WRONG_DATA)?;
                self.state.pace = PaceStep::Mapped {
                    password,
                    generator,
                    map_sk: (cfg.mapping == PaceMapping::ChipAuthentication).then_some(map_sk),
                };
                Ok(encode(0x82, &pk_map_picc))
            }
            PaceStep::Mapped {
                password,
                generator,
                map_sk,
            } => {
                let pk_pcd = pace::ga_object(data, Some(0x83))?;
                let eph_sk = Zeroizing::new(match self.fixed_pace.as_ref() {
                    Some(f) => f.eph_sk.clone(),
                    None => self.random_scalar(curve),
                });
                let pk_picc = curve
                    .public_key(Some(&generator), &eph_sk)
                    .ok_or(SW_WRONG_DATA)?;
                let k = pace::agree(curve, &eph_sk, &pk_pcd, &pk_picc).ok_or(SW_WRONG_DATA)?;
                let keys = pace::derive_pace_keys(&k, cfg.cipher);
                let out = encode(0x84, &pk_picc);
                self.state.pace = PaceStep::Agreed {
                    password,
                    keys,
                    pk_picc,
                    pk_pcd,
                    map_sk,
                };
                Ok(out)
            }
            PaceStep::Agreed {
                password,
                keys,
                pk_picc,
                pk_pcd,
                map_sk,
            } => {
                if chained {
                    // The last command of the chain must not have the chaining bit.
                    return Err(SW_CHAINING);
                }
                let t_pcd = pace::ga_object(data, Some(0x85))?;
                let oid = cfg.oid();
                let expected = pace::pace_token(cfg.cipher, &keys.ks_mac, &oid, &pk_picc)
                    .ok_or(SW_WRONG_DATA)?;
                if !crypto::ct_eq(&expected, &t_pcd) {
                    if password == Password::Pin {
                        self.pin_tries_left = self.pin_tries_left.saturating_sub(1);
                        return Err(0x63C0 | u16::from(self.pin_tries_left.min(0x0F)));
                    }
                    return Err(pace::SW_AUTH_FAILED);
                }
                let t_picc = pace::pace_token(cfg.cipher, &keys.ks_mac, &oid, &pk_pcd)
                    .ok_or(SW_WRONG_DATA)?;
                let mut out = encode(0x86, &t_picc);
                if let Some(map_sk) = map_sk {
                    // CAM: A_IC = E(KS_enc, CA_IC), CA_IC = SK_map,PICC · SK_IC⁻¹ with the
                    // static key on the PACE curve (published in EF.CardSecurity).
                    let key = self.profile.cam_key(curve).ok_or(SW_CONDITIONS)?;
                    let ca_ic =
                        Zeroizing::new(curve.cam_data(&map_sk, &key.secret).ok_or(SW_CONDITIONS)?);
                    let a_ic = pace::encrypt_cam_data(&keys.ks_enc, &ca_ic).ok_or(SW_CONDITIONS)?;
                    out.extend(encode(0x8A, &a_ic));
                }
                if password == Password::Pin {
                    self.pin_tries_left = self.profile.pin_tries;
                }
                self.state.session = Some(match cfg.cipher {
                    PaceCipher::Tdes => Session::tdes(
                        keys.ks_enc
                            .as_slice()
                            .try_into()
                            .map_err(|_| SW_CONDITIONS)?,
                        keys.ks_mac
                            .as_slice()
                            .try_into()
                            .map_err(|_| SW_CONDITIONS)?,
                        [0u8; 8],
                    ),
                    _ => Session::aes(&keys),
                });
                Ok(out)
            }
        }
    }

    /// One DH PACE step ([`crate::pace_dh::step`]) with the chip's PIN counter and session.
    fn pace_dh_step(
        &mut self,
        cfg: &crate::pace_dh::DhPaceConfig,
        step: PaceStep,
        data: &[u8],
        chained: bool,
    ) -> pace::StepResult {
        use crate::pace_dh::DhOutcome;
        if let PaceStep::Selected { password, .. } = &step
            && *password == Password::Pin
            && self.pin_tries_left == 0
        {
            return Err(SW_BLOCKED);
        }
        let drbg = &mut self.drbg;
        let outcome = crate::pace_dh::step(
            cfg,
            step,
            data,
            chained,
            self.fixed_pace.as_ref(),
            &mut |b| drbg.fill(b),
        )?;
        match outcome {
            DhOutcome::Next(next, out) => {
                self.state.pace = next;
                Ok(out)
            }
            DhOutcome::Established {
                password,
                keys,
                data,
            } => {
                if password == Password::Pin {
                    self.pin_tries_left = self.profile.pin_tries;
                }
                self.state.session = Some(Session::aes(&keys));
                Ok(data)
            }
            DhOutcome::WrongToken(Password::Pin) => {
                self.pin_tries_left = self.pin_tries_left.saturating_sub(1);
                Err(0x63C0 | u16::from(self.pin_tries_left.min(0x0F)))
            }
            DhOutcome::WrongToken(_) => Err(pace::SW_AUTH_FAILED),
        }
    }

    /// Chip Authentication v2 GENERAL AUTHENTICATE (under SM): `7C{80 PK_PCD}` ->
    /// `7C{81 r_PICC, 82 T_PICC}`, KS = KDF(K || r_PICC, 1/2).
    fn ca_step(&mut self, data: &[u8]) -> pace::StepResult {
        if let Some(key) = self.profile.ca_dh.as_ref() {
            let r = match self.fixed_ca_nonce {
                Some(r) => r,
                None => {
                    let mut r = [0u8; 8];
                    self.drbg.fill(&mut r);
                    r
                }
            };
            let (keys, out) = crate::ca_dh::authenticate(key, data, r)?;
            self.state.pending_session = Some(Session::aes(&keys));
            return Ok(out);
        }
        let pk_pcd = pace::ga_object(data, Some(0x80))?;
        let Some(ca) = self.profile.ca.as_ref() else {
            return Err(SW_CONDITIONS);
        };
        let k = ca
            .curve
            .shared_secret(&ca.secret, &pk_pcd)
            .ok_or(SW_WRONG_DATA)?;
        let r = match self.fixed_ca_nonce {
            Some(r) => r,
            None => {
                let mut r = [0u8; 8];
                self.drbg.fill(&mut r);
                r
            }
        };
        let mut secret = Zeroizing::new(k);
        secret.extend_from_slice(&r);
        let keys = pace::derive_keys(&secret, 16);
        let t =
            pace::token(&keys.ks_mac, &pace::OID_CA_ECDH_AES_128, &pk_pcd).ok_or(SW_WRONG_DATA)?;
        self.state.pending_session = Some(Session::aes(&keys));
        let mut out = encode(0x81, &r);
        out.extend(encode(0x82, &t));
        Ok(out)
    }

    /// Active Authentication (`00 88 00 00 08 <challenge>`): ECDSA P-256 over SHA-256 of the
    /// challenge with the DG15 key, plain `r || s` (64 bytes), deterministic (RFC 6979).
    fn internal_authenticate(&mut self, apdu: &Apdu, protected: bool) -> Resp {
        if apdu.p1 != 0 || apdu.p2 != 0 {
            return Resp::sw(SW_WRONG_P1P2);
        }
        if !protected && self.profile.access != AccessControl::None {
            return Resp::sw(SW_SECURITY);
        }
        let Some(key) = self.profile.aa_key.as_ref() else {
            return Resp::sw(SW_INS);
        };
        if apdu.data.len() != 8 {
            return Resp::sw(SW_WRONG_LENGTH);
        }
        match crate::aa::sign(key, &apdu.data) {
            Some(sig) => Resp::ok(sig),
            None => Resp::sw(SW_CONDITIONS),
        }
    }
}

impl Transport for VirtualChip {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        let index = self.next_index;
        self.next_index = self.next_index.saturating_add(1);
        if self.link_down {
            return Err(TransportError::TagLost);
        }
        if let Some(n) = self.misbehaviour.drop_link_after
            && index >= n
            && !self.drop_done
        {
            self.drop_done = true;
            self.link_down = true;
            return Err(TransportError::TagLost);
        }
        let mut resp = self.process(command);
        let m = self.misbehaviour;
        if m.corrupt_mac_at == Some(index) && resp.len() > 2 {
            let i = resp.len() - 3;
            if let Some(b) = resp.get_mut(i) {
                *b ^= 0x01;
            }
        }
        if let Some((n, sw)) = m.wrong_sw_at
            && n == index
        {
            let at = resp.len().saturating_sub(2);
            resp.truncate(at);
            resp.extend_from_slice(&sw.to_be_bytes());
        }
        if let Some((n, keep)) = m.truncate_response_at
            && n == index
        {
            resp.truncate(keep);
        }
        self.stats.record(&self.link, command.len(), resp.len());
        Ok(resp)
    }

    fn info(&self) -> TransportInfo {
        self.profile.transport
    }
}
