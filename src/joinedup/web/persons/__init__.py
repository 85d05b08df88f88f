"""Finding persons and records, and seeing one: pages and API, every value disclosed."""

from joinedup.web.persons import api, pages, record_pages, records_api

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, record_pages.router, api.router, records_api.router,)
