#!/usr/bin/env bash
# Prepare a Debian machine for Guichet's test suite; idempotent, quick when all is there.
# scripts/test.sh runs it first, so the README's one test command works on a fresh machine.
#
#   - Debian packages: PostgreSQL (server and client), curl, Dovecot's IMAP server, swaks,
#     Chromium and its WebDriver (browser tests), python3 with pip
#   - PostgreSQL running, with a role and database guichet_ci (unless GUICHET_PG_URL is set)
#   - Python packages of tests/*/requirements.txt
# Prints the GUICHET_PG_URL to use:  eval "$(scripts/prepare.sh)"
set -euo pipefail
cd "$(dirname "$0")/.."
log() { echo "prepare: $*" >&2; }

SUDO=""
[ "$(id -u)" = 0 ] || SUDO="sudo"
missing=""
for pkg in dovecot-imapd swaks chromium chromium-driver; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing="$missing $pkg"
done
{ command -v pg_ctlcluster && ls /usr/lib/postgresql/*/bin/initdb; } >/dev/null 2>&1 || missing="$missing postgresql"
command -v psql >/dev/null || missing="$missing postgresql-client"
command -v curl >/dev/null || missing="$missing curl"
command -v python3 >/dev/null || missing="$missing python3"
python3 -m pip --version >/dev/null 2>&1 || missing="$missing python3-pip"
if [ -n "$missing" ]; then
    log "installing Debian packages:$missing (log: /tmp/guichet-prepare-apt.log)"
    if ! { $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $missing; } \
        >/tmp/guichet-prepare-apt.log 2>&1; then
        tail -30 /tmp/guichet-prepare-apt.log >&2
        exit 1
    fi
fi

# Python packages (the real zenpy client, the SMTP sink, schemathesis when present).
reqs=""
for r in tests/*/requirements.txt; do reqs="$reqs -r $r"; done
pip_flags="--quiet --disable-pip-version-check"
# Debian's own python refuses system-wide installs without this flag (PEP 668).
python3 -m pip install $pip_flags $reqs >&2 2>/dev/null \
    || python3 -m pip install $pip_flags --break-system-packages $reqs >&2

if [ -n "${GUICHET_PG_URL:-}" ]; then
    echo "export GUICHET_PG_URL=$GUICHET_PG_URL"
    exit 0
fi
# PostgreSQL: make sure a cluster runs, then a clean role and database for the tests.
if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
    version="$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)"
    if [ -z "$version" ]; then
        version="$(ls /usr/lib/postgresql | sort -V | tail -1)"
        log "creating PostgreSQL $version cluster"
        $SUDO pg_createcluster "$version" main >&2
    fi
    log "starting PostgreSQL $version"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start >&2 || true
    for _ in $(seq 1 100); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 0.2; done
fi
psql_admin() {
    # Trust auth over TCP where the machine allows it, else the postgres system user.
    if psql "postgres://postgres@127.0.0.1:5432/postgres" -qAtc "SELECT 1" >/dev/null 2>&1; then
        psql "postgres://postgres@127.0.0.1:5432/postgres" -v ON_ERROR_STOP=1 -qAt "$@"
    else
        $SUDO -u postgres psql -v ON_ERROR_STOP=1 -qAt "$@"
    fi
}
# Leftover test databases from earlier runs are dropped, then the role is made afresh.
# Every database the test role owns (test, browser, interop, schema and bench databases
# left by an interrupted run), so the role can be dropped and made afresh.
for db in $(psql_admin -c "SELECT d.datname FROM pg_database d JOIN pg_roles r ON r.oid = d.datdba WHERE r.rolname = 'guichet_ci' OR d.datname LIKE 'guichet_t_%' OR d.datname LIKE 'guichet_interop_%' OR d.datname LIKE 'guichet_schema_%' OR d.datname = 'guichet_ci'"); do
    psql_admin -c "DROP DATABASE \"$db\" WITH (FORCE)" >&2
done
psql_admin -c "DROP ROLE IF EXISTS guichet_ci" >&2
psql_admin -c "CREATE ROLE guichet_ci LOGIN CREATEDB PASSWORD 'guichet_ci'" >&2
psql_admin -c "CREATE DATABASE guichet_ci OWNER guichet_ci" >&2
echo "export GUICHET_PG_URL=postgres://guichet_ci:guichet_ci@127.0.0.1:5432/guichet_ci"
