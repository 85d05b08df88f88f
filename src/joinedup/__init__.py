"""JoinedUp: a multi-agency information-sharing hub for local public services."""

__version__ = "0.1.0"
