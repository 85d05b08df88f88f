"""The person index: every agency's records of one human being linked into one person.

``link_people`` scores pairs of source records with a Splink model (on DuckDB),
clusters them into persons with stable ids and golden records, and respects people's
decisions on pairs; ``link_new_records`` attaches new records without a full rerun.
The review functions let the data team accept, reject, merge and split. Reading
persons for people to see is the disclosure layer's (:mod:`joinedup.disclosure.persons`).
See docs/people.md.
"""

from joinedup.people.clustering import Clusters, assign_ids, cluster
from joinedup.people.decisions import decide_pair
from joinedup.people.golden import GOLDEN_FIELDS, golden_record, read_records
from joinedup.people.households import (
    Address,
    FamilyMember,
    FamilyView,
    Household,
    PersonSummary,
    Relationship,
    RelationshipScore,
    Tie,
    family_view,
    household_of,
    households,
    relationships,
    score_relationships,
    uprn_addresses,
)
from joinedup.people.linking import (
    adopt_model,
    adopted_model,
    last_run,
    link_new_records,
    link_people,
    link_thresholds,
    low_information,
    set_link_thresholds,
    train_model,
)
from joinedup.people.lookup import PERSON_ID, PERSON_ID_PATTERN, person_by_id
from joinedup.people.models import (
    LinkModel,
    LinkPair,
    LinkRun,
    LinkSettings,
    PairDecision,
    Person,
    PersonEvent,
    PersonRecord,
)
from joinedup.people.review import (
    PairExplanation,
    ReviewRefused,
    explain_pair,
    merge_persons,
    person_history,
    person_of,
    review_pair,
    review_queue,
    split_record,
)

__all__ = [
    "PERSON_ID",
    "PERSON_ID_PATTERN",
    "GOLDEN_FIELDS",
    "Address",
    "Clusters",
    "FamilyMember",
    "FamilyView",
    "Household",
    "LinkModel",
    "LinkPair",
    "LinkRun",
    "LinkSettings",
    "PairDecision",
    "PairExplanation",
    "Person",
    "PersonEvent",
    "PersonRecord",
    "PersonSummary",
    "Relationship",
    "RelationshipScore",
    "ReviewRefused",
    "Tie",
    "adopt_model",
    "adopted_model",
    "assign_ids",
    "cluster",
    "decide_pair",
    "explain_pair",
    "family_view",
    "golden_record",
    "household_of",
    "households",
    "last_run",
    "link_new_records",
    "link_people",
    "link_thresholds",
    "low_information",
    "merge_persons",
    "person_by_id",
    "person_history",
    "person_of",
    "read_records",
    "relationships",
    "review_pair",
    "review_queue",
    "score_relationships",
    "set_link_thresholds",
    "split_record",
    "train_model",
    "uprn_addresses",
]
