//! Risk registers on any scheme: a 4×4 council, direction of travel, removed
//! risks, overdue actions, and the appendix built on its own.

use crate::harness::*;

#[test]
fn a_four_by_four_scheme_with_its_own_bands_builds_as_a_standalone_appendix() {
    let p = Project::fixture("risk-4x4");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("warning[Q0027]: action planned for `31/01/2025` is overdue at the register date (31 March 2025)"), "{e}");
    let text = squash(&pdf_text(&p.path().join("out/appendix-2025.pdf")));
    for want in [
        "Risk bands: Green = 1–3 Amber = 4–8 Red = 9–16",
        "SR01 Financial sustainability 16 (Red) 9 (Red) ↑ (increased from 12)",
        "SR02 Cyber attack 8 (Amber) 6 (Amber) ↔ (unchanged)",
        "SR03 Workforce capacity 4 (Amber) 2 (Green) NEW (new risk)",
        "no longer open: SR09 (Waste contract transition)",
        "Likelihood Rare (1) Unlikely (2) Likely (3) Almost certain (4)",
        "Impact Low (1) Medium (2) High (3) Critical (4)",
        // The band counts as the tables engine counts them, with the total.
        "Open risks by band: Strategic risk register Band Current Target Green (scores 1–3) 0 1 Amber (scores 4–8) 2 1 Red (scores 9–16) 1 1 Not rated 0 0 Open risks 3 3",
        "31/01/2025 Overdue",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    // A 4×4 grid: no fifth column or row.
    assert!(!text.contains("(5)"), "{text}");
}

#[test]
fn values_outside_a_four_by_four_scale_are_errors() {
    let p = Project::fixture("risk-4x4");
    let path = p.path().join("content/registers/strategic.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "current: { likelihood: 2, impact: 2 }",
        "current: { likelihood: 5, impact: 2 }",
    );
    std::fs::write(&path, yaml).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[Q0022]: likelihood 5 is outside the scale 1 to 4"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn narrative_places_generated_tables_from_the_register() {
    let p = Project::fixture("risk-4x4");
    p.write(
        "content/strategic-2025/paper.yaml",
        "committee: Audit Committee\nmeeting-date: 2025-04-10\nsubject: Strategic risks\nfrom: [{ name: A. Member, role: Leader }]\nsummary: The register has {{ registers.main.risks | length }} risks.\nrecommendations: [NOTE the register.]\nregisters: { main: ../registers/strategic.yaml }\ncontacts: { author: { name: B. Officer, title: Risk Manager } }\n",
    );
    p.write(
        "content/strategic-2025/01-risks.md",
        "# Risks\n\nRisks scoring 9 or more:\n\n{{ risk_table(\"main\", min_score=9) }}\n\nBy band:\n\n{{ band_counts(\"main\") }}\n\nThe highest is {{ risk(\"SR01\").title }} at {{ risk(\"SR01\").current.score }}.\n",
    );
    let o = p.run(&["build", "strategic-2025", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/strategic-2025.pdf")));
    assert!(text.contains("The register has 3 risks."), "{text}");
    assert!(
        text.contains("SR01 Financial sustainability 16 (Red) 9 (Red)"),
        "{text}"
    );
    assert!(
        !text.contains("SR02 Cyber attack"),
        "risks below the threshold must not be listed: {text}"
    );
    let html = crate::meaning::html_text(&p.path().join("out/strategic-2025.html"));
    assert!(
        text.contains("The highest is Financial sustainability at 16."),
        "{text}"
    );
    // The band counts are a table of the tables engine in the paper's
    // workbook: the open risks are the SUM of the bands and `Not rated`,
    // recomputing to the counts printed (3 risks; 0+2+1, 1+1+1). The PDF and
    // the HTML print that same table, row for row, from the engine's view.
    {
        use calamine::{DataType, Reader, Xlsx};
        let mut wb: Xlsx<_> =
            calamine::open_workbook(p.path().join("out/strategic-2025.xlsx")).unwrap();
        assert_eq!(wb.sheet_names(), ["main-bands"]);
        let f = wb.worksheet_formula("main-bands").unwrap();
        let v = wb.worksheet_range("main-bands").unwrap();
        let cell = |r: u32, c: u32| -> String {
            v.get_value((r, c))
                .map(|d| {
                    d.as_string()
                        .unwrap_or_else(|| d.as_f64().unwrap().to_string())
                })
                .unwrap_or_default()
        };
        let rows: Vec<[String; 3]> = (0..6)
            .map(|r| [cell(r, 0), cell(r, 1), cell(r, 2)])
            .collect();
        assert_eq!(
            rows,
            [
                ["Band", "Current", "Target"],
                ["Green (scores 1–3)", "0", "1"],
                ["Amber (scores 4–8)", "2", "1"],
                ["Red (scores 9–16)", "1", "1"],
                ["Not rated", "0", "0"],
                ["Open risks", "3", "3"],
            ]
            .map(|r| r.map(String::from))
        );
        let printed = format!(
            "Open risks by band: Strategic risk register {}",
            rows.iter()
                .map(|r| r.join(" "))
                .collect::<Vec<_>>()
                .join(" ")
        );
        assert!(
            text.contains(&printed),
            "{printed:?} not in the PDF:\n{text}"
        );
        assert!(
            html.contains(&printed),
            "{printed:?} not in the HTML:\n{html}"
        );
        assert_eq!(
            f.get_value((5, 1)).map(String::as_str),
            Some("SUM(B2,B3,B4,B5)")
        );
        assert_eq!(
            f.get_value((5, 2)).map(String::as_str),
            Some("SUM(C2,C3,C4,C5)")
        );
    }
    // A risk that does not exist is an error naming the expression.
    p.write(
        "content/strategic-2025/02-bad.md",
        "# More\n\n{{ risk(\"SR99\").title }}\n",
    );
    let o = p.run(&["check", "strategic-2025"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("no risk with id `SR99` in this paper's registers"),
        "{}",
        stderr(&o)
    );
}

/// One mistake in the scheme is one error: the ratings on it are not each
/// reported against a scheme that could not be read.
#[test]
fn a_bad_scale_level_is_one_error_not_one_per_risk() {
    for (from, to, code) in [
        (
            "    - { value: 4, label: Almost certain }\n",
            "    - { value: 4 }\n",
            "error[Q0005]: missing field `label`",
        ),
        (
            "    - { name: Red, min: 9, max: 16, colour: \"#f4c7c3\" }\n",
            "    - { name: Red, min: 9, max: 16 }\n",
            "error[Q0005]: missing field `colour`",
        ),
        (
            "    - { value: 4, label: Critical }\n",
            "    - { value: four, label: Critical }\n",
            "error[Q0006]: expected a whole number",
        ),
    ] {
        let p = Project::fixture("risk-4x4");
        let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
        assert!(q.contains(from), "{from}");
        std::fs::write(p.path().join("quire.yaml"), q.replace(from, to)).unwrap();
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(1), "{e}");
        assert!(e.contains(code), "{e}");
        assert_eq!(e.matches("error[").count(), 1, "{to}: {e}");
    }
}

/// A register published on version 1 of the risk layouts keeps building as
/// it was published, now that version 2 prints the band counts from the
/// tables engine: the v1 layout files are frozen (`layouts/FROZEN`),
/// and the counts they read (`band_counts`, `word_counts`) are what the build
/// before the change gave: `expected/risk-appendix-v1-data.json` was written
/// by that build of this fixture's appendix pinned to v1. Never rewrite it
/// without a new layout version.
#[test]
fn an_appendix_pinned_to_version_1_reads_the_band_counts_it_was_published_with() {
    let p = Project::fixture("risk-4x4");
    let path = "content/appendix-2025/appendix.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(path, &format!("layout: risk-appendix@1\n{yaml}"));
    let o = p.run(&["build", "--keep-sources"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("out/appendix-2025.src/data.json")).unwrap(),
    )
    .unwrap();
    let read = serde_json::json!({
        "band_counts": data["register"]["band_counts"],
        "word_counts": data["register"]["word_counts"],
    });
    let before: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/e2e/expected/risk-appendix-v1-data.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(read == before, "the counts a v1 appendix reads changed");
    let text = squash(&pdf_text(&p.path().join("out/appendix-2025.pdf")));
    assert!(
        text.contains("Band Scores Current Target Green 1–3 0 1 Amber 4–8 2 1 Red 9–16 1 1"),
        "{text}"
    );
}

/// Every table caption of a version 2 layout sits above its table, the heat
/// maps' as the band counts' and the declared tables': "Table 1: Current risk
/// positions …" comes before the heat map's header row, not after its last row.
#[test]
fn heat_map_captions_sit_above_their_tables_as_every_table_caption_does() {
    let p = Project::fixture("risk-4x4");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/appendix-2025.pdf")));
    let at = |s: &str| {
        text.find(s)
            .unwrap_or_else(|| panic!("no {s:?} in:\n{text}"))
    };
    let header = "Likelihood ↓ / Impact →";
    let first = at(header);
    let second = first
        + header.len()
        + text[first + header.len()..]
            .find(header)
            .expect("two heat maps");
    let current = at("Table 1: Current risk positions");
    let target = at("Table 2: Target risk positions");
    assert!(
        current < first && first < target && target < second,
        "{text}"
    );
    assert!(second < at("Open risks by band:"), "{text}");
}

/// A register with no open risk says so in words, in the PDF and the HTML,
/// instead of printing an empty table and an empty "Risk details".
#[test]
fn a_register_with_no_open_risk_says_so() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(p.run(&["new", "project", "--name", "X"]).status.success());
    assert!(p.run(&["new", "register", "reg"]).status.success());
    let path = p.path().join("content/registers/reg.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let start = yaml.find("risks:\n").unwrap();
    let rest = &yaml[start + "risks:\n".len()..];
    let end = rest
        .lines()
        .scan(0, |at, l| {
            let here = *at;
            *at += l.len() + 1;
            Some((here, l))
        })
        .find(|(_, l)| !l.is_empty() && !l.starts_with([' ', '#']))
        .map_or(rest.len(), |(at, _)| at);
    std::fs::write(
        &path,
        format!("{}risks: []\n{}", &yaml[..start], &rest[end..]),
    )
    .unwrap();
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/reg.pdf")));
    let html = crate::meaning::html_text(&p.path().join("out/reg.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        assert_eq!(
            text.matches("No open risk is recorded in this register.")
                .count(),
            2,
            "{what}: {text}"
        );
        assert!(
            !text.contains("Risk no."),
            "{what}: an empty table in {text}"
        );
    }
}

/// Issue 25: a register whose council prints its risks one after another says
/// `risk-pages: shared`, and the risks share pages (a short risk is never split);
/// without it each starts a page, as before. The choice needs layout version 3.
#[test]
fn short_risks_share_a_page_where_the_paper_says_so() {
    let p = Project::fixture("risk-changes");
    let o = p.run(&["build", "--keep-sources"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/changes-2025.pdf");
    let own = pdf_pages(&pdf);
    let yaml = std::fs::read_to_string(p.path().join("content/changes-2025/paper.yaml")).unwrap();
    let shared = yaml
        .replace("risk-pages: own ", "risk-pages: shared ")
        .replace(
            "    register: place\n",
            "    register: place\n    risk-pages: shared\n",
        );
    assert_ne!(shared, yaml);
    p.write("content/changes-2025/paper.yaml", &shared);
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&pdf);
    assert!(
        pages.len() + 3 <= own.len(),
        "{} pages shared against {} own",
        pages.len(),
        own.len()
    );
    // Every risk is there, each whole on one page.
    let ids: Vec<String> = own
        .iter()
        .flat_map(|t| t.lines())
        .filter_map(|l| {
            let l = l.trim();
            let (id, _) = l.split_once(": ")?;
            (id.len() <= 8
                && id.chars().any(|c| c.is_ascii_digit())
                && id.chars().all(|c| c.is_ascii_alphanumeric()))
            .then(|| l.to_string())
        })
        .collect();
    assert!(ids.len() >= 5, "{ids:?}");
    for id in &ids {
        let on: Vec<usize> = (0..pages.len())
            .filter(|&i| pages[i].contains(id.as_str()))
            .collect();
        assert_eq!(on.len(), 1, "{id} on pages {on:?}");
    }
    // On a version 2 paper, the choice is an error at the value.
    p.write(
        "content/changes-2025/paper.yaml",
        &format!("layout: committee-report@2\n{shared}"),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(
        e.contains("error[Q0007]: `risk-pages: shared` needs layout version 3; this paper is on `committee-report@2`"),
        "{e}"
    );
}
