"""The API reference page."""

from joinedup.web.docs import pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router,)
