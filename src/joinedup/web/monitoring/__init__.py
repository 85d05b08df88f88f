"""Monitoring: the IG lead's review tasks (pages and API), their outcomes, the summary per
organisation, and a run on demand."""

from joinedup.web.monitoring import api, pages

#: The routers the app serves.
ROUTERS = (pages.router, api.router)
