//! A council's report template as data (`templates/<name>-vN.yaml`): the cover
//! fields in order with the council's own labels, conditional rules, the
//! mandatory sections in order, limits and standard tables. A paper names its
//! template (`template: cabinet-report@1`) and `quire check` reports every
//! departure from it.

use crate::diag::Severity;
use crate::model::Style;
use crate::model::paper::LayoutRef;
use crate::source::Span;
use serde::Serialize;

/// What a cover field holds.
#[derive(Clone, Debug, Serialize, PartialEq)]
#[serde(rename_all = "kebab-case", tag = "type")]
pub enum FieldType {
    Text,
    /// A person: name, role, and optionally telephone and email.
    Person,
    Date,
    YesNo,
    Choice {
        choices: Vec<String>,
    },
    /// "All", or a list of wards or divisions.
    Wards,
    /// One or more people, each with a name and role (the county cover's "From").
    People,
    /// A paper's pathway through committees: a list of meetings, each a
    /// committee and a date, printed one a line with the date in words.
    Meetings,
}

/// The parts of a person a template may require (`require: [name, role, …]`),
/// as papers write them; `name` is always required.
pub const PERSON_PARTS: &[&str] = &["name", "role", "telephone", "email", "area"];

#[derive(Clone, Debug, Serialize)]
pub struct CoverField {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub ty: FieldType,
    pub required: bool,
    pub help: Option<String>,
    /// Error or warning when the field is missing, the council's choice.
    #[serde(skip)]
    pub severity: Severity,
    /// Limits on the field's text (words, characters, sentences…).
    #[serde(skip)]
    pub limits: Limits,
    /// A person's (or each of the people's) parts the template requires
    /// (`require: [name, role, telephone, email]`): `name` always.
    #[serde(skip)]
    pub parts: Vec<String>,
    /// A list of meetings: whether their dates must run in order (a warning
    /// when they do not, `in-order: true`).
    #[serde(skip)]
    pub in_order: bool,
    /// A list of meetings: whether it must name the paper's own committee on
    /// its meeting date (`names-committee: true`).
    #[serde(skip)]
    pub names_committee: bool,
}

/// When a paper is late, as the council defines it: released after a time on
/// the day a number of working days (Monday to Friday, less the days the
/// council lists) before its meeting (`late: { working-days-before: 7,
/// released-after: "10:00" }`).
#[derive(Clone, Debug)]
pub struct Lateness {
    pub working_days_before: u32,
    /// The time on that day after which the paper is late; none: the end of
    /// the day.
    pub released_after: Option<chrono::NaiveTime>,
    /// Days the council does not count as working days (bank holidays), as
    /// it lists them; none else is assumed.
    pub holidays: Vec<chrono::NaiveDate>,
    /// The yes/no cover field in which a paper says whether it is late.
    pub flag: Option<String>,
    /// Cover fields (or sections) a late paper must give (its reason).
    pub require: Vec<String>,
    pub message: Option<String>,
    pub severity: Severity,
    pub span: Span,
}

/// When every `when` field has its value, every `require` field (or section)
/// must be present and every `forbid` field absent.
#[derive(Clone, Debug)]
pub struct Rule {
    pub when: Vec<(String, String)>,
    pub require: Vec<String>,
    pub forbid: Vec<String>,
    pub message: Option<String>,
    pub severity: Severity,
    pub span: Span,
}

#[derive(Clone, Debug, Serialize)]
pub struct SectionSpec {
    pub title: String,
    pub required: bool,
    /// The fewest options (`##` sub-headings or list items) the section must
    /// hold, e.g. "at least three options including doing nothing".
    pub min_items: Option<usize>,
    /// Options the section must include by name (e.g. "Do nothing"), matched
    /// case-insensitively within the option headings or list items.
    pub must_include: Vec<String>,
    /// Error or warning, the council's choice, for departures from this section.
    #[serde(skip)]
    pub severity: Severity,
    #[serde(skip)]
    pub span: Span,
    /// Limits on the section's text ("Context: 1–2 paragraphs").
    #[serde(skip)]
    pub limits: Limits,
}

/// How a layout numbers the narrative's paragraphs.
#[derive(Clone, Copy, Debug, Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum Numbering {
    /// 1.1, 1.2 … within numbered sections 1, 2 ….
    Sections,
    /// 1, 2, 3 … consecutively through the report; sections unnumbered.
    Paragraphs,
    /// Nothing numbered.
    None,
}

#[derive(Clone, Debug)]
pub struct Limit {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub severity: Severity,
    pub span: Span,
}

/// What a limit on a piece of text counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Measure {
    Words,
    Characters,
    Sentences,
    Paragraphs,
    /// The words of the longest sentence ("no sentence over 35 words").
    SentenceWords,
}

impl Measure {
    /// Every measure with the template key that sets it.
    pub const ALL: &'static [(&'static str, Measure)] = &[
        ("words", Measure::Words),
        ("characters", Measure::Characters),
        ("sentences", Measure::Sentences),
        ("paragraphs", Measure::Paragraphs),
        ("sentence-words", Measure::SentenceWords),
    ];

    /// The unit as a count is printed ("3 paragraphs").
    pub fn unit(self, n: usize) -> &'static str {
        match (self, n == 1) {
            (Measure::Words | Measure::SentenceWords, true) => "word",
            (Measure::Words | Measure::SentenceWords, false) => "words",
            (Measure::Characters, true) => "character",
            (Measure::Characters, false) => "characters",
            (Measure::Sentences, true) => "sentence",
            (Measure::Sentences, false) => "sentences",
            (Measure::Paragraphs, true) => "paragraph",
            (Measure::Paragraphs, false) => "paragraphs",
        }
    }
}

/// Limits on one part of a paper (a cover field, a section, a table column, the
/// summary): any measures, each with a minimum and a maximum.
#[derive(Clone, Debug, Default)]
pub struct Limits(pub Vec<(Measure, Limit)>);

/// What a page limit counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum PageCount {
    /// Every side as typeset, appendices included.
    #[default]
    All,
    /// The report itself: the sides before the first appendix.
    Body,
}

/// A standard table the template expects, with the rows it requires; with
/// `sign-off`, each row names who signed it off.
#[derive(Clone, Debug, Serialize)]
pub struct TableSpec {
    pub key: String,
    pub label: String,
    /// Rows the table must hold, by their first cell (e.g. the implications).
    pub rows: Vec<String>,
    pub sign_off: bool,
    /// The table's own columns (a timetable, an audit trail, a report history);
    /// empty for the implications shape (row, text, signed off by).
    pub columns: Vec<ColumnSpec>,
    /// Whether the paper must have the table (table presence is a limit too).
    pub required: bool,
    /// The fewest rows the table must hold.
    pub min_rows: Option<usize>,
    /// Printed on the front page, after the recommendations (`place:
    /// front`), as some councils print their timetable; else after the
    /// narrative.
    pub front: bool,
    /// The narrative section the table belongs in (`place: { section:
    /// Implications }`): the paper places it there with
    /// `{{ standard_table("key") }}`, and it is not printed at the end.
    pub section: Option<String>,
    /// Error or warning for this table's checks, the council's choice.
    #[serde(skip)]
    pub severity: Severity,
}

/// A column of a standard table: a key the paper's rows use, the council's label, a type.
#[derive(Clone, Debug, Serialize)]
pub struct ColumnSpec {
    pub key: String,
    pub label: String,
    /// `text` or `date` (written as a GOV.UK long date).
    pub date: bool,
    /// The values a cell may hold (`type: yes-no`, or `type: choice` with
    /// `choices:`), printed as the template writes them; empty: any text.
    pub choices: Vec<String>,
    pub required: bool,
    /// Limits on each cell's text.
    #[serde(skip)]
    pub limits: Limits,
}

#[derive(Clone, Debug)]
pub struct Template {
    /// `name@N`, as papers refer to it.
    pub id: String,
    pub title: String,
    pub cover: Vec<CoverField>,
    pub rules: Vec<Rule>,
    pub sections: Vec<SectionSpec>,
    /// Whether sections are numbered (`numbering: sections`); kept for the
    /// version 1 layout, which knows only this.
    pub numbered: bool,
    pub numbering: Numbering,
    /// The layout that prints papers of this template, when the template names
    /// one: `council-report@N` lays the cover out from `cover:`; a layout with a
    /// fixed cover (`committee-report@N`) reads the paper's own top-level keys.
    pub layout: Option<LayoutRef>,
    /// The template's house style, over the project's (`house-style:`).
    pub style: Option<Style>,
    /// The paper size the template asks for (`paper: a4`).
    pub paper: Option<String>,
    pub summary_words: Option<Limit>,
    /// Lines the summary may take as typeset (`summary-lines`), counted on
    /// the typeset page by layouts that mark their summary (version 3).
    pub summary_lines: Option<Limit>,
    pub social_summary_chars: Option<Limit>,
    pub pages: Option<Limit>,
    /// What the page limit counts (`pages: { max: 5, counts: body }`).
    pub page_count: PageCount,
    /// Limits on the paper's own text fields (`limits: { summary: { paragraphs: … } }`),
    /// by key: `summary`, `social-summary`, or `narrative` (every section).
    pub parts: Vec<(String, Limits)>,
    pub tables: Vec<TableSpec>,
    /// The summary's own heading, as the council words it ("Executive
    /// Summary"); None: "Summary".
    pub summary_label: Option<String>,
    /// Paper fields printed as rows of the cover grid, first, with the
    /// council's labels (`committee`, `meeting-date`, `subject`), instead of
    /// the line above the title (and, for the subject, the title itself).
    pub cover_rows: Vec<(String, String)>,
    /// When a paper is late, worked out from its `released:` date and time.
    pub late: Option<Lateness>,
    /// How its papers' appendices are numbered (`appendix-numbering:
    /// letters`): a paper that says otherwise departs from it.
    pub appendix_letters: Option<crate::model::Sp<bool>>,
}
