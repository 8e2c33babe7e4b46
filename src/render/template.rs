//! minijinja over Markdown: figures in prose come from the data.
//!
//! Stage: render. Templates run with strict undefined (an unknown name is an
//! error with its line), with the document's data in scope and filters for
//! council conventions (`date`, `money`, `percent`, `number`, `fy`). Every value
//! printed is backslash-escaped for Markdown, so a value shows as written and can
//! never open emphasis or a list. Functions such as `risk_table` add a generated
//! block and print an unforgeable marker for [`markdown`](super::markdown).
//!
//! Templates are a small, bounded language: before running, [`check_template`]
//! allows only `{{ … }}`, `{% if %}` and `{% for %}` over data, the council
//! filters and a list of harmless built-in filters, and no operator that builds
//! text (`~`, `*`, `**`); so no value can grow beyond the data it came from.
//! Execution has fuel (a bound on steps) and output is capped: a template can
//! neither hang nor exhaust memory. A YAML value always prints as inline text
//! of the place it is put: its line breaks become line breaks, never new blocks,
//! and there is no `safe` filter for author data.

use super::format;
use super::markdown::{BLOCK_MARKER, LINE_BREAK, TABLE_MARKER};
use crate::model::Settings;
use crate::model::decimal::Dec;
use minijinja::value::{Kwargs, Value};
use minijinja::{Environment, Error, ErrorKind, UndefinedBehavior};
use serde_json::Value as Json;
use std::sync::{Arc, Mutex, OnceLock};

/// Steps a template may take (loop iterations, lookups, filter calls …).
pub const FUEL: u64 = 200_000;
/// Largest Markdown a template may produce: 4 MiB.
pub const MAX_OUTPUT: usize = 4 * 1024 * 1024;
/// Deepest nesting of `{% if %}` / `{% for %}` blocks.
pub const MAX_NESTING: usize = 8;

/// Built-in filters a template may use besides the council ones: each gives
/// a value no larger than its input.
const BUILTIN_FILTERS: &[&str] = &[
    "abs",
    "attr",
    "capitalize",
    "count",
    "default",
    "d",
    "dictsort",
    "first",
    "float",
    "groupby",
    "int",
    "items",
    "join",
    "last",
    "length",
    "list",
    "lower",
    "map",
    "max",
    "min",
    "reject",
    "rejectattr",
    "reverse",
    "round",
    "select",
    "selectattr",
    "sort",
    "string",
    "sum",
    "title",
    "trim",
    "unique",
    "upper",
    "wordcount",
    "bool",
    "batch",
    "slice",
    "lines",
];
/// What a template error's help lists when it has nothing more precise: every
/// name and function a narrative template can use.
pub const NAMES_HELP: &str = "names available: paper, data, org, registers, tables, and functions risk(), risk_table(), band_counts(), heat_map(), register_changes(), table(), changes(), figure(), appendix(), section() and range(); see docs/data-format.md";
/// Functions a template may call.
const FUNCTIONS: &[&str] = &[
    "range",
    "risk",
    "risk_table",
    "band_counts",
    "heat_map",
    "table",
    "changes",
    "figure",
    "register_changes",
    "appendix",
    "section",
    "standard_table",
];
/// Methods a template may call on values.
const METHODS: &[&str] = &["items", "keys", "values", "cycle", "changed"];
/// quire's own filters.
const QUIRE_FILTERS: &[&str] = &["date", "money", "percent", "number", "fy"];

/// The marker value that functions like `risk_table` return: printed as is.
/// Nothing else is ever printed unescaped.
#[derive(Debug)]
struct Marker(String);

impl minijinja::value::Object for Marker {}

/// What templates can see and the generated blocks they asked for.
pub struct Scope {
    /// The context (top-level names such as `paper`, `org`, `registers`).
    pub context: Arc<Json>,
    pub settings: Settings,
    /// Blocks placed by functions like `risk_table`, in order of placement.
    pub generated: Arc<Mutex<Vec<Json>>>,
    /// Each register's change account against its previous snapshot, by the
    /// register's name in the paper ([`super::view::changes_view`]): what
    /// `register_changes("name")` prints. A register without a previous
    /// snapshot has none, and the function prints nothing for it.
    pub changes: Arc<Json>,
    /// The paper's appendices as (title, label as printed: `A` or `1`), for
    /// `appendix("title")`, which prints "Appendix A".
    pub appendices: Arc<Vec<(String, String)>>,
    /// The narrative's sections (level-1 headings) in order, and whether they
    /// are numbered: `section("Title")` prints "section 3".
    pub sections: Arc<(Vec<String>, bool)>,
    /// The report template's standard tables a section places, by key, for
    /// `standard_table("key")`.
    pub standard: Arc<Vec<String>>,
    /// Figures the prose says that disagree with the cell they quote
    /// (`figure("t.row/col", says=83.4)`), in order: reported after rendering.
    pub says: Arc<Mutex<Vec<SaysMismatch>>>,
    /// The environment and the context as a template value, made on the first
    /// template and reused by the others: a 1,000-risk register is converted
    /// once per document, not once per templated text. The context never
    /// changes after the scope is made, and fuel is counted per render.
    env: OnceLock<(Environment<'static>, Value)>,
}

impl Scope {
    /// A scope over `context`, with no generated blocks yet.
    pub fn new(context: Json, settings: Settings) -> Self {
        Scope {
            context: Arc::new(context),
            settings,
            generated: Arc::new(Mutex::new(Vec::new())),
            changes: Arc::new(Json::Null),
            appendices: Arc::new(Vec::new()),
            sections: Arc::new((Vec::new(), false)),
            standard: Arc::new(Vec::new()),
            says: Default::default(),
            env: OnceLock::new(),
        }
    }

    /// The context back, once every template has run (copied only if
    /// something still shares it).
    pub fn into_context(self) -> Json {
        // The environment's functions hold the context too.
        drop(self.env);
        Arc::try_unwrap(self.context).unwrap_or_else(|c| (*c).clone())
    }
}

/// A prose figure that disagrees with its cell.
#[derive(Debug, Clone)]
pub struct SaysMismatch {
    /// The cell as written in the call: `hn-budget.total/forecast`.
    pub cell: String,
    /// The figure the prose says, as given.
    pub says: String,
    /// The cell's figure, as printed and at full precision.
    pub printed: String,
    pub full: String,
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
                    None if obj.is_empty() && done == ["data"] => {
                        "this document declares no figures under `data:`; add them there \
                         (`data: { name: 1234 }`) to use them as `data.name`"
                            .to_string()
                    }
                    None if obj.is_empty() => {
                        format!("`{}` holds nothing here", done.join("."))
                    }
                    // At the top there is no name to say what holds the keys.
                    None if done.is_empty() => NAMES_HELP.to_string(),
                    None => format!(
                        "`{}` has: {}",
                        done.join("."),
                        obj.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            }
        }
    }
    None
}

/// A value as Markdown text that stays inline where it is put: ASCII
/// punctuation is escaped (so nothing opens emphasis, a list or a heading),
/// leading and trailing blank space is dropped, and each line break inside it
/// becomes [`LINE_BREAK`] (so no blank line or indented line can start a new
/// block).
fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut lines = s.trim().lines().map(str::trim).peekable();
    while let Some(line) = lines.next() {
        for c in line.chars() {
            if c.is_ascii_punctuation() {
                out.push('\\');
            }
            out.push(c);
        }
        if lines.peek().is_some() {
            out.push_str(LINE_BREAK);
        }
    }
    out
}

fn marker(generated: &Arc<Mutex<Vec<Json>>>, block: Json) -> Value {
    let mut g = generated.lock().unwrap_or_else(|e| e.into_inner());
    g.push(block);
    Value::from_object(Marker(format!(
        "\n\n<!--{BLOCK_MARKER}{}-->\n\n",
        g.len() - 1
    )))
}

/// Places a declared table: records the block and returns its marker.
fn table_marker(generated: &Arc<Mutex<Vec<Json>>>, id: &str) -> Value {
    let mut g = generated.lock().unwrap_or_else(|e| e.into_inner());
    g.push(serde_json::json!({"kind": "declared-table", "table": id}));
    Value::from_object(Marker(format!(
        "\n\n<!--{TABLE_MARKER}{}-->\n\n",
        g.len() - 1
    )))
}

/// A register's change account as a Markdown table (a block of its own):
/// a row per change with the risk, its title, the change in words and the two
/// values it traces to, headed by the two registers' dates; every value
/// escaped as any printed value is. An account with no change says so in a
/// sentence naming both dates.
fn changes_table(account: &Json) -> String {
    let text = |v: &Json, k: &str| escape_markdown(v.get(k).and_then(Json::as_str).unwrap_or(""));
    let (since, as_at) = (text(account, "since"), text(account, "as_at"));
    let lines = account
        .get("lines")
        .and_then(Json::as_array)
        .map_or(&[][..], Vec::as_slice);
    if lines.is_empty() {
        return format!(
            "\n\nNo risk was added, closed, re-scored or given another owner between {since} and {as_at}.\n\n"
        );
    }
    let mut out = format!(
        "\n\n| Risk | Title | Change | As at {since} | As at {as_at} |\n| --- | --- | --- | --- | --- |\n"
    );
    for l in lines {
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            text(l, "id"),
            text(l, "title"),
            text(l, "change"),
            text(l, "from"),
            text(l, "to")
        ));
    }
    out.push('\n');
    out
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
    env.set_fuel(Some(FUEL));
    // Author data is never trusted as markup: no `safe`, and every value that is
    // not one of quire's own markers is escaped, whatever filters produced it.
    env.remove_filter("safe");
    env.remove_global("namespace");
    env.set_formatter(|out, _state, value| {
        let text = match value.downcast_object_ref::<Marker>() {
            Some(m) => m.0.clone(),
            None => escape_markdown(&value.to_string()),
        };
        out.write_str(&text)
            .map_err(|_| Error::new(ErrorKind::WriteFailure, "write failed"))
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
        move |v: Value, kwargs: Kwargs| -> Result<String, Error> {
            let unit: Option<String> = kwargs.get("unit")?;
            let places: Option<usize> = kwargs.get("places")?;
            kwargs.assert_all_used()?;
            let f = figure_arg(&v, "money")?;
            let given = match unit.as_deref() {
                None => None,
                Some(u) => Some(format::money_unit(u).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "`{u}` is not a unit money knows: use {}",
                            format::MONEY_UNITS
                        ),
                    )
                })?),
            };
            // A figure quoted from a table is in its column's unit: it is
            // converted once, from that unit.
            let own = f.unit.as_deref().and_then(format::money_unit);
            if f.unit.is_some() && own.is_none() {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!(
                        "this figure is in {}, not a sum of money",
                        f.unit.as_deref().unwrap_or_default()
                    ),
                ));
            }
            let factor = match (own, given) {
                (Some(a), Some(b)) if a != b => {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        format!(
                            "this figure is in {} already, but `unit` says {}",
                            f.unit.as_deref().unwrap_or_default(),
                            unit.as_deref().unwrap_or_default()
                        ),
                    ));
                }
                (a, b) => a.or(b).unwrap_or(1),
            };
            let places = places.unwrap_or(1);
            if places > 3 {
                return Err(Error::new(
                    ErrorKind::InvalidOperation,
                    "money is written with at most 3 decimal places in millions or billions",
                ));
            }
            format::money(f.value, factor, places as u32, s2.negative_money).ok_or_else(|| {
                Error::new(
                    ErrorKind::InvalidOperation,
                    "this sum is too large to print",
                )
            })
        },
    );
    env.add_filter(
        "percent",
        |v: Value, kwargs: Kwargs| -> Result<String, Error> {
            let places: Option<usize> = kwargs.get("places")?;
            let ratio: Option<bool> = kwargs.get("ratio")?;
            kwargs.assert_all_used()?;
            let f = figure_arg(&v, "percent")?;
            let places = match places {
                Some(p) if p > 6 => {
                    return Err(Error::new(
                        ErrorKind::InvalidOperation,
                        "percent is written with at most 6 decimal places",
                    ));
                }
                Some(p) => p as u32,
                None => f.places.unwrap_or(1),
            };
            if ratio.unwrap_or(false) {
                let x = f.value.checked_mul_int(100).ok_or_else(|| {
                    Error::new(
                        ErrorKind::InvalidOperation,
                        "this ratio is too large to print",
                    )
                })?;
                return Ok(format::percent(x, places));
            }
            // A difference of two percentages is in percentage points.
            Ok(match f.unit.as_deref() {
                Some(u) if is_points(u) => format::points(f.value, places),
                _ => format::percent(f.value, places),
            })
        },
    );
    env.add_filter("number", |v: Value| -> Result<String, Error> {
        let f = figure_arg(&v, "number")?;
        Ok(match f.places {
            Some(p) => format::fixed(f.value, p),
            None => format::number(f.value),
        })
    });
    let s3 = settings.clone();
    env.add_filter("fy", move |v: String| {
        format::financial_year(&v, s3.financial_year_style)
    });

    let ctx = scope.context.clone();
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
    let (c5, g5) = (ctx.clone(), scope.generated.clone());
    env.add_function("table", move |id: String| -> Result<Value, Error> {
        let name = crate::tables::template_name(&id);
        let tables = c5.get("tables").and_then(Json::as_object);
        if tables.is_some_and(|t| t.contains_key(&name)) {
            return Ok(table_marker(&g5, &name));
        }
        let mut ids: Vec<&str> = tables
            .map(|t| {
                t.keys()
                    .map(String::as_str)
                    .filter(|k| !k.contains('-'))
                    .collect()
            })
            .unwrap_or_default();
        ids.dedup();
        Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "no table with id `{id}` (this document has: {})",
                if ids.is_empty() {
                    "none".into()
                } else {
                    ids.join(", ")
                }
            ),
        ))
    });
    // What changed since the last submitted update (a return's `changes`
    // table): nothing at all where there is no earlier record to compare.
    let (c7, g7) = (ctx.clone(), scope.generated.clone());
    env.add_function("changes", move || -> Result<Value, Error> {
        let tables = c7.get("tables").and_then(Json::as_object);
        if tables.is_some_and(|t| t.contains_key("changes")) {
            return Ok(table_marker(&g7, "changes"));
        }
        Ok(Value::from(""))
    });
    // A reference to an appendix by its title (or its label): printed as the
    // paper numbers it, so that "see Appendix B" follows the list.
    let apx = scope.appendices.clone();
    env.add_function("appendix", move |name: String| -> Result<Value, Error> {
        let want = name.trim();
        let found = apx
            .iter()
            .find(|(t, l)| t.eq_ignore_ascii_case(want) || l.eq_ignore_ascii_case(want));
        match found {
            Some((_, label)) => Ok(Value::from(format!("Appendix {label}"))),
            None => {
                let list = if apx.is_empty() {
                    "this paper has no appendices".to_string()
                } else {
                    format!(
                        "its appendices are: {}",
                        apx.iter()
                            .map(|(t, l)| format!("{l}: {t}"))
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                };
                Err(Error::new(
                    ErrorKind::InvalidOperation,
                    format!("the paper has no appendix `{want}`; {list}"),
                ))
            }
        }
    });
    // A reference to a section by its heading: "section 3", as numbered.
    let secs = scope.sections.clone();
    env.add_function("section", move |name: String| -> Result<Value, Error> {
        let want = name.trim();
        let (titles, numbered) = &*secs;
        match titles.iter().position(|t| t.trim().eq_ignore_ascii_case(want)) {
            Some(i) if *numbered => Ok(Value::from(format!("section {}", i + 1))),
            Some(_) => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("the sections of this paper are not numbered, so `{want}` has no number to print"),
            )),
            None => Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the narrative has no section `{want}`; its sections are: {}",
                    if titles.is_empty() { "none".to_string() } else { titles.join("; ") }
                ),
            )),
        }
    });
    // A standard table the report template places in a section, where the
    // section's text writes it.
    let (st, g8) = (scope.standard.clone(), scope.generated.clone());
    env.add_function(
        "standard_table",
        move |key: String| -> Result<Value, Error> {
            if st.contains(&key) {
                return Ok(marker(
                    &g8,
                    serde_json::json!({"kind": "standard-table", "key": key}),
                ));
            }
            Err(Error::new(
                ErrorKind::InvalidOperation,
                format!(
                    "the report template places no table `{key}` in a section; {}",
                    if st.is_empty() {
                        "it places none".to_string()
                    } else {
                        format!("the tables it places are: {}", st.join(", "))
                    }
                ),
            ))
        },
    );
    let (c7, ch7, g8) = (ctx.clone(), scope.changes.clone(), scope.generated.clone());
    env.add_function(
        "register_changes",
        move |name: String| -> Result<Value, Error> {
            register(&c7, &name)?;
            // From layout version 3, a table of the engine (`changes-NAME`).
            let id = crate::tables::template_name(&crate::tables::register::table_id(&name));
            if c7
                .get("tables")
                .and_then(Json::as_object)
                .is_some_and(|t| t.contains_key(&id))
            {
                return Ok(table_marker(&g8, &id));
            }
            Ok(match ch7.get(&name) {
                Some(account) => Value::from_object(Marker(changes_table(account))),
                // No previous snapshot: nothing computed, nothing printed.
                None => Value::from(""),
            })
        },
    );
    let (c6, s6) = (ctx.clone(), scope.says.clone());
    env.add_function(
        "figure",
        move |cell: String, kwargs: Kwargs| -> Result<Value, Error> {
            let says: Option<Value> = kwargs.get("says")?;
            kwargs.assert_all_used()?;
            let figures = c6.get(crate::tables::FIGURES);
            let f = prose_figure(figures, &cell)?;
            if let Some(says) = says {
                // A figure the prose writes ("5.1", "£5.1m", "1,537") is
                // compared at the places it is written with; an expression
                // over cells (`t.a/x + t.b/x`) at the quoted cell's places.
                let said = says.to_string();
                let (other, places) = match said_figure(&said) {
                    Some((d, p)) => (Some(d), p),
                    None => (prose_figure(figures, &said)?.value, f.places),
                };
                let same = other
                    .zip(f.value)
                    .is_some_and(|(a, b)| a.round(places) == b.round(places));
                if !same && let Ok(mut l) = s6.lock() {
                    l.push(SaysMismatch {
                        cell: cell.clone(),
                        says: match other {
                            Some(o) if said_figure(&said).is_none() => {
                                format!("{said} ({})", o.full())
                            }
                            _ => said,
                        },
                        printed: f.printed.clone(),
                        full: f.value.map(|v| v.full()).unwrap_or_default(),
                    });
                }
            }
            let Some(value) = f.value else {
                return Ok(Value::from(f.printed));
            };
            Ok(Value::from_object(Figure {
                value,
                places: f.places,
                unit: f.unit,
                printed: f.printed,
            }))
        },
    );
    env
}

/// A figure `figure()` quotes: the cell's exact value, its unit and the
/// places it is printed with. It prints as the table prints it; the filters
/// format it from its exact value (`money` from its unit: a £m cell is
/// converted once).
#[derive(Debug)]
pub struct Figure {
    pub value: crate::model::decimal::Dec,
    pub places: u32,
    pub unit: Option<String>,
    pub printed: String,
}

impl minijinja::value::Object for Figure {
    fn get_value(self: &Arc<Self>, key: &Value) -> Option<Value> {
        match key.as_str()? {
            "value" => Some(Value::from(self.value.to_f64())),
            "places" => Some(Value::from(self.places)),
            "unit" => Some(Value::from(self.unit.clone())),
            "printed" => Some(Value::from(self.printed.clone())),
            _ => None,
        }
    }

    fn render(self: &Arc<Self>, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.printed)
    }
}

/// Whether a unit is percentage points (`pp`, `points`, `percentage points`).
pub fn is_points(unit: &str) -> bool {
    matches!(
        unit.trim().to_ascii_lowercase().as_str(),
        "pp" | "points" | "percentage points" | "% points" | "ppt" | "ppts"
    )
}

/// What a filter formats: an exact value, with the places and unit of a
/// quoted figure.
struct FigureArg {
    value: crate::model::decimal::Dec,
    places: Option<u32>,
    unit: Option<String>,
}

/// The exact decimal a filter formats. A figure from `figure()` is its cell's
/// exact value; a number from the data is read as the decimal it was written
/// as (a YAML `2.675` is 2.675, not the binary float just below it: the
/// shortest decimal that reads back as the same float, which for figures of
/// up to 15 significant digits is the figure as written).
fn figure_arg(v: &Value, filter: &str) -> Result<FigureArg, Error> {
    use crate::model::decimal::Dec;
    use minijinja::value::ValueKind;
    if v.is_undefined() {
        // Reported as every undefined name is, with "did you mean".
        return Err(Error::from(ErrorKind::UndefinedError));
    }
    if let Some(f) = v.downcast_object_ref::<Figure>() {
        return Ok(FigureArg {
            value: f.value,
            places: Some(f.places),
            unit: f.unit.clone(),
        });
    }
    let value = match v.kind() {
        ValueKind::Number if v.is_integer() => Dec::parse(&v.to_string()),
        ValueKind::Number => f64::try_from(v.clone()).ok().and_then(Dec::from_f64),
        _ => None,
    };
    let limit = Dec::int(crate::validate::MAX_FIGURE as i64);
    match value {
        Some(value) if value.abs() <= limit => Ok(FigureArg {
            value,
            places: None,
            unit: None,
        }),
        Some(_) => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!("`{filter}` prints figures up to 10^12; this one is larger"),
        )),
        None => Err(Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "`{filter}` needs a figure (a number from the data or `figure(…)`), not {}",
                match v.kind() {
                    ValueKind::None => "nothing (none)".to_string(),
                    ValueKind::String => format!("the text `{v}`"),
                    ValueKind::Number => "a number that is not finite".to_string(),
                    k => format!("a {k}"),
                }
            ),
        )),
    }
}

/// A figure quoted in prose: one cell (`t.row/col`) or an expression over
/// cells (`t.a/x + t.b/x`).
struct ProseFigure {
    value: Option<Dec>,
    printed: String,
    places: u32,
    /// The cell's unit; an expression's when every cell it names has it.
    unit: Option<String>,
}

fn prose_figure(figures: Option<&Json>, text: &str) -> Result<ProseFigure, Error> {
    let cell = |k: &str| figures.and_then(|f| f.get(k));
    if let Some(f) = cell(text) {
        return Ok(ProseFigure {
            value: f.get("full").and_then(Json::as_str).and_then(Dec::parse),
            printed: f
                .get("printed")
                .and_then(Json::as_str)
                .unwrap_or_default()
                .to_string(),
            places: f.get("places").and_then(Json::as_u64).unwrap_or(0) as u32,
            unit: unit_of(f),
        });
    }
    let unknown = || {
        Error::new(
            ErrorKind::InvalidOperation,
            format!(
                "no cell `{text}` in this document's tables (write TABLE.ROW/COLUMN, or cells joined by + - * /)"
            ),
        )
    };
    let e = crate::model::expr::parse_expr(text).map_err(|_| unknown())?;
    let mut leaves = Vec::new();
    e.leaves(&mut leaves);
    if leaves.is_empty() {
        return Err(unknown());
    }
    let mut places = 0;
    let mut units = Vec::new();
    for r in &leaves {
        let k = r.text();
        let Some(f) = cell(&k) else {
            return Err(Error::new(
                ErrorKind::InvalidOperation,
                format!("no cell `{k}` in this document's tables (write TABLE.ROW/COLUMN)"),
            ));
        };
        places = places.max(f.get("places").and_then(Json::as_u64).unwrap_or(0) as u32);
        units.push(unit_of(f));
    }
    units.dedup();
    let unit = match units.as_slice() {
        [u] => u.clone(),
        _ => None,
    };
    let value = e
        .eval(&|r: &crate::model::expr::Ref| {
            cell(&r.text())
                .and_then(|f| f.get("full"))
                .and_then(Json::as_str)
                .and_then(Dec::parse)
        })
        .ok();
    let col = crate::model::table::Column {
        id: crate::model::Sp::new(String::new(), crate::source::Span::new(0, 0..0)),
        label: String::new(),
        ty: crate::model::table::ColType::Number,
        unit: None,
        places,
        plus: false,
    };
    Ok(ProseFigure {
        printed: value.map_or("no data".into(), |v| {
            crate::tables::format(v, &col, crate::model::NegativeStyle::Minus)
        }),
        value,
        places,
        unit,
    })
}

/// A quoted cell's unit, when it has one.
fn unit_of(f: &Json) -> Option<String> {
    f.get("unit")
        .and_then(Json::as_str)
        .filter(|u| !u.is_empty())
        .map(str::to_string)
}

/// A figure as prose writes it, with its places: `5.1`, `£5.1m`, `-0.25`,
/// `1,537`, `7.00%`; `None` for anything else.
fn said_figure(s: &str) -> Option<(Dec, u32)> {
    let t = s.trim();
    let (neg, t) = match t.strip_prefix(['-', '−']) {
        Some(r) => (true, r),
        None => (false, t),
    };
    let t = t.strip_prefix('£').unwrap_or(t);
    let t = ["bn", "m", "k", "%"]
        .iter()
        .find_map(|u| t.strip_suffix(u))
        .unwrap_or(t)
        .trim();
    let digits: String = t.chars().filter(|c| *c != ',').collect();
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let places = digits.split_once('.').map_or(0, |(_, f)| f.len() as u32);
    let d = Dec::parse(&digits)?;
    Some((if neg { Dec::ZERO.checked_sub(d)? } else { d }, places))
}

/// Renders one Markdown template. `name` appears in minijinja's own messages.
pub fn render(name: &str, src: &str, scope: &Scope) -> Result<String, TemplateError> {
    if !src.contains("{{") && !src.contains("{%") && !src.contains("{#") {
        return Ok(src.to_string());
    }
    check_template(name, src)?;
    let (env, ctx) = scope
        .env
        .get_or_init(|| (build_env(scope), Value::from_serialize(&*scope.context)));
    let mut out = Capped(String::new());
    let result = env
        .template_from_named_str(name, src)
        .and_then(|t| t.render_captured_to(ctx, &mut out).map(|_| ()));
    result
        .map(|_| out.0)
        .map_err(|e| from_minijinja(&e, src, &scope.context))
}

/// Output that refuses to grow past [`MAX_OUTPUT`].
struct Capped(String);

impl std::io::Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.0.len() + buf.len() > MAX_OUTPUT {
            return Err(std::io::Error::other("output too large"));
        }
        self.0.push_str(&String::from_utf8_lossy(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// A minijinja error as a located template error; `ctx` (the names in scope)
/// feeds the "did you mean" for undefined names.
fn from_minijinja(e: &Error, src: &str, ctx: &Json) -> TemplateError {
    let mut message = e
        .detail()
        .map(str::to_string)
        .unwrap_or_else(|| e.kind().to_string());
    // Widen to the whole `{{ … }}` so the message quotes what the author wrote.
    let range = e.range().map(|r| {
        let (start, end) = (
            src.floor_char_boundary(r.start),
            src.floor_char_boundary(r.end),
        );
        let open = src[..start]
            .rfind("{{")
            .filter(|o| !src[*o..start].contains("}}"));
        let close = src[end..].find("}}").map(|c| end + c + 2);
        match (open, close) {
            (Some(o), Some(c)) => o..c,
            _ => start..end.max(start),
        }
    });
    let expr = range.clone().and_then(|r| src.get(r)).map(|t| {
        t.trim_matches(|c: char| c == '{' || c == '}' || c.is_whitespace())
            .to_string()
    });
    let mut help = None;
    match e.kind() {
        ErrorKind::OutOfFuel => {
            message = format!("this template takes more than {FUEL} steps");
            help = Some("templates quote figures from the data; loop over the data, not over long ranges, and compute totals in the data".into());
        }
        ErrorKind::WriteFailure => {
            message = format!(
                "this template writes more than {} MiB of text",
                MAX_OUTPUT / (1024 * 1024)
            );
            help = Some("a narrative file should quote the data, not repeat it; split the text or loop over fewer items".into());
        }
        _ => {}
    }
    if e.kind() == ErrorKind::UndefinedError || message.contains("undefined") {
        if let Some(expr) = &expr {
            message = format!("`{expr}` uses a name that is not defined");
            help = suggest_path(expr, ctx);
        } else {
            message = "undefined value".into();
        }
    }
    if help.is_none() {
        help = Some(if message.contains("variable block") {
            "a `{{ … }}` is not closed: end it with `}}`".into()
        } else if message.contains("expected end of") || message.contains("unexpected end of input")
        {
            "a `{% if %}` or `{% for %}` block is not closed: add `{% endif %}` or `{% endfor %}`"
                .into()
        } else if message.contains("keyword argument") {
            "check the argument names: money takes `unit`, percent takes `places` and `ratio`, risk_table takes `min_score` (docs/data-format.md lists every filter)".into()
        } else if e.kind() == ErrorKind::SyntaxError {
            "`{{ … }}` prints a value and `{% if %}`/`{% for %}` choose or repeat text; write `{{`, `{%` or `{#` as text with `{{ \"{{\" }}`".into()
        } else {
            NAMES_HELP.into()
        });
    }
    TemplateError {
        range,
        line: e.line(),
        message: lowercase_first(&message),
        help,
    }
}

/// Checks a template before it runs: only the bounded subset described in the
/// module documentation. Syntax errors are reported here too.
pub fn check_template(name: &str, src: &str) -> Result<(), TemplateError> {
    use minijinja::machinery::{WhitespaceConfig, parse};
    let ast = parse(src, name, Default::default(), WhitespaceConfig::default())
        .map_err(|e| from_minijinja(&e, src, &Json::Null))?;
    let mut problem = None;
    stmt(&ast, 0, &mut problem);
    match problem {
        None => Ok(()),
        Some((span, message, help)) => {
            let r = span.start_offset as usize..span.end_offset as usize;
            Err(TemplateError {
                range: src.get(r.clone()).map(|_| r),
                line: Some(span.start_line as usize),
                message,
                help: Some(help),
            })
        }
    }
}

type Problem = Option<(minijinja::machinery::Span, String, String)>;

fn refuse(p: &mut Problem, span: minijinja::machinery::Span, message: String, help: &str) {
    if p.is_none() {
        *p = Some((span, message, help.to_string()));
    }
}

const STATEMENT_HELP: &str = "narrative templates may use `{{ … }}`, `{% if %}` and `{% for %}`; put figures and lists in the data (YAML) and quote them";

fn stmt(s: &minijinja::machinery::ast::Stmt, depth: usize, p: &mut Problem) {
    use minijinja::machinery::ast::Stmt;
    if p.is_some() {
        return;
    }
    let body = |b: &[Stmt], p: &mut Problem| b.iter().for_each(|c| stmt(c, depth + 1, p));
    match s {
        Stmt::Template(t) => t.children.iter().for_each(|c| stmt(c, depth, p)),
        Stmt::EmitRaw(_) => {}
        Stmt::EmitExpr(e) => expr(&e.expr, p),
        Stmt::IfCond(c) => {
            if depth >= MAX_NESTING {
                return refuse(
                    p,
                    c.span(),
                    format!("blocks are nested more than {MAX_NESTING} deep"),
                    STATEMENT_HELP,
                );
            }
            expr(&c.expr, p);
            body(&c.true_body, p);
            body(&c.false_body, p);
        }
        Stmt::ForLoop(f) => {
            if depth >= MAX_NESTING {
                return refuse(
                    p,
                    f.span(),
                    format!("blocks are nested more than {MAX_NESTING} deep"),
                    STATEMENT_HELP,
                );
            }
            if f.recursive {
                return refuse(
                    p,
                    f.span(),
                    "`recursive` loops are not available in narrative templates".into(),
                    STATEMENT_HELP,
                );
            }
            if builds_values(&f.iter) {
                return refuse(p, f.span(), "a `{% for %}` loop must go over data (or `range`), not over a list written in the template".into(), STATEMENT_HELP);
            }
            expr(&f.iter, p);
            if let Some(e) = &f.filter_expr {
                expr(e, p);
            }
            body(&f.body, p);
            body(&f.else_body, p);
        }
        other => {
            let (span, what) = statement_name(other);
            refuse(
                p,
                span,
                format!("`{{% {what} %}}` is not available in narrative templates"),
                STATEMENT_HELP,
            );
        }
    }
}

fn statement_name(
    s: &minijinja::machinery::ast::Stmt,
) -> (minijinja::machinery::Span, &'static str) {
    use minijinja::machinery::ast::Stmt;
    match s {
        Stmt::WithBlock(x) => (x.span(), "with"),
        Stmt::Set(x) => (x.span(), "set"),
        Stmt::SetBlock(x) => (x.span(), "set"),
        Stmt::AutoEscape(x) => (x.span(), "autoescape"),
        Stmt::FilterBlock(x) => (x.span(), "filter"),
        Stmt::Block(x) => (x.span(), "block"),
        Stmt::Import(x) => (x.span(), "import"),
        Stmt::FromImport(x) => (x.span(), "from … import"),
        Stmt::Extends(x) => (x.span(), "extends"),
        Stmt::Include(x) => (x.span(), "include"),
        Stmt::Macro(x) => (x.span(), "macro"),
        Stmt::CallBlock(x) => (x.span(), "call"),
        Stmt::Do(x) => (x.span(), "do"),
        Stmt::Template(x) => (x.span(), "template"),
        Stmt::EmitExpr(x) => (x.span(), "expression"),
        Stmt::EmitRaw(x) => (x.span(), "text"),
        Stmt::ForLoop(x) => (x.span(), "for"),
        Stmt::IfCond(x) => (x.span(), "if"),
    }
}

/// Whether an expression contains a list or map written in the template.
fn builds_values(e: &minijinja::machinery::ast::Expr) -> bool {
    use minijinja::machinery::ast::Expr;
    match e {
        Expr::List(_) | Expr::Map(_) => true,
        Expr::Filter(f) => f.expr.as_ref().is_some_and(builds_values),
        Expr::GetAttr(g) => builds_values(&g.expr),
        Expr::GetItem(g) => builds_values(&g.expr),
        Expr::BinOp(b) => builds_values(&b.left) || builds_values(&b.right),
        Expr::IfExpr(i) => {
            builds_values(&i.true_expr) || i.false_expr.as_ref().is_some_and(builds_values)
        }
        _ => false,
    }
}

fn args(a: &[minijinja::machinery::ast::CallArg], p: &mut Problem) {
    use minijinja::machinery::ast::CallArg;
    for arg in a {
        match arg {
            CallArg::Pos(e)
            | CallArg::Kwarg(_, e)
            | CallArg::PosSplat(e)
            | CallArg::KwargSplat(e) => expr(e, p),
        }
    }
}

fn expr(e: &minijinja::machinery::ast::Expr, p: &mut Problem) {
    use minijinja::machinery::ast::{BinOpKind, Expr};
    if p.is_some() {
        return;
    }
    match e {
        Expr::Var(_) | Expr::Const(_) => {}
        Expr::Slice(s) => {
            expr(&s.expr, p);
            for x in [&s.start, &s.stop, &s.step].into_iter().flatten() {
                expr(x, p);
            }
        }
        Expr::UnaryOp(u) => expr(&u.expr, p),
        Expr::BinOp(b) => {
            let op = match b.op {
                BinOpKind::Concat => Some("~"),
                BinOpKind::Mul => Some("*"),
                BinOpKind::Pow => Some("**"),
                _ => None,
            };
            if let Some(op) = op {
                return refuse(
                    p,
                    b.span(),
                    format!("the `{op}` operator is not available in narrative templates"),
                    "write text side by side instead of joining it with `~`; compute figures in the data, or format a ratio with `percent(ratio=true)`",
                );
            }
            expr(&b.left, p);
            expr(&b.right, p);
        }
        Expr::Compare(c) => {
            expr(&c.expr, p);
            c.ops.iter().for_each(|o| expr(&o.expr, p));
        }
        Expr::IfExpr(i) => {
            expr(&i.test_expr, p);
            expr(&i.true_expr, p);
            if let Some(f) = &i.false_expr {
                expr(f, p);
            }
        }
        Expr::Filter(f) => {
            if !QUIRE_FILTERS.contains(&f.name) && !BUILTIN_FILTERS.contains(&f.name) {
                return refuse(
                    p,
                    f.span(),
                    format!(
                        "the filter `{}` is not available in narrative templates",
                        f.name
                    ),
                    "the filters are date, money, percent, number, fy and simple list and text filters (see docs/data-format.md)",
                );
            }
            if let Some(x) = &f.expr {
                expr(x, p);
            }
            args(&f.args, p);
        }
        Expr::Test(t) => {
            expr(&t.expr, p);
            args(&t.args, p);
        }
        Expr::GetAttr(g) => expr(&g.expr, p),
        Expr::GetItem(g) => {
            expr(&g.expr, p);
            expr(&g.subscript_expr, p);
        }
        Expr::Call(c) => {
            let allowed = match &c.expr {
                Expr::Var(v) => FUNCTIONS.contains(&v.id),
                Expr::GetAttr(g) => METHODS.contains(&g.name),
                _ => false,
            };
            if !allowed {
                return refuse(
                    p,
                    c.span(),
                    "only quire's functions can be called in narrative templates".into(),
                    "the functions are risk(), risk_table(), band_counts(), heat_map(), register_changes(), table(), changes(), figure(), appendix(), section() and range()",
                );
            }
            if let Expr::GetAttr(g) = &c.expr {
                expr(&g.expr, p);
            }
            args(&c.args, p);
        }
        Expr::List(l) => l.items.iter().for_each(|x| expr(x, p)),
        Expr::Map(m) => {
            m.keys.iter().for_each(|x| expr(x, p));
            m.values.iter().for_each(|x| expr(x, p));
        }
    }
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
    use crate::tables::FIGURES;

    fn scope(ctx: Json) -> Scope {
        Scope::new(ctx, Settings::default())
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

    /// Every filter rounds the decimal as written, half away from zero, as
    /// Excel's ROUND (binary floats give £2.2 million, 2.67, 12.2% and 1).
    #[test]
    fn filters_round_the_decimal_as_written() {
        let s = scope(
            serde_json::json!({"a": 2.25, "b": 2.675, "c": 12.25, "d": 1.005, "e": -2.5, "z": -0.004, "p": -0.4}),
        );
        let out = |t: &str| render("t", t, &s).unwrap();
        assert_eq!(out(r#"{{ a | money(unit="m") }}"#), r"£2\.3 million");
        assert_eq!(out("{{ b | number }}"), r"2\.68");
        assert_eq!(out("{{ c | percent }}"), r"12\.3\%");
        assert_eq!(out("{{ d | number }}"), r"1\.01");
        assert_eq!(out("{{ e | percent(places=0) }}"), r"−3\%");
        assert_eq!(
            out(r#"{{ e | money(unit="m", places=0) }}"#),
            r"\(£3 million\)"
        );
        assert_eq!(out("{{ z | number }}"), "0");
        assert_eq!(out("{{ p | money }}"), r"\(£0\.40\)");
        let e = render("t", r#"{{ "12" | number }}"#, &s).unwrap_err();
        assert!(e.message.contains("needs a figure"), "{}", e.message);
    }

    /// `figure()` carries the cell's exact value and unit: a £m cell is
    /// converted once, from the figure, and points are not per cent.
    #[test]
    fn a_quoted_figure_keeps_its_value_and_unit() {
        let s = scope(serde_json::json!({FIGURES: {
            "t.a/m": {"printed": "0.1", "full": "0.05", "places": 1, "unit": "£m"},
            "t.b/pp": {"printed": "4.0", "full": "4", "places": 1, "unit": "pp"},
            "t.c/pct": {"printed": "7.00", "full": "7", "places": 2, "unit": "%"},
        }}));
        let out = |t: &str| render("t", t, &s).unwrap();
        assert_eq!(out(r#"{{ figure("t.a/m") }}"#), r"0\.1");
        assert_eq!(out(r#"{{ figure("t.a/m") | money }}"#), r"£50\,000");
        assert_eq!(
            out(r#"{{ figure("t.a/m") | money(unit="m") }}"#),
            r"£50\,000"
        );
        assert_eq!(
            out(r#"{{ figure("t.b/pp") | percent }}"#),
            r"4\.0 percentage points"
        );
        assert_eq!(out(r#"{{ figure("t.c/pct") | percent }}"#), r"7\.00\%");
        assert_eq!(out(r#"{{ figure("t.c/pct") | number }}"#), r"7\.00");
        let e = render("t", r#"{{ figure("t.a/m") | money(unit="k") }}"#, &s).unwrap_err();
        assert!(e.message.contains("in £m already"), "{}", e.message);
        let e = render("t", r#"{{ figure("t.c/pct") | money }}"#, &s).unwrap_err();
        assert!(e.message.contains("not a sum of money"), "{}", e.message);
    }

    #[test]
    fn multibyte_after_an_opening_tag_is_an_error_not_a_panic() {
        let s = scope(serde_json::json!({}));
        for t in [
            "{%中",
            "a {%中 b",
            "{{中",
            "{{ x 中",
            "é{%",
            "{% if 中 %}",
            "{#中",
        ] {
            let e = render("t", t, &s).unwrap_err();
            assert!(!e.message.is_empty(), "{t}");
            if let Some(r) = &e.range {
                assert!(t.get(r.clone()).is_some(), "{t}: {r:?}");
            }
        }
    }

    #[test]
    fn loops_are_bounded_by_fuel() {
        let s = scope(serde_json::json!({}));
        let e = render(
            "t",
            "{% for i in range(100000) %}{% for j in range(100000) %}x{% endfor %}{% endfor %}",
            &s,
        )
        .unwrap_err();
        assert!(e.message.contains("more than"), "{}", e.message);
    }

    #[test]
    fn templates_cannot_build_large_values() {
        let s = scope(serde_json::json!({"s": "ab"}));
        for (t, what) in [
            ("{% set x = s ~ s %}", "`{% set %}`"),
            ("{% set ns = namespace(s=s) %}", "`{% set %}`"),
            ("{{ s ~ s }}", "`~`"),
            ("{{ s * 100000 }}", "`*`"),
            ("{% for a in [s, s] %}{% endfor %}", "over data"),
            ("{% macro m(x) %}{{ x }}{% endmacro %}", "`{% macro %}`"),
            ("{{ s | replace('a', s) }}", "`replace`"),
            ("{{ s | safe }}", "`safe`"),
            ("{% with a = s %}{% endwith %}", "`{% with %}`"),
            ("{% include 'x' %}", "`{% include %}`"),
            ("{{ lipsum() }}", "functions"),
        ] {
            let e = render("t", t, &s).unwrap_err();
            assert!(e.message.contains(what), "{t}: {}", e.message);
            assert!(e.help.is_some(), "{t}");
        }
    }

    #[test]
    fn output_is_capped() {
        let big = "x".repeat(1024 * 1024);
        let s = scope(serde_json::json!({"big": big}));
        let e = render("t", "{% for i in range(10) %}{{ big }}{% endfor %}", &s).unwrap_err();
        assert!(e.message.contains("MiB"), "{}", e.message);
    }

    #[test]
    fn values_stay_inline_where_they_are_put() {
        let s = scope(serde_json::json!({"v": "one\n\n    two\n# three\n- four\n"}));
        let out = render("t", "Text {{ v }} end", &s).unwrap();
        assert_eq!(
            out,
            format!(
                "Text one{br}{br}two{br}\\# three{br}\\- four end",
                br = LINE_BREAK
            )
        );
        let (typ, errors) =
            super::super::markdown::to_typst(&out, super::super::markdown::Mode::Numbered, 0);
        assert!(errors.is_empty());
        assert_eq!(typ.matches("#L.para[").count(), 1, "{typ}");
        assert!(
            !typ.contains("#raw") && !typ.contains("#heading") && !typ.contains("#list"),
            "{typ}"
        );
    }

    /// `register_changes` prints a register's account as a table whose cells
    /// are escaped values (a `|` in a title stays in its cell), nothing for a
    /// register with no account, and an error for a register the paper lacks.
    #[test]
    fn register_changes_prints_the_account_as_a_table_or_nothing() {
        let ctx = serde_json::json!({"registers": {"a": {}, "b": {}}});
        let mut s = scope(ctx);
        s.changes = Arc::new(serde_json::json!({"a": {
            "since": "31 March 2025", "as_at": "30 June 2025",
            "lines": [{"id": "CR1", "title": "Pay | grading", "change": "New risk",
                       "from": "not in the register", "to": "9 (Medium)"}],
        }}));
        let out = render("t", "{{ register_changes(\"a\") }}", &s).unwrap();
        let (doc, errors) =
            super::super::markdown::parse(&out, super::super::markdown::Mode::Plain, 0, 1);
        assert!(errors.is_empty(), "{errors:?}");
        let [super::super::doc::Block::Table { head, rows, .. }] = doc.blocks.as_slice() else {
            panic!("not one table: {doc:?}");
        };
        assert_eq!(head.len(), 5);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].len(), 5, "{rows:?}");
        assert_eq!(
            render("t", "x{{ register_changes(\"b\") }}y", &s).unwrap(),
            "xy"
        );
        let e = render("t", "{{ register_changes(\"c\") }}", &s).unwrap_err();
        assert!(e.message.contains("no register named `c`"), "{}", e.message);
    }

    /// A deterministic fuzz run over hostile template fragments: rendering never
    /// panics, and every error has a message and, if located, a valid range.
    #[test]
    fn hostile_templates_never_panic() {
        let alphabet = [
            "{%",
            "%}",
            "{{",
            "}}",
            "{#",
            "#}",
            "中",
            "é",
            "🙂",
            " ",
            "\n",
            "if",
            "for",
            "in",
            "endif",
            "endfor",
            "x",
            "v",
            ".",
            "|",
            "(",
            ")",
            "[",
            "]",
            "'",
            "\"",
            "~",
            "*",
            "range(",
            "money",
            "date",
            "-",
            "=",
            ",",
            "set",
            "macro",
            "raw",
            "endraw",
            "0",
            "99999",
            "loop",
            "else",
            "\\",
            "{%-",
            "-%}",
            "risk_table(",
            "safe",
            "namespace(",
        ];
        let s = scope(serde_json::json!({"v": "a\nb", "x": {"y": 1}}));
        let mut next = crate::render::xorshift(0x9E37_79B9_7F4A_7C15u64);
        for _ in 0..3000 {
            let n = (next() % 16) as usize;
            let t: String = (0..n)
                .map(|_| alphabet[(next() % alphabet.len() as u64) as usize])
                .collect();
            let result =
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| render("t", &t, &s)));
            match result {
                Err(_) => panic!("template {t:?} panicked"),
                Ok(Err(e)) => {
                    assert!(!e.message.is_empty(), "{t:?}");
                    if let Some(r) = &e.range {
                        assert!(t.get(r.clone()).is_some(), "{t:?}: {r:?}");
                    }
                }
                Ok(Ok(_)) => {}
            }
        }
    }
}
