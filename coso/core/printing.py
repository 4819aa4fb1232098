"""HTML to PDF with WeasyPrint and the fonts shipped with Coso (no system font needed).

Be Vietnam Pro (SIL OFL 1.1), the Latin and Vietnamese subsets of coso/web/static/vendor merged
into one font per weight: with two subset fonts of one family, the PDF's text cannot be read
back (copy, search, screen readers) because glyphs of the two collide. Templates declare them
with `font_faces()` (the @font-face rules) and `FONT_FAMILY`.
"""

from __future__ import annotations

from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT_FAMILY = '"Be Vietnam Pro", "DejaVu Sans", sans-serif'


def font_faces() -> str:
    """The @font-face rules of the shipped fonts, for a PDF template's stylesheet."""
    base = FONT_DIR.as_uri()
    return "".join(
        f'@font-face {{ font-family: "Be Vietnam Pro"; font-weight: {weight}; '
        f'src: url("{base}/BeVietnamPro-{name}.ttf"); }}\n'
        for weight, name in ((400, "Regular"), (700, "Bold"))
    )


def html_to_pdf(html: str) -> bytes:
    """The PDF of `html`, whose font URLs point into FONT_DIR."""
    from weasyprint import HTML  # imported on use: it loads Pango

    # The fonts whole, not subset: subsetting them is half of WeasyPrint's time on a one-page
    # document (0.56 s → 0.31 s), for a file of about 75 KB instead of 17 KB.
    return bytes(HTML(string=html, base_url=str(FONT_DIR)).write_pdf(full_fonts=True))
