#!/usr/bin/env bash
# scripts/ffi/kotlin.sh - builds the cdylib, generates the Kotlin bindings (library mode) and
# compiles and runs the Kotlin/JVM JUnit4 tests of android/ through JNA.
#
#   scripts/ffi/kotlin.sh            # build + generate + compile + test
#   scripts/ffi/kotlin.sh install    # toolchain only
#
# Toolchain (installed on first use into ~/.cache/ffi-toolchains, or $FFI_TOOLCHAIN_CACHE;
# this machine reaches only crates.io, npm, PyPI and Debian, so no Gradle / Maven Central):
#   kotlinc 2.4.20 + kotlin-stdlib + kotlinx-coroutines-core-jvm  <- npm package `kotlin-compiler`
#   JNA 5.13 (+ native libjnidispatch), JUnit 4.13.2, hamcrest   <- Debian: libjna-java, junit4
#   JDK 17                                                        <- Debian: openjdk-17-jdk-headless
# A missing toolchain that cannot be installed is a FAILURE, never a skip.
#
# What is compiled (one kotlinc run):
#   target/ffi/kotlin-gen/uniffi/monid/monid.kt   generated, not committed
#   android/src/main/kotlin/**                    the shell: MonidReader, MonidError, IsoDepTransport...
#   android/src/test/kotlin/**                    JUnit4 tests
# against android/src/stubs/java (compile-only stubs of the few android.* classes, compiled by
# javac; they are NOT on the test run's classpath, so a test touching android.* would fail).
#
# Everything is compiled at the language/API level the AAR is built at (android/gradle/
# libs.versions.toml `kotlinLanguage`, read here: -language-version/-api-version), so CI proves the
# shell (and the generated bindings) compile at that level.
#
# Prints "kotlin: N passed, N failed"; exits non-zero on any failure.
# Env: FFI_SKIP_BUILD=1 (cdylib already built), KOTLIN_VERSION (2.4.20), KOTLIN_TEST_TIMEOUT (600),
# KOTLIN_LIBRARY_DIR (load libmonid.so from there instead), KOTLIN_SUITE (name of the summary line).
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KOTLIN_VERSION="${KOTLIN_VERSION:-2.4.20}"
KHOME="$FFI_CACHE/kotlin-compiler-$KOTLIN_VERSION"
JAVA_SHARE=/usr/share/java
ANDROID="$FFI_REPO/android"

fail_line() { echo "${KOTLIN_SUITE:-kotlin}: 0 passed, 1 failed"; ffi_die "$*"; }

# The catalog's `kotlinLanguage` (e.g. 2.0).
kotlin_level() {
    sed -n 's/^[[:space:]]*kotlinLanguage[[:space:]]*=[[:space:]]*"\([0-9][0-9.]*\)".*/\1/p' \
        "$ANDROID/gradle/libs.versions.toml" | head -1
}

host_apt_install() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    command -v apt-get >/dev/null 2>&1 || return 1
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq || return 1
    ffi_log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
        -o DPkg::Lock::Timeout=600 "${missing[@]}" >/dev/null
}

install_toolchain() {
    if ! command -v javac >/dev/null 2>&1; then
        host_apt_install openjdk-17-jdk-headless || fail_line "cannot install a JDK (javac)"
    fi
    host_apt_install libjna-java junit4 || fail_line "cannot install libjna-java junit4"
    for j in jna.jar junit4.jar hamcrest.jar; do
        [ -f "$JAVA_SHARE/$j" ] || fail_line "$JAVA_SHARE/$j missing"
    done
    if [ ! -x "$KHOME/bin/kotlinc" ] || [ ! -f "$KHOME/lib/kotlinx-coroutines-core-jvm.jar" ]; then
        command -v npm >/dev/null 2>&1 || fail_line "npm not found (needed for the kotlin-compiler package)"
        mkdir -p "$FFI_CACHE"
        local tmp; tmp=$(mktemp -d "$FFI_CACHE/.kotlin-dl.XXXXXX")
        ffi_log "npm pack kotlin-compiler@$KOTLIN_VERSION (~90 MB)"
        (cd "$tmp" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null) || fail_line "npm pack failed"
        tar -xzf "$tmp"/kotlin-compiler-*.tgz -C "$tmp"
        rm -rf "$KHOME"; mv "$tmp/package" "$KHOME"; rm -rf "$tmp"
        chmod +x "$KHOME"/bin/*
    fi
    ffi_log "kotlinc $(cat "$KHOME/build.txt" 2>/dev/null || echo '?'), JNA $(readlink "$JAVA_SHARE/jna.jar" || echo '?')"
}

deps_cp() {
    printf '%s' "$JAVA_SHARE/jna.jar:$JAVA_SHARE/junit4.jar:$JAVA_SHARE/hamcrest.jar:$KHOME/lib/kotlinx-coroutines-core-jvm.jar"
}

write_runner() {
    cat > "$1/FfiJUnitRunner.kt" <<'KT'
import org.junit.runner.JUnitCore
import org.junit.runner.notification.Failure

// Runs the JUnit4 classes named on the command line and prints a plain summary line.
fun main(args: Array<String>) {
    val classes = args.map { Class.forName(it) }.toTypedArray()
    val result = JUnitCore().run(*classes)
    result.failures.forEach { f: Failure -> println("FAIL ${f.testHeader}\n${f.trace}") }
    val failed = result.failureCount
    val suite = System.getProperty("monid.suite") ?: "kotlin"
    println("$suite: ${result.runCount - failed} passed, $failed failed" +
        if (result.ignoreCount > 0) ", ${result.ignoreCount} skipped" else "")
    kotlin.system.exitProcess(if (result.wasSuccessful() && result.runCount > 0) 0 else 1)
}
KT
}

test_classes() {
    local f pkg
    find "$ANDROID/src/test/kotlin" -name '*Test.kt' | sort | while read -r f; do
        pkg=$(sed -n 's/^[[:space:]]*package[[:space:]]\+\([A-Za-z0-9_.]*\).*/\1/p' "$f" | head -1)
        printf '%s ' "${pkg:+$pkg.}$(basename "$f" .kt)"
    done
}

run_tests() {
    local gen="$FFI_OUT/kotlin-gen" build="$FFI_OUT/kotlin-build" t0 classes srcs stubs level
    level=$(kotlin_level)
    [ -n "$level" ] || fail_line "no kotlinLanguage in android/gradle/libs.versions.toml"
    ffi_build || fail_line "build failed"
    ffi_generate kotlin "$gen" || fail_line "generation failed"
    rm -rf "$build"; mkdir -p "$build/stubs" "$build/classes" "$build/runner"
    mapfile -t stubs < <(find "$ANDROID/src/stubs/java" -name '*.java' | sort)
    javac -nowarn -d "$build/stubs" "${stubs[@]}" || fail_line "javac (android stubs) failed"
    write_runner "$build/runner"
    mapfile -t srcs < <(find "$gen" "$ANDROID/src/main/kotlin" "$ANDROID/src/test/kotlin" -name '*.kt' | sort)
    t0=$(ffi_now)
    ffi_log "kotlinc: ${#srcs[@]} source files, language and API version $level"
    "$KHOME/bin/kotlinc" -nowarn -language-version "$level" -api-version "$level" \
        -cp "$(deps_cp):$build/stubs" -d "$build/classes" \
        "${srcs[@]}" "$build/runner/FfiJUnitRunner.kt" || fail_line "kotlinc failed"
    ffi_log "compiled in $(ffi_since "$t0") s"
    classes=$(test_classes)
    [ -n "${classes// /}" ] || fail_line "no test classes in android/src/test/kotlin"
    t0=$(ffi_now)
    # Stubs are NOT on this classpath. -Djna.library.path: where JNA finds libmonid.so.
    # shellcheck disable=SC2086
    # KOTLIN_LIBRARY_DIR: load another build of the same API (scripts/ffi/release-check.sh: the
    # stripped release library); KOTLIN_SUITE names the summary line.
    timeout "${KOTLIN_TEST_TIMEOUT:-600}" java -Djna.library.path="${KOTLIN_LIBRARY_DIR:-$(dirname "$FFI_LIB")}" \
        -Dmonid.testVectors="$FFI_REPO/test-vectors" -Dmonid.suite="${KOTLIN_SUITE:-kotlin}" \
        -cp "$build/classes:$KHOME/lib/kotlin-stdlib.jar:$(deps_cp)" FfiJUnitRunnerKt $classes
    local rc=$?
    ffi_log "ran in $(ffi_since "$t0") s"
    return $rc
}

case "${1:-test}" in
    install) install_toolchain ;;
    test) install_toolchain; run_tests ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d'; exit 2 ;;
esac
