//! PACE protocol identifiers and parameters (ICAO 9303-11 §9.2.1/§4.4, BSI TR-03110-3 A.1.1).
//!
//! This module owns the table of PACE protocol object identifiers (mapping, key agreement,
//! cipher), the elliptic curves the terminal can run PACE on, the password references of
//! MSE:Set AT and [`PaceParams`], what a PACE run needs to know before its first command. It does
//! not parse EF.CardAccess (`pace::info` does) and holds no secret.

use crate::access::AccessKeyKind;
use crate::crypto::SmCipher;
use crate::error::{Error, Result};

/// How the ephemeral generator is derived from the nonce (ICAO 9303-11 §4.4.3.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Mapping {
    /// Generic Mapping: `G' = s·G + H`, H from an ephemeral key agreement.
    Generic,
    /// Integrated Mapping: `G' = f_G(R_p(s, t))`, t sent by the terminal.
    Integrated,
    /// Chip Authentication Mapping: Generic Mapping plus encrypted chip authentication data
    /// returned with the chip's token (ECDH only).
    ChipAuthentication,
}

/// The key agreement algorithm of a PACE protocol.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum KeyAgreement {
    /// Diffie-Hellman over a prime-order subgroup of Z_p* (not run by this module).
    Dh,
    /// Elliptic-curve Diffie-Hellman.
    Ecdh,
}

/// The MAC of the PACE authentication tokens.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenMac {
    /// ISO/IEC 9797-1 MAC algorithm 3 with DES over ISO padding method 2 (3DES suites).
    RetailMac,
    /// AES-CMAC truncated to 8 bytes (AES suites).
    Cmac,
}

/// One PACE protocol: mapping, key agreement and cipher suite, named by its OID.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PaceProtocol {
    /// The mapping.
    pub mapping: Mapping,
    /// The key agreement.
    pub key_agreement: KeyAgreement,
    /// The secure-messaging cipher (and the cipher used for the nonce and IM).
    pub cipher: SmCipher,
}

/// id-PACE: 0.4.0.127.0.7.2.2.4 (BSI TR-03110-3 A.1.1), DER content octets.
pub const ID_PACE: [u8; 8] = [0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04];

/// The full table of PACE protocols: (protocol, last two OID arcs, name).
const PROTOCOLS: [(PaceProtocol, [u8; 2], &str); 19] = {
    use KeyAgreement::{Dh, Ecdh};
    use Mapping::{ChipAuthentication as Cam, Generic as Gm, Integrated as Im};
    use SmCipher::{Aes128, Aes192, Aes256, Des3};
    const fn p(mapping: Mapping, key_agreement: KeyAgreement, cipher: SmCipher) -> PaceProtocol {
        PaceProtocol {
            mapping,
            key_agreement,
            cipher,
        }
    }
    [
        (p(Gm, Dh, Des3), [1, 1], "id-PACE-DH-GM-3DES-CBC-CBC"),
        (p(Gm, Dh, Aes128), [1, 2], "id-PACE-DH-GM-AES-CBC-CMAC-128"),
        (p(Gm, Dh, Aes192), [1, 3], "id-PACE-DH-GM-AES-CBC-CMAC-192"),
        (p(Gm, Dh, Aes256), [1, 4], "id-PACE-DH-GM-AES-CBC-CMAC-256"),
        (p(Gm, Ecdh, Des3), [2, 1], "id-PACE-ECDH-GM-3DES-CBC-CBC"),
        (
            p(Gm, Ecdh, Aes128),
            [2, 2],
            "id-PACE-ECDH-GM-AES-CBC-CMAC-128",
        ),
        (
            p(Gm, Ecdh, Aes192),
            [2, 3],
            "id-PACE-ECDH-GM-AES-CBC-CMAC-192",
        ),
        (
            p(Gm, Ecdh, Aes256),
            [2, 4],
            "id-PACE-ECDH-GM-AES-CBC-CMAC-256",
        ),
        (p(Im, Dh, Des3), [3, 1], "id-PACE-DH-IM-3DES-CBC-CBC"),
        (p(Im, Dh, Aes128), [3, 2], "id-PACE-DH-IM-AES-CBC-CMAC-128"),
        (p(Im, Dh, Aes192), [3, 3], "id-PACE-DH-IM-AES-CBC-CMAC-192"),
        (p(Im, Dh, Aes256), [3, 4], "id-PACE-DH-IM-AES-CBC-CMAC-256"),
        (p(Im, Ecdh, Des3), [4, 1], "id-PACE-ECDH-IM-3DES-CBC-CBC"),
        (
            p(Im, Ecdh, Aes128),
            [4, 2],
            "id-PACE-ECDH-IM-AES-CBC-CMAC-128",
        ),
        (
            p(Im, Ecdh, Aes192),
            [4, 3],
            "id-PACE-ECDH-IM-AES-CBC-CMAC-192",
        ),
        (
            p(Im, Ecdh, Aes256),
            [4, 4],
            "id-PACE-ECDH-IM-AES-CBC-CMAC-256",
        ),
        (
            p(Cam, Ecdh, Aes128),
            [6, 2],
            "id-PACE-ECDH-CAM-AES-CBC-CMAC-128",
        ),
        (
            p(Cam, Ecdh, Aes192),
            [6, 3],
            "id-PACE-ECDH-CAM-AES-CBC-CMAC-192",
        ),
        (
            p(Cam, Ecdh, Aes256),
            [6, 4],
            "id-PACE-ECDH-CAM-AES-CBC-CMAC-256",
        ),
    ]
};

impl PaceProtocol {
    /// Every PACE protocol of ICAO 9303-11 §9.2.1 (DH and ECDH, GM and IM with each cipher,
    /// ECDH CAM with each AES cipher), with its OID content octets and name.
    pub fn all() -> impl Iterator<Item = (PaceProtocol, [u8; 10], &'static str)> {
        PROTOCOLS
            .iter()
            .map(|(p, arcs, name)| (*p, oid_of(*arcs), *name))
    }

    /// The protocol named by `oid` (DER content octets, without tag and length).
    pub fn from_oid(oid: &[u8]) -> Option<PaceProtocol> {
        Self::all()
            .find(|(_, o, _)| o.as_slice() == oid)
            .map(|e| e.0)
    }

    /// The OID content octets (e.g. `04 00 7F 00 07 02 02 04 02 02`).
    pub fn oid(&self) -> [u8; 10] {
        Self::all()
            .find(|(p, _, _)| p == self)
            .map(|e| e.1)
            .unwrap_or([0; 10])
    }

    /// The protocol's name as in ICAO 9303-11 (e.g. `id-PACE-ECDH-GM-AES-CBC-CMAC-128`), or
    /// `""` for a combination that has no OID (DH with CAM, 3DES with CAM).
    pub fn name(&self) -> &'static str {
        Self::all()
            .find(|(p, _, _)| p == self)
            .map(|e| e.2)
            .unwrap_or("")
    }

    /// The MAC of the authentication tokens.
    pub fn token_mac(&self) -> TokenMac {
        match self.cipher {
            SmCipher::Des3 => TokenMac::RetailMac,
            _ => TokenMac::Cmac,
        }
    }
}

fn oid_of(arcs: [u8; 2]) -> [u8; 10] {
    let mut out = [0u8; 10];
    for (o, b) in out.iter_mut().zip(ID_PACE.iter().chain(arcs.iter())) {
        *o = *b;
    }
    out
}

/// The elliptic curves PACE runs on here, all with constant-time RustCrypto arithmetic.
///
/// Other standardized curves (NIST P-192/P-224, brainpoolP192r1/P224r1/P320r1/P512r1) have no
/// constant-time implementation among our dependencies: [`EcCurve::from_standardized_id`]
/// returns [`Error::Unsupported`] for them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EcCurve {
    /// NIST P-256 (secp256r1), standardized id 12.
    P256,
    /// NIST P-384 (secp384r1), standardized id 15.
    P384,
    /// NIST P-521 (secp521r1), standardized id 18.
    P521,
    /// brainpoolP256r1, standardized id 13.
    BrainpoolP256r1,
    /// brainpoolP384r1, standardized id 16.
    BrainpoolP384r1,
}

impl EcCurve {
    /// The curve of a standardized domain parameter id (ICAO 9303-11 §9.5.1, TR-03110-3 A.2.1.1).
    /// DH groups (0-2) and curves without a constant-time implementation are
    /// [`Error::Unsupported`].
    pub fn from_standardized_id(id: u8) -> Result<EcCurve> {
        match id {
            12 => Ok(EcCurve::P256),
            13 => Ok(EcCurve::BrainpoolP256r1),
            15 => Ok(EcCurve::P384),
            16 => Ok(EcCurve::BrainpoolP384r1),
            18 => Ok(EcCurve::P521),
            0..=2 => Err(Error::Unsupported(
                "PACE: DH domain parameters are not elliptic curves",
            )),
            8..=11 | 14 | 17 => Err(Error::Unsupported(
                "PACE: elliptic curve without a constant-time implementation",
            )),
            _ => Err(Error::Unsupported(
                "PACE: unknown standardized domain parameter id",
            )),
        }
    }

    /// The standardized domain parameter id.
    pub fn standardized_id(self) -> u8 {
        match self {
            EcCurve::P256 => 12,
            EcCurve::BrainpoolP256r1 => 13,
            EcCurve::P384 => 15,
            EcCurve::BrainpoolP384r1 => 16,
            EcCurve::P521 => 18,
        }
    }

    /// Length in bytes of a field element (and of an x-coordinate / shared secret).
    pub fn field_len(self) -> usize {
        match self {
            EcCurve::P256 | EcCurve::BrainpoolP256r1 => 32,
            EcCurve::P384 | EcCurve::BrainpoolP384r1 => 48,
            EcCurve::P521 => 66,
        }
    }

    /// Length of an uncompressed SEC1 point `04 || x || y`.
    pub fn point_len(self) -> usize {
        1 + 2 * self.field_len()
    }

    /// All supported curves.
    pub const ALL: [EcCurve; 5] = [
        EcCurve::P256,
        EcCurve::P384,
        EcCurve::P521,
        EcCurve::BrainpoolP256r1,
        EcCurve::BrainpoolP384r1,
    ];
}

/// The password reference of MSE:Set AT (DO'83'), ICAO 9303-11 §4.4.4.1 / TR-03110-3 D.1.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PasswordRef {
    /// 01: MRZ.
    Mrz,
    /// 02: CAN.
    Can,
    /// 03: PIN.
    Pin,
    /// 04: PUK.
    Puk,
}

impl PasswordRef {
    /// The reference byte.
    pub fn byte(self) -> u8 {
        match self {
            PasswordRef::Mrz => 1,
            PasswordRef::Can => 2,
            PasswordRef::Pin => 3,
            PasswordRef::Puk => 4,
        }
    }
}

impl From<AccessKeyKind> for PasswordRef {
    fn from(kind: AccessKeyKind) -> Self {
        match kind {
            AccessKeyKind::Mrz => PasswordRef::Mrz,
            AccessKeyKind::Can => PasswordRef::Can,
            AccessKeyKind::Pin => PasswordRef::Pin,
        }
    }
}

/// What a PACE run needs before its first command: the protocol, the curve and whether to name
/// the domain parameters in MSE:Set AT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PaceParams {
    /// Mapping, key agreement and cipher.
    pub protocol: PaceProtocol,
    /// The curve (ECDH).
    pub curve: EcCurve,
    /// DO'84' of MSE:Set AT: the domain parameter id, sent only when the chip offers several
    /// parameter sets for this protocol (`None`: not sent).
    pub parameter_id: Option<u8>,
}

impl PaceParams {
    /// Parameters from a PACEInfo's protocol OID and standardized domain parameter id.
    /// `send_parameter_id` adds DO'84' to MSE:Set AT (when EF.CardAccess lists several
    /// PACEInfos for the protocol). Fails with [`Error::Unsupported`] for an unknown OID, a DH
    /// protocol, or a curve without a constant-time implementation.
    pub fn from_oid(oid: &[u8], parameter_id: u8, send_parameter_id: bool) -> Result<PaceParams> {
        let protocol =
            PaceProtocol::from_oid(oid).ok_or(Error::Unsupported("PACE: unknown protocol OID"))?;
        PaceParams::new(protocol, parameter_id, send_parameter_id)
    }

    /// Parameters from a protocol and a standardized domain parameter id (see
    /// [`PaceParams::from_oid`]).
    pub fn new(
        protocol: PaceProtocol,
        parameter_id: u8,
        send_parameter_id: bool,
    ) -> Result<PaceParams> {
        if protocol.key_agreement != KeyAgreement::Ecdh {
            return Err(Error::Unsupported(
                "PACE: DH key agreement is not implemented here",
            ));
        }
        let curve = EcCurve::from_standardized_id(parameter_id)?;
        Ok(PaceParams {
            protocol,
            curve,
            parameter_id: send_parameter_id.then_some(parameter_id),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn oid_table() {
        assert_eq!(PaceProtocol::all().count(), 19);
        let gm = PaceProtocol::from_oid(&hex::decode("04007F00070202040202").unwrap()).unwrap();
        assert_eq!(gm.mapping, Mapping::Generic);
        assert_eq!(gm.key_agreement, KeyAgreement::Ecdh);
        assert_eq!(gm.cipher, SmCipher::Aes128);
        assert_eq!(gm.name(), "id-PACE-ECDH-GM-AES-CBC-CMAC-128");
        let cam = PaceProtocol::from_oid(&hex::decode("04007F00070202040604").unwrap()).unwrap();
        assert_eq!(cam.mapping, Mapping::ChipAuthentication);
        assert_eq!(cam.cipher, SmCipher::Aes256);
        let des = PaceProtocol::from_oid(&hex::decode("04007F00070202040101").unwrap()).unwrap();
        assert_eq!(des.key_agreement, KeyAgreement::Dh);
        assert_eq!(des.token_mac(), TokenMac::RetailMac);
        for (p, oid, name) in PaceProtocol::all() {
            assert_eq!(PaceProtocol::from_oid(&oid), Some(p));
            assert_eq!(p.oid(), oid);
            assert_eq!(p.name(), name);
        }
        assert!(PaceProtocol::from_oid(&hex::decode("04007F00070202040500").unwrap()).is_none());
        assert!(PaceProtocol::from_oid(&[]).is_none());
        assert!(PaceProtocol::from_oid(&ID_PACE).is_none());
    }

    #[test]
    fn curves_and_params() {
        for c in EcCurve::ALL {
            assert_eq!(
                EcCurve::from_standardized_id(c.standardized_id()).unwrap(),
                c
            );
        }
        for id in [0u8, 2, 8, 9, 10, 11, 14, 17, 19, 255] {
            assert!(matches!(
                EcCurve::from_standardized_id(id),
                Err(Error::Unsupported(_))
            ));
        }
        let p =
            PaceParams::from_oid(&hex::decode("04007F00070202040202").unwrap(), 13, false).unwrap();
        assert_eq!(p.curve, EcCurve::BrainpoolP256r1);
        assert_eq!(p.parameter_id, None);
        assert!(
            PaceParams::from_oid(&hex::decode("04007F00070202040102").unwrap(), 0, true).is_err()
        );
        assert!(
            PaceParams::from_oid(&hex::decode("04007F00070202040202").unwrap(), 17, true).is_err()
        );
    }
}
