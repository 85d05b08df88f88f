"""Ingest reports: how each agency's extract loaded."""

from joinedup.web.ingest import api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router,)
