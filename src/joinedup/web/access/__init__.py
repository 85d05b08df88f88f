"""The practitioner's side of governed sharing: purpose, break-glass, consent, declining."""

from joinedup.web.access import pages, api

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router,)
