"""The PDF report builder: what goes in can be read back out, whatever the alphabet."""

from __future__ import annotations

import io

from pypdf import PdfReader

from joinedup.documents import PdfReport


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_a_report_holds_its_title_headings_summary_and_table():
    report = PdfReport("Chronology for Amara Okafor", subtitle="Made 2 December 2026", footer="OFFICIAL-SENSITIVE")
    report.heading("Events")
    report.summary([("Date of birth", "3 May 2015")])
    report.table(("Date", "What happened"), [("3 May 2025", "Child in need plan started")])
    text = _text(report.to_bytes())
    for expected in ("Chronology for Amara Okafor", "Made 2 December 2026", "Events", "Date of birth",
                     "3 May 2015", "Child in need plan started", "OFFICIAL-SENSITIVE", "Page 1 of 1"):
        assert expected in text


def test_names_outside_latin_1_print_as_written():
    report = PdfReport("Łukasz Wiśniewski")
    report.paragraph("Zoë Ἀλέξανδρος Şükrü")
    text = _text(report.to_bytes())
    assert "Łukasz Wiśniewski" in text and "Şükrü" in text


def test_a_long_table_runs_onto_more_pages_and_an_empty_one_says_none():
    report = PdfReport("Access history")
    report.table(("When", "Who"), [(f"day {n}", "A social worker at Joinford Council") for n in range(200)])
    report.table(("When", "Who"), [])
    reader = PdfReader(io.BytesIO(report.to_bytes()))
    assert len(reader.pages) > 2
    text = "\n".join(page.extract_text() for page in reader.pages)
    assert "day 199" in text and "None." in text
