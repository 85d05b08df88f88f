"""The IG lead's pages and API: purposes, categories, agreements, the logs, break-glass review, view as, the map."""

from joinedup.web.sharing import api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router,)
