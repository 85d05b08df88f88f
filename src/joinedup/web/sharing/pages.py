"""The information governance lead's pages under ``/sharing``, one router, each part in
its own module:

- :mod:`~joinedup.web.sharing.overview_pages`: the overview, and the consent script any
  signed-in user reads;
- :mod:`~joinedup.web.sharing.catalogue_pages`: purposes and data categories;
- :mod:`~joinedup.web.sharing.agreement_pages`: agreements (author, sign, activate,
  suspend, end, each version's compiled Cedar policies);
- :mod:`~joinedup.web.sharing.log_pages`: the decision log, its export, the consent register;
- :mod:`~joinedup.web.sharing.review_pages`: the break-glass review queue;
- :mod:`~joinedup.web.sharing.preview_pages`: "view as", and the persons set aside for training;
- :mod:`~joinedup.web.sharing.map_pages`: the data-flow map;
- :mod:`~joinedup.web.sharing.notice_pages`: the public privacy notice.

Every page but the consent script and the privacy notice is gated by role (joinedup.permissions, audited either
way, a clear 403 without it), in its own transaction so that a refusal is recorded even
when the work that follows fails.
"""

from fastapi import APIRouter

from joinedup.web.sharing import (
    agreement_pages,
    catalogue_pages,
    log_pages,
    map_pages,
    notice_pages,
    overview_pages,
    preview_pages,
    review_pages,
)

router = APIRouter(include_in_schema=False)
for part in (overview_pages, catalogue_pages, agreement_pages, log_pages, review_pages, preview_pages, map_pages,
             notice_pages):
    router.routes.extend(part.router.routes)  # the routes themselves, each as its part built it
