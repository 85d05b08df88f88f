"""Who is involved: practitioners record, end and correct their organisation's
involvements; administrators keep their organisation's directory, loaded from a file or row by row. The person page shows
who is involved (:mod:`joinedup.web.persons.pages`)."""

from joinedup.web.involvements import api, directory, directory_api, pages, team, team_api

#: The routers the app serves.
ROUTERS = (pages.router, directory.router, team.router, team_api.router, api.router, directory_api.router)
