"""Flags: the forms to record and end a flag of one's organisation, and the JSON API (a
person's flags, recording and ending, the catalogue of flag types). The person page and
the search results show flags through :mod:`joinedup.web.persons.pages`."""

from joinedup.web.flags import api, pages

#: The routers the app serves.
ROUTERS = (pages.router, api.router)
