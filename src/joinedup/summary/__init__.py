"""A person's summary: what their page shows a practitioner in the first minute, read in
one domain call so that every entry point shows the same thing (docs/architecture.md).

:func:`person_summary` reads the person as the actor may see them
(:func:`joinedup.disclosure.view_person`, every record decided and audited), then what
hangs off that one view: who is involved, the team around the family and the consent
history (frontline users only), and the flags. A working context stated on a search is
carried to the person and, through their page, to their family
(:func:`joinedup.sharing.context.open_in_context`).
"""

from joinedup.summary.person import PersonSummary, person_summary

__all__ = ["PersonSummary", "person_summary"]
