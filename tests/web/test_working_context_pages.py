"""The working context through the pages: from a child found for safeguarding to the
mother's police incident, with no purpose stated again and no 403 (issue 13 item 4).
The world is tests/family_world.py."""

from __future__ import annotations

import pytest
from family_world import CHILD, INCIDENT, MOTHER, STRANGER, seed_family
from fastapi.testclient import TestClient
from web_support import csrf_token, sign_in


@pytest.fixture
def sam(app, engine):
    world = seed_family(engine)
    with TestClient(app, raise_server_exceptions=False, follow_redirects=False) as client:
        assert sign_in(client, "sam.social").status_code == 303
        yield client, world


def test_from_the_child_to_the_mothers_police_record_without_stating_the_purpose_again(sam):
    client, world = sam
    # Without a context the mother is refused: CSC may see none of her records.
    assert client.get(f"/persons/{MOTHER}").status_code == 403
    found = client.get("/persons", params={"q": "Rory Journey", "purpose": "safeguarding_child"})
    assert found.status_code == 200 and f'href="/persons/{CHILD}?q=Rory+Journey"' in found.text
    child = client.get(f"/persons/{CHILD}", params={"q": "Rory Journey"})
    assert child.status_code == 200
    assert f'href="/persons/{MOTHER}"' in child.text, "the mother is in the child's family view"
    assert "for Rory Journey and their family" in child.text
    mother = client.get(f"/persons/{MOTHER}")
    assert mother.status_code == 200 and "Mia Journey" in mother.text
    assert "for Rory Journey and their family" in mother.text
    record = client.get(f"/records/{world.records['POL-2']}", params={"person": MOTHER})
    assert record.status_code == 200 and INCIDENT in record.text
    # Someone the search did not find, and no family of the child, is not covered.
    assert client.get(f"/persons/{STRANGER}").status_code == 403


def test_a_person_opened_without_the_context_first_is_not_widened(sam):
    """The mother is covered because the child was opened from the search: searching for
    the child without opening them covers only the child."""
    client, _world = sam
    client.get("/persons", params={"q": "Rory Journey", "purpose": "safeguarding_child"})
    assert client.get(f"/persons/{MOTHER}").status_code == 403
    banner = client.get("/persons").text
    assert "You are working on: Safeguarding a child — for the people your search found" in banner


def test_a_purpose_stated_on_the_childs_page_carries_to_the_mother(sam):
    client, _world = sam
    page = client.get(f"/persons/{CHILD}")
    assert page.status_code == 200 and f'href="/persons/{MOTHER}"' not in page.text
    stated = client.post(f"/persons/{CHILD}/purpose",
                         data={"csrf_token": csrf_token(page.text), "purpose": "safeguarding_child"})
    assert stated.status_code == 303
    child = client.get(f"/persons/{CHILD}")
    assert f'href="/persons/{MOTHER}"' in child.text
    assert client.get(f"/persons/{MOTHER}").status_code == 200
