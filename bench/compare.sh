#!/usr/bin/env bash
# Times pgconf side by side with the tools users have today (pgtoolkit, Augeas) on the inputs
# of ../shared/reference/anchors.md §0, in one run on the same files, and writes
# BENCHMARKS.md (machine, date, medians, ratios, how to reproduce).
#
#   bench/compare.sh            # everything (about 5 minutes)
#   QUICK=1 bench/compare.sh    # fewer runs, no 30x Augeas query (about 1 minute)
#   NO_INSTALL=1 ...            # do not touch apt/pip (the tools must be there already)
#
# Installs: pgtoolkit 0.33.0 from PyPI into a venv under ${PGCONF_BENCH_CACHE:-~/.cache/pgconf-bench},
# augeas-tools (and hyperfine, unused but handy) from Debian's packages with apt-get.
# Builds: pgconf's release binary and its `read` benchmark (for in-process throughput).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
cache=${PGCONF_BENCH_CACHE:-$HOME/.cache/pgconf-bench}
work=$(mktemp -d "${TMPDIR:-/tmp}/pgconf-compare.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$cache"

if [[ -z ${NO_INSTALL:-} ]]; then
    if ! command -v augtool >/dev/null; then
        echo "== installing augeas-tools (apt)" >&2
        if [[ $(id -u) -eq 0 ]]; then sudo=; else sudo=sudo; fi
        $sudo apt-get install -y -q augeas-tools augeas-lenses >&2 ||
            { $sudo apt-get update -q >&2 && $sudo apt-get install -y -q augeas-tools augeas-lenses >&2; }
    fi
    if [[ ! -x $cache/venv/bin/python ]]; then
        echo "== installing pgtoolkit (pip, venv in $cache/venv)" >&2
        python3 -m venv "$cache/venv"
        "$cache/venv/bin/pip" install -q 'pgtoolkit==0.33.0' >&2
    fi
fi

echo "== building pgconf (release) and its benchmarks" >&2
# The binary last: building the benchmarks builds it too, with the dev-dependencies' features
# (proptest turns regex-syntax's Unicode tables back on), which is not the binary users get.
(cd "$repo" && cargo bench --locked --bench read --no-run -q 2>/dev/null && cargo bench --locked --bench lint --no-run -q 2>/dev/null && cargo build --release --locked -q)
# Beside it, the build `cargo install --git` makes, which does not read .cargo/config.toml:
# linked dynamically (no flags at all, where the checkout's build links statically).
(cd "$repo" && CARGO_ENCODED_RUSTFLAGS= cargo build --release --locked -q --target-dir target/dynamic)
host=$(rustc --print host-tuple)

echo "== inputs (anchors.md §0) in $work" >&2
data=$repo/benches/data
cd "$work"
cp "$data/postgresql17.conf.sample" pg17.conf.sample
for i in $(seq 100); do cat pg17.conf.sample; done >big.conf
sed -E 's/^#([a-z_][a-z_0-9.]* = )/\1/' pg17.conf.sample | sed -E '/^include/d' >active17.conf
for i in $(seq 100); do cat active17.conf; done >big_active.conf
for n in 10 30; do for i in $(seq $n); do cat active17.conf; done >"active_x$n.conf"; done
cp "$data/debian15_pg_hba.conf" debian15_hba.conf
python3 - <<'EOF'
base = open('debian15_hba.conf').read()
lines = []
for i in range(20000):
    lines.append(f"host    all             app{i%500:<12} 10.{i%250}.{(i//250)%250}.0/24          scram-sha-256\n")
    if i % 10 == 0: lines.append(f"# rule group {i}\n")
open('big_hba.conf', 'w').write(base + ''.join(lines))   # 22,104 lines, 1,590,591 bytes
open('hba_2k.conf', 'w').write(base + ''.join(lines[:2200]))  # the first 2,000 rules: scaling
EOF
# One server's files as Debian's pg_createcluster writes them (15/main), for latency.
mkdir -p etc/postgresql/15/main/conf.d
cp "$data/debian15_postgresql.conf" etc/postgresql/15/main/postgresql.conf
cp "$data/debian15_pg_hba.conf" etc/postgresql/15/main/pg_hba.conf
cp "$data/debian15_pg_ident.conf" etc/postgresql/15/main/pg_ident.conf

PGCONF="$repo/target/$host/release/pgconf" \
    PGCONF_DYNAMIC="$repo/target/dynamic/$host/release/pgconf" \
    PYTHON_PGTOOLKIT="$cache/venv/bin/python" \
    REPO="$repo" \
    python3 "$repo/bench/compare.py" "$work" "$repo/BENCHMARKS.md"
echo "== wrote $repo/BENCHMARKS.md" >&2
