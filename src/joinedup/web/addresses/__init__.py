"""Addresses: finding a property, the household, and the data team's review and report."""

from joinedup.web.addresses import api, pages, report_pages, review_pages

#: The routers the app serves, pages and API. The household's route (``/addresses/{uprn}``)
#: comes after the review's and the report's, which it would otherwise answer.
ROUTERS = (review_pages.router, report_pages.router, pages.router, api.router,)
