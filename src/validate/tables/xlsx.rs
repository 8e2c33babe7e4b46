//! A bounded reader of one range of one sheet of an `.xlsx`/`.xlsm` workbook.
//!
//! Stage: load for tables (used by [`super::read`]). A workbook is untrusted
//! input: a 2 KB file can name a cell at `XFD1048576`, repeat a row a million
//! times or point at the millionth shared string. So nothing here is sized by
//! what the file declares. The sheet is streamed cell by cell and only the
//! cells of the declared range are kept (at most [`super::read::MAX_RANGE_CELLS`]);
//! only the shared strings and cell formats those cells use are kept; every
//! part is cut off past [`super::read::MAX_PART`] as it unpacks; a workbook
//! with more cell formats than Excel allows is refused. Each kept cell carries
//! its formula (if any), whether a value was saved with it, and whether its
//! number format shows a date, so the caller can tell a figure from a formula's
//! cached value and a date from its serial number.

use super::read::MAX_PART;
use quick_xml::events::{BytesStart, Event};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{BufRead, BufReader, Read, Seek};

/// Most cell formats (`cellXfs`) and number formats a workbook may declare:
/// Excel's own limit on cell formats.
pub const MAX_FORMATS: usize = 64_000;
/// Most sheets listed (Excel's limit is memory; a real workbook has tens).
pub const MAX_SHEETS: usize = 1_000;
/// Longest text kept from one cell (Excel's cell limit).
pub const MAX_CELL_TEXT: usize = 32_767;
/// Most elements nested inside one another (a real sheet nests about five).
const MAX_DEPTH: usize = 64;

/// What a cell saved.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Empty,
    /// A number as saved (`45291`, `1.5E-3`).
    Number(String),
    Text(String),
    Bool(bool),
    /// An error value such as `#DIV/0!`.
    Error(String),
    /// A date saved as ISO text (`t="d"`).
    IsoDate(String),
}

/// How a cell's number format shows a number.
#[derive(Clone, Debug, PartialEq)]
pub enum Shown {
    Number,
    /// A date (or date and time), with the format code when quire can write
    /// the date the same way (day, month and year parts only).
    Date(Option<String>),
    /// A time of day or a duration, no date.
    Time,
}

/// One cell of the range, as saved.
#[derive(Clone, Debug)]
pub struct RawCell {
    pub value: Value,
    /// The formula, when the cell holds one (`SUM(B3:B5)`; a shared formula's
    /// later cells carry no text: `Some("")`).
    pub formula: Option<String>,
    pub shown: Shown,
}

/// The cells of a range, row by row, and where the sheet has figures.
#[derive(Debug)]
pub struct RangeRead {
    /// `height × width` cells; `None` where the sheet has no cell.
    pub cells: Vec<Option<RawCell>>,
    /// The smallest range holding every cell of the sheet that saved a value
    /// (zero-based first row, first column, last row, last column).
    pub data: Option<(u32, u32, u32, u32)>,
    /// Dates count from 1904 (old Mac workbooks), not 1900.
    pub date1904: bool,
}

/// Why a range could not be read.
#[derive(Debug, PartialEq)]
pub enum Error {
    /// The file is not an `.xlsx` workbook; says what it seems to be.
    NotXlsx(String),
    /// No sheet of that name; the sheets there are.
    NoSheet(Vec<String>),
    /// The workbook is damaged or exceeds a bound; says how.
    Bad(String),
}

fn bad(why: impl Into<String>) -> Error {
    Error::Bad(why.into())
}

/// Reads cells `(r0, c0)` to `(r1, c1)` (zero-based, inclusive) of `sheet`.
/// The caller bounds the range's size.
pub fn read(
    bytes: &[u8],
    sheet: &str,
    (r0, c0): (u32, u32),
    (r1, c1): (u32, u32),
) -> Result<RangeRead, Error> {
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| {
        let what = if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            "it is an old Excel .xls file; save it as .xlsx"
        } else {
            "it is not a zip file, as an .xlsx workbook is"
        };
        Error::NotXlsx(what.into())
    })?;
    if z.by_name("xl/workbook.xml").is_err() {
        let ods = z.by_name("mimetype").is_ok() || z.by_name("content.xml").is_ok();
        return Err(Error::NotXlsx(if ods {
            "it is an OpenDocument spreadsheet; save it as .xlsx".into()
        } else {
            "it has no `xl/workbook.xml`, so it is not an .xlsx workbook".into()
        }));
    }
    let (sheets, date1904) = workbook(&mut z)?;
    let rels = relationships(&mut z)?;
    let Some((_, rid)) = sheets.iter().find(|(n, _)| n == sheet) else {
        return Err(Error::NoSheet(sheets.into_iter().map(|(n, _)| n).collect()));
    };
    let Some((target, kind)) = rels.get(rid) else {
        return Err(bad(format!("its sheet `{sheet}` names no part")));
    };
    if !kind.ends_with("/worksheet") {
        return Err(bad(format!(
            "`{sheet}` is not a sheet of cells (a chart or dialog sheet)"
        )));
    }
    let (height, width) = ((r1 - r0 + 1) as usize, (c1 - c0 + 1) as usize);
    let mut cells: Vec<Option<Pending>> = (0..height * width).map(|_| None).collect();
    let data = sheet_cells(&mut z, target, (r0, c0), (r1, c1), width, &mut cells)?;
    // Only the shared strings and formats the range uses are kept.
    let want_strings: BTreeSet<usize> = cells.iter().flatten().filter_map(|p| p.shared).collect();
    let want_styles: BTreeSet<usize> = cells.iter().flatten().map(|p| p.style).collect();
    let strings = if want_strings.is_empty() {
        BTreeMap::new()
    } else {
        let part = rels
            .values()
            .find(|(_, k)| k.ends_with("/sharedStrings"))
            .map_or("xl/sharedStrings.xml".to_string(), |(t, _)| t.clone());
        // No such part: no shared strings (a cell naming one is reported below).
        match z.index_for_name(&part) {
            Some(_) => shared_strings(&mut z, &part, &want_strings)?,
            None => BTreeMap::new(),
        }
    };
    // No styles part: every number is shown as a number.
    let part = rels.values().find(|(_, k)| k.ends_with("/styles"));
    let styles = match part.filter(|(p, _)| z.index_for_name(p).is_some()) {
        Some((part, _)) => styles(&mut z, part, &want_styles)?,
        None => BTreeMap::new(),
    };
    let cells = cells
        .into_iter()
        .map(|p| {
            p.map(|p| {
                let value = match p.shared {
                    Some(i) => match strings.get(&i) {
                        Some(s) => Value::Text(s.clone()),
                        None => {
                            return Err(bad(format!(
                                "a cell of the range names shared string {i}, which the workbook does not have"
                            )));
                        }
                    },
                    None => p.value,
                };
                let shown = styles.get(&p.style).cloned().unwrap_or(Shown::Number);
                Ok(RawCell {
                    value,
                    formula: p.formula,
                    shown,
                })
            })
            .transpose()
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(RangeRead {
        cells,
        data,
        date1904,
    })
}

/// A kept cell before its shared string and format are looked up.
#[derive(Debug)]
struct Pending {
    value: Value,
    shared: Option<usize>,
    style: usize,
    formula: Option<String>,
}

/// One part, cut off just past [`MAX_PART`], as an XML reader.
fn part<'z, R: Read + Seek>(
    z: &'z mut zip::ZipArchive<R>,
    name: &str,
) -> Result<quick_xml::Reader<BufReader<std::io::Take<zip::read::ZipFile<'z, R>>>>, Error> {
    let f = z
        .by_name(name)
        .map_err(|_| bad(format!("it has no part `{}`", clip(name))))?;
    let mut r = quick_xml::Reader::from_reader(BufReader::new(f.take(MAX_PART)));
    r.config_mut().check_end_names = false;
    Ok(r)
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

fn xml_err(part: &str, e: impl std::fmt::Display) -> Error {
    bad(format!(
        "its part `{}` is not well-formed XML ({})",
        clip(part),
        e.to_string()
            .to_lowercase()
            .chars()
            .take(120)
            .collect::<String>()
    ))
}

/// The next event, with nesting bounded.
fn next<'b, R: BufRead>(
    r: &mut quick_xml::Reader<R>,
    buf: &'b mut Vec<u8>,
    depth: &mut usize,
    name: &str,
) -> Result<Event<'b>, Error> {
    buf.clear();
    let e = r.read_event_into(buf).map_err(|e| xml_err(name, e))?;
    match &e {
        Event::Start(_) => {
            *depth += 1;
            if *depth > MAX_DEPTH {
                return Err(bad(format!(
                    "its part `{}` nests elements more than {MAX_DEPTH} deep",
                    clip(name)
                )));
            }
        }
        Event::End(_) => *depth = depth.saturating_sub(1),
        _ => {}
    }
    Ok(e)
}

fn attr(e: &BytesStart, key: &[u8]) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.as_ref() == key).then(|| {
            let raw = String::from_utf8_lossy(&a.value);
            quick_xml::escape::unescape(&raw).map_or_else(|_| raw.to_string(), |v| v.into_owned())
        })
    })
}

/// A relationship id attribute (`r:id`, whatever the prefix).
fn rel_id(e: &BytesStart) -> Option<String> {
    e.attributes().flatten().find_map(|a| {
        (a.key.local_name().as_ref() == b"id" && a.key.prefix().is_some())
            .then(|| String::from_utf8_lossy(&a.value).into_owned())
    })
}

/// The sheets (name, relationship id) in order, and the date system.
fn workbook<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
) -> Result<(Vec<(String, String)>, bool), Error> {
    let name = "xl/workbook.xml";
    let mut r = part(z, name)?;
    let (mut buf, mut depth) = (Vec::new(), 0);
    let (mut sheets, mut date1904) = (Vec::new(), false);
    loop {
        match next(&mut r, &mut buf, &mut depth, name)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"sheet" => {
                    if sheets.len() >= MAX_SHEETS {
                        return Err(bad(format!("it lists more than {MAX_SHEETS} sheets")));
                    }
                    if let (Some(n), Some(id)) = (attr(&e, b"name"), rel_id(&e)) {
                        sheets.push((clip(&n), id));
                    }
                }
                b"workbookPr" => {
                    date1904 = matches!(attr(&e, b"date1904").as_deref(), Some("1" | "true"));
                }
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((sheets, date1904))
}

/// The workbook's relationships: id → (part name, type).
fn relationships<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
) -> Result<HashMap<String, (String, String)>, Error> {
    let name = "xl/_rels/workbook.xml.rels";
    let mut r = part(z, name)?;
    let (mut buf, mut depth) = (Vec::new(), 0);
    let mut rels = HashMap::new();
    loop {
        match next(&mut r, &mut buf, &mut depth, name)? {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == b"Relationship" => {
                if rels.len() >= 4 * MAX_SHEETS {
                    return Err(bad("it has too many relationships"));
                }
                if let (Some(id), Some(t), Some(k)) =
                    (attr(&e, b"Id"), attr(&e, b"Target"), attr(&e, b"Type"))
                {
                    rels.insert(id, (resolve(&t), k));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(rels)
}

/// A relationship target as a part name: relative to `xl/`, or absolute.
fn resolve(target: &str) -> String {
    let mut parts: Vec<&str> = match target.strip_prefix('/') {
        Some(_) => Vec::new(),
        None => vec!["xl"],
    };
    for p in target.trim_start_matches('/').split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// `D7` → (row 6, column 3), zero-based, within Excel's grid.
fn cell_ref(s: &[u8]) -> Option<(u32, u32)> {
    let split = s.iter().position(u8::is_ascii_digit)?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || !letters.iter().all(u8::is_ascii_alphabetic) {
        return None;
    }
    let col = letters.iter().fold(0u32, |c, b| {
        c * 26 + (b.to_ascii_uppercase() - b'A' + 1) as u32
    });
    let row: u32 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    ((1..=1_048_576).contains(&row) && (1..=16_384).contains(&col)).then(|| (row - 1, col - 1))
}

/// Text of the current element up to its end, bounded, entities resolved.
fn text_to_end<R: BufRead>(
    r: &mut quick_xml::Reader<R>,
    name: &str,
    keep: bool,
    out: &mut String,
) -> Result<(), Error> {
    let (mut buf, mut depth) = (Vec::new(), 1usize);
    loop {
        match next(r, &mut buf, &mut depth, name)? {
            Event::End(_) if depth == 0 => return Ok(()),
            Event::Text(t) if keep && out.len() <= MAX_CELL_TEXT => {
                out.push_str(&t.xml10_content().map_err(|e| xml_err(name, e))?)
            }
            Event::CData(t) if keep && out.len() <= MAX_CELL_TEXT => {
                out.push_str(&String::from_utf8_lossy(&t))
            }
            Event::GeneralRef(g) if keep && out.len() <= MAX_CELL_TEXT => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    out.push(c);
                } else {
                    let n = g.decode().map_err(|e| xml_err(name, e))?;
                    match quick_xml::escape::resolve_predefined_entity(&n) {
                        Some(s) => out.push_str(s),
                        None if n.starts_with('#') => {
                            return Err(bad(format!(
                                "its part `{}` refers to `&{};`, which is not a character",
                                clip(name),
                                clip(&n)
                            )));
                        }
                        None => {
                            return Err(bad(format!(
                                "its part `{}` uses an unknown entity `&{};`",
                                clip(name),
                                clip(&n)
                            )));
                        }
                    }
                }
            }
            Event::Eof => {
                return Err(bad(format!(
                    "its part `{}` ends in the middle of an element",
                    clip(name)
                )));
            }
            _ => {}
        }
    }
}

/// Streams the sheet, keeping the cells of the range; returns the smallest
/// range holding every cell that saved a value.
fn sheet_cells<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    (r0, c0): (u32, u32),
    (r1, c1): (u32, u32),
    width: usize,
    cells: &mut [Option<Pending>],
) -> Result<Option<(u32, u32, u32, u32)>, Error> {
    let mut r = part(z, name)?;
    let (mut buf, mut depth) = (Vec::new(), 0);
    let (mut row, mut col) = (0u32, 0u32);
    let mut data: Option<(u32, u32, u32, u32)> = None;
    let mut in_data = false;
    loop {
        let ev = next(&mut r, &mut buf, &mut depth, name)?;
        let (e, empty) = match ev {
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(e) => {
                match e.local_name().as_ref() {
                    b"row" => {
                        row = row.saturating_add(1);
                        col = 0;
                    }
                    b"sheetData" => in_data = false,
                    _ => {}
                }
                continue;
            }
            Event::Eof => break,
            _ => continue,
        };
        match e.local_name().as_ref() {
            b"sheetData" => {
                in_data = !empty;
            }
            b"row" if in_data => {
                if let Some(n) = attr(&e, b"r") {
                    row = n
                        .parse::<u32>()
                        .ok()
                        .filter(|n| (1..=1_048_576).contains(n))
                        .ok_or_else(|| {
                            bad(format!(
                                "a row of sheet part `{}` is numbered `{}`",
                                clip(name),
                                clip(&n)
                            ))
                        })?
                        - 1;
                }
                col = 0;
                if empty {
                    row = row.saturating_add(1);
                }
            }
            b"c" if in_data => {
                let (rr, cc) = match e.try_get_attribute(b"r").ok().flatten() {
                    Some(a) => cell_ref(&a.value).ok_or_else(|| {
                        bad(format!(
                            "a cell of sheet part `{}` is at `{}`, not a cell of a sheet",
                            clip(name),
                            clip(&String::from_utf8_lossy(&a.value))
                        ))
                    })?,
                    None if row < 1_048_576 && col < 16_384 => (row, col),
                    None => {
                        return Err(bad(format!(
                            "sheet part `{}` has a cell beyond the last of a sheet",
                            clip(name)
                        )));
                    }
                };
                (row, col) = (rr, cc.saturating_add(1));
                let inside = (r0..=r1).contains(&rr) && (c0..=c1).contains(&cc);
                let ty = attr(&e, b"t");
                let style = attr(&e, b"s")
                    .and_then(|s| s.parse::<usize>().ok())
                    .unwrap_or(0);
                let (mut v, mut f, mut saved) = (String::new(), None::<String>, false);
                if !empty {
                    // Every child is read to its end here, so the next end
                    // tag at this level closes the cell.
                    let mut inner = Vec::new();
                    loop {
                        inner.clear();
                        let ev = r
                            .read_event_into(&mut inner)
                            .map_err(|e| xml_err(name, e))?;
                        match ev {
                            Event::End(_) => break,
                            Event::Eof => {
                                return Err(bad(format!(
                                    "sheet part `{}` ends inside a cell",
                                    clip(name)
                                )));
                            }
                            Event::Empty(e) if e.local_name().as_ref() == b"f" => {
                                f.get_or_insert_default();
                            }
                            Event::Start(e) => match e.local_name().as_ref() {
                                b"v" => {
                                    saved = true;
                                    text_to_end(&mut r, name, true, &mut v)?;
                                }
                                b"is" => {
                                    saved = true;
                                    inline_string(&mut r, name, true, &mut v)?;
                                }
                                b"f" => {
                                    let mut t = String::new();
                                    text_to_end(&mut r, name, inside, &mut t)?;
                                    f = Some(t);
                                }
                                _ => text_to_end(&mut r, name, false, &mut String::new())?,
                            },
                            _ => {}
                        }
                    }
                    // The cell's start was counted; its end was read here.
                    depth -= 1;
                }
                let inline = ty.as_deref() == Some("inlineStr");
                if saved && (!v.trim().is_empty() || (inline && !v.is_empty())) {
                    data = Some(match data {
                        None => (rr, cc, rr, cc),
                        Some((a, b, c, d)) => (a.min(rr), b.min(cc), c.max(rr), d.max(cc)),
                    });
                }
                if !inside {
                    continue;
                }
                let mut shared = None;
                let value = if !saved {
                    Value::Empty
                } else {
                    match ty.as_deref() {
                        Some("s") => {
                            shared = Some(v.trim().parse::<usize>().map_err(|_| {
                                bad(format!(
                                    "a cell names shared string `{}`, not a number",
                                    clip(&v)
                                ))
                            })?);
                            Value::Empty
                        }
                        Some("str") | Some("inlineStr") => Value::Text(v),
                        Some("b") => Value::Bool(v.trim() != "0"),
                        Some("e") => Value::Error(v),
                        Some("d") => Value::IsoDate(v),
                        _ if v.trim().is_empty() => Value::Empty,
                        Some("n") | None => Value::Number(v.trim().to_string()),
                        Some(t) => {
                            return Err(bad(format!("a cell has the unknown type `{}`", clip(t))));
                        }
                    }
                };
                let at = (rr - r0) as usize * width + (cc - c0) as usize;
                cells[at] = Some(Pending {
                    value,
                    shared,
                    style,
                    formula: f,
                });
            }
            _ => {}
        }
    }
    Ok(data)
}

/// The text runs of an inline string (`<is><t>…</t><r><t>…</t></r></is>`),
/// phonetic runs left out.
fn inline_string<R: BufRead>(
    r: &mut quick_xml::Reader<R>,
    name: &str,
    keep: bool,
    out: &mut String,
) -> Result<(), Error> {
    let (mut buf, mut depth) = (Vec::new(), 1usize);
    loop {
        match next(r, &mut buf, &mut depth, name)? {
            Event::End(_) if depth == 0 => return Ok(()),
            // A run (`<r>`) holds its text (`<t>`) and its look (`<rPr>`).
            Event::Start(e) if e.local_name().as_ref() != b"r" => {
                let keep_this = keep && e.local_name().as_ref() == b"t";
                depth -= 1;
                text_to_end(r, name, keep_this, out)?;
            }
            Event::Eof => {
                return Err(bad(format!(
                    "its part `{}` ends inside a string",
                    clip(name)
                )));
            }
            _ => {}
        }
    }
}

/// The shared strings listed in `want`, by index.
fn shared_strings<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    want: &BTreeSet<usize>,
) -> Result<BTreeMap<usize, String>, Error> {
    let mut r = part(z, name)?;
    let (mut buf, mut depth) = (Vec::new(), 0);
    let mut out = BTreeMap::new();
    let mut i = 0usize;
    let last = want.last().copied().unwrap_or(0);
    loop {
        match next(&mut r, &mut buf, &mut depth, name)? {
            Event::Start(e) if e.local_name().as_ref() == b"si" => {
                depth -= 1;
                let mut s = String::new();
                inline_string(&mut r, name, want.contains(&i), &mut s)?;
                if want.contains(&i) {
                    out.insert(i, s);
                }
                if i >= last {
                    break;
                }
                i += 1;
            }
            Event::Empty(e) if e.local_name().as_ref() == b"si" => {
                if want.contains(&i) {
                    out.insert(i, String::new());
                }
                if i >= last {
                    break;
                }
                i += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// How each cell format in `want` shows numbers.
fn styles<R: Read + Seek>(
    z: &mut zip::ZipArchive<R>,
    name: &str,
    want: &BTreeSet<usize>,
) -> Result<BTreeMap<usize, Shown>, Error> {
    let mut r = part(z, name)?;
    let (mut buf, mut depth) = (Vec::new(), 0);
    // Custom number formats by id (at most MAX_FORMATS, each cut to 256 bytes).
    let mut formats: HashMap<u32, String> = HashMap::new();
    let mut xfs: Vec<u32> = Vec::new();
    let mut in_xfs = false;
    loop {
        match next(&mut r, &mut buf, &mut depth, name)? {
            Event::Start(e) | Event::Empty(e) => match e.local_name().as_ref() {
                b"numFmt" => {
                    if formats.len() >= MAX_FORMATS {
                        return Err(bad(format!(
                            "it declares more than {MAX_FORMATS} number formats"
                        )));
                    }
                    if let (Some(id), Some(code)) = (
                        attr(&e, b"numFmtId").and_then(|i| i.parse::<u32>().ok()),
                        attr(&e, b"formatCode"),
                    ) {
                        formats.insert(id, code.chars().take(256).collect());
                    }
                }
                b"cellXfs" => in_xfs = true,
                b"xf" if in_xfs => {
                    if xfs.len() >= MAX_FORMATS {
                        return Err(bad(format!(
                            "it declares more than {MAX_FORMATS} cell formats"
                        )));
                    }
                    xfs.push(
                        attr(&e, b"numFmtId")
                            .and_then(|i| i.parse().ok())
                            .unwrap_or(0),
                    );
                }
                _ => {}
            },
            Event::End(e) if e.local_name().as_ref() == b"cellXfs" => in_xfs = false,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(want
        .iter()
        .filter_map(|&s| {
            let id = *xfs.get(s)?;
            Some((s, shown(id, formats.get(&id).map(String::as_str))))
        })
        .collect())
}

/// How number format `id` (with its code, when custom) shows a number.
pub fn shown(id: u32, code: Option<&str>) -> Shown {
    let code = match (id, code) {
        (_, Some(c)) => c,
        (14, None) => return Shown::Date(Some("dd/mm/yyyy".into())),
        (15, None) => return Shown::Date(Some("d-mmm-yy".into())),
        (16, None) => return Shown::Date(Some("d-mmm".into())),
        (17, None) => return Shown::Date(Some("mmm-yy".into())),
        (22 | 27..=31 | 34..=36 | 50..=58, None) => return Shown::Date(None),
        (18..=21 | 32 | 33 | 45..=47, None) => return Shown::Time,
        (_, None) => return Shown::Number,
    };
    // The first section, without literal text, colours and conditions.
    let mut plain = String::new();
    let mut chars = code.chars();
    while let Some(c) = chars.next() {
        match c {
            ';' => break,
            '"' => {
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                }
            }
            '\\' | '_' | '*' => {
                chars.next();
            }
            '[' => {
                let mut inside = String::new();
                for c in chars.by_ref() {
                    if c == ']' {
                        break;
                    }
                    inside.push(c);
                }
                // Elapsed time: [h], [mm], [ss].
                if inside
                    .chars()
                    .all(|c| matches!(c.to_ascii_lowercase(), 'h' | 'm' | 's'))
                    && !inside.is_empty()
                {
                    plain.push('h');
                }
            }
            c => plain.push(c.to_ascii_lowercase()),
        }
    }
    let has = |c: char| plain.contains(c);
    if has('d') || has('y') {
        let date_only =
            !has('h') && !has('s') && !plain.contains("am/pm") && !plain.contains("a/p");
        Shown::Date(date_only.then(|| code.split(';').next().unwrap_or(code).to_string()))
    } else if has('h') || has('s') {
        Shown::Time
    } else if has('m') && !plain.contains('0') && !plain.contains('#') {
        Shown::Date(None)
    } else {
        Shown::Number
    }
}

/// The date an Excel serial number stands for (`None` outside Excel's dates,
/// and for the 29 February 1900 Excel believes in).
pub fn serial_date(serial: f64, date1904: bool) -> Option<chrono::NaiveDate> {
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let days = serial.floor() as i64;
    let (base, days) = if date1904 {
        (chrono::NaiveDate::from_ymd_opt(1904, 1, 1)?, days)
    } else if days == 60 || days == 0 {
        return None;
    } else if days < 60 {
        (chrono::NaiveDate::from_ymd_opt(1899, 12, 31)?, days)
    } else {
        (chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?, days)
    };
    base.checked_add_signed(chrono::TimeDelta::try_days(days)?)
}

/// A date written as a date-only number format shows it (`dd/mm/yyyy`,
/// `d mmmm yyyy`, `d-mmm-yy`); `None` for a format quire cannot follow.
pub fn write_date(date: chrono::NaiveDate, code: &str) -> Option<String> {
    use chrono::Datelike;
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    const DAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    let mut out = String::new();
    let b: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        let run = b[i..]
            .iter()
            .take_while(|&&x| x.eq_ignore_ascii_case(&c))
            .count();
        match c.to_ascii_lowercase() {
            'd' => {
                let wd = DAYS[date.weekday().num_days_from_monday() as usize];
                out.push_str(&match run {
                    1 => date.day().to_string(),
                    2 => format!("{:02}", date.day()),
                    3 => wd[..3].to_string(),
                    _ => wd.to_string(),
                });
            }
            'm' => {
                let m = MONTHS[date.month0() as usize];
                out.push_str(&match run {
                    1 => date.month().to_string(),
                    2 => format!("{:02}", date.month()),
                    3 => m[..3].to_string(),
                    4 => m.to_string(),
                    _ => m[..1].to_string(),
                });
            }
            'y' => {
                out.push_str(&match run {
                    1 | 2 => format!("{:02}", date.year() % 100),
                    _ => date.year().to_string(),
                });
            }
            '"' => {
                let end = b[i + 1..].iter().position(|&x| x == '"')? + i + 1;
                out.extend(&b[i + 1..end]);
                i = end + 1;
                continue;
            }
            '\\' => {
                out.push(*b.get(i + 1)?);
                i += 2;
                continue;
            }
            '[' => {
                // A locale or colour: not printed.
                let end = b[i..].iter().position(|&x| x == ']')? + i;
                i = end + 1;
                continue;
            }
            ' ' | '/' | '-' | '.' | ',' => out.push(c),
            _ => return None,
        }
        i += run;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn date_formats_are_told_from_number_formats() {
        assert_eq!(shown(0, None), Shown::Number);
        assert_eq!(shown(14, None), Shown::Date(Some("dd/mm/yyyy".into())));
        assert_eq!(shown(164, Some("#,##0.0")), Shown::Number);
        assert_eq!(shown(164, Some("0.0\" days\"")), Shown::Number);
        assert_eq!(shown(164, Some("[Red]#,##0;[Blue]-#,##0")), Shown::Number);
        assert_eq!(
            shown(164, Some("d mmmm yyyy")),
            Shown::Date(Some("d mmmm yyyy".into()))
        );
        assert_eq!(
            shown(164, Some("[$-809]dd/mm/yyyy;@")),
            Shown::Date(Some("[$-809]dd/mm/yyyy".into()))
        );
        assert_eq!(shown(164, Some("dd/mm/yyyy hh:mm")), Shown::Date(None));
        assert_eq!(shown(164, Some("hh:mm:ss")), Shown::Time);
        assert_eq!(shown(164, Some("[h]:mm")), Shown::Time);
        assert_eq!(shown(164, Some("General")), Shown::Number);
    }

    #[test]
    fn serial_numbers_are_the_dates_excel_shows() {
        let d = |s, w| serial_date(s, w).map(|d| d.to_string());
        assert_eq!(d(45291.0, false).as_deref(), Some("2023-12-31"));
        assert_eq!(d(1.0, false).as_deref(), Some("1900-01-01"));
        assert_eq!(d(59.0, false).as_deref(), Some("1900-02-28"));
        assert_eq!(d(60.0, false), None);
        assert_eq!(d(61.0, false).as_deref(), Some("1900-03-01"));
        assert_eq!(d(0.0, true).as_deref(), Some("1904-01-01"));
        assert_eq!(d(1e300, false), None);
        assert_eq!(d(-1.0, false), None);
        let date = chrono::NaiveDate::from_ymd_opt(2025, 3, 31).unwrap();
        assert_eq!(
            write_date(date, "dd/mm/yyyy").as_deref(),
            Some("31/03/2025")
        );
        assert_eq!(
            write_date(date, "d mmmm yyyy").as_deref(),
            Some("31 March 2025")
        );
        assert_eq!(
            write_date(date, "[$-809]d-mmm-yy").as_deref(),
            Some("31-Mar-25")
        );
        assert_eq!(
            write_date(date, "dddd d\" of \"mmmm").as_deref(),
            Some("Monday 31 of March")
        );
        assert_eq!(write_date(date, "yyyy%"), None);
    }

    #[test]
    fn reads_a_range_of_a_workbook_as_excel_writes_it() {
        use rust_xlsxwriter::{Format, Workbook};
        let mut wb = Workbook::new();
        wb.add_worksheet().set_name("Other").unwrap();
        let ws = wb.add_worksheet();
        ws.set_name("Summary").unwrap();
        let date = Format::new().set_num_format("d mmmm yyyy");
        ws.write_string(0, 0, "label & <more>").unwrap();
        ws.write_number(1, 1, 1.5).unwrap();
        ws.write_number_with_format(1, 2, 45291.0, &date).unwrap();
        ws.write_string(2, 1, "text").unwrap();
        ws.write_formula(2, 2, "=B2*2").unwrap();
        ws.set_formula_result(2, 2, "3");
        ws.write_number(40, 20, 7.0).unwrap();
        let bytes = wb.save_to_buffer().unwrap();
        let r = read(&bytes, "Summary", (1, 1), (2, 2)).unwrap();
        assert_eq!(r.data, Some((0, 0, 40, 20)));
        let v: Vec<_> = r
            .cells
            .iter()
            .map(|c| c.as_ref().map(|c| c.value.clone()))
            .collect();
        assert_eq!(
            v,
            [
                Some(Value::Number("1.5".into())),
                Some(Value::Number("45291".into())),
                Some(Value::Text("text".into())),
                Some(Value::Number("3".into())),
            ]
        );
        let c = |i: usize| r.cells[i].as_ref().unwrap();
        assert_eq!(c(1).shown, Shown::Date(Some("d mmmm yyyy".into())));
        assert_eq!(c(0).shown, Shown::Number);
        assert_eq!(c(3).formula.as_deref(), Some("B2*2"));
        assert_eq!(c(0).formula, None);
        let top = read(&bytes, "Summary", (0, 0), (0, 0)).unwrap();
        assert_eq!(
            top.cells[0].as_ref().unwrap().value,
            Value::Text("label & <more>".into())
        );
        assert_eq!(
            read(&bytes, "Summry", (0, 0), (0, 0)).unwrap_err(),
            Error::NoSheet(vec!["Other".into(), "Summary".into()])
        );
        assert!(matches!(
            read(b"PK\x03\x04 cut", "Summary", (0, 0), (0, 0)),
            Err(Error::NotXlsx(_))
        ));
    }

    #[test]
    fn cell_references_stay_on_the_grid() {
        assert_eq!(cell_ref(b"A1"), Some((0, 0)));
        assert_eq!(cell_ref(b"XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(cell_ref(b"XFE1"), None);
        assert_eq!(cell_ref(b"A1048577"), None);
        assert_eq!(cell_ref(b"A0"), None);
        assert_eq!(cell_ref(b"A99999999999999"), None);
        assert_eq!(resolve("worksheets/sheet1.xml"), "xl/worksheets/sheet1.xml");
        assert_eq!(resolve("/xl/worksheets/s.xml"), "xl/worksheets/s.xml");
        assert_eq!(resolve("../../../etc/passwd"), "etc/passwd");
    }
}
