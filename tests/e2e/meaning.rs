//! What is printed is what the data says (issue 11): ids as written, ratings
//! only as published or by a declared rule, figures compared at the precision
//! they were written with, and submitted updates locked whole.

use crate::harness::*;

const RETURN: &str = "content/northshire-sv-2025-26/return.yaml";

fn edit(p: &Project, from: &str, to: &str) {
    let yaml = std::fs::read_to_string(p.path().join(RETURN)).unwrap();
    assert!(yaml.contains(from), "the fixture has no {from:?}");
    p.write(RETURN, &yaml.replacen(from, to, 1));
}

fn code(o: &std::process::Output) -> i32 {
    o.status.code().unwrap_or(-1)
}

#[test]
fn condition_and_risk_numbers_are_kept_as_written() {
    let p = Project::fixture("valve-quarterly");
    edit(
        &p,
        "  - number: 2\n    text: Issue",
        "  - number: 3.10\n    text: Issue",
    );
    edit(
        &p,
        "  - number: 3\n    text: Reduce",
        "  - number: Capital\n    text: Reduce",
    );
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    let (a, b, c) = (
        text.find("Condition 1 ").unwrap_or(usize::MAX),
        text.find("Condition 3.10 ").expect("3.10 as written"),
        text.find("Condition Capital ").expect("Capital as written"),
    );
    assert!(a < b && b < c, "conditions are not in the order written");
    let csv =
        std::fs::read_to_string(p.path().join("out/northshire-sv-2025-26.conditions.csv")).unwrap();
    assert!(
        csv.contains("\n3.10,") && csv.contains("\nCapital,"),
        "{csv}"
    );

    edit(&p, "  - number: Capital", "  - number: 3.10");
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0020]: condition number 3.10 is used twice"),
        "{e}"
    );
    assert!(
        e.contains("help: give each condition the number the return publishes"),
        "{e}"
    );
}

#[test]
fn no_rating_is_computed_without_a_declared_rule() {
    let p = Project::fixture("valve-quarterly");
    edit(&p, "  tolerance: { amber: 0.0, red: 2.0 }\n", "");
    edit(
        &p,
        "{ year: 2026-27, agreement: 0.0,  forecast: 2.6 }",
        "{ year: 2026-27, agreement: 0.0,  forecast: 2.6, rag: Amber }",
    );
    edit(&p, "    rag-rule: { amber-within: 5 }\n", "");
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let csv =
        std::fs::read_to_string(p.path().join("out/northshire-sv-2025-26.deficit.csv")).unwrap();
    assert!(csv.contains("2023-24,18.4,17.9,-0.5,\n"), "{csv}");
    assert!(csv.contains("2026-27,0.0,2.6,2.6,Amber\n"), "{csv}");
    let text = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    assert!(text.contains("not rated"), "{text}");
    // K1 has no rule now: its cells show the figures without a rating.
    assert!(text.contains("K1 Children with an"), "{text}");

    // A declared rule that disagrees with a published rating warns; the
    // published rating is printed.
    let p = Project::fixture("valve-quarterly");
    edit(
        &p,
        "{ year: 2023-24, agreement: 18.4, forecast: 17.9 }",
        "{ year: 2023-24, agreement: 18.4, forecast: 17.9, rag: Red }",
    );
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning[Q0036]: the 2023-24 RAG is published as Red but the declared tolerance gives Green"),
        "{}",
        stderr(&o)
    );
    let csv =
        std::fs::read_to_string(p.path().join("out/northshire-sv-2025-26.deficit.csv")).unwrap();
    assert!(csv.contains("2023-24,18.4,17.9,-0.5,Red\n"), "{csv}");
}

#[test]
fn typed_figures_are_compared_at_the_precision_written() {
    let p = Project::fixture("valve-quarterly");
    // computed 17.9 - 18.4 = -0.5 (more exactly -0.4999…); typed at 3 places.
    edit(
        &p,
        "{ year: 2023-24, agreement: 18.4, forecast: 17.9 }",
        "{ year: 2023-24, agreement: 18.424, forecast: 18.18, variance: -0.224 }",
    );
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(
            "error[Q0035]: the 2023-24 variance is typed as -0.224 but the figures give -0.244"
        ),
        "{e}"
    );
    assert!(
        e.contains("write `{ published: -0.224 }` in its place"),
        "{e}"
    );

    // A published mismatch, once acknowledged, no longer warns.
    let p = Project::fixture("valve-quarterly");
    edit(
        &p,
        "{ year: 2023-24, agreement: 18.4, forecast: 17.9 }",
        "{ year: 2023-24, agreement: 18.4, forecast: 17.9, variance: { published: -0.6 } }",
    );
    let o = p.run(&["check"]);
    assert!(
        stderr(&o).contains("warning[Q0036]: the 2023-24 variance is printed as published (-0.6)"),
        "{}",
        stderr(&o)
    );
    edit(
        &p,
        "variance: { published: -0.6 }",
        "variance: { published: -0.6, acknowledged: \"as submitted to the DfE\" }",
    );
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("Q0036"), "{}", stderr(&o));
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(!stderr(&o).contains("Q0036"), "{}", stderr(&o));
    // `check -v` lists what was acknowledged, with the reason, as a note (not counted).
    let o = p.run(&["check", "-v"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(
        e.contains(
            "note[Q0036]: acknowledged: the 2023-24 variance is printed as published (-0.6), not as the figures give it (-0.5)"
        ),
        "{e}"
    );
    assert!(e.contains("= reason: as submitted to the DfE"), "{e}");
    assert!(
        e.contains("published -0.6, acknowledged; the figures give -0.5"),
        "{e}"
    );
    // Not a warning, and not counted in the summary.
    assert!(
        !e.contains("warning[Q0036]") && !e.contains("(Q0036)"),
        "{e}"
    );
}

#[test]
fn a_submitted_update_is_locked_whole() {
    for (from, to, field) in [
        (
            "forecast: 17.9",
            "forecast: 17.0",
            "deficit 2023-24 forecast",
        ),
        (
            "text: Issue final EHCPs within 20 weeks.",
            "text: Reduce reliance on independent special school placements.",
            "condition 2 text",
        ),
        (
            "title: Assessment officer vacancies",
            "title: Officer vacancies",
            "risk 2 title",
        ),
        (
            "We have a recruitment campaign",
            "We ran a recruitment campaign",
            "risk 2 mitigation",
        ),
        (
            "actuals: { q1: 43.2, q2: 45.4 }",
            "actuals: { q1: 99.9, q2: 45.4 }",
            "kpi K1 actual",
        ),
        (
            "values: [228, 1512, 1340, 688]",
            "values: [228, 1512, 1341, 688]",
            "ehcp Actual January 2025 12 to 16",
        ),
        (
            "assurance: { q1: Low, q2: Medium }",
            "assurance: { q1: Medium, q2: Medium }",
            "condition 2 assurance",
        ),
    ] {
        let p = Project::fixture("valve-quarterly");
        assert_eq!(code(&p.run(&["lock"])), 0);
        edit(&p, from, to);
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(code(&o), 1, "{field}: {e}");
        // A field "as at" an update (the forecast, the EHCP counts) is the
        // current update's (Q2); the rest is Q1's record as submitted.
        let update = if field.starts_with("ehcp ") || field.ends_with(" forecast") {
            "Q2"
        } else {
            "Q1"
        };
        assert!(
            e.contains(&format!(
                "error[Q0037]: {field} of `{update}` changed after the update was submitted and locked"
            )),
            "{field}: {e}"
        );
        assert!(
            e.contains("= submitted:") && e.contains("= now:"),
            "{field}: {e}"
        );
        // Locking again never re-records a submitted value.
        let o = p.run(&["lock"]);
        assert_eq!(code(&o), 1, "{field}: {}", stderr(&o));
        assert!(
            stderr(&o).contains("differs from what was locked"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_deliberate_change_is_recorded_as_an_amendment() {
    let p = Project::fixture("valve-quarterly");
    assert_eq!(code(&p.run(&["lock"])), 0);
    edit(&p, "forecast: 17.9", "forecast: 17.0");
    let o = p.run(&[
        "lock",
        "--amend",
        "deficit 2023-24 forecast",
        "--reason",
        "DfE asked for the audited outturn",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("amended deficit 2023-24 forecast of Q2"),
        "{}",
        stderr(&o)
    );
    let lock =
        std::fs::read_to_string(p.path().join("content/northshire-sv-2025-26/quire.lock")).unwrap();
    for want in [
        "\"field\": \"deficit 2023-24 forecast\"",
        "\"old\": \"17.9\"",
        "\"new\": \"17\"",
        "\"reason\": \"DfE asked for the audited outturn\"",
    ] {
        assert!(lock.contains(want), "{want} missing from {lock}");
    }
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Amending what did not change is refused.
    let o = p.run(&["lock", "--amend", "risk 1 title", "--reason", "x"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("nothing to amend"), "{}", stderr(&o));
}

/// The demo plan declares no overdue rule (its key has no such status), so
/// none is computed; pinned to `app-report@2`, which applied a rule of its own,
/// it keeps that layout's rule: actions not rated complete are overdue.
#[test]
fn only_actions_not_rated_complete_are_overdue() {
    let p = Project::demo();
    let o = p.run(&["check", "send-app-2023", "-v"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    assert_eq!(e.matches("warning[Q0027]").count(), 0, "{e}");
    let path = "content/send-app-2023/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace("layout: app-report@3\n", "layout: app-report@2\n"),
    );
    let o = p.run(&["check", "send-app-2023", "-v"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    // The council's key: Green ("action completed") and Blue ("embedded") are complete.
    assert_eq!(e.matches("warning[Q0027]").count(), 15, "{e}");
    for done in ["action 1C1 ", "action 3A1 "] {
        assert!(!e.contains(done), "{done} is complete but reported overdue");
    }
    assert!(e.contains("action 1A2 "), "{e}");
}

#[test]
fn money_is_written_as_gov_uk_writes_it_and_bad_arguments_are_errors() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/01-position.md",
        "# Position\n\nA {{ 12345678 | money }}, b {{ 12.3456 | money(unit=\"million\") }}, c {{ 1234.5 | money(unit=\"m\") }}, d {{ 800 | money(unit=\"k\") }}, e {{ 12.345 | money(unit=\"£m\", places=2) }}.\n",
    );
    let o = p.run(&["build"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    assert!(
        text.contains(
            "A £12,345,678, b £12.3 million, c £1.2 billion, d £800,000, e £12.35 million."
        ),
        "{text}"
    );
    for (call, says) in [
        ("money(unit=\"foo\")", "`foo` is not a unit money knows"),
        ("money(unit=\"bn\", places=7)", "at most 3 decimal places"),
        ("money(units=\"m\")", "unknown keyword argument"),
    ] {
        p.write(
            "content/budget-2025/01-position.md",
            &format!("# Position\n\nA {{{{ 5 | {call} }}}}.\n"),
        );
        let o = p.run(&["check"]);
        assert_eq!(code(&o), 1, "{call}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{call}: {}", stderr(&o));
        assert!(stderr(&o).contains("01-position.md:3:"), "{}", stderr(&o));
    }
}

#[test]
fn prose_in_another_house_style_is_a_located_warning() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/01-position.md",
        "# Position\n\nIn 2024/25 we spent £12.3m; on 01 August 2024 we met.\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("warning[Q0046]: `2024/25` is written in another style than this project's financial years (2024-25)"), "{e}");
    assert!(e.contains("01-position.md:3:4"), "{e}");
    assert!(
        e.contains("warning[Q0046]: `£12.3m` abbreviates a sum of money"),
        "{e}"
    );
    assert!(
        e.contains("help: write `£12.3 million` (GOV.UK style)"),
        "{e}"
    );
    assert!(
        e.contains("warning[Q0046]: `01 August` has a leading zero"),
        "{e}"
    );
}

/// Another council's documents (tests/fixtures/second-council): nothing of the
/// demo's council is assumed.
#[test]
fn a_second_council_builds_in_its_own_terms() {
    let p = Project::fixture("second-council");
    let o = p.run(&["build"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    // Only the action not rated complete is overdue (Green means complete here).
    assert_eq!(e.matches("warning[Q0027]").count(), 1, "{e}");
    assert!(e.contains("action 1A2 was due by 01 December 2024"), "{e}");

    let sv = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    for want in [
        "Condition 2 ",
        "Condition 3.1 ",
        "Condition 3.2 ",
        "Condition Capital ",
        "2024/25 9.6 9.2 −0.4 not rated",
        "2025/26 6.1 6.3 0.2 Amber",
    ] {
        assert!(sv.contains(want), "missing {want:?} in:\n{sv}");
    }
    let ratings =
        std::fs::read_to_string(p.path().join("out/wessex-sv-2025-26.risk-ratings.csv")).unwrap();
    assert!(
        ratings.contains(
            "1,Building costs rise,Capital,Places open later than planned,Reduce,High,\n"
        ),
        "{ratings}"
    );
    let kpi = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    // W1 by its declared rule (412 misses 400 by 3%, within 10%): Amber; W2 as published.
    // Each KPI's row (between its id and the next) holds its figures and rating.
    let w1 = &kpi[kpi.find("W1 New EHCPs").expect("W1 row")..];
    let w2 = &w1[w1.find("W2 Share of EHCPs").expect("W2 row")..];
    let w1 = &w1[..w1.len() - w2.len()];
    let w2 = &w2[..w2
        .find("RAG rules:")
        .expect("the RAG rules after the table")];
    assert!(w1.contains("400 / 412") && w1.contains("Amber"), "{w1}");
    assert!(
        // The target as the council typed it (40.0).
        w2.contains("40.0 / 36") && w2.contains("Amber (as") && w2.contains("published)"),
        "{w2}"
    );
    // Only the rule the council declared is printed, for the KPI it declared it for.
    assert!(
        kpi.contains(
            "RAG rules: W1: Green meets the target; Amber misses it by no more than 10% of it"
        ),
        "{kpi}"
    );
    assert!(!kpi.contains("within 5%"), "{kpi}");

    let risk = squash(&pdf_text(&p.path().join("out/wessex-risk-2025.pdf")));
    for want in [
        "CR-1a: Budget gap",
        "Capital: Capital programme slips",
        "Current Possible (3) Major (4) 12 (High)",
        "Target residual Unlikely (2) Serious (3) 6 (Medium)",
    ] {
        assert!(risk.contains(want), "missing {want:?} in:\n{risk}");
    }

    let card = squash(&pdf_text(
        &p.path().join("out/wessex-app-2025-scorecard.pdf"),
    ));
    for want in ["Inspection March 2024", "December", "September 2024", "Red"] {
        assert!(card.contains(want), "missing {want:?} in:\n{card}");
    }
    let app = squash(&pdf_text(&p.path().join("out/wessex-app-2025.pdf")));
    assert!(app.contains("18th") && app.contains("November"), "{app}");
}

#[test]
fn the_return_lists_its_amendments_since_submission() {
    let p = Project::fixture("second-council");
    assert_eq!(code(&p.run(&["lock", "wessex-sv-2025-26"])), 0);
    let path = "content/wessex-sv-2025-26/return.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replace("forecast: 6.3, rag: Amber", "forecast: 6.4, rag: Amber"),
    );
    assert_eq!(code(&p.run(&["build", "wessex-sv-2025-26"])), 1);
    let o = p.run(&[
        "lock",
        "--amend",
        "deficit 2025-26 forecast",
        "--reason",
        "corrected at the DfE's request",
        "wessex-sv-2025-26",
    ]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["build", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    assert!(text.contains("Amendments since submission"), "{text}");
    assert!(
        text.contains("6.3 → 6.4 corrected at the DfE's request"),
        "{text}"
    );
    assert!(text.contains("deficit 2025-26"), "{text}");
}

#[test]
fn a_cover_field_the_paper_does_not_give_is_not_invented() {
    // The demo paper does not say whether it is a key decision (nor does its source).
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/cype-risk-2019.pdf")));
    assert!(!text.contains("Key decision"), "{text}");
    let html = std::fs::read_to_string(p.path().join("out/cype-risk-2019.html")).unwrap();
    assert!(!html.contains("Key decision"));
}

/// Text of an HTML page as a reader sees it: tags dropped, entities decoded, spaces squashed.
pub fn html_text(path: &std::path::Path) -> String {
    let s = std::fs::read_to_string(path).unwrap();
    let s = &s[s.find("<body").expect("a body")..];
    let mut out = String::new();
    let mut in_tag = false;
    for c in s.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    squash(&decode_entities(&out))
}

/// Decodes the character references minijinja's HTML escaping writes.
fn decode_entities(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let end = rest.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| {
            let name = &rest[1..e];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "nbsp" => Some(' '),
                _ => name
                    .strip_prefix("#x")
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// A register may rate risks in words from its own scale (best to worst), beside
/// likelihood × impact: words are counted by rating, never placed on the heat map,
/// and move only against a declared previous rating.
#[test]
fn a_register_rates_risks_in_words_beside_numbers() {
    let p = Project::fixture("second-council");
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/wessex-risk-2025.pdf")));
    let html = html_text(&p.path().join("out/wessex-risk-2025.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        for want in [
            // Words and numbers in one summary profile; a missing rating in the project's words.
            "CR-1a Budget gap 12 (High) 6 (Medium)",
            "CR-10 Recruitment of social workers High Moderate ↑ increased from Moderate",
            "CR-9 Data protection breach Low not rated",
            "CR-11 Supplier failure not rated not rated",
            // No snapshot and no declared previous rating: no direction is invented.
            "– no previous rating",
            "Rated in words, so not placed on the heat map: CR-10, CR-9.",
            // The scale as declared, best to worst, with its meanings.
            "Low Managed within the service Moderate Needs director attention High Reported to Cabinet monthly",
            // The council's own fields.
            "Risk group Workforce",
            "Impact Caseloads above the agreed limit",
            "Strategy Treat",
            "Previous Moderate Current High Target residual Moderate",
        ] {
            // pdftotext puts the arrow in brackets: "↑ (increased from Moderate)".
            let t = text.replace(['(', ')'], "");
            let w = want.replace(['(', ')'], "");
            assert!(t.contains(&w), "{what}: missing {want:?} in:\n{text}");
        }
    }
    // Band counts, as the tables engine counts them: numbers by band, words by
    // rating (marked beside the bands, whose names they share), those not
    // rated and the open risks (current and target).
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        assert!(
            text.contains("Open risks by band and rating: Corporate risk register"),
            "{what}: {text}"
        );
        assert!(
            text.contains("Band Current Target Low (scores 1–4) 1 0 Medium (scores 5–8) 0 1 High (scores 9–16) 1 0 Low (in words) 1 0 Moderate (in words) 0 1 High (in words) 1 0 Not rated 1 3 Open risks 5 5"),
            "{what}: {text}"
        );
    }
    // Only numeric risks are on the heat map (between its caption and the next's).
    let map = &pdf[pdf.find("Table 1").unwrap()..pdf.find("Table 2").unwrap()];
    assert!(map.contains("CR-1a") && map.contains("Capital"), "{map}");
    assert!(!map.contains("CR-10") && !map.contains("CR-9"), "{map}");

    // A register rated only in words has no scales, band key or heat map, and says so.
    let pdf = squash(&pdf_text(
        &p.path().join("out/wessex-service-risk-2025.pdf"),
    ));
    let html = html_text(&p.path().join("out/wessex-service-risk-2025.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        let t = text.replace(['(', ')'], "");
        for want in [
            "AS-2 Care market capacity Moderate Low ↔ unchanged",
            "AS-10 Assessment backlog Moderate not rated ↓ reduced from High",
            "from the previous rating",
            "No open risk in this register is rated by likelihood and impact, so there is no heat map.",
            // Rated only in words: counted by rating, no band rows.
            "Open risks by rating: Adult services risk register",
            "Rating Current Target Low 0 1 Moderate 2 0 High 0 0 Not rated 0 1 Open risks 2 2",
        ] {
            assert!(t.contains(want), "{what}: missing {want:?} in:\n{text}");
        }
        for unwanted in [
            "Likelihood and impact scales",
            "Risk bands",
            "Score (band)",
            "Rare",
            // Its heading names what is there: no heat map, the counts by rating.
            "Heat maps",
        ] {
            assert!(!text.contains(unwanted), "{what}: {unwanted:?} in:\n{text}");
        }
    }
}

#[test]
fn a_rating_in_words_must_be_on_the_declared_scale() {
    let p = Project::fixture("second-council");
    let path = "content/registers/adults.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(
        path,
        &yaml.replacen(
            "    current: Moderate\n    target: Low",
            "    current: Severe\n    target: Low",
            1,
        ),
    );
    // The adult services register rates in the project's words.
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(e.contains("error[Q"), "{e}");
    assert!(e.contains("`Severe` is not on the risk scale"), "{e}");
    assert!(e.contains("expected one of: Low, Moderate, High"), "{e}");
    // Neither the corporate register nor the project declares words.
    for (file, end) in [
        ("content/registers/corporate.yaml", "risks:"),
        ("quire.yaml", "brag-scale:"),
    ] {
        let yaml = std::fs::read_to_string(p.path().join(file)).unwrap();
        let start = yaml.find("risk-scale:").unwrap();
        let end = yaml.find(end).unwrap();
        p.write(file, &format!("{}{}", &yaml[..start], &yaml[end..]));
    }
    let o = p.run(&["check"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains(
            "the current rating is written in words, but this register declares no `risk-scale`"
        ),
        "{e}"
    );
    assert!(
        e.contains("help: declare the words under `risk-scale:`"),
        "{e}"
    );
}

/// Scales declared once in `quire.yaml` (words for risks, BRAG with what counts as
/// complete, KPI RAG) serve every register and plan that declares none; a document's
/// own declaration wins, whole; a word twice in one scale is a located error.
#[test]
fn scales_declared_once_serve_every_document_that_declares_none() {
    let p = Project::fixture("second-council");
    let o = p.run(&["build", "--format", "all"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    // The plan declares no BRAG scale: the project's says Green is complete, so 1A1
    // (Green, past its date) is not overdue and 1A2 (Amber) is.
    assert_eq!(e.matches("warning[Q0027]").count(), 1, "{e}");
    assert!(e.contains("action 1A2 "), "{e}");
    assert!(!e.contains("action 1A1 "), "{e}");
    let app = squash(&pdf_text(&p.path().join("out/wessex-app-2025.pdf")));
    for want in [
        "Action completed.",
        "Embedded and sustained.",
        "Target met.",
    ] {
        assert!(
            app.contains(want),
            "the project's key: missing {want:?} in:\n{app}"
        );
    }
    // The adult services register rates in the project's words (which give no
    // meanings); the corporate register's own scale, with its meanings, wins there.
    let adults = squash(&pdf_text(
        &p.path().join("out/wessex-service-risk-2025.pdf"),
    ));
    assert!(
        adults.contains("AS-2 Care market capacity Moderate Low"),
        "{adults}"
    );
    assert!(!adults.contains("Managed within the service"), "{adults}");
    let corp = squash(&pdf_text(&p.path().join("out/wessex-risk-2025.pdf")));
    assert!(corp.contains("Low Managed within the service"), "{corp}");

    // A plan's own scale wins, whole: here Green is not complete, so 1A1 is overdue too.
    let plan = "content/wessex-app-2025/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(plan)).unwrap();
    p.write(
        plan,
        &yaml.replacen(
            "areas:",
            "brag-scale:\n  - { name: Red, colour: \"#f4a3a3\", progress: Off track., impact: None. }\n  - { name: Amber, colour: \"#ffd966\", progress: On track., impact: Some. }\n  - { name: Green, colour: \"#8fd19e\", progress: Nearly done., impact: Early. }\n  - { name: Blue, colour: \"#9dc3e6\", progress: Completed., impact: Sustained., complete: true }\nareas:",
            1,
        ),
    );
    let o = p.run(&["check", "wessex-app-2025", "-v"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 0, "{e}");
    assert_eq!(e.matches("warning[Q0027]").count(), 2, "{e}");
    assert!(
        e.contains("action 1A1 was due by 18th November 2024"),
        "{e}"
    );

    // A return's assurance scale may be declared once too: moved from the return to
    // quire.yaml (with meanings only there), the return still builds and its key
    // prints the project's words and meanings.
    let sv = "content/wessex-sv-2025-26/return.yaml";
    let sv_yaml = std::fs::read_to_string(p.path().join(sv)).unwrap();
    let own = "assurance-scale:\n  - { name: On track, colour: \"#a9dcc0\" }\n  - { name: At risk, colour: \"#f9d9a6\" }\n  - { name: Off track, colour: \"#e8a6b8\" }\n";
    assert!(sv_yaml.contains(own), "{sv_yaml}");
    p.write(sv, &sv_yaml.replacen(own, "", 1));
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    p.write(
        "quire.yaml",
        &format!(
            "{q}{}",
            own.replace("\" }", "\", meaning: Declared for the project }")
        ),
    );
    let o = p.run(&["build", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    assert!(
        text.contains("On track (Declared for the project)"),
        "{text}"
    );
    // Declared in neither place, it is missing.
    p.write("quire.yaml", &q);
    let o = p.run(&["check", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(
        stderr(&o).contains("missing field `assurance-scale`"),
        "{}",
        stderr(&o)
    );
    p.write(sv, &sv_yaml);

    // The same word twice in one scale, in quire.yaml or in a document: located errors.
    p.write(
        "quire.yaml",
        &q.replacen(
            "  - { name: High, colour: \"#e8a6b8\" }",
            "  - { name: High, colour: \"#e8a6b8\" }\n  - { name: high, colour: \"#e8a6b8\" }",
            1,
        ),
    );
    p.write(plan, &yaml);
    let corp_file = "content/registers/corporate.yaml";
    let c = std::fs::read_to_string(p.path().join(corp_file)).unwrap();
    p.write(
        corp_file,
        &c.replacen("{ name: Moderate, colour", "{ name: Low, colour", 1),
    );
    let o = p.run(&["check"]);
    let e = stderr(&o);
    assert_eq!(code(&o), 1, "{e}");
    for want in [
        "`high` is declared twice in the risk scale",
        "quire.yaml:",
        "`Low` is declared twice in the risk scale",
        "content/registers/corporate.yaml:",
        "first declared here",
        "help: give each rating of `risk-scale` its own word",
    ] {
        assert!(e.contains(want), "missing {want:?} in:\n{e}");
    }
}

/// A KPI's annual target is printed as written and never rated: the declared
/// `rag-rule` compares each update's actual with that update's target, and no rule
/// the author can declare covers the annual target, so no rating is invented for it.
#[test]
fn an_annual_target_is_not_rated_without_a_rule_that_covers_it() {
    let p = Project::fixture("second-council");
    // 412 against an annual target of 300 would be Red by W1's rule (over by more
    // than 10%); against the update's target of 400 it is Amber.
    edit_wessex(&p, "    annual-target: 380", "    annual-target: 300");
    let o = p.run(&["build", "--format", "all", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    let html = html_text(&p.path().join("out/wessex-sv-2025-26.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        let w1 = &text[text.find("W1 New EHCPs").expect("W1 row")..];
        let w1 = &w1[..w1.find("W2 Share of EHCPs").expect("W2 row")];
        assert!(w1.contains("Annual target: 300"), "{what}: {w1}");
        assert!(
            w1.contains("400 / 412") && w1.contains("Amber"),
            "{what}: {w1}"
        );
        assert!(
            !w1.contains("Red"),
            "{what}: an annual rating was invented: {w1}"
        );
    }
    let csv = std::fs::read_to_string(p.path().join("out/wessex-sv-2025-26.kpis.csv")).unwrap();
    let row = csv
        .lines()
        .find(|l| l.starts_with("W1,"))
        .expect("W1 in the CSV");
    assert!(row.contains(",300,"), "{row}");
    assert!(!row.contains("Red"), "{row}");
}

/// Where a rating is missing, the PDF and the HTML print the project's `not-rated`
/// words (an action's progress in the area counts and its cells, a condition's
/// assurance for a past update), never a fixed English phrase.
#[test]
fn a_missing_rating_prints_the_projects_words_everywhere() {
    let p = Project::fixture("second-council");
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    p.write(
        "quire.yaml",
        &q.replacen(
            "  negative-money: minus\n",
            "  negative-money: minus\n  not-rated: awaiting rating\n",
            1,
        ),
    );
    let plan = "content/wessex-app-2025/plan.yaml";
    let yaml = std::fs::read_to_string(p.path().join(plan)).unwrap();
    assert!(yaml.contains("            progress: Amber\n"));
    p.write(plan, &yaml.replacen("            progress: Amber\n", "", 1));
    edit_wessex(&p, "    assurance: { u1: On track }\n", "");
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    for doc in ["wessex-app-2025", "wessex-sv-2025-26"] {
        let pdf = squash(&pdf_text(&p.path().join(format!("out/{doc}.pdf"))));
        let html = html_text(&p.path().join(format!("out/{doc}.html")));
        for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
            assert!(
                !text.to_lowercase().contains("not rated"),
                "{doc} {what}: a fixed phrase for a missing rating:\n{text}"
            );
            assert!(text.contains("awaiting rating"), "{doc} {what}:\n{text}");
            if doc == "wessex-app-2025" {
                assert!(text.contains("Awaiting rating 1"), "{doc} {what}:\n{text}");
            }
        }
    }
}

/// A return of any council: its own title, subtitle, data date, appendices,
/// background documents and contact, each printed only when given; update labels
/// as published; KPIs with baseline, annual target, published RAG and comment in
/// the PDF, the HTML, the CSV and the workbook.
#[test]
fn a_return_carries_its_own_front_matter_and_kpis_everywhere() {
    use calamine::{Data, Reader, Xlsx};
    let p = Project::fixture("second-council");
    let o = p.run(&["build", "--format", "all", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    let html = html_text(&p.path().join("out/wessex-sv-2025-26.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        for want in [
            "Safety Valve agreement monitoring report",
            "Dedicated Schools Grant high needs block, report to the Department for",
            "Update Update 1 (May/June)",
            "Data as at 31st May 2025",
            "Summary of progress as at Update 1 (May/June) 2025/26",
            "Baseline: 455 (2024/25 outturn)",
            "Annual target: 380",
            "400 / 412",
            "Amber (as",
            "W1 Update 1 (May/June) Two more panels a month from July.",
            "Appendices",
            "Appendix 1: Deficit management plan",
            "Background documents",
            "Safety Valve agreement, March 2024",
            "Cabinet report on high needs, 12 February 2025",
            "Name Priya Shah",
            "Role Head of SEND Finance",
            "Email priya.shah@example.org",
            "Telephone 01632 960 123",
        ] {
            assert!(text.contains(want), "{what}: missing {want:?} in:\n{text}");
        }
        // The template's heading gives way to the council's own title.
        assert!(
            !text.contains("Safety Valve monitoring template"),
            "{what}: {text}"
        );
        // No invented RAG rule in either edition.
        assert!(!text.contains("within 5%"), "{what}: {text}");
    }
    let html_src = std::fs::read_to_string(p.path().join("out/wessex-sv-2025-26.html")).unwrap();
    assert!(
        decode_entities(&html_src)
            .contains("<a href=\"https://example.org/wessex/safety-valve-agreement\">"),
        "the background document's link"
    );

    let csv = std::fs::read_to_string(p.path().join("out/wessex-sv-2025-26.kpis.csv")).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "kpi,measure,unit,polarity,baseline,baseline_label,annual_target,\
         target Update 1 (May/June),actual Update 1 (May/June),rag Update 1 (May/June),\
         rag_source Update 1 (May/June),comment Update 1 (May/June),\
         target Update 2 (October),actual Update 2 (October),rag Update 2 (October),\
         rag_source Update 2 (October),comment Update 2 (October)"
    );
    assert_eq!(
        lines.next().unwrap(),
        "W1,New EHCPs issued,count,lower,455,2024/25 outturn,380,400,412,Amber,declared rule,Two more panels a month from July.,,,,,"
    );
    assert_eq!(
        lines.next().unwrap(),
        "W2,Share of EHCPs in mainstream,%,higher,,,,40,36,Amber,published,,,,,,"
    );

    let mut wb: Xlsx<_> =
        calamine::open_workbook(p.path().join("out/wessex-sv-2025-26.xlsx")).unwrap();
    let ws = wb.worksheet_range("KPIs").expect("a KPIs sheet");
    let cell = |r: u32, c: u32| ws.get_value((r, c)).cloned().unwrap_or(Data::Empty);
    assert_eq!(cell(0, 0), Data::String("kpi".into()));
    assert_eq!(cell(1, 0), Data::String("W1".into()));
    assert_eq!(cell(1, 4), Data::Float(455.0));
    assert_eq!(cell(1, 6), Data::Float(380.0));
    assert_eq!(cell(1, 8), Data::Float(412.0));
    assert_eq!(cell(1, 9), Data::String("Amber".into()));
    assert_eq!(
        cell(1, 11),
        Data::String("Two more panels a month from July.".into())
    );
    assert_eq!(cell(2, 10), Data::String("published".into()));
}

/// Front matter not given is not printed: the demo-shaped return has none.
#[test]
fn a_return_prints_no_front_matter_it_does_not_give() {
    let p = Project::fixture("valve-quarterly");
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    let html = html_text(&p.path().join("out/northshire-sv-2025-26.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        assert!(text.contains("Safety Valve monitoring template"), "{what}");
        for absent in [
            "Data as at",
            "Background documents",
            "Appendices",
            "Telephone",
            "Baseline",
            "Annual target",
        ] {
            assert!(
                !text.contains(absent),
                "{what}: {absent:?} printed but not given:\n{text}"
            );
        }
    }
}

/// No line ends between a sign and its sum: 400 signed sums among words of
/// varying length land at every point of a line (before the fix, 33 lines of this
/// paper ended with a bare "−").
#[test]
fn a_sign_is_never_left_at_the_end_of_a_line() {
    let p = Project::fixture("minimal");
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    p.write(
        "quire.yaml",
        &format!("{q}defaults:\n  negative-money: minus\n"),
    );
    let yaml = std::fs::read_to_string(p.path().join("content/budget-2025/paper.yaml")).unwrap();
    p.write(
        "content/budget-2025/paper.yaml",
        &yaml.replace("data:\n", "data:\n  neg: -12.5\n"),
    );
    let words = [
        "a", "an", "the", "sum", "forecast", "variance", "reported", "overall",
    ];
    let mut md = String::from("# Position\n\n");
    let mut seed: u32 = 7;
    for i in 0..400 {
        for _ in 0..(1 + i % 4) {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            md.push_str(words[(seed >> 16) as usize % words.len()]);
            md.push(' ');
        }
        md.push_str(if i % 3 == 0 {
            "{{ data.neg | money(unit=\"m\") }} "
        } else if i % 3 == 1 {
            "{{ data.neg | money }} "
        } else {
            "+£0.9m "
        });
    }
    p.write("content/budget-2025/01-position.md", &md);
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = pdf_text(&p.path().join("out/budget-2025.pdf"));
    let figures = text.matches("−£12.5").count() + text.matches("+£0.9m").count();
    assert!(
        figures >= 390,
        "the sums are not all in the text ({figures}):\n{text}"
    );
    let broken: Vec<&str> = text
        .lines()
        .filter(|l| l.trim_end().ends_with(['−', '+', '£']))
        .collect();
    assert!(broken.is_empty(), "lines ending in a sign: {broken:?}");
    assert!(
        !text.contains('\u{2060}'),
        "no invisible characters in the text"
    );
    let html = std::fs::read_to_string(p.path().join("out/budget-2025.html")).unwrap();
    assert!(
        html.contains("<span class=\"nw\">−£12</span>"),
        "no nowrap span"
    );
    assert!(
        html.contains("<span class=\"nw\">+£0.9m</span>"),
        "no nowrap span"
    );
}

/// Whether `text` names the tool: the word "quire" on its own (any case), not
/// inside another word ("require", "acquired").
fn names_the_tool(text: &str) -> Option<String> {
    let lower = text.to_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find("quire") {
        let at = from + i;
        let before = lower[..at].chars().next_back();
        let after = lower[at + 5..].chars().next();
        if !before.is_some_and(char::is_alphanumeric) && !after.is_some_and(char::is_alphanumeric) {
            let start = lower[..at]
                .char_indices()
                .rev()
                .nth(40)
                .map_or(0, |(i, _)| i);
            let end = lower[at..]
                .char_indices()
                .nth(45)
                .map_or(lower.len(), |(i, _)| at + i);
            return Some(lower[start..end].to_string());
        }
        from = at + 5;
    }
    None
}

/// Every output of a built project except the manifest: PDF text, HTML, CSV and
/// the strings of each workbook (every XML part, document properties included).
fn scan_outputs(out: &std::path::Path, scanned: &mut Vec<String>, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(out).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let text = match path.extension().and_then(|e| e.to_str()) {
            Some("pdf") => pdf_text(&path),
            Some("html") | Some("csv") => std::fs::read_to_string(&path).unwrap(),
            Some("xlsx") => {
                let o = std::process::Command::new("python3")
                    .args([
                        "-c",
                        "import sys,zipfile;z=zipfile.ZipFile(sys.argv[1]);print('\\n'.join(z.read(n).decode('utf-8','replace') for n in z.namelist()))",
                    ])
                    .arg(&path)
                    .output()
                    .unwrap();
                assert!(o.status.success(), "cannot read {name}");
                String::from_utf8_lossy(&o.stdout).to_string()
            }
            // manifest.json and the lock are the archive's records, not outputs.
            _ => continue,
        };
        scanned.push(name.clone());
        if let Some(ctx) = names_the_tool(&text) {
            found.push(format!("{name}: …{ctx}…"));
        }
    }
}

#[test]
fn the_word_for_the_tool_is_recognised_only_on_its_own() {
    assert!(names_the_tool("computed by quire from").is_some());
    assert!(names_the_tool("QUIRE").is_some());
    assert!(names_the_tool("made with quire.").is_some());
    assert!(names_the_tool("the act requires it; acquired; Quirey").is_none());
}

/// No demo or fixture output names the tool: every demo document (with the pack)
/// and every fixture document that builds, in every format. (No fixture is pinned
/// to the frozen v1 layouts, which print "computed by quire": the one that was,
/// valve-quarterly, is not about archiving and uses v2. The archive test pins a
/// copy of a fixture to v1 in its own temporary project.)
#[test]
fn no_demo_or_fixture_output_names_the_tool() {
    let (mut scanned, mut found) = (Vec::new(), Vec::new());

    let p = Project::demo();
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = p.run(&["pack"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    scan_outputs(&p.path().join("out"), &mut scanned, &mut found);

    let fixtures = repo().join("tests/fixtures");
    let mut names: Vec<_> = std::fs::read_dir(&fixtures)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    names.sort();
    let mut built = Vec::new();
    for name in names {
        if name == "version-1" {
            // Its documents are on the released version 1 layouts, which say
            // "computed by quire": they are frozen for the papers archived on
            // them (version 2 no longer names the tool).
            continue;
        }
        let p = Project::fixture(&name);
        if name == "tables-valid" {
            // Its workbook is written by the tests (a binary file is not kept in git).
            crate::tables::write_ehcp(&p.path().join("content/dsg-2025/ehcp.xlsx"), 455.0, None);
        }
        let Ok(docs) = std::fs::read_dir(p.path().join("content")) else {
            continue;
        };
        let mut docs: Vec<_> = docs
            .map(|e| e.unwrap().path())
            .filter(|d| {
                ["paper.yaml", "return.yaml", "plan.yaml", "appendix.yaml"]
                    .iter()
                    .any(|f| d.join(f).exists())
            })
            .collect();
        docs.sort();
        for d in docs {
            let doc = d.file_name().unwrap().to_string_lossy().to_string();
            // A fixture's invalid documents are there to fail; every valid one is
            // scanned, in every format it has (a report template has no HTML edition).
            if code(&p.run(&["build", "--format", "all", &doc])) == 0
                || code(&p.run(&["build", &doc])) == 0
            {
                built.push(format!("{name}/{doc}"));
            }
        }
        if p.path().join("out").exists() {
            scan_outputs(&p.path().join("out"), &mut scanned, &mut found);
        }
    }
    // The scan covers what it must: the demo's four documents and its pack, and
    // the fixtures' valid documents of every kind, in every format.
    for must in [
        "cype-risk-2019.pdf",
        "cype-risk-2019.html",
        "kent-sv-2024-25-q1.pdf",
        "kent-sv-2024-25-q1.xlsx",
        "kent-sv-2024-25-q1.deficit.csv",
        "send-app-2023.pdf",
        "send-app-2023-scorecard.pdf",
        "send-sub-2023-09-pack.pdf",
        "northshire-sv-2025-26.pdf",
        "northshire-sv-2025-26.kpis.csv",
        "wessex-sv-2025-26.xlsx",
        "wessex-risk-2025.html",
        "dsg-2025.xlsx",
        "options-appraisal.pdf",
        "library-review.pdf",
    ] {
        assert!(
            scanned.iter().any(|s| s == must),
            "{must} was not scanned; scanned: {scanned:?}; built: {built:?}"
        );
    }
    assert!(
        found.is_empty(),
        "outputs name the tool:\n{}",
        found.join("\n")
    );
}

const WESSEX: &str = "content/wessex-sv-2025-26/return.yaml";

fn edit_wessex(p: &Project, from: &str, to: &str) {
    let yaml = std::fs::read_to_string(p.path().join(WESSEX)).unwrap();
    assert!(yaml.contains(from), "the fixture has no {from:?}");
    p.write(WESSEX, &yaml.replacen(from, to, 1));
}

/// Every kind of field of a submitted update is locked: figures, texts, ratings
/// (assurance, RAGs as published, risks' ratings in words), KPI targets, actuals,
/// baselines and comments, risks' own fields, the sign-off and the data date;
/// removing or adding one is caught as well as changing it.
#[test]
fn every_kind_of_field_is_locked() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // figures
        (
            "agreement: 9.6",
            "agreement: 9.7",
            "deficit 2024-25 agreement",
            "changed",
        ),
        (
            "forecast: 6.3, rag: Amber",
            "forecast: 6.3, rag: Red",
            "deficit 2025-26 rag",
            "changed",
        ),
        (
            "targets: { u1: 400 }",
            "targets: { u1: 390 }",
            "kpi W1 target",
            "changed",
        ),
        (
            "actuals: { u1: 36.0 }",
            "actuals: { u1: 37.0 }",
            "kpi W2 actual",
            "changed",
        ),
        (
            "baseline: { value: 455,",
            "baseline: { value: 456,",
            "kpi W1 baseline",
            "changed",
        ),
        (
            "annual-target: 380",
            "annual-target: 370",
            "kpi W1 annual target",
            "changed",
        ),
        // ratings
        (
            "rag: { u1: Amber }",
            "rag: { u1: Red }",
            "kpi W2 rag",
            "changed",
        ),
        (
            "rating: { u1: High }",
            "rating: { u1: Moderate }",
            "risk 1 rating",
            "changed",
        ),
        (
            "    assurance: { u1: Off track }",
            "    assurance: { u1: At risk }",
            "condition Capital assurance",
            "changed",
        ),
        // texts
        ("We remain within", "We are within", "summary", "changed"),
        (
            "The first provision opens in September",
            "The first provision opens in October",
            "condition 3.1 progress",
            "changed",
        ),
        (
            "comment: { u1: Two more panels a month from July. }",
            "comment: { u1: Two more panels a month. }",
            "kpi W1 comment",
            "changed",
        ),
        (
            "data-as-at: 31st May 2025",
            "data-as-at: 1st June 2025",
            "data as at",
            "changed",
        ),
        // risks' own fields
        (
            "strategy: Accept",
            "strategy: Tolerate",
            "risk 2 strategy",
            "changed",
        ),
        ("    group: Capital\n", "", "risk 1 group", "removed"),
        (
            "    rag: { u1: Amber }\n",
            "    rag: { u1: Amber }\n    comment: { u1: Census date moved. }\n",
            "kpi W2 comment",
            "added",
        ),
        // the sign-off
        (
            "name: Ada Brook",
            "name: Ada Brooke",
            "submission",
            "changed",
        ),
    ];
    for (from, to, field, how) in cases {
        let p = Project::fixture("second-council");
        assert_eq!(code(&p.run(&["lock", "wessex-sv-2025-26"])), 0);
        edit_wessex(&p, from, to);
        let o = p.run(&["check", "wessex-sv-2025-26"]);
        let e = stderr(&o);
        assert_eq!(code(&o), 1, "{field}: {e}");
        assert!(
            e.contains(&format!(
                "error[Q0037]: {field} of `Update 1 (May/June)` was {how} after the update was submitted and locked"
            )) || e.contains(&format!(
                "error[Q0037]: {field} of `Update 1 (May/June)` {how} after the update was submitted and locked"
            )),
            "{field}: {e}"
        );
        assert!(
            e.contains(&format!("lock --amend \"{field}\"")),
            "{field}: {e}"
        );
    }
}

/// The amend path for a rating and a KPI actual: recorded in the lock with the
/// old and new values and the reason, printed in both editions, and the return
/// builds again; a later unrecorded edit is still caught.
#[test]
fn a_rating_and_a_kpi_actual_are_amended_on_the_record() {
    let p = Project::fixture("second-council");
    assert_eq!(code(&p.run(&["lock", "wessex-sv-2025-26"])), 0);
    edit_wessex(&p, "rating: { u1: High }", "rating: { u1: Moderate }");
    edit_wessex(&p, "actuals: { u1: 412 }", "actuals: { u1: 415 }");
    assert_eq!(code(&p.run(&["build", "wessex-sv-2025-26"])), 1);
    for (field, reason) in [
        ("risk 1 rating", "rated again by the risk board"),
        ("kpi W1 actual", "late returns from one panel"),
    ] {
        let o = p.run(&[
            "lock",
            "--amend",
            field,
            "--reason",
            reason,
            "wessex-sv-2025-26",
        ]);
        assert_eq!(code(&o), 0, "{field}: {}", stderr(&o));
    }
    let lock =
        std::fs::read_to_string(p.path().join("content/wessex-sv-2025-26/quire.lock")).unwrap();
    for want in [
        "\"field\": \"risk 1 rating\"",
        "\"old\": \"High\"",
        "\"new\": \"Moderate\"",
        "\"field\": \"kpi W1 actual\"",
        "\"old\": \"412\"",
        "\"new\": \"415\"",
        "\"reason\": \"late returns from one panel\"",
    ] {
        assert!(lock.contains(want), "{want} missing from {lock}");
    }
    let o = p.run(&["build", "--format", "all", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/wessex-sv-2025-26.pdf")));
    let html = html_text(&p.path().join("out/wessex-sv-2025-26.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        for want in [
            "Amendments since submission",
            "risk 1 rating",
            "High → Moderate",
            "rated again by the risk board",
            "412 → 415",
        ] {
            assert!(text.contains(want), "{what}: missing {want:?} in:\n{text}");
        }
    }
    // The amended value is now the record; another edit is caught again.
    edit_wessex(&p, "actuals: { u1: 415 }", "actuals: { u1: 416 }");
    let o = p.run(&["check", "wessex-sv-2025-26"]);
    assert_eq!(code(&o), 1);
    assert!(stderr(&o).contains("= submitted: 415"), "{}", stderr(&o));
}

/// The scorecard lists KPIs by id in the order people read ids (APP44-3 after
/// APP44 and before APP45 and APP64, though the plan writes it last), printed as
/// written; a date written in words is kept as written.
#[test]
fn the_scorecard_orders_ids_naturally_and_keeps_them_as_written() {
    let p = Project::demo();
    let o = p.run(&["build", "--format", "all", "send-app-2023"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/send-app-2023-scorecard.pdf")));
    let html = html_text(&p.path().join("out/send-app-2023-scorecard.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        let at = |id: &str| {
            text.find(&format!("{id} "))
                .unwrap_or_else(|| panic!("{what}: {id} missing"))
        };
        let order = [
            "APP09", "APP10", "APP44", "APP44-3", "APP45", "APP64", "APPSLT-2",
        ];
        // app-report@3 lists the KPIs with published figures, then the rest of
        // the catalogue by name: natural order holds within each list.
        let split = text
            .rfind("Other KPIs in the catalogue")
            .unwrap_or(text.len());
        let part = |id: &str| at(id) > split;
        for w in order.windows(2).filter(|w| part(w[0]) == part(w[1])) {
            assert!(
                at(w[0]) < at(w[1]),
                "{what}: {} is not before {}",
                w[0],
                w[1]
            );
        }
        // The baseline date as the plan writes it.
        let row: String = text[at("APP44-3")..].chars().take(200).collect();
        assert!(row.contains("May 2023"), "{what}: {row}");
    }
}

/// The frozen version 1 risk layouts print only likelihood × impact: a register
/// rated in words under one is a located error, not a misleading page.
#[test]
fn ratings_in_words_need_the_current_risk_layout() {
    let p = Project::fixture("second-council");
    let path = "content/wessex-service-risk-2025/appendix.yaml";
    let yaml = std::fs::read_to_string(p.path().join(path)).unwrap();
    p.write(path, &format!("layout: risk-appendix@1\n{yaml}"));
    let o = p.run(&["check", "wessex-service-risk-2025"]);
    assert_eq!(code(&o), 1);
    let e = stderr(&o);
    assert!(
        e.contains("error[Q0014]: the register `Adult services risk register` rates risks in words, which layout `risk-appendix@1` does not print"),
        "{e}"
    );
    assert!(
        e.contains("help: use `risk-appendix@2` (the current version)"),
        "{e}"
    );
}

/// The words for a rating that is not yet due are the council's, as the words for
/// no data and no rating are: declared once in quire.yaml.
#[test]
fn a_return_says_not_yet_due_in_the_councils_words() {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(p.run(&["new", "project", "--name", "X"]).status.success());
    assert!(p.run(&["new", "return", "sv"]).status.success());
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/sv.pdf")));
    assert!(pdf.contains("not rated not yet due not yet due"), "{pdf}");
    let q = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    let ours = q
        .replacen("not-yet-due: not yet due", "not-yet-due: Due later", 1)
        .replacen("not-rated: not rated", "not-rated: Awaiting rating", 1);
    assert_ne!(ours, q);
    p.write("quire.yaml", &ours);
    let o = p.run(&["build", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let pdf = squash(&pdf_text(&p.path().join("out/sv.pdf")));
    let html = html_text(&p.path().join("out/sv.html"));
    for (what, text) in [("PDF", &pdf), ("HTML", &html)] {
        assert!(
            text.contains("Awaiting rating Due later Due later"),
            "{what}: {text}"
        );
        assert!(!text.contains("not yet due"), "{what}: {text}");
    }
}

/// Issue 25: the covering report names no electoral divisions (nor does its
/// source), so its cover has no such row, in any edition: not "no data".
#[test]
fn a_cover_sheet_prints_no_row_for_a_field_the_paper_does_not_have() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023-cover", "--format", "all"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/send-app-2023-cover.pdf")));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023-cover.html")).unwrap();
    for (edition, s) in [("PDF", &text), ("HTML", &html)] {
        assert!(s.contains("Classification:"), "{edition}: {s}");
        assert!(!s.contains("Electoral division"), "{edition}: {s}");
        assert!(!s.contains("no data"), "{edition}: {s}");
    }
}

/// Issue 25: a changed locked figure is pointed at where it is typed, not at
/// `current-update:` (the EHCP counts and the deficit profile had no place).
#[test]
fn a_changed_locked_figure_is_pointed_at_where_it_is_typed() {
    let file = "content/northshire-sv-2025-26/return.yaml";
    for (from, to, column_of) in [
        (
            "values: [228, 1512, 1340, 688]",
            "values: [228, 1512, 1341, 688]",
            "1341",
        ),
        ("forecast: 17.9", "forecast: 17.0", "17.0"),
    ] {
        let p = Project::fixture("valve-quarterly");
        assert_eq!(code(&p.run(&["lock"])), 0);
        edit(&p, from, to);
        let text = std::fs::read_to_string(p.path().join(file)).unwrap();
        let (line, col) = text
            .lines()
            .enumerate()
            .find_map(|(i, l)| l.find(column_of).map(|c| (i + 1, c + 1)))
            .unwrap();
        let o = p.run(&["check"]);
        let e = stderr(&o);
        assert_eq!(code(&o), 1, "{e}");
        assert!(
            e.contains(&format!("┌─ {file}:{line}:{col}")),
            "{to}: want {line}:{col} in {e}"
        );
    }
}

#[test]
fn an_appendix_prints_its_published_letter_and_a_bad_or_repeated_one_is_located() {
    // The demo's LGSCO report publishes Appendices A and C (B is a link only):
    // `number:` gives each its letter; without it an appendix is numbered by
    // its place, as cype-risk-2019's is.
    let p = Project::demo();
    let o = p.run(&["build", "send-lgsco-2023-09", "cype-risk-2019"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/send-lgsco-2023-09.pdf")));
    assert!(
        text.contains("Appendix A: Report by the Local Government"),
        "{text}"
    );
    assert!(
        text.contains("Appendix C: Template of parental communication"),
        "{text}"
    );
    let cype = squash(&pdf_text(&p.path().join("out/cype-risk-2019.pdf")));
    assert!(
        cype.contains("Appendix 1: CYPE-led corporate risks"),
        "{cype}"
    );
    let path = p.path().join("content/send-lgsco-2023-09/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, yaml.replace("number: C", "number: a")).unwrap();
    let o = p.run(&["check", "send-lgsco-2023-09"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("error[Q0020]: two appendices are numbered `a`"),
        "{}",
        stderr(&o)
    );
    std::fs::write(&path, yaml.replace("number: C", "number: C.1")).unwrap();
    let o = p.run(&["check", "send-lgsco-2023-09"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("`C.1` is not an appendix number"),
        "{}",
        stderr(&o)
    );
}

/// Issue 25: the report author's role is printed once. The reference names the
/// author with telephone and email and no job title; from layout version 3 a
/// contact's title may be left out and nothing is printed for it (not the
/// label "Report author" again). Before version 3 the title stays required.
#[test]
fn a_contact_without_a_job_title_prints_its_role_once() {
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/cype-risk-2019.pdf")));
    assert!(text.contains("Report author:"), "{text}");
    assert_eq!(text.matches("Report author").count(), 1, "{text}");
    let html = std::fs::read_to_string(p.path().join("out/cype-risk-2019.html")).unwrap();
    assert!(
        html.contains("<strong>Report author:</strong><br>Mark Scrivener<br>Telephone:"),
        "{html}"
    );
    // A version 2 paper still needs the title, at the contact.
    let path = p.path().join("content/cype-risk-2019/paper.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        yaml.replace("layout: committee-report@3", "layout: committee-report@2"),
    )
    .unwrap();
    let o = p.run(&["check", "cype-risk-2019"]);
    let e = stderr(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("missing field `title` in a contact"), "{e}");
}

/// Review: a heading under a section is not numbered, so it starts at the
/// margin and its bookmark has no space before its title (the numbering gave
/// nothing but still left its gap).
#[test]
fn a_heading_under_a_section_has_no_number_and_no_gap() {
    let p = Project::demo();
    let o = p.run(&["build", "send-lgsco-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/send-lgsco-2023-09.pdf");
    let json = std::process::Command::new("qpdf")
        .arg("--json")
        .arg(&pdf)
        .output()
        .expect("qpdf runs");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let four = v["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["title"] == "4. Complaint handling and letters of apology")
        .expect("section 4 bookmark");
    assert_eq!(four["kids"][0]["title"], "Speech and language therapy");
    // On the page: the heading starts where the section's number does.
    let o = std::process::Command::new("pdftotext")
        .args(["-bbox", "-f", "3", "-l", "3"])
        .arg(&pdf)
        .arg("-")
        .output()
        .unwrap();
    let page = String::from_utf8_lossy(&o.stdout).to_string();
    let x = |word: &str| -> f64 {
        let at = page.find(&format!(">{word}</word>")).expect(word);
        let line = &page[page[..at].rfind("<word").unwrap()..at];
        let v = &line[line.find("xMin=\"").unwrap() + 6..];
        v[..v.find('"').unwrap()].parse().unwrap()
    };
    assert!((x("Speech") - x("4.")).abs() < 0.5, "{page}");
}

/// Review: a risk's summary row in the body's risk table that runs on to the
/// next page is labelled there with its risk, as a control's row is (the
/// CYPE paper's CRR0044 commentary continued on page 3 with no label).
#[test]
fn a_risk_summary_continued_on_the_next_page_names_its_risk() {
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/cype-risk-2019.pdf"));
    let at = pages
        .iter()
        .position(|t| t.contains("Because of how serious it is, this risk was moved up"))
        .expect("CRR0044's commentary");
    let first = pages
        .iter()
        .position(|t| t.contains("CRR0044"))
        .expect("CRR0044");
    assert!(
        at > first,
        "the commentary no longer runs on: pick another row"
    );
    assert!(
        squash(&pages[at]).contains("CRR0044 (continued): High Needs Funding"),
        "{}",
        pages[at]
    );
}
