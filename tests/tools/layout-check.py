#!/usr/bin/env python3
"""Layout check on built PDFs, run by the e2e test `layout::every_page_is_fit_to_publish`.

Fails on what a clerk would not publish:
- overlap: two words whose boxes intersect by more than 30% of the smaller box
  (text printed over text, as when a table column collapses);
- overprinted rows: three or more different words drawn over one another (a table
  that cannot break across pages, its rows piled at the foot of the page),
  reported once per pile;
- outside: a word whose box leaves the page;
- stray page: a page whose body (between running header and footer) holds 1 to 20
  words, the tail of a table row or paragraph spilled onto a page of its own;
- heading at foot: a bookmarked heading with nothing after it on its page;
- short page: a page whose body is under a quarter full and that is not the last of
  its section (the next page does not start with a bookmarked heading) nor of the file;
- split row without its label: a page whose table continues a row from the page
  before (under the repeated header row, the row's first column is empty or its text
  runs on in lower case) with no "(continued)" label at its head;
- moving columns: two tables with the same header row whose columns stand at other
  places (a header word more than 3 pt from where it stood in the first such table,
  on pages of the same width).

Usage: layout-check.py FILE.pdf...   One line per defect (file, page, what), then a
summary line; exit status 1 when any defect is found. Uses poppler's `pdftotext -bbox`
for word boxes and `qpdf --json` for the bookmarks (their destinations give where each
heading stands on its page).
"""
import json
import re
import subprocess
import sys
from html import unescape

WORD = re.compile(r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>')
PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
# The running header and footer stand in these top and bottom fractions of a page.
HEAD, FOOT = 0.075, 0.925


def pages(pdf):
    html = subprocess.run(["pdftotext", "-bbox", pdf, "-"], capture_output=True, text=True, check=True).stdout
    out = []
    for w, h, body in PAGE.findall(html):
        words = [(float(a), float(b), float(c), float(d), unescape(t)) for a, b, c, d, t in WORD.findall(body)]
        out.append((float(w), float(h), words))
    return out


def bookmarks(pdf):
    """(page from 1, top y in pdftotext's top-down coordinates, title) of every bookmark."""
    raw = subprocess.run(["qpdf", "--json=2", "--json-key=outlines", pdf], capture_output=True, text=True).stdout
    try:
        tree = json.loads(raw).get("outlines", [])
    except json.JSONDecodeError:
        return []
    out = []

    def walk(items):
        for o in items:
            d = o.get("dest") or []
            if len(d) >= 4 and d[1] == "/XYZ" and isinstance(d[3], (int, float)) and o.get("destpageposfrom1"):
                out.append((o["destpageposfrom1"], float(d[3]), o.get("title", "")))
            walk(o.get("kids", []))

    walk(tree)
    return out


def body(words, H):
    return [w for w in words if HEAD * H < w[1] and w[3] < FOOT * H]


def lines(words):
    """Words grouped into lines (top within 2 pt), top to bottom, each left to right."""
    out = []
    for w in sorted(words, key=lambda w: (w[1], w[0])):
        if out and abs(out[-1][0][1] - w[1]) <= 2:
            out[-1].append(w)
        else:
            out.append([w])
    return [sorted(l) for l in out]


def text(line):
    return " ".join(w[4] for w in line)


def fill(words, H):
    """How far down the body a page's words reach, from 0 (empty) to 1 (full)."""
    b = body(words, H)
    if not b:
        return 0.0
    return (max(w[3] for w in b) - HEAD * H) / ((FOOT - HEAD) * H)


def split_row(prev, words, H):
    """The continued row's first line on a page whose table runs on from `prev`
    (a header row repeated from the page before, then a row whose first column
    is empty or runs on in lower case), when no "(continued)" label says whose
    row it is; else None."""
    ls = lines(body(words, H))
    if any("(continued)" in text(l) for l in ls[:3]):
        return None
    before = {text(l) for l in lines(body(prev, H))}
    header = []
    for l in ls:
        if text(l) in before and (header or len(l) >= 2):
            header.append(l)
        else:
            break
    if not header or len(ls) <= len(header):
        return None
    left = min(w[0] for w in header[0])
    row = ls[len(header)]
    first = row[0]
    if first[0] > left + 10 or first[4][:1].islower():
        return text(row)
    return None


def defects(pdf):
    ps = pages(pdf)
    marks = bookmarks(pdf)
    heads = {}
    for n, (W, H, words) in enumerate(ps, 1):
        if n < len(ps) and fill(words, H) < 0.25 and words:
            nW, nH, nwords = ps[n]
            nb = body(nwords, nH)
            top = min((w[1] for w in nb), default=nH)
            starts = any(p == n + 1 and (nH - y) <= top + 0.15 * nH for p, y, _ in marks)
            blank = "blank" in " ".join(w[4] for w in words).lower()
            if not starts and not blank:
                yield n, f"short page: under a quarter full ({fill(words, H):.0%}) and not the last of its section"
        if n > 1 and ps[n - 2][0] == W:
            row = split_row(ps[n - 2][2], words, H)
            if row is not None:
                yield n, f"split row without its label: {row[:60]!r}"
        for l in lines(body(words, H)):
            if len(l) < 3 or not is_header(l):
                continue
            here = {w[4]: w[0] for w in l}
            if len(here) < len(l):
                continue  # a word twice: its places cannot be matched
            seen = heads.setdefault(W, [])
            for was_page, was_text, was in seen:
                common = [t for t in here if t in was]
                if len(common) >= 3 and len(common) >= 0.75 * max(len(here), len(was)):
                    moved = [t for t in common if abs(here[t] - was[t]) > 3]
                    if moved:
                        yield n, f"moving columns: {moved[0]!r} of {text(l)[:50]!r} stands elsewhere than on page {was_page}"
                        break
            else:
                if all(text(l) != t for _, t, _ in seen):
                    seen.append((n, text(l), here))
    for n, (W, H, words) in enumerate(ps, 1):
        for x0, y0, x1, y1, t in words:
            if x0 < -1 or y0 < -1 or x1 > W + 1 or y1 > H + 1:
                yield n, f"outside the page: {t!r}"
        b = [w[4] for w in body(words, H)]
        if 0 < len(b) <= 20 and "blank" not in " ".join(b).lower():
            yield n, f"stray page: {' '.join(b)!r}"
        ws = sorted(words)
        pairs = []
        for i, (ax0, ay0, ax1, ay1, at) in enumerate(ws):
            for bx0, by0, bx1, by1, bt in ws[i + 1:]:
                if bx0 >= ax1:
                    break
                ix = min(ax1, bx1) - max(ax0, bx0)
                iy = min(ay1, by1) - max(ay0, by0)
                if ix <= 0 or iy <= 0:
                    continue
                small = min((ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0))
                if small > 0 and ix * iy > 0.3 * small:
                    pairs.append(((ax0, ay0, ax1, ay1, at), (bx0, by0, bx1, by1, bt)))
        # Rows printed over each other (a table that cannot break, overflowing
        # at the foot of a page): many lines of text stacked on one place.
        # One defect for the pile, naming the lines it holds; other overlaps
        # are reported pair by pair.
        piles = overprinted_rows(pairs)
        in_pile = set()
        for count, y, members in piles:
            in_pile |= members
            yield n, f"overprinted rows: {count} words drawn over each other near y={y:.0f} ({', '.join(sorted({w[4] for w in members})[:6])}, …)"
        for a, b in pairs:
            if a not in in_pile or b not in in_pile:
                yield n, f"overlap: {a[4]!r} / {b[4]!r}"
    for n, y, title in bookmarks(pdf):
        if n >= len(ps) or not title.strip():
            continue  # a heading on the last page has nothing to be kept with
        W, H, words = ps[n - 1]
        top = H - y
        after = sorted((w for w in body(words, H) if w[1] >= top - 2), key=lambda w: (round(w[1]), w[0]))
        # Drop the heading's own words (it may wrap, and long words may be broken).
        want = norm(title)
        rest = list(after)
        got = ""
        while rest and want.startswith(got + norm(rest[0][4])) and len(got) < len(want):
            got += norm(rest.pop(0)[4])
        if not rest and after:
            yield n, f"heading at the foot of the page: {title!r}"


def overprinted_rows(pairs):
    """Groups of words that overlap one another, directly or through each
    other, holding three or more different words: rows drawn on one place
    (words, top y, the words)."""
    parent = {}

    def find(w):
        while parent.setdefault(w, w) != w:
            parent[w] = parent[parent[w]]
            w = parent[w]
        return w

    for a, b in pairs:
        parent[find(a)] = find(b)
    groups = {}
    for w in parent:
        groups.setdefault(find(w), set()).add(w)
    out = []
    for members in groups.values():
        if len({w[4] for w in members}) >= 3:
            out.append((len(members), min(w[1] for w in members), members))
    return out


def is_header(line):
    """A line that looks like a table's header row: words in at least three
    columns (gaps wider than 12 pt), most of them (60%) starting with a capital,
    none a bare number (a row of figures is data, not a header)."""
    gaps = sum(1 for a, b in zip(line, line[1:]) if b[0] - a[2] > 12)
    words = [w[4] for w in line]
    caps = sum(1 for w in words if w[:1].isupper())
    return gaps >= 2 and caps >= 0.6 * len(words) and not any(w.replace(",", "").isdigit() for w in words)


def norm(s):
    return re.sub(r"[\s\u200b]+", "", s)


def main(files):
    bad = 0
    for pdf in files:
        for page, what in defects(pdf):
            bad += 1
            print(f"{pdf}: page {page}: {what}")
    print(f"{bad} layout defect(s) in {len(files)} PDF(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
