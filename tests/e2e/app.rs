//! The Accelerated Progress Plan report and KPI scorecard.

use crate::harness::*;

#[test]
fn demo_plan_builds_report_and_scorecard_with_ratings_in_words() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    for want in [
        "How progress and impact are rated",
        "Summary by area of weakness",
        "Partnership risk register",
        "1A1",
        "9B1",
    ] {
        assert!(report.contains(want), "missing {want:?}");
    }
    // Ratings are text, not only colour.
    assert!(
        report.contains("Green Red"),
        "progress/impact ratings must be words"
    );
    assert!(
        report.contains("TBC in"),
        "ratings not yet given are said in words"
    );
    let scorecard = squash(&pdf_text(&p.path().join("out/send-app-2023-scorecard.pdf")));
    assert!(
        scorecard.contains("KPI scorecard")
            && scorecard.contains("APP04")
            && scorecard.contains("TBC")
    );
}

/// A plan on `app-report@2` that declares no status rule keeps the rule that
/// layout applied by itself (a `complete` rating, the report date), so its
/// outputs do not change now that version 3 computes only declared rules.
#[test]
fn kpi_rag_trend_and_overdue_are_computed() {
    let p = Project::fixture("app-small");
    let path = "content/plan/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    let rule = "statuses:\n  overdue: { when: date-passed, unless-rated: [Blue] }\n  target-tbc: { when: milestone-passed }\n";
    assert!(yaml.contains(rule));
    p.write(path, &yaml.replace(rule, "layout: app-report@2\n"));
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    // 1A1 was due 30 September 2024 and is Amber at 31 January 2025: overdue.
    assert!(
        e.contains("warning[Q0027]: action 1A1 was due by 30 September 2024 and is not complete"),
        "{e}"
    );
    // 1A2 is Blue (complete): not overdue although its date has passed.
    assert!(!e.contains("action 1A2"), "{e}");
    // T02's 6-month target (1 October 2024) is still TBC at the report date.
    assert!(
        e.contains("warning[Q0044]: KPI `T02` still has a TBC target for its 6 months milestone"),
        "{e}"
    );
    let report = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    assert!(report.contains("Annex A: overdue actions Action By when Responsible officer Progress 1A1 30 September 2024 Head of SEN Amber"), "{report}");
    // Counted in words: "1 action is", not "1 action(s) are".
    assert!(
        report.contains("1 action is overdue at 31 January 2025."),
        "{report}"
    );
    let card = squash(&pdf_text(&p.path().join("out/plan-scorecard.pdf")));
    // T01 (higher is better): 55.5% meets the standard (50) but not the 6-month target (60): Amber, improving.
    assert!(card.contains("55.5% Amber ↑ improving"), "{card}");
    // T02 (lower is better): 27 days against a TBC target and no standard: no RAG, worsening.
    assert!(card.contains("27 target TBC ↑ worsening"), "{card}");
    // T03 (lower is better): 6 against a target of 8: Green; only one actual so no trend.
    assert!(card.contains("6 Green – no previous"), "{card}");
    // A chart for the high-impact KPI, with a text alternative.
    // Figures as the tables engine prints them: at the places they are written with (42.0).
    assert!(card.contains("T01 trend. T01: EHCPs issued within 20 weeks. baseline 1 April 2024 42.0%; actual 1 July 2024 48.0%; actual 1 October 2024 55.5%"), "{card}");
}

/// A status is the council's judgement: with `statuses:` the plan declares
/// its rule, and version 3 computes the status by that rule alone and prints
/// the rule where the status is (issue 25).
#[test]
fn a_status_is_computed_by_the_plans_rule_and_printed_with_it() {
    let p = Project::fixture("app-small");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains("warning[Q0027]: action 1A1 is overdue by the plan's rule: due by 30 September 2024, rated Amber"),
        "{e}"
    );
    assert!(!e.contains("action 1A2"), "{e}");
    assert!(
        e.contains("warning[Q0044]: KPI `T02` still has a TBC target for its 6 months milestone"),
        "{e}"
    );
    let report = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    let words = "An action is overdue when its date (by when) had passed by 31 January 2025 and its progress was not rated Blue.";
    assert!(
        report.contains(&format!(
            "{words} By this rule one action is overdue (Annex A)."
        )),
        "{report}"
    );
    assert!(
        report.contains(
            "30 September 2024 Head of SEN Amber Red • Vacancy T01 Overdue (see Annex A)"
        ),
        "{report}"
    );
    assert!(
        report.contains(&format!("Annex A: overdue actions {words} Action By when Responsible officer Progress 1A1 30 September 2024 Head of SEN Amber")),
        "{report}"
    );
    // The milestone as written: no day quire would infer.
    assert!(
        report.contains("Annex B: targets still to be confirmed after their milestone A target is listed when it was still to be confirmed (TBC) after its milestone had passed, by 31 January 2025. KPI Name Milestone T02 Days to hold a panel 6 months"),
        "{report}"
    );
    assert!(
        !report.contains("As at") && !report.contains("Milestone date"),
        "{report}"
    );
    let html = std::fs::read_to_string(p.path().join("out/plan.html")).unwrap();
    assert!(
        html.contains(&format!(
            "<p>{words} By this rule one action is overdue (Annex A).</p>"
        )),
        "{html}"
    );
    assert!(
        html.contains(
            "<h2 id=\"annex-overdue\">Annex A: overdue actions</h2>\n<p>{words}</p>"
                .replace("{words}", words)
                .as_str()
        ),
        "{html}"
    );
    assert!(!html.contains("as at"), "{html}");

    // Another rule: Amber counts as on track, so nothing is overdue.
    let path = "content/plan/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace("unless-rated: [Blue]", "unless-rated: [Blue, Green, Amber]"),
    );
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stderr(&o).contains("Q0027"), "{}", stderr(&o));
    let report = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    assert!(
        report.contains(
            "its progress was not rated Blue, Green or Amber. By this rule no action is overdue."
        ),
        "{report}"
    );

    // No rule: nothing computed, reported or printed.
    let bare = yaml
        .replace("statuses:\n  overdue: { when: date-passed, unless-rated: [Blue] }\n  target-tbc: { when: milestone-passed }\n", "");
    assert_ne!(bare, yaml);
    p.write(path, &bare);
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !stderr(&o).contains("Q0027") && !stderr(&o).contains("Q0044"),
        "{}",
        stderr(&o)
    );
    let report = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    let html = std::fs::read_to_string(p.path().join("out/plan.html")).unwrap();
    for text in [&report, &html] {
        for never in [
            "Overdue (",
            "overdue actions",
            "is overdue",
            "are overdue",
            "Annex A",
            "Annex B",
        ] {
            assert!(
                !text.contains(never),
                "{never:?} printed without a rule:\n{text}"
            );
        }
    }
}

/// The demo plan states no overdue rule, no "as at" date, no polarity and no
/// minimum standard: quire adds none of them, keeps the words the plan writes
/// for a rating not given, and prints the council's definitions (issue 25).
#[test]
fn the_demo_plan_prints_nothing_the_council_did_not_say() {
    use calamine::{DataType, Reader, Xlsx};
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(!e.contains("Q0027") && !e.contains("Q0044"), "{e}");
    let report = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    let card = squash(&pdf_text(&p.path().join("out/send-app-2023-scorecard.pdf")));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023.html")).unwrap();
    let hcard = std::fs::read_to_string(p.path().join("out/send-app-2023-scorecard.html")).unwrap();
    for (what, text) in [
        ("report", &report),
        ("scorecard", &card),
        ("report HTML", &html),
        ("scorecard HTML", &hcard),
    ] {
        for never in [
            "Overdue (",
            "overdue actions",
            "Annex A",
            "Annex B",
            "Milestone date",
            "As at",
            "as at 28",
            "Position as at",
            "higher is better",
            "lower is better",
            "polarity",
            "minimum standard",
            "Not rated",
            "not rated",
            "no actual value published",
            "no previous value",
        ] {
            assert!(!text.contains(never), "the {what} prints {never:?}");
        }
    }
    // No column with nothing in it: the plan publishes no actual value, so no
    // latest value and no trend.
    for text in [&card, &hcard] {
        assert!(
            !text.contains("Latest") && !text.contains("Trend"),
            "{text}"
        );
    }
    // The inspection as the plan names it, not "Inspection: September 2022".
    assert!(
        report.contains("Ofsted/CQC inspection revisit September 2022"),
        "{report}"
    );
    assert!(
        html.contains(
            "<th scope=\"row\">Ofsted&#x2f;CQC inspection revisit</th><td>September 2022</td>"
        ),
        "{html}"
    );
    // A rating not given is counted under the plan's words.
    assert!(
        report.contains("TBC in September 23 reporting 1"),
        "{report}"
    );
    assert!(
        html.contains(">TBC in September 23 reporting 1</span>"),
        "{html}"
    );
    // The council's definitions: the KPI key and the partnership risk severities.
    for text in [&report, &card] {
        assert!(
            text.contains("Amber Standard achieved but target has not been met"),
            "{text}"
        );
    }
    assert!(report.contains("Severity Meaning High Serious to major impact, likely to very likely likelihood Medium Moderate to significant impact, possible to likely likelihood Low Minor to moderate impact, very unlikely to unlikely likelihood"), "{report}");
    // The workbook says the same words.
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/send-app-2023.xlsx")).unwrap();
    let v = wb.worksheet_range("impact-ratings").unwrap();
    let heads: Vec<String> = (1..v.width() as u32)
        .map(|c| {
            v.get_value((0, c))
                .and_then(|d| d.get_string())
                .unwrap_or("")
                .to_string()
        })
        .collect();
    assert_eq!(
        heads,
        [
            "Red",
            "Amber",
            "Green",
            "Blue",
            "TBC in September 23 reporting",
            "Actions"
        ]
    );
}

/// A milestone written as a month stays a month wherever it is printed (the
/// chart's text and table): never the day quire takes it to mean (issue 25).
#[test]
fn a_milestone_written_as_a_month_stays_a_month() {
    let p = Project::fixture("app-small");
    let rel = "content/plan/plan.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let changed = text.replace(
        "      - { at: 12 months, value: 70 }",
        "      - { at: April 2025, value: 70 }",
    );
    assert_ne!(changed, text);
    p.write(rel, &changed);
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let card = squash(&pdf_text(&p.path().join("out/plan-scorecard.pdf")));
    assert!(
        card.contains("60% by 1 October 2024, 70% by April 2025"),
        "{card}"
    );
    assert!(!card.contains("30 April 2025"), "{card}");
    let html = std::fs::read_to_string(p.path().join("out/plan-scorecard.html")).unwrap();
    assert!(
        html.contains(
            "<tr><th scope=\"row\">April 2025</th><td class=\"num\">70%</td><td>target</td></tr>"
        ),
        "{html}"
    );
    assert!(!html.contains("2025-04-30"), "{html}");
}

#[test]
fn invalid_plan_reports_every_problem() {
    let p = Project::fixture("invalid-app");
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    snapshot(
        &p.fixture.join("expected/stderr.txt"),
        &redact(&stderr(&o), p.path()),
    );
}

#[test]
fn the_summarys_rating_counts_add_up_to_the_actions_not_rated_included() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023.html")).unwrap();
    // The summary's rows: area, title, actions, progress counts, impact counts, overdue.
    let table = &html[html.find("<h2 id=\"summary\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    let sum = |cell: &str| -> usize {
        cell.split("<span class=\"count\"")
            .skip(1)
            .map(|s| {
                let t = &s[s.find('>').unwrap() + 1..s.find("</span>").unwrap()];
                t.rsplit(' ').next().unwrap().parse::<usize>().unwrap()
            })
            .sum()
    };
    let mut rows = 0;
    let mut unrated = 0;
    for row in table.split("<tr><th scope=\"row\">").skip(1) {
        let cells: Vec<&str> = row.split("<td").skip(1).collect();
        // The cell's text, after its attributes (class, data-label).
        let actions: usize = cells[1]
            .split_once('>')
            .unwrap()
            .1
            .split('<')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(sum(cells[2]), actions, "progress counts of row {row}");
        assert_eq!(sum(cells[3]), actions, "impact counts of row {row}");
        unrated += cells[3].matches("TBC in September 23 reporting").count();
        rows += 1;
    }
    assert_eq!(rows, 9, "one row per area");
    assert!(unrated > 0, "the demo has actions whose impact is TBC");
    let pdf = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    assert!(
        pdf.contains("TBC in September 23 reporting 1"),
        "the PDF summary counts them too, under the plan's words"
    );
}

#[test]
fn the_plans_rating_counts_are_engine_tables_in_its_workbook() {
    use calamine::{DataType, Reader, Xlsx};
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/send-app-2023.xlsx")).unwrap();
    assert_eq!(
        wb.sheet_names(),
        ["progress-ratings", "impact-ratings", "KPI values"]
    );
    // Every action has a progress rating; those with no impact rating are
    // counted under the words the plan writes for them (version 3).
    for (sheet, heads) in [
        (
            "progress-ratings",
            &["Red", "Amber", "Green", "Blue", "Actions"][..],
        ),
        (
            "impact-ratings",
            &[
                "Red",
                "Amber",
                "Green",
                "Blue",
                "TBC in September 23 reporting",
                "Actions",
            ][..],
        ),
    ] {
        let f = wb.worksheet_formula(sheet).unwrap();
        let v = wb.worksheet_range(sheet).unwrap();
        let s = |r: u32, c: u32| {
            v.get_value((r, c))
                .and_then(|d| d.get_string())
                .unwrap_or("")
                .to_string()
        };
        let n = |r: u32, c: u32| v.get_value((r, c)).and_then(|d| d.as_f64()).unwrap();
        let last = heads.len() as u32;
        assert_eq!((1..=last).map(|c| s(0, c)).collect::<Vec<_>>(), heads);
        let mut areas = 0;
        // The last row (app-report@3) is the plan's totals: each the SUM of
        // the areas' column.
        let all = v.height() as u32 - 1;
        assert_eq!(s(all, 0), "All areas");
        for c in 1..=last {
            let col = (b'A' + c as u8) as char;
            let formula = f.get_value((all, c)).cloned().unwrap_or_default();
            assert!(formula.starts_with("SUM("), "{sheet} {col}: {formula}");
            let sum: f64 = (1..all).map(|r| n(r, c)).sum();
            assert_eq!(sum, n(all, c), "{sheet} column {col}");
        }
        for r in 1..all {
            assert!(s(r, 0).starts_with(&format!("Area {r}: ")), "{}", s(r, 0));
            // The number of actions is the SUM of the counts, recomputing to
            // the number printed in the summary.
            let cols: Vec<String> = (1..last)
                .map(|c| format!("{}{}", (b'A' + c as u8) as char, r + 1))
                .collect();
            assert_eq!(
                f.get_value((r, last)).map(String::as_str),
                Some(format!("SUM({})", cols.join(",")).as_str())
            );
            let sum: f64 = (1..last).map(|c| n(r, c)).sum();
            assert_eq!(sum, n(r, last), "{sheet} row {r}");
            areas += 1;
        }
        assert_eq!(areas, 9, "{sheet}");
    }
    // Area 1: 19 actions; progress Red 1, Amber 10, Green 8; impact Red 9, Amber 7, Green 3.
    let v = wb.worksheet_range("progress-ratings").unwrap();
    let row = |v: &calamine::Range<calamine::Data>| -> Vec<f64> {
        (1..v.width() as u32)
            .map(|c| v.get_value((1, c)).and_then(|d| d.as_f64()).unwrap())
            .collect()
    };
    assert_eq!(row(&v), [1.0, 10.0, 8.0, 0.0, 19.0]);
    let v = wb.worksheet_range("impact-ratings").unwrap();
    assert_eq!(row(&v), [9.0, 7.0, 3.0, 0.0, 0.0, 19.0]);
    assert!(text.contains("19 Red 1 Red 9 Amber 7"), "{text}");
    // The first page's headline and the summary's last row: the totals row
    // of the same tables (the sum of the areas', checked).
    assert!(
        text.contains("116 actions in nine areas of weakness. Progress: Red 7, Amber 46, Green 53, Blue 10. Impact: Red 28, Amber 43, Green 36, Blue 4, TBC in September 23 reporting 5."),
        "{text}"
    );
    assert!(text.contains("All All areas 116 Red 7 Red 28"), "{text}");
    let o = p.run(&["build", "send-app-2023", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = crate::meaning::html_text(&p.path().join("out/send-app-2023.html"));
    assert!(
        html.contains(
            "116 actions in nine areas of weakness. Progress: Red 7, Amber 46, Green 53, Blue 10."
        ) && html.contains("All All areas 116 Red 7 Amber 46 Green 53 Blue 10 Red 28"),
        "{html}"
    );
}

/// Version 2 prints the summary's rating counts from the same engine tables
/// the workbook exports (`app.ratings`): every area's printed counts, their
/// rating words and its number of actions are the sheet's, in the PDF and in
/// the HTML — including the project's own words for a rating not given.
#[test]
fn the_printed_rating_counts_are_the_exported_engine_tables() {
    use calamine::{DataType, Reader, Xlsx};
    let p = Project::demo();
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    p.write(
        "quire.yaml",
        &q.replace(
            "  no-data: no data\n",
            "  no-data: no data\n  not-rated: to be confirmed\n",
        ),
    );
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023.html")).unwrap();
    let table = &html[html.find("<h2 id=\"summary\">").unwrap()..];
    let table = &table[..table.find("</table>").unwrap()];
    // The badges of one cell: (rating words, count).
    let badges = |cell: &str| -> Vec<(String, String)> {
        cell.split("<span class=\"count\"")
            .skip(1)
            .map(|s| {
                let t = &s[s.find('>').unwrap() + 1..s.find("</span>").unwrap()];
                let (w, n) = t.rsplit_once(' ').unwrap();
                (w.to_string(), n.to_string())
            })
            .collect()
    };
    type Badges = Vec<(String, String)>;
    let printed: Vec<(String, Badges, Badges)> = table
        .split("<tr><th scope=\"row\">")
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split("<td").skip(1).collect();
            let actions = cells[1]
                .split_once('>')
                .unwrap()
                .1
                .split('<')
                .next()
                .unwrap()
                .to_string();
            (actions, badges(cells[2]), badges(cells[3]))
        })
        .collect();
    assert_eq!(printed.len(), 9, "one row per area");
    let mut wb: Xlsx<_> = calamine::open_workbook(p.path().join("out/send-app-2023.xlsx")).unwrap();
    let mut pdf_badges = Vec::new();
    for (k, sheet) in ["progress-ratings", "impact-ratings"].iter().enumerate() {
        let v = wb.worksheet_range(sheet).unwrap();
        let s = |r: u32, c: u32| -> String {
            v.get_value((r, c))
                .map(|d| {
                    d.get_string()
                        .map(String::from)
                        .unwrap_or_else(|| d.as_f64().unwrap().to_string())
                })
                .unwrap_or_default()
        };
        let last = v.width() as u32 - 1;
        // Every action not rated has the plan's own words (version 3): the
        // project's are not needed.
        assert!((1..=last).all(|c| s(0, c) != "To be confirmed"), "{sheet}");
        for (r, row) in printed.iter().enumerate() {
            let x = r as u32 + 1;
            let exported: Vec<(String, String)> = (1..last)
                .filter(|&c| s(x, c) != "0")
                .map(|c| (s(0, c), s(x, c)))
                .collect();
            let shown = if k == 0 { &row.1 } else { &row.2 };
            assert_eq!(shown, &exported, "{sheet}, area {x}");
            assert_eq!(row.0, s(x, last), "{sheet}, area {x}: actions");
            pdf_badges.extend(shown.iter().map(|(w, n)| format!("{w} {n}")));
        }
    }
    assert!(
        pdf_badges
            .iter()
            .any(|b| b.starts_with("TBC in September 23 reporting ")),
        "the demo has actions whose impact is TBC"
    );
    let pdf = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    for b in &pdf_badges {
        assert!(pdf.contains(b.as_str()), "{b:?} not printed in:\n{pdf}");
    }
    assert!(!pdf.contains("Not rated"), "{pdf}");
}

/// A plan published on version 1 of the APP layout keeps building as it was
/// published, now that version 2 prints its rating counts from the tables
/// engine: the v1 layout files are frozen (`layouts/FROZEN`), and the
/// counts they read (`app.areas`) are what the build before the change gave:
/// `expected/app-report-v1-data.json` was written by that build of the demo
/// plan pinned to v1. Never rewrite it without a new layout version.
#[test]
fn a_plan_pinned_to_version_1_reads_the_counts_it_was_published_with() {
    let p = Project::demo();
    let path = "content/send-app-2023/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    assert!(yaml.contains("layout: app-report@3\n"));
    p.write(
        path,
        &yaml.replace("layout: app-report@3\n", "layout: app-report@1\n"),
    );
    let o = p.run(&["build", "send-app-2023", "--keep-sources"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let data: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(p.path().join("out/send-app-2023.src/data.json")).unwrap(),
    )
    .unwrap();
    let keys = [
        "number",
        "actions",
        "progress_counts",
        "impact_counts",
        "progress_unrated",
        "impact_unrated",
    ];
    let read: Vec<serde_json::Value> = data["app"]["areas"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            serde_json::json!(
                keys.iter()
                    .map(|k| (k.to_string(), a[*k].clone()))
                    .collect::<serde_json::Map<_, _>>()
            )
        })
        .collect();
    let before: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(repo().join("tests/e2e/expected/app-report-v1-data.json"))
            .unwrap(),
    )
    .unwrap();
    assert!(
        serde_json::Value::Array(read) == before,
        "the counts a v1 plan reads changed"
    );
}

/// The summary's counts say what they count in the PDF as in the HTML:
/// "Actions (number)", "Progress ratings (number of actions)", … (app-report@2).
#[test]
fn the_summary_by_area_says_its_figures_are_numbers_of_actions_in_pdf_and_html() {
    let p = Project::fixture("app-small");
    let o = p.run(&["build", "plan", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    let at = pdf
        .find("Summary by area of weakness")
        .expect("the summary");
    let head = &pdf[at..at + pdf[at..].find("Plans are issued late").expect("area 1")];
    assert_eq!(head.matches("(number of").count(), 2, "{head}");
    assert_eq!(head.matches("(number)").count(), 2, "{head}");
    let html = crate::meaning::html_text(&p.path().join("out/plan.html"));
    assert!(
        html.contains("Area Area of weakness Actions (number) Progress ratings (number of actions) Impact ratings (number of actions) Overdue (number)"),
        "{html}"
    );
}

/// A KPI rated with no value published (APP04: Red at June 2023 in the 2023
/// plan) prints its rating as the council published it: app-report@3 adds no
/// words of quire's ("(as published)", issue 25) in the PDF or the HTML; the
/// released app-report@2 still says it, as it did.
#[test]
fn a_scorecard_rating_published_without_a_value_prints_as_published_in_pdf_and_html() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/send-app-2023-scorecard.pdf")));
    let row = &pdf[pdf.find("APP04").unwrap()..pdf.find("APP05").unwrap()];
    assert!(row.contains("Red"), "{row}");
    assert!(
        !pdf.contains("(as published)") && !pdf.contains("(as pub"),
        "{pdf}"
    );
    let html = crate::meaning::html_text(&p.path().join("out/send-app-2023-scorecard.html"));
    let row = &html[html.find("APP04").unwrap()..html.find("APP05").unwrap()];
    assert!(row.contains("Red"), "{row}");
    assert!(!html.contains("(as published)"), "{html}");
    // On the released version 2 layout, as released.
    let rel = "content/send-app-2023/plan.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    p.write(
        rel,
        &text.replace("layout: app-report@3", "layout: app-report@2"),
    );
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = crate::meaning::html_text(&p.path().join("out/send-app-2023-scorecard.html"));
    let row = &html[html.find("APP04").unwrap()..html.find("APP05").unwrap()];
    assert!(row.contains("Red (as published)"), "{row}");
}

/// A KPI rating published with no value, in other letters (`green`), is the
/// scale's Green (ratings are matched with case aside): printed, not lost.
#[test]
fn a_published_kpi_rating_in_lower_case_is_printed() {
    let p = Project::fixture("app-small");
    let rel = "content/plan/plan.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let changed = text.replace(
        "      - { date: 2024-10-01, value: 6 }",
        "      - { date: 2024-10-01, published-rag: green }",
    );
    assert_ne!(changed, text);
    p.write(rel, &changed);
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let card = squash(&pdf_text(&p.path().join("out/plan-scorecard.pdf")));
    // Version 3: a cell with nothing published is left empty, and no trend is
    // said where there is none.
    assert!(
        card.contains("T03 Complaints upheld (lower is better) 12 8 Green 1 April 2024 Page"),
        "{card}"
    );
}

/// The scorecard prints the plan's high-impact KPIs a table per area of
/// weakness, in the order the plan lists them (as the council's scorecard
/// does), every table with its columns in the same places; the KPIs listed
/// there are not listed again in the catalogue.
#[test]
fn the_scorecard_prints_a_table_of_high_impact_kpis_per_area() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let card = squash(&pdf_text(&p.path().join("out/send-app-2023-scorecard.pdf")));
    let at = |s: &str| {
        card.find(s)
            .unwrap_or_else(|| panic!("no {s:?} in:\n{card}"))
    };
    let (head, a1, a8, a9, rest) = (
        at("High-impact KPIs by area of weakness"),
        at("Area 1: Parents widely doubt"),
        at("Area 8: Some health services keep"),
        at("Area 9: There are no effective systems"),
        at("Other KPIs in the catalogue"),
    );
    assert!(head < a1 && a1 < a8 && a8 < a9 && a9 < rest);
    // Area 8's table, in the plan's order.
    let area8 = &card[a8..a9];
    let ids: Vec<usize> = ["APP40", "APP41", "APP44-3", "APPSLT-2"]
        .iter()
        .map(|id| {
            area8
                .find(id)
                .unwrap_or_else(|| panic!("{id} not in {area8}"))
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{area8}");
    assert!(!card[rest..].contains("APP40 "), "listed twice");
    assert!(!card.contains("— high impact"), "{card}");
    let html = crate::meaning::html_text(&p.path().join("out/send-app-2023-scorecard.html"));
    assert!(html.contains("Area 8 high-impact KPIs"), "{html}");
}

/// An area's high-impact KPI must be in the catalogue, once.
#[test]
fn an_unknown_or_repeated_high_impact_kpi_is_an_error_at_its_place() {
    let p = Project::fixture("app-small");
    let rel = "content/plan/plan.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    p.write(
        rel,
        &text.replacen(
            "    title: Plans are issued late\n",
            "    title: Plans are issued late\n    high-impact: [T01, T1, T01]\n",
            1,
        ),
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let err = stderr(&o);
    assert!(
        err.contains("area 1 names KPI `T1` as high-impact, but it is not in the catalogue")
            && err.contains("did you mean `T01`?"),
        "{err}"
    );
    assert!(
        err.contains("KPI `T01` is listed twice among area 1's high-impact KPIs"),
        "{err}"
    );
}

/// Issue 25: in the sentences version 3 writes, a count of one to nine is in
/// words ("nine areas of weakness", as councils' house styles write it); the
/// tables keep their figures.
#[test]
fn counts_in_the_reports_sentences_are_words_up_to_nine() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = squash(&pdf_text(&p.path().join("out/send-app-2023.pdf")));
    assert!(
        report.contains(" actions in nine areas of weakness. Progress:"),
        "{report}"
    );
    assert!(!report.contains("actions in 9 areas"), "{report}");
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023.html")).unwrap();
    assert!(
        html.contains("<strong>116 actions in nine areas of weakness.</strong>"),
        "{html}"
    );
    // The summary table's figures stay figures: its last area is 9.
    assert!(html.contains("<tr><th scope=\"row\">9</th>"), "{html}");
}

/// A count of one to nine that opens the headline is a capitalised word, and
/// one area is one area (the plan in app-small: three actions, one area).
#[test]
fn a_headline_that_opens_with_a_count_in_words_is_capitalised() {
    let p = Project::fixture("app-small");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let report = squash(&pdf_text(&p.path().join("out/plan.pdf")));
    assert!(
        report.contains("Three actions in one area of weakness."),
        "{report}"
    );
    let html = std::fs::read_to_string(p.path().join("out/plan.html")).unwrap();
    assert!(
        html.contains("<strong>Three actions in one area of weakness.</strong>"),
        "{html}"
    );
}

/// Review: where the plan's scorecard prints "TBC" in a KPI's RAG column, the
/// scorecard prints TBC (`rag-note: TBC` on the milestone), in the PDF and the
/// HTML page, not an empty cell; no rating is computed for it.
#[test]
fn a_kpi_rag_published_as_tbc_prints_tbc() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(p.path().join("out/send-app-2023-scorecard.pdf"))
        .arg("-")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout).to_string();
    for id in ["APP31", "APP15", "APP34"] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{id} ")))
            .unwrap_or_else(|| panic!("no {id} row:\n{text}"));
        assert!(line.trim_end().ends_with("TBC"), "{line}");
    }
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023-scorecard.html")).unwrap();
    let row = &html[html
        .find("<th scope=\"row\">APP31</th>")
        .expect("APP31 row")..];
    let row = &row[..row.find("</tr>").unwrap()];
    assert!(row.contains("data-label=\"RAG rating\">TBC</td>"), "{row}");
}

/// Review: the partnership risk register's pages after its first say whose
/// they are, as the areas' pages do.
#[test]
fn the_partnership_register_continues_under_its_name() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/send-app-2023.pdf"));
    let first = pages
        .iter()
        .position(|t| t.contains("Partnership risk register\n"))
        .expect("the register");
    assert!(pages.len() > first + 1, "the register fits one page");
    for page in &pages[first + 1..] {
        assert!(
            page.contains("Partnership risk register (continued)"),
            "{page}"
        );
    }
}
