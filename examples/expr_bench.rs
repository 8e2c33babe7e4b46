//! Benchmark for relations written as expressions (issue 21): 200 tables ×
//! 50 equations = 10,000 expression relations, read and checked. Target:
//! read + check in ≤ 100 ms.
//!
//! Run: `cargo run --release --example expr_bench` (or, without a release
//! build of the dependencies, `CARGO_PROFILE_DEV_OPT_LEVEL=3 cargo run
//! --example expr_bench`). Prints the time to parse the YAML and the time to
//! read and check the tables (median of 7 runs).

use quire::diag::Diagnostics;
use quire::source::SourceMap;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

const TABLES: usize = 200;
const ROWS: usize = 40;
const SUMS: usize = 5;

/// A figure of row `r`, column `c`: the same in every table, so that an
/// equality with the previous table holds.
fn v(r: usize, c: usize) -> i64 {
    ((r * 13 + c * 31) % 97) as i64 + 1
}

/// One `tables:` list. Each table has columns a, b, c, d; 40 rows whose `d`
/// is `a + b - c` (40 equations naming single cells), 5 rows each the SUM of
/// a range of 8 rows' `a`, 4 equations with a sum on both sides and one
/// equality with the previous table's cell (a chain through all 200 tables;
/// the first table has a fifth sum instead): 50 equations. Every figure is
/// typed and right, so every check runs and none fails.
fn project_yaml() -> String {
    let mut s = String::from("tables:\n");
    for t in 0..TABLES {
        writeln!(s, "  - id: t{t}\n    title: Table {t}\n    columns:").unwrap();
        for c in ["a", "b", "c", "d"] {
            writeln!(
                s,
                "      - {{ id: {c}, label: {c}, type: money, unit: £k }}"
            )
            .unwrap();
        }
        writeln!(s, "    rows:").unwrap();
        for r in 0..ROWS {
            let (a, b, c) = (v(r, 0), v(r, 1), v(r, 2));
            writeln!(
                s,
                "      - {{ id: r{r}, label: R{r}, values: {{ a: {a}, b: {b}, c: {c}, d: {} }} }}",
                a + b - c
            )
            .unwrap();
        }
        for k in 0..SUMS {
            let sum: i64 = (8 * k..8 * k + 8).map(|r| v(r, 0)).sum();
            writeln!(
                s,
                "      - {{ id: s{k}, label: S{k}, values: {{ a: {sum} }} }}"
            )
            .unwrap();
        }
        writeln!(s, "    relations:").unwrap();
        for r in 0..ROWS {
            writeln!(s, "      - \"r{r}/d = r{r}/a + r{r}/b - r{r}/c\"").unwrap();
        }
        for k in 0..SUMS {
            writeln!(s, "      - \"s{k}/a = SUM(r{}/a:r{}/a)\"", 8 * k, 8 * k + 7).unwrap();
        }
        for r in 0..4 {
            writeln!(s, "      - \"r{r}/a + r{r}/b = r{r}/d + r{r}/c\"").unwrap();
        }
        if t == 0 {
            writeln!(s, "      - \"r4/a + r4/b = r4/d + r4/c\"").unwrap();
        } else {
            writeln!(s, "      - \"r39/b = t{}.r39/b * 1\"", t - 1).unwrap();
        }
    }
    s
}

/// CPU time this thread has run, in ms (from /proc/thread-self/schedstat):
/// unlike wall time, not inflated by other work on a busy machine.
fn cpu_ms() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse::<f64>().ok())
        .map_or(f64::NAN, |ns| ns / 1e6)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() {
    let yaml = project_yaml();
    let (mut parse, mut check, mut read, mut cpu) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    let mut summary = String::new();
    for _ in 0..7 {
        let mut sources = SourceMap::new();
        let f = sources.add("bench.yaml", yaml.clone());
        let t0 = Instant::now();
        let node = quire::load::yaml::parse(&sources, f).expect("valid YAML");
        let quire::load::yaml::NodeKind::Map(entries) = &node.kind else {
            unreachable!()
        };
        let list = &entries[0].1;
        let t1 = Instant::now();
        let c1 = cpu_ms();
        let mut diags = Diagnostics::default();
        let mut inputs = Vec::new();
        let mut cx = quire::validate::tables::read::Ctx {
            root: Path::new("."),
            sources: &mut sources,
            diags: &mut diags,
            inputs: &mut inputs,
        };
        let tables = quire::validate::tables::read::tables(list, Path::new(""), &mut cx);
        let tr = Instant::now();
        let checked = quire::tables::check::check(tables, &mut diags);
        let t2 = Instant::now();
        cpu.push(cpu_ms() - c1);
        parse.push((t1 - t0).as_secs_f64() * 1000.0);
        read.push((tr - t1).as_secs_f64() * 1000.0);
        check.push((t2 - t1).as_secs_f64() * 1000.0);
        let relations: usize = checked.iter().map(|c| c.table.relations.len()).sum();
        summary = format!(
            "{} tables, {relations} expression relations, {} KiB of YAML, {} diagnostics",
            checked.len(),
            yaml.len() / 1024,
            diags.items.len()
        );
        assert!(diags.items.is_empty(), "{:?}", diags.items.first());
    }
    println!("{summary}");
    println!(
        "parse YAML:            {:.1} ms (median of 7)",
        median(parse)
    );
    println!(
        "  of which read:       {:.1} ms (median of 7)",
        median(read)
    );
    println!(
        "read + check tables:   {:.1} ms (median of 7; target ≤ 100 ms)",
        median(check)
    );
    println!(
        "  the same, CPU time:  {:.1} ms (median of 7; what it costs on an idle core)",
        median(cpu)
    );
}
