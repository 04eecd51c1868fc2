"""The slide deck for meetings (python-pptx, 16:9): a title slide (unit, year, date), a slide of
headline figures, then one slide per key chart with its one-line takeaway — large type, for
reading from the back of a room. The figures are those of ``summary``; aggregates only.
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.shapes import MSO_SHAPE
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.util import Emu, Inches, Pt

from ..db import Database
from ..demo import is_illustrative
from .. import classification, local_standards, poverty, targets, transitions
from ..i18n import DEFAULT_LANGUAGE, fmt_money, fmt_number, fmt_percent, t
from ..summary import _records, _transition_block, summary
from ..takeaways import fmt_date
from .images import PNG_HEIGHT, PNG_WIDTH, chart_png, key_charts, png_session
from .workbook import issuing_unit

SLIDE_W, SLIDE_H = Inches(13.333), Inches(7.5)
MARGIN = Inches(0.5)
FONT = "Arial"  # present on projector laptops; carries Vietnamese glyphs
DARK, MUTED, ACCENT = RGBColor(0x1F, 0x2A, 0x37), RGBColor(0x55, 0x5F, 0x6B), RGBColor(0x0B, 0x5C, 0xAD)
TITLE_PT, TAKEAWAY_PT, FOOTER_PT = 34, 24, 12


def _text(slide, left, top, width, height, lines, *, size=20, bold=False, color=DARK,
          align=PP_ALIGN.LEFT, anchor=MSO_ANCHOR.TOP):
    """A text box; ``lines`` is a string or a list of (text, size, bold, colour) tuples."""
    box = slide.shapes.add_textbox(left, top, width, height)
    frame = box.text_frame
    frame.word_wrap = True
    frame.vertical_anchor = anchor
    items = [(lines, size, bold, color)] if isinstance(lines, str) else lines
    for i, (text, sz, b, col) in enumerate(items):
        para = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        para.alignment = align
        run = para.add_run()
        run.text = text
        run.font.size, run.font.bold, run.font.name = Pt(sz), b, FONT
        run.font.color.rgb = col
    return box


def _footer(slide, text: str, number: int) -> None:
    _text(slide, MARGIN, SLIDE_H - Inches(0.45), SLIDE_W - 2 * MARGIN - Inches(0.8), Inches(0.35),
          text, size=FOOTER_PT, color=MUTED)
    _text(slide, SLIDE_W - MARGIN - Inches(0.8), SLIDE_H - Inches(0.45), Inches(0.8), Inches(0.35),
          str(number), size=FOOTER_PT, color=MUTED, align=PP_ALIGN.RIGHT)


def _bar(slide) -> None:
    """The accent rule under a slide title."""
    shape = slide.shapes.add_shape(MSO_SHAPE.RECTANGLE, MARGIN, Inches(1.18), Inches(1.6), Inches(0.07))
    shape.fill.solid()
    shape.fill.fore_color.rgb = ACCENT
    shape.line.fill.background()


def headline_cards(data: dict, lang: str) -> list[tuple[str, str, str]]:
    """(label, big figure, detail) for the headline slide, from ``summary``'s dictionary."""
    h, b = data["households"], data.get("budget", {})
    cards = [
        (t("poor_households", lang), fmt_number(h["poor"], lang),
         t("report_deck_rate", lang, rate=fmt_percent(h["poor_rate"], lang))),
        (t("near_poor_households", lang), fmt_number(h["near_poor"], lang),
         t("report_deck_rate", lang, rate=fmt_percent(h["near_poor_rate"], lang))),
    ]
    changes = data.get("transitions") or {}
    reduction = next((x for x in data.get("targets", [])
                      if x.get("indicator") == "poor_reduction" and x.get("achieved") is not None
                      and str(x.get("org_unit")) not in {str(c["code"]) for c in data.get("communes", [])}), None)
    if changes.get("start") is not None:
        net = changes["start"] - changes["end"]
        detail = (t("report_deck_target_of", lang, target=fmt_number(reduction["target"], lang))
                  if reduction else t("report_deck_start", lang, start=fmt_number(changes["start"], lang)))
        cards.append((t("report_deck_reduction", lang), fmt_number(net, lang), detail))
    if b.get("plan_total"):
        rate = b.get("disbursement_rate")
        cards.append((t("report_deck_disbursed", lang),
                      fmt_percent(rate, lang, 1) if rate is not None else "–",
                      t("report_deck_disbursed_detail", lang, paid=fmt_money(b.get("disbursed_total"), lang),
                        plan=fmt_money(b["plan_total"], lang),
                        date=_date(b.get("as_of"), lang))))
    return cards


def _within(db: Database, year: int, units: int | None, within_units) -> dict:
    """The keys of ``summary`` the deck reads, counting only the communes among the (vintage,
    code) pairs ``within_units`` (the budget is the plan's own: not among them)."""
    communes = poverty.commune_table(db, year, units, within_units=within_units)
    gaps = targets.target_gaps(db, year, units, within_units=within_units)
    return {"households": poverty.household_counts(db, year, units, within_units=within_units),
            "communes": _records(communes[["code", "name"]]),
            "transitions": _transition_block(transitions.tables(db, year, units, within_units)["poor"])[0],
            "targets": _records(gaps), "standards": classification.standards_used(db, year, within_units)}


def _date(value, lang: str) -> str:
    return "–" if value is None else fmt_date(value, lang)


def write_deck(db: Database, year: int, out: Path | str | io.BytesIO | None = None, *,
               units: int | None = None, lang: str = DEFAULT_LANGUAGE, as_of: date | None = None,
               produced: date | None = None, within_units=None) -> bytes | None:
    """Write the meeting deck for ``year`` to ``out`` (a path or a binary stream); with no
    ``out``, return the deck's bytes. Slides: title, headline figures, then trend, commune gaps,
    deprivations and budget execution, each with its takeaway. ``within_units``: only the figures
    of the communes among these (vintage, code) pairs (e.g. the home area's)."""
    produced = produced or date.today()
    data = summary(db, year, units, as_of)
    if within_units is not None:
        data.update(_within(db, year, units, within_units))
    unit = issuing_unit(db, year, units, lang)
    items = key_charts(db, year, units=units, lang=lang, as_of=as_of, within_units=within_units)
    with png_session():
        pictures = [chart_png(c.figure, lang=lang, titled=False) for c in items]
    source = t("report_deck_source", lang, year=year)
    if data["standards"]:  # the standard(s) behind the figures, on every slide
        source += " " + local_standards.caption(data["standards"], lang) + "."
    if is_illustrative(db):
        source += " " + t("report_illustrative", lang)

    prs = Presentation()
    prs.slide_width, prs.slide_height = SLIDE_W, SLIDE_H
    blank = prs.slide_layouts[6]
    prs.core_properties.title = t("report_deck_title", lang, year=year)
    width = SLIDE_W - 2 * MARGIN

    # 1. Title: unit, year, date.
    slide = prs.slides.add_slide(blank)
    _text(slide, MARGIN, Inches(0.6), width, Inches(1.0), [
        (f"{unit[0]} {unit[1]}".strip(), 22, True, MUTED)], align=PP_ALIGN.CENTER)
    _text(slide, MARGIN, Inches(2.2), width, Inches(2.2), [
        (t("report_deck_title", lang, year=year).upper(), 44, True, DARK),
        (t("report_deck_subtitle", lang), 26, False, ACCENT)], align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
    _text(slide, MARGIN, Inches(5.3), width, Inches(0.8),
          t("report_deck_date", lang, date=produced.strftime("%d/%m/%Y")), size=22, color=MUTED,
          align=PP_ALIGN.CENTER)
    _footer(slide, source, 1)

    # 2. Headline figures: big numbers on cards.
    slide = prs.slides.add_slide(blank)
    _text(slide, MARGIN, Inches(0.35), width, Inches(0.85), t("report_deck_headline", lang, year=year),
          size=TITLE_PT, bold=True)
    _bar(slide)
    cards = headline_cards(data, lang)
    gap = Inches(0.3)
    card_w = Emu(int((width - gap * (len(cards) - 1)) / len(cards)))
    for i, (label, figure, detail) in enumerate(cards):
        left = MARGIN + i * (card_w + gap)
        shape = slide.shapes.add_shape(MSO_SHAPE.ROUNDED_RECTANGLE, left, Inches(1.9), card_w, Inches(3.6))
        shape.fill.solid()
        shape.fill.fore_color.rgb = RGBColor(0xEE, 0xF3, 0xF9)
        shape.line.color.rgb = RGBColor(0xC9, 0xD6, 0xE6)
        inner = card_w - Inches(0.3)
        _text(slide, left + Inches(0.15), Inches(2.0), inner, Inches(0.95), label, size=22, bold=True,
              color=MUTED, align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.BOTTOM)
        _text(slide, left + Inches(0.15), Inches(3.0), inner, Inches(1.1), figure.replace(" ", "\u00a0"),
              size=54, bold=True, color=ACCENT, align=PP_ALIGN.CENTER, anchor=MSO_ANCHOR.MIDDLE)
        _text(slide, left + Inches(0.15), Inches(4.15), inner, Inches(1.25), detail, size=20,
              align=PP_ALIGN.CENTER)
    _footer(slide, source, 2)

    # 3-6. One slide per key chart: title, picture, takeaway.
    pic_top, pic_h = Inches(1.3), Inches(4.6)
    pic_w = Emu(int(pic_h * PNG_WIDTH / PNG_HEIGHT))
    for n, (item, png) in enumerate(zip(items, pictures), 3):
        slide = prs.slides.add_slide(blank)
        _text(slide, MARGIN, Inches(0.35), width, Inches(0.85), item.title, size=TITLE_PT, bold=True)
        _bar(slide)
        slide.shapes.add_picture(io.BytesIO(png), Emu(int((SLIDE_W - pic_w) / 2)), pic_top, pic_w, pic_h)
        takeaway = item.takeaway or t("no_data", lang)
        _text(slide, MARGIN, Inches(5.9), width, Inches(1.1), takeaway,
              size=TAKEAWAY_PT if len(takeaway) <= 120 else TAKEAWAY_PT - 4, bold=True, color=DARK,
              anchor=MSO_ANCHOR.MIDDLE)
        _footer(slide, source, n)

    target = io.BytesIO() if out is None else out
    prs.save(str(target) if isinstance(target, Path) else target)
    return target.getvalue() if out is None else None
