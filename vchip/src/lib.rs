//! # monid-vchip: a virtual ICAO 9303 chip (card side)
//!
//! This crate owns a software eMRTD chip used by monid's tests, demo and benchmarks:
//! [`VirtualChip`] implements [`monid_core::Transport`], so the terminal talks to it exactly as it
//! would to an NFC tag: raw command APDU in, response APDU (data + SW1 SW2) out. It depends on
//! `monid-core` only for the `Transport` trait, `TransportError`, `TransportInfo` and the `tlv`
//! writer/reader; its BAC, secure messaging, key derivation, MRZ and LDS encoding are an
//! INDEPENDENT implementation built directly on RustCrypto (`des`, `cbc`, `retail-mac`, `sha1`,
//! `sha2`), so that the terminal is never tested only against itself. It checks itself against
//! the ICAO 9303-11 Appendix D worked example (see `tests/appendix_d.rs`).
//!
//! ## Commands
//!
//! - Command APDUs are parsed card-side: cases 1-4, short and extended Lc/Le; a malformed layout,
//!   a command longer than the chip's maximum, or an extended APDU on a chip without extended
//!   length answers **6700** (and ends an SM session). CLA `00` is plain, `0C` is secure
//!   messaging, anything else is **6E00**. Unknown INS: **6D00**.
//! - `SELECT` (`A4`): `04 0C <AID>` selects the eMRTD application `A0000002471001`
//!   (`04 00` returns an FCI `6F{84 AID}`, `04 04` an FCP `62{84 AID}`; unknown AID **6A82**);
//!   `02 0C <FID>` and `00 0C <FID>` select an EF of the current DF (`P2=04`/`00` return an
//!   FCP/FCI with size `80`, descriptor `82`, FID `83`); `00 0C` with no data or `3F00` selects
//!   the MF. EFs are looked up in the current DF only: EF.ATR/INFO (`2F01`) under the MF, EF.COM,
//!   the DGs and EF.SOD under the application. Unknown file **6A82**; bad P1/P2 **6A86**.
//! - `READ BINARY` (`B0`): 15-bit offset in P1-P2, or `P1 = 80|SFI` with the offset in P2 (this
//!   also selects the EF; SFIs: EF.COM 1E, DGn n, EF.SOD 1D, EF.ATR/INFO 01). Le past the end:
//!   the remaining bytes and **6282**; offset equal to or past the length: **6B00**; no current
//!   EF: **6986**; Le absent: **6700**.
//! - `READ BINARY` odd INS (`B1`): data `54 <offset>` (1-4 bytes, any offset), P1-P2 `0000` for
//!   the current EF, `00xx` for an SFI, otherwise a FID; answers `53 <data>`, Ne counting the
//!   `53` header. Same end-of-file rules; malformed offset DO **6A80**.
//! - Before access control, on a profile with [`AccessControl::Bac`], selecting or reading any
//!   file of the application answers **6982** (EF.ATR/INFO in the MF stays readable).
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
//!
//! ## Profiles
//!
//! All holders are invented and the state is `UTO` (reserved by ICAO for specimens); the
//! photos are cartoon faces drawn by `assets/make_faces.py`.
//! - [`Profile::passport_td3`]: TD3 passport, BAC, short APDUs only, no EF.ATR/INFO; DG1, DG2
//!   (~20 KB JPEG in an ISO/IEC 19794-5 record), DG11, DG12, EF.SOD.
//! - [`Profile::cnie_td1`]: CNIE-like TD1 ID card, BAC (PACE later), extended length (EF.ATR/INFO
//!   advertises 2048-byte commands and 4096-byte responses); DG1, DG2 (> 32 KB JPEG 2000, so
//!   offsets above 32767 need `B1`), DG7 (signature), DG11 (with a synthetic address), DG12,
//!   DG15 (EC P-256 SubjectPublicKeyInfo from `assets/dg15_p256_spki.der`), EF.SOD.
//! - [`Profile::icao_appendix_d`]: the Appendix D document (L898902C<, 690806, 940623) with the
//!   EF.COM the Appendix D.4 example reads.
//! - [`Profile::cnie_td1_mar`]: the same card issued by `MAR` (only DG1 differs), for the
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
//! [`LinkModel::default`] = 424 000 bit/s and 5 000 µs. [`VirtualChip::info`] returns the
//! profile's [`monid_core::TransportInfo`].
//!
//! ## Secrets
//!
//! Keys, challenges, session keys and file contents are zeroized on drop and redacted from
//! `Debug`, even though all data here is synthetic, to keep the project's rules uniform.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod aa;
mod chip;
mod cmd;
mod crypto;
mod ec;
mod lds;
mod link;
mod misbehave;
mod pace;
mod profile;

pub use chip::VirtualChip;
pub use ec::Curve;
pub use lds::check_digit;
pub use link::{LinkModel, LinkStats};
pub use misbehave::Misbehaviour;
pub use pace::{PaceConfig, Password};
pub use profile::{
    AID_EMRTD, AccessControl, FID_ATR_INFO, FID_CARD_ACCESS, FID_COM, FID_SOD, Profile, SfiRefusal,
    fid_dg,
};
