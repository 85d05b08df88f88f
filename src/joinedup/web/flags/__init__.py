"""Flags in the JSON API: a person's flags, and the catalogue of flag types. The person
page and the search results show flags through :mod:`joinedup.web.persons.pages`."""

from joinedup.web.flags import api

#: The routers the app serves.
ROUTERS = (api.router,)
