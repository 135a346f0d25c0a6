#!/usr/bin/env bash
# scripts/ffi/swift.sh - builds the cdylib, generates the Swift bindings (library mode), puts
# them into the SwiftPM package and runs `swift build` + `swift test` with Swift 6 on Linux.
#
#   scripts/ffi/swift.sh            # the package in ios/ (fails if ios/Package.swift is missing)
#   scripts/ffi/swift.sh smoke      # the small package in scripts/ffi/swift-smoke (copied to target/ffi)
#   scripts/ffi/swift.sh install    # toolchain only
#
# Toolchain: Debian 12 has no Swift, so a Debian 13 (trixie) rootfs is debootstrapped into
# ~/.cache/ffi-toolchains/swift-trixie-rootfs (or $FFI_TOOLCHAIN_CACHE) with `swiftlang` 6.0.3,
# libc6-dev and libssl-dev (~2.6 GB; needs root for debootstrap/chroot/mount; mounts live in a
# private mount namespace). The cdylib is built on the host (glibc 2.36) and loads inside trixie.
# A missing or uninstallable toolchain is a FAILURE, never a skip.
#
# Package layout expected (ios/, or the smoke package):
#   Package.swift                         .systemLibrary(name: "monidFFI", path: "Sources/monidFFI")
#   Sources/monidFFI/module.modulemap     module monidFFI { header "monidFFI.h" link "monid" export * }
#   Sources/monidFFI/monidFFI.h           GENERATED here (not committed)
#   Sources/Monid/Generated/monid.swift   GENERATED here (not committed)
# Override with SWIFT_PACKAGE_DIR, SWIFT_FFI_HEADER_DIR, SWIFT_GENERATED_DIR.
#
# Disk: installing needs >= 4 GB free in the cache dir, a test run >= 1 GB in the repo (checked
# first; the run fails loudly when short).
#
# Prints "swift: N passed, N failed" (XCTest cases and Swift Testing tests); exits non-zero on
# any failure, on a build failure, when no test ran, and when the toolchain is missing.
# Env: FFI_SKIP_BUILD=1, SWIFT_BUILD_TIMEOUT (1200), SWIFT_TEST_TIMEOUT (900), SWIFT_JOBS (nproc),
#      SWIFT_TEST_ARGS (extra `swift test` args, e.g. `--filter VirtualCnieTests`).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ROOT="${SWIFT_ROOTFS:-$FFI_CACHE/swift-trixie-rootfs}"
MARKER="$ROOT/.ffi-swift-ready"
# libssl-dev: the tests' Swift key store signs through OpenSSL's EVP API (Linux has no CryptoKit).
PKGS="swiftlang libc6-dev libssl-dev"

fail_line() { echo "swift: 0 passed, 1 failed"; ffi_die "$*"; }

in_root() {
    local bind="$1" cwd="$2"
    shift 2
    unshare --mount --propagation private -- /bin/bash -eu -c '
        root=$1 bind=$2 cwd=$3; shift 3
        mount -t proc proc "$root/proc"
        mount --rbind /dev "$root/dev"
        if [ -n "$bind" ]; then
            mkdir -p "$root$bind"
            mount --bind "$bind" "$root$bind"
        fi
        exec chroot "$root" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \
            PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
            /bin/bash -c "cd \"\$0\" && exec \"\$@\"" "$cwd" "$@"
    ' in_root "$ROOT" "$bind" "$cwd" "$@"
}

host_mirror() {
    local f
    for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
        [ -f "$f" ] || continue
        sed -n -e 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]]*$/\1/p' \
               -e 's/^deb[[:space:]]\+\(\[[^]]*\][[:space:]]\+\)\?\([^[:space:]]*\/debian\)[[:space:]]\+.*/\2/p' "$f" | head -1
        return 0
    done
}

install_toolchain() {
    [ "$(id -u)" = 0 ] || fail_line "must run as root (debootstrap, chroot and mount need it)"
    if [ -f "$MARKER" ] && [ -x "$ROOT/usr/bin/swiftc" ]; then
        if [ "$(sed -n 2p "$MARKER")" = "packages: $PKGS" ]; then
            ffi_log "swift toolchain cached: $(head -1 "$MARKER")"
            return 0
        fi
        # An older rootfs (fewer packages): add the missing ones, keep the rest.
        ffi_log "swift toolchain cached, adding packages: $PKGS"
        cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
        in_root "" / /bin/bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
            apt-get install -y -qq --no-install-recommends $PKGS >/dev/null && apt-get clean" \
            || fail_line "apt-get install $PKGS in the rootfs failed"
        { head -1 "$MARKER"; echo "packages: $PKGS"; } > "$MARKER.tmp"
        mv "$MARKER.tmp" "$MARKER"
        return 0
    fi
    local avail_kb
    mkdir -p "$FFI_CACHE"
    avail_kb=$(df -Pk "$FFI_CACHE" | awk 'NR==2 { print $4 }')
    [ "${avail_kb:-0}" -ge $((4 * 1024 * 1024)) ] || fail_line "need 4 GB free in $FFI_CACHE for the Swift rootfs"
    if ! command -v debootstrap >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            -o DPkg::Lock::Timeout=600 debootstrap >/dev/null || fail_line "cannot install debootstrap"
    fi
    if [ ! -f "$ROOT/.ffi-debootstrap-done" ]; then
        rm -rf "$ROOT"
        local mirror; mirror=$(host_mirror || true)
        ffi_log "debootstrap --variant=minbase trixie ${mirror:-<default mirror>} (a few minutes)"
        # shellcheck disable=SC2086
        debootstrap --variant=minbase trixie "$ROOT" $mirror > "$FFI_CACHE/debootstrap-trixie.log" 2>&1 \
            || { tail -20 "$FFI_CACHE/debootstrap-trixie.log" >&2; fail_line "debootstrap failed"; }
        touch "$ROOT/.ffi-debootstrap-done"
    fi
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    in_root "" / /bin/bash -c "apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends $PKGS >/dev/null && apt-get clean" \
        || fail_line "apt-get install $PKGS in the rootfs failed"
    in_root "" / swift --version 2>&1 | head -1 > "$MARKER.tmp" || fail_line "swift does not run in the rootfs"
    echo "packages: $PKGS" >> "$MARKER.tmp"
    mv "$MARKER.tmp" "$MARKER"
    ffi_log "swift toolchain ready: $(head -1 "$MARKER")"
}

# Counts XCTest and Swift Testing cases in a `swift test` log.
count_results() {
    local log="$1" p f
    p=$(grep -cE "^Test Case '.*' passed" "$log" || true)
    f=$(grep -cE "^Test Case '.*' failed" "$log" || true)
    # Swift Testing: "✔ Test foo() passed after ..." / "✘ Test foo() failed after ..."
    p=$((p + $(grep -E "Test [^ ].* passed after" "$log" | grep -cv "Test run with" || true)))
    f=$((f + $(grep -E "Test [^ ].* failed after" "$log" | grep -cv "Test run with" || true)))
    echo "$p $f"
}

run_tests() {
    local pkg="$1" hdr gen out libdir log rc t0 t_all p f avail_kb
    t_all=$(ffi_now)
    [ -f "$pkg/Package.swift" ] || fail_line "no Package.swift in $pkg"
    avail_kb=$(df -Pk "$pkg" | awk 'NR==2 { print $4 }')
    [ "${avail_kb:-0}" -ge $((1024 * 1024)) ] || fail_line "need 1 GB free next to $pkg for the Swift build"
    hdr="${SWIFT_FFI_HEADER_DIR:-$pkg/Sources/monidFFI}"
    gen="${SWIFT_GENERATED_DIR:-$pkg/Sources/Monid/Generated}"
    ffi_build || fail_line "build failed"
    out="$FFI_OUT/swift-gen"
    ffi_generate swift "$out" || fail_line "generation failed"
    mkdir -p "$hdr" "$gen"
    # Copied only when changed, so that an unchanged library leaves SwiftPM's build warm.
    cmp -s "$out/monidFFI.h" "$hdr/monidFFI.h" || cp "$out/monidFFI.h" "$hdr/monidFFI.h"
    cmp -s "$out/monid.swift" "$gen/monid.swift" || cp "$out/monid.swift" "$gen/monid.swift"
    libdir=$(cd "$(dirname "$FFI_LIB")" && pwd -P)
    pkg=$(cd "$pkg" && pwd -P)
    case "$pkg/" in "$FFI_REPO"/*) ;; *) fail_line "$pkg is not inside the repo (it is bind-mounted)";; esac
    t0=$(ffi_now)
    in_root "$FFI_REPO" "$pkg" timeout "${SWIFT_BUILD_TIMEOUT:-1200}" \
        swift build --build-tests -j "${SWIFT_JOBS:-$(nproc)}" \
        -Xlinker -L"$libdir" -Xlinker -rpath -Xlinker "$libdir" >&2 || fail_line "swift build failed"
    ffi_log "swift build --build-tests ($(ffi_since "$t0") s)"
    log="$FFI_OUT/swift-test.log"
    t0=$(ffi_now)
    set +e
    in_root "$FFI_REPO" "$pkg" env LD_LIBRARY_PATH="$libdir" MONID_TEST_VECTORS="$FFI_REPO/test-vectors" \
        timeout "${SWIFT_TEST_TIMEOUT:-900}" swift test --skip-build ${SWIFT_TEST_ARGS:-} 2>&1 | tee "$log" >&2
    rc=${PIPESTATUS[0]}
    set -e
    ffi_log "swift test ($(ffi_since "$t0") s, exit $rc)"
    read -r p f < <(count_results "$log")
    if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
    if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; ffi_log "no tests ran"; fi
    ffi_log "swift total $(ffi_since "$t_all") s (generate + build + test)"
    echo "swift: $p passed, $f failed"
    [ "$f" -eq 0 ]
}

case "${1:-test}" in
    install) install_toolchain ;;
    test) install_toolchain; run_tests "${SWIFT_PACKAGE_DIR:-$FFI_REPO/ios}" ;;
    smoke)
        install_toolchain
        # Copy over the previous copy (keeps SwiftPM's .build for an incremental build).
        mkdir -p "$FFI_OUT/swift-smoke"
        cp -r "$FFI_REPO/scripts/ffi/swift-smoke/." "$FFI_OUT/swift-smoke/"
        run_tests "$FFI_OUT/swift-smoke" ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
