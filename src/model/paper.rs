//! A committee paper: the cover sheet, narrative, contacts and appendices.

use super::Sp;
use crate::source::FileId;
use chrono::NaiveDate;
use serde::Serialize;

/// A layout and the version a document was published with (`committee-report@1`).
#[derive(Clone, Debug, Serialize, PartialEq, Eq)]
pub struct LayoutRef {
    pub name: String,
    pub version: u32,
}

impl LayoutRef {
    /// The file that holds this layout version, relative to the project root.
    pub fn path(&self) -> String {
        format!("layouts/{}-v{}.typ", self.name, self.version)
    }

    pub fn label(&self) -> String {
        format!("{}@{}", self.name, self.version)
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct Person {
    pub name: String,
    pub role: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Contact {
    pub label: String,
    pub name: String,
    /// The job title; required before layout version 3.
    pub title: Option<String>,
    pub telephone: Option<String>,
    pub email: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct BackgroundDoc {
    pub title: String,
    pub url: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub enum AppendixKind {
    Register {
        name: Sp<String>,
        since: Option<String>,
        /// `risk-pages: shared`: the risks follow one another, several to a
        /// page where they fit, as the council's register prints them;
        /// otherwise each starts a page (layouts from version 3).
        shared: bool,
    },
    Markdown {
        path: Sp<String>,
    },
}

#[derive(Clone, Debug, Serialize)]
pub struct Appendix {
    pub title: String,
    /// What the appendix is called where the paper gives it (`A`, `C`), as
    /// published; otherwise the layout numbers it by its place (1, 2, …).
    pub number: Option<String>,
    pub kind: AppendixKind,
}

/// When a paper was released to the committee (`released: 2026-03-02 09:30`):
/// a date, and the time when the paper gives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Released {
    pub date: NaiveDate,
    pub time: Option<chrono::NaiveTime>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Paper {
    /// The folder name under `content/`: the paper's stable id and output name.
    pub id: String,
    #[serde(skip)]
    pub file: FileId,
    /// The council's report template, if the paper follows one.
    pub template: Option<Sp<LayoutRef>>,
    pub layout: Sp<LayoutRef>,
    pub committee: String,
    pub meeting_date: NaiveDate,
    /// When the paper was released, as it says (`released:`); a report
    /// template's `late:` works out from it whether the paper is late.
    #[serde(skip)]
    pub released: Option<Sp<Released>>,
    pub subject: String,
    pub decision_number: Option<String>,
    pub key_decision: bool,
    /// Whether the paper says if it is a key decision (v2 layouts print the
    /// row only then; v1 printed "No" when it said nothing).
    pub key_decision_given: bool,
    pub classification: String,
    pub from: Vec<Person>,
    pub to: String,
    pub past_pathway: String,
    pub future_pathway: String,
    pub electoral_divisions: Vec<String>,
    pub summary: Sp<String>,
    pub recommendations: Vec<Sp<String>>,
    /// Narrative files, relative to the paper folder, in order.
    pub narrative: Vec<Sp<String>>,
    /// Register name → path relative to the paper folder.
    pub registers: Vec<(Sp<String>, Sp<String>)>,
    pub contacts: Vec<Contact>,
    pub background: Vec<BackgroundDoc>,
    pub appendices: Vec<Appendix>,
    /// How the appendices are numbered (`appendix-numbering: letters`, as the
    /// paper or its report template says): A, B, C … or 1, 2, 3 ….
    pub appendix_letters: Option<Sp<bool>>,
}

impl Paper {
    /// Appendix `i`'s (from 0) label as printed: its own, as published
    /// (`number: C`), else `A` or `1` by its place and the paper's numbering.
    pub fn appendix_label(&self, i: usize) -> String {
        if let Some(n) = self.appendices.get(i).and_then(|a| a.number.clone()) {
            return n;
        }
        appendix_label(self.appendix_letters.as_ref().is_some_and(|l| l.value), i)
    }
}

/// Appendix `i`'s (from 0) label: `A` … `Z`, `AA` … with letters, else its number.
pub fn appendix_label(letters: bool, i: usize) -> String {
    if !letters {
        return (i + 1).to_string();
    }
    let mut n = i + 1;
    let mut s = Vec::new();
    while n > 0 {
        n -= 1;
        s.push(b'A' + (n % 26) as u8);
        n /= 26;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}
