#!/usr/bin/env python3
"""Reads a .docx with python-docx (a real reader, independent of quire) and
prints what the tests check, as JSON: document properties, every body block
in order (paragraphs with style, Word numbering and text; tables with their
header rows and cells), the page footer's fields and the package's parts.

Usage: docx_read.py FILE.docx  (exit 2 when python-docx is missing)."""

import json
import sys
import zipfile

try:
    import docx
    from docx.oxml.ns import qn
except ImportError:
    print("python-docx is not installed: python3 -m pip install python-docx", file=sys.stderr)
    sys.exit(2)


def para(p):
    ppr = p._p.pPr
    num = None
    if ppr is not None and ppr.numPr is not None:
        n = ppr.numPr
        num = {
            "id": int(n.numId.val) if n.numId is not None else None,
            "level": int(n.ilvl.val) if n.ilvl is not None else 0,
        }
    return {
        "kind": "p",
        "style": p.style.name if p.style is not None else None,
        "num": num,
        "text": p.text,
        "bold": [r.text for r in p.runs if r.bold],
    }


def table(t):
    rows = []
    for tr in t._tbl.tr_lst:
        trpr = tr.trPr
        header = trpr is not None and trpr.find(qn("w:tblHeader")) is not None
        cells = []
        for tc in tr.tc_lst:
            shd = tc.tcPr.find(qn("w:shd")) if tc.tcPr is not None else None
            cells.append({
                "text": "\n".join(p.text for p in docx.table._Cell(tc, t).paragraphs),
                "fill": shd.get(qn("w:fill")) if shd is not None else None,
            })
        rows.append({"header": header, "cells": cells})
    caption = t._tbl.tblPr.find(qn("w:tblCaption"))
    return {
        "kind": "table",
        "caption": caption.get(qn("w:val")) if caption is not None else None,
        "rows": rows,
    }


def main():
    path = sys.argv[1]
    d = docx.Document(path)
    blocks = []
    for item in d.iter_inner_content():
        if isinstance(item, docx.text.paragraph.Paragraph):
            blocks.append(para(item))
        else:
            blocks.append(table(item))
    section = d.sections[0]
    footer = "".join(
        el.text or "" for el in section.footer._element.iter(qn("w:instrText"))
    )
    header = "\n".join(p.text for p in section.header.paragraphs)
    cp = d.core_properties
    styles_lang = [
        el.get(qn("w:val"))
        for el in d.styles.element.iter(qn("w:lang"))
    ]
    with zipfile.ZipFile(path) as z:
        parts = [i.filename for i in z.infolist()]
        dates = sorted({i.date_time for i in z.infolist()})
        rels = z.read("word/_rels/document.xml.rels").decode()
        doc_xml = z.read("word/document.xml").decode()
    out = {
        "title": cp.title,
        "author": cp.author,
        "language": cp.language,
        "created": cp.created.isoformat() if cp.created else None,
        "styles_lang": styles_lang,
        "footer_fields": footer.split(),
        "header": header,
        "parts": parts,
        "zip_dates": [list(x) for x in dates],
        "external_links": rels.count('TargetMode="External"'),
        "field_chars_in_body": doc_xml.count("w:fldChar") + doc_xml.count("w:fldSimple") + doc_xml.count("w:instrText"),
        "page_width_twips": int(section.page_width.twips) if section.page_width else None,
        "blocks": blocks,
    }
    json.dump(out, sys.stdout, ensure_ascii=False)


if __name__ == "__main__":
    main()
