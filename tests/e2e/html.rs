//! The HTML edition: author text stays text, rebuilds are byte-identical and
//! proved by `verify`, every demo page carries the same figures and ids as its
//! PDF, and every demo page passes axe-core (WCAG 2.2 A/AA), the keyboard and
//! 320 px reflow checks in headless Chromium (tests/browser/check.mjs).

use crate::harness::*;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The demo's documents and their HTML editions (beside each PDF).
pub const DEMO: &[&str] = &[
    "cype-risk-2019",
    "send-app-2023-cover",
    "send-lgsco-2023-09",
    "kent-sv-2024-25-q1",
    "send-app-2023",
    "send-app-2023-scorecard",
];

/// The demo pack's HTML edition: the agenda, then each item's page in agenda order.
const PACK: &[&str] = &[
    "send-sub-2023-09-pack",
    "send-sub-2023-09-pack-item-4",
    "send-sub-2023-09-pack-item-5",
    "send-sub-2023-09-pack-item-5-1",
    "send-sub-2023-09-pack-item-5-2",
    "send-sub-2023-09-pack-item-6",
];

/// The visible text of an HTML page's body: tags removed, entities decoded.
fn html_text(html: &str) -> String {
    let body = html.split("<body>").nth(1).unwrap_or(html);
    let mut out = String::with_capacity(body.len());
    let mut in_tag = false;
    for c in body.chars() {
        match c {
            '<' if !in_tag => in_tag = true,
            '>' if in_tag => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    decode(&out)
}

/// Decodes the entities an HTML writer uses (named ones for `<>&"` and numeric ones).
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let end = tail.find(';').filter(|e| *e < 10);
        let ent = end.map(|e| &tail[1..e]);
        let c = match ent {
            Some("lt") => Some('<'),
            Some("gt") => Some('>'),
            Some("amp") => Some('&'),
            Some("quot") => Some('"'),
            Some(e) if e.starts_with("#x") || e.starts_with("#X") => {
                u32::from_str_radix(&e[2..], 16)
                    .ok()
                    .and_then(char::from_u32)
            }
            Some(e) if e.starts_with('#') => e[1..].parse().ok().and_then(char::from_u32),
            _ => None,
        };
        match (c, end) {
            (Some(c), Some(e)) => {
                out.push(c);
                rest = &tail[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

/// Every element in the page: (tag name, [(attribute, decoded value)]).
/// Author text is escaped, so every `<` in the output starts a real tag.
fn elements(html: &str) -> Vec<(String, Vec<(String, String)>)> {
    let mut out = Vec::new();
    for chunk in html.split('<').skip(1) {
        let tag = chunk.split('>').next().unwrap_or("");
        if tag.starts_with('/') || tag.starts_with('!') {
            continue;
        }
        let name: String = tag
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut attrs = Vec::new();
        let mut rest = &tag[name.len()..];
        while let Some(eq) = rest.find("=\"") {
            let attr = rest[..eq].trim().to_string();
            let after = &rest[eq + 2..];
            let close = after.find('"').unwrap_or(after.len());
            attrs.push((attr, decode(&after[..close])));
            rest = after.get(close + 1..).unwrap_or("");
        }
        out.push((name, attrs));
    }
    out
}

/// Every `href` value in the page.
fn hrefs(html: &str) -> Vec<String> {
    elements(html)
        .into_iter()
        .flat_map(|(_, a)| a.into_iter().filter(|(k, _)| k == "href").map(|(_, v)| v))
        .collect()
}

#[test]
fn hostile_text_is_text_in_the_html_edition() {
    let p = Project::fixture("hostile");
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/hostile-paper.html")).unwrap();
    // No element or attribute an author wrote survives as markup: every
    // element and attribute is one the layouts and the converter write.
    const TAGS: &[&str] = &[
        "html",
        "head",
        "meta",
        "title",
        "style",
        "body",
        "a",
        "div",
        "header",
        "p",
        "main",
        "nav",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ol",
        "ul",
        "li",
        "dl",
        "dt",
        "dd",
        "section",
        "table",
        "caption",
        "thead",
        "tbody",
        "tr",
        "th",
        "td",
        "strong",
        "em",
        "br",
        "span",
        "code",
        "pre",
        "blockquote",
        "sup",
        "s",
        "hr",
        "small",
        "footer",
    ];
    const ATTRS: &[&str] = &[
        "lang",
        "charset",
        "name",
        "content",
        "class",
        "href",
        "id",
        "role",
        "aria-label",
        "aria-labelledby",
        "aria-hidden",
        "tabindex",
        "scope",
        "colspan",
        "style",
        "start",
        // A stacked table's column name for its cell on a phone (escaped).
        "data-label",
    ];
    for (tag, attrs) in elements(&html) {
        assert!(TAGS.contains(&tag.as_str()), "element <{tag}> in the HTML");
        for (k, v) in attrs {
            assert!(
                ATTRS.contains(&k.as_str()),
                "attribute {k}={v:?} on <{tag}>"
            );
            if k == "style" {
                let ok = v.is_empty()
                    || (v.starts_with("background-color:#")
                        && v.len() == "background-color:#000000;color:#000000".len());
                assert!(ok, "style {v:?} on <{tag}>");
            }
        }
    }
    assert!(!html.contains("<!--"), "a comment reached the HTML");
    assert_eq!(html.matches("<title>").count(), 1);
    assert_eq!(html.matches("<style>").count(), 1, "one style sheet only");
    assert_eq!(
        html.matches("</style>").count(),
        1,
        "author text closed the style sheet"
    );
    for h in hrefs(&html) {
        let l = h.to_ascii_lowercase();
        assert!(
            ["https://", "http://", "mailto:", "tel:", "#"]
                .iter()
                .any(|s| l.starts_with(s)),
            "a link goes to {h:?}"
        );
    }
    // ... and it is all printed, literally, as in the PDF.
    let text = squash(&html_text(&html));
    let pdf = squash(&pdf_text(&p.path().join("out/hostile-paper.pdf")));
    for want in [
        r#"Committee #read("/etc/passwd") $x^2$ @ref <label>"#,
        r#"#eval("1+1")"#,
        "@all, <everyone>, #sys.inputs",
        r#"#read("/etc/shadow")"#,
        "Telephone: #(1+1)",
        "<script>alert(1)</script>",
        "</style><style>body{display:none}</style>",
        "<img src=x onerror=alert(1)>",
        r#"<a href="javascript:alert(1)" onclick="steal()">click</a>"#,
        "<b> &amp; <script>",
        "javascript:alert(2)",
        r#"<div onmouseover="alert(3)">a raw HTML block</div>"#,
        r#"</style><script>alert(4)</script><!-- open comment &amp; &#60; <a href="javascript:alert(5)" onclick="x">y</a> ]]> </title>"#,
        "Title $x$ @y <z> #f()",
    ] {
        // Quotes are typographic in every edition (as the PDF's body text):
        // the text is the same, its quote marks curly.
        assert!(
            text.replace(['“', '”'], "\"")
                .replace(['‘', '’'], "'")
                .contains(want),
            "missing literal {want:?} in the HTML:\n{text}"
        );
        assert!(
            pdf.replace(['“', '”'], "\"").contains(want),
            "missing literal {want:?} in the PDF (the corpus and this test disagree):\n{pdf}"
        );
    }
    assert!(!text.contains("root:"), "file contents leaked");
}

#[test]
fn html_rebuilds_are_byte_identical_and_verified() {
    let p = Project::demo();
    let o = p.run(&["build", "-j", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let first: Vec<Vec<u8>> = DEMO
        .iter()
        .map(|d| std::fs::read(p.path().join(format!("out/{d}.html"))).unwrap())
        .collect();
    let o = p.run(&["build", "--force", "-j", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (d, a) in DEMO.iter().zip(&first) {
        let b = std::fs::read(p.path().join(format!("out/{d}.html"))).unwrap();
        assert!(*a == b, "{d}.html differs between two builds");
    }
    // The manifest records every HTML edition, and verify proves them.
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    for d in DEMO {
        assert!(
            manifest.contains(&format!("\"{d}.html\"")),
            "{d}.html not in the manifest"
        );
    }
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = p.path().join("out/send-app-2023-scorecard.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&page, bytes).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "verify missed an edited HTML page"
    );
    let err = stderr(&o);
    assert!(err.contains("send-app-2023-scorecard.html"), "{err}");
    // Changing an HTML layout rebuilds the documents that use it.
    let layout = p.path().join("layouts/html/common-v2.html");
    let t = std::fs::read_to_string(&layout).unwrap();
    std::fs::write(
        &layout,
        t.replace("Skip to main content", "Skip to content"),
    )
    .unwrap();
    let o = p.run(&["build", "cype-risk-2019"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/cype-risk-2019.html")).unwrap();
    assert!(
        html.contains(">Skip to content<"),
        "the layout change was not picked up"
    );
}

#[test]
fn formats_choose_the_outputs() {
    let p = Project::fixture("minimal");
    let o = p.run(&["build", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .filter(|n| !n.starts_with('.') && n != "manifest.json")
        .collect();
    assert!(out.iter().all(|n| n.ends_with(".html")), "{out:?}");
    assert!(!out.is_empty());
    let o = p.run(&["build", "--format", "pdf"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        std::fs::read_dir(p.path().join("out")).unwrap().any(|e| e
            .unwrap()
            .file_name()
            .to_string_lossy()
            .ends_with(".pdf")),
        "--format pdf wrote no PDF"
    );
    // An unknown format in quire.yaml is a located error.
    let y = std::fs::read_to_string(p.path().join("quire.yaml")).unwrap();
    let y = if y.contains("defaults:") {
        y.replacen("defaults:", "defaults:\n  formats: [pdf, epub]", 1)
    } else {
        format!("{y}\ndefaults:\n  formats: [pdf, epub]\n")
    };
    std::fs::write(p.path().join("quire.yaml"), y).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    assert!(stderr(&o).contains("epub"), "{}", stderr(&o));
}

#[test]
fn a_missing_html_layout_is_an_input_error_and_writes_nothing() {
    // A project's own layout version, with no HTML twin and none shipped.
    let p = Project::demo();
    std::fs::write(
        p.path().join("layouts/safety-valve-v4.typ"),
        std::fs::read_to_string(repo().join("layouts/safety-valve-v3.typ")).unwrap(),
    )
    .unwrap();
    let ret = p.path().join("content/kent-sv-2024-25-q1/return.yaml");
    let y = std::fs::read_to_string(&ret).unwrap();
    std::fs::write(
        &ret,
        y.replace("layout: safety-valve@3", "layout: safety-valve@4"),
    )
    .unwrap();
    let o = p.run(&["build", "kent-sv-2024-25-q1"]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains(
            "error[Q0014]: html layout `layouts/html/safety-valve-v4.html` is not in this project"
        ),
        "{err}"
    );
    assert!(
        err.contains("help: this quire ships no `safety-valve-v4.html`"),
        "{err}"
    );
    // All or nothing: not even the PDF or the tables were written.
    let written: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().to_string())
                .filter(|n| n.starts_with("kent-sv"))
                .collect()
        })
        .unwrap_or_default();
    assert!(written.is_empty(), "{written:?}");
    // The PDF alone still builds.
    let o = p.run(&["build", "kent-sv-2024-25-q1", "--format", "pdf"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

#[test]
fn html_layouts_are_shipped_and_recorded_like_the_typst_ones() {
    // Without layouts/ the shipped HTML layouts are used, byte for byte the same page.
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let with = std::fs::read(p.path().join("out/cype-risk-2019.html")).unwrap();
    std::fs::remove_dir_all(p.path().join("layouts")).unwrap();
    let o = p.run(&["build", "cype-risk-2019", "--force", "--out", "out2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let without = std::fs::read(p.path().join("out2/cype-risk-2019.html")).unwrap();
    assert!(
        with == without,
        "the shipped HTML layouts differ from layouts/html/"
    );
    let manifest = std::fs::read_to_string(p.path().join("out2/manifest.json")).unwrap();
    for f in [
        "committee-report-v3.html",
        "common-v2.html",
        "risk-parts-v3.html",
        // Imported by version 3's risk parts, unchanged.
        "risk-parts-v2.html",
    ] {
        assert!(
            manifest.contains(&format!("\"(shipped) layouts/html/{f}\"")),
            "{f} not recorded as shipped:\n{manifest}"
        );
    }
    let o = p.run(&["verify", "--out", "out2"]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// The figures and ids in a text: numbers (thousands separators removed,
/// `£`, `m`, `%` kept) and codes mixing letters and digits (CRR0001, APP04, 1A1).
pub fn figures(text: &str) -> BTreeSet<String> {
    let mut set = BTreeSet::new();
    let keep = |c: char| c.is_ascii_alphanumeric() || matches!(c, '£' | '%' | '.' | ',');
    for raw in text.split(|c: char| !keep(c)) {
        let t = raw.trim_matches(|c: char| matches!(c, '.' | ','));
        if !t.chars().any(|c| c.is_ascii_digit()) {
            continue;
        }
        // 11,900 → 11900 (a comma between digits is a thousands separator).
        let chars: Vec<char> = t.chars().collect();
        let mut s = String::new();
        for (i, c) in chars.iter().enumerate() {
            let between = i > 0
                && i + 1 < chars.len()
                && chars[i - 1].is_ascii_digit()
                && chars[i + 1].is_ascii_digit();
            if *c == ',' && between {
                continue;
            }
            s.push(*c);
        }
        // A comma left now ends a figure in a list: "12, 15".
        for part in s.split(',') {
            let part = part.trim_matches('.');
            if part.chars().any(|c| c.is_ascii_digit()) {
                set.insert(part.to_string());
            }
        }
    }
    set
}

/// The PDF's text without what only paper has: page numbers.
pub fn pdf_body_text(pdf: &Path) -> String {
    pdf_text(pdf)
        .lines()
        .filter(|l| {
            let t = l.trim();
            !(t.starts_with("Page ") && t.contains(" of ") && t.len() < 20)
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_demo_html_has_the_same_figures_and_ids_as_its_pdf() {
    let p = Project::demo();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut problems = Vec::new();
    for d in DEMO {
        let pdf = figures(&pdf_body_text(&p.path().join(format!("out/{d}.pdf"))));
        let html = std::fs::read_to_string(p.path().join(format!("out/{d}.html"))).unwrap();
        let html = figures(&html_text(&html));
        let only_pdf: Vec<_> = pdf.difference(&html).collect();
        let only_html: Vec<_> = html.difference(&pdf).collect();
        if !only_pdf.is_empty() || !only_html.is_empty() {
            problems.push(format!(
                "{d}: only in the PDF {only_pdf:?}; only in the HTML {only_html:?}"
            ));
        }
        assert!(pdf.len() > 10, "{d}: too few figures found ({})", pdf.len());
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// Every demo page, and the kpi-derived fixture's (derived KPIs computed and
/// marked in the return, the plan and its scorecard), in one browser run.
const KPI_DERIVED: [&str; 3] = ["eastmoor-sv", "eastmoor-app", "eastmoor-app-scorecard"];

#[test]
fn every_demo_and_kpi_derived_html_passes_axe_keyboard_and_reflow_in_chromium() {
    let p = Project::demo();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = p.run(&["pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let k = Project::fixture("kpi-derived");
    let o = k.run(&["build", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots");
    let pages: Vec<&str> = DEMO
        .iter()
        .chain(PACK)
        .chain(&KPI_DERIVED)
        .copied()
        .collect();
    let files: Vec<PathBuf> = DEMO
        .iter()
        .chain(PACK)
        .map(|d| p.path().join(format!("out/{d}.html")))
        .chain(
            KPI_DERIVED
                .iter()
                .map(|d| k.path().join(format!("out/{d}.html"))),
        )
        .collect();
    let Some(out) = browser_check(&files, &shots) else {
        return;
    };
    for d in &pages {
        assert!(
            out.contains(&format!("checked {d}: 0 axe violation(s)")),
            "{out}"
        );
        for w in [320, 1280] {
            assert!(
                shots.join(format!("{d}-{w}.png")).is_file(),
                "no {w} px screenshot of {d}"
            );
        }
    }
    // On a phone, the return's, the plan's and the scorecard's tables of
    // judgements stack (every cell on the screen: check.mjs fails otherwise).
    for d in [
        "kent-sv-2024-25-q1",
        "send-app-2023",
        "send-app-2023-scorecard",
    ] {
        let line = out
            .lines()
            .find(|l| l.starts_with(&format!("checked {d}:")))
            .unwrap_or_default();
        assert!(
            line.contains("stacked table(s)") && !line.ends_with(", 0 stacked table(s)"),
            "{d}: {line}"
        );
    }
    eprintln!("screenshots for review: {}", shots.display());
}

#[test]
fn the_public_pack_has_an_html_edition_linking_its_items_in_agenda_order() {
    let p = Project::demo();
    // An exempt item, after the public ones: listed, never published in HTML.
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "  - { number: \"7\", title: Future Meeting Dates }",
        "  - { number: \"7\", title: Future Meeting Dates }\n  - { number: \"8\", title: Contract award for specialist placements, markdown: secret.md, exempt: 3 }",
    );
    std::fs::write(&path, yaml).unwrap();
    p.write(
        "content/send-sub-2023-09/secret.md",
        "# Contract award\n\nThe preferred bidder is Zebedee Placements Ltd at £4,321,987.\n",
    );
    let o = p.run(&["pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read = |name: &str| std::fs::read(p.path().join(format!("out/{name}.html"))).unwrap();
    let index = String::from_utf8(read(PACK[0])).unwrap();
    let text = squash(&html_text(&index));
    // The meeting, its date and venue, the members, then the items in agenda order.
    for want in [
        "SEND Sub-Committee: agenda",
        "Thursday, 28 September 2023, at 2.00 pm",
        "Council Chamber, Sessions House, County Hall, Maidstone",
        "Mr A Sandhu, MBE and Mr M Whiting",
        "General Counsel",
    ] {
        assert!(text.contains(want), "index lacks {want:?}:\n{text}");
    }
    let titles = [
        "1 Introduction/Webcasting Announcement",
        "2 Apologies and Substitutes",
        "3 Declarations of Interest",
        "4 Minutes of the meeting held on 25 July 2023",
        "5 Kent Local Area Accelerated Progress Plan",
        "6 Report by the Local Government and Social Care Ombudsman",
        "7 Future Meeting Dates",
        "8 Contract award for specialist placements — exempt under paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972; not for publication",
    ];
    let squashed = text.clone();
    let mut at = 0;
    for t in titles {
        let found = squashed[at..].find(t);
        assert!(
            found.is_some(),
            "{t:?} missing or out of order:\n{squashed}"
        );
        at += found.unwrap() + t.len();
    }
    // Each item with a document links to its page, in agenda order; nothing else.
    let links: Vec<String> = hrefs(&index)
        .into_iter()
        .filter(|h| h.ends_with(".html"))
        .map(|h| h.trim_end_matches(".html").to_string())
        .collect();
    assert_eq!(links, PACK[1..], "links of the agenda page");
    // Every item page is written, links back to the agenda, and has one h1.
    for name in &PACK[1..] {
        let page = String::from_utf8(read(name)).unwrap();
        assert!(
            hrefs(&page).contains(&"send-sub-2023-09-pack.html".to_string()),
            "{name} does not link back to the agenda"
        );
        assert_eq!(page.matches("<h1>").count(), 1, "{name}: one h1");
    }
    let minutes = html_text(&String::from_utf8(read(PACK[1])).unwrap());
    assert!(minutes.contains("Mr R Lehmann"), "{minutes}");
    // The exempt item: no page, no link, none of its text anywhere in out/.
    let mut names: Vec<String> = std::fs::read_dir(p.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".html"))
        .collect();
    names.sort();
    let mut want: Vec<String> = PACK.iter().map(|n| format!("{n}.html")).collect();
    want.sort();
    assert_eq!(names, want, "the HTML pages written by pack");
    for n in &names {
        let t = std::fs::read_to_string(p.path().join("out").join(n)).unwrap();
        assert!(!t.contains("Zebedee"), "{n} publishes the exempt item");
    }
    // Recorded with the PDF, byte-identical when packed again, proved by verify.
    let first: Vec<Vec<u8>> = PACK.iter().map(|n| read(n)).collect();
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    for n in PACK {
        assert!(
            manifest.contains(&format!("\"{n}.html\"")),
            "{n} not in the manifest"
        );
    }
    let o = p.run(&["pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for (n, a) in PACK.iter().zip(&first) {
        assert!(*a == read(n), "{n}.html differs between two packs");
    }
    let o = p.run(&["verify", "send-sub-2023-09-pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains(&format!(
            "verified send-sub-2023-09-pack ({} file(s) byte-identical)",
            PACK.len() + 1
        )),
        "{}",
        stderr(&o)
    );
    let page = p.path().join("out/send-sub-2023-09-pack-item-6.html");
    let mut bytes = std::fs::read(&page).unwrap();
    bytes.extend_from_slice(b"\n");
    std::fs::write(&page, bytes).unwrap();
    let o = p.run(&["verify", "send-sub-2023-09-pack"]);
    assert_eq!(
        o.status.code(),
        Some(1),
        "verify missed an edited item page"
    );
    assert!(
        stderr(&o).contains("send-sub-2023-09-pack-item-6.html"),
        "{}",
        stderr(&o)
    );
    // The members' pack (exempt items included) is never published in HTML.
    let o = p.run(&["pack", "--include-exempt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        !p.path()
            .join("out/send-sub-2023-09-pack-full.html")
            .exists()
    );
    assert!(
        !p.path()
            .join("out/send-sub-2023-09-pack-full-item-8.html")
            .exists()
    );
}

#[test]
fn the_pack_html_has_the_same_figures_and_ids_as_the_pack_pdf() {
    let p = Project::demo();
    let o = p.run(&["pack"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The PDF without what only paper has: page numbers, the agenda's page
    // ranges and the bookmarks' item numbers (the HTML has links instead).
    let pdf_text = pdf_body_text(&p.path().join("out/send-sub-2023-09-pack.pdf"));
    let pdf_text: String = pdf_text
        .lines()
        .map(|l| match l.find("(Page") {
            Some(i) => &l[..i],
            None => l,
        })
        .collect::<Vec<_>>()
        .join("\n");
    let pdf = figures(&pdf_text);
    let mut html = BTreeSet::new();
    for n in PACK {
        let t = std::fs::read_to_string(p.path().join(format!("out/{n}.html"))).unwrap();
        html.extend(figures(&html_text(&t)));
    }
    let only_pdf: Vec<_> = pdf.difference(&html).collect();
    let only_html: Vec<_> = html.difference(&pdf).collect();
    assert!(
        only_pdf.is_empty() && only_html.is_empty(),
        "only in the PDF {only_pdf:?}; only in the HTML {only_html:?}"
    );
    assert!(pdf.len() > 100, "too few figures found ({})", pdf.len());
}

#[test]
fn footnotes_number_in_one_sequence_per_page_as_in_the_pdf() {
    let p = Project::fixture("minimal");
    let dir = "content/budget-2025";
    let first = std::fs::read_to_string(p.path().join(format!("{dir}/01-position.md"))).unwrap();
    p.write(
        &format!("{dir}/01-position.md"),
        &format!("{first}\nThe reserve was drawn on twice[^r].\n\n[^r]: In May and in June.\n"),
    );
    p.write(
        &format!("{dir}/02-outlook.md"),
        "# Outlook\n\nGrants fall next year[^g] and fees rise[^f].\n\n[^g]: By the settlement.\n\n[^f]: By inflation.\n",
    );
    let o = p.run(&["build", "--format", "all"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/budget-2025.html")).unwrap();
    let marks: Vec<&str> = html
        .match_indices("aria-label=\"Note ")
        .map(|(i, m)| {
            let s = &html[i + m.len()..];
            &s[..s.find('"').unwrap()]
        })
        .collect();
    assert_eq!(marks, ["1", "2", "3"], "references on the page");
    let text = squash(&html_text(&html));
    for (n, note) in [
        (1, "In May and in June."),
        (2, "By the settlement."),
        (3, "By inflation."),
    ] {
        assert!(
            html.contains(&format!("value=\"{n}\">{note} ")),
            "note {n} is not numbered {n}:\n{text}"
        );
    }
    // The PDF numbers them the same way: 1 to 3 over the document.
    let pdf = squash(&pdf_text(&p.path().join("out/budget-2025.pdf")));
    for (n, note) in [
        (1, "In May and in June."),
        (2, "By the settlement."),
        (3, "By inflation."),
    ] {
        assert!(pdf.contains(&format!("{n} {note}")), "PDF note {n}:\n{pdf}");
    }
}

/// The scorecard's KPI tables (issue 25): every table has the same fixed
/// columns, so they line up table to table at 1280 px as the PDF's do, whatever
/// each table's text (they were content-sized and moved between tables).
#[test]
fn the_scorecards_kpi_tables_have_the_same_fixed_columns() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023-scorecard.html")).unwrap();
    assert!(
        html.contains("table.kpis { table-layout: fixed; width: 100%;"),
        "the KPI tables are not laid out at fixed widths"
    );
    let tables: Vec<&str> = html.split("<table class=\"kpis stack\">").skip(1).collect();
    assert!(tables.len() >= 2, "{} KPI tables", tables.len());
    let colgroup = |t: &str| -> String {
        let start = t
            .find("<colgroup>")
            .expect("a KPI table without a colgroup");
        let end = t[start..].find("</colgroup>").unwrap() + start;
        t[start..end].to_string()
    };
    let first = colgroup(tables[0]);
    let heads = tables[0]
        .split("</thead>")
        .next()
        .unwrap()
        .matches("<th scope=\"col\"")
        .count();
    // A column per header, each but the name's at a fixed width.
    let cols = first.matches("<col>").count() + first.matches("<col style").count();
    assert_eq!(cols, heads, "{first}");
    assert_eq!(
        first.matches("style=\"width:").count(),
        heads - 1,
        "{first}"
    );
    for t in &tables[1..] {
        assert_eq!(colgroup(t), first);
    }
}

/// A declared table in a version 3 paper's HTML (issue 25): `tables-v2.html`,
/// a `stack` table whose cells carry their column's label, so on a 320 px
/// screen each row is a labelled block with every figure on the screen,
/// still a table with `th scope` headers (axe-core passes).
#[test]
fn a_v3_papers_declared_tables_stack_on_a_phone() {
    let p = Project::fixture("tables-return");
    let o = p.run(&["build", "dsg-paper", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/dsg-paper.html")).unwrap();
    let tables = html.matches("<table class=\"stack\">").count();
    assert!(tables >= 1, "{tables} stacked tables");
    assert!(html.contains("<th scope=\"row\">"), "no row headers");
    assert!(
        html.contains(" data-label=\""),
        "cells without their column's label"
    );
    assert!(html.contains("table.stack th[scope=\"colgroup\"]"));
    let shots = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("html-screenshots-tables");
    let Some(out) = browser_check(&[p.path().join("out/dsg-paper.html")], &shots) else {
        return;
    };
    let line = out
        .lines()
        .find(|l| l.starts_with("checked dsg-paper:"))
        .unwrap_or_default();
    assert!(line.contains(": 0 axe violation(s)"), "{out}");
    assert!(line.contains("width at 320 px: 320,"), "{line}");
    assert!(!line.ends_with(", 0 stacked table(s)"), "{line}");
}

/// A declared table placed from a Markdown field of a return or a plan is
/// printed by `tables-v2.html` on layout version 3 (each row a labelled
/// block on a phone) and by the frozen `tables-v1.html` before it.
#[test]
fn a_v3_returns_and_plans_declared_tables_stack_and_v2s_stay() {
    let p = Project::fixture("tables-return");
    let o = p.run(&["build", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for d in ["app-plan", "northshire-sv"] {
        let html = std::fs::read_to_string(p.path().join(format!("out/{d}.html"))).unwrap();
        // Version 2: the frozen tables-v1.html, no stacking.
        assert!(!html.contains("class=\"stack\""), "{d}");
        assert!(html.contains("<div class=\"table-wrap\""), "{d}");
    }
    for (file, from, to) in [
        (
            "content/app-plan/plan.yaml",
            "layout: app-report@2",
            "layout: app-report@3",
        ),
        (
            "content/northshire-sv/return.yaml",
            "layout: safety-valve@2",
            "layout: safety-valve@3",
        ),
    ] {
        let text = std::fs::read_to_string(p.path().join(file)).unwrap();
        assert!(text.contains(from), "{file}");
        p.write(file, &text.replacen(from, to, 1));
    }
    let o = p.run(&["build", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for d in ["app-plan", "northshire-sv"] {
        let html = std::fs::read_to_string(p.path().join(format!("out/{d}.html"))).unwrap();
        let placed = html
            .split("<table class=\"stack\">")
            .skip(1)
            .filter(|t| t.contains(" data-label=\""))
            .count();
        assert!(placed > 0, "{d}: no declared table stacks");
    }
}

/// Review: the APP report's partnership risk register stacks on a phone like
/// its action tables, every cell labelled (the browser check then finds each
/// cell on a 320 px screen); at 320 px its Mitigation column was a few
/// characters wide and its last columns off the screen.
#[test]
fn the_partnership_risk_register_stacks_on_a_phone() {
    let p = Project::demo();
    let o = p.run(&["build", "send-app-2023", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/send-app-2023.html")).unwrap();
    let at = html
        .find("<table class=\"stack\">\n<caption>Partnership risk register")
        .expect("the register is a stacked table");
    let table = &html[at..at + html[at..].find("</table>").unwrap()];
    let rows = table.matches("<tr><td data-label=\"Date raised\">").count();
    assert!(rows >= 3, "{table}");
    for label in [
        "Severity",
        "Mitigation",
        "Severity after mitigation",
        "Progress",
    ] {
        assert_eq!(
            table.matches(&format!(" data-label=\"{label}\">")).count(),
            rows,
            "{label}"
        );
    }
}

/// Review: a v3 paper's risk tables (the body's risk table and the summary
/// risk profile) stack on a phone with labelled ratings, through the new
/// `risk-parts-v3.html`; a v2 paper keeps the released `risk-parts-v2.html`.
#[test]
fn a_v3_papers_risk_tables_stack_on_a_phone() {
    let p = Project::demo();
    let o = p.run(&["build", "cype-risk-2019", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/cype-risk-2019.html")).unwrap();
    for caption in ["Risks on the register:", "Summary risk profile:"] {
        assert!(
            html.contains(&format!("<table class=\"stack\">\n<caption>{caption}")),
            "{caption}"
        );
    }
    assert!(html.contains(" data-label=\"Current risk rating (score and band)\" style="));
    assert!(html.contains(" data-label=\"Current score (band)\" style="));
    let v2 = p.path().join("content/cype-risk-2019/paper.yaml");
    let yaml = std::fs::read_to_string(&v2).unwrap();
    std::fs::write(
        &v2,
        yaml.replace("layout: committee-report@3", "layout: committee-report@2")
            .replace(
                "    name: Mark Scrivener            # the report gives the author no job title\n",
                "    name: Mark Scrivener\n    title: Report author\n",
            ),
    )
    .unwrap();
    let o = p.run(&["build", "cype-risk-2019", "--format", "html"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let html = std::fs::read_to_string(p.path().join("out/cype-risk-2019.html")).unwrap();
    assert!(!html.contains("class=\"stack\""));
}
