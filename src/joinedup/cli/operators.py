"""Who a command acts as: whoever runs it, under their operating-system user name."""

from __future__ import annotations


def data_team_actor():
    """Whoever runs the CLI, acting as the data team: the store is theirs to operate.

    Their reads of records still pass the sharing decision and are audited under their
    operating-system user name.
    """
    import getpass

    from joinedup.audit import Actor

    return Actor(username=getpass.getuser(), roles=frozenset({"data_team"}), channel="cli")


def administrator_actor():
    """Whoever runs the CLI, acting as an administrator of accounts: they hold the
    store's keys already. Their actions are audited under their operating-system user name."""
    import getpass

    from joinedup.audit import Actor

    return Actor(username=getpass.getuser(), roles=frozenset({"admin"}), channel="cli")
