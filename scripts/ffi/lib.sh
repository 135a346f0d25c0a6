# shellcheck shell=bash
# scripts/ffi/lib.sh - shared by the FFI scripts (sourced, not run).
#
# Builds the bindings cdylib once (debug, features vchip and verifier: both are off by default)
# and uniffi-bindgen (its own workspace member, same pinned uniffi), and generates Kotlin / Swift
# bindings from the built library in library mode into target/ffi/ (never committed).

FFI_REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
FFI_OUT="${FFI_OUT:-$FFI_REPO/target/ffi}"
FFI_CACHE="${FFI_TOOLCHAIN_CACHE:-$HOME/.cache/ffi-toolchains}"
FFI_PROFILE_DIR="${CARGO_TARGET_DIR:-$FFI_REPO/target}/debug"
FFI_LIB="$FFI_PROFILE_DIR/libmonid.so"
FFI_BINDGEN="$FFI_PROFILE_DIR/uniffi-bindgen"

ffi_log() { printf '[ffi] %s\n' "$*" >&2; }
ffi_die() { ffi_log "ERROR: $*"; exit 1; }
ffi_now() { date +%s.%N; }
ffi_since() { awk -v a="$1" -v b="$(ffi_now)" 'BEGIN { printf "%.1f", b - a }'; }

# Builds the cdylib and the generator unless FFI_SKIP_BUILD=1 (test-all.sh builds once).
ffi_build() {
    if [ "${FFI_SKIP_BUILD:-0}" = 1 ]; then
        [ -f "$FFI_LIB" ] && [ -x "$FFI_BINDGEN" ] || ffi_die "FFI_SKIP_BUILD=1 but $FFI_LIB or $FFI_BINDGEN is missing"
        return 0
    fi
    command -v cargo >/dev/null 2>&1 || ffi_die "cargo not found"
    local t0; t0=$(ffi_now)
    # Two invocations: building them together would unify uniffi's `cli` feature (clap) into the cdylib.
    (cd "$FFI_REPO" && cargo build -q -p monid-bindings --features vchip,verifier) || ffi_die "cargo build -p monid-bindings failed"
    (cd "$FFI_REPO" && cargo build -q -p uniffi-bindgen) || ffi_die "cargo build -p uniffi-bindgen failed"
    ffi_log "cdylib + uniffi-bindgen built ($(ffi_since "$t0") s): $FFI_LIB"
}

# ffi_generate kotlin|swift OUTDIR: regenerates the bindings from the cdylib (library mode).
ffi_generate() {
    local lang="$1" out="$2"
    rm -rf "$out"
    "$FFI_BINDGEN" generate --no-format --language "$lang" --out-dir "$out" "$FFI_LIB" >/dev/null \
        || ffi_die "uniffi-bindgen generate --language $lang failed"
    ffi_log "generated $lang bindings in $out"
}

# ffi_metadata_version_script LIB MAP: writes the linker version script that makes every
# UNIFFI_META_* symbol of LIB local (bindings/uniffi-bindgen/src/bin/uniffi-metadata-map.rs, the
# tool the Android build uses too). LIB is any build of the same crate and features.
ffi_metadata_version_script() {
    # Without the caller's RUSTFLAGS (size.sh's --cfg flags): the tool lands in the shared debug
    # build, which must not be rebuilt with other flags.
    (cd "$FFI_REPO" && env -u RUSTFLAGS cargo build -q -p uniffi-bindgen --bin uniffi-metadata-map) \
        || ffi_die "cargo build -p uniffi-bindgen failed"
    "$FFI_PROFILE_DIR/uniffi-metadata-map" "$1" "$2" || ffi_die "uniffi-metadata-map $1 failed"
}

# ffi_check_metadata_hidden LIB: fails if LIB still exports uniffi metadata, or lost the
# checksum functions the generated code calls at load time.
ffi_check_metadata_hidden() {
    local lib="$1" syms
    syms=$(nm -D --defined-only "$lib" | awk '{ print $3 }')
    ! grep -q '^UNIFFI_META_' <<<"$syms" || ffi_die "$lib still exports UNIFFI_META_ symbols"
    grep -q '^uniffi_monid_checksum_' <<<"$syms" || ffi_die "$lib lost its uniffi checksum functions"
    grep -q '^ffi_monid_uniffi_contract_version$' <<<"$syms" || ffi_die "$lib lost ffi_monid_uniffi_contract_version"
}
