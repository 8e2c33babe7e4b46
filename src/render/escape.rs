//! The one path by which author text reaches Typst source.
//!
//! Stage: render. Every string that came from YAML or Markdown and ends up in a
//! generated `.typ` file goes through [`str_lit`] (a Typst string literal) or
//! [`text`] (that literal embedded in markup as `#"…";`). Inside a string literal
//! only `\` and `"` are special, so escaping those two and every control character
//! is complete: `#`, `$`, `@`, `<`, `[`, `//` and the rest are inert there. The
//! trailing `;` ends the embedded expression, so no following character can turn
//! the string into a method call or a function argument. Structured data never
//! goes through here at all: it reaches layouts as JSON.

use std::fmt::Write;

/// A Typst string literal holding exactly `s`.
pub fn str_lit(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() || c == '\u{2028}' || c == '\u{2029}' => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Author text placed in markup: shown literally, never interpreted.
pub fn text(s: &str) -> String {
    markup(s, super::format::signed_sums())
}

/// [`text`] for a layout whose rule for signed sums is known (`signed`: a
/// signed sum is kept on one line).
pub fn markup(s: &str, signed: bool) -> String {
    if s.is_empty() {
        return String::new();
    }
    // A sign stays on the line of the sum it belongs to: a signed sum is boxed.
    let runs = super::format::runs(s, signed);
    if runs.len() == 1 && !runs[0].1 {
        return format!("#{};", str_lit(s));
    }
    runs.iter()
        .map(|(t, signed)| {
            if *signed {
                format!("#box({});", str_lit(t))
            } else {
                format!("#{};", str_lit(t))
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_only_what_string_literals_need() {
        assert_eq!(str_lit(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(str_lit("x\ny"), r#""x\ny""#);
        assert_eq!(str_lit("\u{0}"), r#""\u{0}""#);
        assert_eq!(
            text("#read(\"/etc/passwd\")"),
            r##"#"#read(\"/etc/passwd\")";"##
        );
    }
}
