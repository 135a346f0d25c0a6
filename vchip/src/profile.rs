//! Chip profiles: the synthetic document (MRZ, files) and the chip's capabilities (access
//! control, short file identifiers, extended length, EF.ATR/INFO, transport info).
//!
//! This module owns the contents of each profile. All holders are invented; the issuing state is
//! `UTO`, which ICAO reserves for specimens. EF.SOD of the passport and CNIE profiles, and the
//! CNIE's EF.CardSecurity, are signed by the test PKI of `test-vectors/pki/` (made with Debian's
//! `openssl`); the Appendix D profile keeps a structurally real but UNSIGNED EF.SOD (empty
//! `signerInfos`).

use core::fmt;

use monid_core::TransportInfo;
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::ec::Curve;
use crate::lds::{self, ImageType, MrzFields};
use crate::pace::{self, PaceCipher, PaceConfig, PaceMapping, Password};

/// File identifier of EF.ATR/INFO (in the MF).
pub const FID_ATR_INFO: u16 = 0x2F01;
/// File identifier of EF.CardAccess (in the MF, SFI 1C, readable in plain: the PACEInfo).
pub const FID_CARD_ACCESS: u16 = 0x011C;
/// File identifier of EF.CardSecurity (in the MF, SFI 1D; same numbers as EF.SOD, which is in
/// the application). Readable under secure messaging only.
pub const FID_CARD_SECURITY: u16 = 0x011D;
/// File identifier of EF.COM.
pub const FID_COM: u16 = 0x011E;
/// File identifier of EF.SOD.
pub const FID_SOD: u16 = 0x011D;
/// The eMRTD application identifier (LDS1).
pub const AID_EMRTD: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];
/// File identifier of EF.DIR (in the MF, SFI 1E, readable in plain: the application list).
pub const FID_DIR: u16 = 0x2F00;
/// The LDS2 travel records application identifier (ICAO 9303-10 §4): listed in the
/// multi-application profile's EF.DIR but absent (SELECT answers 6A82).
pub const AID_LDS2_TRAVEL_RECORDS: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01];
/// The German eID application identifier (BSI TR-03110-4): present, without files, in the
/// multi-application profile.
pub const AID_EID: [u8; 9] = [0xE8, 0x07, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02];

/// File identifier of data group `n` (1..=16): 0x0100 + n.
pub const fn fid_dg(n: u8) -> u16 {
    0x0100 + n as u16
}

/// The status word a chip answers to READ BINARY with a short file identifier (P1 = 80|SFI)
/// when it does not support them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SfiRefusal {
    /// 6A86, incorrect P1-P2.
    WrongP1P2,
    /// 6D00, instruction not supported.
    InsNotSupported,
    /// 6A82, file not found.
    FileNotFound,
}

impl SfiRefusal {
    /// The status word.
    pub fn sw(self) -> u16 {
        match self {
            SfiRefusal::WrongP1P2 => 0x6A86,
            SfiRefusal::InsNotSupported => 0x6D00,
            SfiRefusal::FileNotFound => 0x6A82,
        }
    }
}

/// Access control the chip requires before the eMRTD application's files can be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessControl {
    /// Files are readable in plain (no secure messaging).
    None,
    /// Basic Access Control then 3DES secure messaging.
    Bac,
    /// PACE only (then AES secure messaging); GET CHALLENGE / EXTERNAL AUTHENTICATE answer
    /// 6D00.
    Pace,
    /// PACE or BAC, the terminal's choice.
    BacOrPace,
}

/// A static Chip Authentication key pair (ECDH): keyId 1 for CA (DG14), or a PACE-CAM key.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct CaKey {
    #[zeroize(skip)]
    pub key_id: u8,
    #[zeroize(skip)]
    pub curve: Curve,
    pub secret: Vec<u8>,
    #[zeroize(skip)]
    pub public: Vec<u8>,
}

/// Where a file lives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Location {
    /// Under the MF (EF.ATR/INFO, EF.CardAccess): never protected.
    Mf,
    /// Under the eMRTD application: protected by the access control.
    Emrtd,
}

/// One elementary file.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub(crate) struct File {
    #[zeroize(skip)]
    pub fid: u16,
    #[zeroize(skip)]
    pub sfi: Option<u8>,
    #[zeroize(skip)]
    pub location: Location,
    pub content: Vec<u8>,
}

/// A chip profile: the document's files and MRZ, and the chip's capabilities.
///
/// Build one with [`Profile::passport_td3`], [`Profile::cnie_td1`] or
/// [`Profile::icao_appendix_d`], then adjust it with the `with_*` methods.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct Profile {
    pub(crate) mrz: String,
    pub(crate) document_number: String,
    pub(crate) date_of_birth: String,
    pub(crate) date_of_expiry: String,
    pub(crate) files: Vec<File>,
    #[zeroize(skip)]
    pub(crate) access: AccessControl,
    #[zeroize(skip)]
    pub(crate) sfi_refusal: Option<SfiRefusal>,
    #[zeroize(skip)]
    pub(crate) extended_length: bool,
    #[zeroize(skip)]
    pub(crate) max_command_len: usize,
    #[zeroize(skip)]
    pub(crate) max_response_len: usize,
    #[zeroize(skip)]
    pub(crate) transport: TransportInfo,
    #[zeroize(skip)]
    pub(crate) pace: Option<PaceConfig>,
    /// When set, the chip runs DH PACE ([`crate::pace_dh`]) instead of `pace` (which then only
    /// names the chip as PACE-capable).
    #[zeroize(skip)]
    pub(crate) pace_dh: Option<crate::pace_dh::DhPaceConfig>,
    #[zeroize(skip)]
    pub(crate) pace_passwords: Vec<Password>,
    pub(crate) can: String,
    pub(crate) pin: String,
    #[zeroize(skip)]
    pub(crate) pin_tries: u8,
    pub(crate) ca: Option<CaKey>,
    /// The static keys for PACE-CAM, one per curve (listed in EF.CardSecurity).
    pub(crate) cam_keys: Vec<CaKey>,
    /// A DH chip authentication key ([`crate::ca_dh`]), used instead of `ca` when set.
    pub(crate) ca_dh: Option<crate::ca_dh::DhCaKey>,
    pub(crate) aa_key: Option<Vec<u8>>,
    /// Applications other than the eMRTD one that SELECT by AID finds (they hold no files).
    #[zeroize(skip)]
    pub(crate) other_applications: Vec<Vec<u8>>,
}

impl fmt::Debug for Profile {
    /// File identifiers and sizes only: MRZ and contents are personal data (even synthetic).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let files: Vec<(u16, usize)> = self
            .files
            .iter()
            .map(|x| (x.fid, x.content.len()))
            .collect();
        f.debug_struct("Profile")
            .field("mrz", &"<redacted>")
            .field("files", &files)
            .field("access", &self.access)
            .field("sfi_refusal", &self.sfi_refusal)
            .field("extended_length", &self.extended_length)
            .field("transport", &self.transport)
            .field("pace", &self.pace)
            .field("pace_dh", &self.pace_dh)
            .field("pace_passwords", &self.pace_passwords)
            .field("ca", &self.ca.as_ref().map(|c| c.curve))
            .field("ca_dh", &self.ca_dh.as_ref().map(|c| c.group))
            .field("aa", &self.aa_key.is_some())
            .finish()
    }
}

const PASSPORT_FACE: &[u8] = include_bytes!("../assets/passport_face.jpg");
/// Pixel size of `assets/passport_face.jpg` (see `assets/make_faces.py`).
const PASSPORT_FACE_SIZE: (u16, u16) = (300, 400);
const CNIE_FACE: &[u8] = include_bytes!("../assets/cnie_face.jp2");
/// Pixel size of `assets/cnie_face.jp2`.
const CNIE_FACE_SIZE: (u16, u16) = (360, 480);
const SIGNATURE: &[u8] = include_bytes!("../assets/signature.jpg");
const DG15_SPKI: &[u8] = include_bytes!("../assets/dg15_p256_spki.der");
/// TEST-ONLY Active Authentication private key (P-256) matching `DG15_SPKI`.
const AA_P256_PRIVATE: &[u8] = include_bytes!("../assets/aa_p256_private.bin");
/// TEST-ONLY Chip Authentication private key (brainpoolP256r1), published in DG14.
const CA_BP256_PRIVATE: &[u8] = include_bytes!("../assets/ca_bp256_private.bin");
/// TEST-ONLY DH chip authentication private key: the BSI EAC worked example's (1024-bit RFC
/// 5114 group), so the card side can be checked against that example.
const BSI_DH_CA_PRIVATE: [u8; 20] = [
    0xD0, 0xE5, 0xA9, 0x5E, 0xCA, 0x54, 0x1D, 0xEF, 0x4F, 0xE9, 0x2B, 0x9F, 0xF9, 0x92, 0x0D, 0x49,
    0xA4, 0x54, 0xC2, 0x97,
];
/// The CNIE profiles' Card Access Number (synthetic).
pub const CNIE_CAN: &str = "482051";
/// The default PIN of a profile using [`Password::Pin`] (synthetic) and its tries.
const DEFAULT_PIN: &str = "123456";
const DEFAULT_PIN_TRIES: u8 = 3;

/// The CNIE's PACE configuration: ECDH-GM, AES-128, brainpoolP256r1.
const CNIE_PACE: PaceConfig = PaceConfig {
    curve: Curve::BrainpoolP256r1,
    mapping: PaceMapping::Generic,
    cipher: PaceCipher::Aes128,
};

fn cnie_ca_key() -> Option<CaKey> {
    let curve = Curve::BrainpoolP256r1;
    let public = curve.public_key(None, CA_BP256_PRIVATE)?;
    Some(CaKey {
        key_id: 1,
        curve,
        secret: CA_BP256_PRIVATE.to_vec(),
        public,
    })
}

/// A TEST-ONLY private key on `curve`, derived deterministically from `label`:
/// SHA-512(label || curve id || counter || block) blocks, the first byte masked to the order's bit
/// length, the first draw in [1, n-1].
fn derived_key(curve: Curve, label: &[u8]) -> Option<Vec<u8>> {
    use sha2::{Digest, Sha512};
    for counter in 0u8..64 {
        let mut bytes = Vec::with_capacity(128);
        for block in 0u8..2 {
            let mut h = Sha512::new();
            h.update(label);
            h.update([curve.parameter_id(), counter, block]);
            bytes.extend_from_slice(&h.finalize());
        }
        bytes.truncate(curve.field_len());
        if let Some(first) = bytes.first_mut() {
            *first &= curve.first_byte_mask();
        }
        if curve.is_valid_secret(&bytes) {
            return Some(bytes);
        }
        bytes.zeroize();
    }
    None
}

/// The CNIE's PACE-CAM static keys (TEST-ONLY): on brainpoolP256r1 the Chip Authentication key
/// (keyId 1, as in DG14); on the other curves a key derived from "monid vchip CAM key", keyId =
/// the curve's standardized parameter id.
fn cnie_cam_keys(ca: Option<&CaKey>) -> Vec<CaKey> {
    let mut out: Vec<CaKey> = ca.into_iter().cloned().collect();
    for curve in Curve::ALL {
        if out.iter().any(|k| k.curve == curve) {
            continue;
        }
        let Some(secret) = derived_key(curve, b"monid vchip CAM key") else {
            continue;
        };
        let Some(public) = curve.public_key(None, &secret) else {
            continue;
        };
        out.push(CaKey {
            key_id: curve.parameter_id(),
            curve,
            secret,
            public,
        });
    }
    out
}

/// The issuing state of a CNIE-like profile.
#[derive(Clone, Copy)]
enum CnieState {
    Uto,
    Mar,
}

/// EF.SOD of [`Profile::passport_td3`]: signed by the test PKI's DSC-RSA (RSA 2048, PKCS#1 v1.5,
/// SHA-256) under CSCA-UTO-OLD. Made by `test-vectors/pki/make-pki.sh`.
const PASSPORT_SOD: &[u8] = include_bytes!("../../test-vectors/pki/sod/passport_td3.dsc-rsa.sod");
/// EF.SOD of [`Profile::cnie_td1`]: signed by the test PKI's DSC-BP256X (ECDSA brainpoolP256r1,
/// explicit parameters) under CSCA-UTO-NEW.
const CNIE_SOD: &[u8] = include_bytes!("../../test-vectors/pki/sod/cnie_td1.dsc-bp256x.sod");
/// EF.SOD of [`Profile::cnie_td1_mar`]: signed by the test PKI's DSC-MA under CSCA-MA.
const CNIE_MAR_SOD: &[u8] = include_bytes!("../../test-vectors/pki/sod/cnie_td1_mar.dsc-ma.sod");
/// EF.CardSecurity of [`Profile::cnie_td1`]: [`Profile::card_security_content`] signed by the test
/// PKI's DSC-BP256X (`test-vectors/pki/make-card-security.sh`).
const CNIE_CARD_SECURITY: &[u8] =
    include_bytes!("../../test-vectors/pki/card-security/cnie_td1.dsc-bp256x.cardsecurity");

fn emrtd_file(fid: u16, sfi: u8, content: Vec<u8>) -> File {
    File {
        fid,
        sfi: Some(sfi),
        location: Location::Emrtd,
        content,
    }
}

/// Builds EF.COM, the DGs and EF.SOD for the eMRTD application: `sod` when given (a signed
/// EF.SOD from the test PKI), otherwise an unsigned one over the DGs.
fn lds_files(dgs: Vec<(u8, Vec<u8>)>, sod: Option<&[u8]>) -> Vec<File> {
    let numbers: Vec<u8> = dgs.iter().map(|(n, _)| *n).collect();
    let refs: Vec<(u8, &[u8])> = dgs.iter().map(|(n, c)| (*n, c.as_slice())).collect();
    let sod = match sod {
        Some(s) => s.to_vec(),
        None => lds::ef_sod_unsigned(&refs),
    };
    let mut files = vec![emrtd_file(FID_COM, 0x1E, lds::ef_com(&numbers))];
    for (n, content) in dgs {
        files.push(emrtd_file(fid_dg(n), n, content));
    }
    files.push(emrtd_file(FID_SOD, 0x1D, sod));
    files
}

impl Profile {
    fn from_parts(fields: &MrzFields<'_>, td3: bool, files: Vec<File>) -> Profile {
        let mrz = if td3 {
            lds::mrz_td3(fields)
        } else {
            lds::mrz_td1(fields)
        };
        Profile {
            mrz,
            document_number: lds::fill(fields.number, 9),
            date_of_birth: fields.birth.to_owned(),
            date_of_expiry: fields.expiry.to_owned(),
            files,
            access: AccessControl::Bac,
            sfi_refusal: None,
            extended_length: false,
            max_command_len: 261,
            max_response_len: 258,
            transport: TransportInfo::default(),
            pace: None,
            pace_dh: None,
            pace_passwords: Vec::new(),
            can: String::new(),
            pin: DEFAULT_PIN.to_owned(),
            pin_tries: DEFAULT_PIN_TRIES,
            ca: None,
            cam_keys: Vec::new(),
            ca_dh: None,
            aa_key: None,
            other_applications: Vec::new(),
        }
    }

    /// A TD3 passport of the invented holder TESTER ALEX MARIE, state `UTO`, BAC, short APDUs
    /// only, no EF.ATR/INFO: DG1, DG2 (~20 KB JPEG face), DG11, DG12, EF.SOD signed by the test PKI's DSC-RSA
    /// (see `test-vectors/pki/SOURCE.md`).
    pub fn passport_td3() -> Profile {
        let fields = MrzFields {
            doc_code: "P",
            state: "UTO",
            name: "TESTER<<ALEX<MARIE",
            number: "UTP123456",
            nationality: "UTO",
            birth: "850101",
            sex: "F",
            expiry: "341231",
            optional: "",
        };
        let mrz = lds::mrz_td3(&fields);
        let (w, h) = PASSPORT_FACE_SIZE;
        let record = lds::facial_record(PASSPORT_FACE, ImageType::Jpeg, w, h);
        let dgs = vec![
            (1, lds::dg1(&mrz)),
            (2, lds::dg2(&record)),
            (
                11,
                lds::tagged_text_dg(
                    0x6B,
                    &[
                        (0x5F0E, "TESTER<<ALEX<MARIE"),
                        (0x5F2B, "19850101"),
                        (0x5F11, "UTOPIA CITY"),
                    ],
                ),
            ),
            (
                12,
                lds::tagged_text_dg(
                    0x6C,
                    &[(0x5F19, "UTOPIA MINISTRY OF TESTS"), (0x5F26, "20240115")],
                ),
            ),
        ];
        Profile::from_parts(&fields, true, lds_files(dgs, Some(PASSPORT_SOD)))
    }

    /// A CNIE-like TD1 identity card of the invented holder TESTER SAMIRA, state `UTO`,
    /// **PACE-CAN only** (no BAC: GET CHALLENGE / EXTERNAL AUTHENTICATE answer 6D00; CAN
    /// [`CNIE_CAN`], see [`Profile::can`]), EF.CardAccess with one PACEInfo
    /// (id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, brainpoolP256r1), extended length
    /// advertised in EF.ATR/INFO (max command 2048 bytes, max response 4096 bytes), DG1, DG2
    /// (> 32 KB JPEG 2000 face, so odd-INS `B1` reads are needed), DG7 (signature image), DG11
    /// (synthetic address), DG12, DG14 (Chip Authentication: id-CA-ECDH-AES-CBC-CMAC-128 v2 with
    /// a brainpoolP256r1 key, keyId 1, and the PACEInfo), DG15 (EC P-256 Active Authentication
    /// key; the chip answers INTERNAL AUTHENTICATE), EF.SOD signed by the test PKI's DSC-BP256X
    /// (ECDSA brainpoolP256r1, explicit parameters, under CSCA-UTO-NEW).
    pub fn cnie_td1() -> Profile {
        Profile::cnie(CnieState::Uto, AccessControl::Pace)
    }

    /// [`Profile::cnie_td1`] whose EF.CardAccess offers PACE with Diffie-Hellman Generic
    /// Mapping instead: id-PACE-DH-GM-AES-CBC-CMAC-128 on the 1024-bit RFC 5114 group
    /// (standardized parameter id 0), CAN only. Files, DG14 and EF.SOD are the CNIE's (DG14 still
    /// lists the ECDH PACEInfo, so that EF.SOD stays valid).
    pub fn cnie_td1_dh() -> Profile {
        Profile::cnie_td1().with_pace_dh(crate::pace_dh::DhGroup::Modp1024_160, 16)
    }

    /// [`Profile::cnie_td1_dh`] on the 2048-bit group with a 224-bit subgroup (standardized
    /// parameter id 1) with AES-256: id-PACE-DH-GM-AES-CBC-CMAC-256.
    pub fn cnie_td1_dh_2048() -> Profile {
        Profile::cnie_td1().with_pace_dh(crate::pace_dh::DhGroup::Modp2048_224, 32)
    }

    /// Switches PACE to DH Generic Mapping on `group` with AES (`key_len` 16, 24 or 32 bytes;
    /// anything else means 16): EF.CardAccess is rewritten with the DH PACEInfo; DG14 and
    /// EF.SOD are kept. The access control becomes [`AccessControl::Pace`] unless PACE was
    /// already allowed.
    #[must_use]
    pub fn with_pace_dh(self, group: crate::pace_dh::DhGroup, key_len: usize) -> Self {
        let key_len = if matches!(key_len, 16 | 24 | 32) {
            key_len
        } else {
            16
        };
        self.install_pace_dh(crate::pace_dh::DhPaceConfig {
            group,
            key_len,
            integrated: false,
        })
    }

    /// Switches PACE to DH Integrated Mapping on `group` (id-PACE-DH-IM-AES-CBC-CMAC-128), as
    /// [`Profile::with_pace_dh`] does for Generic Mapping.
    #[must_use]
    pub fn with_pace_dh_im(self, group: crate::pace_dh::DhGroup) -> Self {
        self.install_pace_dh(crate::pace_dh::DhPaceConfig {
            group,
            key_len: 16,
            integrated: true,
        })
    }

    fn install_pace_dh(mut self, cfg: crate::pace_dh::DhPaceConfig) -> Self {
        if self.pace.is_none() {
            self.pace = Some(CNIE_PACE);
        }
        self.pace_dh = Some(cfg);
        self.files.retain(|f| f.fid != FID_CARD_ACCESS);
        self.files.insert(
            0,
            File {
                fid: FID_CARD_ACCESS,
                sfi: Some(0x1C),
                location: Location::Mf,
                content: cfg.card_access(),
            },
        );
        if !matches!(self.access, AccessControl::Pace | AccessControl::BacOrPace) {
            self.access = AccessControl::Pace;
        }
        self
    }

    /// [`Profile::cnie_td1_dh`] whose chip authentication is DH too: DG14 publishes
    /// id-CA-DH-AES-CBC-CMAC-128 version 2 and a dhpublicnumber key (explicit p, g, q of the
    /// 1024-bit RFC 5114 group) whose private key is the BSI EAC worked example's (TEST-ONLY).
    /// DG14 changes, so EF.SOD's DG14 hash no longer matches: passive authentication reports
    /// DG14 as altered and the chip is not proven genuine.
    pub fn cnie_td1_dh_ca() -> Profile {
        let p = Profile::cnie_td1_dh();
        let fallback = p.clone();
        p.with_chip_authentication_dh(crate::pace_dh::DhGroup::Modp1024_160, &BSI_DH_CA_PRIVATE)
            .unwrap_or(fallback)
    }

    /// Replaces chip authentication by DH on `group` with the private key `secret`
    /// (big-endian, non-zero): DG14 is rebuilt (or added) with id-CA-DH-AES-CBC-CMAC-128 v2
    /// and the key; the ECDH key is dropped; EF.SOD is NOT re-signed. `None` for a zero key.
    pub fn with_chip_authentication_dh(
        mut self,
        group: crate::pace_dh::DhGroup,
        secret: &[u8],
    ) -> Option<Self> {
        let key = crate::ca_dh::DhCaKey::new(group, secret)?;
        let dg14 = crate::ca_dh::dg14(self.pace.map(|p| p.pace_info()), &key);
        self.ca = None;
        self.ca_dh = Some(key);
        if self.file(fid_dg(14)).is_none() {
            self = self.with_file(fid_dg(14), Vec::new());
        }
        if let Some(f) = self.files.iter_mut().find(|f| f.fid == fid_dg(14)) {
            f.content = dg14;
        }
        Some(self)
    }

    /// The DH PACE configuration, when the chip runs DH PACE.
    pub fn pace_dh_config(&self) -> Option<crate::pace_dh::DhPaceConfig> {
        self.pace_dh
    }

    /// The card of [`Profile::cnie_td1`] (PACE-CAN only, same files and EF.SOD) as a
    /// multi-application card: an EF.DIR in the MF (FID 2F00, SFI 1E) lists the eMRTD
    /// application (label "eMRTD"), the LDS2 travel records application
    /// [`AID_LDS2_TRAVEL_RECORDS`] (label "LDS2 TRAVEL", **absent**: SELECT answers 6A82) and
    /// the eID application [`AID_EID`] (label "eID", present without files).
    pub fn cnie_td1_multi_app() -> Profile {
        let dir = [
            (&AID_EMRTD[..], "eMRTD"),
            (&AID_LDS2_TRAVEL_RECORDS[..], "LDS2 TRAVEL"),
            (&AID_EID[..], "eID"),
        ]
        .iter()
        .flat_map(|(aid, label)| {
            let mut t = monid_core::tlv::encode(0x4F, aid);
            t.extend(monid_core::tlv::encode(0x50, label.as_bytes()));
            monid_core::tlv::encode(0x61, &t)
        })
        .collect();
        Profile::cnie_td1()
            .with_ef_dir(dir)
            .with_application(&AID_EID)
    }

    /// The same card as [`Profile::cnie_td1`] (same files, same EF.SOD) but with **BAC only**
    /// and no EF.CardAccess, for terminals that only do BAC. CA (DG14) and AA (DG15) still work
    /// under the BAC session.
    pub fn cnie_td1_bac() -> Profile {
        Profile::cnie(CnieState::Uto, AccessControl::Bac)
    }

    /// The same card as [`Profile::cnie_td1_bac`] (BAC only) but issued by `MAR` (Morocco):
    /// issuing state and nationality `MAR` in the MRZ (so DG1 differs), every other file
    /// identical. Its EF.SOD is signed by the test PKI's `DSC-MA` under `CSCA-MA` (C=MA), so that
    /// the issuing-state / certificate-country check can be exercised both ways (see
    /// `test-vectors/pki/SOURCE.md`).
    pub fn cnie_td1_mar() -> Profile {
        Profile::cnie(CnieState::Mar, AccessControl::Bac)
    }

    /// The ICAO 9303-11 Appendix G.1 document (PACE ECDH generic mapping, brainpoolP256r1,
    /// AES-128, MRZ password): document number `T22000129`, birth `640812`, expiry `101031`,
    /// PACE with the MRZ only, EF.CardAccess, DG1 and an unsigned EF.SOD. Use with
    /// [`crate::VirtualChip::with_fixed_pace`] to reproduce the appendix's chip values.
    pub fn icao_appendix_g1() -> Profile {
        let fields = MrzFields {
            doc_code: "P",
            state: "UTO",
            name: "SPECIMEN<<APPENDIX<G",
            number: "T22000129",
            nationality: "UTO",
            birth: "640812",
            sex: "F",
            expiry: "101031",
            optional: "",
        };
        let mrz = lds::mrz_td3(&fields);
        let files = lds_files(vec![(1, lds::dg1(&mrz))], None);
        let mut p = Profile::from_parts(&fields, true, files);
        p.access = AccessControl::Pace;
        p.pace_passwords = vec![Password::Mrz];
        p.set_pace(CNIE_PACE);
        p
    }

    /// Installs a PACE configuration and its EF.CardAccess (DG14 is left as signed).
    fn set_pace(&mut self, cfg: PaceConfig) {
        self.pace = Some(cfg);
        self.pace_dh = None;
        self.files.retain(|f| f.fid != FID_CARD_ACCESS);
        self.files.insert(
            0,
            File {
                fid: FID_CARD_ACCESS,
                sfi: Some(0x1C),
                location: Location::Mf,
                content: pace::card_access(&cfg),
            },
        );
    }

    fn rebuild_dg14(&mut self) {
        let Some(ca) = self.ca.as_ref() else {
            return;
        };
        let dg14 = pace::dg14(self.pace.as_ref(), ca.curve, &ca.public);
        if let Some(f) = self.files.iter_mut().find(|f| f.fid == fid_dg(14)) {
            f.content = dg14;
        }
    }

    fn cnie(state: CnieState, access: AccessControl) -> Profile {
        let (code, sod) = match state {
            CnieState::Uto => ("UTO", CNIE_SOD),
            CnieState::Mar => ("MAR", CNIE_MAR_SOD),
        };
        let fields = MrzFields {
            doc_code: "I",
            state: code,
            name: "TESTER<<SAMIRA",
            number: "ZX9876543",
            nationality: code,
            birth: "920315",
            sex: "F",
            expiry: "320314",
            optional: "",
        };
        let mrz = lds::mrz_td1(&fields);
        let (w, h) = CNIE_FACE_SIZE;
        let record = lds::facial_record(CNIE_FACE, ImageType::Jpeg2000, w, h);
        let dgs = vec![
            (1, lds::dg1(&mrz)),
            (2, lds::dg2(&record)),
            (7, lds::dg7(SIGNATURE)),
            (
                11,
                lds::tagged_text_dg(
                    0x6B,
                    &[
                        (0x5F0E, "TESTER<<SAMIRA"),
                        (0x5F2B, "19920315"),
                        (0x5F11, "VILLE-TEST"),
                        (0x5F42, "12 AVENUE DES ESSAIS<VILLE-TEST<UTO"),
                    ],
                ),
            ),
            (
                12,
                lds::tagged_text_dg(
                    0x6C,
                    &[(0x5F19, "UTOPIA NATIONAL REGISTRY"), (0x5F26, "20220316")],
                ),
            ),
            (15, lds::dg15(DG15_SPKI)),
        ];
        let ca = cnie_ca_key();
        let mut dgs = dgs;
        if let Some(ca) = ca.as_ref() {
            // DG14 always lists the PACEInfo, so the BAC variants share the EF.SOD.
            dgs.insert(5, (14, pace::dg14(Some(&CNIE_PACE), ca.curve, &ca.public)));
        }
        let mut files = lds_files(dgs, Some(sod));
        files.insert(
            0,
            File {
                fid: FID_ATR_INFO,
                sfi: Some(0x01),
                location: Location::Mf,
                content: lds::atr_info(2048, 4096),
            },
        );
        let mut p = Profile::from_parts(&fields, false, files);
        p.extended_length = true;
        p.max_command_len = 2048;
        p.max_response_len = 4096;
        p.transport = TransportInfo {
            max_command_len: 2048,
            max_response_len: 4096,
            extended_length: true,
        };
        p.cam_keys = cnie_cam_keys(ca.as_ref());
        p.ca = ca;
        p.aa_key = Some(AA_P256_PRIVATE.to_vec());
        if access != AccessControl::Bac {
            p.files.push(File {
                fid: FID_CARD_SECURITY,
                sfi: Some(0x1D),
                location: Location::Mf,
                content: CNIE_CARD_SECURITY.to_vec(),
            });
        }
        p.can = CNIE_CAN.to_owned();
        p.pace_passwords = vec![Password::Can];
        p.access = access;
        if access != AccessControl::Bac {
            p.set_pace(CNIE_PACE);
        } else {
            p.pace = Some(CNIE_PACE);
        }
        p
    }

    /// The ICAO 9303-11 Appendix D example: document number `L898902C<`, birth `690806`,
    /// expiry `940623`, and an EF.COM equal to the one the Appendix D.4 secure-messaging example
    /// reads (`60 14 5F01 "0106" 5F36 "040000" 5C 61 75`), with DG1 and DG2 (the passport face).
    /// Use with [`crate::VirtualChip::with_fixed_random`] to reproduce the appendix byte for byte.
    pub fn icao_appendix_d() -> Profile {
        let fields = MrzFields {
            doc_code: "P",
            state: "UTO",
            name: "SPECIMEN<<APPENDIX<D",
            number: "L898902C",
            nationality: "UTO",
            birth: "690806",
            sex: "F",
            expiry: "940623",
            optional: "",
        };
        let mrz = lds::mrz_td3(&fields);
        let (w, h) = PASSPORT_FACE_SIZE;
        let record = lds::facial_record(PASSPORT_FACE, ImageType::Jpeg, w, h);
        let dgs = vec![(1, lds::dg1(&mrz)), (2, lds::dg2(&record))];
        let mut files = lds_files(dgs, None);
        let mut com = monid_core::tlv::encode(0x5F01, b"0106");
        com.extend(monid_core::tlv::encode(0x5F36, b"040000"));
        com.extend(monid_core::tlv::encode(0x5C, &[0x61, 0x75]));
        if let Some(f) = files.iter_mut().find(|f| f.fid == FID_COM) {
            f.content = monid_core::tlv::encode(0x60, &com);
        }
        Profile::from_parts(&fields, true, files)
    }

    /// The LDSSecurityObject (EF.SOD eContent) over the profile's current data groups: version 0,
    /// SHA-256, DER. It is what the test PKI signs (`cargo run -p monid-vchip --example
    /// export_files`); the profile's EF.SOD must carry exactly these bytes.
    pub fn lds_security_object(&self) -> Vec<u8> {
        let dgs: Vec<(u8, &[u8])> = self
            .data_groups()
            .into_iter()
            .filter_map(|n| self.file(fid_dg(n)).map(|c| (n, c)))
            .collect();
        lds::lds_security_object(&dgs)
    }

    /// The full MRZ, lines concatenated without separators (88 characters for TD3, 90 for TD1).
    pub fn mrz(&self) -> &str {
        &self.mrz
    }

    /// The MRZ lines (2 x 44 or 3 x 30).
    pub fn mrz_lines(&self) -> Vec<&str> {
        let width = if self.mrz.len() == 90 { 30 } else { 44 };
        let mut out = Vec::new();
        let mut rest = self.mrz.as_str();
        while let Some((line, tail)) = rest.split_at_checked(width) {
            out.push(line);
            rest = tail;
        }
        out
    }

    /// The document number as in the MRZ (9 characters, `<`-filled), without check digit.
    pub fn document_number(&self) -> &str {
        &self.document_number
    }

    /// The date of birth as in the MRZ (`YYMMDD`).
    pub fn date_of_birth(&self) -> &str {
        &self.date_of_birth
    }

    /// The date of expiry as in the MRZ (`YYMMDD`).
    pub fn date_of_expiry(&self) -> &str {
        &self.date_of_expiry
    }

    /// The BAC "MRZ information": document number, date of birth and date of expiry, each
    /// followed by its check digit (ICAO 9303-11 §9.7.2).
    pub fn mrz_information(&self) -> String {
        let mut s = String::with_capacity(24);
        for f in [
            &self.document_number,
            &self.date_of_birth,
            &self.date_of_expiry,
        ] {
            s.push_str(f);
            s.push(lds::check_digit(f));
        }
        s
    }

    /// The raw bytes of file `fid` (e.g. 0x011E for EF.COM, 0x0102 for DG2, 0x2F01 for
    /// EF.ATR/INFO), `None` when the profile has no such file.
    pub fn file(&self, fid: u16) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.fid == fid)
            .map(|f| f.content.as_slice())
    }

    /// The file identifiers present, EF.ATR/INFO (if any) first, then EF.COM, the DGs in
    /// order, and EF.SOD.
    pub fn file_ids(&self) -> Vec<u16> {
        self.files.iter().map(|f| f.fid).collect()
    }

    /// The data group numbers present (as listed in EF.COM).
    pub fn data_groups(&self) -> Vec<u8> {
        (1..=16u8)
            .filter(|&n| self.file(fid_dg(n)).is_some())
            .collect()
    }

    /// The access control the chip requires.
    pub fn access_control(&self) -> AccessControl {
        self.access
    }

    /// The Card Access Number printed on the (virtual) card; empty when the profile has none.
    pub fn can(&self) -> &str {
        &self.can
    }

    /// The PACE PIN (used when [`Password::Pin`] is accepted).
    pub fn pin(&self) -> &str {
        &self.pin
    }

    /// The PACE configuration offered in EF.CardAccess, if the chip does PACE.
    pub fn pace_config(&self) -> Option<PaceConfig> {
        self.pace
    }

    /// The PACE passwords the chip accepts.
    pub fn pace_passwords(&self) -> &[Password] {
        &self.pace_passwords
    }

    /// The Chip Authentication public key (uncompressed point) and its curve, if the chip
    /// does Chip Authentication.
    pub fn chip_authentication_public_key(&self) -> Option<(Curve, Vec<u8>)> {
        self.ca.as_ref().map(|c| (c.curve, c.public.clone()))
    }

    /// True when the chip answers INTERNAL AUTHENTICATE (Active Authentication).
    pub fn active_authentication(&self) -> bool {
        self.aa_key.is_some()
    }

    /// Makes the chip accept exactly `password` for PACE (CAN, PIN or MRZ). On a profile without
    /// PACE this also installs the CNIE's PACE configuration (brainpoolP256r1, AES-128) and
    /// EF.CardAccess, and switches [`AccessControl::Bac`] / [`AccessControl::None`] to
    /// [`AccessControl::BacOrPace`].
    #[must_use]
    pub fn with_pace_password(mut self, password: Password) -> Self {
        self.pace_passwords = vec![password];
        if !self.files.iter().any(|f| f.fid == FID_CARD_ACCESS) {
            let cfg = self.pace.unwrap_or(CNIE_PACE);
            self.set_pace(cfg);
        }
        if !matches!(self.access, AccessControl::Pace | AccessControl::BacOrPace) {
            self.access = AccessControl::BacOrPace;
        }
        self
    }

    /// Sets the CAN (the PACE password for [`Password::Can`]).
    #[must_use]
    pub fn with_can(mut self, can: &str) -> Self {
        self.can = can.to_owned();
        self
    }

    /// Sets the PIN and its number of tries (at most 15; for [`Password::Pin`]). MSE:Set AT
    /// with the PIN answers 63Cx (x = tries left) once a wrong PIN was tried, 9000 otherwise;
    /// a wrong PIN at the last PACE step answers 63Cx; at 0 tries PACE with the PIN answers
    /// 6983.
    #[must_use]
    pub fn with_pin(mut self, pin: &str, tries: u8) -> Self {
        self.pin = pin.to_owned();
        self.pin_tries = tries.min(15);
        self
    }

    /// Changes the PACE curve and AES key length (16, 24 or 32 bytes; anything else means 16),
    /// generic mapping: see [`Profile::with_pace`].
    #[must_use]
    pub fn with_pace_curve(self, curve: Curve, key_len: usize) -> Self {
        let cipher = PaceCipher::aes(key_len).unwrap_or(PaceCipher::Aes128);
        self.with_pace(PaceConfig {
            curve,
            mapping: PaceMapping::Generic,
            cipher,
        })
    }

    /// Changes the PACE configuration (curve, mapping, cipher): EF.CardAccess is rewritten;
    /// DG14 keeps the issuer-signed PACEInfo of the profile's original configuration, so EF.SOD
    /// still covers it (TR-03110 lets DG14 and EF.CardAccess differ only in this test chip). For the chip authentication mapping the chip uses
    /// its static key on the PACE curve ([`Profile::cnie_td1`] has one per curve, listed in its
    /// signed EF.CardSecurity); a profile without one answers MSE:Set AT with 6A88.
    #[must_use]
    pub fn with_pace(mut self, cfg: PaceConfig) -> Self {
        if self.files.iter().any(|f| f.fid == FID_CARD_ACCESS) {
            self.set_pace(cfg);
        } else {
            self.pace = Some(cfg);
        }
        self
    }

    /// The SecurityInfos EF.CardSecurity must sign for this profile's static keys: a
    /// ChipAuthenticationInfo (id-CA-ECDH-AES-CBC-CMAC-128, version 2, keyId 1) and a
    /// ChipAuthenticationPublicKeyInfo per PACE-CAM key, DER. What the test PKI signs
    /// (`cargo run -p monid-vchip --example export_card_security`).
    pub fn card_security_content(&self) -> Vec<u8> {
        let keys: Vec<(u8, Curve, Vec<u8>)> = self
            .cam_keys
            .iter()
            .map(|k| (k.key_id, k.curve, k.public.clone()))
            .collect();
        pace::card_security_infos(&keys)
    }

    /// EF.CardSecurity as stored on the chip (in the MF), if the profile has one.
    pub fn card_security(&self) -> Option<&[u8]> {
        self.file_at(FID_CARD_SECURITY, Location::Mf)
    }

    /// Replaces (or adds) EF.CardSecurity, e.g. with a forged one.
    #[must_use]
    pub fn with_card_security(mut self, content: Vec<u8>) -> Self {
        self.files
            .retain(|f| !(f.fid == FID_CARD_SECURITY && f.location == Location::Mf));
        self.files.push(File {
            fid: FID_CARD_SECURITY,
            sfi: Some(0x1D),
            location: Location::Mf,
            content,
        });
        self
    }

    /// The PACE-CAM static public key on `curve` and its keyId, if the profile has one.
    pub fn cam_public_key(&self, curve: Curve) -> Option<(u8, Vec<u8>)> {
        self.cam_key(curve).map(|k| (k.key_id, k.public.clone()))
    }

    /// Replaces the PACE-CAM static key on `curve` (keyId kept, or the curve's parameter id).
    /// EF.CardSecurity is NOT re-signed. `None` when `secret` is not a valid private key.
    pub fn with_cam_key(mut self, curve: Curve, secret: &[u8]) -> Option<Self> {
        let public = curve.public_key(None, secret)?;
        let key_id = self
            .cam_key(curve)
            .map_or(curve.parameter_id(), |k| k.key_id);
        self.cam_keys.retain(|k| k.curve != curve);
        self.cam_keys.push(CaKey {
            key_id,
            curve,
            secret: secret.to_vec(),
            public,
        });
        Some(self)
    }

    pub(crate) fn cam_key(&self, curve: Curve) -> Option<&CaKey> {
        self.cam_keys.iter().find(|k| k.curve == curve)
    }

    pub(crate) fn file_at(&self, fid: u16, location: Location) -> Option<&[u8]> {
        self.files
            .iter()
            .find(|f| f.fid == fid && f.location == location)
            .map(|f| f.content.as_slice())
    }

    /// Replaces the Chip Authentication key pair (e.g. the BSI worked example's). DG14 is
    /// rebuilt (or added); EF.SOD is NOT re-signed. `None` when `secret` is not a valid
    /// private key on `curve`.
    pub fn with_chip_authentication_key(mut self, curve: Curve, secret: &[u8]) -> Option<Self> {
        let public = curve.public_key(None, secret)?;
        self.ca = Some(CaKey {
            key_id: 1,
            curve,
            secret: secret.to_vec(),
            public,
        });
        if self.file(fid_dg(14)).is_none() {
            self = self.with_file(fid_dg(14), Vec::new());
        }
        self.rebuild_dg14();
        Some(self)
    }

    /// What the profile's link reports through [`monid_core::Transport::info`].
    pub fn transport_info(&self) -> TransportInfo {
        self.transport
    }

    /// True when the chip accepts extended-length APDUs.
    pub fn extended_length(&self) -> bool {
        self.extended_length
    }

    /// Sets the access control (e.g. [`AccessControl::None`] for a plain-reading chip).
    #[must_use]
    pub fn with_access_control(mut self, access: AccessControl) -> Self {
        self.access = access;
        self
    }

    /// `None`: the chip accepts READ BINARY with P1 = 80|SFI (default); `Some(r)`: it refuses
    /// them with `r`'s status word.
    #[must_use]
    pub fn with_sfi_refusal(mut self, refusal: Option<SfiRefusal>) -> Self {
        self.sfi_refusal = refusal;
        self
    }

    /// Sets the chip's extended-length support and its maximum command and response APDU sizes
    /// (bytes, header and status word included). When `extended` is true and the profile has
    /// EF.ATR/INFO, its DO'7F66' is rewritten with these sizes (capped to 65535).
    #[must_use]
    pub fn with_extended_length(
        mut self,
        extended: bool,
        max_command_len: usize,
        max_response_len: usize,
    ) -> Self {
        self.extended_length = extended;
        self.max_command_len = max_command_len;
        self.max_response_len = max_response_len;
        if extended {
            let cmd = u16::try_from(max_command_len).unwrap_or(u16::MAX);
            let rsp = u16::try_from(max_response_len).unwrap_or(u16::MAX);
            if let Some(f) = self.files.iter_mut().find(|f| f.fid == FID_ATR_INFO) {
                f.content = lds::atr_info(cmd, rsp);
            }
        }
        self
    }

    /// Adds EF.ATR/INFO (advertising the current maximum sizes) or removes it.
    #[must_use]
    pub fn with_atr_info(mut self, present: bool) -> Self {
        self.files.retain(|f| f.fid != FID_ATR_INFO);
        if present {
            let cmd = u16::try_from(self.max_command_len).unwrap_or(u16::MAX);
            let rsp = u16::try_from(self.max_response_len).unwrap_or(u16::MAX);
            self.files.insert(
                0,
                File {
                    fid: FID_ATR_INFO,
                    sfi: Some(0x01),
                    location: Location::Mf,
                    content: lds::atr_info(cmd, rsp),
                },
            );
        }
        self
    }

    /// Installs EF.DIR in the MF (FID 2F00, SFI 1E, readable in plain) with these bytes, or
    /// replaces it.
    #[must_use]
    pub fn with_ef_dir(mut self, content: Vec<u8>) -> Self {
        self.files.retain(|f| f.fid != FID_DIR);
        self.files.insert(
            0,
            File {
                fid: FID_DIR,
                sfi: Some(0x1E),
                location: Location::Mf,
                content,
            },
        );
        self
    }

    /// Adds an application other than the eMRTD one that SELECT by AID (`00 A4 04 xx`) finds;
    /// it holds no files.
    #[must_use]
    pub fn with_application(mut self, aid: &[u8]) -> Self {
        if aid != AID_EMRTD && !self.other_applications.iter().any(|a| a == aid) {
            self.other_applications.push(aid.to_vec());
        }
        self
    }

    /// Sets what [`monid_core::Transport::info`] reports (the link, not the chip).
    #[must_use]
    pub fn with_transport_info(mut self, info: TransportInfo) -> Self {
        self.transport = info;
        self
    }

    /// Replaces EF.SOD (the whole `77` TLV as stored on the chip), e.g. with another flavour
    /// from `test-vectors/pki/sod/` (other DSC, SHA-1, indefinite-length BER, tampered ...).
    #[must_use]
    pub fn with_sod(self, sod: Vec<u8>) -> Self {
        self.with_file(FID_SOD, sod)
    }

    /// Replaces the content of an existing file, or adds an eMRTD application file with that
    /// identifier (SFI = low five bits of the FID for 01xx identifiers). EF.COM and EF.SOD are
    /// NOT recomputed.
    #[must_use]
    pub fn with_file(mut self, fid: u16, content: Vec<u8>) -> Self {
        if let Some(f) = self.files.iter_mut().find(|f| f.fid == fid) {
            f.content = content;
        } else {
            let sfi = (fid & 0xFF00 == 0x0100).then_some((fid & 0x1F) as u8);
            self.files.push(File {
                fid,
                sfi,
                location: Location::Emrtd,
                content,
            });
        }
        self
    }
}
