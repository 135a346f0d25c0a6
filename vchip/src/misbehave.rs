//! Deliberate misbehaviour of the virtual chip, to test the terminal's error handling.
//!
//! This module owns the [`Misbehaviour`] settings only; the chip applies them. Every indexed
//! fault is deterministic: it fires at the APDU with that index, where the index counts every
//! `transceive` call made on the chip since its creation (0-based, including calls that fail
//! with a transport error, not reset by `reconnect` nor `reset_stats`).

use crate::profile::SfiRefusal;

/// What the chip does wrong. `Misbehaviour::default()` is a well-behaved chip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Misbehaviour {
    /// `Some(n)`: APDUs 0..n are answered, then the link drops: from APDU index n on,
    /// `transceive` returns `TransportError::TagLost` until `reconnect()` (one-shot: after the
    /// reconnect the link stays up).
    pub drop_link_after: Option<u64>,
    /// `Some(n)`: the response to APDU n has its last byte before the status word flipped (in an
    /// SM response that is the last byte of DO'8E', the MAC). Responses without data are left
    /// alone.
    pub corrupt_mac_at: Option<u64>,
    /// `Some((n, keep))`: the response to APDU n is cut to its first `keep` bytes.
    pub truncate_response_at: Option<(u64, usize)>,
    /// `Some((n, sw))`: the response to APDU n ends with `sw` instead of its status word (the
    /// data, and in SM the DO'99' and MAC, are unchanged).
    pub wrong_sw_at: Option<(u64, u16)>,
    /// SM responses carry no DO'99' (the MAC then covers DO'87'/'85' only), like vicc.
    pub omit_do99: bool,
    /// SM responses whose status word is not 9000 carry no DO'8E' (no MAC), like vicc.
    pub errors_without_mac: bool,
    /// Extended-length APDUs are answered 6700 even when EF.ATR/INFO advertises them.
    pub refuse_extended: bool,
    /// `Some(n)`: READ BINARY returns at most `n` bytes of file data per APDU (B0: data bytes;
    /// B1: bytes inside DO'53'), with 9000 unless the end of the file is reached, as real chips
    /// with small buffers do. The terminal must continue at the offset it really got.
    pub max_response_data: Option<usize>,
    /// `Some(r)`: READ BINARY with a short file identifier (B0 with P1 = 80|SFI, B1 with an SFI
    /// in P1-P2) is refused with `r`'s status word. Overrides the profile's setting.
    pub no_sfi: Option<SfiRefusal>,
}

impl Misbehaviour {
    /// A well-behaved chip.
    pub fn new() -> Self {
        Self::default()
    }

    /// See [`Misbehaviour::drop_link_after`].
    #[must_use]
    pub fn drop_link_after(mut self, n: u64) -> Self {
        self.drop_link_after = Some(n);
        self
    }

    /// See [`Misbehaviour::corrupt_mac_at`].
    #[must_use]
    pub fn corrupt_mac_at(mut self, n: u64) -> Self {
        self.corrupt_mac_at = Some(n);
        self
    }

    /// See [`Misbehaviour::truncate_response_at`].
    #[must_use]
    pub fn truncate_response_at(mut self, n: u64, keep: usize) -> Self {
        self.truncate_response_at = Some((n, keep));
        self
    }

    /// See [`Misbehaviour::wrong_sw_at`].
    #[must_use]
    pub fn wrong_sw_at(mut self, n: u64, sw: u16) -> Self {
        self.wrong_sw_at = Some((n, sw));
        self
    }

    /// See [`Misbehaviour::omit_do99`].
    #[must_use]
    pub fn omit_do99(mut self) -> Self {
        self.omit_do99 = true;
        self
    }

    /// See [`Misbehaviour::errors_without_mac`].
    #[must_use]
    pub fn errors_without_mac(mut self) -> Self {
        self.errors_without_mac = true;
        self
    }

    /// See [`Misbehaviour::refuse_extended`].
    #[must_use]
    pub fn refuse_extended(mut self) -> Self {
        self.refuse_extended = true;
        self
    }

    /// See [`Misbehaviour::max_response_data`].
    #[must_use]
    pub fn max_response_data(mut self, n: usize) -> Self {
        self.max_response_data = Some(n);
        self
    }

    /// See [`Misbehaviour::no_sfi`].
    #[must_use]
    pub fn no_sfi(mut self, refusal: SfiRefusal) -> Self {
        self.no_sfi = Some(refusal);
        self
    }
}
