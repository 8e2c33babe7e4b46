//! Diagnostics: what went wrong, where, and how to fix it.
//!
//! Stage: shared. Every problem quire reports — YAML syntax, a typo'd key, a score
//! that is not likelihood × impact, a template error, a Typst error in a layout — is
//! a [`Diagnostic`] with a stable [`Code`], rendered like rustc/typst via
//! codespan-reporting: `error[Q0004]: …`, `file:line:col`, the source line with a
//! caret, and `help:` lines. Stages push into a [`Diagnostics`] list and keep going;
//! the command decides the exit status from the worst severity at the end.

pub use crate::source::escape;
use crate::source::{SourceMap, Span};
use codespan_reporting::diagnostic as cs;
use codespan_reporting::term;

macro_rules! codes {
    ($($variant:ident = $code:literal, $desc:literal;)*) => {
        /// Stable diagnostic codes. Never renumber: users search for them.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $($variant,)* }

        impl Code {
    /// A departure from the paper's report template (a rule, a section, a
    /// limit): the paper still says what its data says, so `build --draft`
    /// may typeset it, marked DRAFT with its problems listed.
    pub fn is_template(self) -> bool {
        matches!(
            self,
            Code::TemplateRule
                | Code::TemplateSection
                | Code::TemplateLimit
                | Code::TemplatePerson
                | Code::TemplateLate
        )
    }

            /// Every code, in order.
            pub const ALL: &'static [Code] = &[$(Code::$variant,)*];

            /// The code as printed, e.g. `Q0004`.
            pub fn as_str(self) -> &'static str {
                match self { $(Code::$variant => $code,)* }
            }

            /// One line saying what the code means (listed in docs/diagnostics.md).
            pub fn description(self) -> &'static str {
                match self { $(Code::$variant => $desc,)* }
            }
        }
    };
}

codes! {
    Io = "Q0001", "a file could not be read or written";
    YamlSyntax = "Q0002", "the YAML is not well formed";
    DuplicateKey = "Q0003", "a key appears twice in the same mapping";
    UnknownKey = "Q0004", "a key that this kind of document does not have (often a typo)";
    MissingField = "Q0005", "a required field is missing";
    WrongType = "Q0006", "a value has the wrong type (for example text where a number is expected)";
    InvalidValue = "Q0007", "a value is not one of those allowed";
    InvalidDate = "Q0008", "a date that cannot be read or does not exist";
    Template = "Q0009", "a template expression in Markdown failed (syntax or undefined name)";
    Markdown = "Q0010", "Markdown that quire cannot typeset";
    MissingFile = "Q0011", "a referenced file does not exist or is outside the project";
    Project = "Q0012", "the project (quire.yaml) could not be found or read";
    Typst = "Q0013", "the Typst layout failed to compile";
    Layout = "Q0014", "the requested layout or layout version does not exist";
    Font = "Q0015", "a font in fonts/ cannot be used (outside the project, too large, damaged or not a font)";
    MissingGlyph = "Q0016", "a character that no bundled or project font can print";
    ControlCharacter = "Q0017", "text holds a control character (invisible, and invalid in PDF metadata)";
    NumberRange = "Q0018", "a number is not finite, or too large to be a real figure";
    DuplicateId = "Q0020", "two items share an id that must be unique";
    ScoreMismatch = "Q0021", "a written risk score is not likelihood × impact";
    OutOfScale = "Q0022", "a value lies outside the declared scale";
    TargetWorse = "Q0023", "a target score is worse than the current score";
    EmptyOwner = "Q0024", "an owner is missing or empty";
    UnknownReference = "Q0025", "a reference to a risk, register, KPI or update that does not exist";
    PreviousSnapshot = "Q0026", "the previous snapshot of a register is missing or invalid";
    Overdue = "Q0027", "an action's planned completion date has passed";
    DirectionDisagrees = "Q0028", "a risk's published direction of travel disagrees with its previous rating or the register's previous snapshot";
    NotOnScale = "Q0030", "a rating is not on the declared scale";
    MissingSignOff = "Q0032", "a submitted update has no sign-off";
    YearOrder = "Q0033", "years are out of order or repeated";
    NegativeCount = "Q0034", "a count is negative";
    FigureMismatch = "Q0035", "a typed total or variance differs from the computed one";
    PublishedFigure = "Q0036", "a published figure differs from the computed one and is printed as published";
    LockedChanged = "Q0037", "a submitted (locked) update was changed";
    RelationInvalid = "Q0038", "a table relation names a row, column or table that does not exist, cannot apply to a column, or goes round in a circle";
    RelationUncomputable = "Q0039", "a table relation cannot be computed for a cell (a figure is missing, it divides by zero, or the result is too large)";
    TableSource = "Q0040", "a table's rows cannot be read from its CSV file or workbook range";
    UnusedKpi = "Q0041", "a catalogue KPI is referenced by no action";
    IdMismatch = "Q0042", "an id does not match its area or sub-theme";
    TbcTarget = "Q0044", "a target still marked TBC after its milestone date";
    MilestoneOrder = "Q0045", "a milestone falls before the baseline";
    HouseStyle = "Q0046", "prose writes a financial year, date or sum of money in another style than the project's";
    Output = "Q0050", "an output file could not be written";
    OutputCollision = "Q0051", "two documents would write the same output file";
    OutputBusy = "Q0052", "another quire is building into the same output folder";
    Exists = "Q0053", "a file that `quire new` or `quire layouts export` would write already exists (nothing is overwritten)";
    Usage = "Q0060", "a usage error: no project, an unknown document or meeting, a bad option";
    TemplateRule = "Q0070", "a paper breaks a rule of its report template (a condition, a sign-off)";
    TemplateSection = "Q0071", "a mandatory section of the report template is missing, renamed, out of order or too thin, or does not place a standard table the template puts in it";
    TemplateLimit = "Q0072", "a paper exceeds a limit of its report template (words, characters, sentences, paragraphs, pages, or the summary's typeset lines)";
    WorkbookFormula = "Q0100", "a workbook figure is the value saved with a formula (a note), or a formula saved no value (a warning): quire never recomputes a workbook's formulas";
    EmptyRange = "Q0101", "a workbook range holds no figure (it may miss the data, e.g. `B3003` for `B3`)";
    ToleranceScale = "Q0102", "a relation's tolerance is as large as the figures it checks, so it would accept any figure";
    CellTooLong = "Q0120", "a text is longer than a workbook cell can hold (32,767 characters), so no edition of the document is written";
    LockDisagrees = "Q0121", "a return's lock does not agree with its submissions, or holds a value quire never writes there (it was edited by hand)";
    CarriedOver = "Q0122", "an update not yet submitted still has the last submitted update's data date or summary, word for word (carried over by `quire new return --next`)";
    NoSuchAppendix = "Q0124", "the narrative mentions an appendix (\"see Appendix C\") the paper does not have";
    AppendixNotListed = "Q0125", "a paper's own list of appendices (its Appendices section) leaves out an appendix the paper attaches";
    SplitEntry = "Q0123", "an entry of a list looks like the end of the entry before it: a comma inside [ … ] starts a new entry, so a value with a comma must be quoted";
    LongTable = "Q0140", "a declared table longer than a page, in a document whose layout version prints tables that do not break across pages";
    ExprSyntax = "Q0150", "a relation written as an equation (`net = issued - ceased`) cannot be read";
    WordReference = "Q0185", "the project's Word reference document (`layouts/word/reference.docx`) cannot be used for the Word edition's styles";
    TemplateNumber = "Q0200", "a report template declares a count no paper can meet (negative, too large, or a minimum over its maximum)";
    TemplatePerson = "Q0201", "a person on a paper's cover lacks a part its report template requires (name, role, telephone, email, area)";
    TemplateLate = "Q0202", "a paper is late by its report template's deadline (released after it) and says it is not, or gives no reason; or its release date cannot be compared with the deadline";
}

impl Code {
    /// What to do about a problem of this code, for a diagnostic that gives no
    /// more specific help.
    pub fn fallback_help(self) -> &'static str {
        use Code::*;
        match self {
            WrongType => {
                "write the value in the form shown under the caret (docs/data-format.md lists every field's type)"
            }
            DuplicateId => "give each one its own id",
            DuplicateKey => "keep one of the two keys",
            UnknownKey => {
                "remove the key, or check its spelling and indentation against docs/data-format.md"
            }
            MissingField => "add the field (docs/data-format.md lists the required fields)",
            InvalidValue | NotOnScale | OutOfScale => "use one of the values allowed here",
            InvalidDate => "write dates as YYYY-MM-DD, e.g. 2025-03-31",
            UnknownReference => "check the spelling of the reference, or add what it refers to",
            Typst => {
                "check the layout named by the document (a project's own layouts/ file), or report a bug in the shipped one"
            }
            _ => {
                "see docs/diagnostics.md for what this code means and docs/data-format.md for the file formats"
            }
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Not a problem: something the author has accepted (e.g. an acknowledged
    /// published figure), listed only with `-v` and never counted.
    Note,
    Warning,
    Error,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem, with where it is and how to fix it.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    pub primary: Option<Label>,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
    pub help: Vec<String>,
}

impl Diagnostic {
    /// A problem of the given severity (a council's template chooses error or warning).
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity,
            ..Self::error(code, message)
        }
    }

    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: Severity::Error,
            message: message.into(),
            primary: None,
            secondary: Vec::new(),
            notes: Vec::new(),
            help: Vec::new(),
        }
    }

    /// A note, shown only with `-v` (see [`Severity::Note`]).
    pub fn info(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Note,
            ..Self::error(code, message)
        }
    }

    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Diagnostic {
            severity: Severity::Warning,
            ..Self::error(code, message)
        }
    }

    /// Points at the offending source, with a short label under the caret.
    pub fn at(mut self, span: &Span, label: impl Into<String>) -> Self {
        self.primary = Some(Label {
            span: span.clone(),
            message: label.into(),
        });
        self
    }

    /// Points at a second place that explains the first (e.g. the first definition).
    pub fn also(mut self, span: &Span, label: impl Into<String>) -> Self {
        self.secondary.push(Label {
            span: span.clone(),
            message: label.into(),
        });
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    /// Renders the diagnostic as plain text, exactly as printed on a terminal.
    pub fn render(&self, sources: &SourceMap) -> String {
        let sev = match self.severity {
            Severity::Error => cs::Severity::Error,
            Severity::Warning => cs::Severity::Warning,
            Severity::Note => cs::Severity::Note,
        };
        let mut labels = Vec::new();
        if let Some(p) = &self.primary {
            labels.push(
                cs::Label::primary(p.span.file, clamp(sources, &p.span))
                    .with_message(escape(&p.message)),
            );
        }
        for s in &self.secondary {
            labels.push(
                cs::Label::secondary(s.span.file, clamp(sources, &s.span))
                    .with_message(escape(&s.message)),
            );
        }
        let mut notes: Vec<String> = self.notes.iter().map(|n| escape(n).into_owned()).collect();
        notes.extend(self.help.iter().map(|h| format!("help: {}", escape(h))));
        let d = cs::Diagnostic::new(sev)
            .with_code(self.code.as_str())
            .with_message(escape(&self.message))
            .with_labels(labels)
            .with_notes(notes);
        let config = term::Config::default();
        term::emit_into_string(&config, sources.files(), &d).unwrap_or_else(|_| {
            format!(
                "{}[{}]: {}\n",
                sev_word(self.severity),
                self.code.as_str(),
                escape(&self.message)
            )
        })
    }

    /// One line: `file:line:col: error[Q0004]: message`.
    pub fn render_short(&self, sources: &SourceMap) -> String {
        let place = match &self.primary {
            Some(l) => {
                let (line, col) = sources.line_col(l.span.file, l.span.range.start);
                format!("{}:{line}:{col}: ", escape(sources.name(l.span.file)))
            }
            None => String::new(),
        };
        format!(
            "{place}{}[{}]: {}\n",
            sev_word(self.severity),
            self.code.as_str(),
            escape(&self.message)
        )
    }
}

impl Diagnostic {
    /// One JSON object on one line, for editors and CI: code, severity, file,
    /// line, column, end line and column (1-based, absent when the problem has
    /// no place), message, help and notes.
    pub fn render_json(&self, sources: &SourceMap) -> String {
        let mut o = serde_json::Map::new();
        o.insert("code".into(), self.code.as_str().into());
        o.insert("severity".into(), sev_word(self.severity).into());
        if let Some(l) = &self.primary {
            let r = clamp(sources, &l.span);
            let (line, col) = sources.line_col(l.span.file, r.start);
            let (end_line, end_col) = sources.line_col(l.span.file, r.end);
            o.insert("file".into(), escape(sources.name(l.span.file)).into());
            o.insert("line".into(), line.into());
            o.insert("column".into(), col.into());
            o.insert("end_line".into(), end_line.into());
            o.insert("end_column".into(), end_col.into());
            o.insert("label".into(), escape(&l.message).into());
        }
        let all =
            |v: &[String]| -> Vec<String> { v.iter().map(|s| escape(s).into_owned()).collect() };
        o.insert("message".into(), escape(&self.message).into());
        o.insert("help".into(), all(&self.help).into());
        o.insert("notes".into(), all(&self.notes).into());
        let mut line = serde_json::Value::Object(o).to_string();
        line.push('\n');
        line
    }
}

fn sev_word(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

fn clamp(sources: &SourceMap, span: &Span) -> std::ops::Range<usize> {
    let len = sources.text(span.file).len();
    let start = span.range.start.min(len);
    let end = span.range.end.clamp(start, len);
    start..end
}

/// Diagnostics collected across a run.
#[derive(Default, Debug)]
pub struct Diagnostics {
    pub items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds a problem; one without a `help:` line gets its code's general advice,
    /// so every diagnostic says what to do.
    pub fn push(&mut self, mut d: Diagnostic) {
        if d.help.is_empty() {
            d.help.push(d.code.fallback_help().to_string());
        }
        self.items.push(d);
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    pub fn error_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .count()
    }

    pub fn warning_count(&self) -> usize {
        self.items
            .iter()
            .filter(|d| d.severity == Severity::Warning)
            .count()
    }

    /// Sorts by file and position so output is stable whatever order stages ran in.
    pub fn sort(&mut self) {
        self.items.sort_by(|a, b| {
            let ka = a
                .primary
                .as_ref()
                .map(|l| (l.span.file, l.span.range.start));
            let kb = b
                .primary
                .as_ref()
                .map(|l| (l.span.file, l.span.range.start));
            ka.cmp(&kb)
        });
    }
}

/// "did you mean" for a misspelt key or id.
pub fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let (w, cl) = (word.to_lowercase(), c.to_lowercase());
        let d = strsim::levenshtein(&w, &cl);
        let limit = (c.len().max(word.len()) / 3).max(1);
        // "phone" for "telephone": one contains the other, and the shorter is a
        // real part of the longer (not "to" inside "director").
        let (short, long) = (w.len().min(cl.len()), w.len().max(cl.len()));
        let part = short >= 4 && short * 2 >= long;
        let d = if d > limit && part && (cl.contains(&w) || w.contains(&cl)) {
            limit
        } else {
            d
        };
        if d <= limit && best.is_none_or(|(bd, _)| d < bd) {
            best = Some((d, c));
        }
    }
    best.map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = HashSet::new();
        for c in Code::ALL {
            assert!(seen.insert(c.as_str()), "duplicate code {}", c.as_str());
            assert!(c.as_str().starts_with('Q') && c.as_str().len() == 5);
            assert!(!c.description().is_empty());
        }
    }

    /// docs/diagnostics.md is generated from the code table; a renamed or
    /// renumbered code shows up in review. `QUIRE_BLESS=1` regenerates it.
    #[test]
    fn docs_list_every_code() {
        let mut want = String::from(
            "# Diagnostic codes\n\nEvery problem quire reports has a stable code. Codes are never renumbered or reused.\n\n| code | meaning |\n|---|---|\n",
        );
        for c in Code::ALL {
            want.push_str(&format!("| {} | {} |\n", c.as_str(), c.description()));
        }
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/diagnostics.md");
        if std::env::var_os("QUIRE_BLESS").is_some() {
            std::fs::write(path, &want).unwrap();
        }
        assert_eq!(
            std::fs::read_to_string(path).unwrap(),
            want,
            "docs/diagnostics.md is stale: run QUIRE_BLESS=1 cargo test"
        );
    }

    #[test]
    fn suggests_near_keys() {
        assert_eq!(
            did_you_mean("comittee", ["committee", "subject"]),
            Some("committee")
        );
        assert_eq!(did_you_mean("zzz", ["committee", "subject"]), None);
        assert_eq!(
            did_you_mean("phone", ["telephone", "email"]),
            Some("telephone")
        );
        // Implausible: a short key inside a long one, or too many edits.
        assert_eq!(did_you_mean("director", ["to", "from", "cc"]), None);
        assert_eq!(did_you_mean("report", ["to", "reports"]), Some("reports"));
    }
}
