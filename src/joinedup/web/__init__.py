"""The web shell: server-rendered pages in GOV.UK Frontend's styles, and a JSON API.

Routes are thin: they resolve who is asking, call ``joinedup.accounts`` or
``joinedup.records``, and render what comes back. Nothing outside this package imports it.
"""

from joinedup.web.app import create_app

__all__ = ["create_app"]
