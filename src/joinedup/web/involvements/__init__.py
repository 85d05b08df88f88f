"""Who is involved: practitioners record, end and correct their organisation's
involvements; administrators load their organisation's directory. The person page shows
who is involved (:mod:`joinedup.web.persons.pages`)."""

from joinedup.web.involvements import pages, team, team_api

#: The routers the app serves.
ROUTERS = (pages.router, team.router, team_api.router)
