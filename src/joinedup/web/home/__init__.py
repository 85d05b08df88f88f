"""The signed-in user's start page."""

from joinedup.web.home import pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router,)
