//! # monid-vchip: a virtual ICAO 9303 chip (card side)
//!
//! This crate owns a software eMRTD chip used by monid's tests, demo and benchmarks:
//! [`VirtualChip`] implements [`monid_core::Transport`], so the terminal talks to it exactly as it
//! would to an NFC tag: raw command APDU in, response APDU (data + SW1 SW2) out. It depends on
//! `monid-core` only for the `Transport` trait, `TransportError`, `TransportInfo` and the `tlv`
//! writer/reader; its BAC, PACE, Chip Authentication, Active Authentication, secure messaging,
//! key derivation, MRZ and LDS encoding are an INDEPENDENT implementation built directly on
//! RustCrypto (`des`, `cbc`, `retail-mac`, `aes`, `cmac`, `sha1`, `sha2`, `p256` / `p384` /
//! `p521` / `bp256` / `bp384` constant-time arithmetic, `p256` ECDSA), so that the terminal is
//! never tested only against itself. It checks itself against the ICAO 9303-11 Appendix D (BAC,
//! 3DES SM), G.1 (PACE GM), H.1 (PACE IM) and I (PACE-CAM) worked examples and the BSI EAC
//! worked example (PACE with a PIN, AES SM, CA v2): see `tests/appendix_d.rs`, `tests/pace.rs`
//! and the unit tests of `pace.rs`; `tests/pace_matrix.rs` reads the CNIE with the core's
//! reader on every supported (curve, mapping, cipher).
//!
//! ## Commands
//!
//! - Command APDUs are parsed card-side: cases 1-4, short and extended Lc/Le; a malformed layout,
//!   a command longer than the chip's maximum, or an extended APDU on a chip without extended
//!   length answers **6700** (and ends an SM session). CLA `00` is plain, `0C` is secure
//!   messaging, anything else is **6E00**. Unknown INS: **6D00**.
//! - `SELECT` (`A4`): `04 0C <AID>` selects the eMRTD application `A0000002471001`
//!   (`04 00` returns an FCI `6F{84 AID}`, `04 04` an FCP `62{84 AID}`; unknown AID **6A82**),
//!   and any other application the profile lists ([`Profile::with_application`], no files);
//!   `02 0C <FID>` and `00 0C <FID>` select an EF of the current DF (`P2=04`/`00` return an
//!   FCP/FCI with size `80`, descriptor `82`, FID `83`); `00 0C` with no data or `3F00` selects
//!   the MF. EFs are looked up in the current DF only: EF.ATR/INFO (`2F01`), EF.DIR (`2F00`, SFI `1E`) and EF.CardAccess
//!   (`011C`, SFI `1C`) under the MF, EF.COM, the DGs and EF.SOD under the application. Unknown file **6A82**; bad P1/P2 **6A86**.
//! - `READ BINARY` (`B0`): 15-bit offset in P1-P2, or `P1 = 80|SFI` with the offset in P2 (this
//!   also selects the EF; SFIs: EF.COM 1E, DGn n, EF.SOD 1D, EF.ATR/INFO 01). Le past the end:
//!   the remaining bytes and **6282**; offset equal to or past the length: **6B00**; no current
//!   EF: **6986**; Le absent: **6700**.
//! - `READ BINARY` odd INS (`B1`): data `54 <offset>` (1-4 bytes, any offset), P1-P2 `0000` for
//!   the current EF, `00xx` for an SFI, otherwise a FID; answers `53 <data>`, Ne counting the
//!   `53` header. Same end-of-file rules; malformed offset DO **6A80**.
//! - Before access control (any [`AccessControl`] but `None`), selecting or reading any file of
//!   the application answers **6982** (EF.ATR/INFO and EF.CardAccess in the MF stay readable).
//! - BAC, ICAO 9303-11 §9.7: `GET CHALLENGE` (`00 84 00 00 08`) then
//!   `EXTERNAL AUTHENTICATE` (`00 82 00 00 28 <E_IFD||M_IFD> 28`) with the card's own keys
//!   (K_seed = first 16 bytes of SHA-1(document number + cd + birth + cd + expiry + cd),
//!   K_enc/K_mac by the §9.7.1 KDF). A wrong MAC or a wrong RND.IC answers **6300**; without a
//!   preceding challenge **6985**. [`VirtualChip::with_fixed_random`] fixes RND.IC and K.IC.
//! - 3DES secure messaging, §9.8: every protected command must carry DO'8E' (missing: **6987**)
//!   with a valid MAC over SSC || pad(header) || DO'87'/'85' || DO'97' (wrong: **6988**); the
//!   SSC is incremented before checking the command and again before the response MAC. DO'87'
//!   (or DO'85') is decrypted, DO'97' (1 or 2 bytes, 00/0000 = 256/65536) is the inner Le. The
//!   response is DO'87' (DO'85' for odd INS) if there is data, DO'99', DO'8E', with the inner SW
//!   as outer SW. The plain data is cut so that the wrapped response fits the outer Ne and the
//!   chip's maximum response size. Any SM error answers a plain SW and ENDS the session; so
//!   does a plain (CLA `00`) command during a session, answered **6987**. A protected command
//!   without a session answers **6882**. `reconnect()` (power-up) clears the session.
//! - PACE, ICAO 9303-11 §4.4 / TR-03110-2 (profiles with [`AccessControl::Pace`] or
//!   [`AccessControl::BacOrPace`]; on `Pace`, GET CHALLENGE / EXTERNAL AUTHENTICATE answer
//!   **6D00**): `MSE:Set AT` `00 22 C1 A4 {80 OID, 83 01|02|03, 84 paramId?}` (OID or parameter
//!   id not the card's, or a password the profile does not accept: **6A88**; a PIN with failed
//!   tries: **63Cx**); then `GENERAL AUTHENTICATE` `10 86 00 00` x3 and `00 86 00 00`: step 1
//!   `7C{}` -> `7C{80 z}`, z = E(K_pi, s) (CBC, zero IV, AES or 3DES), s 16 bytes (32 for IM
//!   with AES-192/256), K_pi = KDF(password, 3) (CAN/PIN as ASCII, MRZ as SHA-1 of the MRZ
//!   information); step 2, generic mapping and CAM: `7C{81 PK_map}` -> `7C{82 PK_map,PICC}`,
//!   G' = s*G + SK_map*PK_map,PCD; integrated mapping: `7C{81 t}` -> `7C{}`, G' =
//!   f_G(R_p(s, t)) (the pseudo-random function and simplified-SWU point encoding of §4.4.3.3.2);
//!   step 3 `7C{83 PK_PCD}` -> `7C{84 PK_PICC}`; step 4 `7C{85 T_PCD}` -> `7C{86 T_PICC}` (CAM:
//!   `7C{86 T_PICC, 8A A_IC}`, A_IC = AES-CBC(KS_enc, IV = AES(KS_enc, FF..FF), pad(CA_IC)),
//!   CA_IC = SK_map,PICC · SK_IC⁻¹ with the static key on the PACE curve) with T =
//!   CMAC(KS_mac, 7F49{06 OID, 86 other key})[..8] (3DES: retail MAC over the padded input).
//!   Curves P-256, P-384, P-521, brainpoolP256r1, brainpoolP384r1; GM and IM with 3DES and
//!   AES-128/192/256, CAM with AES ([`PaceConfig`]). A wrong T_PCD (wrong password) answers **6300** (PIN: **63Cx**, the
//!   counter decrements; at 0 the PIN is blocked, step 1 answers **6983**). Malformed data or an
//!   invalid point: **6A80**; out of sequence: **6985**; any error restarts PACE. The chaining
//!   bit is accepted on GENERAL AUTHENTICATE only (elsewhere **6884**) and must be clear on the
//!   last step. Then AES secure messaging: SSC 16 bytes from 0, IV = AES(KS_enc, SSC), padding
//!   and MAC input to 16-byte blocks, CMAC truncated to 8 bytes; otherwise as the 3DES SM above
//!   (PACE with 3DES: the 3DES SM above with an SSC of zero).
//!   [`VirtualChip::with_fixed_pace`] fixes s and the chip's two private keys.
//! - PACE with DH Generic Mapping (`pace_dh.rs`, profiles with [`Profile::with_pace_dh`]):
//!   id-PACE-DH-GM-AES-CBC-CMAC-128/192/256 on the RFC 5114 groups (parameter ids 0, 1, 2), the
//!   same commands and status words; public values are p's length, g' = g^s · Y_map,PCD^x_map
//!   mod p, every terminal value is checked (1 < y < p-1, y^q = 1) and T = CMAC(KS_mac,
//!   7F49{06 OID, 84 other value})[..8]. Integrated Mapping ([`Profile::with_pace_dh_im`],
//!   id-PACE-DH-IM-AES-CBC-CMAC-128): step 2 `7C{81 t}` -> `7C{}`, g' = R_p(s, t)^((p-1)/q).
//! - Chip Authentication, §6.2 (under SM, after BAC or PACE): v2 `MSE:Set AT` `00 22 41 A4 {80
//!   id-CA-ECDH-AES-CBC-CMAC-128, 84 01?}` then `GENERAL AUTHENTICATE` `7C{80 PK_PCD}` ->
//!   `7C{81 r_PICC, 82 T_PICC}`, KS = KDF(K || r_PICC, 1|2), T_PICC = CMAC(KS_mac, 7F49{06 OID,
//!   86 PK_PCD})[..8]; v1 `MSE:Set KAT` `00 22 41 A6 {91 PK_PCD, 84 01?}` -> 9000, KS = KDF(K,
//!   1|2). The response is protected with the old keys, then the session switches to the new
//!   ones with SSC 0. Outside SM: **6982**. [`VirtualChip::with_fixed_ca_nonce`] fixes r_PICC.
//!   `MSE:Set DST/AT` for Terminal Authentication (`81 B6`, `81 A4`) are accepted and ignored.
//!   With a DH key (`ca_dh.rs`, [`Profile::with_chip_authentication_dh`]): v2 only, OID
//!   id-CA-DH-AES-CBC-CMAC-128, T_PICC over `7F49{06 OID, 84 PK_PCD}`; `MSE:Set KAT` **6A86**.
//! - Active Authentication, §6.1: `INTERNAL AUTHENTICATE` `00 88 00 00 08 <challenge> 00` (under
//!   SM) -> ECDSA P-256 over SHA-256(challenge), plain `r || s` (64 bytes, RFC 6979
//!   deterministic) with the DG15 key. Before access control **6982**; a challenge not 8 bytes
//!   **6700**; a profile without AA **6D00**.
//!
//! ## Profiles
//!
//! All holders are invented and the state is `UTO` (reserved by ICAO for specimens); the
//! photos are cartoon faces drawn by `assets/make_faces.py`.
//! - [`Profile::passport_td3`]: TD3 passport, BAC, short APDUs only, no EF.ATR/INFO; DG1, DG2
//!   (~20 KB JPEG in an ISO/IEC 19794-5 record), DG11, DG12, EF.SOD.
//! - [`Profile::cnie_td1`]: CNIE-like TD1 ID card, **PACE-CAN only** (CAN [`CNIE_CAN`] =
//!   `482051`, [`Profile::can`]; brainpoolP256r1, AES-128), EF.CardAccess, extended length
//!   (EF.ATR/INFO advertises 2048-byte commands and 4096-byte responses); DG1, DG2 (> 32 KB JPEG
//!   2000, so offsets above 32767 need `B1`), DG7 (signature), DG11 (with a synthetic address),
//!   DG12, DG14 (CA v2, brainpoolP256r1 key `assets/ca_bp256_*`, keyId 1, and the PACEInfo),
//!   DG15 (EC P-256 key `assets/dg15_p256_spki.der`, AA answered), EF.SOD; in the MF,
//!   EF.CardSecurity (FID 011D, SFI 1D, readable under SM only), signed by the test PKI's
//!   DSC-BP256X (`test-vectors/pki/make-card-security.sh`), with the CA key (keyId 1) and one
//!   PACE-CAM key per other curve (keyId = parameter id, derived from a label:
//!   [`Profile::card_security_content`]). All keys are TEST-ONLY and committed or derived.
//! - [`Profile::cnie_td1_multi_app`]: the same card with an EF.DIR (2F00, SFI 1E, in the MF)
//!   listing the eMRTD application, the LDS2 travel records application (absent: **6A82**) and
//!   the eID application (present, no files); [`Profile::with_ef_dir`],
//!   [`Profile::with_application`].
//! - [`Profile::cnie_td1_bac`]: the same card, same files and EF.SOD, BAC only and no
//!   EF.CardAccess (CA and AA still work under BAC).
//! - [`Profile::icao_appendix_g1`]: the Appendix G.1 document (T22000129, 640812, 101031), PACE
//!   with the MRZ.
//! - [`Profile::cnie_td1_dh`] (DH GM, 1024/160, AES-128), [`Profile::cnie_td1_dh_2048`] (DH GM,
//!   2048/224, AES-256): the CNIE with a DH-only EF.CardAccess (DG14 and EF.SOD unchanged);
//!   [`Profile::cnie_td1_dh_ca`]: also DH chip authentication (DG14 rebuilt, so EF.SOD no longer
//!   covers it).
//! - Options: [`Profile::with_pace_password`] (CAN, PIN or MRZ; adds PACE to a BAC profile),
//!   [`Profile::with_can`], [`Profile::with_pin`], [`Profile::with_pace`] (any [`PaceConfig`];
//!   DG14 keeps its signed PACEInfo), [`Profile::with_pace_curve`] (GM, AES),
//!   [`Profile::with_chip_authentication_key`], [`Profile::with_cam_key`],
//!   [`Profile::with_card_security`].
//! - [`Profile::icao_appendix_d`]: the Appendix D document (L898902C<, 690806, 940623) with the
//!   EF.COM the Appendix D.4 example reads.
//! - [`Profile::cnie_td1_mar`]: the BAC card issued by `MAR` (only DG1 differs), for the
//!   certificate-country check.
//!
//! EF.COM lists exactly the DGs present. **EF.SOD is signed by the test PKI** of
//! `test-vectors/pki/` (made with Debian's `openssl`, see its SOURCE.md): the passport's by
//! DSC-RSA (RSA PKCS#1 v1.5), the CNIE's by DSC-BP256X (ECDSA brainpoolP256r1, explicit
//! parameters, chained to CSCA-UTO-NEW through a link certificate), the MAR CNIE's by DSC-MA.
//! Their eContent is [`Profile::lds_security_object`] (LDSSecurityObject v0, SHA-256) and
//! `tests/signed_sod.rs` checks it against the DGs served; [`Profile::with_sod`] swaps in another
//! flavour (PSS, P-256, expired, revoked, indefinite-length, tampered ...). The Appendix D
//! profile keeps a structurally real but UNSIGNED EF.SOD (empty `signerInfos`).
//!
//! ## Misbehaviour
//!
//! [`Misbehaviour`] injects deterministic faults by APDU index (0-based count of every
//! `transceive` call since creation): drop the link (then `TransportError::TagLost` until
//! [`VirtualChip::reconnect`]), corrupt the response MAC, truncate a response, answer a wrong
//! SW; and behaviours: omit DO'99', no DO'8E' on non-9000 SM responses, refuse extended length
//! with 6700, cap the READ BINARY data per APDU (fewer bytes with 9000), refuse SFIs with 6A86,
//! 6D00 or 6A82.
//!
//! ## Link model
//!
//! Each answered exchange adds to [`LinkStats`]; its modelled cost in µs is (integer maths)
//! `turnaround_us + (command_bytes + response_bytes) * 8 * 1_000_000 / bit_rate`, with
//! [`LinkModel::default`] = 424 000 bit/s and 5 000 µs. [`Transport::info`](monid_core::Transport::info) returns the
//! profile's [`monid_core::TransportInfo`].
//!
//! ## Secrets
//!
//! Keys, challenges, session keys and file contents are zeroized on drop and redacted from
//! `Debug`, even though all data here is synthetic, to keep the project's rules uniform.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aa;
mod ca_dh;
mod chip;
mod cmd;
mod crypto;
mod ec;
mod lds;
mod link;
mod misbehave;
mod pace;
mod pace_dh;
mod profile;

pub use chip::VirtualChip;
pub use ec::Curve;
pub use lds::check_digit;
pub use link::{LinkModel, LinkStats};
pub use misbehave::Misbehaviour;
pub use pace::{PaceCipher, PaceConfig, PaceMapping, Password};
pub use pace_dh::{DhGroup, DhPaceConfig};
pub use profile::{
    AID_EID, AID_EMRTD, AID_LDS2_TRAVEL_RECORDS, AccessControl, CNIE_CAN, FID_ATR_INFO,
    FID_CARD_ACCESS, FID_CARD_SECURITY, FID_COM, FID_DIR, FID_SOD, Profile, SfiRefusal, fid_dg,
};
