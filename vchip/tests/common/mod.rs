//! A small test-only terminal (BAC, PACE ECDH-GM on brainpoolP256r1 / P-256, Chip
//! Authentication, 3DES and AES secure messaging) written directly on RustCrypto, NOT on
//! monid-core's bac/pace/sm modules, to drive the virtual chip from the tests.
#![allow(dead_code)]

pub mod pace;

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use monid_core::Transport;
use monid_vchip::VirtualChip;
use retail_mac::{KeyInit, Mac, RetailMac};
use sha1::{Digest, Sha1};

pub fn pad(d: &[u8]) -> Vec<u8> {
    let mut v = d.to_vec();
    v.push(0x80);
    while !v.len().is_multiple_of(8) {
        v.push(0);
    }
    v
}

pub fn unpad(d: &[u8]) -> Vec<u8> {
    let p = d.iter().rposition(|&b| b == 0x80).unwrap();
    d[..p].to_vec()
}

pub fn enc(key: &[u8], d: &[u8]) -> Vec<u8> {
    let mut e = cbc::Encryptor::<des::TdesEde2>::new_from_slices(key, &[0; 8]).unwrap();
    let mut v = d.to_vec();
    for c in v.chunks_exact_mut(8) {
        e.encrypt_block(c.try_into().unwrap());
    }
    v
}

pub fn dec(key: &[u8], d: &[u8]) -> Vec<u8> {
    let mut e = cbc::Decryptor::<des::TdesEde2>::new_from_slices(key, &[0; 8]).unwrap();
    let mut v = d.to_vec();
    for c in v.chunks_exact_mut(8) {
        e.decrypt_block(c.try_into().unwrap());
    }
    v
}

pub fn mac(key: &[u8], d: &[u8]) -> Vec<u8> {
    let mut m = RetailMac::<des::Des>::new_from_slice(key).unwrap();
    m.update(d);
    m.finalize().into_bytes().to_vec()
}

pub fn kdf(seed: &[u8], c: u32) -> Vec<u8> {
    let mut h = Sha1::new();
    h.update(seed);
    h.update(c.to_be_bytes());
    let mut k = h.finalize()[..16].to_vec();
    for b in k.iter_mut() {
        let ones = (*b & 0xFE).count_ones();
        *b = (*b & 0xFE) | u8::from(ones % 2 == 0);
    }
    k
}

pub fn tlv(tag: &[u8], v: &[u8]) -> Vec<u8> {
    let mut o = tag.to_vec();
    let n = v.len();
    if n < 0x80 {
        o.push(n as u8);
    } else if n < 0x100 {
        o.extend([0x81, n as u8]);
    } else {
        o.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    o.extend_from_slice(v);
    o
}

/// Reads a TLV at the start of `d`: (tag, value, total length). Tags of 1 or 2 bytes.
pub fn read_tlv(d: &[u8]) -> (u32, &[u8], usize) {
    let (tag, mut i) = if d[0] & 0x1F == 0x1F {
        ((u32::from(d[0]) << 8) | u32::from(d[1]), 2)
    } else {
        (u32::from(d[0]), 1)
    };
    let (len, l) = match d[i] {
        n if n < 0x80 => (n as usize, 1),
        0x81 => (d[i + 1] as usize, 2),
        0x82 => (((d[i + 1] as usize) << 8) | d[i + 2] as usize, 3),
        0x83 => (
            ((d[i + 1] as usize) << 16) | ((d[i + 2] as usize) << 8) | d[i + 3] as usize,
            4,
        ),
        _ => panic!("bad length"),
    };
    i += l;
    (tag, &d[i..i + len], i + len)
}

pub fn split(r: &[u8]) -> (Vec<u8>, u16) {
    assert!(r.len() >= 2, "response shorter than a SW");
    let n = r.len() - 2;
    (r[..n].to_vec(), u16::from_be_bytes([r[n], r[n + 1]]))
}

pub fn send(chip: &mut VirtualChip, apdu: &[u8]) -> (Vec<u8>, u16) {
    split(&chip.transceive(apdu).unwrap())
}

/// An SM session, terminal side (3DES after BAC, AES after PACE / CA).
pub struct Terminal {
    pub ks_enc: Vec<u8>,
    pub ks_mac: Vec<u8>,
    pub ssc: u128,
    pub aes: bool,
}

/// BAC against the chip with the profile's MRZ information and fixed terminal nonces.
pub fn bac(chip: &mut VirtualChip) -> Terminal {
    let info = chip.profile().mrz_information();
    let seed = &Sha1::digest(info.as_bytes())[..16];
    let (k_enc, k_mac) = (kdf(seed, 1), kdf(seed, 2));
    let (rnd_ic, sw) = send(chip, &[0x00, 0x84, 0x00, 0x00, 0x08]);
    assert_eq!(sw, 0x9000);
    let rnd_ifd = [0x11u8, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88];
    let k_ifd = [0x5Au8; 16];
    let mut s = rnd_ifd.to_vec();
    s.extend_from_slice(&rnd_ic);
    s.extend_from_slice(&k_ifd);
    let e_ifd = enc(&k_enc, &s);
    let m_ifd = mac(&k_mac, &pad(&e_ifd));
    let mut cmd = vec![0x00, 0x82, 0x00, 0x00, 0x28];
    cmd.extend_from_slice(&e_ifd);
    cmd.extend_from_slice(&m_ifd);
    cmd.push(0x28);
    let (resp, sw) = send(chip, &cmd);
    assert_eq!(sw, 0x9000);
    assert_eq!(mac(&k_mac, &pad(&resp[..32])), resp[32..40].to_vec());
    let r = dec(&k_enc, &resp[..32]);
    assert_eq!(&r[..8], rnd_ic.as_slice());
    assert_eq!(&r[8..16], rnd_ifd.as_slice());
    let seed: Vec<u8> = k_ifd.iter().zip(&r[16..32]).map(|(a, b)| a ^ b).collect();
    let mut ssc = [0u8; 8];
    ssc[..4].copy_from_slice(&rnd_ic[4..8]);
    ssc[4..].copy_from_slice(&rnd_ifd[4..8]);
    Terminal {
        ks_enc: kdf(&seed, 1),
        ks_mac: kdf(&seed, 2),
        ssc: u128::from(u64::from_be_bytes(ssc)),
        aes: false,
    }
}

impl Terminal {
    fn ssc_bytes(&self) -> Vec<u8> {
        if self.aes {
            self.ssc.to_be_bytes().to_vec()
        } else {
            (self.ssc as u64).to_be_bytes().to_vec()
        }
    }

    fn pad(&self, d: &[u8]) -> Vec<u8> {
        if self.aes { pace::pad16(d) } else { pad(d) }
    }

    fn enc(&self, d: &[u8]) -> Vec<u8> {
        if self.aes {
            let iv = pace::aes_cbc(&self.ks_enc, &[0; 16], &self.ssc.to_be_bytes());
            pace::aes_cbc(&self.ks_enc, &iv.try_into().unwrap(), d)
        } else {
            enc(&self.ks_enc, d)
        }
    }

    fn dec(&self, d: &[u8]) -> Vec<u8> {
        if self.aes {
            let iv = pace::aes_cbc(&self.ks_enc, &[0; 16], &self.ssc.to_be_bytes());
            pace::aes_cbc_dec(&self.ks_enc, &iv.try_into().unwrap(), d)
        } else {
            dec(&self.ks_enc, d)
        }
    }

    fn mac(&self, padded: &[u8]) -> Vec<u8> {
        if self.aes {
            pace::cmac8(&self.ks_mac, padded)
        } else {
            mac(&self.ks_mac, padded)
        }
    }

    /// Protects a command (CLA 00 -> 0C). Uses the extended form when `ne > 256` or data is long.
    pub fn wrap(&mut self, ins: u8, p1: u8, p2: u8, data: &[u8], ne: Option<usize>) -> Vec<u8> {
        self.ssc += 1;
        let header = [0x0C, ins, p1, p2];
        let mut objs = Vec::new();
        if !data.is_empty() {
            let c = self.enc(&self.pad(data));
            if ins & 1 == 1 {
                objs.extend(tlv(&[0x85], &c));
            } else {
                let mut v = vec![0x01];
                v.extend(c);
                objs.extend(tlv(&[0x87], &v));
            }
        }
        let extended = ne.is_some_and(|n| n > 256);
        if let Some(n) = ne {
            if extended {
                let le = if n == 65536 { 0 } else { n as u16 };
                objs.extend(tlv(&[0x97], &le.to_be_bytes()));
            } else {
                objs.extend(tlv(&[0x97], &[if n == 256 { 0 } else { n as u8 }]));
            }
        }
        let mut n = self.ssc_bytes();
        n.extend(self.pad(&header));
        n.extend_from_slice(&objs);
        let m = self.mac(&self.pad(&n));
        objs.extend(tlv(&[0x8E], &m));
        let mut out = header.to_vec();
        if extended || objs.len() > 255 {
            out.push(0);
            out.extend((objs.len() as u16).to_be_bytes());
            out.extend(objs);
            out.extend([0, 0]);
        } else {
            out.push(objs.len() as u8);
            out.extend(objs);
            out.push(0);
        }
        out
    }

    /// Verifies and decrypts a protected response: (plain data, SW from DO'99').
    pub fn unwrap(&mut self, raw: &[u8]) -> (Vec<u8>, u16) {
        self.ssc += 1;
        let (body, sw) = split(raw);
        let mut i = 0;
        let mut covered = Vec::new();
        let mut data = Vec::new();
        let mut sw99 = None;
        let mut got_mac = None;
        while i < body.len() {
            let (tag, v, n) = read_tlv(&body[i..]);
            match tag {
                0x87 => {
                    assert_eq!(v[0], 1);
                    data = unpad(&self.dec(&v[1..]));
                    covered.extend_from_slice(&body[i..i + n]);
                }
                0x85 => {
                    data = unpad(&self.dec(v));
                    covered.extend_from_slice(&body[i..i + n]);
                }
                0x99 => {
                    sw99 = Some(u16::from_be_bytes([v[0], v[1]]));
                    covered.extend_from_slice(&body[i..i + n]);
                }
                0x8E => got_mac = Some(v.to_vec()),
                t => panic!("unexpected SM object {t:X}"),
            }
            i += n;
        }
        let mut n = self.ssc_bytes();
        n.extend(covered);
        assert_eq!(Some(self.mac(&self.pad(&n))), got_mac, "response MAC");
        let sw99 = sw99.expect("DO'99'");
        assert_eq!(sw99, sw, "outer SW equals DO'99'");
        (data, sw99)
    }

    pub fn send(
        &mut self,
        chip: &mut VirtualChip,
        ins: u8,
        p1: u8,
        p2: u8,
        data: &[u8],
        ne: Option<usize>,
    ) -> (Vec<u8>, u16) {
        let cmd = self.wrap(ins, p1, p2, data, ne);
        let raw = chip.transceive(&cmd).unwrap();
        self.unwrap(&raw)
    }

    /// Selects `fid` and reads it whole with B0 (offsets <= 32767) then B1, `chunk` bytes a time.
    pub fn read_file(&mut self, chip: &mut VirtualChip, fid: u16, chunk: usize) -> Vec<u8> {
        let (_, sw) = self.send(chip, 0xA4, 0x02, 0x0C, &fid.to_be_bytes(), None);
        assert_eq!(sw, 0x9000, "select {fid:04X}");
        let (head, sw) = self.send(chip, 0xB0, 0, 0, &[], Some(4));
        assert_eq!(sw, 0x9000);
        let total = file_len_from_header(&head);
        let mut out = Vec::new();
        while out.len() < total {
            let off = out.len();
            let want = chunk.min(total - off);
            if off <= 0x7FFF {
                let (d, sw) = self.send(chip, 0xB0, (off >> 8) as u8, off as u8, &[], Some(want));
                assert!(sw == 0x9000 || sw == 0x6282, "read sw {sw:04X}");
                assert!(!d.is_empty());
                out.extend(d);
            } else {
                let mut o = (off as u32).to_be_bytes().to_vec();
                while o.len() > 1 && o[0] == 0 {
                    o.remove(0);
                }
                let ne = (want + 4).min(65536);
                let (d, sw) = self.send(chip, 0xB1, 0, 0, &tlv(&[0x54], &o), Some(ne));
                assert!(sw == 0x9000 || sw == 0x6282, "read B1 sw {sw:04X}");
                let (tag, v, _) = read_tlv(&d);
                assert_eq!(tag, 0x53);
                assert!(!v.is_empty());
                out.extend_from_slice(v);
            }
        }
        out
    }
}

/// Total length of a file from its first 4 bytes (1-byte tag, BER length).
pub fn file_len_from_header(h: &[u8]) -> usize {
    match h[1] {
        n if n < 0x80 => 2 + n as usize,
        0x81 => 3 + h[2] as usize,
        0x82 => 4 + (((h[2] as usize) << 8) | h[3] as usize),
        _ => panic!("unexpected length form"),
    }
}
