//! PACE DH arithmetic against published values: ICAO 9303-11 Appendix G.2 (Generic Mapping),
//! Appendix H.2 (Integrated Mapping), and the BSI EAC worked example's DH case (PACE and Chip
//! Authentication). The vectors are read from `test-vectors/pace-dh/dh_vectors.json`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use monid_core::crypto::SmCipher;
use monid_core::pace::dh::{DhError, DhGroup};
use monid_core::rand::FixedRandom;
use serde_json::Value;

fn load() -> Value {
    let path = format!(
        "{}/../test-vectors/pace-dh/dh_vectors.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let v: Value = serde_json::from_str(&text).unwrap();
    assert!(v["source"].as_str().is_some_and(|s| !s.is_empty()));
    v
}

fn hx(v: &Value) -> Vec<u8> {
    hex::decode(v.as_str().unwrap()).unwrap()
}

/// Left-pads to `len` bytes (published public values sometimes drop or add a leading zero).
fn pad(v: &[u8], len: usize) -> Vec<u8> {
    let v = {
        let mut s = v;
        while s.len() > len && s[0] == 0 {
            s = &s[1..];
        }
        s
    };
    let mut out = vec![0u8; len - v.len()];
    out.extend_from_slice(v);
    out
}

#[test]
fn standardized_groups_match_rfc5114() {
    let v = load();
    for id in 0u8..=2 {
        let g = DhGroup::standardized(id).unwrap();
        let want = &v["rfc5114_by_standardized_id"][id.to_string()];
        assert_eq!(g.modulus(), hx(&want["p"]), "p of id {id}");
        assert_eq!(
            g.generator(),
            pad(&hx(&want["g"]), g.byte_len()),
            "g of id {id}"
        );
        assert_eq!(g.order(), hx(&want["q"]), "q of id {id}");
        assert_eq!(g.standardized_id(), Some(id));
        // Each generator is in its subgroup; explicit construction accepts the same values.
        g.validate_public(&g.generator()).unwrap();
        let e = DhGroup::from_be_bytes(&hx(&want["p"]), &hx(&want["g"]), &hx(&want["q"])).unwrap();
        assert_eq!(e.generator(), g.generator());
        assert_eq!(e.standardized_id(), None);
    }
    assert_eq!(DhGroup::standardized(0).unwrap().byte_len(), 128);
    assert_eq!(DhGroup::standardized(1).unwrap().order_bits(), 224);
    assert_eq!(DhGroup::standardized(2).unwrap().byte_len(), 256);
    assert!(DhGroup::standardized(3).is_none());
    assert!(DhGroup::standardized(12).is_none());
}

#[test]
fn icao_appendix_g2_generic_mapping() {
    let v = load();
    let c = &v["icao_g2"];
    let group = DhGroup::standardized(0).unwrap();
    // Mapping key pairs (both sides).
    let x_map = group
        .private_key_from_be_bytes(&hx(&c["map_x_pcd"]))
        .unwrap();
    assert_eq!(group.public_key(&x_map), hx(&c["map_X_pcd"]));
    let y_map = group
        .private_key_from_be_bytes(&hx(&c["map_y_picc"]))
        .unwrap();
    assert_eq!(group.public_key(&y_map), hx(&c["map_Y_picc"]));
    // H from both sides.
    let h = group.shared_secret(&x_map, &hx(&c["map_Y_picc"])).unwrap();
    assert_eq!(&h[..], &hx(&c["H_shared"])[..]);
    let h2 = group.shared_secret(&y_map, &hx(&c["map_X_pcd"])).unwrap();
    assert_eq!(h, h2);
    // Mapped generator.
    let s = hx(&c["nonce_s"]);
    let mapped = group
        .map_generic(&s, &x_map, &hx(&c["map_Y_picc"]))
        .unwrap();
    assert_eq!(mapped.generator(), hx(&c["mapped_g"]));
    let mapped2 = group.map_generic_with_h(&s, &h).unwrap();
    assert_eq!(mapped2.generator(), hx(&c["mapped_g"]));
    assert_eq!(mapped.modulus(), group.modulus());
    // Ephemeral key agreement on the mapped generator.
    let x = mapped
        .private_key_from_be_bytes(&hx(&c["eph_x_pcd"]))
        .unwrap();
    assert_eq!(mapped.public_key(&x), hx(&c["eph_X_pcd"]));
    let y = mapped
        .private_key_from_be_bytes(&hx(&c["eph_y_picc"]))
        .unwrap();
    assert_eq!(mapped.public_key(&y), hx(&c["eph_Y_picc"]));
    let k = mapped.shared_secret(&x, &hx(&c["eph_Y_picc"])).unwrap();
    assert_eq!(&k[..], &hx(&c["shared_secret_K"])[..]);
    let k2 = mapped.shared_secret(&y, &hx(&c["eph_X_pcd"])).unwrap();
    assert_eq!(k, k2);
}

#[test]
fn icao_appendix_h2_integrated_mapping() {
    let v = load();
    let c = &v["icao_h2"];
    let group = DhGroup::standardized(0).unwrap();
    let s = hx(&c["nonce_s"]);
    let t = hx(&c["terminal_nonce_t"]);
    let r = group
        .integrated_mapping_prf_bytes(&s, &t, SmCipher::Aes128)
        .unwrap();
    assert_eq!(&r[..], &hx(&c["R_s_t_mod_p"])[..]);
    let mapped = group.map_integrated(&s, &t, SmCipher::Aes128).unwrap();
    assert_eq!(mapped.generator(), hx(&c["mapped_g"]));
    let x = mapped
        .private_key_from_be_bytes(&hx(&c["eph_x_pcd"]))
        .unwrap();
    assert_eq!(mapped.public_key(&x), hx(&c["eph_X_pcd"]));
    let k = mapped.shared_secret(&x, &hx(&c["eph_Y_picc"])).unwrap();
    assert_eq!(&k[..], &hx(&c["shared_secret_K"])[..]);
    // Unverified cipher variants are refused, not guessed.
    for cipher in [SmCipher::Des3, SmCipher::Aes192, SmCipher::Aes256] {
        assert!(matches!(
            group.map_integrated(&s, &t, cipher),
            Err(DhError::Unsupported(_))
        ));
    }
    assert_eq!(
        group.map_integrated(&s[..15], &t, SmCipher::Aes128).err(),
        Some(DhError::BadLength)
    );
}

#[test]
fn bsi_worked_example_dh_pace_and_chip_authentication() {
    let v = load();
    let c = &v["bsi_dh"];
    assert_eq!(c["params"]["standardized_domain_parameter"], 0);
    let group = DhGroup::standardized(0).unwrap();
    let len = group.byte_len();
    // The BSI example uses 1024-bit exponents (not reduced mod q).
    let map_pcd = group
        .private_key_from_be_bytes(&hx(&c["map_pcd_priv_key"]))
        .unwrap();
    assert_eq!(group.public_key(&map_pcd), hx(&c["map_pcd_pub_key"]));
    let map_picc = group
        .private_key_from_be_bytes(&hx(&c["map_picc_priv_key"]))
        .unwrap();
    assert_eq!(group.public_key(&map_picc), hx(&c["map_picc_pub_key"]));
    let h = group
        .shared_secret(&map_pcd, &hx(&c["map_picc_pub_key"]))
        .unwrap();
    assert_eq!(&h[..], &hx(&c["map_shared_secret_h"])[..]);
    let mapped = group
        .map_generic(&hx(&c["nonce"]), &map_pcd, &hx(&c["map_picc_pub_key"]))
        .unwrap();
    assert_eq!(mapped.generator(), hx(&c["map_generator"]));
    let pcd = mapped
        .private_key_from_be_bytes(&hx(&c["pcd_priv_key"]))
        .unwrap();
    // pcd_pub_key is published with a leading 00 (129 bytes).
    assert_eq!(mapped.public_key(&pcd), pad(&hx(&c["pcd_pub_key"]), len));
    let picc = mapped
        .private_key_from_be_bytes(&hx(&c["picc_priv_key"]))
        .unwrap();
    assert_eq!(mapped.public_key(&picc), hx(&c["picc_pub_key"]));
    let k = mapped.shared_secret(&pcd, &hx(&c["picc_pub_key"])).unwrap();
    assert_eq!(&k[..], &hx(&c["shared_secret_k"])[..]);
    // The leading-zero form of the terminal's key is accepted by the chip side.
    let k2 = mapped.shared_secret(&picc, &hx(&c["pcd_pub_key"])).unwrap();
    assert_eq!(k, k2);

    // Chip Authentication (DH, static chip key on the original generator).
    let ca_picc = group
        .private_key_from_be_bytes(&hx(&c["ca_picc_priv_key"]))
        .unwrap();
    assert_eq!(group.public_key(&ca_picc), hx(&c["ca_picc_pub_key"]));
    let ca_pcd = group
        .private_key_from_be_bytes(&hx(&c["ca_pcd_priv_key"]))
        .unwrap();
    assert_eq!(group.public_key(&ca_pcd), hx(&c["ca_pcd_pub_key"]));
    let kca = group
        .shared_secret(&ca_pcd, &hx(&c["ca_picc_pub_key"]))
        .unwrap();
    assert_eq!(&kca[..], &hx(&c["ca_shared_secret_k"])[..]);
    let kca2 = group
        .shared_secret(&ca_picc, &hx(&c["ca_pcd_pub_key"]))
        .unwrap();
    assert_eq!(kca, kca2);
}

#[test]
fn peer_key_validation() {
    for id in 0u8..=2 {
        let group = DhGroup::standardized(id).unwrap();
        let len = group.byte_len();
        let p = group.modulus();
        let mut p_minus_1 = p.clone();
        *p_minus_1.last_mut().unwrap() -= 1; // p is odd
        let mut p_plus_1 = p.clone();
        *p_plus_1.last_mut().unwrap() += 1; // p ends in an odd byte < 0xFF here
        let x = group
            .generate_keypair(&mut FixedRandom::new(vec![0x42; 64]))
            .unwrap()
            .private;
        let cases: Vec<(Vec<u8>, DhError)> = vec![
            (vec![], DhError::BadLength),
            (vec![0; len], DhError::OutOfRange),
            (vec![0], DhError::OutOfRange),
            (vec![1], DhError::OutOfRange),
            (pad(&[1], len), DhError::OutOfRange),
            (p_minus_1.clone(), DhError::OutOfRange),
            (p.clone(), DhError::OutOfRange),
            (p_plus_1, DhError::OutOfRange),
            (vec![0xFF; len], DhError::OutOfRange),
            (vec![0xFF; len + 1], DhError::BadLength),
            (vec![0x01; 4096], DhError::BadLength),
            // 2 is almost never in the order-q subgroup of these groups.
            (vec![2], DhError::NotInSubgroup),
            (pad(&[3], len), DhError::NotInSubgroup),
            // p-2: of order 2q? No: -2 is a generator of a larger subgroup.
            (
                {
                    let mut v = p_minus_1.clone();
                    *v.last_mut().unwrap() -= 1;
                    v
                },
                DhError::NotInSubgroup,
            ),
        ];
        for (y, want) in cases {
            assert_eq!(
                group.validate_public(&y),
                Err(want),
                "id {id}, len {}",
                y.len()
            );
            assert_eq!(group.shared_secret(&x, &y).err(), Some(want));
            assert!(group.map_generic(&[1; 16], &x, &y).is_err());
        }
        // Leading zeros on a valid key are fine.
        let mut g_padded = vec![0, 0];
        g_padded.extend_from_slice(&group.generator());
        group.validate_public(&g_padded).unwrap();
    }
}

#[test]
fn key_generation_range_and_errors() {
    let group = DhGroup::standardized(0).unwrap();
    // q = F518...: an all-FF candidate (>= q) and an all-zero candidate are rejected, then 0x42..
    // is accepted.
    let mut bytes = vec![0xFF; 20];
    bytes.extend_from_slice(&[0; 20]);
    bytes.extend_from_slice(&[0x42; 20]);
    let kp = group
        .generate_keypair(&mut FixedRandom::new(bytes))
        .unwrap();
    let direct = group.private_key_from_be_bytes(&[0x42; 20]).unwrap();
    assert_eq!(kp.public, group.public_key(&direct));
    assert_eq!(kp.public.len(), 128);
    group.validate_public(&kp.public).unwrap();
    // Exhausted random source: typed error, no panic.
    assert_eq!(
        group
            .generate_keypair(&mut FixedRandom::new(vec![0xFF; 40]))
            .err(),
        Some(DhError::Random)
    );
    // Debug never shows the key.
    let dbg = format!("{:?}", kp);
    assert!(dbg.contains("redacted"));
    assert!(!dbg.contains("4242"));
    // Private keys: zero, empty, too long.
    assert_eq!(
        group.private_key_from_be_bytes(&[]).err(),
        Some(DhError::BadPrivateKey)
    );
    assert_eq!(
        group.private_key_from_be_bytes(&[0; 8]).err(),
        Some(DhError::BadPrivateKey)
    );
    assert_eq!(
        group.private_key_from_be_bytes(&[1; 129]).err(),
        Some(DhError::BadPrivateKey)
    );
    // System randomness: two runs agree on the shared secret.
    let mut rng = monid_core::rand::SystemRandom;
    for id in 0u8..=2 {
        let g = DhGroup::standardized(id).unwrap();
        let a = g.generate_keypair(&mut rng).unwrap();
        let b = g.generate_keypair(&mut rng).unwrap();
        let k1 = g.shared_secret(&a.private, &b.public).unwrap();
        let k2 = g.shared_secret(&b.private, &a.public).unwrap();
        assert_eq!(k1, k2);
        assert_eq!(k1.len(), g.byte_len());
    }
}

#[test]
fn bad_explicit_parameters() {
    let g0 = DhGroup::standardized(0).unwrap();
    let (p, g, q) = (g0.modulus(), g0.generator(), g0.order());
    let mut even = p.clone();
    *even.last_mut().unwrap() &= 0xFE;
    assert!(matches!(
        DhGroup::from_be_bytes(&even, &g, &q),
        Err(DhError::BadParameters(_))
    ));
    assert!(DhGroup::from_be_bytes(&p, &[2], &q).is_err());
    assert!(DhGroup::from_be_bytes(&p, &g, &p).is_err());
    assert!(DhGroup::from_be_bytes(&[], &g, &q).is_err());
    assert!(DhGroup::from_be_bytes(&p, &[], &q).is_err());
    assert!(DhGroup::from_be_bytes(&p, &g, &[]).is_err());
    assert!(DhGroup::from_be_bytes(&vec![0xFF; 2000], &g, &q).is_err());
    // Mapping: empty / oversized nonce.
    assert!(g0.map_generic_with_h(&[], &g).is_err());
    assert!(g0.map_generic_with_h(&[1; 200], &g).is_err());
}

/// Random peer values, nonces and private keys of every length up to p's plus a few: values or
/// typed errors, never a panic.
#[test]
fn random_inputs_never_panic() {
    let group = DhGroup::standardized(0).unwrap();
    let x = group.private_key_from_be_bytes(&[0x33; 20]).unwrap();
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let g = group.generator();
    for round in 0..300usize {
        let len = (next() as usize) % 140;
        let mut y: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if round % 3 == 0 && !g.is_empty() {
            // Near-valid: the generator with one byte changed.
            y = g.clone();
            let i = (next() as usize) % y.len();
            y[i] ^= 1 << (next() % 8);
        }
        let _ = group.validate_public(&y);
        let _ = group.shared_secret(&x, &y);
        let _ = group.private_key_from_be_bytes(&y);
        let _ = group.map_generic_with_h(&y, &g);
        let _ = group.map_integrated(&y, &y, SmCipher::Aes128);
        let _ = DhGroup::from_be_bytes(&y, &g, &group.order());
    }
}
