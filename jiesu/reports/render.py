"""Rendering a review: the standalone HTML document and its PDF (WeasyPrint, Noto CJK fonts)."""

from functools import cache
from pathlib import Path

from django.template.loader import render_to_string

from jiesu.reports.review import Review

CSS = Path(__file__).resolve().parent / "static" / "reports" / "review.css"


@cache
def _css() -> str:
    return CSS.read_text(encoding="utf-8")


def review_html(review: Review) -> str:
    """A self-contained HTML file (styles and charts inline), readable offline."""
    return render_to_string("reports/review_document.html", {"review": review, "css": _css()})


def review_pdf(html: str) -> tuple[bytes, int]:
    """(PDF bytes, page count)."""
    from weasyprint import HTML  # imported late: it loads Pango/fonts, not needed by other pages

    document = HTML(string=html, base_url=str(CSS.parent)).render()
    return document.write_pdf(), len(document.pages)


def supervision_html(section) -> str:
    """The supervision export as a standalone document (same styles as the review pack)."""
    return render_to_string("reports/supervision_document.html", {"section": section, "css": _css()})
