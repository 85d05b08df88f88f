"""The person index: every agency's records of one human being linked into one person.

``link_people`` scores pairs of source records with a Splink model (on DuckDB),
clusters them into persons with stable ids and golden records, and respects people's
decisions on pairs. See docs/people.md.
"""

from joinedup.people.decisions import decide_pair
from joinedup.people.export import LINK_COLUMNS, export_links
from joinedup.people.linking import (
    adopt_model,
    adopted_model,
    assign_ids,
    cluster,
    golden_record,
    last_run,
    link_people,
    low_information,
    train_model,
)
from joinedup.people.models import LinkModel, LinkRun, PairDecision, Person, PersonRecord

__all__ = [
    "LINK_COLUMNS",
    "LinkModel",
    "LinkRun",
    "PairDecision",
    "Person",
    "PersonRecord",
    "adopt_model",
    "adopted_model",
    "assign_ids",
    "cluster",
    "decide_pair",
    "export_links",
    "golden_record",
    "last_run",
    "link_people",
    "low_information",
    "train_model",
]
