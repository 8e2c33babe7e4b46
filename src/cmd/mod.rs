//! One module per subcommand, each with a `run` that returns the exit status.
//! Shared here: opening the project and printing diagnostics.

pub mod build;
pub mod check;
pub mod layouts;
pub mod lock;
pub mod new;
pub mod pack;
pub mod schema;
pub mod serve;
pub mod verify;
pub mod watch;

use crate::cli::{DiagFormat, Global};
use crate::diag::{Diagnostic, Diagnostics};
use crate::project::{self, Project};
use crate::source::SourceMap;
use std::process::ExitCode;

/// Exit statuses: documented in the README and `--help`.
pub const OK: u8 = 0;
pub const INVALID: u8 = 1;
pub const INTERNAL: u8 = 2;

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// How many warnings of one code are shown per document before the rest are
/// summarised (all are shown with `-v`).
pub const WARNINGS_SHOWN: usize = 5;

/// Renders diagnostics in the chosen format. Errors are always all shown.
pub fn render(diags: &Diagnostics, sources: &SourceMap, global: &Global) -> String {
    let (format, quiet) = (global.diagnostic_format, global.quiet);
    let mut out = String::new();
    let mut seen: std::collections::HashMap<crate::diag::Code, usize> =
        std::collections::HashMap::new();
    for d in &diags.items {
        // Notes (what the author has accepted) are listed only with -v.
        if d.severity == crate::diag::Severity::Note && (quiet || !global.verbose) {
            continue;
        }
        if d.severity == crate::diag::Severity::Warning {
            if quiet {
                continue;
            }
            let n = seen.entry(d.code).or_default();
            *n += 1;
            if *n > WARNINGS_SHOWN && !global.verbose && format != DiagFormat::Json {
                continue;
            }
        }
        match format {
            DiagFormat::Human => {
                out.push_str(&d.render(sources));
            }
            DiagFormat::Short => out.push_str(&d.render_short(sources)),
            DiagFormat::Json => out.push_str(&d.render_json(sources)),
        }
    }
    let mut hidden: Vec<_> = seen
        .into_iter()
        .filter(|(_, n)| *n > WARNINGS_SHOWN && !global.verbose && format != DiagFormat::Json)
        .collect();
    hidden.sort();
    for (code, n) in hidden {
        out.push_str(&format!("note: {} more warning(s) [{}] like those above not shown; run with -v to see every one\n\n", n - WARNINGS_SHOWN, code.as_str()));
    }
    out
}

/// Opens the project, printing any problems in `quire.yaml`. Returns the project
/// and its error count (documents are still checked, so every problem shows at
/// once), or the exit status when there is no project at all.
pub fn open(global: &Global) -> Result<(Project, usize), ExitCode> {
    let root = match project::find_root(global.project.as_deref()) {
        Ok(r) => r,
        Err(d) => {
            // No project at all is a usage error (exit 2).
            eprint!("{}", Diagnostic::render(&d, &SourceMap::new()));
            return Err(exit(INTERNAL));
        }
    };
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::default();
    let project = project::open(&root, &mut sources, &mut diags);
    eprint!("{}", render(&diags, &sources, global));
    match project {
        Some(p) => Ok((p, diags.error_count())),
        None => Err(exit(INVALID)),
    }
}

/// Printed when a project has no documents: where they are looked for, and how
/// to start one.
pub const NO_DOCUMENTS: &str = "note: no documents found: a document is a folder content/<name>/ holding paper.yaml, return.yaml, plan.yaml or appendix.yaml (meetings: meeting.yaml)\n  = help: start one with `quire new paper NAME` (or register, return, plan, meeting)";

/// The most worker threads quire starts, whatever `-j` says: beyond this,
/// threads only cost memory and start-up time.
pub const MAX_JOBS: usize = 64;

/// The worker count from `-j` (0 or none = one per core), capped at
/// [`MAX_JOBS`] with a note.
pub fn jobs(requested: Option<usize>) -> Result<usize, ExitCode> {
    match requested {
        None => Ok(0),
        Some(n) if n > MAX_JOBS => {
            eprintln!("note: -j {n} is more than quire uses; building with {MAX_JOBS} workers");
            Ok(MAX_JOBS)
        }
        Some(n) => Ok(n),
    }
}

/// Reports that the output folder cannot be held: another quire holds it, or
/// it cannot be written (exit 2: nothing was wrong with the input, and
/// nothing was written).
pub fn busy(e: &crate::write::LockError) -> ExitCode {
    if e.busy {
        eprintln!(
            "error[{}]: {}\n  = help: wait for the other build to finish, or build into another folder with --out",
            crate::diag::Code::OutputBusy.as_str(),
            e.message
        );
    } else {
        eprintln!(
            "error[{}]: {}\n  = help: make the folder writable, or build into another folder with --out",
            crate::diag::Code::Output.as_str(),
            e.message
        );
    }
    exit(INTERNAL)
}

/// "1 page", "2 pages": a count with its noun.
pub fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

pub fn summary_line(errors: usize, warnings: usize) -> String {
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Prints one diagnostic that has no place in a source file, in the chosen format.
pub fn emit(d: Diagnostic, global: &Global) {
    let mut diags = Diagnostics::default();
    diags.push(d);
    eprint!("{}", render(&diags, &SourceMap::new(), global));
}

/// Problems of a whole run counted by code, for the short summary at its end.
#[derive(Default, Clone, Debug)]
pub struct Tally {
    counts: std::collections::BTreeMap<(crate::diag::Severity, crate::diag::Code), usize>,
}

impl Tally {
    pub fn add(&mut self, diags: &Diagnostics) {
        for d in diags
            .items
            .iter()
            .filter(|d| d.severity != crate::diag::Severity::Note)
        {
            *self.counts.entry((d.severity, d.code)).or_default() += 1;
        }
    }

    pub fn merge(&mut self, other: &Tally) {
        for (k, n) in &other.counts {
            *self.counts.entry(*k).or_default() += n;
        }
    }

    /// `summary: 12 overdue actions (Q0027), 3 published figures (Q0036); run with
    /// -v for details`, errors first then warnings, each by descending count;
    /// `None` when the run found nothing.
    pub fn summary(&self, verbose: bool) -> Option<String> {
        use crate::diag::Severity;
        if self.counts.is_empty() {
            return None;
        }
        let mut parts: Vec<(Severity, usize, crate::diag::Code)> =
            self.counts.iter().map(|((s, c), n)| (*s, *n, *c)).collect();
        // Errors first; within each, the most frequent first; then by code.
        parts.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.cmp(&a.1)).then(a.2.cmp(&b.2)));
        let listed: Vec<String> = parts
            .iter()
            .map(|(s, n, c)| {
                let (one, many) = counted(*c, *s);
                format!("{n} {} ({})", if *n == 1 { one } else { many }, c.as_str())
            })
            .collect();
        let tail = if verbose {
            ""
        } else {
            "; run with -v for details"
        };
        Some(format!("summary: {}{tail}", listed.join(", ")))
    }
}

/// What a diagnostic of this code counts, singular and plural, for the summary.
fn counted(
    code: crate::diag::Code,
    severity: crate::diag::Severity,
) -> (&'static str, &'static str) {
    use crate::diag::{Code::*, Severity};
    match code {
        Overdue => ("overdue action", "overdue actions"),
        PublishedFigure => ("published figure", "published figures"),
        TbcTarget => (
            "TBC target past its milestone",
            "TBC targets past their milestone",
        ),
        UnusedKpi => ("unused KPI", "unused KPIs"),
        HouseStyle => ("house-style note", "house-style notes"),
        TargetWorse => (
            "target worse than the current score",
            "targets worse than the current score",
        ),
        UnknownKey => ("unknown key", "unknown keys"),
        MissingField => ("missing field", "missing fields"),
        WrongType => ("value of the wrong type", "values of the wrong type"),
        InvalidValue => ("invalid value", "invalid values"),
        InvalidDate => ("invalid date", "invalid dates"),
        Template => ("template error", "template errors"),
        Markdown => ("Markdown problem", "Markdown problems"),
        YamlSyntax => ("YAML syntax error", "YAML syntax errors"),
        DuplicateKey => ("duplicate key", "duplicate keys"),
        DuplicateId => ("duplicate id", "duplicate ids"),
        ScoreMismatch => ("wrong risk score", "wrong risk scores"),
        OutOfScale | NotOnScale => ("value off the scale", "values off the scale"),
        UnknownReference => ("unknown reference", "unknown references"),
        MissingFile => ("missing file", "missing files"),
        FigureMismatch => (
            "figure that differs from the computed one",
            "figures that differ from the computed ones",
        ),
        MissingSignOff => ("missing sign-off", "missing sign-offs"),
        LockedChanged => ("change to a locked update", "changes to locked updates"),
        EmptyOwner => ("missing owner", "missing owners"),
        PreviousSnapshot => ("previous snapshot problem", "previous snapshot problems"),
        YearOrder => ("year out of order", "years out of order"),
        NegativeCount => ("negative count", "negative counts"),
        IdMismatch => (
            "id that does not match its area",
            "ids that do not match their area",
        ),
        MilestoneOrder => (
            "milestone before the baseline",
            "milestones before the baseline",
        ),
        MissingGlyph => ("unprintable character", "unprintable characters"),
        ControlCharacter => ("control character", "control characters"),
        NumberRange => ("number out of range", "numbers out of range"),
        _ => match severity {
            Severity::Error => ("error", "errors"),
            Severity::Warning => ("warning", "warnings"),
            Severity::Note => ("note", "notes"),
        },
    }
}
