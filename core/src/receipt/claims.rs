//! Claim disclosure: the values a device-asserted claim carries (the vocabulary, [`Claim`] and
//! [`Level`], is the challenge's), and the consent screen's list of what a chip-verifiable claim
//! sends.
//!
//! This module owns mapping a requested claim to the data group behind it, deriving a
//! device-asserted value (age over N in Africa/Casablanca time, dates as `YYYY-MM-DD`) and
//! listing, for the consent screen, every field of every data group that will leave the phone.
//! It must not encode CBOR or sign: `receipt` does that.

use zeroize::Zeroizing;

use crate::document::Document;
use crate::mrz::CivilDate;
use crate::tz;

pub use crate::challenge::{Claim, Level};

/// A short English label for a claim on the consent screen.
pub fn claim_label(claim: Claim) -> &'static str {
    match claim {
        Claim::Names => "names",
        Claim::BirthDate => "date of birth",
        Claim::AgeOver18 => "age over 18",
        Claim::AgeOver21 => "age over 21",
        Claim::Nationality => "nationality",
        Claim::DocumentNumber => "document number",
        Claim::DocumentExpiry => "document expiry date",
        Claim::Address => "address",
        Claim::Photo => "photo",
    }
}

/// The value of a claim entry.
#[derive(Clone, PartialEq, Eq)]
pub enum ClaimValue {
    /// Chip-verifiable: no value, the relying party reads the data group (`null` on the wire).
    FromChip,
    /// Names: primary identifier, secondary identifier.
    Names {
        /// Primary identifier (surname), as in the MRZ (`<` replaced by spaces, trimmed).
        primary: Zeroizing<String>,
        /// Secondary identifier (given names).
        secondary: Zeroizing<String>,
    },
    /// A date, `YYYY-MM-DD` (birth date, document expiry).
    Date(Zeroizing<String>),
    /// Age over N: the answer and the Africa/Casablanca date it was computed for.
    AgeOver {
        /// Whether the holder is at least N years old on `as_of`.
        over: bool,
        /// `YYYY-MM-DD`.
        as_of: String,
    },
    /// A text value (nationality, document number, address).
    Text(Zeroizing<String>),
}

impl core::fmt::Debug for ClaimValue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ClaimValue::FromChip => f.write_str("FromChip"),
            ClaimValue::Names { .. } => f.write_str("Names(<redacted>)"),
            ClaimValue::Date(_) => f.write_str("Date(<redacted>)"),
            ClaimValue::AgeOver { .. } => f.write_str("AgeOver(<redacted>)"),
            ClaimValue::Text(_) => f.write_str("Text(<redacted>)"),
        }
    }
}

/// The holder's values a device-asserted claim is derived from, as verified at enrolment (the
/// enrolment record's claims) or from a fresh read ([`AssertedValues::from_document`]).
/// Zeroized on drop; `Debug` is redacted.
#[derive(Clone, Default)]
pub struct AssertedValues {
    /// Primary identifier.
    pub primary: Option<Zeroizing<String>>,
    /// Secondary identifier.
    pub secondary: Option<Zeroizing<String>>,
    /// Date of birth.
    pub birth_date: Option<CivilDate>,
    /// Nationality (3 letters).
    pub nationality: Option<Zeroizing<String>>,
    /// Document number.
    pub document_number: Option<Zeroizing<String>>,
    /// Date of expiry.
    pub document_expiry: Option<CivilDate>,
    /// Permanent address (DG11).
    pub address: Option<Zeroizing<String>>,
}

impl core::fmt::Debug for AssertedValues {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("AssertedValues(<redacted>)")
    }
}

/// ICAO writes `<` as a separator; the asserted value uses spaces, trimmed.
pub(crate) fn icao_text(s: &str) -> Zeroizing<String> {
    let replaced: Zeroizing<String> = Zeroizing::new(s.replace('<', " "));
    let words: Vec<&str> = replaced.split_whitespace().collect();
    Zeroizing::new(words.join(" "))
}

/// `YYYYMMDD` (DG11 full date of birth) to a date.
pub(crate) fn yyyymmdd(s: &str) -> Option<CivilDate> {
    let b = s.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |r: core::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u16>().ok());
    CivilDate::new(
        n(0..4)?,
        u8::try_from(n(4..6)?).ok()?,
        u8::try_from(n(6..8)?).ok()?,
    )
}

/// `YYYY-MM-DD` to a date (`None` when malformed or the date does not exist).
pub(crate) fn parse_iso_date(s: &str) -> Option<CivilDate> {
    let b = s.as_bytes();
    let shape = b.iter().enumerate().all(|(i, c)| {
        if i == 4 || i == 7 {
            *c == b'-'
        } else {
            c.is_ascii_digit()
        }
    });
    if b.len() != 10 || !shape {
        return None;
    }
    let n = |r: core::ops::Range<usize>| s.get(r).and_then(|t| t.parse::<u16>().ok());
    CivilDate::new(
        n(0..4)?,
        u8::try_from(n(5..7)?).ok()?,
        u8::try_from(n(8..10)?).ok()?,
    )
}

impl AssertedValues {
    /// The values of a read document: names, nationality, document number and dates from the
    /// MRZ (two-digit years resolved against `today`), the full date of birth from DG11 when
    /// present and complete (it wins over the MRZ's), the address from DG11.
    pub fn from_document(doc: &Document, today: CivilDate) -> AssertedValues {
        let mut v = AssertedValues::default();
        if let Some(m) = &doc.mrz {
            v.primary = Some(icao_text(m.primary_identifier()));
            v.secondary = Some(icao_text(m.secondary_identifier()));
            v.nationality = Some(icao_text(m.nationality()));
            v.document_number = Some(icao_text(m.document_number()));
            v.birth_date = m.date_of_birth().resolve_birth(today);
            v.document_expiry = m.date_of_expiry().resolve_expiry(today);
        }
        if let Some(dg11) = &doc.dg11 {
            if let Some(d) = dg11.full_date_of_birth.as_ref().and_then(|s| yyyymmdd(s)) {
                v.birth_date = Some(d);
            }
            v.address = dg11.permanent_address.as_ref().map(|a| icao_text(a));
        }
        v
    }

    /// The values an enrolment record vouches for (dates `YYYY-MM-DD`; a malformed date is
    /// treated as absent).
    pub fn from_enrolment(claims: &crate::enrolment::EnrolmentClaims) -> AssertedValues {
        let z = |s: &Option<String>| s.as_ref().map(|v| Zeroizing::new(v.clone()));
        AssertedValues {
            primary: claims
                .names
                .as_ref()
                .map(|n| Zeroizing::new(n.primary.clone())),
            secondary: claims
                .names
                .as_ref()
                .map(|n| Zeroizing::new(n.secondary.clone())),
            birth_date: claims.birth_date.as_deref().and_then(parse_iso_date),
            nationality: z(&claims.nationality),
            document_number: z(&claims.document_number),
            document_expiry: claims.document_expiry.as_deref().and_then(parse_iso_date),
            address: z(&claims.address),
        }
    }

    /// The device-asserted value of `claim` on `as_of` (the Africa/Casablanca date), or `None`
    /// when the value is unknown (or the claim is the photo, which is chip-verifiable only).
    pub fn value(&self, claim: Claim, as_of: CivilDate) -> Option<ClaimValue> {
        let text = |t: &Option<Zeroizing<String>>| t.clone().map(ClaimValue::Text);
        let date =
            |d: Option<CivilDate>| d.map(|d| ClaimValue::Date(Zeroizing::new(tz::iso_date(d))));
        let age = |n: u16| {
            self.birth_date.map(|b| ClaimValue::AgeOver {
                over: tz::is_age_over(b, as_of, n),
                as_of: tz::iso_date(as_of),
            })
        };
        match claim {
            Claim::Names => match (&self.primary, &self.secondary) {
                (Some(p), Some(s)) => Some(ClaimValue::Names {
                    primary: p.clone(),
                    secondary: s.clone(),
                }),
                _ => None,
            },
            Claim::BirthDate => date(self.birth_date),
            Claim::AgeOver18 => age(18),
            Claim::AgeOver21 => age(21),
            Claim::Nationality => text(&self.nationality),
            Claim::DocumentNumber => text(&self.document_number),
            Claim::DocumentExpiry => date(self.document_expiry),
            Claim::Address => text(&self.address),
            Claim::Photo => None,
        }
    }
}

/// One line of the consent screen.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsentItem {
    /// The data group the field is in (`None` for a device-asserted value).
    pub data_group: Option<u8>,
    /// What the field is ("surname", "place of birth", "face image", "age over 18").
    pub label: &'static str,
    /// The value as it will be sent, for display (`None` for binary content such as the face
    /// image, whose size is in `label`'s neighbour `bytes`).
    pub value: Option<Zeroizing<String>>,
    /// Size in bytes of binary content (face image, public keys), else 0.
    pub bytes: usize,
}

impl core::fmt::Debug for ConsentItem {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("ConsentItem")
            .field("data_group", &self.data_group)
            .field("label", &self.label)
            .field("value", &self.value.as_ref().map(|_| "<redacted>"))
            .field("bytes", &self.bytes)
            .finish()
    }
}

fn item(dg: u8, label: &'static str, value: Option<&str>) -> Option<ConsentItem> {
    value.map(|v| ConsentItem {
        data_group: Some(dg),
        label,
        value: Some(Zeroizing::new(v.to_owned())),
        bytes: 0,
    })
}

/// Every field of every data group that chip-verifiable claims in `requested` would send, in
/// data-group order, each group once: DG1 (the whole MRZ: document code, issuing state,
/// document number, names, nationality, birth date, sex, expiry, optional data), DG11 (every
/// field present), DG2 (the face image and its size). Device-asserted claims are listed after
/// them with the value that will be sent (`as_of` is the Africa/Casablanca date), from
/// `asserted`. `chip_keys` adds DG14/DG15 lines (chip public keys, sent with AA/CA evidence).
pub fn consent_items(
    requested: &[(Claim, Level)],
    document: Option<&Document>,
    asserted: Option<&AssertedValues>,
    as_of: CivilDate,
) -> Vec<ConsentItem> {
    let mut groups: Vec<u8> = requested
        .iter()
        .filter(|(_, l)| *l == Level::ChipVerifiable)
        .map(|(c, _)| c.data_group())
        .collect();
    groups.sort_unstable();
    groups.dedup();
    let mut out = Vec::new();
    if let Some(doc) = document {
        for dg in groups {
            match dg {
                1 => dg1_items(doc, &mut out),
                11 => dg11_items(doc, &mut out),
                2 => {
                    if let Some(bytes) = doc.raw.file(crate::lds::FileId::Dg2) {
                        out.push(ConsentItem {
                            data_group: Some(2),
                            label: "face image (photo on the chip)",
                            value: None,
                            bytes: bytes.len(),
                        });
                    }
                }
                _ => {}
            }
        }
        let chip = &doc.raw.chip;
        if let (Some(Ok(_)), Some(b)) = (
            &chip.active_authentication,
            doc.raw.file(crate::lds::FileId::Dg15),
        ) {
            {
                out.push(ConsentItem {
                    data_group: Some(15),
                    label: "chip's active-authentication public key",
                    value: None,
                    bytes: b.len(),
                });
            }
        }
        if let (Some(Ok(_)), Some(b)) = (
            &chip.chip_authentication,
            doc.raw.file(crate::lds::FileId::Dg14),
        ) {
            {
                out.push(ConsentItem {
                    data_group: Some(14),
                    label: "chip's security options (chip-authentication key)",
                    value: None,
                    bytes: b.len(),
                });
            }
        }
    }
    if let Some(values) = asserted {
        for (claim, level) in requested {
            if *level != Level::DeviceAsserted {
                continue;
            }
            let shown = values.value(*claim, as_of).map(|v| match v {
                ClaimValue::FromChip => Zeroizing::new(String::new()),
                ClaimValue::Names { primary, secondary } => {
                    Zeroizing::new(format!("{} {}", secondary.as_str(), primary.as_str()))
                }
                ClaimValue::Date(d) | ClaimValue::Text(d) => d,
                ClaimValue::AgeOver { over, .. } => {
                    Zeroizing::new(if over { "yes" } else { "no" }.to_owned())
                }
            });
            out.push(ConsentItem {
                data_group: None,
                label: claim_label(*claim),
                value: shown,
                bytes: 0,
            });
        }
    }
    out
}

fn dg1_items(doc: &Document, out: &mut Vec<ConsentItem>) {
    let Some(m) = &doc.mrz else {
        if let Some(b) = doc.raw.file(crate::lds::FileId::Dg1) {
            out.push(ConsentItem {
                data_group: Some(1),
                label: "machine-readable zone (unparsed)",
                value: None,
                bytes: b.len(),
            });
        }
        return;
    };
    let sex = match m.sex() {
        crate::mrz::Sex::Male => "M",
        crate::mrz::Sex::Female => "F",
        _ => "X",
    };
    let fields = [
        item(1, "document code", Some(m.document_code())),
        item(1, "issuing state", Some(m.issuing_state())),
        item(1, "document number", Some(m.document_number())),
        item(1, "surname", Some(&icao_text(m.primary_identifier()))),
        item(1, "given names", Some(&icao_text(m.secondary_identifier()))),
        item(1, "nationality", Some(m.nationality())),
        item(
            1,
            "date of birth (YYMMDD)",
            Some(m.date_of_birth().as_str()),
        ),
        item(1, "sex", Some(sex)),
        item(
            1,
            "date of expiry (YYMMDD)",
            Some(m.date_of_expiry().as_str()),
        ),
        item(1, "optional data", Some(m.optional_data_1())),
        item(1, "optional data (line 2)", Some(m.optional_data_2())),
    ];
    out.extend(fields.into_iter().flatten());
}

fn dg11_items(doc: &Document, out: &mut Vec<ConsentItem>) {
    let Some(d) = &doc.dg11 else {
        if let Some(b) = doc.raw.file(crate::lds::FileId::Dg11) {
            out.push(ConsentItem {
                data_group: Some(11),
                label: "additional personal details (unparsed)",
                value: None,
                bytes: b.len(),
            });
        }
        return;
    };
    let s = |o: &Option<Zeroizing<String>>| o.as_ref().map(|v| icao_text(v));
    let other_names = (!d.other_names.is_empty()).then(|| {
        let joined: Vec<String> = d
            .other_names
            .iter()
            .map(|n| icao_text(n).to_string())
            .collect();
        Zeroizing::new(joined.join(", "))
    });
    let fields: [(&'static str, Option<Zeroizing<String>>); 12] = [
        ("full name", s(&d.full_name)),
        ("other names", other_names),
        ("personal number", s(&d.personal_number)),
        ("full date of birth", s(&d.full_date_of_birth)),
        ("place of birth", s(&d.place_of_birth)),
        ("permanent address", s(&d.permanent_address)),
        ("telephone", s(&d.telephone)),
        ("profession", s(&d.profession)),
        ("title", s(&d.title)),
        ("personal summary", s(&d.personal_summary)),
        ("other travel document numbers", s(&d.other_td_numbers)),
        ("custody information", s(&d.custody_information)),
    ];
    for (label, value) in fields {
        if let Some(v) = value {
            out.push(ConsentItem {
                data_group: Some(11),
                label,
                value: Some(v),
                bytes: 0,
            });
        }
    }
    if let Some(p) = &d.proof_of_citizenship {
        out.push(ConsentItem {
            data_group: Some(11),
            label: "proof of citizenship (image)",
            value: None,
            bytes: p.len(),
        });
    }
}
