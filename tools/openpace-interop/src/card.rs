//! An APDU-level PACE card whose protocol steps are OpenPACE's (`PACE_STEP1_enc_nonce` ...
//! `PACE_STEP3D_*`) and whose secure messaging is OpenPACE's (`EAC_CTX_set_encryption_ctx`,
//! `EAC_encrypt`/`EAC_decrypt`/`EAC_authenticate`). It implements [`Transport`], so any terminal
//! can run PACE against it. Only the APDU framing (MSE:Set AT, GENERAL AUTHENTICATE, the 7C
//! objects, the SM data objects) is written here.
//!
//! After PACE it answers one kind of protected command: any INS with data, answered with the
//! data reversed (DO'87', DO'99' 9000, DO'8E'), so that a test sees encryption and MAC in both
//! directions.

use monid_core::pace::params::Mapping;
use monid_core::tlv::{Reader, encode};
use monid_core::transport::{Transport, TransportError};

use crate::apdu::{self, Cmd};
use crate::combos::Combo;
use crate::ffi::{Ctx, PACE_CAN, Secret};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Idle,
    SetAt,
    Nonce,
    Mapped,
    Agreed,
    Sm,
}

/// An OpenPACE card for one combination and one CAN.
pub struct OpenPaceCard {
    ctx: Ctx,
    secret: Secret,
    combo: Combo,
    state: State,
    pk_pcd: Vec<u8>,
    /// Test knob: replace the terminal's IM nonce t by another value before mapping.
    pub tamper_im_nonce: bool,
    /// Protected commands answered.
    pub protected_answered: u32,
}

const SW_OK: u16 = 0x9000;
const SW_WRONG_DATA: u16 = 0x6A80;
const SW_AUTH_FAILED: u16 = 0x6300;
const SW_SEQUENCE: u16 = 0x6985;
const SW_REF: u16 = 0x6A88;
const SW_SM: u16 = 0x6988;

impl OpenPaceCard {
    /// An OpenPACE card whose EF.CardAccess announces `combo`, with password `can`.
    pub fn new(combo: Combo, can: &str) -> Result<OpenPaceCard, String> {
        let ctx =
            Ctx::from_card_access(&combo.card_access(), combo.mapping() == Mapping::Integrated)
                .map_err(|s| format!("OpenPACE {s} rejected the EF.CardAccess"))?;
        Ok(OpenPaceCard {
            ctx,
            secret: Secret::new(can.as_bytes(), PACE_CAN),
            combo,
            state: State::Idle,
            pk_pcd: Vec::new(),
            tamper_im_nonce: false,
            protected_answered: 0,
        })
    }

    /// Starts over for another PACE run with the password `can`, keeping OpenPACE's context
    /// (its EF.CardAccess initialisation costs up to 2 s for a 2048-bit DH group; a card keeps
    /// its context across sessions too). Every run draws a fresh nonce and fresh keys.
    pub fn restart(&mut self, can: &str) {
        self.secret = Secret::new(can.as_bytes(), PACE_CAN);
        self.state = State::Idle;
        self.pk_pcd.clear();
        self.protected_answered = 0;
    }

    /// EF.CardAccess of this card.
    pub fn card_access(&self) -> Vec<u8> {
        self.combo.card_access()
    }

    fn set_at(&mut self, c: &Cmd) -> u16 {
        let mut r = Reader::new(&c.data);
        let (mut oid, mut pwd, mut param) = (None, None, None);
        while !r.is_empty() {
            let Ok(t) = r.read() else {
                return SW_WRONG_DATA;
            };
            match t.tag {
                0x80 => oid = Some(t.value.to_vec()),
                0x83 => pwd = Some(t.value.to_vec()),
                0x84 => param = Some(t.value.to_vec()),
                _ => return SW_WRONG_DATA,
            }
        }
        if oid.as_deref() != Some(self.combo.oid().as_slice()) {
            return SW_REF;
        }
        if param.is_some_and(|p| p != [self.combo.param_id]) {
            return SW_REF;
        }
        if pwd.as_deref() != Some(&[0x02]) {
            return SW_REF;
        }
        self.state = State::SetAt;
        SW_OK
    }

    fn general_authenticate(&mut self, c: &Cmd) -> Result<Vec<u8>, u16> {
        let last = c.cla & 0x10 == 0;
        match (self.state, last) {
            (State::SetAt, false) => {
                if apdu::dynamic_objects(&c.data).map_err(|_| SW_WRONG_DATA)? != vec![] {
                    return Err(SW_WRONG_DATA);
                }
                let z = self
                    .ctx
                    .enc_nonce(&self.secret)
                    .map_err(|_| SW_WRONG_DATA)?;
                self.state = State::Nonce;
                Ok(encode(0x7C, &encode(0x80, &z)))
            }
            (State::Nonce, false) => {
                let data = apdu::dynamic_object(&c.data, 0x81).map_err(|_| SW_WRONG_DATA)?;
                let out = match self.combo.mapping() {
                    Mapping::Integrated => {
                        let t = if self.tamper_im_nonce {
                            data.iter().map(|b| b ^ 0x5A).collect()
                        } else {
                            data
                        };
                        self.ctx.map_generator(&t).map_err(|_| SW_WRONG_DATA)?;
                        encode(0x7C, &[])
                    }
                    _ => {
                        let mine = self
                            .ctx
                            .generate_mapping_data()
                            .map_err(|_| SW_WRONG_DATA)?;
                        self.ctx.map_generator(&data).map_err(|_| SW_WRONG_DATA)?;
                        encode(0x7C, &encode(0x82, &mine))
                    }
                };
                self.state = State::Mapped;
                Ok(out)
            }
            (State::Mapped, false) => {
                let pk_pcd = apdu::dynamic_object(&c.data, 0x83).map_err(|_| SW_WRONG_DATA)?;
                let pk_picc = self
                    .ctx
                    .generate_ephemeral_key()
                    .map_err(|_| SW_WRONG_DATA)?;
                self.ctx
                    .compute_shared_secret(&pk_pcd)
                    .map_err(|_| SW_WRONG_DATA)?;
                self.ctx.derive_keys().map_err(|_| SW_WRONG_DATA)?;
                self.pk_pcd = pk_pcd;
                self.state = State::Agreed;
                Ok(encode(0x7C, &encode(0x84, &pk_picc)))
            }
            (State::Agreed, true) => {
                let t_pcd = apdu::dynamic_object(&c.data, 0x85).map_err(|_| SW_WRONG_DATA)?;
                self.ctx.verify_token(&t_pcd).map_err(|_| SW_AUTH_FAILED)?;
                let t_picc = self
                    .ctx
                    .compute_token(&self.pk_pcd)
                    .map_err(|_| SW_WRONG_DATA)?;
                self.ctx.start_sm().map_err(|_| SW_WRONG_DATA)?;
                self.state = State::Sm;
                Ok(encode(0x7C, &encode(0x86, &t_picc)))
            }
            _ => Err(SW_SEQUENCE),
        }
    }

    fn process(&mut self, raw: &[u8]) -> Vec<u8> {
        let Some(c) = apdu::parse(raw) else {
            self.state = State::Idle;
            return apdu::response(&[], 0x6700);
        };
        if self.state == State::Sm {
            if c.cla & 0x0C != 0x0C {
                self.state = State::Idle;
                return apdu::response(&[], 0x6987);
            }
            return match apdu::card_unwrap(&self.ctx, &c) {
                Ok(plain) => {
                    let answer: Vec<u8> = plain.iter().rev().copied().collect();
                    match apdu::card_wrap(&self.ctx, &answer, SW_OK) {
                        Ok(r) => {
                            self.protected_answered += 1;
                            r
                        }
                        Err(_) => apdu::response(&[], SW_SM),
                    }
                }
                Err(_) => {
                    self.state = State::Idle;
                    apdu::response(&[], SW_SM)
                }
            };
        }
        match (c.cla & !0x10, c.ins, c.p1, c.p2) {
            (0x00, 0x22, 0xC1, 0xA4) if c.cla == 0 => {
                let sw = self.set_at(&c);
                apdu::response(&[], sw)
            }
            (0x00, 0x86, 0x00, 0x00) => match self.general_authenticate(&c) {
                Ok(data) => apdu::response(&data, SW_OK),
                Err(sw) => {
                    self.state = State::Idle;
                    apdu::response(&[], sw)
                }
            },
            _ => apdu::response(&[], 0x6D00),
        }
    }
}

impl Transport for OpenPaceCard {
    fn transceive(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        Ok(self.process(command))
    }
}
