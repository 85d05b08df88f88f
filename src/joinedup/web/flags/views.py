"""What the flag pages and the person page share."""

#: The person page's banner after a change to a flag, by its ``done`` code.
FLAG_DONE = {"flag-recorded": "The flag is recorded: partners who may see your organisation's records of this "
                              "person see it.",
             "flag-corrected": "The flag is corrected.",
             "flag-ended": "The flag is ended: it shows as ended for 90 days."}
