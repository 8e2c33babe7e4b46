//! Command-line interface (clap). Commands turn these into their own settings once.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "quire",
    version,
    about = "Committee papers and statutory returns from validated YAML and Markdown, typeset by an embedded Typst"
)]
#[command(after_help = "Exit status: 0 success, 1 invalid input, 2 usage or internal error.")]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// The project folder (holding quire.yaml); default: the nearest one above the current folder
    #[arg(long, global = true, value_name = "DIR")]
    pub project: Option<PathBuf>,
    /// Print only errors
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (timings, inputs)
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// How to print diagnostics
    #[arg(long, global = true, value_enum, default_value_t = DiagFormat::Human)]
    pub diagnostic_format: DiagFormat,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum DiagFormat {
    /// Source excerpts with carets and help lines
    Human,
    /// One line per problem: file:line:col: error[CODE]: message
    Short,
    /// One JSON object per line: code, severity, file, line, column, end_line,
    /// end_column, message, help, notes
    Json,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Validate and typeset documents into PDFs
    Build(BuildArgs),
    /// Validate documents and report every problem, without typesetting
    Check(CheckArgs),
    /// Lock the submitted updates of Safety Valve returns against later edits
    Lock(LockArgs),
    /// Rebuild and prove the PDFs in out/ are byte-identical to their recorded inputs
    Verify(VerifyArgs),
    /// Build a meeting's agenda pack: front sheet and every item, one PDF
    Pack(PackArgs),
    /// Start a project, or add a document to one, from a small commented template
    New(NewArgs),
    /// List the layouts quire ships, or copy them into layouts/ to change them
    Layouts(LayoutsArgs),
    /// Build, then rebuild the documents whose inputs change, until Ctrl-C
    Watch(WatchArgs),
    /// Watch, with a live preview of out/ in the browser (on 127.0.0.1 only)
    Serve(ServeArgs),
    /// Write JSON Schemas of every kind of file, for completion and checks in an editor
    Schema(SchemaArgs),
}

#[derive(Args, Debug)]
pub struct SchemaArgs {
    /// The folder to write them to (default: .quire/schema/ in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug, Clone)]
pub struct WatchArgs {
    /// Documents to watch (folder names under content/); default: all
    pub documents: Vec<String>,
    /// Output folder (default: out/ in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// PDF standard to conform to (repeatable), e.g. a-2b, ua-1
    #[arg(long = "pdf-standard", value_name = "STANDARD")]
    pub pdf_standard: Vec<PdfStandardArg>,
    /// Output format: the PDF, the HTML edition, the Word edition, or all three (default: `formats` in quire.yaml, else pdf)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// A paper whose only errors are departures from its report template (too long, a rule, a section) is written as drafts/<paper>.draft.pdf in the output folder, marked DRAFT with its problems listed; the exit status is still 1
    #[arg(long)]
    pub draft: bool,
}

#[derive(Args, Debug)]
pub struct ServeArgs {
    #[command(flatten)]
    pub watch: WatchArgs,
    /// The port on 127.0.0.1 (0: any free port, printed at start)
    #[arg(long, default_value_t = 8400)]
    pub port: u16,
}

#[derive(Args, Debug)]
pub struct NewArgs {
    #[command(subcommand)]
    pub what: NewKind,
}

#[derive(Subcommand, Debug)]
pub enum NewKind {
    /// A project: quire.yaml and an empty content/ (layouts and fonts are built in)
    Project {
        /// The folder to create it in (default: --project, else the current folder)
        dir: Option<PathBuf>,
        /// The organisation's name, printed on every document
        #[arg(long, value_name = "NAME")]
        name: Option<String>,
    },
    /// A committee paper: content/NAME/paper.yaml and a first narrative file
    Paper {
        /// Folder name under content/ (also the PDF's name)
        name: String,
        /// Write it on the council's report template templates/NAME-vN.yaml
        /// (NAME@N, or NAME for its latest version): every cover field and
        /// mandatory section in place
        #[arg(long, value_name = "NAME")]
        template: Option<String>,
    },
    /// A risk register (content/registers/NAME.yaml) and an appendix showing it (content/NAME/)
    Register {
        /// The register's file name and the appendix's folder name
        name: String,
    },
    /// A DfE Safety Valve monitoring return: content/NAME/return.yaml
    Return {
        /// Folder name under content/
        name: String,
        /// Start from an existing return's return.yaml (for its next update)
        #[arg(long, value_name = "EXISTING")]
        next: Option<String>,
    },
    /// An Accelerated Progress Plan report: content/NAME/plan.yaml
    Plan {
        /// Folder name under content/
        name: String,
    },
    /// A meeting for an agenda pack: content/NAME/meeting.yaml
    Meeting {
        /// Folder name under content/
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct LayoutsArgs {
    #[command(subcommand)]
    pub action: LayoutsAction,
}

#[derive(Subcommand, Debug)]
pub enum LayoutsAction {
    /// List the shipped layouts and the project's own
    List,
    /// Copy shipped layouts into the project's layouts/ (all, or one: `committee-report`, `committee-report@1`)
    Export {
        /// The layout to copy; default: every shipped layout
        name: Option<String>,
    },
}

#[derive(Args, Debug)]
pub struct PackArgs {
    /// Meetings to pack (folders under content/ holding meeting.yaml); default: all
    pub meetings: Vec<String>,
    /// Output folder (default: out/ in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Include exempt (Part B) items: the members' pack, not for publication
    #[arg(long)]
    pub include_exempt: bool,
    /// PDF standard to conform to (repeatable), e.g. a-2b
    #[arg(long = "pdf-standard", value_name = "STANDARD")]
    pub pdf_standard: Vec<PdfStandardArg>,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Documents to verify; default: every document in the manifest
    pub documents: Vec<String>,
    /// The output folder holding manifest.json (default: out/ in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct LockArgs {
    /// Returns to lock (folder names under content/); default: every return
    pub documents: Vec<String>,
    /// Say deliberately that a return's lock was removed: its next build no
    /// longer refuses for want of the lock (nothing else changes)
    #[arg(long, conflicts_with = "amend")]
    pub reset: bool,
    /// Record a deliberate change to a locked field (its name as the error
    /// gives it, e.g. "deficit 2024-25 forecast", or an update id for every
    /// changed field of that update); needs --reason
    #[arg(long, value_name = "FIELD", requires = "reason")]
    pub amend: Option<String>,
    /// Why the submitted figure or text was changed (kept in the lock and
    /// printed in the return's list of amendments)
    #[arg(long, value_name = "TEXT", requires = "amend")]
    pub reason: Option<String>,
}

#[derive(Args, Debug)]
pub struct BuildArgs {
    /// Documents to build (folder names under content/); default: all
    pub documents: Vec<String>,
    /// Output folder (default: out/ in the project)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// PDF standard to conform to (repeatable), e.g. a-2b, ua-1
    #[arg(long = "pdf-standard", value_name = "STANDARD")]
    pub pdf_standard: Vec<PdfStandardArg>,
    /// Worker threads (default: one per core)
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    /// Also write the generated Typst sources and data next to each PDF (for debugging layouts)
    #[arg(long)]
    pub keep_sources: bool,
    /// Rebuild documents even when out/manifest.json says they are up to date
    #[arg(long)]
    pub force: bool,
    /// Build only shard K of N (e.g. 2/8): a stable subset, for spreading work over machines
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Output format: the PDF, the HTML edition, the Word edition, or all three (default: `formats` in quire.yaml, else pdf)
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub format: Option<FormatArg>,
    /// A paper whose only errors are departures from its report template (too long, a rule, a section) is written as drafts/<paper>.draft.pdf in the output folder, marked DRAFT with its problems listed; the exit status is still 1
    #[arg(long)]
    pub draft: bool,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// The typeset PDF
    Pdf,
    /// The accessible HTML edition
    Html,
    /// The Word edition, for clearance
    Docx,
    /// Every edition: the PDF, the HTML and the Word edition
    All,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "kebab-case")]
pub enum PdfStandardArg {
    #[value(name = "a-2b")]
    A2b,
    #[value(name = "a-2a")]
    A2a,
    #[value(name = "a-3b")]
    A3b,
    #[value(name = "ua-1")]
    Ua1,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Documents to check (folder names under content/); default: all
    pub documents: Vec<String>,
}
