# Shared helpers for scripts/run and scripts/test. Source it; it does nothing on its own.

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-python3}"

log() { printf '==> %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Root runs apt directly; anyone else goes through sudo if there is one.
as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Install Debian packages non-interactively, refreshing the package lists once per run.
APT_UPDATED=""
apt_install() {
    [ "$#" -gt 0 ] || return 0
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$APT_UPDATED" ]; then
        log "apt-get update"
        as_root apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    # Packaged services must not start themselves: the tests start their own throwaway servers.
    # Docker-style images already forbid it with policy-rc.d; add one only for the install if absent.
    local policy="" rc=0
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        policy=/usr/sbin/policy-rc.d
        printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
        as_root chmod +x "$policy"
    fi
    as_root apt-get install -y -qq --no-install-recommends "$@" >/dev/null || rc=$?
    [ -z "$policy" ] || as_root rm -f "$policy"
    return "$rc"
}

# The newest PostgreSQL server bin directory (Debian keeps initdb and pg_ctl off PATH).
pg_bindir() {
    local dir
    for dir in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        if [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

# pip, quietly. This machine's pip configuration may name local package indexes that do not exist;
# pip warns about each on every call, so those lines are dropped. Everything else is shown.
pip_q() {
    local py="$1" out rc=0
    shift
    out="$("$py" -m pip install --quiet --disable-pip-version-check "$@" 2>&1)" || rc=$?
    out="$(printf '%s\n' "$out" | grep -v "is ignored: it is neither a file nor a directory" || true)"
    [ -z "$out" ] || printf '%s\n' "$out" >&2
    return "$rc"
}

# Create a virtualenv unless it exists.
ensure_venv() {
    local venv="$1"
    if [ ! -x "$venv/bin/python" ]; then
        log "creating $venv ($("$PYTHON" --version 2>&1))"
        "$PYTHON" -m venv "$venv"
    fi
}

# A key for what a venv should contain: the requirement files' contents plus any extra words.
# Usage: install_key FILE... -- WORD...
install_key() {
    local files=() words=()
    while [ "$#" -gt 0 ] && [ "$1" != "--" ]; do files+=("$1"); shift; done
    [ "$#" -eq 0 ] || shift
    words=("$@")
    { cat "${files[@]}"; printf '%s\n' "${words[@]}"; } | sha256sum | cut -d' ' -f1
}

# True when the venv's stamp NAME records KEY, i.e. that install already happened.
stamp_ok() { [ "$(cat "$1/.installed-$2" 2>/dev/null)" = "$3" ]; }
stamp_write() { printf '%s\n' "$3" >"$1/.installed-$2"; }
