//! minijinja over Markdown: figures in prose come from the data.
//!
//! Stage: render. Templates run with strict undefined (an unknown name is an
//! error with its line), with the document's data in scope and filters for
//! council conventions (`date`, `money`, `percent`, `number`, `fy`). Every value
//! printed is backslash-escaped for Markdown, so a value shows as written and can
//! never open emphasis or a list. Functions such as `risk_table` add a generated
//! block and print an unforgeable marker for [`markdown`](super::markdown).

use super::format;
use super::markdown::BLOCK_MARKER;
use crate::model::Settings;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::Value as Json;
use std::sync::{Arc, Mutex};

/// What templates can see and the generated blocks they asked for.
pub struct Scope {
    /// The context (top-level names such as `paper`, `org`, `registers`).
    pub context: Json,
    pub settings: Settings,
    /// Blocks placed by functions like `risk_table`, in order of placement.
    pub generated: Arc<Mutex<Vec<Json>>>,
}

/// A failed template: where (byte range within the template text) and why.
#[derive(Debug)]
pub struct TemplateError {
    pub range: Option<std::ops::Range<usize>>,
    pub line: Option<usize>,
    pub message: String,
    /// A suggestion such as "did you mean `data.budget`?".
    pub help: Option<String>,
}

/// For `data.budgt | money`, walks `data` → `budgt` in the context and suggests
/// the nearest existing name at the first step that does not exist.
fn suggest_path(expr: &str, ctx: &Json) -> Option<String> {
    let path: String = expr
        .chars()
        .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == '.')
        .collect();
    let mut cur = ctx;
    let mut done: Vec<&str> = Vec::new();
    for seg in path.split('.').filter(|s| !s.is_empty()) {
        let obj = cur.as_object()?;
        match obj.get(seg) {
            Some(next) => {
                cur = next;
                done.push(seg);
            }
            None => {
                let near = crate::diag::did_you_mean(seg, obj.keys().map(String::as_str));
                let prefix = if done.is_empty() {
                    String::new()
                } else {
                    format!("{}.", done.join("."))
                };
                return Some(match near {
                    Some(n) => format!("did you mean `{prefix}{n}`?"),
                    None => format!(
                        "`{prefix}` has: {}",
                        obj.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    None
}

fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_punctuation() {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

fn marker(generated: &Arc<Mutex<Vec<Json>>>, block: Json) -> Value {
    let mut g = generated.lock().unwrap_or_else(|e| e.into_inner());
    g.push(block);
    Value::from_safe_string(format!("\n\n<!--{BLOCK_MARKER}{}-->\n\n", g.len() - 1))
}

fn register<'a>(ctx: &'a Json, name: &str) -> Result<&'a Json, Error> {
    ctx.get("registers")
        .and_then(|r| r.get(name))
        .ok_or_else(|| {
            let names: Vec<String> = ctx
                .get("registers")
                .and_then(Json::as_object)
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default();
            Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "no register named `{name}` (this paper has: {})",
                    if names.is_empty() {
                        "none".into()
                    } else {
                        names.join(", ")
                    }
                ),
            )
        })
}

fn build_env(scope: &Scope) -> Environment<'static> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_recursion_limit(50);
    env.set_formatter(|out, _state, value| {
        if value.is_safe() {
            write!(out, "{value}").map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        } else {
            write!(out, "{}", escape_markdown(&value.to_string()))
                .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
        }
    });
    let settings = scope.settings.clone();
    env.add_filter("date", |v: String| -> Result<String, Error> {
        chrono::NaiveDate::parse_from_str(&v, "%Y-%m-%d")
            .map(crate::model::dates::long_date)
            .map_err(|_| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    format!("`{v}` is not a YYYY-MM-DD date"),
                )
            })
    });
    let s2 = settings.clone();
    env.add_filter(
        "money",
        move |v: f64, kwargs: Kwargs| -> Result<String, Error> {
            let unit: Option<String> = kwargs.get("unit")?;
            kwargs.assert_all_used()?;
            Ok(format::money(v, unit.as_deref(), s2.negative_money))
        },
    );
    env.add_filter(
        "percent",
        |v: f64, kwargs: Kwargs| -> Result<String, Error> {
            let places: Option<usize> = kwargs.get("places")?;
            let ratio: Option<bool> = kwargs.get("ratio")?;
            kwargs.assert_all_used()?;
            let v = if ratio.unwrap_or(false) { v * 100.0 } else { v };
            Ok(format::percent(v, places.unwrap_or(1)))
        },
    );
    env.add_filter("number", |v: f64| format::number(v));
    let s3 = settings.clone();
    env.add_filter("fy", move |v: String| {
        format::financial_year(&v, s3.financial_year_style)
    });

    let ctx = Arc::new(scope.context.clone());
    let c1 = ctx.clone();
    env.add_function("risk", move |id: String| -> Result<Value, Error> {
        let regs = c1.get("registers").and_then(Json::as_object);
        for reg in regs.into_iter().flat_map(|r| r.values()) {
            if let Some(r) = reg.get("risks").and_then(Json::as_array).and_then(|rs| {
                rs.iter()
                    .find(|r| r.get("id").and_then(Json::as_str) == Some(&id))
            }) {
                return Ok(Value::from_serialize(r));
            }
        }
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("no risk with id `{id}` in this paper's registers"),
        ))
    });
    let (c2, g2) = (ctx.clone(), scope.generated.clone());
    env.add_function("risk_table", move |name: String, kwargs: Kwargs| -> Result<Value, Error> {
        let min: Option<u32> = kwargs.get("min_score")?;
        kwargs.assert_all_used()?;
        register(&c2, &name)?;
        Ok(marker(&g2, serde_json::json!({"kind": "risk-table", "register": name, "min_score": min.unwrap_or(0)})))
    });
    let (c3, g3) = (ctx.clone(), scope.generated.clone());
    env.add_function("band_counts", move |name: String| -> Result<Value, Error> {
        register(&c3, &name)?;
        Ok(marker(
            &g3,
            serde_json::json!({"kind": "band-counts", "register": name}),
        ))
    });
    let (c4, g4) = (ctx.clone(), scope.generated.clone());
    env.add_function("heat_map", move |name: String| -> Result<Value, Error> {
        register(&c4, &name)?;
        Ok(marker(
            &g4,
            serde_json::json!({"kind": "heat-map", "register": name}),
        ))
    });
    env
}

/// Renders one Markdown template. `name` appears in minijinja's own messages.
pub fn render(name: &str, src: &str, scope: &Scope) -> Result<String, TemplateError> {
    if !src.contains("{{") && !src.contains("{%") && !src.contains("{#") {
        return Ok(src.to_string());
    }
    let env = build_env(scope);
    let result = env
        .template_from_named_str(name, src)
        .and_then(|t| t.render(&scope.context));
    result.map_err(|e| {
        let mut message = e.detail().map(str::to_string).unwrap_or_else(|| e.kind().to_string());
        // Widen to the whole `{{ … }}` so the message quotes what the author wrote.
        let range = e.range().map(|r| {
            let open = src[..r.start.min(src.len())].rfind("{{").filter(|o| !src[*o..r.start].contains("}}"));
            let close = src[r.end.min(src.len())..].find("}}").map(|c| r.end + c + 2);
            match (open, close) {
                (Some(o), Some(c)) => o..c,
                _ => r,
            }
        });
        let expr = range.clone().and_then(|r| src.get(r)).map(|t| t.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace()).to_string());
        let mut help = None;
        if e.kind() == ErrorKind::UndefinedError || message.contains("undefined") {
            if let Some(expr) = &expr {
                message = format!("`{expr}` uses a name that is not defined");
                help = suggest_path(expr, &scope.context);
            } else {
                message = "undefined value".into();
            }
        }
        if help.is_none() {
            help = if message.contains("expected end of") || message.contains("unexpected end of input") {
                Some("a `{% if %}` or `{% for %}` block is not closed: add `{% endif %}` or `{% endfor %}`".into())
            } else if message.contains("keyword argument") {
                Some("check the argument names: money takes `unit`, percent takes `places` and `ratio`, risk_table takes `min_score`".into())
            } else {
                None
            };
        }
        TemplateError { range, line: e.line(), message: lowercase_first(&message), help }
    })
}

fn lowercase_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_lowercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(ctx: Json) -> Scope {
        Scope {
            context: ctx,
            settings: Settings::default(),
            generated: Arc::new(Mutex::new(Vec::new())),
        }
    }

    #[test]
    fn values_are_escaped_for_markdown() {
        let s = scope(serde_json::json!({"x": "*bold* #read()"}));
        assert_eq!(render("t", "{{ x }}", &s).unwrap(), r"\*bold\* \#read\(\)");
    }

    #[test]
    fn undefined_names_are_errors_with_a_place() {
        let s = scope(serde_json::json!({}));
        let e = render("t", "line one\n{{ nope }}", &s).unwrap_err();
        assert_eq!(e.line, Some(2));
        assert!(e.range.is_some());
    }

    #[test]
    fn filters_follow_conventions() {
        let s = scope(serde_json::json!({"d": "2019-03-28", "m": -1234567.0}));
        assert_eq!(
            render("t", "{{ d | date }}, {{ m | money }}", &s).unwrap(),
            r"28 March 2019, \(£1\,234\,567\)"
        );
    }
}
