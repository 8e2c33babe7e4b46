#!/usr/bin/env python3
"""Generate synthetic quire projects for the benchmarks (stdlib only).

    generate.py register N DIR              one paper with an N-risk register appendix
    generate.py app AREAS ACTIONS KPIS DIR  one Accelerated Progress Plan
    generate.py papers N DIR                N small committee papers, no registers

DIR is created (it must not exist, or must be empty). Every project gets a
quire.yaml, its content/ and a copy of the repository's layouts/ (override with
--layouts PATH). Output is deterministic: the same arguments give the same files.
Every generated project passes `quire check` with no errors and no warnings.
"""

import argparse
import json
import random
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

ORG = "Benchshire County Council"

WORDS = (
    "budget demand capacity staffing placements transport schools contracts "
    "safeguarding housing highways waste libraries procurement systems data "
    "partners funding inflation recruitment retention compliance inspection "
    "assurance reporting governance delivery savings estates energy climate"
).split()

MONTHS = (
    "January February March April May June July August September October "
    "November December"
).split()


def q(s):
    """A YAML double-quoted scalar (JSON strings are valid YAML)."""
    return json.dumps(str(s), ensure_ascii=False)


def sentence(rng, lead, n=8):
    words = [rng.choice(WORDS) for _ in range(n)]
    return f"{lead} {' '.join(words)}."


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def start_project(root, layouts):
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        sys.exit(f"generate.py: {root} exists and is not empty")
    root.mkdir(parents=True, exist_ok=True)
    write(
        root / "quire.yaml",
        f"organisation:\n  name: {q(ORG)}\n  short-name: BCC\n"
        "defaults:\n  classification: Unrestricted\n  language: en-GB\n"
        "  paper-size: a4\n  financial-year-style: dash\n"
        "  negative-money: brackets\n  no-data: no data\n",
    )
    src = Path(layouts)
    if not src.is_dir():
        sys.exit(f"generate.py: no layouts folder at {src}")
    shutil.copytree(src, root / "layouts")
    (root / "content").mkdir(exist_ok=True)
    return root


def paper_head(subject, meeting_date, extra=""):
    return (
        "kind: committee-report\n"
        "committee: Policy and Resources Cabinet Committee\n"
        f"meeting-date: {meeting_date}\n"
        f"subject: {q(subject)}\n"
        "classification: Unrestricted\n"
        "from:\n"
        "  - name: A. Member\n"
        "    role: Cabinet Member for Finance and Resources\n"
        "  - name: B. Director\n"
        "    role: Corporate Director of Finance\n"
        "past-pathway: None\n"
        "future-pathway: None\n"
        "electoral-divisions: [All]\n"
        "contacts:\n"
        "  author: { name: C. Officer, title: Report author, telephone: \"03000 000001\", "
        "email: c.officer@example.gov.uk }\n"
        "  director: { name: B. Director, title: Corporate Director of Finance, "
        "telephone: \"03000 000002\", email: b.director@example.gov.uk }\n"
        "background-documents:\n"
        "  - title: Risk management policy and toolkit\n"
        "    url: https://example.gov.uk/risk-policy\n" + extra
    )


# --------------------------------------------------------------------- register

def gen_register(n, root, layouts):
    rng = random.Random(1000 + n)
    root = start_project(root, layouts)
    lines = [
        "register:",
        "  name: Corporate Risk Register (synthetic)",
        "  owner: Strategic Management Team",
        "  as-at: 2026-03-26",
        "risks:",
    ]
    for i in range(1, n + 1):
        cl, ci = rng.randint(1, 5), rng.randint(1, 5)
        il, ii = min(5, cl + rng.randint(0, 1)), min(5, ci + rng.randint(0, 1))
        tl, ti = max(1, cl - rng.randint(0, 2)), max(1, ci - rng.randint(0, 1))
        topic = rng.choice(WORDS)
        lines += [
            f"  - id: R{i:04d}",
            f"    title: {q(f'Risk {i}: pressure on {topic} and {rng.choice(WORDS)}')}",
            f"    cause: {q(sentence(rng, 'Rising pressure on'))}",
            f"    event: {q(sentence(rng, 'The council cannot maintain'))}",
            f"    consequence: {q(sentence(rng, 'Residents experience poorer'))}",
            f"    owners: [{q(f'Director of {topic.capitalize()}')}]",
            "    cabinet-members: [\"Cabinet Member for Finance and Resources\"]",
            f"    inherent: {{ likelihood: {il}, impact: {ii} }}",
            f"    current: {{ likelihood: {cl}, impact: {ci}, score: {cl * ci} }}",
            f"    target: {{ likelihood: {tl}, impact: {ti} }}",
            f"    timescale-to-target: {q(f'{rng.choice(MONTHS)} {rng.choice((2027, 2028))}')}",
            "    last-review: 2026-02-15",
            "    next-review: 2026-05-15",
            "    status: open",
            "    controls:",
        ]
        for c in range(3):
            eff = rng.choice(("good", "adequate", "weak"))
            lines += [
                f"      - title: {q(sentence(rng, f'Control {c + 1}: regular review of', 5))}",
                f"        owner: {q(f'Head of {rng.choice(WORDS).capitalize()}')}",
                f"        effectiveness: {eff}",
            ]
        lines.append("    actions:")
        for a in range(2):
            year = rng.choice((2026, 2027))
            month = rng.choice(MONTHS[3:]) if year == 2026 else rng.choice(MONTHS)
            lines += [
                f"      - title: {q(sentence(rng, f'Action {a + 1}: improve', 6))}",
                f"        owner: {q(f'Head of {rng.choice(WORDS).capitalize()}')}",
                f"        planned-completion: {q(f'{month} {year}')}",
            ]
    write(root / "content" / "registers" / "main.yaml", "\n".join(lines) + "\n")

    doc = root / "content" / "risk-register"
    write(
        doc / "paper.yaml",
        paper_head(
            f"Corporate risk register: {n} risks",
            "2026-03-26",
            "summary: |\n"
            "  This paper presents the corporate risk register, which holds\n"
            "  {{ registers.main.risks | length }} risks.\n"
            "recommendations:\n"
            "  - The committee is asked to **NOTE** the risks set out in the appendix.\n"
            "registers:\n"
            "  main: ../registers/main.yaml\n"
            "appendices:\n"
            "  - title: Corporate risk register\n"
            "    register: main\n",
        ),
    )
    write(
        doc / "01-overview.md",
        "# Overview\n\n"
        "The register holds {{ registers.main.risks | length }} risks. The first, "
        "{{ risk(\"R0001\").title }}, has a current score of "
        "{{ risk(\"R0001\").current.score }}.\n\n"
        "The table below lists the risks scored 16 or more.\n\n"
        "{{ risk_table(\"main\", min_score=16) }}\n\n"
        "The full register is attached as an appendix.\n",
    )


# -------------------------------------------------------------------------- app

BRAG = (
    ("Red", "#f4a3a3", "The action is behind schedule.", "The benefit is not being achieved."),
    ("Amber", "#ffd966", "The action is on schedule.", "The benefit is on course."),
    ("Green", "#8fd19e", "The action has been finished.", "First signs of benefit can be seen."),
    ("Blue", "#9dc3e6", "The change is established and will last.", "Benefit is sustained."),
)


def gen_app(n_areas, n_actions, n_kpis, root, layouts):
    rng = random.Random(7 * n_areas + 13 * n_actions + n_kpis)
    root = start_project(root, layouts)
    kpi_ids = [f"K{k:04d}" for k in range(1, n_kpis + 1)]
    total_actions = n_areas * n_actions
    if n_kpis and not total_actions:
        sys.exit("generate.py: KPIs need at least one action to refer to them")
    # Every KPI is referred to by at least one action (no "unused KPI" warnings):
    # KPI k goes to action k mod total; each action also gets one more KPI.
    refs = [[] for _ in range(total_actions)]
    for k, kid in enumerate(kpi_ids):
        refs[k % total_actions].append(kid)
    for r in refs:
        if kpi_ids:
            extra = rng.choice(kpi_ids)
            if extra not in r:
                r.append(extra)

    out = [
        "kind: app-report",
        "layout: app-report@1",
        f"title: {q(f'Benchshire Accelerated Progress Plan ({n_areas} areas)')}",
        "local-area: Benchshire",
        "inspection-date: 2025-01-15",
        "plan-period: April 2025 to March 2027",
        # Baselines 2025-04-01; actuals up to 2026-01-01; every by-when is later
        # than this, and no target is TBC, so nothing is overdue.
        "report-date: 2026-01-31",
        "brag-scale:",
    ]
    for name, colour, prog, imp in BRAG:
        out.append(f"  - {{ name: {name}, colour: {q(colour)}, progress: {q(prog)}, impact: {q(imp)} }}")
    out += [
        "kpi-rag-scale:",
        '  - { name: Red, colour: "#f4a3a3", meaning: "Minimum standard not achieved." }',
        '  - { name: Amber, colour: "#ffd966", meaning: "Standard achieved, target not met." }',
        '  - { name: Green, colour: "#8fd19e", meaning: "Target achieved." }',
        "areas:",
    ]
    a_index = 0
    for area in range(1, n_areas + 1):
        out += [
            f"  - number: {area}",
            f"    title: {q(sentence(rng, f'Area {area}: weaknesses in', 5))}",
            "    summary: |",
            f"      {sentence(rng, 'Families report poor', 10)}",
            "    sub-themes:",
        ]
        # ACTIONS actions shared across 4 sub-themes, as evenly as possible.
        per = [n_actions // 4 + (1 if s < n_actions % 4 else 0) for s in range(4)]
        for s, letter in enumerate("abcd"):
            sid = f"{area}{letter}"
            out += [
                f"      - id: {sid}",
                f"        title: {q(sentence(rng, 'Too little', 5))}",
            ]
            if per[s] == 0:
                out.append("        actions: []")
                continue
            out.append("        actions:")
            for j in range(1, per[s] + 1):
                progress = rng.choice(("Red", "Amber", "Green", "Blue"))
                impact = rng.choice(("Red", "Amber", "Green"))
                by_when = rng.choice(
                    ("30 June 2026", "30 September 2026", "March 2027", "Ongoing", "31/12/2026")
                )
                kp = refs[a_index]
                a_index += 1
                out += [
                    f"          - id: {sid.upper()}{j}",
                    f"            description: {q(sentence(rng, 'Put in place a plan for', 14))}",
                    f"            by-when: {q(by_when)}",
                    f"            officers: [{q(f'Head of {rng.choice(WORDS).capitalize()}')}]",
                    f"            progress: {progress}",
                    f"            impact: {impact}",
                    "            evidence:",
                    f"              - {q(sentence(rng, 'Records of', 6))}",
                    f"              - {q(sentence(rng, 'Survey results on', 6))}",
                    f"            kpis: [{', '.join(kp)}]",
                    f"            measures: [{q(sentence(rng, 'Visits to', 3))}]",
                ]
    out.append("kpis:" if kpi_ids else "kpis: []")
    for k, kid in enumerate(kpi_ids):
        unit = ("%", "count", "days", "rate")[k % 4]
        higher = rng.random() < 0.6
        base = round(rng.uniform(20, 60), 1) if unit == "%" else rng.randint(10, 200)
        step = (5 if unit == "%" else max(1, base // 10)) * (1 if higher else -1)
        targets = [round(base + step * (m + 1), 1) for m in range(4)]
        standard = round(base + step * 0.5, 1)
        actuals = [round(base + step * rng.uniform(-0.5, 1.5) * (m + 1) / 2, 1) for m in range(3)]
        if unit == "%":
            targets = [min(100, max(0, t)) for t in targets]
            actuals = [min(100, max(0, a)) for a in actuals]
        out += [
            f"  - id: {kid}",
            f"    name: {q(sentence(rng, f'Measure {k + 1}: share of', 6))}",
            f"    definition: {q(sentence(rng, 'Counted as', 8))}",
            "    source: Case management system",
            "    frequency: Quarterly",
            f"    unit: {q(unit)}",
            f"    polarity: {'higher' if higher else 'lower'}",
            f"    standard: {standard}",
            f"    high-impact: {'true' if k % 5 == 0 else 'false'}",
            f"    baseline: {{ value: {base}, date: 2025-04-01 }}",
            "    targets:",
        ]
        for at, v in zip(("3 months", "6 months", "12 months", "24 months"), targets):
            out.append(f"      - {{ at: {at}, value: {v} }}")
        out.append("    actuals:")
        for d, v in zip(("2025-07-01", "2025-10-01", "2026-01-01"), actuals):
            out.append(f"      - {{ date: {d}, value: {v} }}")
    out.append("partnership-risks:")
    for r in range(3):
        out += [
            f"  - date-raised: 2025-0{r + 4}-15",
            f"    risk: {q(sentence(rng, 'Partners lack', 8))}",
            "    severity: High",
            "    mitigation: |",
            f"      - {sentence(rng, 'Joint funding for', 6)}",
            f"      - {sentence(rng, 'Training on', 6)}",
            "    post-mitigation-severity: Medium",
            "    progress: Reviewed through the monthly assurance reports.",
        ]
    write(root / "content" / "app-plan" / "plan.yaml", "\n".join(out) + "\n")


# ----------------------------------------------------------------------- papers

def gen_papers(n, root, layouts):
    rng = random.Random(42 + n)
    root = start_project(root, layouts)
    for i in range(1, n + 1):
        doc = root / "content" / f"paper-{i:04d}"
        topic = rng.choice(WORDS)
        budget = rng.randint(1_000_000, 90_000_000)
        forecast = budget + rng.randint(-2_000_000, 3_000_000)
        write(
            doc / "paper.yaml",
            paper_head(
                f"Paper {i}: {topic} monitoring",
                f"2026-0{1 + i % 9}-{10 + i % 18}",
                f"decision-number: \"26/{i:05d}\"\n"
                "summary: |\n"
                f"  This paper reports on {topic}. The forecast is\n"
                "  {{ data.forecast | money }} against a budget of {{ data.budget | money }}.\n"
                "recommendations:\n"
                "  - The committee is asked to **NOTE** the forecast.\n"
                "  - The committee is asked to **AGREE** the next steps.\n"
                "data:\n"
                f"  budget: {budget}\n"
                f"  forecast: {forecast}\n"
                f"  share: {round(rng.uniform(0.01, 0.5), 3)}\n",
            ),
        )
        rows = "\n".join(
            f"| {rng.choice(WORDS).capitalize()} | £{rng.randint(10, 999)},{rng.randint(100, 999)} "
            f"| £{rng.randint(10, 999)},{rng.randint(100, 999)} |"
            for _ in range(4)
        )
        write(
            doc / "01-background.md",
            "# Background\n\n"
            f"{sentence(rng, 'This paper covers', 20)}\n\n"
            "The forecast is {{ data.forecast | money }}, and the share of spend on "
            f"{topic} is {{{{ data.share | percent(ratio=true) }}}}.\n\n"
            f"{sentence(rng, 'Officers continue to monitor', 16)}\n",
        )
        write(
            doc / "02-position.md",
            "# Financial position\n\n"
            f"{sentence(rng, 'The main pressures are', 18)}\n\n"
            "| Service | Budget | Forecast |\n|---|---:|---:|\n" + rows + "\n\n"
            f"- {sentence(rng, 'Savings from', 6)}\n- {sentence(rng, 'Pressure on', 6)}\n",
        )


# ------------------------------------------------------------------------- main

def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--layouts", default=str(REPO / "layouts"), help="layouts folder to copy (default: the repository's)")
    sub = p.add_subparsers(dest="kind", required=True)
    r = sub.add_parser("register", help="one paper with an N-risk register appendix")
    r.add_argument("n", type=int)
    r.add_argument("dir")
    a = sub.add_parser("app", help="one Accelerated Progress Plan")
    a.add_argument("areas", type=int)
    a.add_argument("actions", type=int, help="actions per area (shared by its 4 sub-themes)")
    a.add_argument("kpis", type=int)
    a.add_argument("dir")
    s = sub.add_parser("papers", help="N small committee papers")
    s.add_argument("n", type=int)
    s.add_argument("dir")
    args = p.parse_args()
    for v in ("n", "areas", "actions", "kpis"):
        if getattr(args, v, 0) < 0:
            p.error(f"{v} must not be negative")
    if args.kind == "register":
        if args.n < 1:
            p.error("a register needs at least 1 risk")
        gen_register(args.n, args.dir, args.layouts)
    elif args.kind == "app":
        if args.areas < 1:
            p.error("a plan needs at least 1 area")
        gen_app(args.areas, args.actions, args.kpis, args.dir, args.layouts)
    else:
        gen_papers(args.n, args.dir, args.layouts)


if __name__ == "__main__":
    main()
