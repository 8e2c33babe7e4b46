//! Benchmark for declared tables (issue 12): 100 tables × 50 rows with 2,000
//! relations, read and checked. Target: validation in ≤ 50 ms.
//!
//! Run: `cargo run --release --example tables_bench`. Prints the time to parse
//! the YAML and the time to read and check the tables (median of 7 runs).

use quire::diag::Diagnostics;
use quire::source::SourceMap;
use std::fmt::Write;
use std::path::Path;
use std::time::Instant;

const TABLES: usize = 100;
const DATA_ROWS: usize = 31;
const DIFF_ROWS: usize = 18;
const COLUMNS: usize = 10;

/// One `tables:` list: each table has 10 figure columns and a total column,
/// 31 data rows, 18 difference rows and a total row (50 rows), and 20
/// relations (a total row, a total column, 18 row differences). Every figure
/// is typed, and every typed figure a relation determines is correct, so
/// every check runs and none fails.
fn project_yaml() -> String {
    let mut s = String::from("tables:\n");
    for t in 0..TABLES {
        let v = |r: usize, c: usize| ((t * 7 + r * 13 + c * 31) % 997) as i64 + 1;
        writeln!(s, "  - id: t{t}\n    title: Table {t}\n    columns:").unwrap();
        for c in 0..COLUMNS {
            writeln!(
                s,
                "      - {{ id: c{c}, label: C{c}, type: money, unit: £k }}"
            )
            .unwrap();
        }
        writeln!(
            s,
            "      - {{ id: total, label: Total, type: money, unit: £k }}\n    rows:"
        )
        .unwrap();
        let row = |s: &mut String, id: String, vals: Vec<i64>| {
            let total: i64 = vals.iter().sum();
            let cells: Vec<String> = vals
                .iter()
                .enumerate()
                .map(|(c, x)| format!("c{c}: {x}"))
                .collect();
            writeln!(
                s,
                "      - {{ id: {id}, label: {id}, values: {{ {}, total: {total} }} }}",
                cells.join(", ")
            )
            .unwrap();
        };
        for r in 0..DATA_ROWS {
            row(
                &mut s,
                format!("r{r}"),
                (0..COLUMNS).map(|c| v(r, c)).collect(),
            );
        }
        for d in 0..DIFF_ROWS {
            row(
                &mut s,
                format!("d{d}"),
                (0..COLUMNS).map(|c| v(d, c) - v(d + 1, c)).collect(),
            );
        }
        row(
            &mut s,
            "sum".into(),
            (0..COLUMNS)
                .map(|c| (0..DATA_ROWS).map(|r| v(r, c)).sum())
                .collect(),
        );
        let all: Vec<String> = (0..DATA_ROWS).map(|r| format!("r{r}")).collect();
        writeln!(
            s,
            "    relations:\n      - total: {{ row: sum, of: [{}] }}",
            all.join(", ")
        )
        .unwrap();
        let cols: Vec<String> = (0..COLUMNS).map(|c| format!("c{c}")).collect();
        writeln!(
            s,
            "      - total: {{ column: total, of: [{}] }}",
            cols.join(", ")
        )
        .unwrap();
        for d in 0..DIFF_ROWS {
            writeln!(
                s,
                "      - difference: {{ row: d{d}, is: r{d} - r{} }}",
                d + 1
            )
            .unwrap();
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
        let rows: usize = checked.iter().map(|c| c.table.rows.len()).sum();
        summary = format!(
            "{} tables, {rows} rows, {relations} relations, {} KiB of YAML, {} diagnostics",
            checked.len(),
            yaml.len() / 1024,
            diags.items.len()
        );
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
        "read + check tables:   {:.1} ms (median of 7; target ≤ 50 ms)",
        median(check)
    );
    println!(
        "  the same, CPU time:  {:.1} ms (median of 7; what it costs on an idle core)",
        median(cpu)
    );
}
