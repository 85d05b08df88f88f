"""The practitioner's side of governed sharing: why they are looking, break-glass, consent,
and deciding not to share; pages and API."""

from joinedup.web.access import api, break_glass_pages, consent_pages, purpose_pages

#: The routers the app serves, pages and API.
ROUTERS = (purpose_pages.router, break_glass_pages.router, consent_pages.router, api.router)
