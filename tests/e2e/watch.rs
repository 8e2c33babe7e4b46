//! `quire watch` and `quire serve`: a long-lived process that rebuilds on save,
//! and the preview server (loopback only, files only from the output folder).

use crate::harness::*;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// A running quire whose stderr lines arrive on a channel; stopped with SIGINT
/// (Ctrl-C) when dropped.
struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start(p: &Project, args: &[&str]) -> Running {
        let mut child = Command::new(bin())
            .current_dir(p.path())
            .args(args)
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let err = child.stderr.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                if tx.send(l).is_err() {
                    break;
                }
            }
        });
        Running {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (at most 60 s) for a line satisfying `f`; returns it.
    fn wait_for(&mut self, f: impl Fn(&str) -> bool) -> String {
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(l) => {
                    self.seen.push(l.clone());
                    if f(&l) {
                        return l;
                    }
                }
                Err(_) => panic!("timed out; output so far:\n{}", self.seen.join("\n")),
            }
        }
    }

    /// Ctrl-C, then the exit status.
    fn interrupt(&mut self) -> Option<i32> {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-INT", &pid]).status();
        let status = self.child.wait().unwrap();
        while let Ok(l) = self.lines.recv_timeout(Duration::from_secs(5)) {
            self.seen.push(l);
        }
        status.code()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn new_paper_project() -> Project {
    let p = Project {
        dir: tempfile::tempdir().unwrap(),
        fixture: std::path::PathBuf::new(),
    };
    assert!(
        p.run(&["new", "project", "--name", "Imaginary Borough Council"])
            .status
            .success()
    );
    assert!(p.run(&["new", "paper", "a"]).status.success());
    assert!(p.run(&["new", "paper", "b"]).status.success());
    p
}

#[test]
fn watch_rebuilds_only_what_changed_and_stops_on_ctrl_c() {
    let p = new_paper_project();
    let mut w = Running::start(&p, &["watch"]);
    w.wait_for(|l| l.starts_with("watching "));
    assert!(
        w.seen.iter().any(|l| l.contains("built a (")),
        "{:?}",
        w.seen
    );
    assert!(
        w.seen.iter().any(|l| l.contains("built b (")),
        "{:?}",
        w.seen
    );
    let before = std::fs::read(p.path().join("out/b.pdf")).unwrap();

    // A narrative edit of `a` rebuilds `a` only, and the PDF shows it.
    let md = p.path().join("content/a/01-introduction.md");
    let text = std::fs::read_to_string(&md).unwrap();
    std::fs::write(&md, format!("{text}\nA sentence written while watching.\n")).unwrap();
    let l = w.wait_for(|l| l.contains("built a (") || l.contains("failed"));
    assert!(l.contains(" ms"), "{l}");
    let pdf = squash(&pdf_text(&p.path().join("out/a.pdf")));
    assert!(pdf.contains("A sentence written while watching."), "{pdf}");

    // An error is printed, and fixing it rebuilds again.
    let yaml = p.path().join("content/a/paper.yaml");
    let good = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, format!("{good}\nnot-a-key: 1\n")).unwrap();
    w.wait_for(|l| l.contains("failed a"));
    assert!(
        w.seen
            .iter()
            .any(|l| l.contains("error[Q0004]: unknown key `not-a-key`")),
        "{:?}",
        w.seen
    );
    std::fs::write(&yaml, &good).unwrap();
    w.wait_for(|l| l.contains("built a ("));

    assert_eq!(w.interrupt(), Some(0), "{:?}", w.seen);
    assert!(
        w.seen.iter().any(|l| l == "stopped watching"),
        "{:?}",
        w.seen
    );
    // `b` was never rebuilt after the first build.
    assert_eq!(
        w.seen.iter().filter(|l| l.contains("built b (")).count(),
        1,
        "{:?}",
        w.seen
    );
    assert!(
        std::fs::read(p.path().join("out/b.pdf")).unwrap() == before,
        "b.pdf changed"
    );
    // Nothing left behind: the output lock is free for the next build.
    let o = p.run(&["build"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

/// Edits `rel` in `p` with `f` and waits for the watcher to rebuild `doc`.
fn edit_and_wait(p: &Project, w: &mut Running, rel: &str, doc: &str, f: impl Fn(&str) -> String) {
    let before = w.seen.len();
    let path = p.path().join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(&text)).unwrap();
    let l = w.wait_for(|l| l.contains(&format!("built {doc} (")) || l.contains("failed"));
    assert!(l.contains("built"), "{}", w.seen[before..].join("\n"));
}

/// A rebuild in `quire watch` reuses the previous compile's parsed Typst files
/// (edited, not parsed afresh) and Typst's memoized layout: its outputs must
/// still be the bytes a cold `quire build` writes for the same inputs, after
/// edits at the end and in the middle of the narrative and in the paper's data.
/// The demo writes the HTML edition too (`formats: [pdf, html]`), and so must watch.
#[test]
fn watch_rebuilds_are_byte_identical_to_a_cold_build() {
    let p = Project::demo();
    let doc = "cype-risk-2019";
    let mut w = Running::start(&p, &["watch", doc]);
    w.wait_for(|l| l.starts_with("watching "));
    let md = format!("content/{doc}/01-introduction.md");
    edit_and_wait(&p, &mut w, &md, doc, |t| {
        format!("{t}\nA sentence added at the end while watching.\n")
    });
    edit_and_wait(&p, &mut w, &md, doc, |t| {
        t.replacen(
            "Keeping risk registers",
            "A sentence added in the middle. Keeping risk registers",
            1,
        )
    });
    edit_and_wait(&p, &mut w, &format!("content/{doc}/paper.yaml"), doc, |t| {
        t.replacen("past-pathway: None", "past-pathway: Corporate Board", 1)
    });
    assert_eq!(w.interrupt(), Some(0), "{:?}", w.seen);
    let pdf = squash(&pdf_text(&p.path().join(format!("out/{doc}.pdf"))));
    for s in [
        "A sentence added at the end while watching.",
        "A sentence added in the middle. Keeping risk registers",
        "Corporate Board",
    ] {
        assert!(pdf.contains(s), "{s} is not in the PDF: {pdf}");
    }

    let o = p.run(&["build", "--force", "--out", "cold", doc]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    for ext in ["pdf", "html", "xlsx"] {
        let name = format!("{doc}.{ext}");
        let cold = std::fs::read(p.path().join("cold").join(&name)).unwrap();
        let warm = std::fs::read(p.path().join("out").join(&name))
            .unwrap_or_else(|e| panic!("watch did not write {name}: {e}"));
        assert!(
            warm == cold,
            "{name} from watch differs from a cold build's"
        );
    }
}

/// One raw HTTP/1.0 GET; (status, body).
fn get(port: u16, path: &str) -> (u16, Vec<u8>) {
    let (status, _, body) = request(
        port,
        &format!("GET {path} HTTP/1.0\r\nHost: 127.0.0.1:{port}\r\n\r\n"),
    );
    (status, body)
}

/// One raw request; (status, head, body).
fn request(port: u16, raw_request: &str) -> (u16, String, Vec<u8>) {
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    s.write_all(raw_request.as_bytes()).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    (status, head, raw[split + 4..].to_vec())
}

/// The port `quire serve --port 0` printed.
fn serving(s: &mut Running) -> u16 {
    let l = s.wait_for(|l| l.contains("http://127.0.0.1:"));
    l.rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches('/')
        .parse()
        .unwrap()
}

#[test]
fn serve_keeps_answering_under_idle_slow_and_polling_clients_and_checks_the_host() {
    use std::net::TcpStream;
    use std::time::Instant;
    let p = new_paper_project();
    let mut s = Running::start(&p, &["serve", "--port", "0"]);
    let port = serving(&mut s);
    s.wait_for(|l| l.starts_with("watching "));

    // DNS rebinding: a page of another site reaching this port names its own host.
    for host in [
        format!("Host: evil.example:{port}\r\n"),
        format!("Host: 127.0.0.1.evil.example:{port}\r\n"),
        format!("Host: 127.0.0.1:{}\r\n", port.wrapping_add(1)),
        String::new(),
    ] {
        let (status, head, body) =
            request(port, &format!("GET /files/a.pdf HTTP/1.1\r\n{host}\r\n"));
        assert_eq!(status, 421, "{host:?}");
        assert!(head.contains("X-Content-Type-Options: nosniff"), "{head}");
        assert!(!body.starts_with(b"%PDF"), "{host:?}");
    }
    for host in ["127.0.0.1", "localhost", "[::1]"] {
        let (status, head, body) = request(
            port,
            &format!("GET /files/a.pdf HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n"),
        );
        assert_eq!(status, 200, "{host}");
        assert!(head.contains("X-Content-Type-Options: nosniff"), "{head}");
        assert!(body.starts_with(b"%PDF"), "{host}");
    }

    // Clients that hold connections: idle ones (more than the server keeps),
    // slow ones sending a byte at a time, and more long polls than it parks.
    let connect = || {
        let c = TcpStream::connect(("127.0.0.1", port)).unwrap();
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        c
    };
    let idle: Vec<TcpStream> = (0..300).map(|_| connect()).collect();
    let mut slow: Vec<TcpStream> = (0..20).map(|_| connect()).collect();
    let (_, v) = get(port, "/version");
    let v = String::from_utf8(v).unwrap();
    let polls: Vec<TcpStream> = (0..100)
        .map(|_| {
            let mut c = connect();
            write!(
                c,
                "GET /version?since={v} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n"
            )
            .unwrap();
            c
        })
        .collect();
    for (i, c) in slow.iter_mut().enumerate() {
        let _ = c.write_all(&b"GET / HTTP/1.1\r\n"[..1 + i % 10]);
    }
    // Every other request is still answered, at once.
    for path in ["/", "/files/a.pdf", "/view/b.pdf", "/version"] {
        let start = Instant::now();
        let (status, _) = get(port, path);
        assert_eq!(status, 200, "{path}");
        assert!(
            start.elapsed() < Duration::from_secs(3),
            "{path} took {:?}",
            start.elapsed()
        );
    }
    // Polls beyond those parked are told to retry; the parked ones wait.
    let mut told_to_retry = 0;
    for mut c in polls.into_iter().rev().take(30) {
        c.set_read_timeout(Some(Duration::from_millis(300)))
            .unwrap();
        let mut raw = Vec::new();
        let _ = c.read_to_end(&mut raw);
        if raw.starts_with(b"HTTP/1.1 503") {
            told_to_retry += 1;
            assert!(String::from_utf8_lossy(&raw).contains("Retry-After: 1"));
        }
    }
    assert!(
        told_to_retry >= 30,
        "{told_to_retry} of the last 30 polls told to retry"
    );
    // An idle client is let go once its time to send a request is up.
    let mut last = idle.into_iter().last().unwrap();
    let start = Instant::now();
    let mut raw = Vec::new();
    let _ = last.read_to_end(&mut raw);
    assert!(
        start.elapsed() < Duration::from_secs(15),
        "{:?}",
        start.elapsed()
    );
    assert!(
        raw.is_empty() || raw.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&raw)
    );
    drop(slow);

    assert_eq!(s.interrupt(), Some(0), "{:?}", s.seen);
}

#[test]
fn serve_previews_the_output_folder_on_loopback_only() {
    let p = new_paper_project();
    std::fs::write(p.path().join("secret.txt"), "not for the browser").unwrap();
    let mut s = Running::start(&p, &["serve", "--port", "0"]);
    let port = serving(&mut s);
    s.wait_for(|l| l.starts_with("watching "));

    let (status, body) = get(port, "/");
    let index = String::from_utf8(body).unwrap();
    assert_eq!(status, 200);
    assert!(
        index.contains("href=\"/view/a.pdf\"") && index.contains("href=\"/view/b.pdf\""),
        "{index}"
    );
    let (status, body) = get(port, "/files/a.pdf");
    assert_eq!(status, 200);
    assert!(
        body == std::fs::read(p.path().join("out/a.pdf")).unwrap(),
        "a.pdf differs"
    );
    for bad in [
        "/files/../secret.txt",
        "/files/..%2Fsecret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/../quire.yaml",
        "/files//etc/passwd",
        "/files/.quire-lock",
        "/view/../secret.txt",
        "/../secret.txt",
        "/secret.txt",
    ] {
        let (status, body) = get(port, bad);
        assert_eq!(status, 404, "{bad}");
        assert!(
            !String::from_utf8_lossy(&body).contains("not for the browser"),
            "{bad}"
        );
    }
    // The version moves on after a rebuild: a poll waiting on the current one returns.
    let (_, v) = get(port, "/version");
    let v = String::from_utf8(v).unwrap();
    let waiter = std::thread::spawn(move || get(port, &format!("/version?since={v}")));
    std::thread::sleep(Duration::from_millis(300));
    let md = p.path().join("content/b/01-introduction.md");
    let text = std::fs::read_to_string(&md).unwrap();
    std::fs::write(&md, format!("{text}\nMore.\n")).unwrap();
    let (status, after) = waiter.join().unwrap();
    assert_eq!(status, 200);
    assert_ne!(String::from_utf8(after).unwrap(), "", "no version");

    assert_eq!(s.interrupt(), Some(0), "{:?}", s.seen);
}

#[test]
fn watch_makes_a_recorded_pack_again_when_its_meeting_file_changes() {
    let p = Project::demo();
    let o = p.run(&["pack", "send-sub-2023-09"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut w = Running::start(&p, &["watch"]);
    w.wait_for(|l| l.starts_with("watching "));
    // The meeting's venue is no document's input; the pack is made from it.
    let meeting = p.path().join("content/send-sub-2023-09/meeting.yaml");
    let t = std::fs::read_to_string(&meeting)
        .unwrap()
        .replace("venue: Council Chamber,", "venue: Darent Room,");
    std::fs::write(&meeting, t).unwrap();
    let l = w.wait_for(|l| l.contains("repacked") || l.contains("error"));
    assert!(
        l.contains("repacked send-sub-2023-09-pack.pdf")
            && l.contains("input changed: content/send-sub-2023-09/meeting.yaml"),
        "{}",
        w.seen.join("\n")
    );
    let text = squash(&pdf_text(&p.path().join("out/send-sub-2023-09-pack.pdf")));
    assert!(text.contains("Darent Room, Sessions House"), "{text}");
    assert_eq!(w.interrupt(), Some(0), "{:?}", w.seen);
}
