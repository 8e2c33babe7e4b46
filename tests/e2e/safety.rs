//! Author text is data, never code: a hostile corpus through every field type
//! must appear literally in the PDF and never execute.

use crate::harness::*;

fn normalise(s: &str) -> String {
    squash(&s.replace(['“', '”'], "\"").replace(['‘', '’'], "'"))
}

#[test]
fn hostile_text_is_printed_literally_in_every_field() {
    let p = Project::fixture("hostile");
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = normalise(&pdf_text(&p.path().join("out/hostile-paper.pdf")));
    for want in [
        // YAML cover fields
        r#"Committee #read("/etc/passwd") $x^2$ @ref <label>"#,
        r#"#import "@preview/cetz:0.1.0": * \ ] [ * _ = - // /* #{ } "quoted""#,
        r#"#eval("1+1")"#,
        r#"Role with \backslash and ] unbalanced ["#,
        "= Not a heading",
        "- not a list",
        "@all, <everyone>, #sys.inputs",
        // Markdown from YAML (summary, recommendations)
        r#"Summary with #read("/etc/passwd") and $x^2$ and @ref and <label> and code and \ and ] [ and #{ 1 + 1 }."#,
        r#"Recommend #import "@preview/x:0.1.0" and // comment /* block"#,
        // contacts and background documents
        r#"#read("/etc/shadow")"#,
        "$ math $",
        "Telephone: #(1+1)",
        r#"Doc #include "x.typ""#,
        // narrative Markdown
        r#"Heading with #read("/etc/passwd")"#,
        r#"A paragraph with #read("/etc/passwd") and #import "@preview/cetz:0.1.0" and $x^2$ and @ref and <label>."#,
        r#"Backslash \ and #escaped and unbalanced ] and [ and #{ 1 + 1 } and "quotes" and // slashes /* star."#,
        "= Typst heading syntax at line start",
        r#"list item with #eval("1")"#,
        // template values are escaped for Markdown too: no emphasis appears
        r#"The data value is #read("/etc/passwd") *not bold* _x_ and the subject is"#,
        "col #a col $b$",
        "@x <y>",
        "<script>alert(1)</script>",
        // register fields, through the appendix
        r#"Register #read("/etc/passwd")"#,
        "Title $x$ @y <z> #f()",
        r#"Cause with #read("/etc/passwd")"#,
        "= heading? no",
        r#"Control #import "@preview/x:0.1.0""#,
        "Action // not a comment",
        "/* not a comment */",
        "TBC #x",
    ] {
        assert!(
            text.contains(&normalise(want)),
            "missing literal {want:?} in:\n{text}"
        );
    }
    // Nothing was executed: no file contents, no evaluated arithmetic.
    assert!(!text.contains("root:"), "file contents leaked");
    assert!(!text.contains("Telephone: 2"));
}

#[test]
fn forged_block_markers_are_rejected() {
    let p = Project::fixture("minimal");
    p.write(
        "content/budget-2025/02-forged.md",
        "# Forged\n\n<!--quire:block:99-->\n",
    );
    let o = p.run(&["check"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o)
            .contains("error[Q0010]: `<!--quire:block:99-->` is reserved for generated blocks"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn layouts_cannot_read_outside_the_project_or_fetch_packages() {
    let p = Project::fixture("minimal");
    let layout = p.path().join("layouts/committee-report-v3.typ");
    let original = std::fs::read_to_string(&layout).unwrap();
    for (evil, expect) in [
        ("#read(\"/etc/passwd\")\n", "typst: file not found"),
        ("#read(\"../../../../../../etc/passwd\")\n", "typst:"),
        (
            "#import \"@preview/cetz:0.2.2\"\n",
            "quire does not download or use Typst packages",
        ),
    ] {
        std::fs::write(&layout, format!("{evil}{original}")).unwrap();
        let o = p.run(&["build"]);
        let e = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{e}");
        assert!(e.contains(expect), "expected {expect:?} in:\n{e}");
        assert!(!e.contains("root:"), "{e}");
    }
}

#[test]
fn hostile_text_in_returns_and_plans_is_printed_literally() {
    let p = Project::fixture("valve-quarterly");
    let path = p.path().join("content/northshire-sv-2025-26/return.yaml");
    let yaml = std::fs::read_to_string(&path).unwrap();
    let yaml = yaml.replacen(
        "authority: Northshire Council",
        "authority: 'Northshire #read(\"/etc/passwd\") $x$ @y <z> ] \\ //'",
        1,
    );
    std::fs::write(&path, yaml).unwrap();
    let o = p.run(&["build"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let text = squash(&pdf_text(&p.path().join("out/northshire-sv-2025-26.pdf")));
    assert!(
        text.contains(
            r#"Safety Valve monitoring template: Northshire #read("/etc/passwd") $x$ @y <z> ] \ //"#
        ),
        "{text}"
    );
    assert!(!text.contains("root:"));
}
