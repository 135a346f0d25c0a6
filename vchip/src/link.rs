//! The link model: a simple cost model of the contactless link, and the counters the virtual
//! chip keeps.
//!
//! This module owns [`LinkModel`] and [`LinkStats`]. It does not sleep or measure real time: the
//! modelled time is arithmetic only, so tests and benchmarks stay deterministic.

/// A cost model of the contactless link.
///
/// Each completed exchange costs, in microseconds (integer maths, rounded down):
///
/// ```text
/// turnaround_us + (command_bytes + response_bytes) * 8 * 1_000_000 / bit_rate
/// ```
///
/// With the default (424 kbit/s, 5 ms turnaround) a 7-byte SELECT answered by 2 bytes costs
/// `5_000 + 72 * 1_000_000 / 424_000 = 5_169` µs. A `bit_rate` of 0 counts the turnaround only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkModel {
    /// Bit rate of the link in bit/s (ISO/IEC 14443: 106_000, 212_000, 424_000, 848_000).
    pub bit_rate: u32,
    /// Fixed cost of each exchange (frame delays, chip processing, reader overhead), in µs.
    pub turnaround_us: u32,
}

impl Default for LinkModel {
    /// 424 kbit/s and 5_000 µs per exchange.
    fn default() -> Self {
        LinkModel {
            bit_rate: 424_000,
            turnaround_us: 5_000,
        }
    }
}

impl LinkModel {
    /// The modelled cost in µs of one exchange of `command_len` + `response_len` bytes.
    pub fn cost_us(&self, command_len: usize, response_len: usize) -> u64 {
        let bytes = (command_len as u64).saturating_add(response_len as u64);
        let transfer = bytes
            .saturating_mul(8_000_000)
            .checked_div(u64::from(self.bit_rate))
            .unwrap_or(0);
        u64::from(self.turnaround_us).saturating_add(transfer)
    }
}

/// Counters of the exchanges the chip answered (calls that returned a transport error are not
/// counted).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkStats {
    /// Exchanges answered.
    pub apdus: u64,
    /// Command bytes received.
    pub bytes_to_card: u64,
    /// Response bytes sent (status words included).
    pub bytes_from_card: u64,
    /// Modelled link time in µs (see [`LinkModel`]).
    pub modelled_us: u64,
}

impl LinkStats {
    pub(crate) fn record(&mut self, model: &LinkModel, command_len: usize, response_len: usize) {
        self.apdus = self.apdus.saturating_add(1);
        self.bytes_to_card = self.bytes_to_card.saturating_add(command_len as u64);
        self.bytes_from_card = self.bytes_from_card.saturating_add(response_len as u64);
        self.modelled_us = self
            .modelled_us
            .saturating_add(model.cost_us(command_len, response_len));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_formula() {
        let m = LinkModel::default();
        assert_eq!(m.cost_us(7, 2), 5_169);
        let z = LinkModel {
            bit_rate: 0,
            turnaround_us: 3,
        };
        assert_eq!(z.cost_us(100, 100), 3);
        let mut s = LinkStats::default();
        s.record(&m, 7, 2);
        s.record(&m, 7, 2);
        assert_eq!((s.apdus, s.bytes_to_card, s.bytes_from_card), (2, 14, 4));
        assert_eq!(s.modelled_us, 10_338);
    }
}
