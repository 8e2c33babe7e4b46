//! Markdown as quire reads it: the parser's options (one set for every
//! walker and check over the same text) and the link addresses a document may
//! use. Below the stages that check and render Markdown, so that they share
//! one rule.

use pulldown_cmark::Options;

/// Longest link address: browsers and PDF readers handle about 2,000 characters.
pub const MAX_URL: usize = 2000;
/// Link schemes a document may use.
pub const LINK_SCHEMES: &[&str] = &["https://", "http://", "mailto:", "tel:"];

/// Why a link address cannot be used, if it cannot.
pub fn check_url(url: &str) -> Option<(String, String)> {
    let url = url.trim();
    if url.is_empty() {
        return Some(("this link has no address".into(), "write the address between the brackets, e.g. [the report](https://example.gov.uk/report.pdf)".into()));
    }
    if url.chars().count() > MAX_URL {
        return Some((
            format!("this link address is longer than {MAX_URL} characters"),
            "link to a shorter address (a page that leads to the document)".into(),
        ));
    }
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return Some((
            "this link address contains spaces or control characters".into(),
            "write spaces in addresses as %20".into(),
        ));
    }
    let lower = url.to_ascii_lowercase();
    if !LINK_SCHEMES
        .iter()
        .any(|s| lower.starts_with(s) && lower.len() > s.len())
    {
        let shown: String = url.chars().take(60).collect();
        return Some((
            format!("the link address `{shown}` is not a web, email or telephone address"),
            "links may start with https://, http://, mailto: or tel:".into(),
        ));
    }
    None
}

pub fn options() -> Options {
    Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_TASKLISTS
}
