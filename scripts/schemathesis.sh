#!/usr/bin/env bash
# schemathesis against the real debug binary, on SQLite and on PostgreSQL: property-based
# requests from crates/web/openapi.json (served at /api/v2/openapi.json) as the admin, for a
# bounded time per database, failing on any 5xx and on answers the spec does not allow.
#
#   GUICHET_PG_URL            PostgreSQL server URL whose user may CREATE DATABASE
#                             (default postgres://postgres@127.0.0.1:5432/postgres).
#   SCHEMATHESIS_SECONDS      time budget per database (default 120).
#   SCHEMATHESIS_CHECKS       checks (default: not_a_server_error, status and content-type
#                             conformance, response schema conformance).
#   SCHEMATHESIS_STRICT=1     fail on conformance findings too. By default the run fails on
#                             a server error (ST101), a network error (the server died) or
#                             errors in the server's log; conformance findings are printed
#                             (known spec drift: issue 14 finding 26, see
#                             tests/schemathesis/README.md).
# Needs: cargo, python3 with tests/schemathesis/requirements.txt, a running PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."
PG_URL="${GUICHET_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
SECONDS_PER_DB="${SCHEMATHESIS_SECONDS:-120}"
CHECKS="${SCHEMATHESIS_CHECKS:-not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance}"

cargo build -p guichet
BIN="${CARGO_TARGET_DIR:-target}/debug/guichet"

run_schemathesis() {
    local label="$1" db_url="$2" dir port pid token rc=0
    dir=$(mktemp -d)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    # A large API budget: schemathesis is one caller sending as fast as it can.
    GUICHET_ADMIN_EMAIL=st@guichet.test GUICHET_ADMIN_PASSWORD=schemathesis-pw-1 GUICHET_LOG=warn \
        GUICHET_RATE_LIMIT_PER_MINUTE=1000000 \
        "$BIN" serve --bind "127.0.0.1:$port" --data-dir "$dir" ${db_url:+--database-url "$db_url"} >"$dir/server.log" 2>&1 &
    pid=$!
    for _ in $(seq 1 150); do
        curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
        sleep 0.2
    done
    token=$("$BIN" token create --email st@guichet.test --data-dir "$dir" ${db_url:+--database-url "$db_url"})
    echo "-- schemathesis on $label for ${SECONDS_PER_DB}s"
    st run "http://127.0.0.1:$port/api/v2/openapi.json" \
        --url "http://127.0.0.1:$port" \
        --auth "st@guichet.test/token:$token" \
        --checks "$CHECKS" \
        --max-time "$SECONDS_PER_DB" \
        --request-timeout 30 \
        --workers 2 \
        --suppress-health-check all \
        --no-color \
        >"$dir/st.log" 2>&1 || rc=$?
    cat "$dir/st.log"
    if [ "${SCHEMATHESIS_STRICT:-0}" != 1 ]; then
        rc=0
        if grep -q "ST101\|Server error\|Network Error\|Connection refused" "$dir/st.log"; then
            echo "--- schemathesis found server errors"; rc=1
        fi
        if ! grep -q "test cases\|Test cases" "$dir/st.log"; then
            echo "--- schemathesis did not run"; rc=1
        fi
    fi
    if ! curl -fs "http://127.0.0.1:$port/readyz" >/dev/null; then
        echo "--- the server is not ready any more after the run"; rc=1
    fi
    # Whatever the checks said, a 5xx in the server's log fails the run.
    if grep -q "internal error\|storage error" "$dir/server.log"; then
        echo "--- the server logged errors:"; grep "internal error\|storage error" "$dir/server.log" | head -20
        rc=1
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    if [ "$rc" != 0 ]; then
        echo "--- server log (tail)"; tail -50 "$dir/server.log"
    fi
    rm -rf "$dir"
    return "$rc"
}

run_schemathesis SQLite ""
db="guichet_st_$$"
psql "$PG_URL" -qc "CREATE DATABASE $db" >/dev/null
run_schemathesis PostgreSQL "${PG_URL%/*}/$db" || { psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null; exit 1; }
psql "$PG_URL" -qc "DROP DATABASE $db WITH (FORCE)" >/dev/null
echo "== schemathesis passed on both databases"
