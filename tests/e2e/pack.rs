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
        // Item 5 starts with its covering report.
        ("5", "Subject: Accelerated Progress Plan"),
        // Item 6 starts with the council's report on the Ombudsman's findings.
        ("6", "Subject: LGSCO Public Report Actions"),
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
    // Bookmarks nest (issue 25): the agenda, then one per item at its first
    // page; under an item its parts' own bookmarks (the covering report's
    // numbered sections, the APP report's and the scorecard's titles, an
    // appendix); under a part its areas and annexes, under an area its
    // sub-themes.
    let json = std::process::Command::new("qpdf")
        .arg("--json")
        .arg(&pdf)
        .output()
        .expect("qpdf runs");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    fn mark(o: &serde_json::Value) -> (String, u64) {
        (
            o["title"].as_str().unwrap().to_string(),
            o["destpageposfrom1"].as_u64().unwrap(),
        )
    }
    let top = v["outlines"].as_array().unwrap();
    let marks: Vec<(String, u64)> = top.iter().map(mark).collect();
    assert_eq!(marks[0], ("AGENDA".to_string(), 1), "{marks:?}");
    let titles: Vec<&str> = marks[1..].iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        titles,
        [
            "Item 4: Minutes of the meeting held on 25 July 2023",
            "Item 5: Kent Local Area Accelerated Progress Plan",
            "Item 6: Report by the Local Government and Social Care Ombudsman",
        ],
        "{marks:?}"
    );
    for ((item, a, _), (_, page)) in r.iter().zip(&marks[1..]) {
        assert_eq!(*page as usize, *a, "bookmark of item {item}");
    }
    let kids = |o: &serde_json::Value| -> Vec<(String, u64)> {
        o["kids"]
            .as_array()
            .map_or(Vec::new(), |k| k.iter().map(mark).collect())
    };
    let item5 = kids(&top[2]);
    let names: Vec<&str> = item5.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        names,
        [
            "1. Introduction",
            "2. Accelerated Progress Plan",
            "3. Review and monitoring",
            "4. Recommendation",
            "5. Background documents",
            "6. Contact details",
            "Kent Local Area Accelerated Progress Plan – progress report",
            "Kent Local Area Accelerated Progress Plan – progress report: KPI scorecard",
        ],
        "{item5:?}"
    );
    // The APP report: its areas of weakness and its annex under its title,
    // each area's sub-themes under the area, at the pages of the pack.
    let report = &top[2]["kids"][6];
    let areas = kids(report);
    let area_names: Vec<&str> = areas.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        area_names.iter().filter(|t| t.starts_with("Area ")).count(),
        9,
        "{areas:?}"
    );
    assert_eq!(
        area_names.last(),
        Some(&"Partnership risk register"),
        "{areas:?}"
    );
    let area1 = areas
        .iter()
        .position(|(t, _)| t.starts_with("Area 1: "))
        .unwrap();
    let subs = kids(&report["kids"][area1]);
    assert!(subs.len() >= 5 && subs[0].0.starts_with("1a: "), "{subs:?}");
    assert!(
        squash(&pages[areas[area1].1 as usize - 1]).contains("Area 1: Parents widely doubt"),
        "{areas:?}"
    );
    // Item 6: its sections and its appendices, the Ombudsman's report with
    // its own headings under it.
    let item6 = kids(&top[3]);
    assert!(item6[0].0 == "1. Introduction", "{item6:?}");
    let app_a = item6
        .iter()
        .position(|(t, _)| t.starts_with("Appendix A: "))
        .unwrap_or_else(|| panic!("{item6:?}"));
    assert!(!kids(&top[3]["kids"][app_a]).is_empty(), "{item6:?}");
}

#[test]
fn exempt_items_are_withheld_from_the_public_pack() {
    let p = Project::demo();
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "  - { number: \"7\", title: Future Meeting Dates }",
        "  - { number: \"7\", title: Future Meeting Dates }\n  - { number: \"8\", title: Contract award for specialist placements, markdown: contract.md, exempt: 3 }",
    );
    std::fs::write(&path, yaml).unwrap();
    p.write(
        "content/send-sub-2023-09/contract.md",
        "# Contract award\n\nThe preferred bidder is Zebedee Placements Ltd.\n",
    );
    assert!(p.run(&["pack"]).status.success());
    let public = squash(&pdf_text(&p.path().join("out/send-sub-2023-09-pack.pdf")));
    assert!(public.contains("Contract award for specialist placements — exempt under paragraph 3 of Part 1 of Schedule 12A to the Local Government Act 1972; withheld from the public pack"), "{public}");
    assert!(!public.contains("Zebedee"), "{public}");
    let o = p.run(&["pack", "--include-exempt"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let full = squash(&pdf_text(
        &p.path().join("out/send-sub-2023-09-pack-full.pdf"),
    ));
    assert!(
        full.contains("The preferred bidder is Zebedee Placements Ltd."),
        "the exempt item is in the members' pack"
    );
    assert!(!full.contains("withheld from the public pack"));
}

#[test]
fn check_validates_meetings_and_the_documents_they_name() {
    let p = Project::demo();
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap().replace(
        "document: send-app-2023-cover",
        "document: send-app-2032-cover",
    );
    std::fs::write(&path, yaml).unwrap();
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(
            "error[Q0025]: item 5 points to `send-app-2032-cover`, which is not a document under content/"
        ),
        "{e}"
    );
    assert!(e.contains("did you mean `send-app-2023-cover`?"), "{e}");
    assert!(e.contains("invalid send-sub-2023-09 (meeting)"), "{e}");
}

#[test]
fn packs_are_recorded_and_verified_like_documents() {
    let p = Project::demo();
    assert!(p.run(&["pack"]).status.success());
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("verified send-sub-2023-09-pack (7 file(s) byte-identical)"),
        "{}",
        stderr(&o)
    );
    let minutes = p
        .path()
        .join("content/send-sub-2023-09/minutes-2023-07-25.md");
    let text =
        std::fs::read_to_string(&minutes)
            .unwrap()
            .replacen("Mr R Lehmann", "Mr R Lehman", 1);
    std::fs::write(&minutes, text).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("input changed: content/send-sub-2023-09/minutes-2023-07-25.md"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn an_item_with_attachments_is_one_item_covering_all_its_parts() {
    // Item 5 of the demo: a covering report, then the APP report and its KPI
    // scorecard (meeting.yaml: `document` + `attachments`).
    let p = Project::demo();
    let o = p.run(&["pack", "send-sub-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pdf = p.path().join("out/send-sub-2023-09-pack.pdf");
    let pages = pdf_pages(&pdf);
    let agenda = squash(&pages[0]);
    assert_eq!(
        agenda
            .matches("Kent Local Area Accelerated Progress Plan")
            .count(),
        1,
        "item 5 is listed once:\n{agenda}"
    );
    let r = ranges(&pages[0]);
    let &(_, a, b) = r.iter().find(|(i, _, _)| i == "5").unwrap();
    let (_, next, _) = r.iter().find(|(i, _, _)| i == "6").unwrap();
    // The range starts with the covering report ...
    let first = squash(&pages[a - 1]);
    assert!(
        first.contains("Subject: Accelerated Progress Plan")
            && first.contains("To: Scrutiny SEND Sub-Committee – 28 September 2023"),
        "page {a}:\n{first}"
    );
    // ... the APP report and the scorecard each start on a right-hand page inside it ...
    let starts = |needle: &str| {
        (a..=b)
            .find(|&i| squash(&pages[i - 1]).contains(needle))
            .unwrap_or_else(|| panic!("`{needle}` is not in pages {a}-{b}"))
    };
    let report =
        starts("Kent Local Area Accelerated Progress Plan – progress report Local area Kent");
    let scorecard = starts("progress report: KPI scorecard Local area Kent");
    assert!(
        a < report && report < scorecard,
        "{a} {report} {scorecard} {b}"
    );
    assert!(
        report % 2 == 1 && scorecard % 2 == 1,
        "{report} {scorecard}"
    );
    // ... and ends with the scorecard's last page (app-report@3 ends it with the
    // catalogue's KPIs that have no published figures); the next item follows.
    let last = squash(&pages[b - 1]);
    assert!(
        last.contains("APPSLT-2") || last.contains("APP64"),
        "page {b}: {last}"
    );
    assert!(b < *next, "{b} {next}");
    // The item's pages are exactly the three documents built on their own, plus
    // marked blank pages between them.
    assert!(
        p.run(&["build", "send-app-2023-cover", "send-app-2023"])
            .status
            .success()
    );
    let alone: usize = [
        "send-app-2023-cover",
        "send-app-2023",
        "send-app-2023-scorecard",
    ]
    .iter()
    .map(|f| pdf_pages(&p.path().join(format!("out/{f}.pdf"))).len())
    .sum();
    let blank = (a..=b)
        .filter(|&i| pages[i - 1].contains("This page is intentionally left blank"))
        .count();
    assert_eq!(b - a + 1, alone + blank, "pages {a}-{b}, {blank} blank");
    // Every part's text is in the pack: the cover's facts, the report's actions, the scorecard's KPIs.
    let text = squash(&pdf_text(&pdf));
    for needle in [
        "The Partnership Delivery Group (PDG) oversees progress on the APP",
        "Report author: Christine McInnes Director of Education and SEN",
        "Summary by area of weakness",
        "APP04",
    ] {
        assert!(text.contains(needle), "`{needle}` is not in the pack");
    }
    // The manifest records every part's inputs, so `verify` notices a change in any.
    let manifest = std::fs::read_to_string(p.path().join("out/manifest.json")).unwrap();
    let v: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    let inputs = &v["documents"]["send-sub-2023-09-pack"]["inputs"];
    for f in [
        "content/send-app-2023-cover/paper.yaml",
        "content/send-app-2023-cover/01-plan.md",
        "content/send-app-2023/plan.yaml",
    ] {
        assert!(inputs.get(f).is_some(), "{f} not in {inputs}");
    }
    let cover = p.path().join("content/send-app-2023-cover/01-plan.md");
    let t = std::fs::read_to_string(&cover)
        .unwrap()
        .replacen("late August", "late July", 1);
    std::fs::write(&cover, t).unwrap();
    let o = p.run(&["verify"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("input changed: content/send-app-2023-cover/01-plan.md"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn attachments_are_checked_with_located_errors() {
    let p = Project::demo();
    let path = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let yaml = yaml
        .replace(
            "attachments: [send-app-2023, send-app-2023-scorecard]",
            "attachments: [send-app-2023, send-app-2023-scorecrd, send-app-2023, send-app-2023-cover]",
        )
        .replace(
            "  - { number: \"7\", title: Future Meeting Dates }",
            "  - { number: \"7\", title: Future Meeting Dates, attachments: [send-app-2023] }",
        );
    std::fs::write(&path, yaml).unwrap();
    for cmd in ["check", "pack"] {
        let o = p.run(&[cmd]);
        assert_eq!(o.status.code(), Some(1), "{cmd}");
        let e = stderr(&o);
        for (message, at) in [
            (
                "error[Q0025]: item 5 attaches `send-app-2023-scorecrd`, which is not a document under content/",
                "meeting.yaml:",
            ),
            ("did you mean `send-app-2023-scorecard`?", ""),
            ("`send-app-2023` is attached twice", "listed again here"),
            (
                "`send-app-2023-cover` is this item's document and one of its attachments",
                "already the item's document",
            ),
            (
                "an item with `attachments` needs a `document` or `markdown` to come first",
                "attached to nothing",
            ),
        ] {
            assert!(e.contains(message), "{cmd}: `{message}` missing:\n{e}");
            assert!(e.contains(at), "{cmd}: `{at}` missing:\n{e}");
        }
        assert!(!p.path().join("out/send-sub-2023-09-pack.pdf").exists());
    }
}

#[test]
fn each_part_of_a_pack_numbers_its_tables_from_one_as_its_own_pdf_does() {
    // cype-risk-2019 (committee-report@3) prints "Table 1" and "Table 2" (its
    // heat maps). Packed twice, each copy keeps its own numbers.
    let p = Project::demo();
    p.write(
        "content/twice/meeting.yaml",
        "kind: meeting\nlayout: agenda-pack@2\ncommittee: Cabinet Committee\ndate: 2019-03-21\n\
         time: 10.00 am\nvenue: Council Chamber\ncontact: { name: Democratic Services Officer, telephone: 03000 416000 }\n\
         membership:\n  - { group: Members, members: [Mr A Member] }\n\
         items:\n  - { number: \"1\", title: Risk management, document: cype-risk-2019 }\n\
         \x20 - { number: \"2\", title: Risk management again, document: cype-risk-2019 }\n",
    );
    let o = p.run(&["pack", "twice"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/twice-pack.pdf")));
    assert_eq!(
        text.matches("Table 1: Current risk positions").count(),
        2,
        "{text}"
    );
    assert_eq!(text.matches("Table 2: Target risk positions").count(), 2);
    assert!(!text.contains("Table 3"), "{text}");
}

#[test]
fn build_and_watch_make_a_pack_again_when_its_papers_or_meeting_change() {
    // Once packed, a pack is never older than the papers in it: `build`
    // makes it again when an item's paper changed (before, only `verify`
    // noticed), and `watch` when the meeting's own files change.
    let p = Project::demo();
    let o = p.run(&["pack", "send-sub-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pack = p.path().join("out/send-sub-2023-09-pack.pdf");
    let cover = p.path().join("content/send-app-2023-cover/01-plan.md");
    let t = std::fs::read_to_string(&cover)
        .unwrap()
        .replacen("late August", "late July", 1);
    std::fs::write(&cover, t).unwrap();
    let o = p.run(&["build", "send-app-2023-cover"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("input changed: content/send-app-2023-cover/01-plan.md"),
        "{err}"
    );
    assert!(
        err.contains("repacked send-sub-2023-09-pack.pdf ("),
        "{err}"
    );
    assert!(squash(&pdf_text(&pack)).contains("late July"));
    let o = p.run(&["verify"]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Nothing changed: nothing is packed again.
    let o = p.run(&["build"]);
    assert!(!stderr(&o).contains("repacked"), "{}", stderr(&o));
}

/// `future-meetings: [Tuesday 31 October 2023, 2pm]` is two meetings to YAML:
/// the second half is told for what it is, with the fix.
#[test]
fn a_meeting_split_at_its_comma_is_a_warning_with_the_fix() {
    let p = Project::demo();
    let rel = "content/send-sub-2023-09/meeting.yaml";
    let text = std::fs::read_to_string(p.path().join(rel)).unwrap();
    let start = text.find("future-meetings:").unwrap();
    let end = text[start..].find("\n# ").map_or(text.len(), |e| start + e);
    p.write(
        rel,
        &format!(
            "{}future-meetings: [Tuesday 31 October 2023, 2pm]\n{}",
            &text[..start],
            &text[end..]
        ),
    );
    let o = p.run(&["check"]);
    let err = stderr(&o);
    assert!(
        err.contains("warning[Q0123]: `2pm` looks like the end of the meeting before it, `Tuesday 31 October 2023`")
            && err.contains("quote the meeting (\"Tuesday 31 October 2023, 2pm\")"),
        "{err}"
    );
    // Written one a line, as the docs now show, it is one meeting.
    p.write(rel, &text);
    assert!(!stderr(&p.run(&["check"])).contains("Q0123"));
}

#[test]
fn item_6_is_the_councils_report_with_the_ombudsmans_report_and_letter_as_appendices() {
    // As the published pack: the council's committee report "LGSCO Public
    // Report Actions", then its Appendix A (the Ombudsman's report) and
    // Appendix C (the template letter); Appendix B, the APP, is a background
    // document only.
    let p = Project::demo();
    let o = p.run(&["pack", "send-sub-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let pages = pdf_pages(&p.path().join("out/send-sub-2023-09-pack.pdf"));
    let (_, a, b) = ranges(&pages[0])
        .into_iter()
        .find(|(i, _, _)| i == "6")
        .unwrap_or_else(|| panic!("item 6 has no page range:\n{}", pages[0]));
    assert!(
        squash(&pages[0])
            .contains("6 Report by the Local Government and Social Care Ombudsman (Pages"),
        "the agenda keeps the published title:\n{}",
        pages[0]
    );
    let cover = squash(&pages[a - 1]);
    for want in [
        "From: Rory Love, Cabinet Member for Education and Skills Sarah Hammond, Corporate Director of Children, Young People and Education",
        "To: SEND Sub-Committee – 28 September 2023",
        "Subject: LGSCO Public Report Actions",
        "Classification: Unrestricted",
        "Past pathway of paper: None",
        // The label wraps in its column: "Future pathway of N/A paper:".
        "Future pathway of N/A",
        "reference 22 003 403",
        "The SEND Sub-Committee is asked to note this report.",
    ] {
        assert!(
            cover.contains(want),
            "item 6's cover lacks {want:?}:\n{cover}"
        );
    }
    let item = squash(&pages[a - 1..b].join("\n"));
    // The numbered sections, then the lettered appendices, in order.
    let mut at = 0;
    for want in [
        "1. Introduction",
        "2. The annual review procedure",
        "3. An action plan for delays in annual reviews and complaints",
        "4. Complaint handling and letters of apology",
        "5. Financial implications",
        "6. Legal implications",
        "7. Governance",
        "8. Recommendation",
        "9. Background documents",
        "10. Contact details",
        "Appendix A: Report by the Local Government and Social Care Ombudsman, case 22 003 403",
        "Appendix C: Template of parental communication",
    ] {
        let found = item[at..].find(want);
        assert!(found.is_some(), "{want:?} missing or out of order:\n{item}");
        at += found.unwrap() + want.len();
    }
    assert!(!item.contains("Appendix B:"), "Appendix B is not printed");
    let appendix_a = item.find("Appendix A: Report by").unwrap();
    let appendix_c = item.find("Appendix C: Template").unwrap();
    let (report, ombudsman, letter) = (
        &item[..appendix_a],
        &item[appendix_a..appendix_c],
        &item[appendix_c..],
    );
    // The council's report: the paragraphs numbered, the complaint figures, the
    // background documents and the relevant director.
    for want in [
        "1.1 On 26 June 2023",
        "each of the 170 people",
        "Overdue at 15 August 297 50",
        "Received, 1 April to 15 August 217 30",
        "Completed, 1 April to 15 August 103 19",
        "Appendix B – Accelerated Progress Plan",
        "Relevant director: Christine McInnes Director of Education and SEN",
    ] {
        assert!(
            report.contains(want),
            "the report lacks {want:?}:\n{report}"
        );
    }
    // Appendix A: the complaint, the faults, the remedy with its sums, the
    // recommendations and the complaint figures.
    for want in [
        "Mrs X complained",
        "141 overdue stage one SEN complaints and 29 overdue stage two complaints",
        "43 working days",
        "13 months",
        "pay Mrs X £300",
        "pay £200",
        "pay £1,300",
        "pay £100",
        "each of the 170 people",
        "democratic scrutiny",
    ] {
        assert!(
            ombudsman.contains(want),
            "Appendix A lacks {want:?}:\n{ombudsman}"
        );
    }
    // Appendix C: the template letter, from the complaints team.
    for want in [
        "Children’s Complaints Team",
        "Kroner House",
        "03000 410304",
        "stage 1 complaint",
        "Yours sincerely",
    ] {
        assert!(
            letter.contains(want),
            "Appendix C lacks {want:?}:\n{letter}"
        );
    }
}
