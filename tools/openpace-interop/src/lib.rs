//! # monid-openpace-interop: monid's PACE against OpenPACE, both directions
//!
//! A test-only crate, outside the default workspace, that runs PACE between monid and
//! OpenPACE (Debian's `libeac-dev`, a third-party implementation on OpenSSL):
//!
//! - **OpenPACE card vs monid terminal**: [`card::OpenPaceCard`] answers APDUs with OpenPACE's
//!   card-side steps; `monid_core::pace::terminal` drives it; then one protected command is
//!   exchanged (monid's `SecureMessaging` against OpenPACE's SM primitives).
//! - **monid virtual chip vs OpenPACE terminal**: [`terminal::pace`] reads EF.CardAccess from a
//!   `monid_vchip::VirtualChip`, runs OpenPACE's terminal steps, then reads EF.COM under
//!   OpenPACE's secure messaging.
//!
//! The FFI (`ffi`) is the only `unsafe` code of the project and stays in this crate. What each
//! side supports is decided at run time by [`monid_terminal_params`], [`vchip_profile`] and
//! [`openpace_self_test`], so that a combination one side cannot run yet is reported as
//! skipped, never left out.

pub mod apdu;
pub mod card;
pub mod combos;
pub mod ffi;
pub mod terminal;

use monid_core::access::AccessKey;
use monid_core::apdu::{Command, Response};
use monid_core::crypto::SmCipher;
use monid_core::pace::params::{KeyAgreement, Mapping, PaceParams};
use monid_core::pace::terminal::Pace;
use monid_core::rand::{RandomSource, SystemRandom};
use monid_core::sm::Unprotected;
use monid_core::transport::Transport;
use monid_vchip::{
    AID_EMRTD, Curve, DhGroup, FID_COM, PaceCipher, PaceConfig, PaceMapping, Profile, VirtualChip,
};

use crate::card::OpenPaceCard;
use crate::combos::Combo;

/// A small deterministic generator (splitmix64) for CANs and challenges: the runs are
/// reproducible from the seed printed by the tests; the protocol randomness itself comes from
/// each implementation's own generator.
pub struct SplitMix(pub u64);

impl SplitMix {
    /// The next 64-bit value.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A 6-digit CAN.
    pub fn can(&mut self) -> String {
        format!("{:06}", self.next_u64() % 1_000_000)
    }
}

/// The monid terminal's parameters for `combo`, or why it cannot run it.
pub fn monid_terminal_params(combo: &Combo) -> Result<PaceParams, String> {
    PaceParams::new(combo.protocol, combo.param_id, true)
        .map_err(|e| format!("monid terminal: {e}"))
}

/// A virtual chip profile (the CNIE, PACE-CAN only) offering exactly `combo` with `can`, or why
/// monid-vchip cannot offer it.
pub fn vchip_profile(combo: &Combo, can: &str) -> Result<Profile, String> {
    if combo.protocol.key_agreement == KeyAgreement::Dh {
        let group = DhGroup::from_parameter_id(combo.param_id)
            .ok_or_else(|| format!("monid-vchip: no DH group {}", combo.param_id))?;
        let profile = Profile::cnie_td1().with_can(can);
        return match (combo.mapping(), combo.cipher()) {
            (_, SmCipher::Des3) => Err("monid-vchip: no DH PACE with 3DES (AES only)".into()),
            (Mapping::Generic, c) => Ok(profile.with_pace_dh(group, c.key_len())),
            (Mapping::Integrated, SmCipher::Aes128) => Ok(profile.with_pace_dh_im(group)),
            (Mapping::Integrated, _) => {
                Err("monid-vchip: DH integrated mapping with AES-128 only".into())
            }
            (Mapping::ChipAuthentication, _) => Err("no DH chip authentication mapping".into()),
        };
    }
    let mapping = match combo.mapping() {
        Mapping::Generic => PaceMapping::Generic,
        Mapping::Integrated => PaceMapping::Integrated,
        Mapping::ChipAuthentication => PaceMapping::ChipAuthentication,
    };
    let cipher = match combo.cipher() {
        SmCipher::Des3 => PaceCipher::Tdes,
        SmCipher::Aes128 => PaceCipher::Aes128,
        SmCipher::Aes192 => PaceCipher::Aes192,
        SmCipher::Aes256 => PaceCipher::Aes256,
    };
    let curve = Curve::from_parameter_id(combo.param_id)
        .ok_or_else(|| format!("monid-vchip: no curve for parameter id {}", combo.param_id))?;
    let cfg =
        PaceConfig::new(curve, mapping, cipher).ok_or("monid-vchip: no such PACE configuration")?;
    Ok(Profile::cnie_td1().with_can(can).with_pace(cfg))
}

fn monid_send<T: Transport>(card: &mut T, cmd: &Command) -> Result<Response, String> {
    let raw = cmd.encode(true).map_err(|e| format!("encode: {e:?}"))?;
    let r = card
        .transceive(&raw)
        .map_err(|e| format!("transport: {e}"))?;
    Response::parse(&r).ok_or_else(|| "unparsable response".to_string())
}

/// One run of the monid terminal against an OpenPACE card (restarted with `can`): PACE, then
/// one protected command with an 8-byte challenge that OpenPACE decrypts and answers reversed.
pub fn monid_terminal_vs_openpace_card(
    card: &mut OpenPaceCard,
    combo: &Combo,
    params: PaceParams,
    can: &str,
    challenge: [u8; 8],
) -> Result<(), String> {
    card.restart(can);
    let card = &mut *card;
    let key = AccessKey::can(can).map_err(|e| format!("CAN: {e}"))?;
    let mut rng = SystemRandom;
    let rng: &mut dyn RandomSource = &mut rng;
    let e = |step: &str| {
        let step = step.to_string();
        move |err: monid_core::Error| format!("monid terminal {step}: {err}")
    };
    let (state, cmd) = Pace::new(params, &key).mse_set_at();
    let r = monid_send(card, &cmd)?;
    let (state, cmd, _) = state.on_set_at(&r).map_err(e("MSE:Set AT"))?;
    let r = monid_send(card, &cmd)?;
    let (state, cmd) = state.on_nonce(&r, rng).map_err(e("nonce"))?;
    let r = monid_send(card, &cmd)?;
    let (state, cmd) = state.on_mapping(&r, rng).map_err(e("mapping"))?;
    // Public values as sent: the terminal's (in its command) and the chip's (in its answer),
    // named in a failure (their lengths and whether they start with a zero byte).
    let pk_pcd = apdu::dynamic_object(&cmd.data, 0x83).unwrap_or_default();
    let r = monid_send(card, &cmd)?;
    let pk_picc = apdu::dynamic_object(&r.data, 0x84).unwrap_or_default();
    let shape = |k: &[u8]| format!("{} bytes, first {:02X}", k.len(), k.first().unwrap_or(&0));
    let keys = format!("(PK_PCD {}; PK_PICC {})", shape(&pk_pcd), shape(&pk_picc));
    let (state, cmd) = state
        .on_key_agreement(&r)
        .map_err(|err| format!("monid terminal key agreement: {err} {keys}"))?;
    let r = monid_send(card, &cmd)?;
    let (mut sm, outcome) = state
        .finish(&r)
        .map_err(|err| format!("monid terminal mutual authentication: {err} {keys}"))?;
    if outcome.protocol != combo.protocol {
        return Err("outcome names another protocol".into());
    }
    let cmd = Command::new(0x00, 0x88, 0x00, 0x00)
        .with_data(challenge.to_vec())
        .with_ne(256);
    let protected = sm.protect(&cmd, false).map_err(e("SM protect"))?;
    let r = monid_send(card, &protected)?;
    match sm.unprotect(&r).map_err(e("SM unprotect"))? {
        Unprotected::Verified(resp) => {
            let expected: Vec<u8> = challenge.iter().rev().copied().collect();
            if !resp.sw.is_success() || resp.data != expected {
                return Err(format!(
                    "protected answer: SW {:04X}, data {} the reversed challenge",
                    resp.sw.0,
                    if resp.data == expected { "=" } else { "!=" }
                ));
            }
        }
        Unprotected::StatusOnly(sw) => {
            return Err(format!(
                "OpenPACE card rejected the protected command: SW {:04X}",
                sw.0
            ));
        }
    }
    if card.protected_answered != 1 {
        return Err("OpenPACE card did not answer under SM".into());
    }
    Ok(())
}

/// OpenPACE's terminal for one combination against one virtual chip: its context, built from
/// the EF.CardAccess read from the chip.
pub struct OpenPaceTerminal {
    ctx: ffi::Ctx,
    card_access: Vec<u8>,
}

impl OpenPaceTerminal {
    /// Reads EF.CardAccess from `chip` and initialises OpenPACE's context with it.
    pub fn new(chip: &mut VirtualChip, combo: &Combo) -> Result<OpenPaceTerminal, String> {
        chip.reconnect();
        let card_access = terminal::read_card_access(chip)?;
        let ctx = terminal::context(combo, &card_access)?;
        Ok(OpenPaceTerminal { ctx, card_access })
    }
}

/// One run of OpenPACE's terminal against a virtual chip: reconnect, read EF.CardAccess (it must
/// be the one the terminal was built from), PACE with `can`, then under OpenPACE's secure
/// messaging SELECT the eMRTD application (protected command data) and READ BINARY EF.COM by
/// SFI (protected response data), compared with the chip's file.
pub fn openpace_terminal_vs_vchip(
    chip: &mut VirtualChip,
    term: &mut OpenPaceTerminal,
    combo: &Combo,
    can: &str,
) -> Result<(), String> {
    chip.reconnect();
    if terminal::read_card_access(chip)? != term.card_access {
        return Err("EF.CardAccess changed between runs".into());
    }
    terminal::pace(chip, combo, &mut term.ctx, can)?;
    let ctx = &term.ctx;
    if !chip.sm_active() {
        return Err("the chip did not open secure messaging".into());
    }
    let (data, sw) = terminal::sm_exchange(chip, ctx, [0x00, 0xA4, 0x04, 0x0C], &AID_EMRTD, false)?;
    if sw != 0x9000 || !data.is_empty() {
        return Err(format!("protected SELECT: SW {sw:04X}"));
    }
    let (data, sw) = terminal::sm_exchange(chip, ctx, [0x00, 0xB0, 0x9E, 0x00], &[], true)?;
    let com = chip.file(FID_COM).ok_or("no EF.COM")?;
    if !matches!(sw, 0x9000 | 0x6282) || data.is_empty() || !com.starts_with(&data) {
        return Err(format!(
            "protected READ BINARY EF.COM: SW {sw:04X}, {} bytes, {}",
            data.len(),
            if com.starts_with(&data) {
                "a prefix of EF.COM"
            } else {
                "NOT EF.COM"
            }
        ));
    }
    Ok(())
}

/// OpenPACE against itself over APDUs (its terminal, its card, its SM both sides), to tell a
/// combination OpenPACE cannot run at all from an interop failure.
pub fn openpace_self_test(combo: &Combo, can: &str) -> Result<(), String> {
    let mut card = OpenPaceCard::new(*combo, can)?;
    let mut ctx = terminal::context(combo, &card.card_access())?;
    terminal::pace(&mut card, combo, &mut ctx, can)?;
    let (data, sw) = terminal::sm_exchange(&mut card, &ctx, [0, 0x88, 0, 0], &[1, 2, 3], true)?;
    if sw != 0x9000 || data != [3, 2, 1] {
        return Err("OpenPACE SM with itself".into());
    }
    Ok(())
}

/// [`openpace_self_test`] of `Combo::all()[index]` with the CAN 123456, computed once per
/// process (the two directions ask for the same combinations; a DH self-test costs seconds).
pub fn openpace_self_test_cached(index: usize) -> Result<(), String> {
    use std::sync::OnceLock;
    type Cell = OnceLock<Result<(), String>>;
    static ALL: OnceLock<Vec<(Combo, Cell)>> = OnceLock::new();
    let all = ALL.get_or_init(|| {
        Combo::all()
            .into_iter()
            .map(|c| (c, OnceLock::new()))
            .collect()
    });
    let (combo, cell) = all.get(index).ok_or("no such combination")?;
    cell.get_or_init(|| openpace_self_test(combo, "123456"))
        .clone()
}

/// Number of runs per combination: `OPENPACE_RUNS` or 1000.
pub fn runs_per_combo() -> u32 {
    std::env::var("OPENPACE_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1000)
}
