//! # The monid manual: chip quirks and design decisions
//!
//! This module holds no code. It records, where a reader of the crate docs finds them, the
//! behaviours of real chips (and of the third-party emulators we test against) that shaped the
//! reader, and what the reader does about each. Add to it when a document teaches us something.
//!
//! ## Secure messaging
//!
//! * **DO'99' omitted.** Some chips (and vsmartcard's vicc ePass) answer protected commands with
//!   DO'87' and DO'8E' but no DO'99'. ICAO 9303-11 requires DO'99'; we accept its absence when
//!   the MAC over the objects present verifies, and take the status word from the response
//!   trailer ([`crate::sm::SecureMessaging::unprotect`]).
//! * **Errors without a MAC.** Chips may answer a failing protected command (6A82, 6282, ...)
//!   with a bare status word, without DO'8E'. Such a status is usable as a status only: its data
//!   is discarded, and since the chip may or may not have advanced its send sequence counter,
//!   the session is out of sync. The [`crate::channel::Channel`] re-runs access control before
//!   the next protected command (bounded: three times in a row at most). A 9000 without DO'8E'
//!   is never accepted: its data could be anyone's.
//! * **Reading past the end.** A READ BINARY whose Le goes past the end of the file is answered
//!   6282 by ICAO chips, but some answer it without a MAC, which costs a re-authentication. The
//!   reader therefore reads a file's TLV header first (4 bytes) and then exactly the bytes that
//!   remain ([`crate::files`]).
//! * **A stale session.** After we lose track of a session (a corrupted response), the chip may
//!   still hold it and answer our plain GET CHALLENGE with 6987/6988 while ending it; the
//!   channel sends GET CHALLENGE once more.
//! * **vicc's SSC bug.** vicc MACs the send sequence counter with leading zero bytes dropped, so
//!   about 1 session in 256 fails every MAC; the project's emulator wrapper fixes it. A real chip
//!   with such a bug would show as repeated re-authentication and then
//!   [`crate::ErrorKind::ChipMisbehaved`].
//!
//! ## Files and read sizes
//!
//! * **Short file identifiers.** Not every chip supports READ BINARY with P1=80|SFI. A 6A86 or
//!   6D00 means no SFI support; a 6A82 may mean either "no such file" or "no SFI support", so the
//!   reader SELECTs the file by its identifier to tell which.
//! * **Extended length advertised but refused.** Some chips announce extended length in
//!   EF.ATR/INFO and answer 6700 to it. The reader uses extended length only when the chip
//!   announces it *and* the transport supports it, probes it with the plain application SELECT
//!   before access control, and steps down (extended, 0xDF, 0x80, 0x40, 0x20, 0x10) on 6700,
//!   6Cxx or a link error during a large read.
//! * **0xDF.** Short reads under secure messaging ask 223 bytes so that the protected response
//!   (padding, DO'87', DO'99', DO'8E') fits a 256-byte short response, as ICAO 9303-11 and JMRTD
//!   do.
//! * **Offsets above 32767** need the odd-instruction READ BINARY (B1) with the offset in DO'54'
//!   and the data in DO'53'. Face images above 32 KB are common on ID cards.
//! * **Non-minimal lengths.** Chips and vicc write `81 7F` where DER would write `7F`; the TLV
//!   reader accepts any definite length form up to four bytes.
//!
//! ## Data groups
//!
//! * **EF.COM is unsigned and sometimes wrong.** vicc writes the data-group list as the text
//!   "6175" with a length of 2. When EF.COM does not parse cleanly, the reader tries every data
//!   group basic access allows instead of trusting the list; absent ones are reported.
//! * **DG2 image type.** The biometric header's image data type is not trusted: the format is
//!   taken from the image's magic bytes, and a disagreeing header is reported
//!   (`header_mismatch`). vicc declares JPEG 2000 for a JPEG.
//! * **DG2 without its outer tag.** vicc's DG2 starts at 7F61; accepted and flagged.
//!
//! ## Threat model in one paragraph
//!
//! The chip, the link and the caller's input are untrusted: every length is checked against
//! the bytes present before any allocation, every file has a size cap, loops over chip answers
//! are bounded, and no input can make the core panic (clippy denies `unwrap`, `expect`, `panic`
//! and indexing outside tests; fuzz targets cover every parser). A reader with the wrong access
//! key learns nothing but [`crate::ErrorKind::WrongAccessKey`]. What the chip says is not yet
//! proven to be the issuer's data: passive authentication (the SOD signature and data-group
//! hashes) is a separate step, and the parsed view marks every field `NotChecked` until it runs.
