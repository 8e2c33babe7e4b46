#!/usr/bin/env bash
# quire benchmarks: builds the release binary, then measures and prints figures.
# See benches/README.md for what each figure means and the targets.
#
#   bash benches/run.sh                   full run (about 5-10 minutes on 2 cores)
#   BENCH_SMALL=1 bash benches/run.sh     small sizes, for checking the script itself
#   QUIRE=path/to/quire bash benches/run.sh   use that binary; skip `cargo build`
#
# Other knobs: BENCH_RUNS (timed runs per demo document, default 10),
# BENCH_REGISTER (risks, 1000), BENCH_APP ("areas actions kpis", "50 20 500"),
# BENCH_PAPERS (500), BENCH_PAPERS_SMALL (100), BENCH_KEEP=1 (keep the work dir),
# BENCH_NO_BUILD=1 (no `cargo build`; use the release binary if present, else debug),
# BENCH_NATIVE_RUNS (side-by-side runs of quire and native Typst, 3),
# NATIVE=path/to/typst_native (default: examples/typst_native beside the quire binary).
set -uo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
GEN="$HERE/generate.py"

if [ "${BENCH_SMALL:-0}" = 1 ]; then
  : "${BENCH_REGISTER:=100}" "${BENCH_APP:=5 5 20}" "${BENCH_PAPERS:=20}"
  : "${BENCH_PAPERS_SMALL:=5}" "${BENCH_RUNS:=3}"
fi
REG_N=${BENCH_REGISTER:-1000}
read -r APP_AREAS APP_ACTIONS APP_KPIS <<<"${BENCH_APP:-50 20 500}"
PAPERS_N=${BENCH_PAPERS:-500}
PAPERS_SMALL_N=${BENCH_PAPERS_SMALL:-100}
RUNS=${BENCH_RUNS:-10}
NATIVE_RUNS=${BENCH_NATIVE_RUNS:-3}

say() { printf '\n== %s\n' "$*"; }
die() { echo "run.sh: $*" >&2; exit 2; }

# ------------------------------------------------------------------ the binary
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/quire/target}"
if [ -n "${QUIRE:-}" ]; then
  BIN=$QUIRE
elif [ "${BENCH_NO_BUILD:-0}" = 1 ]; then
  BIN=$CARGO_TARGET_DIR/release/quire
  [ -x "$BIN" ] || BIN=$CARGO_TARGET_DIR/debug/quire
else
  say "cargo build --release (target dir $CARGO_TARGET_DIR)"
  (cd "$ROOT" && cargo build --release --locked) || die "cargo build --release failed"
  # The native Typst compiler of the side-by-side figure (same Typst crates).
  (cd "$ROOT" && cargo build --release --locked --example typst_native) || echo "run.sh: no typst_native: the native figure is skipped" >&2
  BIN=$CARGO_TARGET_DIR/release/quire
fi
[ -x "$BIN" ] || die "no quire binary at $BIN"
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
NATIVE=${NATIVE:-$(dirname "$BIN")/examples/typst_native}
command -v python3 >/dev/null || die "python3 is needed (generate.py and the arithmetic)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/quire-bench.XXXXXX") || die "mktemp failed"
if [ "${BENCH_KEEP:-0}" = 1 ]; then
  trap 'echo "work dir kept: $WORK"' EXIT
else
  trap 'rm -rf "$WORK"' EXIT
fi
trap 'exit 130' INT TERM

# Measure a private copy: a concurrent `cargo build` must not swap the binary mid-run.
cp "$BIN" "$WORK/quire" || die "cannot copy $BIN"
BIN_SRC=$BIN BIN=$WORK/quire
if [ -x "$NATIVE" ] && cp "$NATIVE" "$WORK/typst_native"; then NATIVE=$WORK/typst_native; else NATIVE=""; fi

HYPERFINE=$(command -v hyperfine || true)
TIMEV=""
[ -x /usr/bin/time ] && /usr/bin/time -v true >/dev/null 2>&1 && TIMEV=/usr/bin/time

# Summary rows: figure | value | target | verdict
ROWS=()
row() { ROWS+=("$1"$'\t'"$2"$'\t'"${3:-}"$'\t'"${4:-}"); }

# python3 one-liner arithmetic: calc 'expr' -> prints the result
calc() { python3 -c "print($1)"; }

# verdict VALUE OP LIMIT -> ok | MISS | n/a
verdict() {
  case "$1" in '' | *[!0-9.]*) echo "n/a"; return ;; esac
  if python3 -c "import sys; sys.exit(0 if $1 $2 $3 else 1)"; then echo ok; else echo MISS; fi
}

# The last "built N of M document(s)[, K up to date] ..." line of a log, and
# whether every document was built or up to date (N + K == M).
built_line() { grep -E '^built [0-9]+ of [0-9]+' "$1" | tail -n 1; }
all_built() {
  local l n m k=0
  l=$(built_line "$1")
  [[ $l =~ ^built\ ([0-9]+)\ of\ ([0-9]+) ]] || return 1
  n=${BASH_REMATCH[1]} m=${BASH_REMATCH[2]}
  [[ $l =~ ([0-9]+)\ up\ to\ date ]] && k=${BASH_REMATCH[1]}
  [ $((n + k)) -eq "$m" ]
}

# measure NAME CMD... : runs CMD once; sets M_RC, M_WALL (s), M_CPU (user + system
# s), M_RSS (KiB, peak of the process), M_LINE (quire's summary line). The command's stderr goes to $WORK/NAME.log.
MAXRSS_PY=$WORK/maxrss.py
cat >"$MAXRSS_PY" <<'EOF'
import resource, subprocess, sys
rc = subprocess.call(sys.argv[2:], stdout=subprocess.DEVNULL)
with open(sys.argv[1], "w") as f:
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    f.write(f"User time (seconds): {r.ru_utime:.2f}\nSystem time (seconds): {r.ru_stime:.2f}\n")
    f.write(f"Maximum resident set size (kbytes): {r.ru_maxrss}\n")
sys.exit(rc)
EOF
measure() {
  local name=$1; shift
  local log=$WORK/$name.log tv=$WORK/$name.time t0 t1
  t0=$(date +%s%N)
  if [ -n "$TIMEV" ]; then
    "$TIMEV" -v -o "$tv" "$@" >/dev/null 2>"$log"
  else
    python3 "$MAXRSS_PY" "$tv" "$@" 2>"$log"
  fi
  M_RC=$?
  t1=$(date +%s%N)
  M_WALL=$(calc "round(($t1 - $t0) / 1e9, 3)")
  M_RSS=$(sed -n 's/.*Maximum resident set size (kbytes): *\([0-9]*\).*/\1/p' "$tv" 2>/dev/null | tail -n 1)
  M_CPU=$(python3 -c '
import re, sys
t = open(sys.argv[1]).read()
u = re.search(r"User time \(seconds\): *([0-9.]+)", t)
s = re.search(r"System time \(seconds\): *([0-9.]+)", t)
print(round(float(u.group(1)) + float(s.group(1)), 2) if u and s else "")' "$tv" 2>/dev/null)
  [ -n "${MEASURE_RAW:-}" ] && return
  M_LINE=$(built_line "$log")
  if [ "$M_RC" -ne 0 ] || ! all_built "$log"; then
    echo "   FAILED (exit $M_RC): $*" >&2
    tail -n 15 "$log" | sed 's/^/   | /' >&2
    [ "$M_RC" = 0 ] && M_RC=1
  fi
}
mib() { [ -n "$1" ] && calc "round($1 / 1024, 1)" || echo ""; }

# cold NAME PROJECT DOC : wall time of a cold build (out dir removed before each run).
# Sets C_MEAN, C_SD, C_MIN (s) or C_MEAN="" on failure.
cold() {
  local name=$1 proj=$2 doc=$3 out=$WORK/out-$1 json=$WORK/$1.json
  C_MEAN="" C_SD="" C_MIN=""
  rm -rf "$out"
  if ! "$BIN" -q --project "$proj" build --out "$out" "$doc" 2>"$WORK/$name.check.log"; then
    echo "   FAILED: quire build $doc" >&2
    tail -n 15 "$WORK/$name.check.log" | sed 's/^/   | /' >&2
    return
  fi
  local cmd
  cmd=$(printf '%q ' "$BIN" -q --project "$proj" build --out "$out" "$doc")
  if [ -n "$HYPERFINE" ]; then
    "$HYPERFINE" --style basic --warmup 1 --runs "$RUNS" \
      --prepare "rm -rf $(printf '%q' "$out")" --export-json "$json" "$cmd" | sed 's/^/   /'
    [ "${PIPESTATUS[0]}" = 0 ] && [ -s "$json" ] || { echo "   FAILED: hyperfine" >&2; return; }
    read -r C_MEAN C_SD C_MIN < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f %.3f" % (r["mean"], r.get("stddev") or 0, r["min"]))' "$json")
  else
    local i t0 t1 times=()
    rm -rf "$out"; "$BIN" -q --project "$proj" build --out "$out" "$doc" 2>/dev/null # warm-up
    for ((i = 0; i < RUNS; i++)); do
      rm -rf "$out"
      t0=$(date +%s%N)
      "$BIN" -q --project "$proj" build --out "$out" "$doc" 2>/dev/null
      t1=$(date +%s%N)
      times+=("$((t1 - t0))")
    done
    read -r C_MEAN C_SD C_MIN < <(python3 -c '
import statistics, sys
t = [int(x) / 1e9 for x in sys.argv[1:]]
print(f"{statistics.mean(t):.3f} {(statistics.stdev(t) if len(t) > 1 else 0):.3f} {min(t):.3f}")' "${times[@]}")
    echo "   $RUNS runs: mean ${C_MEAN}s ± ${C_SD}s, min ${C_MIN}s"
  fi
}

# ------------------------------------------------------------------ context
say "setup"
echo "binary:     $BIN_SRC ($("$BIN" --version 2>/dev/null))"
case "$BIN_SRC" in */debug/*) echo "WARNING:    a debug binary: figures are not comparable with the targets" ;; esac
echo "cores:      $(nproc 2>/dev/null || echo '?')"
LOAD=$(cut -d' ' -f1 /proc/loadavg 2>/dev/null || echo 0)
echo "load:       $LOAD (1-minute average)"
[ "$(verdict "$LOAD" ">" 0.5)" = ok ] && echo "WARNING:    the machine is busy: timings (above all the -j 2 speed-up) will be noisy"
echo "timer:      ${HYPERFINE:-date +%s%N loop} ($RUNS runs)"
echo "memory:     $([ -n "$TIMEV" ] && echo "$TIMEV -v" || echo "python3 resource (ru_maxrss of children)")"
echo "work dir:   $WORK"
echo "sizes:      register $REG_N; app $APP_AREAS×$APP_ACTIONS, $APP_KPIS KPIs; papers $PAPERS_SMALL_N and $PAPERS_N"

DEMO=$WORK/demo
mkdir -p "$DEMO"
cp "$ROOT/quire.yaml" "$DEMO/" && cp -r "$ROOT/content" "$ROOT/layouts" "$ROOT/templates" "$DEMO/" || die "cannot copy the demo project"

# ------------------------------------------------------------------ a. demo cold builds
say "a. demo documents: cold build wall time"
DEMO_PAPER_MEAN=""
for doc in cype-risk-2019 kent-sv-2024-25-q1 send-app-2023; do
  echo " - $doc"
  cold "demo-$doc" "$DEMO" "$doc"
  if [ -n "$C_MEAN" ]; then
    target="" v=""
    if [ "$doc" = cype-risk-2019 ]; then
      DEMO_PAPER_MEAN=$C_MEAN target="≤ 0.3 s" v=$(verdict "$C_MEAN" "<=" 0.3)
    fi
    row "demo $doc cold build" "${C_MEAN} s ± ${C_SD} (min ${C_MIN})" "$target" "$v"
  else
    row "demo $doc cold build" "FAILED" "" "MISS"
  fi
done

# ------------------------------------------------------------------ b. stage split
say "b. stage split (quire -v build, -j 1)"
OWN_SHARE=""
for doc in cype-risk-2019 kent-sv-2024-25-q1 send-app-2023; do
  out=$WORK/out-v-$doc
  rm -rf "$out"
  "$BIN" -v --project "$DEMO" build -j 1 --out "$out" "$doc" >/dev/null 2>"$WORK/v-$doc.log"
  rc=$?
  [ "$rc" = 0 ] || echo "   $doc: quire exited $rc (see the demo builds above)"
  lines=$(grep -i 'timing' "$WORK/v-$doc.log" || true)
  if [ -z "$lines" ]; then
    echo "   $doc: no timings"
    continue
  fi
  echo "$lines"
  if [ "$doc" = cype-risk-2019 ]; then
    # quire's own stages = everything except Typst's (compile/layout/pdf/export);
    # share = own / sum of all stages listed, over every timing line of the document.
    OWN_SHARE=$(python3 -c '
import re, sys
typst = {"compile", "layout", "typeset", "pdf", "export"}
own = total = 0.0
for line in sys.stdin:
    if "timing" not in line.lower():
        continue
    body = line.split(":", 1)[-1]
    for name, val, unit in re.findall(r"([A-Za-z][\w -]*?)\s+([0-9.]+)\s*(ms|s|µs|us)\b", body):
        name = name.strip().lower()
        ms = float(val) * {"ms": 1, "s": 1000, "µs": 1e-3, "us": 1e-3}[unit]
        if name == "total":
            continue
        total += ms
        if name not in typst:
            own += ms
print(f"{100 * own / total:.1f}" if total else "")' <<<"$lines")
  fi
done
if [ -n "$OWN_SHARE" ]; then
  row "quire's own stages (cype-risk-2019)" "${OWN_SHARE} % of stage time" "≤ 5 %" "$(verdict "$OWN_SHARE" "<=" 5)"
else
  row "quire's own stages (cype-risk-2019)" "no timings" "≤ 5 %" "n/a"
fi

# ------------------------------------------------------------------ c. big register
say "c. register of $REG_N risks (paper + register appendix)"
python3 "$GEN" register "$REG_N" "$WORK/register" || die "generate.py register failed"
measure register "$BIN" -v --project "$WORK/register" build -j 1 --out "$WORK/out-register"
grep -i timing "$WORK/register.log" || true
echo "   ${M_LINE:-no summary line}"
echo "   wall ${M_WALL} s, CPU ${M_CPU} s, peak RSS $(mib "$M_RSS") MiB"
if [ "$M_RC" = 0 ]; then
  row "register $REG_N risks: build" "${M_WALL} s (CPU ${M_CPU} s)" "≤ 5 s" "$(verdict "$M_WALL" "<=" 5)"
  row "register $REG_N risks: peak memory" "$(mib "$M_RSS") MiB" "" ""
else
  row "register $REG_N risks: build" "FAILED" "≤ 5 s" "MISS"
fi

# ------------------------------------------------------------------ c2. native Typst
say "c2. register of $REG_N risks: quire vs the same Typst source compiled natively"
# The Typst source quire generates (--keep-sources) and the project's layouts,
# as a plain folder; typst_native compiles it as typst-cli would (same Typst
# crates, rayon's global pool). Both in turn, NATIVE_RUNS times; medians.
NAT=$WORK/native
if [ -z "$NATIVE" ]; then
  echo "   no typst_native binary (cargo build --release --example typst_native): skipped"
  row "register $REG_N risks: quire / native Typst" "n/a (no typst_native)" "≤ 1.1×" "n/a"
elif ! "$BIN" -q --project "$WORK/register" build --force --keep-sources --out "$WORK/out-register-src" 2>"$WORK/keep.log" \
  || [ ! -d "$WORK/register/layouts" ]; then
  echo "   FAILED: quire build --keep-sources (or no layouts/ in the generated project)" >&2
  tail -n 15 "$WORK/keep.log" | sed 's/^/   | /' >&2
  row "register $REG_N risks: quire / native Typst" "FAILED" "≤ 1.1×" "MISS"
else
  rm -rf "$NAT" && mkdir -p "$NAT"
  cp -r "$WORK/register/layouts" "$NAT/layouts"
  cp -r "$WORK/out-register-src/risk-register.src" "$NAT/_quire"
  [ -d "$WORK/register/fonts" ] && cp -r "$WORK/register/fonts" "$NAT/fonts"
  QW=() QC=() NW=() NC=() NRSS="" QRSS="" ok=1
  for ((i = 0; i < NATIVE_RUNS; i++)); do
    measure register-q "$BIN" --project "$WORK/register" build --force --out "$WORK/out-register-q"
    [ "$M_RC" = 0 ] || ok=0
    QW+=("$M_WALL") QC+=("$M_CPU") QRSS=$M_RSS
    MEASURE_RAW=1 measure register-native "$NATIVE" "$NAT" /_quire/main.typ "$WORK/native.pdf"
    [ "$M_RC" = 0 ] || { ok=0; tail -n 15 "$WORK/register-native.log" | sed 's/^/   | /' >&2; }
    NW+=("$M_WALL") NC+=("$M_CPU") NRSS=$M_RSS
    echo "   run $((i + 1)): quire ${QW[-1]} s wall, ${QC[-1]} s CPU; native ${NW[-1]} s wall, ${NC[-1]} s CPU"
  done
  med() { python3 -c 'import statistics, sys; print(round(statistics.median(float(x) for x in sys.argv[1:]), 3))' "$@"; }
  if [ "$ok" = 1 ]; then
    qw=$(med "${QW[@]}") qc=$(med "${QC[@]}") nw=$(med "${NW[@]}") nc=$(med "${NC[@]}")
    RATIO=$(calc "round($qw / $nw, 2)")
    echo "   median: quire ${qw} s wall / ${qc} s CPU ($(mib "$QRSS") MiB); native ${nw} s wall / ${nc} s CPU ($(mib "$NRSS") MiB); ratio ${RATIO}×"
    row "register $REG_N risks: quire (wall / CPU)" "${qw} s / ${qc} s" "" ""
    row "register $REG_N risks: native Typst (wall / CPU)" "${nw} s / ${nc} s" "" ""
    row "register $REG_N risks: quire / native wall" "${RATIO}×" "≤ 1.1×" "$(verdict "$RATIO" "<=" 1.1)"
  else
    row "register $REG_N risks: quire / native Typst" "FAILED" "≤ 1.1×" "MISS"
  fi
fi

# ------------------------------------------------------------------ d. big APP
say "d. APP plan: $APP_AREAS areas × $APP_ACTIONS actions, $APP_KPIS KPIs"
python3 "$GEN" app "$APP_AREAS" "$APP_ACTIONS" "$APP_KPIS" "$WORK/app" || die "generate.py app failed"
measure app "$BIN" -v --project "$WORK/app" build -j 1 --out "$WORK/out-app"
grep -i timing "$WORK/app.log" || true
echo "   ${M_LINE:-no summary line}"
echo "   wall ${M_WALL} s, peak RSS $(mib "$M_RSS") MiB"
if [ "$M_RC" = 0 ]; then
  row "APP ${APP_AREAS}×${APP_ACTIONS}, ${APP_KPIS} KPIs: build" "${M_WALL} s" "" ""
  row "APP ${APP_AREAS}×${APP_ACTIONS}, ${APP_KPIS} KPIs: peak memory" "$(mib "$M_RSS") MiB" "" ""
else
  row "APP ${APP_AREAS}×${APP_ACTIONS}, ${APP_KPIS} KPIs: build" "FAILED" "" "MISS"
fi

# ------------------------------------------------------------------ e. many papers
say "e. $PAPERS_N generated papers"
python3 "$GEN" papers "$PAPERS_N" "$WORK/papers" || die "generate.py papers failed"
python3 "$GEN" papers "$PAPERS_SMALL_N" "$WORK/papers-small" || die "generate.py papers failed"
P=$WORK/papers OUTP=$WORK/out-papers

rm -rf "$OUTP"
measure papers-j1 "$BIN" --project "$P" build -j 1 --out "$OUTP"
J1=$([ "$M_RC" = 0 ] && echo "$M_WALL")
echo "   -j 1: ${M_WALL} s, peak RSS $(mib "$M_RSS") MiB — ${M_LINE}"

rm -rf "$OUTP"
measure papers-j2 "$BIN" --project "$P" build -j 2 --out "$OUTP"
J2=$([ "$M_RC" = 0 ] && echo "$M_WALL")
RSS_BIG=$([ "$M_RC" = 0 ] && echo "$M_RSS")
echo "   -j 2: ${M_WALL} s, peak RSS $(mib "$M_RSS") MiB — ${M_LINE}"

measure papers-noop "$BIN" --project "$P" build -j 2 --out "$OUTP"
NOOP=$([ "$M_RC" = 0 ] && echo "$M_WALL")
NOOP_NOTE=""
[[ $M_LINE =~ ^built\ ([0-9]+)\ of\ ([0-9]+) ]] && NOOP_NOTE=" (rebuilt ${BASH_REMATCH[1]} of ${BASH_REMATCH[2]})"
echo "   second build, nothing changed: ${M_WALL} s — ${M_LINE}"

rm -rf "$WORK/out-papers-small"
measure papers-small "$BIN" --project "$WORK/papers-small" build -j 2 --out "$WORK/out-papers-small"
RSS_SMALL=$([ "$M_RC" = 0 ] && echo "$M_RSS")
echo "   $PAPERS_SMALL_N papers -j 2: ${M_WALL} s, peak RSS $(mib "$M_RSS") MiB — ${M_LINE}"

row "$PAPERS_N papers, -j 1" "${J1:-FAILED}${J1:+ s}" "" ""
row "$PAPERS_N papers, -j 2" "${J2:-FAILED}${J2:+ s}" "" ""
if [ -n "$J1" ] && [ -n "$J2" ]; then
  SPEEDUP=$(calc "round($J1 / $J2, 2)")
  row "$PAPERS_N papers speed-up (-j 1 / -j 2)" "${SPEEDUP}×" "≥ 1.8×" "$(verdict "$SPEEDUP" ">=" 1.8)"
else
  row "$PAPERS_N papers speed-up (-j 1 / -j 2)" "n/a" "≥ 1.8×" "MISS"
fi
if [ -n "$RSS_SMALL" ] && [ -n "$RSS_BIG" ]; then
  RATIO=$(calc "round($RSS_BIG / $RSS_SMALL, 2)")
  row "peak memory, $PAPERS_SMALL_N papers (-j 2)" "$(mib "$RSS_SMALL") MiB" "" ""
  row "peak memory, $PAPERS_N papers (-j 2)" "$(mib "$RSS_BIG") MiB (${RATIO}× of $PAPERS_SMALL_N)" "≤ 1.25× (flat)" "$(verdict "$RATIO" "<=" 1.25)"
else
  row "peak memory, $PAPERS_SMALL_N vs $PAPERS_N papers" "FAILED" "flat" "MISS"
fi
row "$PAPERS_N papers, no-op rebuild" "${NOOP:-FAILED}${NOOP:+ s}${NOOP_NOTE}" "" ""

# ------------------------------------------------------------------ summary
case "$BIN_SRC" in */release/*) PROFILE=release ;; */debug/*) PROFILE="DEBUG build" ;; *) PROFILE=$BIN_SRC ;; esac
say "summary ($("$BIN" --version 2>/dev/null), $PROFILE, $(nproc 2>/dev/null || echo '?') cores, load $LOAD)"
{
  printf 'figure\tvalue\ttarget\tverdict\n'
  printf -- '------\t-----\t------\t-------\n'
  printf '%s\n' "${ROWS[@]}"
} | python3 -c '
import sys
rows = [l.rstrip("\n").split("\t") for l in sys.stdin]
w = [max(len(r[i]) for r in rows) for i in range(4)]
for r in rows:
    if r[0] == "------":
        r = ["-" * x for x in w]
    print(" | ".join(c.ljust(x) for c, x in zip(r, w)).rstrip())'
