#!/bin/sh
# Second implementation of the monid wire format: creates the venv (~/.cache/monid-py, or
# $MONID_PY_VENV) with cryptography and cbor2 from PyPI if missing, then checks the committed
# vectors and issues a challenge + receipt (the Rust test core/tests/receipt_python.rs accepts
# the latter). Prints "python: N passed, M failed"; exits non-zero on any failure.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
VENV=${MONID_PY_VENV:-$HOME/.cache/monid-py}
if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c 'import cbor2, cryptography' 2>/dev/null; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'cryptography>=42' 'cbor2>=5.6'
fi
"$VENV/bin/python" "$HERE/monid_wire.py" check
"$VENV/bin/python" "$HERE/monid_wire.py" issue > /dev/null
echo "python: issue ok"
