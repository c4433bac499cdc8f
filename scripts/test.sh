#!/usr/bin/env bash
# Guichet's whole test suite, from a fresh Debian machine: prepares what the tests need
# (scripts/prepare.sh: Debian and Python packages, PostgreSQL role and database), then unit
# and integration tests on SQLite, the integration tests again on PostgreSQL (the fault suite
# included), the Zendesk-client interop test (real `zenpy`) on both databases, and a short
# run of the cargo-fuzz target.
#
#   GUICHET_PG_URL        PostgreSQL server URL whose user may CREATE DATABASE (default: a
#                         guichet_ci role and database that prepare.sh creates)
#   GUICHET_FUZZ_SECONDS  seconds of fuzzing at the end (default 60; 0 skips it)
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/prepare.sh)"
PG_URL="$GUICHET_PG_URL"

# Real mail servers for the email tests: Dovecot (IMAP) and an aiosmtpd sink (SMTP).
scripts/mail-servers.sh start
eval "$(scripts/mail-servers.sh env)"

echo "== unit and integration tests on SQLite"
cargo test --workspace --no-fail-fast

echo "== integration tests on PostgreSQL ($PG_URL)"
GUICHET_TEST_DATABASE_URL="$PG_URL" cargo test -p guichet --test api --no-fail-fast
echo "== browser tests on PostgreSQL"
GUICHET_TEST_DATABASE_URL="$PG_URL" cargo test -p guichet --test browser --no-fail-fast

echo "== zenpy interop"
cargo build -p guichet
BIN="${CARGO_TARGET_DIR:-target}/debug/guichet"
run_interop() {
    local db_url="$1" dir port pid token
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    GUICHET_ADMIN_EMAIL=interop@guichet.test GUICHET_ADMIN_PASSWORD=interop-password-1 GUICHET_LOG=warn \
        "$BIN" serve --bind "127.0.0.1:$port" --data-dir "$dir" ${db_url:+--database-url "$db_url"} >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 100); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.2
    done
    token=$("$BIN" token create --email interop@guichet.test --data-dir "$dir" ${db_url:+--database-url "$db_url"})
    local rc=0
    GUICHET_URL="http://127.0.0.1:$port" GUICHET_EMAIL=interop@guichet.test GUICHET_TOKEN="$token" \
        python3 tests/interop/zenpy_interop.py || rc=$?
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ "$rc" != 0 ]; then
        echo "--- server log"; cat "$dir/server.log"
    fi
    rm -rf "$dir"
    return "$rc"
}
echo "-- on SQLite"
run_interop ""
echo "-- on PostgreSQL"
db="guichet_interop_$$"
psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
run_interop "${PG_URL%/*}/$db" || { psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)"; exit 1; }
psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
echo "== schemathesis (OpenAPI property tests against the real binary, both databases)"
scripts/schemathesis.sh

FUZZ="${GUICHET_FUZZ_SECONDS:-60}"
if [ "$FUZZ" != 0 ]; then
    echo "== fuzzing the inbound mail pipeline for $FUZZ s"
    ./scripts/fuzz.sh "$FUZZ"
fi
echo "== all tests passed"
