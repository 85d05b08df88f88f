"""Addresses: finding a property, the household, and the data team's review and report."""

from joinedup.web.addresses import api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router,)
