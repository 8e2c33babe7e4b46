#!/usr/bin/env bash
# Warm rebuild in `quire watch` after a one-line narrative edit of the demo paper,
# against a cold `quire build` of the same paper. Target: warm rebuild <= 50 ms median.
#
#   QUIRE=path/to/quire bash benches/watch.sh      (default: target/release/quire, else target/debug/quire)
#   BENCH_EDITS=20 (edits timed; default 15)
#
# `quire watch` prints "built <doc> (N pages) in X ms" ("1 page" for one) for every rebuild: the time from
# the start of the document's build (read, validate, render, typeset, write) to its
# outputs being on disk. The script edits one sentence of
# content/cype-risk-2019/01-introduction.md (or the first .md file of the paper) N times,
# waits for each rebuild line and collects X; it also measures edit-to-PDF latency
# (which includes the watcher's debounce) with `date +%s%N`.
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
BIN=${QUIRE:-$ROOT/target/release/quire}
[ -x "$BIN" ] || BIN=$ROOT/target/debug/quire
[ -x "$BIN" ] || { echo "watch.sh: no quire binary; cargo build first or set QUIRE" >&2; exit 2; }
EDITS=${BENCH_EDITS:-15}
DOC=cype-risk-2019

WORK=$(mktemp -d)
WATCH_PID=
cleanup() {
  [ -n "$WATCH_PID" ] && kill -INT "$WATCH_PID" 2>/dev/null && wait "$WATCH_PID" 2>/dev/null
  [ -n "${BENCH_KEEP_LOG:-}" ] && cp "$WORK/watch.log" "$BENCH_KEEP_LOG"
  rm -rf "$WORK"
}
trap cleanup EXIT
cp -r "$ROOT/quire.yaml" "$ROOT/content" "$ROOT/templates" "$WORK/"
MD=$(ls "$WORK/content/$DOC"/*.md | head -1)
echo "binary: $BIN"
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"

median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else printf "%.1f\n", (a[NR/2]+a[NR/2+1])/2}'; }

# ---- cold build, for comparison
echo
echo "== cold: quire build --force $DOC (new process each time)"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 1 --runs 5 "$BIN --project $WORK -q build --force --out $WORK/cold $DOC"
else
  COLD=()
  for _ in 1 2 3 4 5; do
    t0=$(date +%s%N)
    "$BIN" --project "$WORK" -q build --force --out "$WORK/cold" "$DOC"
    t1=$(date +%s%N)
    COLD+=("$(( (t1 - t0) / 1000000 ))")
  done
  echo "cold build ms: ${COLD[*]}; median $(printf '%s\n' "${COLD[@]}" | median) ms"
fi

# ---- warm: one long-lived quire watch
LOG=$WORK/watch.log
"$BIN" --project "$WORK" -v watch "$DOC" 2>"$LOG" &
WATCH_PID=$!
for _ in $(seq 1 600); do grep -q "^watching" "$LOG" && break; sleep 0.1; done
grep -q "^watching" "$LOG" || { echo "watch.sh: quire watch did not start:"; cat "$LOG"; exit 1; }

count() { grep -c "built $DOC (" "$LOG"; }
RE=()
LAT=()
for i in $(seq 1 "$EDITS"); do
  before=$(count)
  t0=$(date +%s%N)
  # A one-line narrative edit: the last line of the file gains a sentence.
  printf '\nThis sentence was added by the benchmark, edit %d.\n' "$i" >>"$MD"
  for _ in $(seq 1 1200); do [ "$(count)" -gt "$before" ] && break; sleep 0.005; done
  t1=$(date +%s%N)
  ms=$(grep "built $DOC (" "$LOG" | tail -1 | sed -E 's/.* in ([0-9.]+) ms/\1/')
  RE+=("$ms")
  LAT+=("$(( (t1 - t0) / 1000000 ))")
  sleep 0.2
done
grep -E "^error" "$LOG" && { echo "watch.sh: errors during the run"; exit 1; }
echo
echo "== warm: rebuild in quire watch after a one-line edit ($EDITS edits)"
echo "rebuild ms: ${RE[*]}"
echo "edit-to-pdf latency ms (includes the debounce): ${LAT[*]}"
MED=$(printf '%s\n' "${RE[@]}" | median)
echo "median rebuild: $MED ms (target <= 50 ms)"
echo "median edit-to-pdf: $(printf '%s\n' "${LAT[@]}" | median) ms"
# Where a rebuild's time goes (from -v's timing lines, first build excluded): the
# Typst compile is the figure comparable with Typst's own warm recompile; the PDF
# export (tagged PDF/A-2b + UA-1) and the HTML edition come on top.
echo "median CPU per rebuild (all threads): $(grep "^   cpu $DOC:" "$LOG" | tail -n +2 | sed -E 's/.*: ([0-9.]+) ms,.*/\1/' | median) ms"
echo "median wait for a CPU per rebuild (other work on the machine): $(grep "^   cpu $DOC:" "$LOG" | tail -n +2 | sed -E 's/.*waiting for a cpu ([0-9.]+) ms/\1/' | median) ms"
for stage in prepare html compile pdf write "inputs hashed"; do
  printf 'median %-14s %s ms\n' "$stage" "$(grep "timing $DOC:.*$stage [0-9]" "$LOG" | tail -n +2 | sed -E "s/.*$stage ([0-9.]+) ms.*/\1/" | median)"
done
