"""The README's pictures, taken again from the product itself in Debian's Chromium:

- ``docs/report-slide.png``: slide 4 of the meeting deck (communes by their gap to the reduction
  target), drawn from the deck file's own shapes — each text box and picture at its place and
  size on a 1280 × 720 page — so the picture is the slide the deck holds;
- ``docs/overview.png`` is taken by ``tests/test_browser.py`` with ``REFRESH_DOCS=1``.

Run: ``.venv/bin/python bench/docs_images.py`` (a demo database is built in a temporary folder).
"""

from __future__ import annotations

import base64
import html
import io
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from pptx import Presentation  # noqa: E402
from pptx.util import Emu  # noqa: E402

from analytics.db import Database  # noqa: E402
from analytics.demo import load_demo  # noqa: E402
from analytics.reports.deck import write_deck  # noqa: E402

WIDTH, HEIGHT = 1280, 720
FONT = "Liberation Sans, DejaVu Sans, Arial, sans-serif"


def slide_html(prs, index: int) -> str:
    """One slide as an HTML page: every shape at its place (pixels from EMU), text with its size,
    weight and colour, pictures as they are stored, filled rectangles in their colour."""
    scale = WIDTH / Emu(prs.slide_width)
    parts = []
    for shape in prs.slides[index].shapes:
        box = (f"left:{shape.left * scale:.1f}px;top:{shape.top * scale:.1f}px;"
               f"width:{shape.width * scale:.1f}px;height:{shape.height * scale:.1f}px;position:absolute;")
        if shape.shape_type == 13:  # a picture
            data = base64.b64encode(shape.image.blob).decode()
            parts.append(f'<img style="{box}" src="data:{shape.image.content_type};base64,{data}">')
        elif shape.has_text_frame and shape.text_frame.text.strip():
            paragraphs = []
            for p in shape.text_frame.paragraphs:
                runs = []
                for r in p.runs:
                    size = (r.font.size.pt if r.font.size else 18) * scale * 12700
                    colour = f"#{r.font.color.rgb}" if r.font.color and r.font.color.type else "#222"
                    weight = "bold" if r.font.bold else "normal"
                    runs.append(f'<span style="font-size:{size:.1f}px;font-weight:{weight};color:{colour}">'
                                f"{html.escape(r.text)}</span>")
                align = "right" if p.alignment == 3 else "center" if p.alignment == 2 else "left"
                paragraphs.append(f'<div style="text-align:{align};line-height:1.2">{"".join(runs)}</div>')
            parts.append(f'<div style="{box}">{"".join(paragraphs)}</div>')
        elif shape.shape_type == 1:  # a filled rectangle (the accent bar)
            fill = f"#{shape.fill.fore_color.rgb}" if shape.fill.type == 1 else "transparent"
            parts.append(f'<div style="{box}background:{fill}"></div>')
    return (f'<html><body style="margin:0;width:{WIDTH}px;height:{HEIGHT}px;position:relative;'
            f'font-family:{FONT};background:white">{"".join(parts)}</body></html>')


def main() -> None:
    from browser import CHROMIUM, CHROMIUM_ARGS
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "demo.duckdb"
        with Database(path) as db:
            load_demo(db)
            buffer = io.BytesIO()
            write_deck(db, 2024, buffer, lang="vi")
    prs = Presentation(io.BytesIO(buffer.getvalue()))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": WIDTH, "height": HEIGHT})
        page.set_content(slide_html(prs, 3))
        page.wait_for_timeout(300)
        page.screenshot(path=str(ROOT / "docs" / "report-slide.png"))
        browser.close()


if __name__ == "__main__":
    main()
