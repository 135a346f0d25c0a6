//! Card-side command APDU parsing (ISO/IEC 7816-4 cases 1-4, short and extended) and the
//! secure-messaging wrapping of the harness done with OpenPACE's own primitives
//! (`EAC_encrypt`, `EAC_decrypt`, `EAC_authenticate`, `EAC_add_iso_pad`, the SSC of the
//! `EAC_CTX`). Both roles are here: the card unwraps a command and wraps its response, the
//! terminal wraps a command and unwraps the response.

use monid_core::tlv::{Reader, encode};

use crate::ffi::Ctx;

/// A parsed command APDU.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cmd {
    /// CLA.
    pub cla: u8,
    /// INS.
    pub ins: u8,
    /// P1.
    pub p1: u8,
    /// P2.
    pub p2: u8,
    /// Command data.
    pub data: Vec<u8>,
    /// Le present.
    pub le: bool,
}

/// Parses a command APDU; `None` when its layout is not one of the ISO/IEC 7816-4 cases.
pub fn parse(raw: &[u8]) -> Option<Cmd> {
    let (h, body) = raw.split_at_checked(4)?;
    let mk = |data: &[u8], le: bool| Cmd {
        cla: h[0],
        ins: h[1],
        p1: h[2],
        p2: h[3],
        data: data.to_vec(),
        le,
    };
    match body {
        [] => Some(mk(&[], false)),
        [_] => Some(mk(&[], true)),
        [0, b1, b2] if *b1 != 0 || *b2 != 0 => Some(mk(&[], true)),
        [0, b1, b2, rest @ ..] => {
            let lc = usize::from(u16::from_be_bytes([*b1, *b2]));
            if lc == 0 {
                return None;
            }
            let (data, tail) = rest.split_at_checked(lc)?;
            match tail.len() {
                0 => Some(mk(data, false)),
                2 => Some(mk(data, true)),
                _ => None,
            }
        }
        [lc, rest @ ..] => {
            let lc = usize::from(*lc);
            let (data, tail) = rest.split_at_checked(lc)?;
            match tail.len() {
                0 => Some(mk(data, false)),
                1 => Some(mk(data, true)),
                _ => None,
            }
        }
    }
}

/// Encodes a command APDU, short when it fits, extended otherwise.
pub fn encode_command(header: [u8; 4], data: &[u8], le: bool) -> Vec<u8> {
    let mut out = header.to_vec();
    if data.len() <= 255 {
        if !data.is_empty() {
            out.push(data.len() as u8);
            out.extend_from_slice(data);
        }
        if le {
            out.push(0);
        }
    } else {
        out.push(0);
        out.extend_from_slice(&(data.len() as u16).to_be_bytes());
        out.extend_from_slice(data);
        if le {
            out.extend_from_slice(&[0, 0]);
        }
    }
    out
}

/// A response APDU: data || SW1 SW2.
pub fn response(data: &[u8], sw: u16) -> Vec<u8> {
    let mut out = data.to_vec();
    out.extend_from_slice(&sw.to_be_bytes());
    out
}

/// Splits a response APDU into data and status word.
pub fn split_response(raw: &[u8]) -> Result<(Vec<u8>, u16), String> {
    let at = raw
        .len()
        .checked_sub(2)
        .ok_or("response shorter than a status word")?;
    let (data, sw) = raw.split_at(at);
    Ok((data.to_vec(), u16::from_be_bytes([sw[0], sw[1]])))
}

/// The objects of `7C { ... }` as (tag, value) pairs.
pub fn dynamic_objects(data: &[u8]) -> Result<Vec<(u32, Vec<u8>)>, String> {
    let mut outer = Reader::new(data);
    let t = outer.read().map_err(|e| format!("7C: {e:?}"))?;
    if t.tag != 0x7C || !outer.is_empty() {
        return Err("not one 7C object".into());
    }
    let mut inner = Reader::new(t.value);
    let mut out = Vec::new();
    while !inner.is_empty() {
        let o = inner.read().map_err(|e| format!("inside 7C: {e:?}"))?;
        out.push((o.tag, o.value.to_vec()));
    }
    Ok(out)
}

/// The one object with `tag` inside 7C.
pub fn dynamic_object(data: &[u8], tag: u32) -> Result<Vec<u8>, String> {
    let objects = dynamic_objects(data)?;
    let mut it = objects.into_iter().filter(|(t, _)| *t == tag);
    match (it.next(), it.next()) {
        (Some((_, v)), None) => Ok(v),
        (None, _) => Err(format!("no DO'{tag:02X}' in 7C")),
        _ => Err(format!("DO'{tag:02X}' repeated")),
    }
}

/// Secure-messaging data objects of a protected message: (DO'87' value, DO'97' value,
/// DO'99' value, DO'8E' value, the raw encoding of everything before DO'8E').
#[derive(Default)]
struct SmObjects {
    do87: Option<Vec<u8>>,
    do97: Option<Vec<u8>>,
    do99: Option<Vec<u8>>,
    do8e: Option<Vec<u8>>,
    mac_input: Vec<u8>,
}

fn sm_objects(data: &[u8]) -> Result<SmObjects, String> {
    let mut r = Reader::new(data);
    let mut o = SmObjects::default();
    while !r.is_empty() {
        let t = r.read().map_err(|e| format!("SM object: {e:?}"))?;
        let slot = match t.tag {
            0x87 => &mut o.do87,
            0x97 => &mut o.do97,
            0x99 => &mut o.do99,
            0x8E => &mut o.do8e,
            tag => return Err(format!("unexpected SM object {tag:02X}")),
        };
        if slot.is_some() {
            return Err(format!("SM object {:02X} repeated", t.tag));
        }
        *slot = Some(t.value.to_vec());
        if t.tag != 0x8E {
            if o.do8e.is_some() {
                return Err("SM object after DO'8E'".into());
            }
            o.mac_input.extend(encode(t.tag, t.value));
        }
    }
    Ok(o)
}

fn sm_err(step: &'static str) -> String {
    format!("OpenPACE {step} failed")
}

/// Card side: verifies and decrypts a protected command (CLA 0C) with OpenPACE's SM context
/// (increments the SSC first). Returns the plain command data.
pub fn card_unwrap(ctx: &Ctx, cmd: &Cmd) -> Result<Vec<u8>, String> {
    ctx.increment_ssc().map_err(sm_err)?;
    if cmd.cla & 0x0C != 0x0C {
        return Err("command is not protected".into());
    }
    let o = sm_objects(&cmd.data)?;
    let mac = o.do8e.ok_or("no DO'8E'")?;
    let mut input = ctx
        .pad(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2])
        .map_err(sm_err)?;
    input.extend_from_slice(&o.mac_input);
    let expected = ctx.mac(&ctx.pad(&input).map_err(sm_err)?).map_err(sm_err)?;
    if expected != mac {
        return Err("command MAC does not verify under OpenPACE's KS_mac".into());
    }
    match o.do87 {
        None => Ok(Vec::new()),
        Some(v) => {
            let (pi, cryptogram) = v.split_first().ok_or("empty DO'87'")?;
            if *pi != 0x01 {
                return Err("padding indicator is not 01".into());
            }
            let padded = ctx.decrypt(cryptogram).map_err(sm_err)?;
            ctx.unpad(&padded).map_err(sm_err)
        }
    }
}

/// Card side: wraps a response (increments the SSC first): DO'87' (if data), DO'99', DO'8E'.
pub fn card_wrap(ctx: &Ctx, data: &[u8], sw: u16) -> Result<Vec<u8>, String> {
    ctx.increment_ssc().map_err(sm_err)?;
    let mut dos = Vec::new();
    if !data.is_empty() {
        let c = ctx
            .encrypt(&ctx.pad(data).map_err(sm_err)?)
            .map_err(sm_err)?;
        let mut v = vec![0x01];
        v.extend(c);
        dos.extend(encode(0x87, &v));
    }
    dos.extend(encode(0x99, &sw.to_be_bytes()));
    let mac = ctx.mac(&ctx.pad(&dos).map_err(sm_err)?).map_err(sm_err)?;
    dos.extend(encode(0x8E, &mac));
    Ok(response(&dos, 0x9000))
}

/// Terminal side: protects a command (increments the SSC first): CLA | 0C, DO'87' (if data),
/// DO'97' (if `le`, Le 00), DO'8E'.
pub fn terminal_wrap(ctx: &Ctx, header: [u8; 4], data: &[u8], le: bool) -> Result<Vec<u8>, String> {
    ctx.increment_ssc().map_err(sm_err)?;
    let header = [header[0] | 0x0C, header[1], header[2], header[3]];
    let mut dos = Vec::new();
    if !data.is_empty() {
        let c = ctx
            .encrypt(&ctx.pad(data).map_err(sm_err)?)
            .map_err(sm_err)?;
        let mut v = vec![0x01];
        v.extend(c);
        dos.extend(encode(0x87, &v));
    }
    if le {
        dos.extend(encode(0x97, &[0x00]));
    }
    let mut input = ctx.pad(&header).map_err(sm_err)?;
    input.extend_from_slice(&dos);
    let mac = ctx.mac(&ctx.pad(&input).map_err(sm_err)?).map_err(sm_err)?;
    dos.extend(encode(0x8E, &mac));
    Ok(encode_command(header, &dos, true))
}

/// Terminal side: verifies and decrypts a protected response (increments the SSC first).
/// Returns the plain data and the protected status word.
pub fn terminal_unwrap(ctx: &Ctx, raw: &[u8]) -> Result<(Vec<u8>, u16), String> {
    ctx.increment_ssc().map_err(sm_err)?;
    let (data, sw) = split_response(raw)?;
    let o = sm_objects(&data)?;
    let mac = o
        .do8e
        .ok_or_else(|| format!("no DO'8E' in the response (SW {sw:04X})"))?;
    let expected = ctx
        .mac(&ctx.pad(&o.mac_input).map_err(sm_err)?)
        .map_err(sm_err)?;
    if expected != mac {
        return Err("response MAC does not verify under OpenPACE's KS_mac".into());
    }
    let sw99 = o.do99.ok_or("no DO'99'")?;
    let sw99: [u8; 2] = sw99.try_into().map_err(|_| "DO'99' is not 2 bytes")?;
    let plain = match o.do87 {
        None => Vec::new(),
        Some(v) => {
            let (pi, cryptogram) = v.split_first().ok_or("empty DO'87'")?;
            if *pi != 0x01 {
                return Err("padding indicator is not 01".into());
            }
            let padded = ctx.decrypt(cryptogram).map_err(sm_err)?;
            ctx.unpad(&padded).map_err(sm_err)?
        }
    };
    Ok((plain, u16::from_be_bytes(sw99)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_cases() {
        assert!(parse(&[0, 0x84, 0, 0, 8]).unwrap().le);
        let c = parse(&[0x10, 0x86, 0, 0, 2, 0x7C, 0, 0]).unwrap();
        assert_eq!(c.data, vec![0x7C, 0]);
        assert!(c.le);
        let c = parse(&[0, 0x22, 0xC1, 0xA4, 3, 0x83, 1, 2]).unwrap();
        assert!(!c.le);
        let ext = encode_command([0, 0x86, 0, 0], &[7u8; 300], true);
        let c = parse(&ext).unwrap();
        assert_eq!(c.data.len(), 300);
        assert!(c.le);
        assert!(parse(&[0, 0x22, 0xC1, 0xA4, 3, 0x83]).is_none());
    }
}
