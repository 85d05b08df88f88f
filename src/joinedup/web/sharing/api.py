"""The JSON API for governing sharing under ``/api/v1/sharing``, one router:

- :mod:`~joinedup.web.sharing.rules_api`: purposes and data categories, agreements and
  their versions (author, sign, activate, suspend, end, and the Cedar each version
  compiles to);
- :mod:`~joinedup.web.sharing.oversight_api`: the decision log and its CSV export, the
  consent register, the break-glass review queue, "view as", training samples and the
  data flows; and the consent script, which any signed-in user may read.

The same rules as the pages (:mod:`joinedup.web.sharing.pages`), from the same domain
functions: for information governance leads and administrators only (joinedup.permissions,
audited either way, 403 for anyone else). "View as" decides every record as the user it
pretends to be and returns only the fields that decision disclosed; it is audited. The
request and answer shapes are in :mod:`joinedup.web.sharing.schemas`.

Writes (POST, PUT, PATCH, DELETE) use the signed-in session like every call, and must also
send the session's CSRF token in the ``X-CSRF-Token`` header: every response here carries
it in that header, and it is the ``csrf_token`` of any page's form.
"""

from fastapi import APIRouter

from joinedup.web.sharing import oversight_api, rules_api

router = APIRouter()
for part in (rules_api, oversight_api):
    router.routes.extend(part.router.routes)  # the routes themselves, each as its part built it
