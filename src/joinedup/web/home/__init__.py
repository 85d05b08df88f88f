"""The signed-in user's start page, and a practitioner's people through the API."""

from joinedup.web.home import api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router)
