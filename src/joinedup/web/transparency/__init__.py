"""Transparency for the person: the IG lead's "who has seen my record" report (page and
PDF), holds, and subject access requests with their export; pages and the JSON API."""

from joinedup.web.transparency import api, pages

#: The routers the app serves.
ROUTERS = (pages.router, api.router)
