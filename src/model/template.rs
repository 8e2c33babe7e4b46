//! A council's report template as data (`templates/<name>-vN.yaml`): the cover
//! fields in order with the council's own labels, conditional rules, the
//! mandatory sections in order, limits and standard tables. A paper names its
//! template (`template: cabinet-report@1`) and `quire check` reports every
//! departure from it.

use crate::diag::Severity;
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
}

#[derive(Clone, Debug, Serialize)]
pub struct CoverField {
    pub key: String,
    pub label: String,
    #[serde(flatten)]
    pub ty: FieldType,
    pub required: bool,
    pub help: Option<String>,
}

/// When every `when` field has its value, every `require` field (or section)
/// must be present.
#[derive(Clone, Debug)]
pub struct Rule {
    pub when: Vec<(String, String)>,
    pub require: Vec<String>,
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
    #[serde(skip)]
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Limit {
    pub min: Option<usize>,
    pub max: Option<usize>,
    pub severity: Severity,
    pub span: Span,
}

/// A standard table the template expects, with the rows it requires; with
/// `sign-off`, each row names who signed it off.
#[derive(Clone, Debug, Serialize)]
pub struct TableSpec {
    pub key: String,
    pub label: String,
    pub rows: Vec<String>,
    pub sign_off: bool,
}

#[derive(Clone, Debug)]
pub struct Template {
    /// `name@N`, as papers refer to it.
    pub id: String,
    pub title: String,
    pub cover: Vec<CoverField>,
    pub rules: Vec<Rule>,
    pub sections: Vec<SectionSpec>,
    pub numbered: bool,
    pub summary_words: Option<Limit>,
    pub social_summary_chars: Option<Limit>,
    pub pages: Option<Limit>,
    pub tables: Vec<TableSpec>,
}
