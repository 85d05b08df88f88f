"""The journeys' accessibility check (browser_support.assert_accessible) can fail: every
journey relies on it, so it is tried on pages written to pass and to fail."""

from __future__ import annotations

import pytest
from browser_support import assert_accessible
from playwright.sync_api import Page

pytestmark = pytest.mark.e2e

PAGE = """<!doctype html><html lang="en"><head><title>A page</title></head>
<body><main><h1>A page</h1>{body}</main></body></html>"""


def test_a_page_that_passes_passes(page: Page, axe_source):
    page.set_content(PAGE.format(body="<p>Nothing wrong here.</p>"))

    assert_accessible(page, axe_source)


def test_an_image_without_alternative_text_fails(page: Page, axe_source):
    page.set_content(PAGE.format(body='<img src="data:," width="10" height="10">'))

    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page, axe_source)
