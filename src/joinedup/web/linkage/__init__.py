"""The person index's review: link runs, the queue, pairs, merge and split, the model."""

from joinedup.web.linkage import api, model_pages, person_pages, review_pages, run_pages

#: The routers the app serves, pages and API.
ROUTERS = (run_pages.router, review_pages.router, person_pages.router, model_pages.router, api.router)
