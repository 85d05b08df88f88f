"""The person index's review: link runs, the queue, pairs, merge and split, the model."""

from joinedup.web.linkage import api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router,)
