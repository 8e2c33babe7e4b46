//! Agenda packs: page ranges from the real pages, continuous page numbers,
//! right-hand starts with marked blank pages, bookmarks, exempt items withheld.

use crate::harness::*;

fn ranges(agenda: &str) -> Vec<(String, usize, usize)> {
    let mut out = Vec::new();
    for line in agenda.lines() {
        let Some(open) = line.find("(Page") else {
            continue;
        };
        let inner = line[open + 1..].trim_end().trim_end_matches(')');
        let nums: Vec<usize> = inner
            .split(|c: char| !c.is_ascii_digit())
            .filter_map(|s| s.parse().ok())
            .collect();
        let item = line.split_whitespace().next().unwrap_or("").to_string();
        let (a, b) = (nums[0], *nums.last().unwrap());
        out.push((item, a, b));
    }
    out
}

#[test]
fn agenda_page_ranges_match_the_pages_of_the_pack() {
    let p = Project::demo();
    let o = p.run(&["pack", "send-sub-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/send-sub-2023-09-pack.pdf");
    let pages = pdf_pages(&pdf);
    let n = pages.len();
    // One continuous page number on every page, equal to the PDF page index.
    for (i, page) in pages.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {n}", i + 1)),
            "page {} has the wrong number:\n{page}",
            i + 1
        );
    }
    let r = ranges(&pages[0]);
    let items: Vec<&str> = r.iter().map(|(i, _, _)| i.as_str()).collect();
    assert_eq!(items, ["4", "5", "6"], "agenda:\n{}", pages[0]);
    let firsts = [
        ("4", "Minutes of the meeting held on 25 July 2023"),
        ("5", "Kent Local Area Accelerated Progress Plan"),
        (
            "6",
            "Report by the Local Government and Social Care Ombudsman",
        ),
    ];
    let mut covered = vec![false; n + 1];
    covered[1] = true;
    for ((item, a, b), (_, first)) in r.iter().zip(firsts) {
        assert!(
            a % 2 == 1,
            "item {item} starts on page {a}, a left-hand page"
        );
        assert!(
            squash(&pages[a - 1]).contains(first),
            "page {a} is not the start of item {item}"
        );
        for c in covered.iter_mut().take(b + 1).skip(*a) {
            *c = true;
        }
    }
    // Every page not in an item is a marked blank page.
    for (i, c) in covered.iter().enumerate().skip(1) {
        if !c {
            assert!(
                pages[i - 1].contains("This page is intentionally left blank"),
                "page {i} is neither an item nor marked blank"
            );
        }
    }
    // A bookmark per item, pointing at its first page.
    let json = std::process::Command::new("qpdf")
        .arg("--json")
        .arg(&pdf)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let marks: Vec<(String, u64)> = v["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap().to_string(),
                o["destpageposfrom1"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(marks[0], ("AGENDA".to_string(), 1), "{marks:?}");
    let marks = &marks[1..];
    assert_eq!(marks.len(), 3, "{marks:?}");
    for ((title, page), (_, a, _)) in marks.iter().zip(&r) {
        assert!(title.starts_with("Item "), "{title}");
        assert_eq!(*page as usize, *a, "bookmark {title}");
    }
}

#[test]
fn exempt_items_are_withheld_from_the_public_pack() {
    let p = Project::demo();
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "  - { number: \"7\", title: Future meeting dates }",
        "  - { number: \"7\", title: Future meeting dates }\n  - { number: \"8\", title: Contract award for specialist placements, markdown: ombudsman.md, exempt: 3 }",
    );
    std::fs::write(&path, yaml).unwrap();
    assert!(p.run(&["pack"]).status.success());
    let public = squash(&pdf_text(&p.path().join("out/send-sub-2023-09-pack.pdf")));
    assert!(public.contains("Contract award for specialist placements — exempt under paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972; withheld from the public pack"), "{public}");
    assert_eq!(
        public
            .matches("Report by the Local Government and Social Care Ombudsman The Ombudsman")
            .count(),
        1
    );
    let o = p.run(&["pack", "--include-exempt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full = squash(&pdf_text(
        &p.path().join("out/send-sub-2023-09-pack-full.pdf"),
    ));
    assert_eq!(
        full.matches("The Ombudsman investigated").count(),
        2,
        "the exempt item is in the members' pack"
    );
    assert!(!full.contains("withheld from the public pack"));
}

#[test]
fn check_validates_meetings_and_the_documents_they_name() {
    let p = Project::demo();
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path)
        .unwrap()
        .replace("document: send-app-2023", "document: send-app-2032");
    std::fs::write(&path, yaml).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "error[Q0025]: item 5 points to `send-app-2032`, which is not a document under content/"
        ),
        "{e}"
    );
    assert!(e.contains("did you mean `send-app-2023`?"), "{e}");
    assert!(e.contains("invalid send-sub-2023-09 (meeting)"), "{e}");
}

#[test]
fn packs_are_recorded_and_verified_like_documents() {
    let p = Project::demo();
    assert!(p.run(&["pack"]).status.success());
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("verified send-sub-2023-09-pack (1 file(s) byte-identical)"),
        "{}",
        stderr(&o)
    );
    let minutes = p
        .path()
        .join("content/send-sub-2023-09/minutes-2023-07-25.md");
    let text =
        std::fs::read_to_string(&minutes)
            .unwrap()
            .replacen("Nine members", "Eight members", 1);
    std::fs::write(&minutes, text).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("input changed: content/send-sub-2023-09/minutes-2023-07-25.md"),
        "{}",
        stderr(&o)
    );
}
