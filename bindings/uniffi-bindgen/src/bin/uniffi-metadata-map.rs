//! `uniffi-metadata-map LIB MAP`: writes a linker version script that makes every
//! `UNIFFI_META_*` symbol of the uniffi library LIB local.
//!
//! uniffi's proc macros give every export a `#[no_mangle] pub static UNIFFI_META_*` byte array
//! (its signature and doc comment). Only the generator reads them, in library mode, from a host
//! build; the shipped library does not need them (the generated code calls the
//! `uniffi_*_checksum_*` functions, which stay exported). uniffi 0.32 cannot leave them out, so
//! the release link of the Android libraries (android/build.gradle.kts) and of
//! scripts/ffi/size.sh passes this script with `-Wl,--version-script`: LLD lets an exact
//! `local:` name override rustc's own export list (a `UNIFFI_META_*` glob does not), and
//! `--gc-sections` then drops the data (about 50 KB and 200 dynamic symbols).
//!
//! LIB may be any build of the same crate with the same features (ELF or Mach-O, debug or
//! release): the names depend only on the exported API. Exits 1 when LIB exports no metadata.

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [lib, map] = args.as_slice() else {
        eprintln!("usage: uniffi-metadata-map LIB MAP");
        return ExitCode::from(2);
    };
    match run(lib, map) {
        Ok(n) => {
            eprintln!("uniffi-metadata-map: {n} metadata symbols made local in {map}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("uniffi-metadata-map: {lib}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(lib: &str, map: &str) -> Result<usize, String> {
    let bytes = std::fs::read(lib).map_err(|e| e.to_string())?;
    let mut names = metadata_symbols(&bytes)?;
    names.sort_unstable();
    names.dedup();
    if names.is_empty() {
        return Err("no UNIFFI_META_ symbols (already hidden, or not a uniffi library)".into());
    }
    let mut out = String::from("{\n  local:\n");
    for n in &names {
        out.push_str("    ");
        out.push_str(n);
        out.push_str(";\n");
    }
    out.push_str("};\n");
    std::fs::write(map, out).map_err(|e| format!("cannot write {map}: {e}"))?;
    Ok(names.len())
}

fn metadata_symbols(bytes: &[u8]) -> Result<Vec<String>, String> {
    const PREFIX: &str = "UNIFFI_META_";
    let mut names = Vec::new();
    match goblin::Object::parse(bytes).map_err(|e| e.to_string())? {
        goblin::Object::Elf(elf) => {
            for sym in elf.dynsyms.iter().filter(|s| s.st_shndx != 0) {
                if let Some(name) = elf.dynstrtab.get_at(sym.st_name)
                    && name.starts_with(PREFIX)
                {
                    names.push(name.to_owned());
                }
            }
        }
        goblin::Object::Mach(goblin::mach::Mach::Binary(macho)) => {
            for sym in macho.symbols() {
                let (name, _) = sym.map_err(|e| e.to_string())?;
                // Mach-O prefixes C symbols with an underscore.
                if let Some(name) = name.strip_prefix('_').filter(|n| n.starts_with(PREFIX)) {
                    names.push(name.to_owned());
                }
            }
        }
        _ => return Err("not an ELF or single-architecture Mach-O library".into()),
    }
    Ok(names)
}
