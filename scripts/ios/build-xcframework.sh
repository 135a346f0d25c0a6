#!/usr/bin/env bash
# scripts/ios/build-xcframework.sh - builds ios/MonidFFI.xcframework (the Rust core as a static
# library for iOS device and simulator, with the uniffi header and module map of module
# `monidFFI`) and generates ios/Sources/Monid/Generated/monid.swift, so that ios/Package.swift
# builds on Apple platforms (`.binaryTarget(name: "monidFFI", path: "MonidFFI.xcframework")`).
#
# NOT VERIFIED IN CI: it needs macOS with Xcode (xcodebuild, lipo) and the iOS Rust targets,
# none of which exist on the CI machines. It was written against the documented behaviour of
# each tool; run it on a developer's Mac:
#
#   rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios \
#                     aarch64-apple-darwin x86_64-apple-darwin
#   scripts/ios/build-xcframework.sh                # release (profile release-ffi): no features
#   scripts/ios/build-xcframework.sh --with-vchip   # features vchip + verifier, for the tests:
#   cd ios && swift test                            # macOS slice (the CoreNFC files drop out)
#   xcodebuild -scheme Monid -destination 'generic/platform=iOS' build   # or add ios/ to an app
#
# Features: the crate's default features are empty, so each build names its own: the release
# build passes `--no-default-features` (no virtual chip, no verifier: what an app ships); the
# test build `--no-default-features --features vchip,verifier` (the Swift tests read the
# virtual card AND verify receipts with the relying party's Verifier).
#
# Outputs: ios/MonidFFI.xcframework and ios/Sources/Monid/Generated/monid.swift (both
# git-ignored: generated code is never committed), so that ios/ is a complete local package;
# and, for a release, target/xcframework/MonidFFI.xcframework.zip with its SwiftPM checksum
# (SHA-256) in MonidFFI.xcframework.zip.sha256, plus the matching generated sources in
# target/xcframework/monid-swift-generated.zip (monid.swift; the xcframework carries the
# header). See docs/bindings.md ("Using the package in an app").
#
# Slices: ios-arm64 (aarch64-apple-ios), ios-arm64_x86_64-simulator (aarch64-apple-ios-sim and
# x86_64-apple-ios, merged with lipo) and macos-arm64_x86_64 (so that `swift test` runs on a
# Mac). The crate is built as a staticlib with
# `cargo rustc --crate-type staticlib` (bindings/Cargo.toml declares cdylib + lib for the
# other platforms). The Swift source is generated in library mode from the host build of the
# same crate and features (uniffi checks at load time that both agree).
#
# Env: IPHONEOS_DEPLOYMENT_TARGET (15.0), MONID_PROFILE (release-ffi).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
IOS="$REPO/ios"
PROFILE="${MONID_PROFILE:-release-ffi}"
export IPHONEOS_DEPLOYMENT_TARGET="${IPHONEOS_DEPLOYMENT_TARGET:-15.0}"
FEATURES=(--no-default-features)
case "${1:-}" in
    --with-vchip) FEATURES=(--no-default-features --features vchip,verifier) ;;
    "") ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac

log() { printf '[xcframework] %s\n' "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

[ "$(uname -s)" = Darwin ] || die "needs macOS with Xcode (xcodebuild); not available here"
for tool in cargo rustup xcodebuild lipo ditto shasum; do
    command -v "$tool" >/dev/null 2>&1 || die "$tool not found"
done
TARGETS=(aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios aarch64-apple-darwin x86_64-apple-darwin)
installed=$(rustup target list --installed)
for t in "${TARGETS[@]}"; do
    grep -qx "$t" <<<"$installed" || die "rust target $t missing: rustup target add ${TARGETS[*]}"
done

cd "$REPO"
# Compact software fallbacks of sha2 and aes (the ARMv8 crypto instructions are still used at run
# time), as scripts/ffi/size.sh and android/build.gradle.kts; ld64 deduplicates identical code
# by default (the --icf=all of the ELF builds). Only for the target builds below: the host builds
# for the generator keep the default flags (and the shared build cache).
SIZE_RUSTFLAGS="${RUSTFLAGS:+$RUSTFLAGS }--cfg sha2_backend_soft=\"compact\" --cfg aes_backend_soft=\"compact\""
for t in "${TARGETS[@]}"; do
    log "cargo rustc --target $t --profile $PROFILE ${FEATURES[*]}"
    RUSTFLAGS="$SIZE_RUSTFLAGS" cargo rustc -q -p monid-bindings --lib --crate-type staticlib \
        --profile "$PROFILE" --target "$t" "${FEATURES[@]}"
done

# Host build of the same crate and features, for the generator (library mode).
log "host build + uniffi-bindgen"
cargo build -q -p monid-bindings --profile "$PROFILE" "${FEATURES[@]}"
cargo build -q -p uniffi-bindgen
HOST_LIB="$REPO/target/$PROFILE/libmonid.dylib"
[ -f "$HOST_LIB" ] || die "missing $HOST_LIB"

OUT="$REPO/target/xcframework"
rm -rf "$OUT"
mkdir -p "$OUT/gen" "$OUT/headers/monidFFI" "$OUT/ios-simulator" "$OUT/macos"
"$REPO/target/debug/uniffi-bindgen" generate --no-format --language swift --out-dir "$OUT/gen" "$HOST_LIB"

# Headers in a subdirectory named after the module, so that the module maps of several
# XCFrameworks in one app do not collide ("multiple commands produce module.modulemap").
cp "$OUT/gen/monidFFI.h" "$OUT/headers/monidFFI/"
cat > "$OUT/headers/monidFFI/module.modulemap" <<'MAP'
module monidFFI {
    header "monidFFI.h"
    export *
}
MAP

lib() { printf '%s/target/%s/%s/libmonid.a' "$REPO" "$1" "$PROFILE"; }
lipo -create "$(lib aarch64-apple-ios-sim)" "$(lib x86_64-apple-ios)" -output "$OUT/ios-simulator/libmonid.a"
lipo -create "$(lib aarch64-apple-darwin)" "$(lib x86_64-apple-darwin)" -output "$OUT/macos/libmonid.a"

rm -rf "$IOS/MonidFFI.xcframework"
xcodebuild -create-xcframework \
    -library "$(lib aarch64-apple-ios)" -headers "$OUT/headers" \
    -library "$OUT/ios-simulator/libmonid.a" -headers "$OUT/headers" \
    -library "$OUT/macos/libmonid.a" -headers "$OUT/headers" \
    -output "$IOS/MonidFFI.xcframework"

mkdir -p "$IOS/Sources/Monid/Generated"
cp "$OUT/gen/monid.swift" "$IOS/Sources/Monid/Generated/monid.swift"

# The release artefacts: the zip a `.binaryTarget(url:checksum:)` downloads (the xcframework at
# the zip's root, as SwiftPM expects) and its checksum (`swift package compute-checksum` is
# the SHA-256 of the zip), and the generated Swift source of the same build.
(cd "$IOS" && ditto -c -k --sequesterRsrc --keepParent MonidFFI.xcframework "$OUT/MonidFFI.xcframework.zip")
shasum -a 256 "$OUT/MonidFFI.xcframework.zip" | cut -d' ' -f1 > "$OUT/MonidFFI.xcframework.zip.sha256"
(cd "$OUT/gen" && ditto -c -k monid.swift "$OUT/monid-swift-generated.zip")
log "ready: $IOS/MonidFFI.xcframework ($(du -sh "$IOS/MonidFFI.xcframework" | cut -f1)) and Sources/Monid/Generated/monid.swift"
log "release: $OUT/MonidFFI.xcframework.zip (checksum $(cat "$OUT/MonidFFI.xcframework.zip.sha256")), $OUT/monid-swift-generated.zip"
