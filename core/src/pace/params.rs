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
    /// Diffie-Hellman over a prime-order subgroup of Z_p* ([`crate::pace::dh`]).
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

/// The finite-field Diffie-Hellman groups PACE runs on: the standardized domain parameters 0,
/// 1 and 2 (RFC 5114 §2.1-2.3; ICAO 9303-11 §9.5.1, TR-03110-3 Table 4). Explicit DH domain
/// parameters (a PACEDomainParameterInfo with dhpublicnumber) are not run by this version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DhGroupId {
    /// 1024-bit MODP group with a 160-bit prime-order subgroup, standardized id 0.
    Modp1024_160,
    /// 2048-bit MODP group with a 224-bit prime-order subgroup, standardized id 1.
    Modp2048_224,
    /// 2048-bit MODP group with a 256-bit prime-order subgroup, standardized id 2.
    Modp2048_256,
}

impl DhGroupId {
    /// All DH groups.
    pub const ALL: [DhGroupId; 3] = [
        DhGroupId::Modp1024_160,
        DhGroupId::Modp2048_224,
        DhGroupId::Modp2048_256,
    ];

    /// The group of a standardized domain parameter id (0, 1, 2), `None` otherwise.
    pub fn from_standardized_id(id: u8) -> Option<DhGroupId> {
        match id {
            0 => Some(DhGroupId::Modp1024_160),
            1 => Some(DhGroupId::Modp2048_224),
            2 => Some(DhGroupId::Modp2048_256),
            _ => None,
        }
    }

    /// The standardized domain parameter id.
    pub fn standardized_id(self) -> u8 {
        match self {
            DhGroupId::Modp1024_160 => 0,
            DhGroupId::Modp2048_224 => 1,
            DhGroupId::Modp2048_256 => 2,
        }
    }

    /// Length in bytes of the modulus p (of public values and of the shared secret).
    pub fn modulus_len(self) -> usize {
        match self {
            DhGroupId::Modp1024_160 => 128,
            DhGroupId::Modp2048_224 | DhGroupId::Modp2048_256 => 256,
        }
    }

    /// The group's arithmetic ([`crate::pace::dh::DhGroup`]).
    pub fn group(self) -> Result<crate::pace::dh::DhGroup> {
        crate::pace::dh::DhGroup::standardized(self.standardized_id())
            .ok_or(Error::Internal("pace: standardized DH group"))
    }
}

/// The domain parameters of a PACE run: an elliptic curve (ECDH) or a DH group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PaceDomain {
    /// ECDH on this curve.
    Ec(EcCurve),
    /// DH in this group.
    Dh(DhGroupId),
}

impl PaceDomain {
    /// The curve, for ECDH.
    pub fn curve(self) -> Option<EcCurve> {
        match self {
            PaceDomain::Ec(c) => Some(c),
            PaceDomain::Dh(_) => None,
        }
    }

    /// The DH group, for DH.
    pub fn dh_group(self) -> Option<DhGroupId> {
        match self {
            PaceDomain::Dh(g) => Some(g),
            PaceDomain::Ec(_) => None,
        }
    }

    /// The key agreement these parameters are for.
    pub fn key_agreement(self) -> KeyAgreement {
        match self {
            PaceDomain::Ec(_) => KeyAgreement::Ecdh,
            PaceDomain::Dh(_) => KeyAgreement::Dh,
        }
    }

    /// The standardized domain parameter id.
    pub fn standardized_id(self) -> u8 {
        match self {
            PaceDomain::Ec(c) => c.standardized_id(),
            PaceDomain::Dh(g) => g.standardized_id(),
        }
    }
}

impl core::fmt::Display for PaceDomain {
    /// The curve or group name, e.g. `BrainpoolP256r1`, `Modp2048_224`.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            PaceDomain::Ec(c) => write!(f, "{c:?}"),
            PaceDomain::Dh(g) => write!(f, "{g:?}"),
        }
    }
}

impl From<EcCurve> for PaceDomain {
    fn from(c: EcCurve) -> Self {
        PaceDomain::Ec(c)
    }
}

impl From<DhGroupId> for PaceDomain {
    fn from(g: DhGroupId) -> Self {
        PaceDomain::Dh(g)
    }
}

/// What a PACE run needs before its first command: the protocol, the domain parameters (curve
/// or DH group) and whether to name them in MSE:Set AT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PaceParams {
    /// Mapping, key agreement and cipher.
    pub protocol: PaceProtocol,
    /// The curve (ECDH) or group (DH); its key agreement matches the protocol's.
    pub domain: PaceDomain,
    /// DO'84' of MSE:Set AT: the domain parameter id, sent only when the chip offers several
    /// parameter sets for this protocol (`None`: not sent).
    pub parameter_id: Option<u8>,
}

impl PaceParams {
    /// Parameters from a PACEInfo's protocol OID and standardized domain parameter id.
    /// `send_parameter_id` adds DO'84' to MSE:Set AT (when EF.CardAccess lists several
    /// PACEInfos for the protocol). Fails with [`Error::Unsupported`] for an unknown OID, a
    /// curve without a constant-time implementation, parameters of the other key agreement,
    /// or DH Integrated Mapping with a cipher other than AES-128.
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
        let domain = match protocol.key_agreement {
            KeyAgreement::Ecdh => PaceDomain::Ec(EcCurve::from_standardized_id(parameter_id)?),
            KeyAgreement::Dh => {
                if protocol.mapping == Mapping::ChipAuthentication {
                    return Err(Error::Unsupported("PACE: DH chip authentication mapping"));
                }
                if protocol.mapping == Mapping::Integrated && protocol.cipher != SmCipher::Aes128 {
                    return Err(Error::Unsupported(
                        "PACE: DH integrated mapping is implemented with AES-128 only",
                    ));
                }
                PaceDomain::Dh(DhGroupId::from_standardized_id(parameter_id).ok_or(
                    Error::Unsupported("PACE: DH protocol without a standardized DH group"),
                )?)
            }
        };
        Ok(PaceParams {
            protocol,
            domain,
            parameter_id: send_parameter_id.then_some(parameter_id),
        })
    }

    /// The curve, for an ECDH run.
    pub fn curve(&self) -> Option<EcCurve> {
        self.domain.curve()
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
        assert_eq!(p.domain, PaceDomain::Ec(EcCurve::BrainpoolP256r1));
        assert_eq!(p.parameter_id, None);
        let dh =
            PaceParams::from_oid(&hex::decode("04007F00070202040102").unwrap(), 0, true).unwrap();
        assert_eq!(dh.domain, PaceDomain::Dh(DhGroupId::Modp1024_160));
        assert_eq!(dh.parameter_id, Some(0));
        assert_eq!(dh.curve(), None);
        for g in DhGroupId::ALL {
            let id = g.standardized_id();
            assert_eq!(DhGroupId::from_standardized_id(id), Some(g));
            assert_eq!(g.group().unwrap().byte_len(), g.modulus_len());
        }
        // DH GM with a curve id, ECDH with a DH id, DH IM other than AES-128.
        for (oid, id) in [
            ("04007F00070202040102", 13u8),
            ("04007F00070202040102", 3),
            ("04007F00070202040202", 0),
            ("04007F00070202040301", 0),
            ("04007F00070202040304", 2),
        ] {
            assert!(matches!(
                PaceParams::from_oid(&hex::decode(oid).unwrap(), id, false),
                Err(Error::Unsupported(_))
            ));
        }
        assert!(
            PaceParams::from_oid(&hex::decode("04007F00070202040302").unwrap(), 1, false).is_ok()
        );
        assert!(
            PaceParams::from_oid(&hex::decode("04007F00070202040202").unwrap(), 17, true).is_err()
        );
    }
}
