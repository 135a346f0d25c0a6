//! An APDU-level PACE terminal whose protocol steps and secure messaging are OpenPACE's, over
//! any [`Transport`]: it reads EF.CardAccess from the card (plain SELECT + READ BINARY),
//! initialises an `EAC_CTX` from it, sends MSE:Set AT and the four GENERAL AUTHENTICATE
//! commands built here, and returns the context with OpenPACE's secure messaging started, for
//! [`sm_exchange`].

use monid_core::pace::params::Mapping;
use monid_core::tlv::encode;
use monid_core::transport::Transport;

use crate::apdu::{self, encode_command};
use crate::combos::Combo;
use crate::ffi::{Ctx, PACE_CAN, Secret};

fn send<T: Transport>(card: &mut T, raw: &[u8]) -> Result<(Vec<u8>, u16), String> {
    let r = card
        .transceive(raw)
        .map_err(|e| format!("transport: {e}"))?;
    apdu::split_response(&r)
}

fn expect_ok<T: Transport>(card: &mut T, raw: &[u8], what: &str) -> Result<Vec<u8>, String> {
    let (data, sw) = send(card, raw)?;
    if sw != 0x9000 {
        return Err(format!("{what}: SW {sw:04X}"));
    }
    Ok(data)
}

fn ga<T: Transport>(card: &mut T, last: bool, inner: &[u8], what: &str) -> Result<Vec<u8>, String> {
    let cla = if last { 0x00 } else { 0x10 };
    expect_ok(
        card,
        &encode_command([cla, 0x86, 0x00, 0x00], &encode(0x7C, inner), true),
        what,
    )
}

/// Reads EF.CardAccess (`SELECT 011C` under the MF, then READ BINARY until the end).
pub fn read_card_access<T: Transport>(card: &mut T) -> Result<Vec<u8>, String> {
    expect_ok(
        card,
        &[0x00, 0xA4, 0x02, 0x0C, 0x02, 0x01, 0x1C],
        "SELECT EF.CardAccess",
    )?;
    let mut out = Vec::new();
    loop {
        let off = out.len();
        if off > 0x7FFF {
            return Err("EF.CardAccess too long".into());
        }
        let (data, sw) = send(card, &[0x00, 0xB0, (off >> 8) as u8, off as u8, 0x00])?;
        match sw {
            0x9000 if !data.is_empty() => out.extend(data),
            0x9000 | 0x6282 => {
                out.extend(data);
                return Ok(out);
            }
            0x6B00 if off > 0 => return Ok(out),
            _ => return Err(format!("READ BINARY EF.CardAccess: SW {sw:04X}")),
        }
        if out.len() < off + 256 {
            return Ok(out);
        }
    }
}

/// OpenPACE's terminal context for `combo`, initialised from the card's EF.CardAccess. It can
/// run PACE several times ([`pace`]): each run draws fresh keys.
pub fn context(combo: &Combo, card_access: &[u8]) -> Result<Ctx, String> {
    Ctx::from_card_access(card_access, combo.mapping() == Mapping::Integrated)
        .map_err(|s| format!("OpenPACE {s} rejected the EF.CardAccess"))
}

/// Runs PACE with the CAN `can` as OpenPACE's terminal for `combo` with the context `ctx`
/// (from [`context`]) and starts OpenPACE's secure messaging in it.
pub fn pace<T: Transport>(
    card: &mut T,
    combo: &Combo,
    ctx: &mut Ctx,
    can: &str,
) -> Result<(), String> {
    let secret = Secret::new(can.as_bytes(), PACE_CAN);
    let mut set_at = encode(0x80, &combo.oid());
    set_at.extend(encode(0x83, &[0x02]));
    expect_ok(
        card,
        &encode_command([0x00, 0x22, 0xC1, 0xA4], &set_at, false),
        "MSE:Set AT",
    )?;
    let r = ga(card, false, &[], "GA (encrypted nonce)")?;
    let z = apdu::dynamic_object(&r, 0x80)?;
    ctx.dec_nonce(&secret, &z).map_err(|s| s.to_string())?;
    let mine = ctx.generate_mapping_data().map_err(|s| s.to_string())?;
    let r = ga(card, false, &encode(0x81, &mine), "GA (mapping)")?;
    match combo.mapping() {
        Mapping::Integrated => {
            let objects = apdu::dynamic_objects(&r)?;
            if objects.iter().any(|(t, v)| *t != 0x82 || !v.is_empty()) {
                return Err("mapping data in an integrated mapping answer".into());
            }
            ctx.map_generator(&mine).map_err(|s| s.to_string())?;
        }
        _ => {
            let theirs = apdu::dynamic_object(&r, 0x82)?;
            ctx.map_generator(&theirs).map_err(|s| s.to_string())?;
        }
    }
    let pk_pcd = ctx.generate_ephemeral_key().map_err(|s| s.to_string())?;
    let r = ga(card, false, &encode(0x83, &pk_pcd), "GA (key agreement)")?;
    let pk_picc = apdu::dynamic_object(&r, 0x84)?;
    ctx.compute_shared_secret(&pk_picc)
        .map_err(|s| s.to_string())?;
    ctx.derive_keys().map_err(|s| s.to_string())?;
    let t_pcd = ctx.compute_token(&pk_picc).map_err(|s| s.to_string())?;
    let r = ga(
        card,
        true,
        &encode(0x85, &t_pcd),
        "GA (mutual authentication)",
    )?;
    let t_picc = apdu::dynamic_object(&r, 0x86)?;
    ctx.verify_token(&t_picc)
        .map_err(|_| "OpenPACE rejects the chip's authentication token".to_string())?;
    ctx.start_sm().map_err(|s| s.to_string())?;
    Ok(())
}

/// One protected exchange with OpenPACE's secure messaging: returns the plain response data and
/// the protected status word.
pub fn sm_exchange<T: Transport>(
    card: &mut T,
    ctx: &Ctx,
    header: [u8; 4],
    data: &[u8],
    le: bool,
) -> Result<(Vec<u8>, u16), String> {
    let cmd = apdu::terminal_wrap(ctx, header, data, le)?;
    let raw = card
        .transceive(&cmd)
        .map_err(|e| format!("transport: {e}"))?;
    apdu::terminal_unwrap(ctx, &raw)
}
