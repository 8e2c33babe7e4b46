//! `quire serve`: `quire watch` with a live preview in the browser.
//!
//! A small HTTP server on 127.0.0.1 only (never another interface) serves:
//! `/` an index of the documents in the output folder (PDFs and HTML files),
//! `/view/<file>` a page showing one PDF, `/files/<file>` the file itself, and
//! `/version?since=N`, a long poll the preview pages use to reload after a
//! rebuild (the only script quire ever writes, and only into these pages, never
//! into a published file). Files are served only from the output folder, by a
//! plain file name: anything with a path separator, `..`, a leading dot or a
//! character outside `A-Z a-z 0-9 . _ -` is refused, as is a symlink.

use super::{INTERNAL, exit, open};
use crate::cli::{Global, ServeArgs};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// The longest a `/version` poll waits for a rebuild before answering anyway.
const POLL: Duration = Duration::from_secs(20);
/// At most this many requests are answered at once (the rest get 503).
const MAX_REQUESTS: usize = 32;

pub fn run(global: &Global, args: &ServeArgs) -> ExitCode {
    let (project, _) = match open(global) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let out = args
        .watch
        .out
        .clone()
        .unwrap_or_else(|| project.root.join("out"));
    let server = match tiny_http::Server::http(("127.0.0.1", args.port)) {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error[{}]: cannot listen on 127.0.0.1:{}: {e}\n  = help: choose another port with --port N (0 picks a free one)",
                crate::diag::Code::Usage.as_str(),
                args.port
            );
            return exit(INTERNAL);
        }
    };
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(args.port);
    eprintln!(
        "serving a preview of {} at http://127.0.0.1:{port}/",
        out.display()
    );
    let version = Arc::new(AtomicU64::new(0));
    let v = version.clone();
    std::thread::spawn(move || serve(server, out, v));
    super::watch::run(global, &args.watch, Some(version))
}

fn serve(server: tiny_http::Server, out: PathBuf, version: Arc<AtomicU64>) {
    let busy = Arc::new(AtomicUsize::new(0));
    for request in server.incoming_requests() {
        if busy.fetch_add(1, Ordering::SeqCst) >= MAX_REQUESTS {
            busy.fetch_sub(1, Ordering::SeqCst);
            let _ = request.respond(text(503, "busy"));
            continue;
        }
        let (out, version, busy) = (out.clone(), version.clone(), busy.clone());
        std::thread::spawn(move || {
            let response = answer(request.method(), request.url(), &out, &version);
            let _ = request.respond(response);
            busy.fetch_sub(1, Ordering::SeqCst);
        });
    }
}

type Response = tiny_http::Response<std::io::Cursor<Vec<u8>>>;

fn header(name: &str, value: &str) -> tiny_http::Header {
    tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("static header is valid")
}

fn bytes(status: u16, content_type: &str, body: Vec<u8>) -> Response {
    tiny_http::Response::from_data(body)
        .with_status_code(status)
        .with_header(header("Content-Type", content_type))
        .with_header(header("Cache-Control", "no-store"))
        .with_header(header("X-Content-Type-Options", "nosniff"))
}

fn text(status: u16, body: &str) -> Response {
    bytes(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

/// The response to one request (pure apart from reading `out`; tested below).
pub fn answer(method: &tiny_http::Method, url: &str, out: &Path, version: &AtomicU64) -> Response {
    if !matches!(method, tiny_http::Method::Get | tiny_http::Method::Head) {
        return text(405, "only GET");
    }
    let (path, query) = url.split_once('?').unwrap_or((url, ""));
    let v = version.load(Ordering::SeqCst);
    if path == "/" {
        return bytes(200, "text/html; charset=utf-8", index(out, v).into_bytes());
    }
    if path == "/version" {
        let since = query
            .split('&')
            .find_map(|kv| kv.strip_prefix("since="))
            .and_then(|s| s.parse::<u64>().ok());
        if let Some(since) = since {
            let start = Instant::now();
            while version.load(Ordering::SeqCst) == since && start.elapsed() < POLL {
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        return text(200, &version.load(Ordering::SeqCst).to_string());
    }
    if let Some(name) = path.strip_prefix("/view/") {
        return match file(out, name) {
            Some(_) => bytes(200, "text/html; charset=utf-8", view(name, v).into_bytes()),
            None => text(404, "not found"),
        };
    }
    if let Some(name) = path.strip_prefix("/files/") {
        return match file(out, name).and_then(|p| std::fs::read(p).ok()) {
            Some(b) => bytes(200, content_type(name), b),
            None => text(404, "not found"),
        };
    }
    text(404, "not found")
}

/// A file directly in `out`, by a plain name, that is a regular file (not a
/// symlink); `None` for anything else.
pub fn file(out: &Path, name: &str) -> Option<PathBuf> {
    let plain = !name.is_empty()
        && !name.starts_with('.')
        && !name.contains("..")
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if !plain {
        return None;
    }
    let p = out.join(name);
    let meta = std::fs::symlink_metadata(&p).ok()?;
    meta.file_type().is_file().then_some(p)
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, e)| e) {
        Some("pdf") => "application/pdf",
        Some("html") => "text/html; charset=utf-8",
        Some("csv") => "text/csv; charset=utf-8",
        Some("json") => "application/json",
        Some("xlsx") => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        Some("docx") => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        _ => "application/octet-stream",
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Reloads the page when `/version` says a rebuild happened.
fn reload_script(v: u64) -> String {
    format!(
        "<script>\nlet v = {v};\n(async function poll() {{\n  for (;;) {{\n    try {{\n      const t = await (await fetch('/version?since=' + v)).text();\n      if (t !== String(v)) {{ location.reload(); return; }}\n    }} catch (e) {{ await new Promise(r => setTimeout(r, 1000)); }}\n  }}\n}})();\n</script>\n"
    )
}

fn page(title: &str, body: &str, v: u64) -> String {
    format!(
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n<title>{}</title>\n<style>body{{font-family:sans-serif;margin:0}}main{{padding:1rem 2rem}}iframe{{border:0;width:100%;height:calc(100vh - 3rem)}}nav{{padding:.75rem 1rem;background:#eee}}</style>\n</head>\n<body>\n{body}{}</body>\n</html>\n",
        escape(title),
        reload_script(v)
    )
}

fn index(out: &Path, v: u64) -> String {
    let mut names: Vec<String> = std::fs::read_dir(out)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().to_string())
        .filter(|n| (n.ends_with(".pdf") || n.ends_with(".html")) && file(out, n).is_some())
        .collect();
    names.sort();
    let mut body = String::from("<main>\n<h1>Preview</h1>\n");
    if names.is_empty() {
        body.push_str("<p>Nothing built yet: documents appear here when they build.</p>\n");
    } else {
        body.push_str("<ul>\n");
        for n in &names {
            let e = escape(n);
            let href = if n.ends_with(".pdf") {
                format!("/view/{e}")
            } else {
                format!("/files/{e}")
            };
            body.push_str(&format!("<li><a href=\"{href}\">{e}</a></li>\n"));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<p>This page reloads after every rebuild.</p>\n</main>\n");
    page("Preview", &body, v)
}

fn view(name: &str, v: u64) -> String {
    let e = escape(name);
    let body = format!(
        "<nav><a href=\"/\">All documents</a> · {e}</nav>\n<iframe title=\"{e}\" src=\"/files/{e}?v={v}\"></iframe>\n"
    );
    page(name, &body, v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serves_only_plain_files_from_the_output_folder() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        std::fs::write(out.join("a.pdf"), b"%PDF").unwrap();
        std::fs::write(dir.path().join("secret.txt"), b"secret").unwrap();
        std::fs::write(out.join(".quire-lock"), b"").unwrap();
        std::fs::create_dir(out.join("a.src")).unwrap();
        assert_eq!(file(&out, "a.pdf"), Some(out.join("a.pdf")));
        for bad in [
            "",
            "../secret.txt",
            "..",
            "..%2Fsecret.txt",
            "%2e%2e/secret.txt",
            "/etc/passwd",
            "a.src",
            ".quire-lock",
            "a.pdf/",
            "sub/a.pdf",
            "a\\b",
        ] {
            assert_eq!(file(&out, bad), None, "{bad}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret.txt"), out.join("link.pdf"))
                .unwrap();
            assert_eq!(file(&out, "link.pdf"), None);
        }
    }
}
