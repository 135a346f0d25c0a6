//! `monid inspect FILE`: recognise any LDS or PKI file by its content and show its parsed
//! structure.
//!
//! This module owns detecting what a file is (EF.COM, DG1..DG16, EF.SOD with or without its 77
//! wrapper, EF.CardAccess, EF.CardSecurity, an X.509 certificate in DER or PEM, a CRL, a CSCA
//! master list, the bare eContents of a SOD or master list) and turning the core's parsed
//! values into one JSON value, which is printed as JSON (`--json`) or as indented text. All
//! parsing is the core's (typed errors, no panics); nothing here verifies a signature. Personal
//! data (DG1, DG11, DG12) is shown unmasked: the user asked to inspect their own file.

use monid_core::lds::{self, FaceContainer, FileId, ImageFormat, LdsFile};
use monid_core::pki::alg::{DigestAlgorithm, SignatureAlgorithm};
use monid_core::pki::cert::Certificate;
use monid_core::pki::cms::{self, SignedData, SignerIdentifier};
use monid_core::pki::crl::Crl;
use monid_core::pki::sig::PublicKey;
use monid_core::pki::{ldsso, oid};
use serde_json::{Map, Value, json};
use zeroize::Zeroizing;

use crate::clock;

/// Sets `key` in a JSON object (no-op on anything else: never panics).
fn set(v: &mut Value, key: &str, value: Value) {
    if let Some(m) = v.as_object_mut() {
        m.insert(key.to_owned(), value);
    }
}

/// Lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest_name(alg: &[u8]) -> String {
    match DigestAlgorithm::from_algorithm_identifier(alg) {
        Ok(d) => d.name().to_owned(),
        Err(e) => e.to_string(),
    }
}

fn sig_name(alg: &[u8]) -> String {
    match SignatureAlgorithm::from_algorithm_identifier(alg) {
        Ok(a) => a.name(),
        Err(e) => e.to_string(),
    }
}

fn key_description(spki: &[u8]) -> String {
    match PublicKey::from_spki(spki) {
        Ok(k) => k.describe(),
        Err(e) => format!("not usable: {e}"),
    }
}

fn content_type_name(dotted: &str) -> String {
    let name = match dotted {
        oid::LDS_SECURITY_OBJECT => "ICAO LDS security object",
        oid::CSCA_MASTER_LIST => "ICAO CSCA master list",
        oid::SECURITY_OBJECT => "BSI TR-03110 security object (EF.CardSecurity)",
        oid::DATA => "id-data",
        _ => return dotted.to_owned(),
    };
    format!("{name} ({dotted})")
}

fn key_usage_names(ku: u16) -> Vec<&'static str> {
    use monid_core::pki::cert::*;
    [
        (KU_DIGITAL_SIGNATURE, "digitalSignature"),
        (KU_NON_REPUDIATION, "nonRepudiation"),
        (KU_KEY_ENCIPHERMENT, "keyEncipherment"),
        (KU_DATA_ENCIPHERMENT, "dataEncipherment"),
        (KU_KEY_AGREEMENT, "keyAgreement"),
        (KU_KEY_CERT_SIGN, "keyCertSign"),
        (KU_CRL_SIGN, "cRLSign"),
        (KU_ENCIPHER_ONLY, "encipherOnly"),
        (KU_DECIPHER_ONLY, "decipherOnly"),
    ]
    .into_iter()
    .filter(|(bit, _)| ku & bit != 0)
    .map(|(_, n)| n)
    .collect()
}

/// A certificate's summary.
pub fn certificate_json(c: &Certificate) -> Value {
    json!({
        "subject": c.subject().to_string(),
        "issuer": c.issuer().to_string(),
        "serial": hex(c.serial()),
        "not_before": clock::format(c.not_before()),
        "not_after": clock::format(c.not_after()),
        "key": key_description(c.spki()),
        "signature_algorithm": sig_name(c.signature_algorithm()),
        "self_issued": c.is_self_issued(),
        "ca": c.is_ca(),
        "key_usage": c.key_usage().map(key_usage_names),
        "subject_key_id": c.subject_key_id().map(hex),
        "authority_key_id": c.authority_key_id().map(hex),
    })
}

fn crl_json(c: &Crl) -> Value {
    json!({
        "type": "CRL",
        "issuer": c.issuer().to_string(),
        "this_update": clock::format(c.this_update()),
        "next_update": c.next_update().map(clock::format),
        "revoked_certificates": c.revoked_count(),
        "signature_algorithm": sig_name(c.signature_algorithm()),
        "authority_key_id": c.authority_key_id().map(hex),
    })
}

fn sid_json(sid: &SignerIdentifier<'_>) -> Value {
    match sid {
        SignerIdentifier::IssuerAndSerial { issuer, serial } => json!({
            "issuer": monid_core::pki::name::Name::from_der(issuer)
                .map(|n| n.to_string())
                .unwrap_or_else(|e| format!("unparsable name: {e}")),
            "serial": hex(serial),
        }),
        SignerIdentifier::SubjectKeyId(k) => json!({ "subject_key_id": hex(k) }),
    }
}

fn certs_json(sd: &SignedData<'_>) -> Vec<Value> {
    sd.certificates
        .iter()
        .map(|der| match Certificate::from_der(der) {
            Ok(c) => certificate_json(&c),
            Err(e) => json!({ "error": e.to_string() }),
        })
        .collect()
}

fn signed_data_json(sd: &SignedData<'_>) -> Value {
    let signers: Vec<Value> = sd
        .signer_infos
        .iter()
        .map(|si| {
            let digest = DigestAlgorithm::from_algorithm_identifier(si.digest_algorithm);
            let signature = match digest {
                Ok(d) => match SignatureAlgorithm::from_cms(si.signature_algorithm, d) {
                    Ok(a) => a.name(),
                    Err(e) => e.to_string(),
                },
                Err(ref e) => e.to_string(),
            };
            let attrs = si.signed_attrs.as_ref();
            json!({
                "version": si.version,
                "sid": sid_json(&si.sid),
                "digest_algorithm": digest_name(si.digest_algorithm),
                "signature_algorithm": signature,
                "signature_bytes": si.signature.len(),
                "signed_attributes": attrs.is_some(),
                "content_type_attribute": attrs.and_then(|a| a.content_type.clone()),
                "message_digest": attrs.and_then(|a| a.message_digest.as_deref().map(hex)),
                "signing_time": attrs.and_then(|a| a.signing_time).map(clock::format),
                "algorithm_protection": attrs.map(|a| a.algorithm_protection.is_some()),
                "other_attributes": attrs.map(|a| a.others.iter().map(|(o, _)| o.clone()).collect::<Vec<_>>()),
            })
        })
        .collect();
    json!({
        "content_type": "signedData",
        "version": sd.version,
        "digest_algorithms": sd.digest_algorithms.iter().map(|a| digest_name(a)).collect::<Vec<_>>(),
        "econtent_type": content_type_name(&sd.econtent_type),
        "econtent_bytes": sd.econtent.len(),
        "signer_infos": signers,
        "certificates": certs_json(sd),
        "crls": sd.crls.len(),
        "notes": sd.notes,
    })
}

fn lds_so_json(so: &ldsso::LdsSecurityObject<'_>) -> Value {
    let mut hashes = Map::new();
    for (n, h) in &so.hashes {
        hashes.insert(format!("DG{n}"), Value::String(hex(h)));
    }
    json!({
        "version": so.version,
        "hash_algorithm": digest_name(so.hash_algorithm),
        "lds_version": so.lds_version.as_ref().map(|(l, u)| json!({"lds": l, "unicode": u})),
        "data_groups": so.hashes.iter().map(|(n, _)| format!("DG{n}")).collect::<Vec<_>>(),
        "hashes": Value::Object(hashes),
    })
}

fn protocol_name(dotted: &str) -> &'static str {
    const BSI: &str = "0.4.0.127.0.7.2.2.";
    match dotted.strip_prefix(BSI) {
        Some(rest) if rest == "4" || rest.starts_with("4.") => "PACE",
        Some(rest) if rest.starts_with("3.") => "Chip Authentication",
        Some(rest) if rest.starts_with("1.") => "Chip Authentication public key",
        Some("2") => "Terminal Authentication",
        Some(rest) if rest.starts_with("5.") => "Restricted Identification",
        _ if dotted == "2.23.136.1.1.5" => "Active Authentication",
        _ => "unknown",
    }
}

fn security_infos_json(infos: &[(String, &[u8])]) -> Value {
    Value::Array(
        infos
            .iter()
            .map(|(o, raw)| json!({"protocol": o, "name": protocol_name(o), "bytes": raw.len()}))
            .collect(),
    )
}

fn master_list_json(certs: &[Vec<u8>]) -> Value {
    let mut countries: Vec<String> = Vec::new();
    let list: Vec<Value> = certs
        .iter()
        .map(|der| match Certificate::from_der(der) {
            Ok(c) => {
                if let Some(cc) = c.subject().country()
                    && !countries.contains(&cc)
                {
                    countries.push(cc);
                }
                json!({
                    "subject": c.subject().to_string(),
                    "country": c.subject().country(),
                    "serial": hex(c.serial()),
                    "not_after": clock::format(c.not_after()),
                    "key": key_description(c.spki()),
                    "self_issued": c.is_self_issued(),
                })
            }
            Err(e) => json!({ "error": e.to_string() }),
        })
        .collect();
    countries.sort();
    json!({
        "certificate_count": certs.len(),
        "countries": countries,
        "certificates": list,
    })
}

fn image_format(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Jpeg2000 => "JPEG 2000",
        ImageFormat::Unknown => "unknown",
    }
}

fn opt(s: &Option<Zeroizing<String>>) -> Value {
    s.as_ref()
        .map_or(Value::Null, |v| Value::String(v.to_string()))
}

fn mrz_lines(mrz: &str) -> Vec<String> {
    let chars: Vec<char> = mrz.chars().collect();
    let width = match chars.len() {
        90 => 30,
        72 => 36,
        88 => 44,
        n => n.max(1),
    };
    chars
        .chunks(width)
        .map(|c| c.iter().collect::<String>())
        .collect()
}

fn lds_json(file: LdsFile) -> Value {
    match file {
        LdsFile::Com(c) => json!({
            "type": "EF.COM",
            "lds_version": c.lds_version,
            "unicode_version": c.unicode_version,
            "data_groups": c.data_groups.iter().map(|f| f.name()).collect::<Vec<_>>(),
            "unknown_tags": c.unknown_tags.iter().map(|t| format!("{t:02X}")).collect::<Vec<_>>(),
            "malformed_tail": c.malformed_tail,
        }),
        LdsFile::Dg1(d) => {
            let mut v = json!({
                "type": "DG1",
                "mrz": mrz_lines(&d.mrz),
            });
            match d.parse_mrz() {
                Ok(m) => {
                    set(
                        &mut v,
                        "format",
                        json!(format!("{:?}", m.format()).to_uppercase()),
                    );
                    set(&mut v, "document_code", json!(m.document_code()));
                    set(&mut v, "issuing_state", json!(m.issuing_state()));
                    set(&mut v, "document_number", json!(m.document_number()));
                    set(&mut v, "primary_identifier", json!(m.primary_identifier()));
                    set(
                        &mut v,
                        "secondary_identifier",
                        json!(m.secondary_identifier()),
                    );
                    set(&mut v, "nationality", json!(m.nationality()));
                    set(&mut v, "date_of_birth", json!(m.date_of_birth().as_str()));
                    set(
                        &mut v,
                        "sex",
                        json!(match m.sex() {
                            monid_core::mrz::Sex::Male => "M",
                            monid_core::mrz::Sex::Female => "F",
                            _ => "X",
                        }),
                    );
                    set(&mut v, "date_of_expiry", json!(m.date_of_expiry().as_str()));
                    set(&mut v, "optional_data_1", json!(m.optional_data_1()));
                    set(&mut v, "optional_data_2", json!(m.optional_data_2()));
                }
                Err(e) => set(&mut v, "mrz_error", json!(e.to_string())),
            }
            v
        }
        LdsFile::Dg2(d) => json!({
            "type": "DG2",
            "group_wrapper_missing": d.wrapper_missing,
            "faces": d.faces.iter().map(|f| json!({
                "container": match f.container {
                    FaceContainer::Iso19794_5 => "ISO/IEC 19794-5",
                    FaceContainer::Iso39794_5 => "ISO/IEC 39794-5",
                },
                "format": image_format(f.format),
                "declared_format": f.declared.map(image_format),
                "header_mismatch": f.header_mismatch,
                "width": f.width,
                "height": f.height,
                "bytes": f.data.len(),
            })).collect::<Vec<_>>(),
        }),
        LdsFile::Dg7(d) => json!({
            "type": "DG7",
            "images": d.images.iter().map(|i| json!({
                "format": image_format(i.format),
                "bytes": i.data.len(),
            })).collect::<Vec<_>>(),
        }),
        LdsFile::Dg11(d) => json!({
            "type": "DG11",
            "full_name": opt(&d.full_name),
            "other_names": d.other_names.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            "personal_number": opt(&d.personal_number),
            "full_date_of_birth": opt(&d.full_date_of_birth),
            "place_of_birth": opt(&d.place_of_birth),
            "permanent_address": opt(&d.permanent_address),
            "telephone": opt(&d.telephone),
            "profession": opt(&d.profession),
            "title": opt(&d.title),
            "personal_summary": opt(&d.personal_summary),
            "proof_of_citizenship_bytes": d.proof_of_citizenship.as_ref().map(|p| p.len()),
            "other_td_numbers": opt(&d.other_td_numbers),
            "custody_information": opt(&d.custody_information),
            "tag_list": d.tag_list.iter().map(|t| format!("{t:X}")).collect::<Vec<_>>(),
        }),
        LdsFile::Dg12(d) => json!({
            "type": "DG12",
            "issuing_authority": opt(&d.issuing_authority),
            "date_of_issue": opt(&d.date_of_issue),
            "other_persons": d.other_persons.iter().map(|n| n.to_string()).collect::<Vec<_>>(),
            "endorsements": opt(&d.endorsements),
            "tax_exit_requirements": opt(&d.tax_exit_requirements),
            "front_image_bytes": d.front_image.as_ref().map(|p| p.len()),
            "rear_image_bytes": d.rear_image.as_ref().map(|p| p.len()),
            "personalization_time": opt(&d.personalization_time),
            "personalization_serial": opt(&d.personalization_serial),
            "tag_list": d.tag_list.iter().map(|t| format!("{t:X}")).collect::<Vec<_>>(),
        }),
        LdsFile::Dg15(d) => json!({
            "type": "DG15",
            "algorithm": format!("{:?}", d.algorithm),
            "algorithm_oid": oid::to_string(&d.algorithm_oid),
            "key": key_description(&d.spki),
            "spki_bytes": d.spki.len(),
        }),
        LdsFile::Sod(_) => json!({ "type": "EF.SOD" }),
        LdsFile::Raw { file, bytes } => json!({
            "type": file.name(),
            "bytes": bytes.len(),
            "note": "outer tag checked; content not interpreted by this version",
        }),
        _ => json!({ "type": "unknown LDS file" }),
    }
}

fn sod_json(content_info: &[u8], wrapped: bool) -> Result<Value, InspectError> {
    let sd = cms::parse_signed_data(content_info).map_err(|e| {
        InspectError(format!(
            "an EF.SOD{} whose CMS SignedData does not parse: {e}",
            if wrapped { " (tag 77)" } else { "" }
        ))
    })?;
    let mut v = json!({
        "type": "EF.SOD",
        "wrapper_77": wrapped,
    });
    set(&mut v, "cms", signed_data_json(&sd));
    set(
        &mut v,
        "lds_security_object",
        match ldsso::parse_lds_security_object(&sd.econtent) {
            Ok(so) => lds_so_json(&so),
            Err(e) => json!({ "error": e.to_string() }),
        },
    );
    Ok(v)
}

/// Why a file could not be inspected.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InspectError(pub String);

impl core::fmt::Display for InspectError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

fn pem_first_block(bytes: &[u8]) -> Option<(String, Result<Vec<u8>, String>)> {
    use base64::Engine;
    let text = core::str::from_utf8(bytes).ok()?;
    let start = text.find("-----BEGIN ")?;
    let rest = text.get(start + 11..)?;
    let (label, rest) = rest.split_once("-----")?;
    let end = rest.find("-----END ")?;
    let body: String = rest
        .get(..end)?
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(|l| l.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    let data = base64::engine::general_purpose::STANDARD
        .decode(body.as_bytes())
        .map_err(|_| "bad base64 in the PEM block".to_owned());
    Some((label.to_owned(), data))
}

/// Detects what `bytes` is and returns its parsed structure (`"type"` names it).
pub fn inspect(bytes: &[u8]) -> Result<Value, InspectError> {
    if let Some((label, data)) = pem_first_block(bytes) {
        let der = data.map_err(InspectError)?;
        return match label.as_str() {
            "CERTIFICATE" | "TRUSTED CERTIFICATE" | "X509 CERTIFICATE" => {
                let c = Certificate::from_der(&der)
                    .map_err(|e| InspectError(format!("PEM certificate does not parse: {e}")))?;
                let mut v = certificate_json(&c);
                set(&mut v, "type", json!("X.509 certificate (PEM)"));
                Ok(move_type_first(v))
            }
            "X509 CRL" => Crl::from_der(&der)
                .map(|c| crl_json(&c))
                .map_err(|e| InspectError(format!("PEM CRL does not parse: {e}"))),
            "CMS" | "PKCS7" => inspect_der(&der),
            other => Err(InspectError(format!(
                "PEM block {other:?} is not something monid inspects"
            ))),
        };
    }
    let Some(&first) = bytes.first() else {
        return Err(InspectError("the file is empty".into()));
    };
    if first == 0x30 {
        return inspect_der(bytes);
    }
    if first == 0x31 {
        return match ldsso::parse_security_infos(bytes) {
            Ok(infos) => Ok(json!({
                "type": "EF.CardAccess (SecurityInfos)",
                "security_infos": security_infos_json(&infos),
            })),
            Err(e) => Err(InspectError(format!(
                "starts like SecurityInfos (EF.CardAccess) but does not parse: {e}"
            ))),
        };
    }
    if first == 0x77 {
        let sod = lds::Sod::parse(bytes).map_err(|e| {
            InspectError(format!(
                "starts with tag 77 (EF.SOD) but does not parse: {e}"
            ))
        })?;
        return sod_json(&sod.cms, true);
    }
    if let Some(file) = FileId::from_tag(first) {
        return lds::parse(file, bytes).map(lds_json).map_err(|e| {
            InspectError(format!(
                "starts with tag {first:02X} ({}) but does not parse: {e}",
                file.name()
            ))
        });
    }
    Err(InspectError(format!(
        "unknown file type (first byte {first:02X}): not an LDS file, certificate, CRL, \
         master list or SecurityInfos"
    )))
}

fn move_type_first(v: Value) -> Value {
    match v {
        Value::Object(mut m) => {
            let mut out = Map::new();
            if let Some(t) = m.remove("type") {
                out.insert("type".into(), t);
            }
            out.extend(m);
            Value::Object(out)
        }
        other => other,
    }
}

fn inspect_der(bytes: &[u8]) -> Result<Value, InspectError> {
    if let Ok(sd) = cms::parse_signed_data(bytes) {
        return Ok(match sd.econtent_type.as_str() {
            oid::LDS_SECURITY_OBJECT => sod_json(bytes, false)?,
            oid::CSCA_MASTER_LIST => {
                let mut v = json!({
                    "type": "CSCA master list",
                    "cms": signed_data_json(&sd),
                    "note": "signature not verified by inspect (use --trust with --master-list-anchor)",
                });
                set(
                    &mut v,
                    "master_list",
                    match ldsso::parse_master_list(&sd.econtent) {
                        Ok(certs) => master_list_json(&certs),
                        Err(e) => json!({ "error": e.to_string() }),
                    },
                );
                v
            }
            oid::SECURITY_OBJECT => {
                let mut v = json!({
                    "type": "EF.CardSecurity",
                    "cms": signed_data_json(&sd),
                });
                set(
                    &mut v,
                    "security_infos",
                    match ldsso::parse_security_infos(&sd.econtent) {
                        Ok(infos) => security_infos_json(&infos),
                        Err(e) => json!({ "error": e.to_string() }),
                    },
                );
                v
            }
            _ => json!({ "type": "CMS SignedData", "cms": signed_data_json(&sd) }),
        });
    }
    if let Ok(c) = Certificate::from_der(bytes) {
        let mut v = certificate_json(&c);
        set(&mut v, "type", json!("X.509 certificate"));
        return Ok(move_type_first(v));
    }
    if let Ok(c) = Crl::from_der(bytes) {
        return Ok(crl_json(&c));
    }
    if let Ok(so) = ldsso::parse_lds_security_object(bytes) {
        let mut v = lds_so_json(&so);
        set(
            &mut v,
            "type",
            json!("LDS security object (EF.SOD eContent, unsigned)"),
        );
        return Ok(move_type_first(v));
    }
    if let Ok(certs) = ldsso::parse_master_list(bytes) {
        let mut v = master_list_json(&certs);
        set(
            &mut v,
            "type",
            json!("CscaMasterList (master list eContent, unsigned)"),
        );
        return Ok(move_type_first(v));
    }
    Err(InspectError(
        "a DER SEQUENCE that is not CMS SignedData, a certificate, a CRL, an LDS security \
         object or a master list"
            .into(),
    ))
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.into()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn label(k: &str) -> String {
    k.replace('_', " ")
}

fn render(v: &Value, indent: usize, out: &mut String) {
    use core::fmt::Write;
    let pad = " ".repeat(indent);
    let Value::Object(map) = v else {
        if let Some(s) = scalar(v) {
            let _ = writeln!(out, "{pad}{s}");
        }
        return;
    };
    for (k, v) in map {
        match v {
            Value::Null => {}
            Value::Object(m) if m.is_empty() => {}
            Value::Object(_) => {
                let _ = writeln!(out, "{pad}{}:", label(k));
                render(v, indent + 2, out);
            }
            Value::Array(items)
                if items.iter().all(|i| scalar(i).is_some())
                    && items.iter().filter_map(scalar).any(|s| s.len() > 24) =>
            {
                // Long values (MRZ lines): one per line.
                let _ = writeln!(out, "{pad}{}:", label(k));
                for s in items.iter().filter_map(scalar) {
                    let _ = writeln!(out, "{pad}  {s}");
                }
            }
            Value::Array(items) if items.iter().all(|i| scalar(i).is_some()) => {
                let list: Vec<String> = items.iter().filter_map(scalar).collect();
                let shown = if list.is_empty() {
                    "(none)".to_owned()
                } else {
                    list.join(", ")
                };
                let _ = writeln!(out, "{pad}{}: {shown}", label(k));
            }
            Value::Array(items) => {
                let _ = writeln!(out, "{pad}{}: {}", label(k), items.len());
                for item in items {
                    let mut sub = String::new();
                    render(item, indent + 4, &mut sub);
                    let inner_pad = " ".repeat(indent + 4);
                    let bullet = format!("{pad}  - ");
                    out.push_str(&sub.replacen(&inner_pad, &bullet, 1));
                }
            }
            _ => {
                if let Some(s) = scalar(v) {
                    let _ = writeln!(out, "{pad}{}: {s}", label(k));
                }
            }
        }
    }
}

/// The inspection as indented text.
pub fn to_text(v: &Value) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::new());
    render(v, 0, &mut out);
    out
}

/// The inspection as pretty JSON.
pub fn to_json(v: &Value) -> Zeroizing<String> {
    let mut s = serde_json::to_string_pretty(v).unwrap_or_default();
    s.push('\n');
    Zeroizing::new(s)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn garbage_never_panics() {
        let mut inputs: Vec<Vec<u8>> = vec![
            vec![],
            vec![0x30],
            vec![0x30, 0x80],
            vec![0x77, 0x82, 0xFF, 0xFF],
            vec![0x61, 0x03, 0x5F, 0x1F, 0x00],
            vec![0x31, 0x02, 0x30, 0x00],
            b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n".to_vec(),
            b"-----BEGIN CERTIFICATE-----\n".to_vec(),
        ];
        for b in 0..=255u8 {
            inputs.push(vec![b, 0x01, 0x00]);
            inputs.push(vec![b, 0x80, 0x00, 0x00]);
        }
        for i in inputs {
            if let Ok(v) = inspect(&i) {
                let _ = to_text(&v);
            }
        }
    }

    #[test]
    fn security_infos_name_protocols() {
        // PACEInfo: id-PACE-ECDH-GM-AES-CBC-CMAC-128, version 2, brainpoolP256r1 (13).
        let card_access = [
            0x31, 0x14, 0x30, 0x12, 0x06, 0x0A, 0x04, 0x00, 0x7F, 0x00, 0x07, 0x02, 0x02, 0x04,
            0x02, 0x02, 0x02, 0x01, 0x02, 0x02, 0x01, 0x0D,
        ];
        let v = inspect(&card_access).unwrap();
        assert_eq!(v["security_infos"][0]["name"], "PACE");
        assert_eq!(
            v["security_infos"][0]["protocol"],
            "0.4.0.127.0.7.2.2.4.2.2"
        );
        assert!(to_text(&v).contains("PACE"));
    }
}
