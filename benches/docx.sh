#!/usr/bin/env bash
# The Word edition's cost on the demo build: the whole demo built cold with the
# demo's own editions (`formats: [pdf, html]`) and with every edition
# (`--format all`: PDF, HTML and Word), in turn, BENCH_RUNS times each; prints
# the medians and the Word edition's share. Target: at most +15 %.
#
#   QUIRE=path/to/quire bash benches/docx.sh    (default: the release binary in
#                                                $CARGO_TARGET_DIR, built if missing)
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
RUNS=${BENCH_RUNS:-10}
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/quire/target}"
BIN=${QUIRE:-$CARGO_TARGET_DIR/release/quire}
if [ ! -x "$BIN" ]; then
  (cd "$ROOT" && cargo build --release --locked) || { echo "docx.sh: cargo build failed" >&2; exit 2; }
fi
WORK=$(mktemp -d "${TMPDIR:-/tmp}/quire-docx-bench.XXXXXX") || exit 2
trap 'rm -rf "$WORK"' EXIT
cp -r "$ROOT/quire.yaml" "$ROOT/content" "$ROOT/layouts" "$ROOT/templates" "$WORK/"
cd "$WORK" || exit 2
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"

# One cold build (output folder deleted first), wall time in ms.
once() {
  rm -rf out
  local t0 t1
  t0=$(date +%s%N)
  "$BIN" build -q "$@" >/dev/null 2>&1 || { echo "docx.sh: build failed: $*" >&2; exit 1; }
  t1=$(date +%s%N)
  echo $(( (t1 - t0) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }

once >/dev/null; once --format all >/dev/null   # warm the file cache
base=(); all=()
for _ in $(seq "$RUNS"); do
  base+=("$(once)")
  all+=("$(once --format all)")
done
b=$(printf '%s\n' "${base[@]}" | median)
a=$(printf '%s\n' "${all[@]}" | median)
share=$(python3 -c "print(f'{($a - $b) / $b * 100:+.1f}')")
echo "demo build, pdf + html (the demo's formats): median ${b} ms of $RUNS"
echo "demo build, pdf + html + docx (--format all): median ${a} ms of $RUNS"
echo "the Word edition adds ${share} % (target: at most +15 %)"
