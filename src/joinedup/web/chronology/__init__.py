"""The chronology: a person's and a family's pages, their CSV and PDF downloads, and the
JSON API (:mod:`joinedup.chronology` decides what is in them)."""

from joinedup.web.chronology import api, pages

#: The routers the app serves.
ROUTERS = (pages.router, api.router)
