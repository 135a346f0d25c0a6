//! EF.DIR (ISO/IEC 7816-4 §8.2.1.1, ICAO 9303-10 §3.11): the list of applications on the chip.
//!
//! This module owns parsing the *contents* of EF.DIR (FID 2F00, SFI 1E, in the master file): a
//! sequence of application templates `61 { 4F AID, 50 label?, 51 path?, 73 discretionary? ... }`,
//! possibly with bare `4F` AIDs and `00`/`FF` padding between them (ISO/IEC 7816-4 §5.2.2). It is
//! lenient: a template without an AID, an unknown object or a damaged tail is counted and
//! skipped, and what was read before it is kept, because EF.DIR is unsigned and only informs the
//! reader (the eMRTD application is selected by its AID whatever EF.DIR says). It is bounded: at
//! most [`MAX_APPLICATIONS`] entries, AIDs of at most [`MAX_AID_LEN`] bytes. It does not read the
//! file or select anything (the reader does), and EF.DIR holds no personal data.

use super::LdsError;
use crate::tlv;

/// Most applications kept from one EF.DIR; further entries are counted in
/// [`EfDir::skipped`].
pub const MAX_APPLICATIONS: usize = 32;
/// Longest AID accepted (ISO/IEC 7816-4: 5 to 16 bytes; shorter ones are kept, longer skipped).
pub const MAX_AID_LEN: usize = 16;
/// Longest label kept (characters beyond are dropped with the label).
const MAX_LABEL_LEN: usize = 64;

/// The eMRTD (LDS1) application identifier, `A0 00 00 02 47 10 01`.
pub const AID_EMRTD: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// One application listed in EF.DIR.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DirApplication {
    /// The application identifier (DO'4F').
    pub aid: Vec<u8>,
    /// The application label (DO'50'), when present, valid UTF-8 without control characters,
    /// and at most 64 bytes.
    pub label: Option<String>,
    /// The path (DO'51'), when present and not empty.
    pub path: Option<Vec<u8>>,
    /// The discretionary data template (DO'73') content, when present.
    pub discretionary: Option<Vec<u8>>,
}

impl DirApplication {
    /// True for the eMRTD (LDS1) application.
    pub fn is_emrtd(&self) -> bool {
        self.aid == AID_EMRTD
    }

    /// The AID in upper-case hex, for reports.
    pub fn aid_hex(&self) -> String {
        hex_upper(&self.aid)
    }

    /// A well-known name for the AID (eMRTD LDS1/LDS2 applications, the German eID and eSign
    /// applications), if any.
    pub fn known_name(&self) -> Option<&'static str> {
        known_application(&self.aid)
    }
}

/// Parsed EF.DIR.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EfDir {
    /// The applications, in file order (duplicates of an AID kept once).
    pub applications: Vec<DirApplication>,
    /// Entries skipped: templates without a usable AID, other objects, entries beyond
    /// [`MAX_APPLICATIONS`].
    pub skipped: usize,
    /// True when the file ends in bytes that are not a complete TLV object (kept up to there).
    pub malformed_tail: bool,
}

impl EfDir {
    /// Parses EF.DIR. Fails only when the file is not empty (after padding) and not even its
    /// first object is a readable TLV; otherwise returns what could be read.
    pub fn parse(bytes: &[u8]) -> Result<EfDir, LdsError> {
        let mut dir = EfDir::default();
        let mut rest = bytes;
        let mut objects = 0usize;
        loop {
            // Padding before, between and after objects.
            let start = rest
                .iter()
                .position(|b| *b != 0x00 && *b != 0xFF)
                .unwrap_or(rest.len());
            rest = rest.get(start..).unwrap_or(&[]);
            if rest.is_empty() {
                break;
            }
            let mut r = tlv::Reader::new(rest);
            let object = match r.read() {
                Ok(o) => o,
                Err(e) => {
                    if objects == 0 {
                        return Err(e.into());
                    }
                    dir.malformed_tail = true;
                    break;
                }
            };
            rest = r.rest();
            objects += 1;
            let entry = match object.tag {
                0x61 => application(object.value),
                0x4F => aid(object.value).map(|aid| DirApplication {
                    aid,
                    label: None,
                    path: None,
                    discretionary: None,
                }),
                _ => None,
            };
            match entry {
                Some(app) if dir.applications.iter().any(|a| a.aid == app.aid) => {}
                Some(app) if dir.applications.len() < MAX_APPLICATIONS => {
                    dir.applications.push(app);
                }
                _ => dir.skipped += 1,
            }
        }
        Ok(dir)
    }

    /// True when EF.DIR lists the eMRTD (LDS1) application.
    pub fn lists_emrtd(&self) -> bool {
        self.applications.iter().any(DirApplication::is_emrtd)
    }

    /// The listed application with this AID.
    pub fn find(&self, aid: &[u8]) -> Option<&DirApplication> {
        self.applications.iter().find(|a| a.aid == aid)
    }
}

/// An application template's content: the first DO'4F' is the AID; 50, 51 and 73 are kept;
/// anything else (52, 53, 5F50 ...) is ignored. `None` without a usable AID or when the
/// template's content is not a TLV sequence before its AID.
fn application(value: &[u8]) -> Option<DirApplication> {
    let mut r = tlv::Reader::new(value);
    let mut app_aid = None;
    let mut label = None;
    let mut path = None;
    let mut discretionary = None;
    // A damaged tail inside the template keeps what came before it.
    while let Ok(o) = r.read() {
        match o.tag {
            0x4F if app_aid.is_none() => app_aid = Some(aid(o.value)?),
            0x50 if label.is_none() && o.value.len() <= MAX_LABEL_LEN => {
                // Shown to people: no control characters (terminal escapes).
                label = core::str::from_utf8(o.value)
                    .ok()
                    .filter(|l| !l.chars().any(char::is_control))
                    .map(str::to_owned);
            }
            0x51 if path.is_none() && !o.value.is_empty() => path = Some(o.value.to_vec()),
            0x73 if discretionary.is_none() => discretionary = Some(o.value.to_vec()),
            _ => {}
        }
    }
    Some(DirApplication {
        aid: app_aid?,
        label,
        path,
        discretionary,
    })
}

fn aid(value: &[u8]) -> Option<Vec<u8>> {
    (!value.is_empty() && value.len() <= MAX_AID_LEN).then(|| value.to_vec())
}

fn hex_upper(bytes: &[u8]) -> String {
    use core::fmt::Write;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02X}");
    }
    s
}

/// Names of well-known AIDs (ICAO 9303-10 §4 for the LDS applications, BSI TR-03110-4 for the
/// German eID and eSign applications).
pub fn known_application(aid: &[u8]) -> Option<&'static str> {
    const KNOWN: [(&[u8], &str); 6] = [
        (&AID_EMRTD, "eMRTD LDS1"),
        (
            &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01],
            "LDS2 travel records",
        ),
        (
            &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x02],
            "LDS2 visa records",
        ),
        (
            &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x03],
            "LDS2 additional biometrics",
        ),
        (
            &[0xE8, 0x07, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x03, 0x02],
            "eID (BSI TR-03110)",
        ),
        (
            &[0xA0, 0x00, 0x00, 0x01, 0x67, 0x45, 0x53, 0x49, 0x47, 0x4E],
            "eSign",
        ),
    ];
    KNOWN.iter().find(|(a, _)| *a == aid).map(|(_, n)| *n)
}

/// Builds an EF.DIR listing `aids` as bare application templates `61 { 4F aid }` (for virtual
/// chips and tests).
pub fn encode(aids: &[&[u8]]) -> Vec<u8> {
    let mut out = Vec::new();
    for a in aids {
        out.extend(tlv::encode(0x61, &tlv::encode(0x4F, a)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vector() -> serde_json::Value {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../test-vectors/ef-dir.json");
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[test]
    fn parses_the_npa_emulator_ef_dir() {
        let v = vector();
        let bytes = hex::decode(v["npa"]["hex"].as_str().unwrap()).unwrap();
        let dir = EfDir::parse(&bytes).unwrap();
        let expected: Vec<String> = v["npa"]["aids"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap().to_owned())
            .collect();
        let got: Vec<String> = dir.applications.iter().map(|a| a.aid_hex()).collect();
        assert_eq!(got, expected);
        assert!(dir.lists_emrtd());
        assert_eq!(dir.skipped, 0);
        assert!(!dir.malformed_tail);
        let cia = &dir.applications[0];
        assert_eq!(cia.label.as_deref(), v["npa"]["label0"].as_str());
        assert_eq!(cia.path, None, "an empty DO'51' is no path");
        assert_eq!(
            cia.discretionary.as_deref(),
            Some(&hex::decode("4F0AA000000167455349474E").unwrap()[..])
        );
        assert_eq!(dir.applications[1].known_name(), Some("eMRTD LDS1"));
        assert_eq!(dir.applications[2].known_name(), Some("eID (BSI TR-03110)"));
        assert_eq!(dir.applications[3].known_name(), Some("eSign"));
    }

    #[test]
    fn lenient_on_padding_damage_and_duplicates() {
        let mut bytes = vec![0x00, 0xFF];
        bytes.extend(encode(&[&AID_EMRTD]));
        bytes.extend([0xFF, 0xFF]);
        // A template without an AID, one with an over-long AID, a bare 4F, a duplicate,
        // another object, then a truncated template.
        bytes.extend(tlv::encode(0x61, &tlv::encode(0x50, b"NO AID")));
        bytes.extend(tlv::encode(0x61, &tlv::encode(0x4F, &[0xA0; 17])));
        bytes.extend(tlv::encode(
            0x4F,
            &[0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01],
        ));
        bytes.extend(encode(&[&AID_EMRTD]));
        bytes.extend(tlv::encode(0x62, &[1, 2, 3]));
        bytes.extend([0x61, 0x09, 0x4F, 0x07, 0xA0]);
        let dir = EfDir::parse(&bytes).unwrap();
        assert_eq!(dir.applications.len(), 2);
        assert!(dir.lists_emrtd());
        assert_eq!(
            dir.find(&[0xA0, 0x00, 0x00, 0x02, 0x47, 0x20, 0x01])
                .and_then(DirApplication::known_name),
            Some("LDS2 travel records")
        );
        assert_eq!(
            dir.skipped, 3,
            "no AID, AID too long, tag 62 (the duplicate is dropped)"
        );
        assert!(dir.malformed_tail);

        // A damaged tail inside a template keeps the AID before it.
        let mut inner = tlv::encode(0x4F, &AID_EMRTD);
        inner.extend([0x50, 0x05, b'a']);
        let dir = EfDir::parse(&tlv::encode(0x61, &inner)).unwrap();
        assert_eq!(dir.applications.len(), 1);
        assert_eq!(dir.applications[0].label, None);

        // A label with a terminal escape is dropped.
        let mut inner = tlv::encode(0x4F, &AID_EMRTD);
        inner.extend(tlv::encode(0x50, b"\x1b[2Jx"));
        let dir = EfDir::parse(&tlv::encode(0x61, &inner)).unwrap();
        assert_eq!(dir.applications[0].label, None);
    }

    #[test]
    fn empty_padding_garbage_and_caps() {
        assert_eq!(EfDir::parse(&[]).unwrap(), EfDir::default());
        assert_eq!(EfDir::parse(&[0xFF; 40]).unwrap(), EfDir::default());
        assert!(EfDir::parse(&[0x61, 0x85]).is_err());
        assert!(EfDir::parse(&[0x61, 0x05, 0x4F]).is_err());
        let aids: Vec<[u8; 5]> = (0..40u8).map(|i| [0xA0, 0, 0, 1, i]).collect();
        let refs: Vec<&[u8]> = aids.iter().map(|a| &a[..]).collect();
        let dir = EfDir::parse(&encode(&refs)).unwrap();
        assert_eq!(dir.applications.len(), MAX_APPLICATIONS);
        assert_eq!(dir.skipped, 40 - MAX_APPLICATIONS);
    }
}
