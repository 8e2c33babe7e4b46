//! Expressions over figures: the small cell-formula language of relations.
//!
//! Stage: shared by the tables engine (syntax and arithmetic only; what a
//! name refers to is decided by [`super::check`]). A relation such as
//! `net = issued - ceased`, `closing = 24.401 + in_year` or
//! `ehcp.total/c1 = kpi.K5/q2 + kpi.K6/q2` is parsed once into an [`Equation`]
//! of two [`Expr`]s, every node with the byte range it was written at (so a
//! message points at the exact reference in the YAML string), then evaluated on
//! exact decimals ([`Dec`]) with every operation checked.
//!
//! The language, as a finance officer writes a cell formula: numbers
//! (`24.401`), references, `+ - * /` (also `× ÷ −`), parentheses, unary minus,
//! and the functions `SUM(…)` (arguments or ranges `a:b`), `ROUND(x, places)`
//! and `ABS(x)`. A reference is `name`, `row/column`, `table.row/column` or
//! `document:table.row/column`; a `-` or `/` inside a name is part of it, so
//! subtraction and division are written with spaces (`a - b`, `a / b`).
//!
//! Bounds: an expression is at most [`MAX_LEN`] bytes and [`MAX_DEPTH`]
//! levels deep; parsing and evaluation never recurse further.

use super::decimal::Dec;
use std::ops::Range;

/// The longest expression read, in bytes.
pub const MAX_LEN: usize = 4096;
/// The deepest nesting of parentheses, functions and unary signs.
pub const MAX_DEPTH: usize = 48;

/// A reference as written: `[document:][table.]first[/second]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ref {
    pub doc: Option<String>,
    pub table: Option<String>,
    pub first: String,
    pub second: Option<String>,
    /// Where it is written, in the expression's text.
    pub at: Range<usize>,
}

impl Ref {
    /// As written: `doc:table.row/col`.
    pub fn text(&self) -> String {
        let mut s = String::new();
        if let Some(d) = &self.doc {
            s.push_str(d);
            s.push(':');
        }
        if let Some(t) = &self.table {
            s.push_str(t);
            s.push('.');
        }
        s.push_str(&self.first);
        if let Some(c) = &self.second {
            s.push('/');
            s.push_str(c);
        }
        s
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Add,
    Sub,
    Mul,
    Div,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
        }
    }
}

/// An expression whose leaves are `L`: a [`Ref`] as parsed, a cell once resolved.
#[derive(Clone, Debug, PartialEq)]
pub enum Ast<L> {
    /// A number written in the relation, with the places it was written with.
    Num(Dec, u32),
    Leaf(L),
    /// `a:b`, only inside `SUM`: every figure from `a` to `b`.
    Range(L, L),
    Neg(Box<Expr<L>>),
    Bin(Op, Box<Expr<L>>, Box<Expr<L>>),
    Sum(Vec<Expr<L>>),
    /// `ROUND(x, places)`, half away from zero (Excel's ROUND); places -12 to 12.
    Round(Box<Expr<L>>, i32),
    Abs(Box<Expr<L>>),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Expr<L> {
    pub ast: Ast<L>,
    pub at: Range<usize>,
}

/// Which way a relation repeats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Each {
    Row,
    Column,
}

/// `[for each row|column:] lhs = rhs`.
#[derive(Clone, Debug, PartialEq)]
pub struct Equation {
    pub each: Option<Each>,
    pub lhs: Expr<Ref>,
    pub rhs: Expr<Ref>,
}

/// A relation that cannot be read: what is wrong, where, and how to write it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyntaxError {
    pub message: String,
    pub label: String,
    pub at: Range<usize>,
    pub help: String,
}

fn err(at: Range<usize>, message: &str, label: &str, help: &str) -> SyntaxError {
    SyntaxError {
        message: message.into(),
        label: label.into(),
        at,
        help: help.into(),
    }
}

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Num(Dec, u32),
    /// A word, read from the text at its range.
    Name,
    Op(Op),
    Open,
    Close,
    Comma,
    Colon,
    Eq,
    End,
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The tokens of `s` with their byte ranges.
fn lex(s: &str) -> Result<Vec<(Tok, Range<usize>)>, SyntaxError> {
    // About one token for every two bytes of `a + b/c` (and the end).
    let mut out = Vec::with_capacity(s.len() / 2 + 1);
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let one = |t: Tok| (t, i..i + c.len_utf8());
        match c {
            c if c.is_whitespace() => {}
            '+' => out.push(one(Tok::Op(Op::Add))),
            '-' | '−' => out.push(one(Tok::Op(Op::Sub))),
            '*' | '×' => out.push(one(Tok::Op(Op::Mul))),
            '/' | '÷' => out.push(one(Tok::Op(Op::Div))),
            '(' => out.push(one(Tok::Open)),
            ')' => out.push(one(Tok::Close)),
            ',' => out.push(one(Tok::Comma)),
            ':' => out.push(one(Tok::Colon)),
            '=' => out.push(one(Tok::Eq)),
            c if name_char(c) || c == '.' => {
                // A word: name characters, `.`, and `-` or `/` between name characters.
                let mut end = i + 1;
                while let Some(&(j, d)) = it.peek() {
                    let joins = (d == '-' || d == '/')
                        && s[..j].chars().last().is_some_and(name_char)
                        && s[j + 1..].chars().next().is_some_and(name_char);
                    if name_char(d) || d == '.' || joins {
                        end = j + d.len_utf8();
                        it.next();
                    } else {
                        break;
                    }
                }
                let w = &s[i..end];
                let numeric = w.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                    && w.bytes().filter(|b| *b == b'.').count() <= 1
                    && w != ".";
                if numeric {
                    let places = w.split_once('.').map_or(0, |(_, f)| f.len() as u32);
                    let Some(d) = Dec::parse(w) else {
                        return Err(err(
                            i..end,
                            &format!("`{w}` is too large a number"),
                            "not a figure quire can hold",
                            "figures are below a trillion trillion, with at most twelve decimal places",
                        ));
                    };
                    out.push((Tok::Num(d, places), i..end));
                } else {
                    out.push((Tok::Name, i..end));
                }
            }
            other => {
                return Err(err(
                    i..i + other.len_utf8(),
                    &format!("`{other}` cannot be used in a relation"),
                    "not a number, a name, a sign or a bracket",
                    "write figures, references (`row/column`, `table.row/column`), + - * /, parentheses, SUM, ROUND and ABS",
                ));
            }
        }
    }
    out.push((Tok::End, s.len()..s.len()));
    Ok(out)
}

struct Parser<'s> {
    /// The text the tokens' ranges are in.
    src: &'s str,
    toks: Vec<(Tok, Range<usize>)>,
    pos: usize,
    depth: usize,
    /// Reading an argument of SUM, where `first:last` is a range.
    in_sum: bool,
}

const HELP: &str = "write it as a cell formula, e.g. `net = issued - ceased`, `total = SUM(a:c)` or `share = part / total/amount * 100`";

impl<'s> Parser<'s> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].0
    }

    fn at(&self) -> Range<usize> {
        self.toks[self.pos].1.clone()
    }

    /// Takes the current token (a name without a copy) and moves on; the
    /// last, `End`, stays where it is.
    fn bump(&mut self) -> (Tok, Range<usize>) {
        if self.pos + 1 < self.toks.len() {
            self.pos += 1;
            let (t, r) = &mut self.toks[self.pos - 1];
            (std::mem::replace(t, Tok::End), r.clone())
        } else {
            self.toks[self.pos].clone()
        }
    }

    fn deeper(&mut self) -> Result<(), SyntaxError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(err(
                self.at(),
                "this relation is nested too deeply",
                "too many brackets, functions or signs inside each other",
                &format!("write it with at most {MAX_DEPTH} levels, or as several relations"),
            ));
        }
        Ok(())
    }

    fn expr(&mut self) -> Result<Expr<Ref>, SyntaxError> {
        let mut lhs = self.term()?;
        while let Tok::Op(op @ (Op::Add | Op::Sub)) = *self.peek() {
            self.bump();
            let rhs = self.term()?;
            lhs = bin(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn term(&mut self) -> Result<Expr<Ref>, SyntaxError> {
        let mut lhs = self.unary()?;
        while let Tok::Op(op @ (Op::Mul | Op::Div)) = *self.peek() {
            self.bump();
            let rhs = self.unary()?;
            lhs = bin(op, lhs, rhs);
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Expr<Ref>, SyntaxError> {
        if let Tok::Op(op @ (Op::Sub | Op::Add)) = *self.peek() {
            let start = self.bump().1.start;
            self.deeper()?;
            let e = self.unary()?;
            self.depth -= 1;
            let at = start..e.at.end;
            return Ok(if op == Op::Sub {
                Expr {
                    ast: Ast::Neg(Box::new(e)),
                    at,
                }
            } else {
                e
            });
        }
        self.primary()
    }

    fn expect(&mut self, t: Tok, what: &str) -> Result<Range<usize>, SyntaxError> {
        if *self.peek() == t {
            return Ok(self.bump().1);
        }
        Err(err(
            self.at(),
            &format!("expected {what}"),
            &format!("{what} here"),
            HELP,
        ))
    }

    /// A reference, `document:` first when the next word names a table.
    fn reference(&mut self, at: Range<usize>) -> Result<Ref, SyntaxError> {
        let src = self.src;
        let w = &src[at.clone()];
        let bare = |w: &str| !w.contains(['.', '/']);
        let next_is_table = matches!(&self.toks.get(self.pos + 1),
            Some((Tok::Name, r)) if src[r.clone()].contains('.'));
        let (doc, w, at) = if *self.peek() == Tok::Colon && bare(w) && next_is_table {
            self.bump();
            let (Tok::Name, r) = self.bump() else {
                unreachable!("checked above")
            };
            (Some(w.to_string()), &src[r.clone()], at.start..r.end)
        } else {
            (None, w, at)
        };
        split_ref(doc, w, at)
    }

    fn primary(&mut self) -> Result<Expr<Ref>, SyntaxError> {
        let (t, at) = self.bump();
        match t {
            Tok::Num(d, p) => Ok(Expr {
                ast: Ast::Num(d, p),
                at,
            }),
            Tok::Open => {
                self.deeper()?;
                let e = self.expr()?;
                self.depth -= 1;
                let end = self.expect(Tok::Close, "`)`")?.end;
                Ok(Expr {
                    ast: e.ast,
                    at: at.start..end,
                })
            }
            Tok::Name if *self.peek() == Tok::Open => {
                let src = self.src;
                self.call(&src[at.clone()], at)
            }
            Tok::Name => {
                let r = self.reference(at)?;
                if *self.peek() == Tok::Colon && !self.in_sum {
                    return Err(err(
                        self.at(),
                        "a range `a:b` is only read inside SUM",
                        "a range outside SUM",
                        "write `SUM(first:last)` to add up every figure from one row or column to another",
                    ));
                }
                Ok(Expr {
                    at: r.at.clone(),
                    ast: Ast::Leaf(r),
                })
            }
            Tok::End => Err(err(
                at,
                "this relation ends where a figure is expected",
                "a figure or a reference is missing here",
                HELP,
            )),
            _ => Err(err(
                at,
                "expected a figure, a reference or `(`",
                "not the start of a figure",
                HELP,
            )),
        }
    }

    fn call(&mut self, name: &str, at: Range<usize>) -> Result<Expr<Ref>, SyntaxError> {
        let f = name.to_ascii_uppercase();
        if !["SUM", "ROUND", "ABS"].contains(&f.as_str()) {
            let hint = crate::diag::did_you_mean(&f, ["SUM", "ROUND", "ABS"]);
            return Err(err(
                at,
                &format!("`{name}` is not a function of relations"),
                &hint.map_or("not SUM, ROUND or ABS".into(), |h| {
                    format!("did you mean `{h}`?")
                }),
                "the functions are SUM(…), ROUND(x, places) and ABS(x)",
            ));
        }
        self.bump(); // (
        self.deeper()?;
        let mut args = Vec::new();
        let outer = self.in_sum;
        if *self.peek() != Tok::Close {
            loop {
                self.in_sum = f == "SUM";
                let e = self.expr();
                self.in_sum = outer;
                let e = e?;
                let e = if *self.peek() == Tok::Colon && f == "SUM" {
                    let colon = self.bump().1;
                    let (Tok::Name, r) = self.bump() else {
                        return Err(err(
                            colon,
                            "a range names its first and its last figure",
                            "expected a name after `:`",
                            "write `SUM(first:last)`",
                        ));
                    };
                    let last = self.reference(r)?;
                    let Ast::Leaf(first) = e.ast else {
                        return Err(err(
                            e.at,
                            "a range names its first and its last figure",
                            "not a reference",
                            "write `SUM(first:last)`",
                        ));
                    };
                    Expr {
                        at: first.at.start..last.at.end,
                        ast: Ast::Range(first, last),
                    }
                } else {
                    e
                };
                args.push(e);
                if *self.peek() == Tok::Comma {
                    self.bump();
                    continue;
                }
                break;
            }
        }
        self.depth -= 1;
        let end = self.expect(Tok::Close, "`)`")?.end;
        let whole = at.start..end;
        let wrong = |n: &str| {
            err(
                whole.clone(),
                &format!("{f} takes {n}"),
                "wrong number of arguments",
                "write SUM(a, b, …) or SUM(first:last), ROUND(x, places), ABS(x)",
            )
        };
        let ast = match f.as_str() {
            "SUM" if args.is_empty() => return Err(wrong("at least one figure")),
            "SUM" => Ast::Sum(args),
            "ABS" if args.len() == 1 => Ast::Abs(Box::new(args.remove(0))),
            "ABS" => return Err(wrong("one figure")),
            _ if args.len() == 2 => {
                let places = match &args[1].ast {
                    Ast::Num(d, 0) => d.full().parse::<i32>().ok(),
                    Ast::Neg(e) => match &e.ast {
                        Ast::Num(d, 0) => d.full().parse::<i32>().ok().map(|p| -p),
                        _ => None,
                    },
                    _ => None,
                }
                .filter(|p| (-12..=12).contains(p));
                let Some(places) = places else {
                    return Err(err(
                        args[1].at.clone(),
                        "ROUND's places are a whole number from -12 to 12",
                        "not a whole number of places",
                        "e.g. `ROUND(net, 1)` rounds to one decimal place",
                    ));
                };
                Ast::Round(Box::new(args.remove(0)), places)
            }
            _ => return Err(wrong("a figure and a number of places")),
        };
        Ok(Expr { ast, at: whole })
    }
}

fn bin(op: Op, a: Expr<Ref>, b: Expr<Ref>) -> Expr<Ref> {
    Expr {
        at: a.at.start..b.at.end,
        ast: Ast::Bin(op, Box::new(a), Box::new(b)),
    }
}

/// `table.row/col`, `row/col`, `name` (after any `document:`).
fn split_ref(doc: Option<String>, w: &str, at: Range<usize>) -> Result<Ref, SyntaxError> {
    let (left, second) = match w.split_once('/') {
        Some((l, c)) => (l, Some(c)),
        None => (w, None),
    };
    let (table, first) = match left.split_once('.') {
        Some((t, r)) => (Some(t), r),
        None => (None, left),
    };
    let ok = |s: &str| !s.is_empty() && !s.contains(['.', '/']) && !s.starts_with('-');
    if !ok(first)
        || !table.is_none_or(ok)
        || !second.is_none_or(ok)
        || (doc.is_some() && table.is_none())
    {
        return Err(err(
            at,
            &format!("`{w}` is not a reference"),
            "expected NAME, ROW/COLUMN, TABLE.ROW/COLUMN or DOCUMENT:TABLE.ROW/COLUMN",
            "name a figure by its row and column ids, e.g. `closing/y2025` or `deficit.2025-26/variance`; put spaces around `-` and `/` when they subtract or divide",
        ));
    }
    Ok(Ref {
        doc,
        table: table.map(str::to_string),
        first: first.to_string(),
        second: second.map(str::to_string),
        at,
    })
}

/// Reads one expression (no `=`).
pub fn parse_expr(s: &str) -> Result<Expr<Ref>, SyntaxError> {
    if s.len() > MAX_LEN {
        return Err(err(
            0..s.len(),
            "this expression is too long",
            &format!("more than {MAX_LEN} bytes"),
            "split it into several relations",
        ));
    }
    let mut p = Parser {
        src: s,
        toks: lex(s)?,
        pos: 0,
        depth: 0,
        in_sum: false,
    };
    let e = p.expr()?;
    if *p.peek() != Tok::End {
        return Err(err(
            p.at(),
            "expected an operator or the end of the expression",
            "unexpected here",
            HELP,
        ));
    }
    Ok(e)
}

/// Reads `[for each row|column:] lhs = rhs`.
pub fn parse(s: &str) -> Result<Equation, SyntaxError> {
    if s.len() > MAX_LEN {
        return Err(err(
            0..s.len(),
            "this relation is too long",
            &format!("more than {MAX_LEN} bytes"),
            "split it into several relations",
        ));
    }
    // `for each row:` as a prefix, any case and spacing.
    let mut each = None;
    let mut body = 0;
    let head = s.split(':').next().unwrap_or("");
    let first = head.split_whitespace().next();
    if s.contains(':') && first.is_some_and(|w| w.eq_ignore_ascii_case("for")) {
        // Lowercased only here: most relations do not repeat.
        let lower = s.to_ascii_lowercase();
        let words: Vec<&str> = lower
            .split(':')
            .next()
            .unwrap_or("")
            .split_whitespace()
            .collect();
        each = match words.as_slice() {
            ["for", "each", "row"] => Some(Each::Row),
            ["for", "each", "column"] => Some(Each::Column),
            _ => {
                let end = lower.find(':').unwrap_or(0);
                return Err(err(
                    0..end,
                    "a repeated relation starts `for each row:` or `for each column:`",
                    "not `for each row` or `for each column`",
                    "e.g. `for each row: variance = actual - budget`",
                ));
            }
        };
        body = lower.find(':').map_or(0, |i| i + 1);
    }
    let mut toks = lex(&s[body..])?;
    for (_, r) in &mut toks {
        *r = r.start + body..r.end + body;
    }
    let mut p = Parser {
        src: s,
        toks,
        pos: 0,
        depth: 0,
        in_sum: false,
    };
    let lhs = p.expr()?;
    if *p.peek() != Tok::Eq {
        let at = p.at();
        return Err(if *p.peek() == Tok::End {
            err(
                at,
                "a relation is an equation with `=`",
                "no `=` in this relation",
                "write what equals what, e.g. `net = issued - ceased`",
            )
        } else {
            err(at, "expected `=` or an operator", "unexpected here", HELP)
        });
    }
    p.bump();
    let rhs = p.expr()?;
    if *p.peek() != Tok::End {
        let at = p.at();
        return Err(if *p.peek() == Tok::Eq {
            err(
                at,
                "a relation has one `=`",
                "a second `=`",
                "write each equality as its own relation",
            )
        } else {
            err(
                at,
                "expected an operator or the end of the relation",
                "unexpected here",
                HELP,
            )
        });
    }
    Ok(Equation { each, lhs, rhs })
}

/// Why an expression has no value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fail<L> {
    /// A figure it names has none.
    Missing(L),
    /// It divides by zero.
    Zero,
    /// A result is beyond what a [`Dec`] holds.
    Overflow,
}

impl<L: Clone> Expr<L> {
    /// The value, with `leaf` giving each figure.
    pub fn eval(&self, leaf: &impl Fn(&L) -> Option<Dec>) -> Result<Dec, Fail<L>> {
        Ok(match &self.ast {
            Ast::Num(d, _) => *d,
            Ast::Leaf(l) => leaf(l).ok_or_else(|| Fail::Missing(l.clone()))?,
            // Resolution expands ranges; an unexpanded one adds its ends.
            Ast::Range(a, b) => {
                let a = leaf(a).ok_or_else(|| Fail::Missing(a.clone()))?;
                let b = leaf(b).ok_or_else(|| Fail::Missing(b.clone()))?;
                a.checked_add(b).ok_or(Fail::Overflow)?
            }
            Ast::Neg(e) => Dec::ZERO.checked_sub(e.eval(leaf)?).ok_or(Fail::Overflow)?,
            Ast::Bin(op, a, b) => {
                let (a, b) = (a.eval(leaf)?, b.eval(leaf)?);
                match op {
                    Op::Add => a.checked_add(b).ok_or(Fail::Overflow)?,
                    Op::Sub => a.checked_sub(b).ok_or(Fail::Overflow)?,
                    Op::Mul => a.checked_mul(b).ok_or(Fail::Overflow)?,
                    Op::Div if b == Dec::ZERO => return Err(Fail::Zero),
                    Op::Div => a.checked_div(b).ok_or(Fail::Overflow)?,
                }
            }
            Ast::Sum(xs) => {
                let mut acc = Dec::ZERO;
                for x in xs {
                    acc = acc.checked_add(x.eval(leaf)?).ok_or(Fail::Overflow)?;
                }
                acc
            }
            Ast::Round(e, p) => e.eval(leaf)?.round_to(*p).ok_or(Fail::Overflow)?,
            Ast::Abs(e) => e.eval(leaf)?.abs(),
        })
    }

    /// Every leaf, to change in place (a range's two ends).
    pub fn leaves_mut(&mut self, f: &mut impl FnMut(&mut L)) {
        match &mut self.ast {
            Ast::Num(..) => {}
            Ast::Leaf(l) => f(l),
            Ast::Range(a, b) => {
                f(a);
                f(b);
            }
            Ast::Neg(e) | Ast::Round(e, _) | Ast::Abs(e) => e.leaves_mut(f),
            Ast::Bin(_, a, b) => {
                a.leaves_mut(f);
                b.leaves_mut(f);
            }
            Ast::Sum(xs) => xs.iter_mut().for_each(|x| x.leaves_mut(f)),
        }
    }

    /// Every leaf, in order (a range's two ends).
    pub fn leaves<'a>(&'a self, out: &mut Vec<&'a L>) {
        self.each_leaf(&mut |l| out.push(l));
    }

    /// Calls `f` on every leaf, in order (a range's two ends), collecting nothing.
    pub fn each_leaf<'a>(&'a self, f: &mut impl FnMut(&'a L)) {
        match &self.ast {
            Ast::Num(..) => {}
            Ast::Leaf(l) => f(l),
            Ast::Range(a, b) => {
                f(a);
                f(b);
            }
            Ast::Neg(e) | Ast::Round(e, _) | Ast::Abs(e) => e.each_leaf(f),
            Ast::Bin(_, a, b) => {
                a.each_leaf(f);
                b.each_leaf(f);
            }
            Ast::Sum(xs) => xs.iter().for_each(|x| x.each_leaf(f)),
        }
    }

    /// Whether any leaf satisfies `f`.
    pub fn any_leaf(&self, f: impl Fn(&L) -> bool) -> bool {
        let mut any = false;
        self.each_leaf(&mut |l| any = any || f(l));
        any
    }

    /// The same expression with each leaf replaced by one other (a range's
    /// two ends each by one): [`Expr::map`] without its lists.
    pub fn map_each<M>(&self, f: &mut impl FnMut(&L) -> M) -> Expr<M> {
        let ast = match &self.ast {
            Ast::Num(d, p) => Ast::Num(*d, *p),
            Ast::Leaf(l) => Ast::Leaf(f(l)),
            Ast::Range(a, b) => Ast::Range(f(a), f(b)),
            Ast::Neg(e) => Ast::Neg(Box::new(e.map_each(f))),
            Ast::Bin(op, a, b) => Ast::Bin(*op, Box::new(a.map_each(f)), Box::new(b.map_each(f))),
            Ast::Sum(xs) => Ast::Sum(xs.iter().map(|x| x.map_each(f)).collect()),
            Ast::Round(e, p) => Ast::Round(Box::new(e.map_each(f)), *p),
            Ast::Abs(e) => Ast::Abs(Box::new(e.map_each(f))),
        };
        Expr {
            ast,
            at: self.at.clone(),
        }
    }

    /// The same expression over other leaves: `leaf` gives the leaves a leaf
    /// stands for (more than one are added up: a group of rows), `range` the
    /// leaves a range stands for; the first refusal is the error.
    pub fn map<M, E>(
        &self,
        leaf: &mut impl FnMut(&L) -> Result<Vec<M>, E>,
        range: &mut impl FnMut(&L, &L) -> Result<Vec<M>, E>,
    ) -> Result<Expr<M>, E> {
        let at = self.at.clone();
        let many = |mut v: Vec<M>, at: &Range<usize>| {
            // One leaf (the usual case) is itself, with no list made for it.
            if v.len() == 1
                && let Some(m) = v.pop()
            {
                return Ast::Leaf(m);
            }
            Ast::Sum(
                v.into_iter()
                    .map(|m| Expr {
                        ast: Ast::Leaf(m),
                        at: at.clone(),
                    })
                    .collect(),
            )
        };
        let ast = match &self.ast {
            Ast::Num(d, p) => Ast::Num(*d, *p),
            Ast::Leaf(l) => many(leaf(l)?, &at),
            Ast::Range(a, b) => match many(range(a, b)?, &at) {
                Ast::Leaf(m) => Ast::Sum(vec![Expr {
                    ast: Ast::Leaf(m),
                    at: at.clone(),
                }]),
                other => other,
            },
            Ast::Neg(e) => Ast::Neg(Box::new(e.map(leaf, range)?)),
            Ast::Bin(op, a, b) => {
                let a = a.map(leaf, range);
                let b = b.map(leaf, range);
                Ast::Bin(*op, Box::new(a?), Box::new(b?))
            }
            Ast::Sum(xs) => {
                let mut out = Vec::with_capacity(xs.len());
                let mut first = None;
                for x in xs {
                    // SUM(a:b, c): the range's figures, then c, in one sum.
                    let got = match &x.ast {
                        Ast::Range(a, b) => range(a, b).map(|v| {
                            v.into_iter()
                                .map(|m| Expr {
                                    ast: Ast::Leaf(m),
                                    at: x.at.clone(),
                                })
                                .collect()
                        }),
                        _ => x.map(leaf, range).map(|e| vec![e]),
                    };
                    match got {
                        Ok(v) => out.extend(v),
                        Err(e) => first = first.or(Some(e)),
                    }
                }
                if let Some(e) = first {
                    return Err(e);
                }
                Ast::Sum(out)
            }
            Ast::Round(e, p) => Ast::Round(Box::new(e.map(leaf, range)?), *p),
            Ast::Abs(e) => Ast::Abs(Box::new(e.map(leaf, range)?)),
        };
        Ok(Expr { ast, at })
    }

    /// Whether it only adds and subtracts (figures that can be totalled).
    pub fn linear(&self) -> bool {
        let mut lin = true;
        self.walk(&mut |e| {
            if matches!(
                e.ast,
                Ast::Bin(Op::Mul | Op::Div, ..) | Ast::Round(..) | Ast::Abs(_)
            ) {
                lin = false;
            }
        });
        lin
    }

    /// The expression in words, with `name` for each leaf: `a - b`, `SUM(x, y)`.
    pub fn show(&self, name: &impl Fn(&L) -> String) -> String {
        self.show_in(name, 0)
    }

    fn show_in(&self, name: &impl Fn(&L) -> String, outer: u8) -> String {
        match &self.ast {
            Ast::Num(d, p) => d.fixed(*p),
            Ast::Leaf(l) => name(l),
            Ast::Range(a, b) => format!("{}:{}", name(a), name(b)),
            Ast::Neg(e) => format!("-{}", e.show_in(name, 3)),
            Ast::Bin(op, a, b) => {
                let prec = if matches!(op, Op::Add | Op::Sub) {
                    1
                } else {
                    2
                };
                let s = format!(
                    "{} {} {}",
                    a.show_in(name, prec),
                    op.symbol(),
                    b.show_in(name, prec + 1)
                );
                if prec < outer { format!("({s})") } else { s }
            }
            Ast::Sum(xs) => format!(
                "SUM({})",
                xs.iter()
                    .map(|x| x.show_in(name, 0))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Ast::Round(e, p) => format!("ROUND({}, {p})", e.show_in(name, 0)),
            Ast::Abs(e) => format!("ABS({})", e.show_in(name, 0)),
        }
    }

    /// The single leaf this expression is, with its sign: `x` is (1, x), `-x` (-1, x).
    pub fn single(&self) -> Option<(i8, &L)> {
        match &self.ast {
            Ast::Leaf(l) => Some((1, l)),
            Ast::Neg(e) => match &e.ast {
                Ast::Leaf(l) => Some((-1, l)),
                _ => None,
            },
            _ => None,
        }
    }

    /// The most decimal places of any number written in it.
    pub fn written_places(&self) -> u32 {
        let mut p = 0;
        self.walk(&mut |e| {
            if let Ast::Num(_, w) = e.ast {
                p = p.max(w);
            }
        });
        p
    }

    fn walk(&self, f: &mut impl FnMut(&Expr<L>)) {
        f(self);
        match &self.ast {
            Ast::Neg(e) | Ast::Round(e, _) | Ast::Abs(e) => e.walk(f),
            Ast::Bin(_, a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Ast::Sum(xs) => xs.iter().for_each(|x| x.walk(f)),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Dec {
        Dec::parse(s).unwrap()
    }

    fn val(s: &str) -> Result<Dec, Fail<Ref>> {
        let e = parse_expr(s).unwrap();
        e.eval(&|r: &Ref| match r.text().as_str() {
            "a" => Some(d("2")),
            "t.b/x" => Some(d("0.5")),
            "gap" => None,
            _ => Some(d("10")),
        })
    }

    #[test]
    fn reads_cell_formulas_with_precedence_and_spans() {
        assert_eq!(val("1 + 2 * 3").unwrap(), d("7"));
        assert_eq!(val("(1 + 2) * 3").unwrap(), d("9"));
        assert_eq!(val("-a - -a").unwrap(), d("0"));
        assert_eq!(val("a / 4").unwrap(), d("0.5"));
        assert_eq!(val("a × 3 ÷ 4 − 1").unwrap(), d("0.5"));
        assert_eq!(val("24.401 + t.b/x").unwrap(), d("24.901"));
        assert_eq!(val("SUM(a, t.b/x, 1)").unwrap(), d("3.5"));
        assert_eq!(val("ROUND(2.25, 1)").unwrap(), d("2.3"));
        assert_eq!(val("ROUND(-2.5, 0)").unwrap(), d("-3"));
        assert_eq!(val("ROUND(1234, -2)").unwrap(), d("1200"));
        assert_eq!(val("ABS(0 - a)").unwrap(), d("2"));
        assert_eq!(val("a / (a - 2)"), Err(Fail::Zero));
        assert!(matches!(val("a + gap"), Err(Fail::Missing(r)) if r.first == "gap"));
        let e = parse("for each row: variance = actual - budget").unwrap();
        assert_eq!(e.each, Some(Each::Row));
        let s = "net = high-needs - ceased";
        let e = parse(s).unwrap();
        let mut l = Vec::new();
        e.rhs.leaves(&mut l);
        assert_eq!(&s[l[0].at.clone()], "high-needs");
        assert_eq!(&s[l[1].at.clone()], "ceased");
        let s = "x = sv-2025:deficit.2025-26/variance + SUM(ehcp.band-0/c1:ehcp.band-3/c1)";
        let e = parse(s).unwrap();
        let mut l = Vec::new();
        e.rhs.leaves(&mut l);
        assert_eq!(l[0].doc.as_deref(), Some("sv-2025"));
        assert_eq!(l[0].table.as_deref(), Some("deficit"));
        assert_eq!(l[0].first, "2025-26");
        assert_eq!(&s[l[0].at.clone()], "sv-2025:deficit.2025-26/variance");
        assert_eq!(&s[l[2].at.clone()], "ehcp.band-3/c1");
        assert!(matches!(e.rhs.ast, Ast::Bin(Op::Add, _, ref b) if matches!(b.ast, Ast::Sum(_))));
    }

    #[test]
    fn refuses_what_it_cannot_read_with_a_place() {
        for (s, msg, at) in [
            (
                "a + ",
                "this relation ends where a figure is expected",
                4..4,
            ),
            ("a = b +* c", "expected a figure, a reference or `(`", 7..8),
            ("a = MAX(b)", "`MAX` is not a function of relations", 4..7),
            ("a = b = c", "a relation has one `=`", 6..7),
            (
                "a = b c",
                "expected an operator or the end of the relation",
                6..7,
            ),
            ("a + b", "a relation is an equation with `=`", 5..5),
            ("a = b:c", "a range `a:b` is only read inside SUM", 5..6),
            (
                "a = ROUND(b, 1.5)",
                "ROUND's places are a whole number from -12 to 12",
                13..16,
            ),
            ("a = b £ c", "`£` cannot be used in a relation", 6..8),
            (
                "for all rows: a = b",
                "a repeated relation starts `for each row:` or `for each column:`",
                0..12,
            ),
        ] {
            let e = parse(s).unwrap_err();
            assert_eq!((e.message.as_str(), e.at), (msg, at), "{s}");
        }
        let deep = format!("a = {}b{}", "(".repeat(100), ")".repeat(100));
        assert_eq!(
            parse(&deep).unwrap_err().message,
            "this relation is nested too deeply"
        );
        let deep = format!("a = {}b", "-".repeat(100_000));
        assert!(parse(&deep).is_err());
        let long = format!("a = {}", "b + ".repeat(2000));
        assert_eq!(
            parse(&long).unwrap_err().message,
            "this relation is too long"
        );
    }

    #[test]
    fn overflow_is_a_failure_not_a_panic() {
        let e = parse_expr("999999999999999999999999 * 999999999999999999999999").unwrap();
        assert_eq!(e.eval(&|_: &Ref| None), Err(Fail::Overflow));
        let e = parse_expr("ROUND(999999999999999999999999 * 100000000000000, -12)").unwrap();
        assert_eq!(e.eval(&|_: &Ref| None), Err(Fail::Overflow));
    }

    #[test]
    fn shows_as_written() {
        let e = parse("t = (a + b) * 2 - SUM(c:d) / ABS(-e)").unwrap();
        assert_eq!(
            e.rhs.show(&|r: &Ref| r.text()),
            "(a + b) * 2 - SUM(c:d) / ABS(-e)"
        );
    }
}
