#!/usr/bin/env bash
# Installs the AWS emulator used by the integration tests (tests/it): moto's server,
# pinned, in a project-local virtualenv at .venv. Idempotent and quick when already done.
set -euo pipefail

MOTO_VERSION="5.2.5"

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/.venv"
py="$venv/bin/python"

installed_version() {
    "$py" - <<'PY' 2>/dev/null
from importlib.metadata import version
import flask, werkzeug  # the [server] extra
print(version("moto"))
PY
}

if [[ -x "$py" ]] && [[ "$(installed_version || true)" == "$MOTO_VERSION" ]]; then
    echo "AWS emulator ready: moto $MOTO_VERSION in $venv"
    exit 0
fi

python="${PYTHON:-python3}"
if [[ ! -x "$py" ]]; then
    echo "creating virtualenv $venv"
    "$python" -m venv "$venv"
fi

"$py" -m pip install --disable-pip-version-check --quiet "moto[server]==$MOTO_VERSION"

v="$(installed_version)"
if [[ "$v" != "$MOTO_VERSION" ]]; then
    echo "error: expected moto $MOTO_VERSION in $venv, found '$v'" >&2
    exit 1
fi
echo "AWS emulator ready: moto $MOTO_VERSION in $venv"
