"""The ``joinedup`` command line: a thin shell over the capabilities, for data teams.

One command (or command group) per capability, each in the module named for it; this
module only names the commands. Long work shows a Rich progress bar. A command imports
what it does inside its function, so that ``joinedup --help`` is quick.
"""

from __future__ import annotations

import typer

from joinedup.cli import accounts, addresses, audit, extracts, people, place

app = typer.Typer(help="JoinedUp: a multi-agency information-sharing hub.", no_args_is_help=True)
users_app = typer.Typer(help="Manage the people who sign in.", no_args_is_help=True)
app.add_typer(users_app, name="users")
gazetteer_app = typer.Typer(help="The land and property gazetteer (LLPG) addresses are matched to.", no_args_is_help=True)
app.add_typer(gazetteer_app, name="gazetteer")
addresses_app = typer.Typer(help="Match source records' addresses to UPRNs, and report on them.", no_args_is_help=True)
app.add_typer(addresses_app, name="addresses")
export_app = typer.Typer(help="Export results as CSV.", no_args_is_help=True)
app.add_typer(export_app, name="export")
directory_app = typer.Typer(help="Each organisation's directory of teams and workers.", no_args_is_help=True)
app.add_typer(directory_app, name="directory")
involvements_app = typer.Typer(help="The involvement index: who is working with a person.", no_args_is_help=True)
app.add_typer(involvements_app, name="involvements")
flags_app = typer.Typer(help="Flags (child-protection plan, looked after, MARAC, …) read from extracts.",
                        no_args_is_help=True)
app.add_typer(flags_app, name="flags")
models_app = typer.Typer(help="The person index's linkage models: compare and adopt.", no_args_is_help=True)
app.add_typer(models_app, name="models")
audit_app = typer.Typer(help="The tamper-evident audit log: checkpoints, verification, receipts, proofs.",
                        no_args_is_help=True)
app.add_typer(audit_app, name="audit")
retention_app = typer.Typer(help="Delete what is past its agreement's retention period; withhold old log entries.",
                            no_args_is_help=True)
app.add_typer(retention_app, name="retention")
monitor_app = typer.Typer(help="Monitoring: rules over the audit log that raise review tasks for IG leads.",
                          no_args_is_help=True)
app.add_typer(monitor_app, name="monitor")

# The commands, in the order a data team meets them.
app.command()(place.init)
app.command()(place.synth)
app.command()(extracts.ingest)
app.command()(people.link)
app.command()(place.serve)
app.command("privacy-notice")(place.privacy_notice_command)
app.command()(place.demo)

# What is read from the extracts besides records.
directory_app.command("load")(extracts.directory_load)
involvements_app.command("index")(extracts.involvements_index)
flags_app.command("index")(extracts.flags_index)

# Addresses.
gazetteer_app.command("load")(addresses.gazetteer_load)
addresses_app.command("match")(addresses.addresses_match)
addresses_app.command("report")(addresses.addresses_report)
export_app.command("addresses")(addresses.export_addresses_command)

# The person index.
models_app.command("list")(people.models_list)
models_app.command("adopt")(people.models_adopt)
export_app.command("links")(people.export_links_command)
export_app.command("persons")(people.export_persons_command)

# Accounts.
users_app.command("add")(accounts.add_user)
users_app.command("unlock")(accounts.unlock_user)
users_app.command("roles")(accounts.change_user_roles)

# The audit log, the monitoring that reads it, and retention.
audit_app.command("checkpoint")(audit.audit_checkpoint)
audit_app.command("verify")(audit.audit_verify)
audit_app.command("receipt")(audit.audit_receipt)
audit_app.command("check-receipt")(audit.audit_check_receipt)
audit_app.command("prove-consistency")(audit.audit_prove_consistency)
audit_app.command("check-consistency")(audit.audit_check_consistency)
audit_app.command("public-key")(audit.audit_public_key)
monitor_app.command("run")(audit.monitor_run)
monitor_app.command("declare")(audit.monitor_declare)
retention_app.command("run")(audit.retention_run)

__all__ = ["app"]
