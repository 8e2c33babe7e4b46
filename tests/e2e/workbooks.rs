//! Hostile and mistaken workbooks (issue 26): cells far off the grid, an
//! OpenDocument file under an .xlsx name, shared-string and format bombs, a
//! fuzz of a few hundred damaged workbooks, all read in bounded memory with
//! located diagnostics; Excel dates, formulas with and without saved values,
//! a range that misses the data; and the CSV and tolerance siblings.
//! Every workbook is written by the test (by hand, as XML in a zip).

use crate::harness::*;
use std::io::Write;
use std::path::Path;

/// A paper whose tables are `tables` (YAML list items), reading workbooks
/// from its own folder `content/wb/`.
fn project(tables: &str) -> Project {
    let p = Project::fixture("tables-valid");
    p.write(
        "content/wb/paper.yaml",
        &format!(
            "committee: Schools Forum
meeting-date: 2025-06-12
subject: Figures from a workbook
from:
  - name: A. Member
    role: Cabinet Member for Education
to: Schools Forum
electoral-divisions: [All]
summary: Figures read from a workbook.
recommendations:
  - The forum is asked to **NOTE** the figures.
contacts:
  author: {{ name: B. Officer, title: Finance Business Partner, telephone: 01234 567890, email: b.officer@example.gov.uk }}
tables:
{tables}"
        ),
    );
    p.write("content/wb/01-figures.md", "# Figures\n\nThe figures.\n");
    p
}

/// One table `id` of two count columns and two rows, from `file` at `range`.
fn table(id: &str, file: &str, range: &str) -> String {
    format!(
        "  - id: {id}
    title: Figures {id}
    columns:
      - {{ id: a, label: A, type: count }}
      - {{ id: b, label: B, type: count }}
    rows:
      - {{ id: x, label: X }}
      - {{ id: y, label: Y }}
    source: {{ workbook: {file}, sheet: Summary, range: {range} }}
"
    )
}

/// A zip of the named parts.
fn zip(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let o = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, bytes) in parts {
        z.start_file(*name, o).unwrap();
        z.write_all(bytes).unwrap();
    }
    z.finish().unwrap().into_inner()
}

const NS: &str = r#"xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships""#;

/// An .xlsx of one sheet `Summary` holding `cells` (the inside of
/// `<sheetData>`), with `styles` and `strings` parts when given.
fn xlsx(cells: &str, styles: Option<&str>, strings: Option<&str>) -> Vec<u8> {
    let rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
    let workbook = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><workbook {NS}><workbookPr/><sheets><sheet name="Summary" sheetId="1" r:id="rId1"/></sheets></workbook>"#
    );
    let rels = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="{rel}/styles" Target="styles.xml"/><Relationship Id="rId3" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#
    );
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet {NS}><sheetData>{cells}</sheetData></worksheet>"#
    );
    let types = r#"<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
    let root = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>"#
    );
    let styles = styles.map(|s| {
        format!(r#"<?xml version="1.0" encoding="UTF-8"?><styleSheet {NS}>{s}</styleSheet>"#)
    });
    let strings =
        strings.map(|s| format!(r#"<?xml version="1.0" encoding="UTF-8"?><sst {NS}>{s}</sst>"#));
    let mut parts: Vec<(&str, &[u8])> = vec![
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", root.as_bytes()),
        ("xl/workbook.xml", workbook.as_bytes()),
        ("xl/_rels/workbook.xml.rels", rels.as_bytes()),
        ("xl/worksheets/sheet1.xml", sheet.as_bytes()),
    ];
    if let Some(s) = &styles {
        parts.push(("xl/styles.xml", s.as_bytes()));
    }
    if let Some(s) = &strings {
        parts.push(("xl/sharedStrings.xml", s.as_bytes()));
    }
    zip(&parts)
}

/// The figures of the test table: 1, 2 / 3, 4 in B2:C3.
const FIGURES: &str = r#"<row r="2"><c r="B2"><v>1</v></c><c r="C2"><v>2</v></c></row><row r="3"><c r="B3"><v>3</v></c><c r="C3"><v>4</v></c></row>"#;

/// `quire ARGS` with its address space capped at `mib` MiB (a run that
/// tries to allocate more fails at once instead of exhausting the machine).
fn run_capped(p: &Project, args: &str, mib: u64) -> std::process::Output {
    std::process::Command::new("sh")
        .arg("-c")
        .arg(format!("ulimit -v {}; exec \"$0\" {args}", mib * 1024))
        .arg(bin())
        .current_dir(p.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

/// The address-space cap for one `quire check`: generous for threads and
/// the binary, far below what a dense range of a hostile sheet needs.
const CAP_MIB: u64 = 1536;

#[test]
fn cells_far_off_the_range_cost_nothing_and_an_opendocument_file_is_named() {
    let p = project(
        &[
            table("far", "far.xlsx", "B2:C3"),
            table("zz", "zz.xlsx", "B2:C3"),
            table("ods", "ods.xlsx", "B2:C3"),
        ]
        .concat(),
    );
    let dir = p.path().join("content/wb");
    // The one extra cell is the last of the grid: a dense read of the sheet
    // would be 17 billion cells.
    let far = format!(r#"{FIGURES}<row r="1048576"><c r="XFD1048576"><v>9</v></c></row>"#);
    std::fs::write(dir.join("far.xlsx"), xlsx(&far, None, None)).unwrap();
    let zz = format!(r#"{FIGURES}<row r="100000"><c r="ZZ100000"><v>9</v></c></row>"#);
    std::fs::write(dir.join("zz.xlsx"), xlsx(&zz, None, None)).unwrap();
    // An OpenDocument spreadsheet repeating one cell over the whole grid.
    let content = r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet><table:table table:name="Summary"><table:table-row table:number-rows-repeated="1048576"><table:table-cell table:number-columns-repeated="16384" office:value-type="float" office:value="1"/></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let ods = zip(&[
        (
            "mimetype",
            b"application/vnd.oasis.opendocument.spreadsheet",
        ),
        ("content.xml", content.as_bytes()),
    ]);
    assert!(ods.len() < 2048, "{}", ods.len());
    std::fs::write(dir.join("ods.xlsx"), ods).unwrap();
    let o = run_capped(&p, "check wb", CAP_MIB);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0040]: `content/wb/ods.xlsx` cannot be read as a workbook: it is an OpenDocument spreadsheet; save it as .xlsx"),
        "{e}"
    );
    assert!(e.contains("1 error, 0 warnings"), "{e}");
}

#[test]
fn shared_strings_and_formats_are_bounded_and_a_missing_string_is_located() {
    let p = project(
        &[
            table("sst", "sst.xlsx", "B2:C3"),
            table("fmt", "fmt.xlsx", "B2:C3"),
        ]
        .concat(),
    );
    let dir = p.path().join("content/wb");
    // A cell names the millionth shared string of a table of one.
    let cells = FIGURES.replace(
        r#"<c r="C3"><v>4</v></c>"#,
        r#"<c r="C3" t="s"><v>999999</v></c>"#,
    );
    std::fs::write(
        dir.join("sst.xlsx"),
        xlsx(&cells, None, Some("<si><t>4</t></si>")),
    )
    .unwrap();
    // More cell formats than Excel allows.
    let many = "<xf numFmtId=\"0\"/>".repeat(70_000);
    let styles = format!("<cellXfs count=\"70000\">{many}</cellXfs>");
    let cells = FIGURES.replace(r#"<c r="B2">"#, r#"<c r="B2" s="69999">"#);
    std::fs::write(dir.join("fmt.xlsx"), xlsx(&cells, Some(&styles), None)).unwrap();
    let o = run_capped(&p, "check wb", CAP_MIB);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0040]: `content/wb/sst.xlsx` cannot be read as a workbook: a cell of the range names shared string 999999, which the workbook does not have"),
        "{e}"
    );
    assert!(
        e.contains("error[Q0040]: `content/wb/fmt.xlsx` cannot be read as a workbook: it declares more than 64000 cell formats"),
        "{e}"
    );
    assert!(e.contains("paper.yaml:"), "not located: {e}");
}

/// A small deterministic generator (xorshift), so every run tries the same cases.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
}

/// One hostile workbook: the test figures plus something a damaged or
/// malicious file might hold.
fn hostile(rng: &mut Rng) -> Vec<u8> {
    let refs = [
        "XFD1048576",
        "ZZ100000",
        "A1048576",
        "XFD1",
        "XFE1",
        "A0",
        "A99999999999",
        "",
        "1A",
        "B2",
        "C3",
    ];
    let formats = [
        "General",
        "0.0",
        "dd/mm/yyyy",
        "[h]:mm:ss",
        "d mmmm yyyy;@",
        "\"",
        "[",
        "\\",
        "yyyy\"",
        "[$-F800]dddd, mmmm dd, yyyy",
        "#,##0;[Red](#,##0)",
        "mmm",
        "0%",
        "@",
        "[<0]\"neg\";0",
        "",
    ];
    let mut cells = String::from(FIGURES);
    let styles;
    let mut strings = None;
    match rng.below(12) {
        // A cell far away, or at a reference that is not a cell.
        0 => {
            let r = rng.pick(&refs);
            cells.push_str(&format!(r#"<row r="5"><c r="{r}"><v>9</v></c></row>"#));
            styles = None;
        }
        // A row number off the grid.
        1 => {
            let n = rng.pick(&["0", "1048577", "-1", "99999999999", "x", "1048576"]);
            cells.push_str(&format!(
                r#"<row r="{n}"><c><v>9</v></c><c><v>9</v></c></row>"#
            ));
            styles = None;
        }
        // Many cells without references (each taking the next column).
        2 => {
            let n = 1 + rng.below(5_000) as usize;
            cells.push_str(&format!(
                "<row r=\"9\">{}</row>",
                "<c><v>1</v></c>".repeat(n)
            ));
            styles = None;
        }
        // The same cell repeated.
        3 => {
            let n = 1 + rng.below(5_000) as usize;
            cells = cells.replace(
                r#"<c r="B2"><v>1</v></c>"#,
                &r#"<c r="B2"><v>1</v></c>"#.repeat(n),
            );
            styles = None;
        }
        // Shared strings: out of range, not a number, or a large table.
        4 => {
            let idx = rng.pick(&["0", "1", "999999999", "-1", "x", "18446744073709551616", ""]);
            cells = cells.replace(
                r#"<c r="C3"><v>4</v></c>"#,
                &format!(r#"<c r="C3" t="s"><v>{idx}</v></c>"#),
            );
            let n = rng.below(10_000) as usize;
            strings = Some(format!(
                "<si><t>4</t></si>{}",
                "<si><r><t>x</t></r><rPh><t>y</t></rPh></si>".repeat(n)
            ));
            styles = None;
        }
        // Odd number formats and format ids.
        5 => {
            let f = rng.pick(&formats).replace('"', "&quot;");
            let id = rng.pick(&["0", "14", "22", "47", "164", "4294967295", "-3", "x"]);
            let s = rng.pick(&["0", "1", "2", "999999", "-1", "x"]);
            cells = cells.replace(r#"<c r="B2">"#, &format!(r#"<c r="B2" s="{s}">"#));
            styles = Some(format!(
                r#"<numFmts count="1"><numFmt numFmtId="{id}" formatCode="{f}"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="{id}"/></cellXfs>"#
            ));
        }
        // Odd cell types and values.
        6 => {
            let t = rng.pick(&["n", "b", "e", "d", "str", "inlineStr", "s", "zz", ""]);
            let v = rng.pick(&[
                "1",
                "",
                "NaN",
                "inf",
                "1e308",
                "-0",
                "#DIV/0!",
                "2025-03-31T00:00:00",
                "&amp;",
                "&#0;",
                "&#x1F600;",
                "&bogus;",
            ]);
            cells = cells.replace(
                r#"<c r="C2"><v>2</v></c>"#,
                &format!(r#"<c r="C2" t="{t}"><v>{v}</v></c>"#),
            );
            styles = None;
        }
        // Formulas: shared with absurd indexes and ranges, or no value.
        7 => {
            let si = rng.pick(&["0", "4294967295", "99999999999999999999", "x"]);
            let r = rng.pick(&["A1:A1048576", "A1:XFD1", "A1:XFD1048576", "B2"]);
            let f = format!(r#"<c r="B3"><f t="shared" si="{si}" ref="{r}">B2*2</f></c>"#);
            cells = cells.replace(r#"<c r="B3"><v>3</v></c>"#, &f);
            cells.push_str(&format!(
                "<row r=\"7\">{}</row>",
                r#"<c><f t="shared" si="0"/></c>"#.repeat(rng.below(2000) as usize)
            ));
            styles = None;
        }
        // Deep nesting, unclosed elements.
        8 => {
            let n = rng.below(10_000) as usize;
            cells.push_str(&"<x>".repeat(n));
            styles = None;
        }
        // A long text in a cell.
        9 => {
            let n = rng.below(256 << 10) as usize;
            cells = cells.replace(
                r#"<c r="C3"><v>4</v></c>"#,
                &format!(
                    r#"<c r="C3" t="inlineStr"><is><t>{}</t></is></c>"#,
                    "9".repeat(n)
                ),
            );
            styles = None;
        }
        _ => styles = None,
    }
    let mut bytes = xlsx(&cells, styles.as_deref(), strings.as_deref());
    match rng.below(6) {
        // Truncated.
        0 => bytes.truncate(rng.below(bytes.len() as u64) as usize),
        // A few bytes changed.
        1 => {
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(bytes.len() as u64) as usize;
                bytes[i] = rng.next() as u8;
            }
        }
        _ => {}
    }
    bytes
}

#[test]
fn a_fuzz_of_hostile_workbooks_never_aborts_and_every_failure_is_located() {
    const CASES: usize = 300;
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let tables: String = (0..CASES)
        .map(|i| table(&format!("t{i}"), &format!("w{i}.xlsx"), "B2:C3"))
        .collect();
    let p = project(&tables);
    for i in 0..CASES {
        std::fs::write(
            p.path().join(format!("content/wb/w{i}.xlsx")),
            hostile(&mut rng),
        )
        .unwrap();
    }
    if let Some(keep) = std::env::var_os("KEEP_FUZZ") {
        copy_dir(p.path(), Path::new(&keep));
    }
    let start = std::time::Instant::now();
    let o = run_capped(&p, "check wb --diagnostic-format json", CAP_MIB);
    let took = start.elapsed();
    let e = stderr(&o);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "ended with {:?} after {took:?}: {}",
        o.status,
        e.chars()
            .rev()
            .take(3000)
            .collect::<String>()
            .chars()
            .rev()
            .collect::<String>()
    );
    assert!(!e.contains("panicked"), "{e}");
    assert!(took < std::time::Duration::from_secs(120), "{took:?}");
    let mut failed = std::collections::BTreeSet::new();
    for line in e.lines().filter(|l| l.starts_with('{')) {
        let d: serde_json::Value = serde_json::from_str(line).unwrap();
        let file = d["file"]
            .as_str()
            .unwrap_or_else(|| panic!("not located: {line}"));
        assert!(d["line"].as_u64().is_some(), "no line: {line}");
        assert!(
            d["help"].as_array().is_some_and(|h| !h.is_empty()),
            "no help: {line}"
        );
        // Named by the message (a workbook that cannot be read) or the
        // file (`w3.xlsx › Summary!B2`, a cell).
        let named = d["message"]
            .as_str()
            .and_then(|m| m.split('`').nth(1))
            .filter(|w| w.ends_with(".xlsx"));
        let cell = file.split(" › ").next().filter(|w| w.ends_with(".xlsx"));
        if let Some(w) = named.or(cell) {
            failed.insert(w.trim_start_matches("content/wb/").to_string());
        }
    }
    // Most cases are damaged beyond reading; each said so.
    eprintln!(
        "{} of {CASES} hostile workbooks reported, in {took:?}",
        failed.len()
    );
    assert!(
        failed.len() > CASES / 3,
        "{} of {CASES} failed: {e}",
        failed.len()
    );
}

#[test]
fn an_excel_date_is_printed_as_the_date_it_shows() {
    let t = "  - id: dates
    title: Key dates
    columns:
      - { id: due, label: Due, type: date }
      - { id: n, label: Plans, type: count }
    rows:
      - { id: x, label: Census }
      - { id: y, label: Review }
    source: { workbook: dates.xlsx, sheet: Summary, range: B2:C3 }
";
    let p = project(t);
    p.write(
        "content/wb/01-figures.md",
        "# Figures\n\n{{ table(\"dates\") }}\n",
    );
    // B2 is a date shown d mmmm yyyy (custom format 164); B3 a date in the
    // built-in short date format (14).
    let styles = r#"<numFmts count="1"><numFmt numFmtId="164" formatCode="d mmmm yyyy"/></numFmts><cellXfs count="3"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs>"#;
    let cells = r#"<row r="2"><c r="B2" s="1"><v>45291</v></c><c r="C2"><v>10</v></c></row><row r="3"><c r="B3" s="2"><v>45747</v></c><c r="C3"><v>12</v></c></row>"#;
    std::fs::write(
        p.path().join("content/wb/dates.xlsx"),
        xlsx(cells, Some(styles), None),
    )
    .unwrap();
    let o = p.run(&["build", "wb"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/wb.pdf")));
    assert!(text.contains("31 December 2023"), "{text}");
    assert!(text.contains("31/03/2025"), "{text}");
    assert!(!text.contains("45291") && !text.contains("45747"), "{text}");

    // A number in a date column with no date format is a located error.
    let cells = cells.replace(r#"<c r="B3" s="2">"#, r#"<c r="B3">"#);
    std::fs::write(
        p.path().join("content/wb/dates.xlsx"),
        xlsx(&cells, Some(styles), None),
    )
    .unwrap();
    let o = p.run(&["check", "wb"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    snapshot(
        &repo().join("tests/e2e/expected/workbook-date-not-formatted.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn formulas_say_their_values_are_saved_ones_and_a_formula_without_one_is_a_warning() {
    let p = project(&table("f", "f.xlsx", "B2:C3"));
    let cells = r#"<row r="2"><c r="B2"><v>1</v></c><c r="C2"><v>2</v></c></row><row r="3"><c r="B3"><f>B2*3</f><v>3</v></c><c r="C3"><f>C2*2</f></c></row>"#;
    std::fs::write(p.path().join("content/wb/f.xlsx"), xlsx(cells, None, None)).unwrap();
    let o = p.run(&["check", "wb", "-v"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    snapshot(
        &repo().join("tests/e2e/expected/workbook-formulas.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn a_range_that_misses_the_data_is_a_warning_saying_where_the_data_is() {
    let p = project(&table("miss", "miss.xlsx", "B3002:C3003"));
    std::fs::write(
        p.path().join("content/wb/miss.xlsx"),
        xlsx(FIGURES, None, None),
    )
    .unwrap();
    let o = p.run(&["check", "wb"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    snapshot(
        &repo().join("tests/e2e/expected/workbook-range-misses.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn duplicate_csv_row_ids_are_reported_like_yaml_ones() {
    let p = Project::fixture("tables-valid");
    let csv = p.path().join("content/dsg-2025/hn-places.csv");
    let text = std::fs::read_to_string(&csv).unwrap();
    let first = text.lines().nth(1).unwrap().to_string();
    std::fs::write(&csv, format!("{text}{first}\n")).unwrap();
    crate::tables::write_ehcp(&p.path().join("content/dsg-2025/ehcp.xlsx"), 455.0, None);
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = stderr(&o);
    let id = first.split(',').next().unwrap();
    assert!(
        e.contains(&format!(
            "error[Q0020]: two rows of this table have the id `{id}`"
        )),
        "{e}"
    );
    assert!(e.contains("┌─ content/dsg-2025/hn-places.csv:"), "{e}");
}

#[test]
fn a_tolerance_as_large_as_the_figures_is_an_error() {
    let p = Project::fixture("tables-valid");
    crate::tables::write_ehcp(&p.path().join("content/dsg-2025/ehcp.xlsx"), 455.0, None);
    let paper = p.path().join("content/dsg-2025/paper.yaml");
    let yaml = std::fs::read_to_string(&paper).unwrap();
    let huge = yaml.replace(
        "- total: { row: total, of: [Funding blocks] }",
        "- total: { row: total, of: [Funding blocks], tolerance: 1e13 }",
    );
    assert_ne!(huge, yaml);
    std::fs::write(&paper, &huge).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("expected a tolerance (a number from 0 to 10¹², in the column's unit)"),
        "{}",
        stderr(&o)
    );
    let large = yaml.replace(
        "- total: { row: total, of: [Funding blocks] }",
        "- total: { row: total, of: [Funding blocks], tolerance: 5000 }",
    );
    std::fs::write(&paper, &large).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    snapshot(
        &repo().join("tests/e2e/expected/tolerance-too-large.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn an_output_folder_that_cannot_be_written_says_why_not_busy() {
    let p = Project::fixture("minimal");
    std::fs::write(p.path().join("blocker"), "a file, not a folder").unwrap();
    let o = p.run(&["build", "--out", "blocker/out"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(!e.contains("another quire"), "{e}");
    assert!(e.contains("error[Q0050]: cannot create `"), "{e}");
    assert!(e.contains("blocker/out`: not a directory"), "{e}");
    assert!(
        e.contains("help: make the folder writable, or build into another folder with --out"),
        "{e}"
    );
    // A read-only folder (not for root, whom permissions do not stop).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = p.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("probe"), "").is_err() {
            let o = p.run(&["build", "--out", "ro"]);
            let e = stderr(&o);
            assert_eq!(o.status.code(), Some(2), "{e}");
            assert!(
                e.contains("error[Q0050]: cannot write in `") && e.contains("permission denied"),
                "{e}"
            );
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Issue 21: a value (change) cell read from a workbook or a CSV file as the
/// council's own sheet prints it, "1,537 (+101)": the change fills its
/// column, is checked by its relation where it is typed, and is printed in
/// brackets after the value.
#[test]
fn value_change_cells_are_read_from_workbooks_and_csv_files() {
    let columns = "    columns:
      - { id: a, label: January 2024, type: count }
      - { id: b, label: January 2025, type: count }
      - { id: change, label: Change, type: number, in-brackets-after: b }
";
    let rel = "    relations:\n      - difference: { column: change, is: b - a }\n";
    let p = project(&format!(
        "  - id: wbk
    title: From a workbook
{columns}    rows:
      - {{ id: x, label: X }}
      - {{ id: y, label: Y }}
    source: {{ workbook: vc.xlsx, sheet: Summary, range: B2:D3 }}
{rel}  - id: csv
    title: From a CSV file
{columns}    source: {{ csv: vc.csv }}
{rel}"
    ));
    p.write(
        "content/wb/01-figures.md",
        "# Figures\n\n{{ table(\"wbk\") }}\n\n{{ table(\"csv\") }}\n",
    );
    let write = |change: &str| {
        let cells = format!(
            r#"<row r="2"><c r="B2"><v>1436</v></c><c r="C2" t="inlineStr"><is><t>1,537 (+101)</t></is></c></row><row r="3"><c r="B3"><v>2000</v></c><c r="C3" t="inlineStr"><is><t>2,100 ({change})</t></is></c></row>"#
        );
        std::fs::write(
            p.path().join("content/wb/vc.xlsx"),
            xlsx(&cells, None, None),
        )
        .unwrap();
        p.write(
            "content/wb/vc.csv",
            &format!(
                "id,label,a,b,change\nx,X,1436,\"1,537 (+101)\",\ny,Y,2000,\"2,100 ({change})\",\n"
            ),
        );
    };
    write("+99");
    let o = p.run(&["check", "wb"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert_eq!(e.matches("error[").count(), 2, "{e}");
    for (table, at) in [
        ("wbk", "vc.xlsx › Summary!C3"),
        ("csv", "content/wb/vc.csv:3:"),
    ] {
        assert!(
            e.contains(&format!(
                "`y/change` of `{table}` is typed as 99 but the figures give 100"
            )),
            "{e}"
        );
        assert!(e.contains(at), "{at} in {e}");
    }
    write("+100");
    let o = p.run(&["build", "--format", "all", "wb"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/wb.pdf")));
    assert_eq!(pdf.matches("X 1,436 1,537 (+101)").count(), 2, "{pdf}");
    assert_eq!(pdf.matches("Y 2,000 2,100 (+100)").count(), 2, "{pdf}");
    for t in ["wbk", "csv"] {
        let csv = std::fs::read_to_string(p.path().join(format!("out/wb.{t}.csv"))).unwrap();
        assert!(csv.ends_with("X,1436,1537,101\nY,2000,2100,100\n"), "{csv}");
    }
}
