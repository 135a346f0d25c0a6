//! CMS SignedData, LDSSecurityObject, master list and SecurityInfos parsing against third-party
//! encodings: OpenSSL-made SignedData (DER and `-stream` BER, see test-vectors/cms/make-cms.sh)
//! and the BSI EAC worked example's EF.CardSecurity.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::pki::cms::{SignedData, SignerIdentifier, parse_signed_data};
use monid_core::pki::ldsso::{parse_lds_security_object, parse_master_list, parse_security_infos};
use monid_core::pki::{PkiError, Timestamp, oid};
use sha2::{Digest, Sha256};

fn vec_path(name: &str) -> String {
    format!("{}/../test-vectors/cms/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn read(name: &str) -> Vec<u8> {
    std::fs::read(vec_path(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_text(name: &str) -> String {
    String::from_utf8(read(name)).unwrap()
}

/// The signingTime that `openssl cms -cmsout -print` shows ("UTCTIME:Nov 25 11:01:40 2026 GMT").
fn openssl_signing_time(print: &str) -> Timestamp {
    let mut lines = print.lines().skip_while(|l| !l.contains("signingTime"));
    let line = lines.find(|l| l.contains("TIME:")).unwrap();
    let v = line.split_once("TIME:").unwrap().1;
    let parts: Vec<&str> = v.split_whitespace().collect();
    let month = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ]
    .iter()
    .position(|m| *m == parts[0])
    .unwrap() as u32
        + 1;
    let day: u32 = parts[1].parse().unwrap();
    let hms: Vec<u32> = parts[2].split(':').map(|x| x.parse().unwrap()).collect();
    let year: i64 = parts[3].parse().unwrap();
    assert_eq!(parts[4], "GMT");
    Timestamp::from_utc(year, month, day, hms[0], hms[1], hms[2]).unwrap()
}

/// Runs `openssl dgst -sha256 -verify` over `message`; `None` when openssl is not installed.
fn openssl_verifies(pub_pem: &str, message: &[u8], signature: &[u8], tag: &str) -> Option<bool> {
    let dir = std::env::temp_dir().join(format!("monid-pki-cms-{}-{tag}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let msg = dir.join("signed_bytes.bin");
    let sig = dir.join("sig.bin");
    std::fs::write(&msg, message).unwrap();
    std::fs::write(&sig, signature).unwrap();
    let out = std::process::Command::new("openssl")
        .args([
            "dgst",
            "-sha256",
            "-verify",
            &vec_path(pub_pem),
            "-signature",
        ])
        .arg(&sig)
        .arg(&msg)
        .output();
    let _ = std::fs::remove_dir_all(&dir);
    match out {
        Ok(o) => Some(o.status.success()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => panic!("openssl: {e}"),
    }
}

struct Case {
    name: &'static str,
    input: &'static str,
    cert: &'static str,
    pub_pem: &'static str,
    econtent_type: &'static str,
}

const CASES: &[Case] = &[
    Case {
        name: "sod_rsa",
        input: "ldsso_v0.der",
        cert: "rsa_cert.der",
        pub_pem: "rsa_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
    Case {
        name: "sod_rsa_stream",
        input: "ldsso_v0.der",
        cert: "rsa_cert.der",
        pub_pem: "rsa_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
    Case {
        name: "sod_rsa_nosmimecap",
        input: "ldsso_v0.der",
        cert: "rsa_cert.der",
        pub_pem: "rsa_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
    Case {
        name: "sod_ec",
        input: "ldsso_v1.der",
        cert: "ec_cert.der",
        pub_pem: "ec_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
    Case {
        name: "sod_ec_stream",
        input: "ldsso_v1.der",
        cert: "ec_cert.der",
        pub_pem: "ec_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
    Case {
        name: "masterlist_cms",
        input: "masterlist.der",
        cert: "rsa_cert.der",
        pub_pem: "rsa_pub.pem",
        econtent_type: oid::CSCA_MASTER_LIST,
    },
    Case {
        name: "sod_ber",
        input: "ldsso_v0.der",
        cert: "rsa_cert.der",
        pub_pem: "rsa_pub.pem",
        econtent_type: oid::LDS_SECURITY_OBJECT,
    },
];

#[test]
fn openssl_signed_data_with_signed_attributes() {
    for case in CASES {
        let cms = read(&format!("{}.der", case.name));
        let sd = parse_signed_data(&cms).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        let input = read(case.input);
        assert_eq!(sd.version, 3, "{}", case.name);
        assert_eq!(sd.econtent_type, case.econtent_type, "{}", case.name);
        assert_eq!(sd.econtent, input, "{}: eContent", case.name);
        assert_eq!(sd.digest_algorithms.len(), 1);
        assert_eq!(
            sd.certificates,
            vec![read(case.cert).as_slice()],
            "{}",
            case.name
        );
        assert!(sd.crls.is_empty() && sd.notes.is_empty());
        assert_eq!(sd.signer_infos.len(), 1);
        let si = &sd.signer_infos[0];
        assert_eq!(si.signature, read(&format!("{}.sig.bin", case.name)));
        let attrs = si.signed_attrs.as_ref().unwrap();
        assert_eq!(attrs.content_type.as_deref(), Some(case.econtent_type));
        assert_eq!(
            attrs.message_digest.as_deref(),
            Some(Sha256::digest(&input).as_slice()),
            "{}: messageDigest",
            case.name
        );
        let signed = attrs.signed_bytes();
        assert_eq!(signed[0], 0x31);
        assert_eq!(attrs.raw[0], 0xA0);
        assert_eq!(signed[1..], attrs.raw[1..]);
        // The bytes `openssl dgst -verify` accepted when the vectors were made (make-cms.sh) ...
        assert_eq!(
            signed,
            read(&format!("{}.signed_attrs.bin", case.name)),
            "{}: signed bytes",
            case.name
        );
        // ... and openssl accepts the bytes signed_bytes() returns, now.
        if let Some(ok) = openssl_verifies(case.pub_pem, &signed, &si.signature, case.name) {
            assert!(ok, "{}: openssl dgst rejects signed_bytes()", case.name);
        }
        let print = read_text(&format!("{}.print.txt", case.name));
        assert_eq!(
            attrs.signing_time,
            Some(openssl_signing_time(&print)),
            "{}: signingTime",
            case.name
        );
        match (case.name, &si.sid) {
            ("sod_ber", SignerIdentifier::SubjectKeyId(ski)) => {
                assert_eq!(si.version, 3);
                // The certificate's subjectKeyIdentifier extension: 06 03 55 1D 0E 04 16 04 14 <20>.
                let cert = read(case.cert);
                let marker = [0x06, 0x03, 0x55, 0x1D, 0x0E, 0x04, 0x16, 0x04, 0x14];
                let at = cert.windows(9).position(|w| w == marker).unwrap() + 9;
                assert_eq!(*ski, &cert[at..at + 20]);
            }
            (_, SignerIdentifier::IssuerAndSerial { issuer, serial }) => {
                assert_eq!(si.version, 1);
                // Self-signed: the issuer Name and serial are in the certificate as encoded.
                let cert = read(case.cert);
                assert!(cert.windows(issuer.len()).any(|w| w == *issuer));
                assert!(cert.windows(serial.len()).any(|w| w == *serial));
            }
            (name, sid) => panic!("{name}: unexpected sid {sid:?}"),
        }
    }
}

#[test]
fn stream_ber_equals_der_content() {
    for (der, stream) in [("sod_rsa", "sod_rsa_stream"), ("sod_ec", "sod_ec_stream")] {
        let a_bytes = read(&format!("{der}.der"));
        let b_bytes = read(&format!("{stream}.der"));
        assert_ne!(a_bytes.len(), b_bytes.len());
        let a = parse_signed_data(&a_bytes).unwrap();
        let b = parse_signed_data(&b_bytes).unwrap();
        assert_eq!(a.econtent, b.econtent);
        assert_eq!(a.econtent_type, b.econtent_type);
        assert_eq!(a.certificates, b.certificates);
        let (sa, sb) = (
            a.signer_infos[0].signed_attrs.as_ref().unwrap(),
            b.signer_infos[0].signed_attrs.as_ref().unwrap(),
        );
        assert_eq!(sa.content_type, sb.content_type);
        assert_eq!(sa.message_digest, sb.message_digest);
        let oids = |s: &monid_core::pki::cms::SignedAttributes<'_>| {
            s.others.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>()
        };
        assert_eq!(oids(sa), oids(sb));
        assert_eq!(
            a.signer_infos[0].digest_algorithm,
            b.signer_infos[0].digest_algorithm
        );
    }
    // -stream really is indefinite-length BER with a segmented eContent.
    let s = read("sod_rsa_stream.der");
    assert_eq!(&s[..2], &[0x30, 0x80]);
}

#[test]
fn openssl_smime_capabilities_kept_as_unknown_attribute() {
    let cms = read("sod_rsa.der");
    let sd = parse_signed_data(&cms).unwrap();
    let attrs = sd.signer_infos[0].signed_attrs.as_ref().unwrap();
    let oids: Vec<&str> = attrs.others.iter().map(|(o, _)| o.as_str()).collect();
    assert_eq!(oids, ["1.2.840.113549.1.9.15"]);
    assert_eq!(attrs.others[0].1[0], 0x30);
    let cms = read("sod_rsa_nosmimecap.der");
    let sd = parse_signed_data(&cms).unwrap();
    assert!(
        sd.signer_infos[0]
            .signed_attrs
            .as_ref()
            .unwrap()
            .others
            .is_empty()
    );
}

#[test]
fn openssl_noattr_has_no_signed_attributes() {
    let cms = read("sod_rsa_noattr.der");
    let sd = parse_signed_data(&cms).unwrap();
    let si = &sd.signer_infos[0];
    assert!(si.signed_attrs.is_none());
    assert_eq!(si.signature, read("sod_rsa_noattr.sig.bin"));
    assert_eq!(sd.econtent, read("ldsso_v0.der"));
    // Without signed attributes the signature covers the eContent itself.
    if let Some(ok) = openssl_verifies("rsa_pub.pem", &sd.econtent, &si.signature, "noattr") {
        assert!(ok);
    }
}

#[test]
fn ber_signed_attributes_are_kept_as_encoded() {
    // Indefinite-length signed attributes: OpenSSL's own `cms -verify` re-encodes them in DER
    // and rejects the file (recorded by make-cms.sh), while the raw bytes verify.
    assert!(read_text("sod_ber.openssl-verify.txt").contains("rejects"));
    let cms = read("sod_ber.der");
    let sd = parse_signed_data(&cms).unwrap();
    let si = &sd.signer_infos[0];
    let attrs = si.signed_attrs.as_ref().unwrap();
    assert_eq!(&attrs.raw[..2], &[0xA0, 0x80]);
    assert_eq!(&attrs.raw[attrs.raw.len() - 2..], &[0, 0]);
    assert_eq!(&attrs.signed_bytes()[..2], &[0x31, 0x80]);
    assert_eq!(attrs.signing_time, Timestamp::from_utc(2025, 1, 2, 3, 4, 5));
    let ap = attrs.algorithm_protection.as_ref().unwrap();
    assert!(ap.matches(si.digest_algorithm, si.signature_algorithm));
    assert!(ap.mac_algorithm.is_none());
    // sha256 vs ecdsa-with-SHA256 in the SignerInfo: no match.
    let ecdsa = [
        0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02,
    ];
    assert!(!ap.matches(si.digest_algorithm, &ecdsa));
    // The signature algorithm has parameters NULL; absent parameters are a different encoding.
    let no_null = [
        0x30, 0x0B, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B,
    ];
    assert!(!ap.matches(si.digest_algorithm, &no_null));
}

fn sha256_named(dg: u8) -> Vec<u8> {
    // make_der.py: hash of b"monid test data group %d".
    Sha256::digest(format!("monid test data group {dg}").as_bytes()).to_vec()
}

#[test]
fn lds_security_objects_from_openssl_sods() {
    let cms = read("sod_rsa_stream.der");
    let sd = parse_signed_data(&cms).unwrap();
    let so = parse_lds_security_object(&sd.econtent).unwrap();
    assert_eq!(so.version, 0);
    assert_eq!(so.hash_algorithm_oid, oid::SHA256);
    assert_eq!(so.hash_algorithm[0], 0x30);
    assert!(so.lds_version.is_none());
    let dgs: Vec<u8> = so.hashes.iter().map(|(n, _)| *n).collect();
    assert_eq!(dgs, [1, 2, 14]);
    for dg in [1, 2, 14] {
        assert_eq!(so.hash_of(dg), Some(sha256_named(dg).as_slice()));
    }
    assert_eq!(so.hash_of(3), None);

    let cms = read("sod_ec.der");
    let sd = parse_signed_data(&cms).unwrap();
    let so = parse_lds_security_object(&sd.econtent).unwrap();
    assert_eq!(so.version, 1);
    assert_eq!(
        so.lds_version,
        Some(("0108".to_string(), "040000".to_string()))
    );
}

#[test]
fn master_list_from_openssl() {
    let cms = read("masterlist_cms.der");
    let sd = parse_signed_data(&cms).unwrap();
    assert_eq!(sd.econtent_type, oid::CSCA_MASTER_LIST);
    let certs = parse_master_list(&sd.econtent).unwrap();
    assert_eq!(certs.len(), 3);
    let mut expected: Vec<Vec<u8>> = (1..=3).map(|i| read(&format!("csca{i}.der"))).collect();
    let mut got = certs.clone();
    expected.sort();
    got.sort();
    assert_eq!(got, expected);
    // Not an LDS security object.
    assert!(parse_lds_security_object(&sd.econtent).is_err());
}

fn bsi() -> serde_json::Value {
    serde_json::from_slice(&read("bsi_ef_cardsecurity.json")).unwrap()
}

#[test]
fn bsi_worked_example_card_security() {
    let v = bsi();
    assert!(v["source"].as_str().unwrap().contains("Worked Example"));
    let expected_ecdh = [
        "0.4.0.127.0.7.2.2.2",
        "0.4.0.127.0.7.2.2.3.2.2",
        "0.4.0.127.0.7.2.2.4.2.2",
        "0.4.0.127.0.7.2.2.3.2",
        "0.4.0.127.0.7.2.2.6",
        "0.4.0.127.0.7.2.2.5.2.3",
        "0.4.0.127.0.7.2.2.5.2.3",
        "0.4.0.127.0.7.2.2.5.2",
        "0.4.0.127.0.7.2.2.1.2",
    ];
    let expected_dh = [
        "0.4.0.127.0.7.2.2.2",
        "0.4.0.127.0.7.2.2.3.1.2",
        "0.4.0.127.0.7.2.2.4.1.2",
        "0.4.0.127.0.7.2.2.3.1",
        "0.4.0.127.0.7.2.2.6",
        "0.4.0.127.0.7.2.2.5.1.3",
        "0.4.0.127.0.7.2.2.5.1.3",
        "0.4.0.127.0.7.2.2.5.1",
        "0.4.0.127.0.7.2.2.1.1",
    ];
    for (key, expected) in [
        ("ecdh_ef_cardsecurity", &expected_ecdh),
        ("dh_ef_cardsecurity", &expected_dh),
    ] {
        let bytes = hex::decode(v[key].as_str().unwrap()).unwrap();
        let sd: SignedData<'_> = parse_signed_data(&bytes).unwrap();
        assert_eq!(sd.version, 3);
        assert_eq!(sd.econtent_type, oid::SECURITY_OBJECT);
        assert_eq!(sd.certificates.len(), 1);
        assert_eq!(sd.signer_infos.len(), 1);
        let si = &sd.signer_infos[0];
        assert_eq!(si.version, 1);
        match si.sid {
            SignerIdentifier::IssuerAndSerial { serial, .. } => {
                assert_eq!(serial, [0x01, 0x63, 0x26])
            }
            _ => panic!("sid"),
        }
        // rsassaPss with SHA-256 parameters.
        assert_eq!(
            &si.signature_algorithm[4..13],
            &oid::encode(oid::RSASSA_PSS).unwrap()[..]
        );
        assert_eq!(si.signature.len(), 256);
        let attrs = si.signed_attrs.as_ref().unwrap();
        assert_eq!(attrs.content_type.as_deref(), Some(oid::SECURITY_OBJECT));
        assert_eq!(
            attrs.message_digest.as_deref(),
            Some(Sha256::digest(&sd.econtent).as_slice())
        );
        assert!(attrs.signing_time.is_none());
        assert_eq!(attrs.signed_bytes()[0], 0x31);
        let infos = parse_security_infos(&sd.econtent).unwrap();
        let oids: Vec<&str> = infos.iter().map(|(o, _)| o.as_str()).collect();
        assert_eq!(oids, *expected, "{key}");
        for (_, raw) in &infos {
            assert_eq!(raw[0], 0x30);
        }
        // The certificate's TLV is the one in the file, byte for byte.
        let cert = sd.certificates[0];
        assert!(bytes.windows(cert.len()).any(|w| w == cert));
    }
}

// ---------------------------------------------------------------------------------------------
// Negative cases.

#[test]
fn every_truncation_is_an_error() {
    let bsi_bytes = hex::decode(bsi()["ecdh_ef_cardsecurity"].as_str().unwrap()).unwrap();
    for bytes in [
        read("sod_rsa.der"),
        read("sod_rsa_stream.der"),
        read("sod_ber.der"),
        bsi_bytes,
    ] {
        for n in 0..bytes.len() {
            assert!(parse_signed_data(&bytes[..n]).is_err(), "prefix {n}");
        }
        assert!(parse_signed_data(&bytes).is_ok());
    }
}

#[test]
fn wrong_content_type_is_refused() {
    let mut bytes = read("sod_rsa.der");
    // 30 82 LL LL 06 09 2A 86 48 86 F7 0D 01 07 02: make it 1.2.840.113549.1.7.3 (envelopedData).
    assert_eq!(&bytes[4..6], &[0x06, 0x09]);
    assert_eq!(bytes[14], 0x02);
    bytes[14] = 0x03;
    assert_eq!(
        parse_signed_data(&bytes).unwrap_err(),
        PkiError::Invalid("ContentInfo is not signedData")
    );
}

#[test]
fn detached_content_is_refused() {
    let bytes = read("sod_rsa_detached.der");
    assert_eq!(
        parse_signed_data(&bytes).unwrap_err(),
        PkiError::Invalid("detached content not supported")
    );
}

#[test]
fn trailing_garbage_is_refused() {
    for name in ["sod_rsa.der", "sod_rsa_stream.der"] {
        let mut bytes = read(name);
        bytes.push(0x00);
        assert!(parse_signed_data(&bytes).is_err());
        bytes.pop();
        bytes.extend_from_slice(&[0x05, 0x00]);
        assert!(parse_signed_data(&bytes).is_err());
    }
}

/// sod_ber.der has indefinite lengths on every constructed level from the ContentInfo down to
/// the signed attributes, so elements can be inserted without fixing lengths.
fn sod_ber_signer_info_span(bytes: &[u8]) -> (usize, usize) {
    // SignerInfo: 30 80 02 01 03 80 14 (v3, subjectKeyIdentifier); it ends before the EOCs of
    // signerInfos, SignedData, [0] and ContentInfo.
    let start = bytes
        .windows(7)
        .position(|w| w == [0x30, 0x80, 0x02, 0x01, 0x03, 0x80, 0x14])
        .unwrap();
    let end = bytes.len() - 8;
    assert_eq!(&bytes[end..], &[0; 8]);
    (start, end)
}

#[test]
fn duplicate_message_digest_is_refused() {
    let bytes = read("sod_ber.der");
    let sd = parse_signed_data(&bytes).unwrap();
    let raw = sd.signer_infos[0].signed_attrs.as_ref().unwrap().raw;
    let at = bytes.windows(raw.len()).position(|w| w == raw).unwrap() + 2;
    let mut attr = vec![
        0x30, 0x2F, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x04, 0x31, 0x22,
        0x04, 0x20,
    ];
    attr.extend_from_slice(&Sha256::digest(&sd.econtent));
    let mut mutated = bytes[..at].to_vec();
    mutated.extend_from_slice(&attr);
    mutated.extend_from_slice(&bytes[at..]);
    assert_eq!(
        parse_signed_data(&mutated).unwrap_err(),
        PkiError::Invalid("duplicate messageDigest attribute")
    );
    // Also a duplicate contentType (copied from the first attribute).
    let ct = [
        0x30, 0x11, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x09, 0x03, 0x31, 0x04,
        0x06, 0x02, 0x2A, 0x03,
    ];
    let mut mutated = bytes[..at].to_vec();
    mutated.extend_from_slice(&ct);
    mutated.extend_from_slice(&bytes[at..]);
    assert_eq!(
        parse_signed_data(&mutated).unwrap_err(),
        PkiError::Invalid("duplicate contentType attribute")
    );
}

#[test]
fn signer_info_cap() {
    let bytes = read("sod_ber.der");
    let (start, end) = sod_ber_signer_info_span(&bytes);
    let build = |n: usize| {
        let mut out = bytes[..start].to_vec();
        for _ in 0..n {
            out.extend_from_slice(&bytes[start..end]);
        }
        out.extend_from_slice(&bytes[end..]);
        out
    };
    let ok = build(64);
    assert_eq!(parse_signed_data(&ok).unwrap().signer_infos.len(), 64);
    assert_eq!(
        parse_signed_data(&build(70)).unwrap_err(),
        PkiError::Invalid("too many signer infos")
    );
}

#[test]
fn mutated_inputs_never_panic() {
    let bsi_bytes = hex::decode(bsi()["ecdh_ef_cardsecurity"].as_str().unwrap()).unwrap();
    let seeds = [
        read("sod_rsa.der"),
        read("sod_rsa_stream.der"),
        read("sod_ber.der"),
        read("sod_ec.der"),
        read("masterlist_cms.der"),
        bsi_bytes,
    ];
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut parsed = 0;
    for i in 0..3000 {
        let mut m = seeds[i % seeds.len()].clone();
        for _ in 0..(1 + next() % 4) {
            let at = (next() as usize) % m.len().max(1);
            match next() % 4 {
                0 if !m.is_empty() => m[at] ^= 1 << (next() % 8),
                1 if !m.is_empty() => m[at] = next() as u8,
                2 => m.insert(at.min(m.len()), next() as u8),
                _ if !m.is_empty() => {
                    m.remove(at);
                }
                _ => {}
            }
        }
        if let Ok(sd) = parse_signed_data(&m) {
            parsed += 1;
            let _ = parse_lds_security_object(&sd.econtent);
            let _ = parse_master_list(&sd.econtent);
            let _ = parse_security_infos(&sd.econtent);
            for si in &sd.signer_infos {
                if let Some(a) = &si.signed_attrs {
                    assert_eq!(a.signed_bytes().len(), a.raw.len());
                }
            }
        }
        let _ = parse_lds_security_object(&m);
        let _ = parse_security_infos(&m);
    }
    // Mutations inside the signature or certificate bytes still parse.
    assert!(parsed > 0);
}
