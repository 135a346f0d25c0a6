//! The summary of a read: what `summary.json`, `--json` and the human output show.
//!
//! This module owns the summary's shape and its two renderings (JSON and text). It holds
//! personal data (DG1 fields) in [`Zeroizing`] strings and its rendered forms are zeroizing too;
//! the human rendering masks the document number except its last three characters. It does not
//! read chips or parse data groups (the core does) and does not write files (`output` does).

use monid_core::pki::Timestamp;
use monid_core::pki::pa::{PaReport, Verdict};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

/// One file read from the chip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    /// Its name (`EF.COM`, `DG1`, ...).
    pub name: String,
    /// Its length in bytes.
    pub bytes: usize,
}

/// The face image found in DG2 (or DG7 for a signature, not shown here).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FaceSummary {
    /// Image format (`JPEG`, `JPEG 2000`).
    pub format: String,
    /// Encoded image size in bytes.
    pub bytes: usize,
    /// Dimensions after decoding, when decoded.
    pub dimensions: Option<(u32, u32)>,
    /// Why the image was not decoded, when it was not.
    pub decode_error: Option<String>,
}

/// Counters of the read.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Stats {
    /// APDUs exchanged.
    pub apdus: u64,
    /// Bytes sent.
    pub bytes_sent: u64,
    /// Bytes received.
    pub bytes_received: u64,
    /// Access-control runs.
    pub access_control_runs: u32,
    /// Wall-clock duration of the read, in milliseconds.
    pub elapsed_ms: u128,
    /// Modelled link time (virtual chip only), in milliseconds.
    pub modelled_link_ms: Option<f64>,
}

/// Passive authentication of a read, when it ran.
#[derive(Clone, Debug)]
pub struct PassiveAuth {
    /// The core's report.
    pub report: PaReport,
    /// The verification time used.
    pub at: Timestamp,
    /// The issuing state from DG1 (for the reasons' wording only).
    pub issuing_state: Option<Zeroizing<String>>,
    /// The trust store's load report, as JSON (see [`crate::verify::load_json`]).
    pub trust: Value,
}

impl PassiveAuth {
    /// The verdict.
    pub fn verdict(&self) -> Verdict {
        self.report.verdict()
    }

    /// The one-line result (`VALID (...)`).
    pub fn line(&self) -> String {
        crate::verify::one_line(
            &self.report,
            self.issuing_state.as_deref().map(|s| s.as_str()),
        )
    }

    /// The JSON form: the report plus `"run": true` and the trust load report.
    pub fn to_json(&self) -> Value {
        let mut v = crate::verify::report_json(
            &self.report,
            self.at,
            self.issuing_state.as_deref().map(|s| s.as_str()),
        );
        if let Value::Object(m) = &mut v {
            let mut out = Map::new();
            out.insert("run".into(), Value::Bool(true));
            out.extend(core::mem::take(m));
            out.insert("trust".into(), self.trust.clone());
            return Value::Object(out);
        }
        v
    }
}

/// What the summary says when passive authentication did not run.
pub const PA_NOT_RUN: &str = "passive authentication not run (no --trust)";

/// Everything the summary shows.
#[derive(Default)]
pub struct Summary {
    /// Where the document was read (reader name or `virtual chip (profile)`).
    pub source: String,
    /// Access control and secure messaging used (`BAC, 3DES secure messaging`).
    pub access: String,
    /// The steps of the read, in order.
    pub steps: Vec<String>,
    /// Link details as key/value pairs (extended length, chunk size, short file ids).
    pub link: Vec<(&'static str, Value)>,
    /// Files read.
    pub files: Vec<FileEntry>,
    /// Files selected but absent, with the reason.
    pub absent: Vec<(String, String)>,
    /// DG1 fields as (name, value), in MRZ order. `document_number` is masked in text output.
    pub dg1: Vec<(&'static str, Zeroizing<String>)>,
    /// DG11 / DG12 fields as (name, value), when present.
    pub additional: Vec<(&'static str, Zeroizing<String>)>,
    /// Files read but not parsed, as `FILE: problem` (no content).
    pub problems: Vec<String>,
    /// The face.
    pub face: Option<FaceSummary>,
    /// Counters.
    pub stats: Stats,
    /// Passive authentication, when it ran (`read --trust`, `demo`).
    pub pa: Option<PassiveAuth>,
    /// Chip and active authentication and the "chip genuine" conclusion.
    pub chip: String,
}

impl core::fmt::Debug for Summary {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Summary")
            .field("files", &self.files)
            .field("dg1_fields", &self.dg1.len())
            .finish_non_exhaustive()
    }
}

/// The absence reason of a file EF.COM does not list.
pub const NOT_LISTED: &str = "not listed in EF.COM";

/// Masks all but the last three characters: `L898902C<` -> `******2C<`.
pub fn mask(value: &str) -> String {
    let n = value.chars().count();
    value
        .chars()
        .enumerate()
        .map(|(i, c)| if i + 3 < n { '*' } else { c })
        .collect()
}

impl Summary {
    /// The value of a DG1 field.
    pub fn dg1_field(&self, name: &str) -> Option<&str> {
        self.dg1
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The JSON form (personal data unmasked: it goes to a 0600 file or to the caller's stdout).
    pub fn to_json(&self) -> Zeroizing<String> {
        let mut dg1 = Map::new();
        for (k, v) in &self.dg1 {
            dg1.insert((*k).to_owned(), Value::String(v.to_string()));
        }
        let mut additional = Map::new();
        for (k, v) in &self.additional {
            additional.insert((*k).to_owned(), Value::String(v.to_string()));
        }
        let mut link = Map::new();
        for (k, v) in &self.link {
            link.insert((*k).to_owned(), v.clone());
        }
        let face = self.face.as_ref().map(|f| {
            json!({
                "format": f.format,
                "bytes": f.bytes,
                "width": f.dimensions.map(|d| d.0),
                "height": f.dimensions.map(|d| d.1),
                "decode_error": f.decode_error,
            })
        });
        let value = json!({
            "source": self.source,
            "access": self.access,
            "chip": self.chip,
            "link": Value::Object(link),
            "files": self.files.iter().map(|f| json!({"name": f.name, "bytes": f.bytes})).collect::<Vec<_>>(),
            "absent": self.absent.iter().map(|(n, r)| json!({"name": n, "reason": r})).collect::<Vec<_>>(),
            "dg1": if self.dg1.is_empty() { Value::Null } else { Value::Object(dg1) },
            "additional": if self.additional.is_empty() { Value::Null } else { Value::Object(additional) },
            "problems": self.problems,
            "steps": self.steps,
            "face": face,
            "passive_authentication": match &self.pa {
                Some(pa) => pa.to_json(),
                None => json!({"run": false, "reason": PA_NOT_RUN}),
            },
            "stats": {
                "apdus": self.stats.apdus,
                "bytes_sent": self.stats.bytes_sent,
                "bytes_received": self.stats.bytes_received,
                "access_control_runs": self.stats.access_control_runs,
                "elapsed_ms": self.stats.elapsed_ms as u64,
                "modelled_link_ms": self.stats.modelled_link_ms,
            },
        });
        let mut text = serde_json::to_string_pretty(&value).unwrap_or_default();
        text.push('\n');
        // `value` holds copies of the DG1 fields; serde_json's Value does not zeroize, so the
        // strings inside it are dropped normally. Keep the rendered text zeroizing at least.
        Zeroizing::new(text)
    }

    /// The human form: holder's name, masked document number, face, counters.
    pub fn to_text(&self) -> Zeroizing<String> {
        use core::fmt::Write;
        let mut s = Zeroizing::new(String::new());
        let _ = writeln!(s, "Source:        {}", self.source);
        if !self.steps.is_empty() {
            let _ = writeln!(s, "Steps:         {}", self.steps.join(" > "));
        }
        if !self.access.is_empty() {
            let _ = writeln!(s, "Access:        {}", self.access);
        }
        let name = [
            self.dg1_field("secondary_identifier"),
            self.dg1_field("primary_identifier"),
        ]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
        if !name.is_empty() {
            let _ = writeln!(s, "Holder:        {name}");
        }
        if let Some(doc) = self.dg1_field("document_number") {
            let _ = writeln!(s, "Document no.:  {} (masked)", mask(doc));
        }
        for problem in &self.problems {
            let _ = writeln!(s, "Problem:       {problem}");
        }
        match &self.face {
            Some(f) => {
                let dims = match (f.dimensions, &f.decode_error) {
                    (Some((w, h)), _) => format!(", {w}x{h} pixels"),
                    (None, Some(e)) => format!(", not decoded ({e})"),
                    (None, None) => String::new(),
                };
                let _ = writeln!(
                    s,
                    "Face:          {}, {} bytes{dims}",
                    f.format,
                    crate::progress::group(f.bytes)
                );
            }
            None => {
                let _ = writeln!(s, "Face:          none");
            }
        }
        let files = self
            .files
            .iter()
            .map(|f| format!("{} ({} B)", f.name, crate::progress::group(f.bytes)))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(s, "Files:         {files}");
        // Files EF.COM does not list are only in the JSON: the text names real absences.
        let absent: Vec<_> = self
            .absent
            .iter()
            .filter(|(_, r)| r != NOT_LISTED)
            .collect();
        if !absent.is_empty() {
            let absent = absent
                .iter()
                .map(|(n, r)| format!("{n} ({r})"))
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(s, "Absent:        {absent}");
        }
        match &self.pa {
            Some(pa) => {
                let _ = writeln!(s, "Passive authentication: {}", pa.line());
                if !self.chip.is_empty() {
                    let _ = writeln!(s, "Chip:          {}", self.chip);
                }
            }
            None => {
                let _ = writeln!(s, "Passive authentication: not run (no --trust)");
            }
        }
        let st = &self.stats;
        let _ = writeln!(
            s,
            "APDUs:         {} ({} bytes sent, {} received)",
            st.apdus,
            crate::progress::group(st.bytes_sent as usize),
            crate::progress::group(st.bytes_received as usize)
        );
        if let Some(ms) = st.modelled_link_ms {
            let _ = writeln!(
                s,
                "Link time:     {ms:.0} ms modelled (contactless link model)"
            );
        }
        let _ = writeln!(s, "Elapsed:       {} ms (this machine)", st.elapsed_ms);
        s
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn sample() -> Summary {
        Summary {
            source: "test".into(),
            access: "BAC".into(),
            files: vec![FileEntry {
                name: "DG1".into(),
                bytes: 93,
            }],
            dg1: vec![
                ("document_number", Zeroizing::new("L898902C<".into())),
                ("primary_identifier", Zeroizing::new("ERIKSSON".into())),
                ("secondary_identifier", Zeroizing::new("ANNA MARIA".into())),
            ],
            face: Some(FaceSummary {
                format: "JPEG".into(),
                bytes: 16000,
                dimensions: Some((240, 320)),
                decode_error: None,
            }),
            stats: Stats {
                apdus: 12,
                ..Stats::default()
            },
            ..Summary::default()
        }
    }

    #[test]
    fn masking() {
        assert_eq!(mask("L898902C<"), "******2C<");
        assert_eq!(mask("AB"), "AB");
        assert_eq!(mask(""), "");
    }

    #[test]
    fn text_masks_document_number_and_json_does_not() {
        let s = sample();
        let text = s.to_text();
        assert!(!text.contains("L898902C<"), "{}", text.as_str());
        assert!(text.contains("******2C<"));
        assert!(text.contains("ANNA MARIA ERIKSSON"));
        assert!(text.contains("240x320"));
        let v: Value = serde_json::from_str(&s.to_json()).unwrap();
        assert_eq!(v["dg1"]["document_number"], "L898902C<");
        assert_eq!(v["face"]["width"], 240);
        assert_eq!(v["stats"]["apdus"], 12);
        assert_eq!(v["files"][0]["bytes"], 93);
    }
}
