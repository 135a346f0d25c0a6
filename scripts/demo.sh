#!/usr/bin/env bash
# The monid demo: builds the `monid` command and reads the built-in virtual ID card end to end
# (BAC, secure messaging, DG1 + face), printing what was read. No hardware needed.
# Installs the build dependencies (libpcsclite-dev, pkg-config) with apt when they are missing.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

missing=()
for pkg in libpcsclite-dev pkg-config; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "installing build dependencies: ${missing[*]}" >&2
    SUDO=()
    [ "$(id -u)" -eq 0 ] || SUDO=(sudo)
    "${SUDO[@]}" apt-get update -q
    DEBIAN_FRONTEND=noninteractive "${SUDO[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
command -v cargo >/dev/null || { echo "cargo not found: install Rust (>= 1.92) from your distribution or rustup" >&2; exit 1; }

exec cargo run --quiet --release -p monid-cli -- demo "$@"
