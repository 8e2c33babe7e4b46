//! KPI dashboards on the tables engine: derived KPIs (a ratio, a difference, a
//! change from another KPI, a change since the baseline) computed, printed,
//! exported and checked, in a Safety Valve return and an APP plan.

use crate::harness::*;

/// Recomputes a formula of the KPI values sheet from the sheet's own
/// figures: `B3-B2`, `(B3)/(C3)*100`, `(B3-B2)/(B2)*100`.
fn recompute(formula: &str, value: &dyn Fn(&str) -> f64) -> f64 {
    let terms = |s: &str| signed_sum(s, value);
    let (f, times) = match formula.strip_suffix("*100") {
        Some(f) => (f, 100.0),
        None => (formula, 1.0),
    };
    match f.split_once(")/(") {
        Some((n, d)) => {
            let n = n.strip_prefix('(').unwrap();
            let d = d.strip_suffix(')').unwrap();
            terms(n) / terms(d) * times
        }
        None => terms(f) * times,
    }
}

/// Every formula of `sheet`, recomputed, against its cached figure; returns them.
fn formulas(path: &std::path::Path, sheet: &str) -> Vec<(String, String, f64)> {
    use calamine::{DataType, Reader, Xlsx};
    let mut wb: Xlsx<_> = calamine::open_workbook(path).unwrap();
    let f = wb.worksheet_formula(sheet).unwrap();
    let v = wb.worksheet_range(sheet).unwrap();
    let value = |a: &str| -> f64 {
        let (r, c) = quire::tables::a1(a).unwrap();
        v.get_value((r, c))
            .and_then(|d| d.as_f64())
            .unwrap_or(f64::NAN)
    };
    let (r0, c0) = f.start().unwrap();
    let mut out = Vec::new();
    for (r, c, formula) in f.used_cells() {
        let (r, c) = (r0 + r as u32, c0 + c as u32);
        let cached = v.get_value((r, c)).and_then(|d| d.as_f64()).unwrap();
        let again = recompute(formula, &value);
        assert!(
            (again - cached).abs() < 1e-6,
            "{sheet}!{formula}: {again} vs {cached}"
        );
        out.push((quire::tables::a1_name(r, c), formula.clone(), cached));
    }
    out
}

#[test]
fn derived_kpis_are_computed_printed_and_exported_from_the_engine() {
    let p = Project::fixture("kpi-derived");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("0 errors, 0 warnings"),
        "{}",
        stderr(&o)
    );
    let out = p.path().join("out");
    // The return: each derived KPI at its places, from the unrounded inputs,
    // "no data" where an input has none, and how it is computed in words.
    // Targets print as the council typed them (13.0, −10.0).
    let sv = squash(&pdf_text(&out.join("eastmoor-sv.pdf")));
    for want in [
        "E3 New EHCPs as a share of all EHCPs (%; lower is better) 13.0 / 12.6 12.5 / 12.0 Computed: E1 ÷ E2 × 100 Green Green Baseline: 14.2",
        // E3 at update 1 is typed 12.6 as published and checked; the RAGs by
        // the declared rule from the computed 12.638… and 12.024…
        "no data / −9.5 −10.0 / −12.5 Computed: % change in E1 since the baseline Green (as Annual target: −15 published)",
        // A difference of two percentages is in percentage points.
        "E5 Gap to England in the share taught in mainstream (pp; higher is no data / −0.8 no data / no better) data Computed: E6 − E7 Baseline: −3.0",
        // E8 at update 1 kept as published (acknowledged), marked, with the computed figure.
        "−2.00† data Computed: % change from E7 to E6 Baseline: −7.32",
        "† KPI E8, Update 1 (June): as published. The figures give −1.94.",
        "The figures give −1.94. A computed KPI's figures are worked out from the unrounded figures",
    ] {
        assert!(
            sv.contains(&want.replace('\'', "’")),
            "missing {want:?} in:\n{sv}"
        );
    }
    // E4 has no rule and no rating at update 2: none is invented.
    assert!(!sv.contains("−12.5 Green"), "{sv}");
    let html = std::fs::read_to_string(out.join("eastmoor-sv.html")).unwrap();
    for want in [
        "<br>Computed: E1 ÷ E2 × 100<br>Baseline: 14.2",
        "12.5 / 12.0<br>Green",
        "<br>Computed: E6 − E7<br>Baseline: −3.0",
    ] {
        assert!(html.contains(want), "missing {want:?} in the HTML");
    }
    // The KPI values table as CSV, and the KPIs export with the engine's figures.
    let csv = std::fs::read_to_string(out.join("eastmoor-sv.kpi-values.csv")).unwrap();
    assert_eq!(
        csv,
        "Period,E1,E2,E3 (%),E4 (%),E5 (pp),E6 (%),E7 (%),E8 (%)\n\
         Baseline,455,3200,14.2,,-3.0,38.0,41.0,-7.32\n\
         Update 1 (June),412,3260,12.6,-9.5,-0.8,40.5,41.3,-2.00\n\
         Update 2 (October),398,3310,12.0,-12.5,,41.2,,\n"
    );
    let kpis = std::fs::read_to_string(out.join("eastmoor-sv.kpis.csv")).unwrap();
    assert!(
        kpis.contains("\nE3,New EHCPs as a share of all EHCPs,%,lower,14.2,,,13,12.6,Green,declared rule,,12.5,12.0,Green,declared rule,\n"),
        "{kpis}"
    );
    assert!(
        kpis.contains(
            "\nE5,Gap to England in the share taught in mainstream,%,higher,-3.0,,,,-0.8,"
        ),
        "{kpis}"
    );
    assert!(
        kpis.contains("\nE4,Change in new EHCPs since the baseline,%,lower,,,-15,,-9.5,Green,published,,-10,-12.5,,,\n"),
        "{kpis}"
    );
    // The workbook: a KPI values sheet whose derived cells are formulas that
    // recompute to the printed figures.
    let path = out.join("eastmoor-sv.xlsx");
    {
        use calamine::Reader;
        let wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            ["Conditions", "Risks", "KPIs", "KPI values", "new-plans"]
        );
    }
    // A declared table's change since a row: computed, checked, a formula.
    assert!(
        sv.contains(
            "Year New EHCPs Change since 2022 (%) 2022 455 no data 2023 430 −5.5 2024 412 −9.5"
        ),
        "{sv}"
    );
    let f = formulas(&path, "new-plans");
    assert_eq!(
        f.iter().map(|x| x.1.as_str()).collect::<Vec<_>>(),
        ["(B3-B2)/(B2)*100", "(B4-B2)/(B2)*100"]
    );
    let f = formulas(&path, "KPI values");
    let find = |cell: &str| f.iter().find(|x| x.0 == cell).cloned();
    assert_eq!(
        find("D3").map(|x| x.1),
        Some("(B3)/(C3)*100".to_string()),
        "{f:?}"
    );
    assert_eq!(find("E3").map(|x| x.1), Some("(B3-B2)/(B2)*100".into()));
    assert_eq!(find("F3").map(|x| x.1), Some("G3-H3".into()));
    assert_eq!(find("I2").map(|x| x.1), Some("(G2-H2)/(H2)*100".into()));
    // No formula where an input has no figure.
    // None where an input has no figure, nor for a figure kept as published.
    assert!(
        find("F4").is_none() && find("I4").is_none() && find("I3").is_none(),
        "{f:?}"
    );
    assert_eq!(f.len(), 8, "{f:?}");

    // The plan's scorecard: engine figures, the RAG by the plan's declared scale.
    let sc = squash(&pdf_text(&out.join("eastmoor-app-scorecard.pdf")));
    for want in [
        // The baseline as the council typed it (0, not 0.0).
        "— high impact 0% 25% 32.1% Green ↑ improving Computed: % change in A1 since the baseline",
        // No figure for October: England's is missing, so the latest is July's.
        // A difference of two percentages is in percentage points.
        "−8.0 pp no data −2.5 pp target – no previous Computed: A1 − A6 1 April 2024 1 July 2024",
        "0.10 0.05 0.04 Green – no previous Computed: A8 ÷ A2",
        "baseline 1 April 2024 0%; actual 1 July 2024 14.3%; actual 1 October 2024 32.1%",
    ] {
        assert!(sc.contains(want), "missing {want:?} in:\n{sc}");
    }
    let html = std::fs::read_to_string(out.join("eastmoor-app-scorecard.html")).unwrap();
    assert!(
        html.contains("<br>Computed: A8 ÷ A2</td>"),
        "no derivation in the HTML"
    );
    assert!(
        html.contains(">32.1%<br>"),
        "the engine's figure is not in the HTML"
    );
    let path = out.join("eastmoor-app.xlsx");
    {
        use calamine::Reader;
        let wb: calamine::Xlsx<_> = calamine::open_workbook(&path).unwrap();
        assert_eq!(
            wb.sheet_names(),
            ["progress-ratings", "impact-ratings", "KPI values"]
        );
    }
    let f = formulas(&path, "KPI values");
    let find = |cell: &str| f.iter().find(|x| x.0 == cell).cloned();
    assert_eq!(find("D4").map(|x| x.1), Some("(B4-B2)/(B2)*100".into()));
    assert!((find("D4").unwrap().2 - 32.142857142857).abs() < 1e-9);
    assert_eq!(find("G4").map(|x| x.1), Some("(H4)/(C4)".into()));

    // Rebuilt, byte for byte.
    let o = p.run(&["build", "--format", "all", "--out", "again"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for f in [
        "eastmoor-sv.pdf",
        "eastmoor-sv.xlsx",
        "eastmoor-sv.kpi-values.csv",
        "eastmoor-app-scorecard.pdf",
        "eastmoor-app.xlsx",
    ] {
        let a = std::fs::read(out.join(f)).unwrap();
        let b = std::fs::read(p.path().join("again").join(f)).unwrap();
        assert!(a == b, "{f} differs between two builds");
    }
}

#[test]
fn derived_kpi_mistakes_are_located_errors_reported_together() {
    let p = Project::fixture("kpi-derived-invalid");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let e = redact(&stderr(&o), p.path());
    snapshot(&p.fixture.join("expected/stderr.txt"), &e);
    for want in [
        // A typed figure of a derived KPI, checked at the places it is written with.
        "error[Q0035]: KPI E3 at Update 1 (June) is typed as 12.7 but the figures give 12.638036809816",
        "which is 12.6 at the published 1 decimal place",
        "relation: KPI E3 = E1 ÷ E2 × 100",
        "error[Q0035]: KPI A2 at 1 July 2024 is typed as 14.0 but the figures give 14.285714285714",
        // A circle, named, with every other figure still checked.
        "error[Q0038]: KPI `E5` is derived from itself: E5 ← E6 ← E5",
        // Unknown ids, with a suggestion.
        "error[Q0025]: KPI `E7` is derived from `E22`, which is not a KPI of this return",
        "did you mean `E2`?",
        "error[Q0025]: KPI `E4` is a change from `basline`, which is neither a period nor a KPI of this return",
        "did you mean `baseline`?",
        "error[Q0025]: KPI `A3` is derived from `A9`, which is not a KPI of this plan",
        "error[Q0007]: a derived KPI is one ratio, difference or change",
        // A published figure that differs: a warning, printed as published.
        "warning[Q0036]: KPI E3 at Update 2 (October) is printed as published (12.1), but the figures give 12.02416918429",
        "checked 2 document(s): 7 errors, 1 warning",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

#[test]
fn a_derived_kpi_that_cannot_be_computed_says_what_the_author_can_do() {
    // KPI values are a fixed table: a derived KPI has no `rows:` or `columns:`
    // to restrict, so the help points at the figures instead.
    let p = Project::fixture("kpi-derived");
    let rel = "content/eastmoor-sv/return.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let changed = text
        .replace(
            "    baseline: 3200\n    actuals: { u1: 3260, u2: 3310 }",
            "    baseline: 3200\n    actuals: { u1: 0, u2: 3310 }",
        )
        .replace(
            "    derived: { difference: E6 - E7 }\n",
            "    derived: { difference: E6 - E7 }\n    actuals: { u2: 0.5 }\n",
        );
    assert!(changed.contains("u1: 0, u2: 3310") && changed.contains("u2: 0.5 }"));
    p.write(rel, &changed);
    let o = p.run(&["check", "eastmoor-sv"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(0), "{e}");
    assert!(
        e.contains("warning[Q0039]: KPI E3 at Update 1 (June) cannot be computed: it divides by zero")
            && e.contains("help: a ratio, change or share of zero has no value, so none is printed; check the figure it divides by"),
        "{e}"
    );
    assert!(
        e.contains("warning[Q0039]: KPI E5 at Update 2 (October) cannot be checked: KPI E7 at Update 2 (October) has no figure")
            && e.contains("help: fill in the missing figure, or remove the typed one and let it be computed"),
        "{e}"
    );
    assert!(!e.contains("restrict the relation"), "{e}");
}
