"""The one base for what the domain refuses, so that every entry point reports it alike.

A :class:`Refusal` carries every problem found, each as ``(field, message)``: a form shows
them all beside their fields, the API answers with the first field named, the CLI prints
them. ``forbidden`` marks a refusal of authority (the actor may not do this at all,
answered 403) rather than of input (answered 400).
"""

from __future__ import annotations


class Refusal(ValueError):
    """Something the domain will not do, and why, naming the field each problem is about.
    ``status`` is how the web answers it: 400 for input, 403 for authority, 409 for a
    change the rules refuse."""

    forbidden = False
    status = 400

    def __init__(self, message: str | list[tuple[str, str]], field: str = "") -> None:
        problems = message if isinstance(message, list) else [(field, message)]
        if not problems:
            raise ValueError("a refusal names at least one problem")
        super().__init__(problems[0][1])
        self.problems: list[tuple[str, str]] = problems
        self.field = problems[0][0]

    @property
    def message(self) -> str:
        return self.problems[0][1]


class Forbidden(Refusal):
    """The actor may not do this at all (their role, their organisation)."""

    forbidden = True
    status = 403


class Conflict(Refusal):
    """A change the rules refuse as things stand (a draft already waits, a party has not
    signed)."""

    status = 409


class NotFound(Refusal):
    """What the request names does not exist (an involvement, a person)."""

    status = 404
