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
- heading at foot: a bookmarked heading with nothing after it on its page.

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


def defects(pdf):
    ps = pages(pdf)
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
        for lines, y, members in piles:
            in_pile |= members
            yield n, f"overprinted rows: {lines} words drawn over each other near y={y:.0f} ({', '.join(sorted({w[4] for w in members})[:6])}, …)"
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
