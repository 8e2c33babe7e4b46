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
//!
//! The server is bounded whatever a client does: one thread reads every
//! request head without blocking (at most [`MAX_OPEN`] connections at once,
//! the oldest dropped beyond; a head must arrive within [`HEAD_TIME`] and
//! fit in [`MAX_HEAD`] bytes), long polls wait on that thread too (at most
//! [`MAX_POLLS`], the rest told to retry), and a fixed pool of [`WORKERS`]
//! threads answers the rest, each write bounded by [`WRITE_TIME`]. Nothing is
//! spawned per connection, and nothing here panics: a failure closes one
//! connection. A request whose `Host` is not this server's loopback address
//! (`127.0.0.1`, `localhost` or `[::1]`, with the port) gets 421: a page of
//! another site cannot read the previews by DNS rebinding. Every response says
//! `X-Content-Type-Options: nosniff` and `Connection: close`.

use super::{INTERNAL, exit, open};
use crate::cli::{Global, ServeArgs};
use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

/// The longest a `/version` poll waits for a rebuild before answering anyway.
const POLL: Duration = Duration::from_secs(20);
/// Threads answering requests (reading files, writing responses).
pub const WORKERS: usize = 4;
/// Requests waiting for a worker; beyond, a request is answered 503 at once.
const QUEUE: usize = 32;
/// Connections whose request is still arriving; beyond, the oldest is closed.
pub const MAX_OPEN: usize = 128;
/// Long polls waiting at once; beyond, a poll is answered 503 (retry later).
pub const MAX_POLLS: usize = 64;
/// The time a client has to send its request line and headers.
pub const HEAD_TIME: Duration = Duration::from_secs(5);
/// The largest request head read.
pub const MAX_HEAD: usize = 8 * 1024;
/// The longest one response may take to write.
pub const WRITE_TIME: Duration = Duration::from_secs(10);

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
    let listener = match TcpListener::bind(("127.0.0.1", args.port))
        .and_then(|l| l.set_nonblocking(true).map(|()| l))
    {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error[{}]: cannot listen on 127.0.0.1:{}: {}\n  = help: choose another port with --port N (0 picks a free one)",
                crate::diag::Code::Usage.as_str(),
                args.port,
                e.to_string().to_lowercase()
            );
            return exit(INTERNAL);
        }
    };
    let port = listener.local_addr().map(|a| a.port()).unwrap_or(args.port);
    let version = Arc::new(AtomicU64::new(0));
    let server = Server {
        out: out.clone(),
        port,
        version: version.clone(),
    };
    if let Err(e) = server.start(listener) {
        eprintln!(
            "error[{}]: cannot start the preview server: {}\n  = help: the system is short of threads or memory; close other programs and try again",
            crate::diag::Code::Usage.as_str(),
            e.to_string().to_lowercase()
        );
        return exit(INTERNAL);
    }
    eprintln!(
        "serving a preview of {} at http://127.0.0.1:{port}/",
        out.display()
    );
    super::watch::run(global, &args.watch, Some(version))
}

/// What the server needs to answer.
#[derive(Clone)]
struct Server {
    out: PathBuf,
    port: u16,
    version: Arc<AtomicU64>,
}

/// A parsed request head.
#[derive(Debug, PartialEq)]
pub struct Head {
    pub method: String,
    pub target: String,
    pub host: Option<String>,
}

/// A connection whose request head is still arriving.
struct Pending {
    stream: TcpStream,
    head: Vec<u8>,
    since: Instant,
}

/// A long poll waiting for the version to move on.
struct Poll {
    stream: TcpStream,
    since: u64,
    head_only: bool,
    started: Instant,
}

impl Server {
    /// Starts the workers and the thread that accepts and reads requests.
    fn start(self, listener: TcpListener) -> std::io::Result<()> {
        let (tx, rx) = mpsc::sync_channel::<(TcpStream, Head)>(QUEUE);
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..WORKERS {
            let (rx, me) = (rx.clone(), self.clone());
            std::thread::Builder::new()
                .name(format!("serve-{i}"))
                .spawn(move || me.work(&rx))?;
        }
        std::thread::Builder::new()
            .name("serve-accept".into())
            .spawn(move || self.front(listener, tx))?;
        Ok(())
    }

    /// A worker: answers one request at a time, for as long as quire runs.
    fn work(&self, rx: &Mutex<mpsc::Receiver<(TcpStream, Head)>>) {
        loop {
            let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok((stream, head)) = next else { return };
            let v = self.version.load(Ordering::SeqCst);
            let r = answer(&head.method, &head.target, &self.out, v);
            send(stream, &r, head.method == "HEAD", WRITE_TIME);
        }
    }

    /// Accepts connections and reads their heads without blocking; answers
    /// what needs no file at once, parks long polls, queues the rest.
    fn front(self, listener: TcpListener, tx: mpsc::SyncSender<(TcpStream, Head)>) {
        let mut open: std::collections::VecDeque<Pending> = Default::default();
        let mut polls: Vec<Poll> = Vec::new();
        let mut buf = [0u8; 2048];
        loop {
            let mut busy = false;
            // New connections.
            loop {
                match listener.accept() {
                    Ok((stream, _)) => {
                        busy = true;
                        if stream.set_nonblocking(true).is_err() {
                            continue;
                        }
                        if open.len() >= MAX_OPEN {
                            open.pop_front();
                        }
                        open.push_back(Pending {
                            stream,
                            head: Vec::new(),
                            since: Instant::now(),
                        });
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                    Err(_) => {
                        // Out of file descriptors or similar: try again shortly.
                        std::thread::sleep(Duration::from_millis(50));
                        break;
                    }
                }
            }
            // Heads arriving.
            let mut i = 0;
            while i < open.len() {
                let c = &mut open[i];
                let done = match c.stream.read(&mut buf) {
                    Ok(0) => Some(None),
                    Ok(n) => {
                        busy = true;
                        c.head.extend_from_slice(&buf[..n]);
                        if let Some(end) = c.head.windows(4).position(|w| w == b"\r\n\r\n") {
                            Some(Some(parse_head(&c.head[..end])))
                        } else if c.head.len() >= MAX_HEAD {
                            Some(Some(Err(431)))
                        } else {
                            None
                        }
                    }
                    Err(e) if e.kind() == ErrorKind::WouldBlock => {
                        (c.since.elapsed() > HEAD_TIME).then_some(Some(Err(408)))
                    }
                    Err(e) if e.kind() == ErrorKind::Interrupted => None,
                    Err(_) => Some(None),
                };
                let Some(done) = done else {
                    i += 1;
                    continue;
                };
                let Some(c) = open.remove(i) else { break };
                let head = match done {
                    None => continue,
                    Some(Err(status)) => {
                        send(c.stream, &text(status, reason(status)), false, SHORT);
                        continue;
                    }
                    Some(Ok(h)) => h,
                };
                if !self.host_allowed(head.host.as_deref()) {
                    let r = text(
                        421,
                        &format!(
                            "this preview answers only at http://127.0.0.1:{}/",
                            self.port
                        ),
                    );
                    send(c.stream, &r, head.method == "HEAD", SHORT);
                    continue;
                }
                let v = self.version.load(Ordering::SeqCst);
                if let Some(since) = poll_since(&head) {
                    if since == v && polls.len() < MAX_POLLS {
                        polls.push(Poll {
                            stream: c.stream,
                            since,
                            head_only: head.method == "HEAD",
                            started: Instant::now(),
                        });
                    } else if since == v {
                        send(c.stream, &retry(), false, SHORT);
                    } else {
                        send(
                            c.stream,
                            &text(200, &v.to_string()),
                            head.method == "HEAD",
                            SHORT,
                        );
                    }
                    continue;
                }
                if let Err(mpsc::TrySendError::Full((stream, _))) = tx.try_send((c.stream, head)) {
                    send(stream, &retry(), false, SHORT);
                }
            }
            // Long polls whose answer is due.
            let v = self.version.load(Ordering::SeqCst);
            let mut k = 0;
            while k < polls.len() {
                if polls[k].since != v || polls[k].started.elapsed() >= POLL {
                    let p = polls.swap_remove(k);
                    send(p.stream, &text(200, &v.to_string()), p.head_only, SHORT);
                    busy = true;
                } else {
                    k += 1;
                }
            }
            if !busy {
                std::thread::sleep(Duration::from_millis(10));
            }
        }
    }

    /// `Host` is this server's loopback address with its port (or without
    /// it on port 80, where browsers leave it out).
    fn host_allowed(&self, host: Option<&str>) -> bool {
        let Some(host) = host else { return false };
        let host = host.to_ascii_lowercase();
        let (name, port) = match host.rsplit_once(':') {
            Some((n, p)) if !n.is_empty() && !p.contains(']') => (n, p.parse::<u16>().ok()),
            _ => (host.as_str(), Some(80)),
        };
        matches!(name, "127.0.0.1" | "localhost" | "[::1]") && port == Some(self.port)
    }
}

/// How long an answer given by the reading thread may take to write.
const SHORT: Duration = Duration::from_millis(500);

/// The `since` of a `/version?since=N` poll.
fn poll_since(head: &Head) -> Option<u64> {
    let (path, query) = head.target.split_once('?')?;
    if path != "/version" {
        return None;
    }
    query
        .split('&')
        .find_map(|kv| kv.strip_prefix("since="))
        .and_then(|s| s.parse::<u64>().ok())
}

/// The request line and `Host` of a head; an HTTP status when it is not one.
pub fn parse_head(raw: &[u8]) -> Result<Head, u16> {
    let text = std::str::from_utf8(raw).map_err(|_| 400u16)?;
    let mut lines = text.split("\r\n");
    let mut first = lines.next().unwrap_or_default().split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (first.next(), first.next(), first.next(), first.next())
    else {
        return Err(400);
    };
    if !version.starts_with("HTTP/1.") || !target.starts_with('/') {
        return Err(400);
    }
    let mut host = None;
    for l in lines {
        let Some((k, v)) = l.split_once(':') else {
            return Err(400);
        };
        if k.eq_ignore_ascii_case("host") {
            if host.is_some() {
                return Err(400);
            }
            host = Some(v.trim().to_string());
        }
    }
    Ok(Head {
        method: method.to_string(),
        target: target.to_string(),
        host,
    })
}

/// A response: status, content type, body.
pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        421 => "Misdirected Request",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => "Error",
    }
}

/// Writes a response and closes the connection; a client that does not read
/// within `time` loses it.
fn send(mut stream: TcpStream, r: &Response, head_only: bool, time: Duration) {
    if stream.set_nonblocking(false).is_err() || stream.set_write_timeout(Some(time)).is_err() {
        return;
    }
    let retry = if r.status == 503 {
        "Retry-After: 1\r\n"
    } else {
        ""
    };
    let head = format!(
        "HTTP/1.1 {} {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nCross-Origin-Resource-Policy: same-origin\r\n{retry}Connection: close\r\n\r\n",
        r.status,
        reason(r.status),
        r.content_type,
        r.body.len()
    );
    let start = Instant::now();
    let _ = stream.write_all(head.as_bytes());
    if !head_only {
        // A client reading slowly gets at most `time` in all.
        for chunk in r.body.chunks(64 * 1024) {
            if start.elapsed() > time || stream.write_all(chunk).is_err() {
                break;
            }
        }
    }
    let _ = stream.flush();
    let _ = stream.shutdown(std::net::Shutdown::Write);
}

fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
    Response {
        status,
        content_type,
        body,
    }
}

fn text(status: u16, body: &str) -> Response {
    bytes(
        status,
        "text/plain; charset=utf-8",
        body.as_bytes().to_vec(),
    )
}

fn retry() -> Response {
    text(503, "busy: try again in a second")
}

/// The response to one request (pure apart from reading `out`; tested below).
/// A `/version` poll is answered at once here: the reading thread holds
/// those that wait.
pub fn answer(method: &str, url: &str, out: &Path, v: u64) -> Response {
    if !matches!(method, "GET" | "HEAD") {
        return text(405, "only GET");
    }
    let path = url.split_once('?').map_or(url, |(p, _)| p);
    if path == "/" {
        return bytes(200, "text/html; charset=utf-8", index(out, v).into_bytes());
    }
    if path == "/version" {
        return text(200, &v.to_string());
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
        "<script>\nlet v = {v};\n(async function poll() {{\n  for (;;) {{\n    try {{\n      const res = await fetch('/version?since=' + v);\n      if (!res.ok) {{ await new Promise(r => setTimeout(r, 1000)); continue; }}\n      const t = await res.text();\n      if (t !== String(v)) {{ location.reload(); return; }}\n    }} catch (e) {{ await new Promise(r => setTimeout(r, 1000)); }}\n  }}\n}})();\n</script>\n"
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
    fn heads_are_parsed_and_only_this_servers_loopback_host_is_answered() {
        let h = parse_head(b"GET /files/a.pdf HTTP/1.1\r\nHost: 127.0.0.1:8400\r\nAccept: */*")
            .unwrap();
        assert_eq!(h.method, "GET");
        assert_eq!(h.target, "/files/a.pdf");
        assert_eq!(h.host.as_deref(), Some("127.0.0.1:8400"));
        for bad in [
            &b"GET /\r\nHost: x"[..],
            b"GET / HTTP/1.1 extra\r\nHost: x",
            b"GET a HTTP/1.1",
            b"GET / SPDY/3",
            b"GET / HTTP/1.1\r\nno colon",
            b"GET / HTTP/1.1\r\nHost: 127.0.0.1:8400\r\nHost: evil.example",
            b"GET / HTTP/1.1\r\nHost: \xff",
        ] {
            assert!(parse_head(bad).is_err(), "{}", String::from_utf8_lossy(bad));
        }
        let s = Server {
            out: PathBuf::new(),
            port: 8400,
            version: Default::default(),
        };
        for ok in [
            "127.0.0.1:8400",
            "localhost:8400",
            "LOCALHOST:8400",
            "[::1]:8400",
        ] {
            assert!(s.host_allowed(Some(ok)), "{ok}");
        }
        for bad in [
            None,
            Some(""),
            Some("127.0.0.1"),
            Some("127.0.0.1:8401"),
            Some("evil.example:8400"),
            Some("localhost.evil.example:8400"),
            Some("127.0.0.1.nip.io:8400"),
            Some("[::1]"),
            Some("0.0.0.0:8400"),
            Some(":8400"),
        ] {
            assert!(!s.host_allowed(bad), "{bad:?}");
        }
        let s80 = Server { port: 80, ..s };
        assert!(s80.host_allowed(Some("localhost")));
        assert!(s80.host_allowed(Some("[::1]")));
    }

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
