"""Readable PDF reports: a chronology, "who has seen my record", a subject access report.

One small builder so every report looks the same and prints every name: the PDF core
fonts cover Latin-1 only, so the shipped DejaVu Sans is embedded (see ``fonts/README.md``).
A report is a title, then headings, paragraphs, summary lists (key, value) and tables, in
that order; the builder wraps long text and repeats a table's header on a new page.
"""

from __future__ import annotations

from collections.abc import Sequence
from importlib.resources import files

from fpdf import FPDF
from fpdf.fonts import FontFace

_FONT = "DejaVu"
_BLACK = (11, 12, 12)
_GREY = (80, 90, 95)


class PdfReport:
    """A report built top to bottom; :meth:`to_bytes` gives the PDF."""

    def __init__(self, title: str, *, subtitle: str = "", footer: str = "") -> None:
        self._footer = footer
        pdf = _Pdf(footer)
        fonts = files("joinedup") / "fonts"
        pdf.add_font(_FONT, "", str(fonts / "DejaVuSans.ttf"))
        pdf.add_font(_FONT, "B", str(fonts / "DejaVuSans-Bold.ttf"))
        pdf.set_title(title)
        pdf.set_creator("JoinedUp")
        pdf.set_margins(18, 18, 18)
        pdf.set_auto_page_break(True, margin=18)
        pdf.add_page()
        pdf.set_text_color(*_BLACK)
        pdf.set_font(_FONT, "B", 20)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            pdf.set_font(_FONT, "", 11)
            pdf.set_text_color(*_GREY)
            pdf.multi_cell(0, 6, subtitle, new_x="LMARGIN", new_y="NEXT")
            pdf.set_text_color(*_BLACK)
        pdf.ln(4)
        self._pdf = pdf

    def heading(self, text: str) -> None:
        self._pdf.ln(2)
        self._pdf.set_font(_FONT, "B", 14)
        self._pdf.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(1)

    def paragraph(self, text: str) -> None:
        self._pdf.set_font(_FONT, "", 10)
        self._pdf.multi_cell(0, 5, text, new_x="LMARGIN", new_y="NEXT")
        self._pdf.ln(2)

    def summary(self, rows: Sequence[tuple[str, str]]) -> None:
        """Key and value pairs, like the GOV.UK summary list."""
        self.table(("", ""), rows, widths=(1, 2), header=False)

    def table(self, columns: Sequence[str], rows: Sequence[Sequence[object]], *,
              widths: Sequence[float] | None = None, header: bool = True) -> None:
        """A table; a cell's text wraps, and an empty table says so."""
        pdf = self._pdf
        pdf.set_font(_FONT, "", 9)
        if not rows:
            self.paragraph("None.")
            return
        with pdf.table(col_widths=tuple(widths) if widths else None, first_row_as_headings=header,
                       headings_style=FontFace(emphasis="BOLD"), line_height=5, padding=1.2,
                       borders_layout="HORIZONTAL_LINES" if header else "NONE",
                       text_align="LEFT") as table:
            if header:
                table.row([str(column) for column in columns])
            for row in rows:
                table.row(["" if cell is None else str(cell) for cell in row])
        pdf.ln(3)

    def to_bytes(self) -> bytes:
        return bytes(self._pdf.output())


class _Pdf(FPDF):
    def __init__(self, footer: str) -> None:
        super().__init__(format="A4")
        self._footer_text = footer

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(_FONT, "", 8)
        self.set_text_color(*_GREY)
        text = f"{self._footer_text} · " if self._footer_text else ""
        self.cell(0, 5, f"{text}Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(*_BLACK)
