#!/usr/bin/env bash
# scripts/ffi/size.sh - stripped size of the release cdylib and what dominates it.
# Target: <= 2 MB on x86_64 with all features.
#
#   scripts/ffi/size.sh [PROFILE] [FEATURES]
#     PROFILE:  release (default) or release-ffi (opt-level z, fat LTO, see Cargo.toml)
#     FEATURES: all (default: --all-features, i.e. with the virtual chip and the verifier), none
#               (no feature, as bindings/Cargo.toml's empty default: what an app ships), or one
#               feature alone (vchip, verifier)
#
# Builds once with symbols kept (separate target dir target/ffi-size, so target/release is not
# disturbed), strips a copy for the size, and breaks the unstripped one down by crate with
# `cargo bloat`-like grouping of `nm --size-sort` (cargo bloat is not installed here).
#
# The library is built with `cargo rustc --crate-type cdylib`, as the Android build does
# (android/build.gradle.kts; iOS builds `--crate-type staticlib`): bindings/Cargo.toml also
# declares `lib` (for its Rust tests), and with an rlib among the crate types rustc keeps every
# Rust-public symbol of every crate through LTO (no internalisation: no dead-code removal across
# crates, cross-crate calls through the GOT), which made the library 25 % larger.
#
# Link flags (for this final link only, after `--`, so no dependency is rebuilt):
#   --icf=all               identical code folding (LLD): same-bodied functions of different
#                           types/curves share one copy. Rust gives no function-address
#                           uniqueness guarantee. Android passes it too (android/build.gradle.kts);
#                           Apple's ld64 deduplicates by default.
#   -z pack-relative-relocs RELR relative relocations (glibc 2.36+): ~40 KB less. Android packs
#                           them too (--pack-dyn-relocs=android, APS2, API 23+) and Apple uses
#                           chained fixups, so this is what the mobile libraries carry.
# RUSTFLAGS (every crate; the same in android/build.gradle.kts and scripts/ios/build-xcframework.sh):
#   --cfg sha2_backend_soft="compact" --cfg aes_backend_soft="compact": the compact (rolled)
#                           software fallbacks of sha2 and aes (-28 KB). Only the fallback: CPUs
#                           with SHA / AES instructions (x86 SHA-NI/AES-NI, ARMv8 crypto) keep the
#                           hardware backends, selected at run time; hashing a few data groups
#                           stays in the milliseconds either way.
# uniffi metadata: every export comes with a `#[no_mangle] pub static UNIFFI_META_*` byte array
# (its signature and doc comment) that only the generator reads, in library mode, from the HOST
# build; the app never does (the generated code checks the `uniffi_*_checksum_*` functions,
# which stay). uniffi 0.32 cannot leave them out, so the release link makes them local with a
# version script naming each one (LLD lets an exact `local:` name override rustc's own export
# list; a `UNIFFI_META_*` glob does not), and --gc-sections drops them: about 50 KB of data
# and 200 dynamic symbols. Consequence: generate bindings from a host/debug build, never from
# the release library (it has no metadata left).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
profile="${1:-release}"
features="${2:-all}"
case "$features" in
    all) fflag=--all-features ;;
    none) fflag=--no-default-features ;;
    vchip|verifier) fflag="--no-default-features --features $features" ;;
    *) ffi_die "FEATURES must be all, none, vchip or verifier" ;;
esac
cd "$FFI_REPO"
P=$(echo "$profile" | tr 'a-z-' 'A-Z_')
export RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg sha2_backend_soft=\"compact\" --cfg aes_backend_soft=\"compact\""
tdir="$FFI_REPO/target/ffi-size"
out="$FFI_OUT/size"; mkdir -p "$out"
lib="$tdir/$profile/libmonid.so"
map="$out/uniffi-metadata.$features.map"
link() { # extra rustc args: only the final link differs between the two passes
    # shellcheck disable=SC2086
    env "CARGO_PROFILE_${P}_STRIP=none" CARGO_TARGET_DIR="$tdir" \
        cargo rustc -q --profile "$profile" -p monid-bindings --lib --crate-type cdylib $fflag \
        -- -C link-arg=-Wl,--icf=all -C link-arg=-Wl,-z,pack-relative-relocs "$@"
}
# Pass 1 names the metadata symbols, pass 2 hides them (see "uniffi metadata" above).
link
ffi_metadata_version_script "$lib" "$map"
link -C link-arg=-Wl,--version-script="$map"
ffi_check_metadata_hidden "$lib"
stripped="$out/libmonid.$profile.$features.stripped.so"
strip -o "$stripped" "$lib"
bytes=$(stat -c %s "$stripped")
echo "libmonid.so ($profile, features=$features, $(uname -m), stripped): $bytes bytes ($(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }') MiB)"
size -A "$stripped" | awk 'NR > 2 && $2 > 65536 && $1 != "Total" { printf "  section %-20s %8d bytes\n", $1, $2 }'
echo "  largest crates by symbol size (nm, demangled; approximate):"
nm --size-sort -S -C "$lib" 2>/dev/null | python3 -c '
import re, sys, collections
tot = collections.Counter()
for line in sys.stdin:
    parts = line.rstrip("\n").split(" ", 3)
    if len(parts) < 4:
        continue
    size, name = int(parts[1], 16), parts[3].lstrip("<&*( ")
    m = re.match(r"([A-Za-z0-9_]+)::", name)
    tot[m.group(1) if m else "(other)"] += size
total = sum(tot.values()) or 1
for crate, size in tot.most_common(15):
    print("  %10d  %5.1f%%  %s" % (size, 100 * size / total, crate))
'
