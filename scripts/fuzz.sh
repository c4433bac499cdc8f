#!/usr/bin/env bash
# Build the cargo-fuzz targets and run each for SECONDS (default 60). Stable Rust: cargo-fuzz
# needs nightly flags, which RUSTC_BOOTSTRAP=1 allows. A crash leaves its input in
# fuzz/artifacts/ and fails this script; copy it to crates/mail/tests/fuzz-regressions/.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_PER_TARGET="${1:-60}"
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
export RUSTC_BOOTSTRAP=1
cargo fuzz build inbound -O
mkdir -p fuzz/corpus/inbound
cargo fuzz run inbound -O fuzz/corpus/inbound crates/mail/tests/corpus crates/mail/tests/fuzz-regressions \
    -- -max_total_time="$SECONDS_PER_TARGET"
