//! `meeting.yaml` → [`Meeting`]: the agenda of one committee meeting.

use super::{MapReader, int, text};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::yaml::Node;
use crate::model::Sp;
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Clone, Debug, Serialize)]
pub struct Group {
    pub group: String,
    pub members: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub enum ItemDoc {
    /// A quire document under content/ (paper, return or plan), by folder name.
    Document(Sp<String>),
    /// A Markdown file in the meeting folder (minutes, a short report).
    Markdown(Sp<String>),
}

#[derive(Clone, Debug, Serialize)]
pub struct Item {
    pub number: String,
    pub title: String,
    pub doc: Option<ItemDoc>,
    /// Documents printed after the item's own (`attachments:`), in order: each a
    /// document under content/ by folder name, or one of its other outputs (an
    /// APP plan's `<plan>-scorecard`). Their pages are part of the item's range.
    pub attachments: Vec<Sp<String>>,
    /// Paragraph of Schedule 12A to the Local Government Act 1972 (Part B items).
    pub exempt: Option<i64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Meeting {
    pub layout: Sp<crate::model::paper::LayoutRef>,
    pub committee: String,
    pub date: NaiveDate,
    pub time: Option<String>,
    pub venue: String,
    pub contact_name: String,
    pub contact_telephone: Option<String>,
    pub contact_email: Option<String>,
    pub membership: Vec<Group>,
    pub items: Vec<Item>,
    pub future_meetings: Vec<String>,
    pub published: Option<NaiveDate>,
    pub signed: Option<String>,
}

pub fn meeting(node: &Node, diags: &mut Diagnostics) -> Option<Meeting> {
    let mut m = MapReader::new(node, "the meeting", diags)?;
    if let Some(k) = m.opt("kind") {
        super::one_of(k, &["meeting"], "document kind for meeting.yaml", m.diags);
    }
    let layout = super::paper::layout(&mut m, "agenda-pack");
    let committee = m.text("committee").map(|t| t.value).unwrap_or_default();
    let date = m.date("date").map_or(NaiveDate::MIN, |d| d.value);
    let time = m.opt_text("time").map(|t| t.value);
    let venue = m.text("venue").map(|t| t.value).unwrap_or_default();
    let (mut contact_name, mut contact_telephone, mut contact_email) = (String::new(), None, None);
    if let Some(c) = m.req("contact")
        && let Some(mut cm) = MapReader::new(c, "the contact officer", m.diags)
    {
        contact_name = cm.text("name").map(|t| t.value).unwrap_or_default();
        contact_telephone = cm.opt_text("telephone").map(|t| t.value);
        contact_email = cm.opt_text("email").and_then(|t| super::email(t, cm.diags));
        cm.finish();
    }
    let membership = m.list("membership", false, |n, d| {
        let mut g = MapReader::new(n, "a group", d)?;
        let group = g.text("group");
        let members = g.texts("members", true);
        g.finish();
        Some(Group {
            group: group?.value,
            members: members.into_iter().map(|t| t.value).collect(),
        })
    });
    let items = m.list("items", true, |n, d| {
        let mut i = MapReader::new(n, "an agenda item", d)?;
        let number = i.req("number").and_then(|v| text(v, i.diags));
        let title = i.text("title");
        let document = i.opt_text("document");
        let markdown = i.opt_text("markdown");
        let attachments = match i.opt("attachments") {
            Some(n) => attachment_list(n, i.diags),
            None => Vec::new(),
        };
        let exempt = i.opt("exempt").and_then(|v| int(v, i.diags));
        let span = i.span().clone();
        i.finish();
        let doc = match (document, markdown) {
            (Some(d), None) => Some(ItemDoc::Document(d)),
            (None, Some(md)) => Some(ItemDoc::Markdown(md)),
            (None, None) => None,
            (Some(_), Some(_)) => {
                d.push(Diagnostic::error(Code::InvalidValue, "an item can point to a `document` or to `markdown`, not both").at(&span, "this item"));
                None
            }
        };
        if let (Some(first), None) = (attachments.first(), &doc) {
            d.push(
                Diagnostic::error(Code::MissingField, "an item with `attachments` needs a `document` or `markdown` to come first")
                    .at(&first.span, "attached to nothing")
                    .help("name the covering report with `document: FOLDER` (or `markdown: FILE.md`), then list what follows it under `attachments`"),
            );
        }
        if let Some(ItemDoc::Document(main)) = &doc
            && let Some(a) = attachments.iter().find(|a| a.value == main.value)
        {
            d.push(
                Diagnostic::error(Code::InvalidValue, format!("`{}` is this item's document and one of its attachments", a.value))
                    .at(&a.span, "already the item's document")
                    .help("list each document once: the covering report under `document`, the rest under `attachments`"),
            );
        }
        if let Some(e) = &exempt
            && !(1..=7).contains(&e.value) {
                d.push(
                    Diagnostic::error(Code::InvalidValue, format!("there is no paragraph {} in Part 1 of Schedule 12A", e.value))
                        .at(&e.span, "expected 1 to 7")
                        .help("give the paragraph of Schedule 12A to the Local Government Act 1972 under which the item is exempt"),
                );
            }
        Some(Item { number: number?.value, title: title?.value, doc, attachments, exempt: exempt.map(|e| e.value) })
    });
    let future_meetings = m.texts("future-meetings", false);
    split_entries(&future_meetings, m.diags);
    let future_meetings = future_meetings.into_iter().map(|t| t.value).collect();
    let published = m.opt_date("published").map(|d| d.value);
    let signed = m.opt_text("signed").map(|t| t.value);
    m.finish();
    Some(Meeting {
        layout,
        committee,
        date,
        time,
        venue,
        contact_name,
        contact_telephone,
        contact_email,
        membership,
        items,
        future_meetings,
        published,
        signed,
    })
}

/// `attachments:` — a document name or a list of them, each at most once.
fn attachment_list(n: &Node, diags: &mut Diagnostics) -> Vec<Sp<String>> {
    let mut out: Vec<Sp<String>> = Vec::new();
    for a in super::texts(n, diags) {
        if out.iter().any(|x| x.value == a.value) {
            diags.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    format!("`{}` is attached twice", a.value),
                )
                .at(&a.span, "listed again here")
                .help("list each attached document once"),
            );
            continue;
        }
        out.push(a);
    }
    out
}

/// A future meeting written `[Tuesday 31 October 2023, 2pm]` is two entries,
/// the date and "2pm": YAML ends an entry of a list in `[ … ]` at a comma.
/// An entry with no year after one with a year is told at the entry, with
/// the fix (quote each meeting, or write one a line).
fn split_entries(entries: &[Sp<String>], diags: &mut Diagnostics) {
    let has_year = |s: &str| {
        s.split(|c: char| !c.is_ascii_digit())
            .any(|w| w.len() == 4 && (w.starts_with("19") || w.starts_with("20")))
    };
    for w in entries.windows(2) {
        if has_year(&w[0].value) && !has_year(&w[1].value) {
            diags.push(
                Diagnostic::warning(
                    Code::SplitEntry,
                    format!(
                        "`{}` looks like the end of the meeting before it, `{}`",
                        w[1].value, w[0].value
                    ),
                )
                .at(&w[1].span, "a meeting of its own")
                .also(&w[0].span, "the meeting before it")
                .help(format!(
                    "a comma inside [ … ] starts a new entry: quote the meeting (\"{}, {}\"), or write one meeting a line after `- `",
                    w[0].value, w[1].value
                )),
            );
        }
    }
}
