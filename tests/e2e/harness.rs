//! Test harness: copies a fixture project to a temporary folder, runs the real
//! `quire` binary on it, and compares output with expected files.
//!
//! Expected files live beside the fixture (`tests/fixtures/<case>/expected/…`).
//! Run with `QUIRE_BLESS=1` to rewrite them after an intended change, then review
//! the diff like any other code change.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_quire"))
}

pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            if e.file_name() == "expected" || e.file_name() == "out" {
                continue;
            }
            copy_dir(&src, &dst);
        } else {
            std::fs::copy(&src, &dst).unwrap();
        }
    }
}

/// A fixture project copied into a temporary folder, with the repository's
/// layouts added unless the fixture brings its own.
pub struct Project {
    pub dir: tempfile::TempDir,
    pub fixture: PathBuf,
}

impl Project {
    pub fn fixture(name: &str) -> Project {
        let fixture = repo().join("tests/fixtures").join(name);
        Self::from_dir(&fixture)
    }

    /// The demo project at the repository root (content/, layouts/, quire.yaml).
    pub fn demo() -> Project {
        let dir = tempfile::tempdir().unwrap();
        for part in ["content", "layouts", "templates"] {
            copy_dir(&repo().join(part), &dir.path().join(part));
        }
        std::fs::copy(repo().join("quire.yaml"), dir.path().join("quire.yaml")).unwrap();
        Project {
            dir,
            fixture: repo(),
        }
    }

    pub fn from_dir(fixture: &Path) -> Project {
        let dir = tempfile::tempdir().unwrap();
        copy_dir(fixture, dir.path());
        if !dir.path().join("layouts").exists() {
            copy_dir(&repo().join("layouts"), &dir.path().join("layouts"));
        }
        Project {
            dir,
            fixture: fixture.to_path_buf(),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// `run` with extra environment variables.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        Command::new(bin())
            .current_dir(self.path())
            .args(args)
            .env("NO_COLOR", "1")
            .envs(env.iter().copied())
            .output()
            .unwrap()
    }

    pub fn write(&self, rel: &str, text: &str) {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

/// Output with run-specific details removed: temp paths and timings.
pub fn redact(s: &str, root: &Path) -> String {
    let mut s = s.replace(&root.display().to_string(), "[ROOT]");
    if let Ok(c) = root.canonicalize() {
        s = s.replace(&c.display().to_string(), "[ROOT]");
    }
    let mut out = String::new();
    for line in s.lines() {
        let line = match line.find(" in ").zip(line.rfind("s: ")) {
            Some((a, b)) if line.starts_with("built ") && b > a => {
                format!("{} in [TIME]{}", &line[..a], &line[b + 1..])
            }
            _ => line.to_string(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// Compares `actual` with the expected file, or rewrites it under QUIRE_BLESS=1.
pub fn snapshot(expected: &Path, actual: &str) {
    if std::env::var_os("QUIRE_BLESS").is_some() {
        std::fs::create_dir_all(expected.parent().unwrap()).unwrap();
        std::fs::write(expected, actual).unwrap();
        return;
    }
    let want = std::fs::read_to_string(expected).unwrap_or_else(|_| {
        panic!(
            "missing snapshot {} (run with QUIRE_BLESS=1 to create it)",
            expected.display()
        )
    });
    if want != actual {
        panic!(
            "snapshot {} differs.\n--- expected\n{want}\n--- actual\n{actual}\n(run with QUIRE_BLESS=1 to accept)",
            expected.display()
        );
    }
}

/// The text of a PDF, laid out, via poppler's pdftotext.
pub fn pdf_text(pdf: &Path) -> String {
    let o = Command::new("pdftotext")
        .arg("-layout")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext is needed for tests: apt-get install poppler-utils");
    assert!(o.status.success(), "pdftotext failed on {}", pdf.display());
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// Text of each page (form feeds separate pages in pdftotext output).
pub fn pdf_pages(pdf: &Path) -> Vec<String> {
    pdf_text(pdf)
        .split('\u{c}')
        .map(str::to_string)
        .filter(|p| !p.trim().is_empty())
        .collect()
}

/// A spreadsheet formula of cell references joined by `+` and `-` (`C2-B2`),
/// evaluated with `value` giving each cell's figure.
pub fn signed_sum(formula: &str, value: &dyn Fn(&str) -> f64) -> f64 {
    let mut total = 0.0;
    let mut sign = 1.0;
    let mut cur = String::new();
    for ch in formula.chars().chain(['+']) {
        if ch == '+' || ch == '-' {
            if !cur.is_empty() {
                total += sign * value(&cur);
            }
            cur.clear();
            sign = if ch == '-' { -1.0 } else { 1.0 };
        } else {
            cur.push(ch);
        }
    }
    total
}

/// The text with runs of whitespace collapsed, for phrase assertions across line breaks.
pub fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn on_path(cmd: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(cmd))
            .find(|p| p.is_file())
    })
}

/// node, with tests/browser's packages (axe-core, playwright-core, ajv, yaml)
/// installed by `npm ci` when any is missing; None (the test is skipped)
/// without node.
pub fn node() -> Option<PathBuf> {
    let node = on_path("node")?;
    let dir = repo().join("tests/browser");
    let packages = ["axe-core", "playwright-core", "ajv", "yaml"];
    if !packages
        .iter()
        .all(|p| dir.join("node_modules").join(p).is_dir())
    {
        let o = Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(&dir)
            .env("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
            .output()
            .expect("npm is needed with node");
        assert!(
            o.status.success(),
            "npm ci in tests/browser failed: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    Some(node)
}

/// Runs tests/browser/check.mjs (axe-core WCAG 2.2 A/AA, keyboard order, 320 px
/// reflow, screenshots into `shots`) on `pages` in headless Chromium; returns its
/// stdout, or `None` (after saying so) when node or chromium is not installed.
pub fn browser_check(pages: &[PathBuf], shots: &Path) -> Option<String> {
    let chromium = std::env::var_os("CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| on_path("chromium"));
    // Packages are installed only when there is a browser to run them in.
    let node = chromium.as_ref().and_then(|_| node());
    let (Some(node), Some(chromium)) = (node, chromium) else {
        eprintln!(
            "SKIPPED browser checks: node or chromium is not installed (apt-get install chromium nodejs npm; .ci/run installs them)"
        );
        return None;
    };
    let dir = repo().join("tests/browser");
    let mut args: Vec<PathBuf> = vec![dir.join("check.mjs"), shots.to_path_buf()];
    args.extend(pages.iter().cloned());
    let o = Command::new(node)
        .args(&args)
        .env("CHROMIUM", &chromium)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&o.stdout).to_string();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(o.status.success(), "browser checks failed:\n{out}\n{err}");
    Some(out)
}
