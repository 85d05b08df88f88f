"""Signing in and out, the signed-in user, and unlocking an account."""

from joinedup.web.accounts import admin_api, api, pages

#: The routers the app serves, pages and API.
ROUTERS = (pages.router, api.router, admin_api.router,)
