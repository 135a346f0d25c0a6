//! The passport and CNIE profiles serve an EF.SOD signed by the test PKI of `test-vectors/pki/`
//! (made with Debian's `openssl`, see its SOURCE.md): its eContent is the profile's
//! LDSSecurityObject, its DG hashes are SHA-256 over the DGs the chip serves, and the DGs have
//! not drifted from the files the script signed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use monid_vchip::{AID_EMRTD, FID_SOD, Profile, VirtualChip, fid_dg};
use sha2::{Digest, Sha256};

const PKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/pki");

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(format!("{PKI}/{rel}")).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// (tag, content, total length) of the definite-length DER element at the start of `d`.
fn der(d: &[u8]) -> (u8, &[u8], usize) {
    let tag = d[0];
    let (len, hdr) = match d[1] {
        n if n < 0x80 => (n as usize, 2),
        n => {
            let k = (n & 0x7F) as usize;
            assert!(k > 0 && k <= 3, "length form");
            let len = d[2..2 + k].iter().fold(0usize, |a, &b| a << 8 | b as usize);
            (len, 2 + k)
        }
    };
    (tag, &d[hdr..hdr + len], hdr + len)
}

fn children(mut d: &[u8]) -> Vec<(u8, &[u8])> {
    let mut out = Vec::new();
    while !d.is_empty() {
        let (t, c, n) = der(d);
        out.push((t, c));
        d = &d[n..];
    }
    out
}

/// The eContent and the number of SignerInfos of an EF.SOD (77 { ContentInfo }).
fn econtent(sod: &[u8]) -> (Vec<u8>, usize) {
    let (t, ci, n) = der(sod);
    assert_eq!((t, n), (0x77, sod.len()), "EF.SOD is one 77 TLV");
    let ci = children(der(ci).1);
    assert_eq!(
        ci[0],
        (
            0x06,
            &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x07, 0x02][..]
        )
    );
    let sd = children(der(ci[1].1).1);
    assert_eq!(sd[0], (0x02, &[3u8][..]), "SignedData version 3");
    let encap = children(sd[2].1);
    assert_eq!(encap[0], (0x06, &[0x67, 0x81, 0x08, 0x01, 0x01, 0x01][..]));
    let (t, octets, _) = der(encap[1].1);
    assert_eq!(t, 0x04);
    let (t, sis) = *sd.last().unwrap();
    assert_eq!(t, 0x31);
    (octets.to_vec(), children(sis).len())
}

/// (DG number, hash) pairs of a SHA-256 LDSSecurityObject.
fn dg_hashes(lds_so: &[u8]) -> Vec<(u8, Vec<u8>)> {
    let so = children(der(lds_so).1);
    assert_eq!(so[0], (0x02, &[0u8][..]), "LDSSecurityObject v0");
    let alg = children(so[1].1);
    assert_eq!(
        alg[0],
        (
            0x06,
            &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01][..]
        ),
        "SHA-256"
    );
    children(so[2].1)
        .into_iter()
        .map(|(_, h)| {
            let kids = children(h);
            (kids[0].1[0], kids[1].1.to_vec())
        })
        .collect()
}

fn select_app(chip: &mut VirtualChip) {
    let mut apdu = vec![0x00, 0xA4, 0x04, 0x0C, 0x07];
    apdu.extend_from_slice(&AID_EMRTD);
    let (_, sw) = common::send(chip, &apdu);
    assert_eq!(sw, 0x9000);
}

fn profiles() -> [(&'static str, Profile, &'static str); 3] {
    [
        ("passport_td3", Profile::passport_td3(), "dsc-rsa"),
        ("cnie_td1", Profile::cnie_td1(), "dsc-bp256x"),
        ("cnie_td1_mar", Profile::cnie_td1_mar(), "dsc-ma"),
    ]
}

#[test]
fn the_sod_hashes_are_the_hashes_of_the_served_dgs() {
    for (name, p, dsc) in profiles() {
        let sod = p.file(FID_SOD).unwrap();
        let (content, signers) = econtent(sod);
        assert_eq!(signers, 1, "{name}: EF.SOD is signed");
        assert_eq!(content, p.lds_security_object(), "{name}: eContent");
        let hashes = dg_hashes(&content);
        let listed: Vec<u8> = hashes.iter().map(|(n, _)| *n).collect();
        assert_eq!(listed, p.data_groups(), "{name}: every DG is hashed");
        for (n, h) in hashes {
            let dg = p.file(fid_dg(n)).unwrap();
            assert_eq!(Sha256::digest(dg).as_slice(), h.as_slice(), "{name}: DG{n}");
        }
        // The SignedData carries the signer's certificate, byte for byte.
        let cert = read(&format!("certs/{dsc}.der"));
        assert!(
            sod.windows(cert.len()).any(|w| w == cert.as_slice()),
            "{name}: signed by {dsc}"
        );
        // The chip serves the committed file.
        assert_eq!(sod, read(&format!("sod/{name}.{dsc}.sod")), "{name}");
    }
}

/// Fails when a profile's DGs change without re-running `test-vectors/pki/make-pki.sh`
/// (which re-exports the DGs and re-signs the SODs).
#[test]
fn the_dgs_have_not_drifted_from_the_signed_export() {
    for (name, p, _) in profiles() {
        let listed = String::from_utf8(read(&format!("data/{name}/dg_hashes.txt"))).unwrap();
        let mut committed = Vec::new();
        for line in listed.lines() {
            let (n, hex) = line.split_once(' ').unwrap();
            committed.push((n.parse::<u8>().unwrap(), hex.to_owned()));
        }
        let now: Vec<(u8, String)> = p
            .data_groups()
            .into_iter()
            .map(|n| (n, hex::encode(Sha256::digest(p.file(fid_dg(n)).unwrap()))))
            .collect();
        assert_eq!(
            now, committed,
            "{name}: the profile's DGs drifted from test-vectors/pki/data; re-run make-pki.sh"
        );
        for n in p.data_groups() {
            assert_eq!(
                p.file(fid_dg(n)).unwrap(),
                read(&format!("data/{name}/dg{n}.bin")),
                "{name}: DG{n}"
            );
        }
        assert_eq!(
            p.lds_security_object(),
            read(&format!("data/{name}/lds_security_object.der")),
            "{name}"
        );
    }
}

#[test]
fn with_sod_swaps_in_another_flavour_and_the_chip_serves_it() {
    for flavour in [
        "passport_td3.dsc-rsa.stream",
        "passport_td3.dsc-pss",
        "passport_td3.dsc-rsa.bad-signature",
        "passport_td3.dsc-rsa.garbage",
    ] {
        let bytes = read(&format!("sod/{flavour}.sod"));
        let p = Profile::passport_td3().with_sod(bytes.clone());
        assert_eq!(p.file(FID_SOD).unwrap(), bytes.as_slice(), "{flavour}");
        let mut chip = VirtualChip::new(p);
        select_app(&mut chip);
        let mut term = common::bac(&mut chip);
        let served = term.read_file(&mut chip, FID_SOD, 0xDF);
        assert_eq!(served, bytes, "{flavour} over BAC");
    }
    let truncated = read("sod/passport_td3.dsc-rsa.truncated.sod");
    let p = Profile::passport_td3().with_sod(truncated.clone());
    assert_eq!(p.file(FID_SOD).unwrap(), truncated.as_slice());
    // The default SOD is served over BAC too.
    let p = Profile::cnie_td1_bac();
    let want = p.file(FID_SOD).unwrap().to_vec();
    let mut chip = VirtualChip::new(p);
    select_app(&mut chip);
    let mut term = common::bac(&mut chip);
    assert_eq!(term.read_file(&mut chip, FID_SOD, 0xDF), want);
}

#[test]
fn the_stream_flavour_is_indefinite_length_ber() {
    let sod = read("sod/passport_td3.dsc-rsa.stream.sod");
    // 77 then ContentInfo SEQUENCE with length 80 (indefinite).
    let (t, ci, _) = der(&sod);
    assert_eq!(t, 0x77);
    assert_eq!(&ci[..2], &[0x30, 0x80]);
}
