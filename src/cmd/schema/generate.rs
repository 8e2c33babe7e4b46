//! The schemas, generated from what the validators read (see `validate::record`)
//! over the demo and every fixture; compared with the committed
//! `schemas/*.schema.json` (`QUIRE_BLESS=1` rewrites them).

use super::{KINDS, date, nullable, text, texts};
use crate::diag::Diagnostics;
use crate::load::yaml;
use crate::source::SourceMap;
use crate::validate::record::{self, Place, Read, Records};
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

type Reader = (&'static str, &'static str);

/// Runs every validator over the project at `root` with recording on.
fn record_project(root: &Path) {
    record::next_run();
    let mut sources = SourceMap::new();
    let mut diags = Diagnostics::default();
    let Some(project) = crate::project::open(root, &mut sources, &mut diags) else {
        return;
    };
    for doc in project.select(&[], &mut diags) {
        record::next_run();
        let _ = crate::pipeline::prepare(&project, &doc);
    }
    for m in project.meetings() {
        record::next_run();
        let mut sources = SourceMap::new();
        let rel = Path::new("content").join(&m).join("meeting.yaml");
        if let Ok(file) = crate::load::read(root, &rel, &mut sources)
            && let Ok(node) = yaml::parse(&sources, file)
        {
            crate::validate::meeting::meeting(&node, &mut diags);
        }
    }
    // Every template, used by a paper or not.
    let mut templates: Vec<PathBuf> = std::fs::read_dir(root.join("templates"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    templates.sort();
    for t in templates {
        record::next_run();
        let mut sources = SourceMap::new();
        let Some(name) = t.file_name() else { continue };
        let rel = Path::new("templates").join(name);
        if let Ok(file) = crate::load::read(root, &rel, &mut sources)
            && let Ok(node) = yaml::parse(&sources, file)
        {
            crate::validate::template::template("t@1", &node, &mut diags);
        }
    }
}

/// The demo (the repository's own project) and every fixture project.
pub fn projects() -> Vec<PathBuf> {
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let mut v = vec![repo.clone()];
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(repo.join("tests/fixtures"))
        .map(|rd| rd.filter_map(|e| e.ok()).map(|e| e.path()).collect())
        .unwrap_or_default();
    fixtures.sort();
    v.extend(
        fixtures
            .into_iter()
            .filter(|p| p.join("quire.yaml").is_file()),
    );
    v
}

pub fn record_all() -> Records {
    record::start();
    for p in projects() {
        record_project(&p);
    }
    record::take()
}

#[derive(Default)]
struct Def {
    instances: BTreeSet<Place>,
    /// Keys in the order first asked: (key, maps asking it as required, values).
    keys: Vec<(&'static str, BTreeSet<Place>, Vec<Place>)>,
}

fn slug(what: &str) -> String {
    let s: String = what
        .trim_start_matches("the ")
        .trim_start_matches("a ")
        .trim_start_matches("an ")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    s.split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

struct Gen<'r> {
    rec: &'r Records,
    defs: BTreeMap<Reader, Def>,
    names: BTreeMap<Reader, String>,
}

impl<'r> Gen<'r> {
    fn new(rec: &'r Records) -> Self {
        let mut defs: BTreeMap<Reader, Def> = BTreeMap::new();
        for (reader, place) in &rec.maps {
            defs.entry(*reader).or_default().instances.insert(*place);
        }
        for k in &rec.keys {
            let def = defs.entry(k.reader).or_default();
            let i = match def.keys.iter().position(|(name, _, _)| *name == k.key) {
                Some(i) => i,
                None => {
                    def.keys.push((k.key, BTreeSet::new(), Vec::new()));
                    def.keys.len() - 1
                }
            };
            if k.required {
                def.keys[i].1.insert(k.map);
            }
            if let Some(v) = k.value {
                def.keys[i].2.push(v);
            }
        }
        // Names: the reader's words, with its module where two share them.
        let mut by_slug: BTreeMap<String, Vec<Reader>> = BTreeMap::new();
        for r in defs.keys() {
            by_slug.entry(slug(r.0)).or_default().push(*r);
        }
        let mut names = BTreeMap::new();
        for (s, readers) in by_slug {
            let modules: BTreeSet<&str> = readers.iter().map(|r| r.1).collect();
            for r in &readers {
                let name = if readers.len() == 1 {
                    s.clone()
                } else if modules.len() == readers.len() {
                    format!("{s}-{}", r.1)
                } else {
                    format!("{}-{}", slug(r.0), r.1)
                };
                names.insert(*r, name);
            }
        }
        Gen { rec, defs, names }
    }

    /// The schemas of what the places were read as (untyped places are left out).
    fn of_places(&self, places: &[Place], refs: &mut BTreeSet<Reader>) -> Value {
        self.of_reads(&[], places, refs)
    }

    /// The schema of a value read as `known` (whether written or not) and of
    /// the values at `places` as they were read.
    fn of_reads(&self, known: &[Read], places: &[Place], refs: &mut BTreeSet<Reader>) -> Value {
        let mut alts: Vec<Value> = Vec::new();
        let mut lists: Vec<Place> = Vec::new();
        let mut any_list = false;
        let mut maps_of: Vec<Place> = Vec::new();
        let mut any_map_of = false;
        let mut groups: Vec<(Option<Place>, Vec<Read>)> = Vec::new();
        if !known.is_empty() {
            groups.push((None, known.to_vec()));
        }
        for p in places {
            if p.4 == 0 {
                continue; // written empty
            }
            let Some(reads) = self.rec.reads.get(p) else {
                continue;
            };
            let mut reads = reads.clone();
            reads.extend(known.iter().cloned());
            groups.push((Some(*p), reads));
        }
        if groups.iter().any(|(_, reads)| reads.contains(&Read::Any)) {
            return json!({});
        }
        for (p, reads) in &groups {
            // Date, a fixed word and texts read their values as text too.
            let specific = reads
                .iter()
                .any(|r| matches!(r, Read::Date | Read::OneOf(_) | Read::Texts));
            for r in reads {
                let v = match r {
                    Read::Text if specific => continue,
                    Read::Text => text(),
                    Read::OneOf(words) => json!({"enum": words}),
                    Read::Date => date(),
                    Read::Pattern(p, about) => {
                        json!({"type": "string", "pattern": p, "description": about})
                    }
                    Read::Integer => json!({"type": "integer"}),
                    Read::Number => json!({"type": "number"}),
                    Read::Bool => json!({"type": "boolean"}),
                    Read::Texts => texts(),
                    Read::List => {
                        any_list = true;
                        lists.extend(*p);
                        continue;
                    }
                    Read::Any => continue,
                    Read::MapOf => {
                        any_map_of = true;
                        maps_of.extend(*p);
                        continue;
                    }
                    Read::Map(what, module) => {
                        refs.insert((what, module));
                        json!({"$ref": format!("#/definitions/{}", self.names[&(*what, *module)])})
                    }
                };
                if !alts.contains(&v) {
                    alts.push(v);
                }
            }
        }
        if any_list {
            let items: Vec<Place> = lists
                .iter()
                .flat_map(|l| self.rec.items.get(l).cloned().unwrap_or_default())
                .collect();
            let items = self.of_places(&items, refs);
            let v = if items == json!({}) {
                json!({"type": "array"})
            } else {
                json!({"type": "array", "items": items})
            };
            if !alts.contains(&v) {
                alts.push(v);
            }
        }
        if any_map_of {
            let values: Vec<Place> = maps_of
                .iter()
                .flat_map(|l| self.rec.items.get(l).cloned().unwrap_or_default())
                .collect();
            let values = self.of_places(&values, refs);
            let v = json!({"type": "object", "additionalProperties": values});
            if !alts.contains(&v) {
                alts.push(v);
            }
        }
        match alts.len() {
            0 => json!({}),
            1 => alts.remove(0),
            _ => json!({"anyOf": alts}),
        }
    }

    /// What a value's schema accepts, in words.
    fn about(&self, v: &Value) -> Option<String> {
        if let Some(words) = v.get("enum").and_then(Value::as_array) {
            let w: Vec<&str> = words.iter().filter_map(Value::as_str).collect();
            return Some(format!("one of: {}", w.join(", ")));
        }
        if let Some(r) = v.get("$ref").and_then(Value::as_str) {
            let name = r.rsplit('/').next()?;
            let def = self.names.iter().find(|(_, n)| *n == name)?.0;
            return Some(def.0.to_string());
        }
        if let Some(alts) = v.get("anyOf").and_then(Value::as_array) {
            let w: Vec<String> = alts.iter().filter_map(|a| self.about(a)).collect();
            return (!w.is_empty()).then(|| w.join("; or "));
        }
        if let Some(d) = v.get("description").and_then(Value::as_str) {
            return Some(d.to_string());
        }
        let types: Vec<&str> = match v.get("type")? {
            Value::String(t) => vec![t.as_str()],
            Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
            _ => return None,
        };
        let items = v.get("items").and_then(|i| self.about(i));
        Some(match types.as_slice() {
            ["string", "number", "boolean"] => "text".into(),
            ["string", "number", "boolean", "array"] => "text, or a list of texts".into(),
            ["array"] => match items {
                Some(i) => format!("a list, each item {i}"),
                None => "a list".into(),
            },
            ["integer"] => "a whole number".into(),
            ["number"] => "a number".into(),
            ["boolean"] => "true or false".into(),
            ["object"] => "a mapping of names to values".into(),
            ["null"] => return None,
            _ => return None,
        })
    }

    fn def(&self, reader: Reader, refs: &mut BTreeSet<Reader>) -> Value {
        let def = &self.defs[&reader];
        let mut props = Map::new();
        let mut required = Vec::new();
        for (key, req_in, values) in &def.keys {
            let known = self
                .rec
                .key_reads
                .get(&(reader, *key))
                .cloned()
                .unwrap_or_default();
            let v = self.of_reads(&known, values, refs);
            let need = *req_in == def.instances;
            let about = self.about(&v);
            let mut v = if need {
                required.push(json!(key));
                v
            } else {
                nullable(v)
            };
            // What the key holds, shown on hover (a `$ref` shows its reader's).
            if let (Some(about), Some(o)) = (about, v.as_object_mut())
                && !o.contains_key("$ref")
            {
                let need = if need { "required" } else { "optional" };
                o.insert("description".into(), json!(format!("{need}: {about}")));
            }
            props.insert(key.to_string(), v);
        }
        let mut o = Map::new();
        o.insert("description".into(), json!(reader.0));
        o.insert("type".into(), json!("object"));
        o.insert("properties".into(), Value::Object(props));
        if !required.is_empty() {
            o.insert("required".into(), Value::Array(required));
        }
        o.insert("additionalProperties".into(), json!(false));
        Value::Object(o)
    }

    /// The schema of one kind of file: its root reader and every reader under it.
    fn schema(&self, kind: &str, files: &str, root: &str, extra: &[Reader]) -> Value {
        let roots: Vec<Reader> = self.defs.keys().filter(|r| r.0 == root).copied().collect();
        assert!(
            roots.len() == 1,
            "the reader of {kind} files (`{root}`) read {} times over the demo and fixtures",
            roots.len()
        );
        let mut refs = BTreeSet::new();
        let mut body = self.def(roots[0], &mut refs);
        refs.extend(extra.iter().filter(|r| self.defs.contains_key(r)));
        let mut definitions = BTreeMap::new();
        let mut todo: Vec<Reader> = refs.iter().copied().collect();
        while let Some(r) = todo.pop() {
            if definitions.contains_key(&self.names[&r]) || r == roots[0] {
                continue;
            }
            let mut more = BTreeSet::new();
            let d = self.def(r, &mut more);
            definitions.insert(self.names[&r].clone(), d);
            todo.extend(more);
        }
        let mut o = Map::new();
        o.insert(
            "$schema".into(),
            json!("http://json-schema.org/draft-07/schema#"),
        );
        o.insert("$id".into(), json!(format!("{kind}.schema.json")));
        o.insert(
            "title".into(),
            json!(format!(
                "{files} (generated by `quire schema` from quire's validators)"
            )),
        );
        if let Some(b) = body.as_object_mut() {
            o.append(b);
        }
        if !definitions.is_empty() {
            o.insert("definitions".into(), json!(definitions));
        }
        Value::Object(o)
    }
}

/// Every kind's schema, as written to `schemas/<kind>.schema.json`.
pub fn generate(rec: &Records) -> Vec<(&'static str, String)> {
    let g = Gen::new(rec);
    KINDS
        .iter()
        .map(|k| {
            // A paper's schema also carries the readers its template's cover and
            // standard tables use (see `template_paper_schema`).
            let extra: &[Reader] = if k.kind == "paper" {
                &[("a person", "template"), ("a table row", "template")]
            } else {
                &[]
            };
            let s = g.schema(k.kind, k.files, k.root, extra);
            (k.kind, super::pretty(&s))
        })
        .collect()
}

#[test]
fn schemas_are_generated_from_the_validators() {
    let rec = record_all();
    let repo = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let bless = std::env::var_os("QUIRE_BLESS").is_some();
    let mut stale = Vec::new();
    for (kind, text) in generate(&rec) {
        let path = repo.join(format!("schemas/{kind}.schema.json"));
        if bless {
            std::fs::write(&path, &text).unwrap();
        } else if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
            stale.push(kind);
        }
    }
    assert!(
        stale.is_empty(),
        "schemas/{{{}}}.schema.json differ from what the validators read: run `QUIRE_BLESS=1 cargo test --lib schema` and rebuild",
        stale.join(",")
    );
}

#[test]
fn the_names_of_the_template_readers_are_stable() {
    let rec = record_all();
    let g = Gen::new(&rec);
    assert_eq!(g.names[&("a person", "template")], super::PERSON_DEF);
    assert_eq!(
        g.names[&("a table row", "template")],
        super::TEMPLATE_ROW_DEF
    );
}
