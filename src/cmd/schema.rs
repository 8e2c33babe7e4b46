//! `quire schema [--out DIR]`: writes a JSON Schema (draft-07) for every kind of
//! file, so that an editor (VS Code with the YAML extension, or any client of
//! yaml-language-server) completes keys and marks unknown keys and wrong types
//! as you type.
//!
//! The schemas are not written by hand: they are generated from the validators'
//! own reads. In unit tests every `MapReader` records the keys it asks for
//! (required or not) and what each value is read as (`validate::record`); the
//! test `schemas_are_generated_from_the_validators` runs every validator over the
//! demo and every fixture, builds the schemas from those records and compares
//! them with the committed `schemas/*.schema.json` (`QUIRE_BLESS=1` rewrites
//! them). A reader that starts to accept a new key, or reads a value as another
//! type, fails that test until the schemas are regenerated. The binary carries
//! the committed files.
//!
//! A paper written on a council's report template (`templates/NAME-vN.yaml`) has
//! its own schema, `paper.NAME-vN.schema.json`: the paper's schema with the
//! template's cover fields and standard tables, made here from the template as
//! the validator reads it.
//!
//! In a project, the schemas go to `.quire/schema/` (or `--out DIR`); `quire new`
//! writes them too, and every YAML file it scaffolds starts with a
//! `# yaml-language-server: $schema=…` line pointing there. Nothing under
//! `.quire/` is ever an input of a document.

use super::{INTERNAL, OK, exit};
use crate::cli::{Global, SchemaArgs};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::model::template::{FieldType, Template};
use crate::source::SourceMap;
use serde_json::{Map, Value, json};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// The folder in a project the schemas are written to.
pub const DIR: &str = ".quire/schema";

/// One kind of file: its name in `<kind>.schema.json`, the files it describes,
/// what its validator calls the whole file, and the committed schema.
pub struct Kind {
    pub kind: &'static str,
    pub files: &'static str,
    pub root: &'static str,
    pub schema: &'static str,
}

pub const KINDS: &[Kind] = &[
    Kind {
        kind: "quire",
        files: "quire.yaml",
        root: "the project file",
        schema: include_str!("../../schemas/quire.schema.json"),
    },
    Kind {
        kind: "paper",
        files: "content/NAME/paper.yaml",
        root: "the paper",
        schema: include_str!("../../schemas/paper.schema.json"),
    },
    Kind {
        kind: "register",
        files: "content/registers/NAME.yaml",
        root: "the risk register file",
        schema: include_str!("../../schemas/register.schema.json"),
    },
    Kind {
        kind: "appendix",
        files: "content/NAME/appendix.yaml",
        root: "the appendix",
        schema: include_str!("../../schemas/appendix.schema.json"),
    },
    Kind {
        kind: "return",
        files: "content/NAME/return.yaml",
        root: "the Safety Valve return",
        schema: include_str!("../../schemas/return.schema.json"),
    },
    Kind {
        kind: "plan",
        files: "content/NAME/plan.yaml",
        root: "the Accelerated Progress Plan",
        schema: include_str!("../../schemas/plan.schema.json"),
    },
    Kind {
        kind: "meeting",
        files: "content/NAME/meeting.yaml",
        root: "the meeting",
        schema: include_str!("../../schemas/meeting.schema.json"),
    },
    Kind {
        kind: "template",
        files: "templates/NAME-vN.yaml",
        root: "the report template",
        schema: include_str!("../../schemas/template.schema.json"),
    },
    Kind {
        kind: "tables",
        files: "a declared table's file (tables/NAME.yaml)",
        root: "a table",
        schema: include_str!("../../schemas/tables.schema.json"),
    },
];

/// The kind of a project's YAML file by where it is: quire.yaml, a document's
/// marker file, a file in `registers/`, `templates/` or `tables/`.
pub fn kind_of(rel: &Path) -> Option<&'static str> {
    let name = rel.file_name()?.to_str()?;
    let fixed = match name {
        "quire.yaml" => Some("quire"),
        "paper.yaml" => Some("paper"),
        "return.yaml" => Some("return"),
        "plan.yaml" => Some("plan"),
        "appendix.yaml" => Some("appendix"),
        "meeting.yaml" => Some("meeting"),
        _ => None,
    };
    if fixed.is_some() {
        return fixed;
    }
    if !name.ends_with(".yaml") && !name.ends_with(".yml") {
        return None;
    }
    match rel.parent()?.file_name()?.to_str()? {
        "registers" => Some("register"),
        "templates" => Some("template"),
        "tables" => Some("tables"),
        _ => None,
    }
}

/// The definitions (in the paper's schema) of a person on a template's cover
/// and of a row of a template's standard table.
pub const PERSON_DEF: &str = "person";
pub const TEMPLATE_ROW_DEF: &str = "table-row-template";

/// The schema file for a paper on the template `templates/<stem>.yaml`.
pub fn template_schema_file(stem: &str) -> String {
    format!("paper.{stem}.schema.json")
}

/// The `# yaml-language-server: $schema=…` line for a file at `rel` (relative
/// to the project root) described by the schema file `schema`.
pub fn modeline(rel: &str, schema: &str) -> String {
    let depth = rel.matches('/').count();
    format!(
        "# yaml-language-server: $schema={}{DIR}/{schema}\n",
        "../".repeat(depth)
    )
}

fn pretty(v: &Value) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default() + "\n"
}

/// A person with the parts the template requires besides the name.
fn with_parts(person: &Value, parts: &[String]) -> Value {
    if parts.iter().all(|p| p == "name") {
        return person.clone();
    }
    json!({"allOf": [person, {"required": parts}]})
}

/// The base paper schema with the template's cover fields and standard tables.
pub fn template_paper_schema(t: &Template, stem: &str) -> Value {
    let mut s: Value = serde_json::from_str(
        KINDS
            .iter()
            .find(|k| k.kind == "paper")
            .map_or("{}", |k| k.schema),
    )
    .unwrap_or_else(|_| json!({}));
    // The readers `validate::template::check_paper` uses for a person and a
    // standard table's row (the generator keeps them in the paper's schema).
    let def_ref = |s: &Value, name: &str| -> Value {
        match s.get("definitions").and_then(|d| d.get(name)) {
            Some(_) => json!({"$ref": format!("#/definitions/{name}")}),
            None => json!({}),
        }
    };
    let person = def_ref(&s, PERSON_DEF);
    let row = def_ref(&s, TEMPLATE_ROW_DEF);
    let mut cover = Map::new();
    let mut required = Vec::new();
    for f in &t.cover {
        let mut p = match &f.ty {
            FieldType::Text => text(),
            FieldType::Person => with_parts(&person, &f.parts),
            FieldType::People => json!({"type": "array", "items": with_parts(&person, &f.parts)}),
            FieldType::Meetings => json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"meeting": text(), "date": date()},
                    "required": ["meeting", "date"],
                    "additionalProperties": false,
                },
            }),
            FieldType::Date => date(),
            FieldType::YesNo => json!({"type": "boolean"}),
            FieldType::Choice { choices } => json!({"enum": choices}),
            FieldType::Wards => texts(),
        };
        let about = match &f.help {
            Some(h) => format!("{}. {h}", f.label),
            None => f.label.clone(),
        };
        if f.required {
            required.push(json!(f.key));
        } else {
            p = nullable(p);
        }
        let mut with = Map::new();
        with.insert("description".into(), json!(about));
        with.insert("allOf".into(), json!([p]));
        cover.insert(f.key.clone(), Value::Object(with));
    }
    let mut tables = Map::new();
    for spec in &t.tables {
        // The implications shape (row, text, signed off by), or the table's own columns.
        let items = if spec.columns.is_empty() {
            row.clone()
        } else {
            let mut cols = Map::new();
            for c in &spec.columns {
                let v = if c.date { date() } else { text() };
                let need = if c.required { "required" } else { "optional" };
                let mut v = if c.required { v } else { nullable(v) };
                if let Some(o) = v.as_object_mut() {
                    o.insert("description".into(), json!(format!("{need}: {}", c.label)));
                }
                cols.insert(c.key.clone(), v);
            }
            let required: Vec<&str> = spec
                .columns
                .iter()
                .filter(|c| c.required)
                .map(|c| c.key.as_str())
                .collect();
            json!({"type": "object", "properties": cols, "required": required, "additionalProperties": false})
        };
        let about = if spec.rows.is_empty() {
            spec.label.clone()
        } else {
            format!("{}: a row for each of {}", spec.label, spec.rows.join(", "))
        };
        tables.insert(
            spec.key.clone(),
            json!({"description": about, "type": "array", "items": items}),
        );
    }
    let table_keys: Vec<&str> = t
        .tables
        .iter()
        .filter(|t| t.required)
        .map(|t| t.key.as_str())
        .collect();
    // A layout with a fixed cover (the county's committee report) reads the
    // cover fields from the paper's own keys, which the paper's schema has.
    let fixed_cover = t
        .layout
        .as_ref()
        .is_some_and(|l| l.name == "committee-report");
    if let Some(props) = s.get_mut("properties").and_then(Value::as_object_mut) {
        props.insert(
            "template".into(),
            json!({"description": "the report template this paper is written on", "const": t.id}),
        );
        if !fixed_cover {
            props.insert(
            "cover".into(),
            json!({
                "description": format!("the cover fields of the template {} ({})", t.id, t.title),
                "type": "object",
                "properties": cover,
                "required": required,
                "additionalProperties": false,
            }),
        );
        }
        props.insert(
            "standard-tables".into(),
            json!({
                "description": format!("the standard tables of the template {}", t.id),
                "type": "object",
                "properties": tables,
                "required": table_keys,
                "additionalProperties": false,
            }),
        );
    }
    if let Some(o) = s.as_object_mut() {
        o.insert(
            "title".into(),
            json!(format!("paper.yaml on the template {} ({stem})", t.id)),
        );
        let mut req: Vec<Value> = o
            .get("required")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let mut need = vec!["template".to_string()];
        if fixed_cover {
            need.extend(t.cover.iter().filter(|f| f.required).map(|f| f.key.clone()));
        } else {
            need.push("cover".into());
        }
        for k in need {
            if !req.contains(&json!(k)) {
                req.push(json!(k));
            }
        }
        if !table_keys.is_empty() && !req.contains(&json!("standard-tables")) {
            req.push(json!("standard-tables"));
        }
        o.insert("required".into(), Value::Array(req));
    }
    s
}

/// Text: the validators accept numbers and yes/no as the text written.
pub fn text() -> Value {
    json!({"type": ["string", "number", "boolean"]})
}

pub fn date() -> Value {
    json!({"type": "string", "pattern": "^\\s*[0-9]{4}-[0-9]{2}-[0-9]{2}\\s*$", "description": "a date written YYYY-MM-DD, e.g. 2025-06-18"})
}

/// Text, or a list of texts.
pub fn texts() -> Value {
    json!({"type": ["string", "number", "boolean", "array"], "items": text()})
}

/// An optional key may be written empty (`~`): the validators read it as absent.
pub fn nullable(v: Value) -> Value {
    if v == json!({}) {
        return v;
    }
    let plain = v.get("type").is_some()
        && v.get("enum").is_none()
        && v.get("$ref").is_none()
        && v.get("anyOf").is_none();
    let mut v = v;
    if plain && let Some(o) = v.as_object_mut() {
        let t = match o.remove("type") {
            Some(Value::Array(mut ts)) => {
                ts.push(json!("null"));
                Value::Array(ts)
            }
            Some(t) => json!([t, "null"]),
            None => json!("null"),
        };
        o.insert("type".into(), t);
        return v;
    }
    json!({"anyOf": [v, {"type": "null"}]})
}

/// The project's report templates that read without errors: (file stem, template).
fn project_templates(root: &Path) -> Vec<(String, Template)> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("templates"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Some(stem) = f
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".yaml"))
        else {
            continue;
        };
        let Some((name, version)) = stem.rsplit_once("-v") else {
            continue;
        };
        let mut sources = SourceMap::new();
        let mut diags = Diagnostics::default();
        let rel = PathBuf::from("templates").join(format!("{stem}.yaml"));
        let Ok(file) = crate::load::read(root, &rel, &mut sources) else {
            continue;
        };
        let Ok(node) = crate::load::yaml::parse(&sources, file) else {
            continue;
        };
        let id = format!("{name}@{version}");
        if let Some(t) = crate::validate::template::template(&id, &node, &mut diags)
            && !diags.has_errors()
        {
            out.push((stem.to_string(), t));
        }
    }
    out
}

/// Writes every schema into `out` (and, for a project at `root`, one per report
/// template); the files written, relative to `out`.
pub fn write_all(root: Option<&Path>, out: &Path) -> std::io::Result<Vec<String>> {
    std::fs::create_dir_all(out)?;
    let mut files: Vec<(String, String)> = KINDS
        .iter()
        .map(|k| (format!("{}.schema.json", k.kind), k.schema.to_string()))
        .collect();
    if let Some(root) = root {
        for (stem, t) in project_templates(root) {
            files.push((
                template_schema_file(&stem),
                pretty(&template_paper_schema(&t, &stem)),
            ));
        }
    }
    for (name, text) in &files {
        crate::write::atomic(&out.join(name), text.as_bytes())?;
    }
    Ok(files.into_iter().map(|(n, _)| n).collect())
}

pub fn run(global: &Global, args: &SchemaArgs) -> ExitCode {
    let root = crate::project::find_root(global.project.as_deref());
    let out = match (&args.out, &root) {
        (Some(d), _) => d.clone(),
        (None, Ok(r)) => r.join(DIR),
        (None, Err(d)) => {
            super::emit(
                d.clone()
                    .help("run it in a project, or name a folder with `--out DIR`"),
                global,
            );
            return exit(INTERNAL);
        }
    };
    match write_all(root.as_deref().ok(), &out) {
        Ok(names) => {
            if !global.quiet {
                for n in &names {
                    eprintln!("{:>9} {}", "wrote", out.join(n).display());
                }
                eprintln!(
                    "point an editor at them with a first line such as `# yaml-language-server: $schema=../../{DIR}/paper.schema.json` (see docs/editor.md)"
                );
            }
            exit(OK)
        }
        Err(e) => {
            super::emit(
                Diagnostic::error(
                    Code::Output,
                    format!(
                        "cannot write the schemas into {}: {}",
                        out.display(),
                        e.to_string().to_lowercase()
                    ),
                )
                .help("check that the folder is writable, or choose another with --out"),
                global,
            );
            exit(INTERNAL)
        }
    }
}

#[cfg(test)]
mod generate;
