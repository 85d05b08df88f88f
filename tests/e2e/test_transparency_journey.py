"""Transparency end to end, in real Chromium with axe-core on every page: the IG lead finds
a person's "who has seen my record" report, shows staff names with a reason, holds the
police's entries back, downloads the person's PDF, then records a subject access request
and downloads its zip; the zip and the PDFs are opened and read.

This module runs its own server over its own store: tests/transparency's world (Ava, held
by children's services and the police, her brother Tom).
"""

from __future__ import annotations

import io
import sys
import zipfile
from datetime import date
from pathlib import Path

import pytest
from browser_support import (
    assert_accessible,
    module_server,
    signed_in_page,
)
from playwright.sync_api import Browser, expect
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "transparency"))
from transparency_support import AVA, build_world

pytestmark = pytest.mark.e2e


transparency_server = module_server("e2e-transparency", build_world)


def _pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(data)).pages)


def test_the_ig_lead_reads_who_has_seen_a_record(browser: Browser, transparency_server, axe_source):
    url, _world, _engine = transparency_server
    page = signed_in_page(browser, url, "iris.ig")
    page.get_by_role("link", name="Transparency").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Transparency for the person")
    assert_accessible(page, axe_source)
    page.get_by_label("The person's JoinedUp id").fill(AVA.lower())
    page.get_by_role("button", name="Show who has seen their record").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Who has seen this record")
    entries = page.get_by_role("table", name="Entries, newest first")
    expect(entries.get_by_role("cell", name="Practitioner at Joinford Police")).to_have_count(1)
    expect(entries.get_by_text("never what an agency recorded about you").first).to_be_visible()
    assert "Pete Constable" not in page.content()
    assert_accessible(page, axe_source)

    page.get_by_role("button", name="Show staff names").click()
    expect(page.get_by_role("alert").get_by_text("Say why the staff names are needed")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Why are the names needed?").fill("The person complains about the police's access")
    page.get_by_role("button", name="Show staff names").click()
    expect(entries.get_by_text("Pete Constable, Practitioner at Joinford Police")).to_be_visible()
    assert_accessible(page, axe_source)

    page.goto(f"/transparency/persons/{AVA}")
    page.get_by_role("button", name="Hold entries back").click()
    expect(page.get_by_role("alert").get_by_text("Say why the entries must be held back")).to_be_visible()
    assert_accessible(page, axe_source)
    page.get_by_label("Whose entries").select_option(label="Joinford Police")
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("6")
    page.get_by_label("Year").fill(str(date.today().year + 1))
    page.get_by_label("Why", exact=True).fill("Operation Kestrel: a live investigation")
    page.get_by_label("Who asked (optional)").fill("DI Jones")
    page.get_by_role("button", name="Hold entries back").click()
    expect(page.get_by_text("The entries are held back.")).to_be_visible()
    expect(page.get_by_role("table", name="Holds in force").get_by_text("Operation Kestrel")).to_be_visible()
    expect(entries.get_by_text("Joinford Police")).to_have_count(0)
    assert_accessible(page, axe_source)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download the person's copy (PDF)").click()
    text = _pdf_text(Path(downloading.value.path()).read_bytes())
    assert "Who has seen your record" in text and "Practitioner at Joinford Children's Services" in text
    assert "Kestrel" not in text and "Joinford Police" not in text and "Sam Socialworker" not in text
    page.context.close()


def test_the_ig_lead_records_a_subject_access_request_and_downloads_it(browser: Browser, transparency_server,
                                                                       axe_source):
    url, _world, _engine = transparency_server
    page = signed_in_page(browser, url, "iris.ig")
    page.goto("/subject-access")
    assert_accessible(page, axe_source)
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_role("alert").get_by_text("Enter the id of a person in the index")).to_be_visible()
    assert_accessible(page, axe_source)
    today = date.today()
    page.get_by_label("The person's JoinedUp id").fill(AVA)
    page.get_by_label("Day").fill(str(today.day))
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_role("button", name="Record the request").click()
    expect(page.get_by_text("The request is recorded.")).to_be_visible()
    expect(page.get_by_role("definition").filter(has_text="Received")).to_be_visible()
    assert_accessible(page, axe_source)

    page.get_by_role("radio", name="Start work on it").check()
    page.get_by_role("button", name="Update the request").click()
    expect(page.get_by_text("The request is updated.")).to_be_visible()
    assert_accessible(page, axe_source)

    with page.expect_download() as downloading:
        page.get_by_role("link", name="Download everything held (zip)").click()
    archive = zipfile.ZipFile(io.BytesIO(Path(downloading.value.path()).read_bytes()))
    assert "source_records.json" in archive.namelist()
    everything = "".join(archive.read(name).decode() for name in archive.namelist() if name.endswith(".json"))
    assert "Ava lives with [another person]" in everything and "Mary Stone" not in everything
    text = _pdf_text(archive.read("report.pdf"))
    assert "Your information held by JoinedUp" in text and "Tom" not in text

    page.goto("/subject-access")
    expect(page.get_by_role("link", name=f"Ava Stone ({AVA})")).to_be_visible()
    expect(page.get_by_role("cell", name="In progress")).to_be_visible()
    page.context.close()
