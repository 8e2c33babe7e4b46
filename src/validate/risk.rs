//! Risk register files → [`Register`]; scheme checks; score = likelihood × impact.

use super::{MapReader, int, one_of, text};
use crate::diag::{Code, Diagnostic, Diagnostics};
use crate::load::yaml::{Node, NodeKind};
use crate::model::risk::{
    Action, Band, Control, Direction, Level, Rating, Register, RelatedReport, Risk, Scheme,
};
use crate::model::{AsWritten, Sp};
use crate::source::FileId;
use std::collections::HashMap;

/// The most levels a likelihood or impact scale may have, and the most bands:
/// councils use 3×3 to 6×6 matrices; 10 leaves room and keeps the heat map and
/// every check small.
pub const MAX_LEVELS: usize = 10;

/// A scheme as written; when it has errors (reported), a scheme marked
/// [`Scheme::broken`], so that ratings are not checked against it.
pub fn scheme_or_broken(node: &Node, diags: &mut Diagnostics) -> Scheme {
    let before = diags.error_count();
    match scheme(node, diags) {
        Some(s) if diags.error_count() == before => s,
        _ => Scheme {
            broken: true,
            ..Scheme::default_5x5()
        },
    }
}

fn scheme(node: &Node, diags: &mut Diagnostics) -> Option<Scheme> {
    let before = diags.error_count();
    let mut m = MapReader::new(node, "a scoring scheme", diags)?;
    let levels = |m: &mut MapReader, key: &'static str| {
        m.list(key, true, |n, d| {
            let mut l = MapReader::new(n, "a scale level", d)?;
            let value = l.req("value").and_then(|v| int(v, l.diags));
            let label = l.text("label");
            let description = l.opt_text("description").map(|t| t.value);
            l.finish();
            let value = value?;
            if value.value < 1 || value.value > MAX_LEVELS as i64 {
                d.push(
                    Diagnostic::error(
                        Code::OutOfScale,
                        format!("scale values run from 1 to at most {MAX_LEVELS}"),
                    )
                    .at(&value.span, format!("must be between 1 and {MAX_LEVELS}"))
                    .help("number the levels 1, 2, 3 … from the lowest"),
                );
                return None;
            }
            Some(Level {
                value: value.value as u32,
                label: label?.value,
                description,
            })
        })
    };
    let likelihood = levels(&mut m, "likelihood");
    let impact = levels(&mut m, "impact");
    let bands = m.list("bands", true, |n, d| {
        let mut b = MapReader::new(n, "a band", d)?;
        let name = b.text("name");
        let min = b.req("min").and_then(|v| int(v, b.diags));
        let max = b.req("max").and_then(|v| int(v, b.diags));
        let colour = b.text("colour").and_then(|c| super::colour(c, b.diags));
        b.finish();
        let (min, max) = (min?, max?);
        if min.value > max.value {
            d.push(
                Diagnostic::error(
                    Code::InvalidValue,
                    "a band's `min` is greater than its `max`",
                )
                .at(&min.span, "min")
                .also(&max.span, "max"),
            );
        }
        Some(Band {
            name: name?.value,
            min: min.value.max(0) as u32,
            max: max.value.max(0) as u32,
            colour: colour?,
        })
    });
    let span = m.span().clone();
    m.finish();
    for (what, n) in [
        ("likelihood levels", likelihood.len()),
        ("impact levels", impact.len()),
        ("bands", bands.len()),
    ] {
        if n > MAX_LEVELS {
            diags.push(
                Diagnostic::error(
                    Code::OutOfScale,
                    format!("this scheme has {n} {what}; at most {MAX_LEVELS} are allowed"),
                )
                .at(&span, "this scheme")
                .help("council risk matrices are 3×3 to 6×6; check the scheme"),
            );
            return None;
        }
    }
    if likelihood.is_empty() || impact.is_empty() || bands.is_empty() {
        // Missing only when nothing malformed explains it (reported already).
        if diags.error_count() > before {
            return None;
        }
        diags.push(
            Diagnostic::error(
                Code::MissingField,
                "a scoring scheme needs likelihood and impact levels and at least one band",
            )
            .at(&span, "this scheme"),
        );
        return None;
    }
    Some(Scheme {
        broken: false,
        likelihood,
        impact,
        bands,
    })
}

/// Reads a register file. `default_scheme` applies when the file declares none,
/// and `default_words` (the project's `risk-scale`) when it declares no `risk-scale`.
pub fn register(
    file: FileId,
    node: &Node,
    default_scheme: &Scheme,
    default_words: &[crate::model::valve::ScaleItem],
    diags: &mut Diagnostics,
) -> Option<Register> {
    let mut m = MapReader::new(node, "the risk register file", diags)?;
    let head = m.req("register");
    let scheme = m
        .opt("scheme")
        .map(|n| scheme_or_broken(n, m.diags))
        .unwrap_or_else(|| default_scheme.clone());
    let word_scale = m.scale(
        "risk-scale",
        "risk scale",
        default_words,
        false,
        super::scale_item,
    );
    let risk_nodes = m.req("risks");
    m.finish();
    let scales = Scales {
        scheme: &scheme,
        words: &word_scale,
    };

    let mut h = MapReader::new(head?, "the register heading", diags)?;
    let name = h.text("name");
    let owner = h.opt_text("owner").map(|t| t.value);
    let as_at = h.date("as-at");
    let previous = h.opt_text("previous");
    h.finish();
    let as_at = as_at?.value;

    let mut risks = Vec::new();
    #[cfg(test)]
    if let Some(n) = risk_nodes {
        crate::validate::record::read(n, crate::validate::record::Read::List);
    }
    match risk_nodes.map(|n| &n.kind) {
        Some(crate::load::yaml::NodeKind::Seq(items)) => {
            for n in items {
                if let Some(r) = risk(n, &scales, as_at, diags) {
                    risks.push(r);
                }
            }
        }
        Some(_) => diags.push(super::wrong(risk_nodes?, "a list of risks")),
        None => {}
    }
    let mut seen: HashMap<&str, &Sp<String>> = HashMap::new();
    for r in &risks {
        if let Some(first) = seen.insert(r.id.value.as_str(), &r.id) {
            diags.push(
                Diagnostic::error(
                    Code::DuplicateId,
                    format!("risk id `{}` is used twice", r.id.value),
                )
                .at(&r.id.span, "second use")
                .also(&first.span, "first used here")
                .help("give each risk in a register its own id"),
            );
        }
    }
    Some(Register {
        file,
        name: name?.value,
        owner,
        as_at,
        previous,
        scheme,
        word_scale,
        risks,
    })
}

/// The register's two ways of rating: the numeric scheme and the words.
struct Scales<'a> {
    scheme: &'a Scheme,
    words: &'a [crate::model::valve::ScaleItem],
}

/// A likelihood or impact: a number (`3`), or a number with the label the
/// register publishes (`Possible (3)`, or `{ value: 3, label: Possible }`),
/// which is printed instead of the scale's label.
fn level(n: &Node, diags: &mut Diagnostics) -> Option<(Sp<i64>, Option<String>)> {
    #[cfg(test)]
    {
        crate::validate::record::read(n, crate::validate::record::Read::Integer);
        crate::validate::record::read(
            n,
            crate::validate::record::Read::Pattern(
                "^.*\\(\\s*-?[0-9]+\\s*\\)\\s*$",
                "a label with its number, e.g. Possible (3)",
            ),
        );
    }
    match &n.kind {
        NodeKind::Map(_) => {
            let mut m = MapReader::new(n, "a rated level", diags)?;
            let v = m.req("value").and_then(|v| int(v, m.diags));
            let label = m.opt_text("label").map(|t| t.value);
            m.finish();
            Some((v?, label))
        }
        NodeKind::Str(s) => {
            let t = s.trim();
            let parsed = t
                .strip_suffix(')')
                .and_then(|x| x.rsplit_once('('))
                .and_then(|(label, num)| {
                    Some((label.trim().to_string(), num.trim().parse::<i64>().ok()?))
                });
            match parsed {
                Some((label, v)) if !label.is_empty() => {
                    Some((Sp::new(v, n.span.clone()), Some(label)))
                }
                _ => {
                    diags.push(
                        super::wrong(n, "a number, or a label with its number such as `Possible (3)`")
                            .help("write the level as a number (3), or with the label the register publishes: `Possible (3)`"),
                    );
                    None
                }
            }
        }
        _ => int(n, diags).map(|v| (v, None)),
    }
}

fn rating(
    n: &Node,
    scales: &Scales,
    what: &'static str,
    diags: &mut Diagnostics,
) -> Option<Rating> {
    let scheme = scales.scheme;
    if let NodeKind::Str(_) = &n.kind {
        // A rating in words, from the register's `risk-scale`.
        if scales.words.is_empty() {
            diags.push(
                Diagnostic::error(
                    Code::NotOnScale,
                    format!("{what} is written in words, but this register declares no `risk-scale`"),
                )
                .at(&n.span, "a rating in words")
                .help("declare the words under `risk-scale:` (best to worst, each with `name`, `colour` and an optional `meaning`), or rate by `{ likelihood: 3, impact: 4 }`"),
            );
            return None;
        }
        let w = super::on_scale(
            n,
            scales.words.iter().map(|s| s.name.as_str()),
            "risk scale",
            "use a rating declared in `risk-scale`, or add this one there",
            diags,
        )?;
        return Some(Rating {
            likelihood: None,
            impact: None,
            likelihood_label: None,
            impact_label: None,
            score: None,
            band: w.value,
            words: true,
        });
    }
    let mut m = MapReader::new(n, what, diags)?;
    let l = m.opt("likelihood").and_then(|v| level(v, m.diags));
    let i = m.opt("impact").and_then(|v| level(v, m.diags));
    let s = m.opt("score").and_then(|v| int(v, m.diags));
    let (l_label, i_label) = (
        l.as_ref().and_then(|x| x.1.clone()),
        i.as_ref().and_then(|x| x.1.clone()),
    );
    let (l, i) = (l.map(|x| x.0), i.map(|x| x.0));
    let span = m.span().clone();
    m.finish();
    let mut ok = true;
    let max_l = scheme.likelihood.iter().map(|x| x.value).max().unwrap_or(0);
    let max_i = scheme.impact.iter().map(|x| x.value).max().unwrap_or(0);
    for (v, levels, name, max) in [
        (&l, &scheme.likelihood, "likelihood", max_l),
        (&i, &scheme.impact, "impact", max_i),
    ] {
        if let Some(v) = v
            && !scheme.broken
            && !levels.iter().any(|x| i64::from(x.value) == v.value)
        {
            diags.push(
                Diagnostic::error(
                    Code::OutOfScale,
                    format!("{name} {} is outside the scale 1 to {max}", v.value),
                )
                .at(&v.span, format!("expected 1 to {max}"))
                .help(format!(
                    "use a {name} value from the scheme's `{name}` levels"
                )),
            );
            ok = false;
        }
    }
    let score = match (&l, &i, &s) {
        (Some(l), Some(i), Some(s)) => {
            let product = l.value * i.value;
            if s.value != product {
                diags.push(
                    Diagnostic::error(
                        Code::ScoreMismatch,
                        format!(
                            "score {} is not likelihood × impact ({} × {} = {product})",
                            s.value, l.value, i.value
                        ),
                    )
                    .at(&s.span, format!("written as {}", s.value))
                    .also(&l.span, format!("likelihood {}", l.value))
                    .also(&i.span, format!("impact {}", i.value))
                    .help(format!(
                        "write `score: {product}` or remove `score` and let quire compute it"
                    )),
                );
                ok = false;
            }
            product
        }
        (Some(l), Some(i), None) => l.value * i.value,
        (None, None, Some(s)) => s.value,
        _ => {
            diags.push(
                Diagnostic::error(
                    Code::MissingField,
                    format!("{what} needs both `likelihood` and `impact`, or a published `score`"),
                )
                .at(&span, "incomplete rating")
                .help("write e.g. `{ likelihood: 3, impact: 5 }`"),
            );
            return None;
        }
    };
    let score_u = u32::try_from(score).unwrap_or(0);
    let band = match scheme.band(score_u) {
        Some(b) => b.name.clone(),
        // The scheme's own errors are reported; its ratings are not checked.
        None if scheme.broken => return None,
        None => {
            let sp = s.as_ref().map_or(&span, |s| &s.span);
            diags.push(
                Diagnostic::error(
                    Code::OutOfScale,
                    format!("score {score} falls in no band of the scheme"),
                )
                .at(sp, "no band covers this score")
                .help(format!(
                    "the bands are: {}",
                    scheme
                        .bands
                        .iter()
                        .map(|b| format!("{} {}–{}", b.name, b.min, b.max))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            );
            return None;
        }
    };
    if !ok {
        return None;
    }
    Some(Rating {
        likelihood: l.map(|v| v.value as u32),
        impact: i.map(|v| v.value as u32),
        likelihood_label: l_label,
        impact_label: i_label,
        score: Some(score_u),
        band,
        words: false,
    })
}

fn risk(
    n: &Node,
    scheme: &Scales,
    as_at: chrono::NaiveDate,
    diags: &mut Diagnostics,
) -> Option<Risk> {
    let mut m = MapReader::new(n, "a risk", diags)?;
    let id = m.text("id");
    let title = m.text("title");
    let description = m.opt_text("description").map(|t| t.value);
    let cause = m.opt_text("cause").map(|t| t.value);
    let event = m.opt_text("event").map(|t| t.value);
    let consequence = m.opt_text("consequence").map(|t| t.value);
    let owners = m.texts("owners", true);
    let owners_node = m.opt("owners");
    let cabinet_members = m.texts("cabinet-members", false);
    let inherent = m
        .opt("inherent")
        .and_then(|n| rating(n, scheme, "the inherent rating", m.diags));
    let current = m
        .opt("current")
        .and_then(|n| rating(n, scheme, "the current rating", m.diags));
    let target_node = m.opt("target");
    let target = target_node.and_then(|n| rating(n, scheme, "the target rating", m.diags));
    let previous = m
        .opt("previous")
        .and_then(|n| rating(n, scheme, "the previous rating", m.diags));
    let direction = m.opt("direction").and_then(|n| direction(n, m.diags));
    let group = m.opt_text("group").map(|t| t.value);
    let impact = m.opt_text("impact").map(|t| t.value);
    let strategy = m.opt_text("strategy").map(|t| t.value);
    let timescale_to_target = m.opt_text("timescale-to-target").map(|t| t.value);
    let last_review = m.opt_date("last-review").map(|d| d.value);
    let next_review = m.opt_date("next-review").map(|d| d.value);
    let status = m
        .opt("status")
        .and_then(|n| one_of(n, &["open", "closed"], "risk status", m.diags))
        .map_or("open".into(), |t| t.value);
    let summary = m.opt_text("summary");
    let related_reports = m.list("related-reports", false, |n, d| {
        let mut r = MapReader::new(n, "a related report", d)?;
        let committee = r.text("committee");
        let date = r.opt_date("date").map(|d| d.value);
        let item = r.opt_text("item").map(|t| t.value);
        let url = r.opt_text("url").and_then(|t| super::url(t, r.diags));
        r.finish();
        Some(RelatedReport {
            committee: committee?.value,
            date,
            item,
            url,
        })
    });
    let controls = m.list("controls", false, |n, d| {
        let mut c = MapReader::new(n, "a control", d)?;
        let title = c.text("title");
        let owner = owner(&mut c);
        let effectiveness = c
            .opt("effectiveness")
            .and_then(|n| {
                one_of(
                    n,
                    &["good", "adequate", "weak"],
                    "control effectiveness",
                    c.diags,
                )
            })
            .map(|t| t.value);
        c.finish();
        Some(Control {
            title: title?.value,
            owner: owner?,
            effectiveness,
        })
    });
    let actions = m.list("actions", false, |n, d| {
        let mut a = MapReader::new(n, "an action", d)?;
        let title = a.text("title");
        let owner = owner(&mut a);
        let planned = a.req("planned-completion").and_then(|n| text(n, a.diags));
        a.finish();
        let planned = planned?;
        let pc = AsWritten::parse(&planned.value);
        let overdue = pc.date.is_some_and(|d| d < as_at);
        if overdue {
            a_overdue(&planned, as_at, d);
        }
        Some(Action {
            title: title?.value,
            owner: owner?,
            planned_completion: pc,
            overdue,
        })
    });
    let span = m.span().clone();
    m.finish();
    if owners.iter().all(|o| o.value.trim().is_empty()) && owners_node.is_some() {
        diags.push(
            Diagnostic::error(Code::EmptyOwner, "a risk must have at least one named owner")
                .at(&owners_node.map_or(span.clone(), |n| n.span.clone()), "empty")
                .help("name the risk owner, e.g. `owners: [Corporate Director, Children, Young People and Education]`"),
        );
    }
    if let (Some(c), Some(t), Some(tn)) = (&current, &target, target_node)
        && let (Some(ts), Some(cs)) = (t.score, c.score)
        && ts > cs
    {
        diags.push(
            Diagnostic::warning(
                Code::TargetWorse,
                format!("target score {ts} is worse than the current score {cs}"),
            )
            .at(&tn.span, "target")
            .help("a target is normally at or below the current score; check the two ratings"),
        );
    }
    Some(Risk {
        id: id?,
        title: title?.value,
        description,
        cause,
        event,
        consequence,
        owners: owners
            .into_iter()
            .map(|o| o.value)
            .filter(|o| !o.trim().is_empty())
            .collect(),
        cabinet_members: cabinet_members.into_iter().map(|o| o.value).collect(),
        inherent,
        current,
        target,
        previous,
        direction,
        group,
        impact,
        strategy,
        timescale_to_target,
        last_review,
        next_review,
        status,
        summary,
        related_reports,
        controls,
        actions,
    })
}

/// A direction of travel as the council published it: one of
/// [`Direction::WORDS`], any case; anything else is an error at the value
/// listing the words.
fn direction(n: &Node, diags: &mut Diagnostics) -> Option<Sp<Direction>> {
    #[cfg(test)]
    crate::validate::record::read(
        n,
        crate::validate::record::Read::OneOf(
            Direction::WORDS.iter().map(|w| w.to_string()).collect(),
        ),
    );
    let t = text(n, diags)?;
    if let Some(d) = Direction::parse(&t.value) {
        return Some(Sp::new(d, t.span));
    }
    let mut d = Diagnostic::error(
        Code::InvalidValue,
        format!("`{}` is not a direction of travel", t.value),
    )
    .at(
        &n.span,
        format!("expected one of: {}", Direction::WORDS.join(", ")),
    );
    if let Some(s) = crate::diag::did_you_mean(&t.value, Direction::WORDS.iter().copied()) {
        d = d.help(format!("did you mean `{s}`?"));
    }
    diags.push(d.help(format!(
        "write the direction as the council published it: {} (an arrow is printed with the word)",
        Direction::WORDS.join(", ")
    )));
    None
}

/// Each direction of travel a risk publishes (`direction:`) against the one
/// its inputs give (its declared `previous:` rating, else the `previous`
/// snapshot): where both exist and disagree, a warning at the published
/// value. The published direction is printed either way.
pub fn check_directions(reg: &Register, previous: Option<&Register>, diags: &mut Diagnostics) {
    use crate::model::risk::computed_direction;
    for r in &reg.risks {
        let Some(published) = &r.direction else {
            continue;
        };
        let Some(computed) = computed_direction(r, reg, previous) else {
            continue;
        };
        if computed == published.value {
            continue;
        }
        let text = |x: &Option<Rating>| match x {
            None => "not rated".to_string(),
            Some(x) if x.words => x.band.clone(),
            Some(x) => format!("{} ({})", x.score.unwrap_or(0), x.band),
        };
        let now = text(&r.current);
        let (against, why) = match (&r.previous, previous) {
            (Some(old), _) => (
                "its previous rating",
                format!(
                    "the risk's `previous:` rating is {} and its current rating {now}: {}",
                    text(&Some(old.clone())),
                    computed.word()
                ),
            ),
            (None, Some(p)) => match p.risk(&r.id.value) {
                None => (
                    "the previous snapshot",
                    format!(
                        "the previous snapshot (as at {}) does not hold {}: new",
                        crate::model::dates::long_date(p.as_at),
                        r.id.value
                    ),
                ),
                Some(o) => (
                    "the previous snapshot",
                    format!(
                        "the previous snapshot (as at {}) rates it {} and the register {now}: {}",
                        crate::model::dates::long_date(p.as_at),
                        text(&o.current),
                        computed.word()
                    ),
                ),
            },
            (None, None) => continue,
        };
        let mut d = Diagnostic::warning(
            Code::DirectionDisagrees,
            format!(
                "risk {} is published as `{}` but {against} gives `{}`",
                r.id.value,
                published.value.word(),
                computed.word()
            ),
        )
        .at(
            &published.span,
            format!("published as {}", published.value.word()),
        )
        .note(why);
        if let Some(o) = previous.and_then(|p| p.risk(&r.id.value))
            && r.previous.is_none()
        {
            d = d.also(&o.id.span, "the risk in the previous snapshot");
        }
        diags.push(d.help(
            "check the direction against the council's published register, or the ratings it is compared with; the direction is printed as published",
        ));
    }
}

fn owner(m: &mut MapReader) -> Option<String> {
    let o = m.text("owner")?;
    if o.value.trim().is_empty() {
        m.diags.push(
            Diagnostic::error(Code::EmptyOwner, "the owner is empty")
                .at(&o.span, "empty")
                .help("name the person or role responsible"),
        );
        return None;
    }
    Some(o.value)
}

fn a_overdue(planned: &Sp<String>, as_at: chrono::NaiveDate, d: &mut Diagnostics) {
    d.push(
        Diagnostic::warning(
            Code::Overdue,
            format!(
                "action planned for `{}` is overdue at the register date ({})",
                planned.value,
                crate::model::dates::long_date(as_at)
            ),
        )
        .at(&planned.span, "planned completion has passed")
        .help("update the planned completion date, or record the action as complete"),
    );
}
