"""Partner organisations and the agency systems whose extracts they share."""

from joinedup.partners.models import ORGANISATION_TYPES, Organisation, SourceSystem
from joinedup.partners.directory import is_source_system, source_systems

__all__ = ["ORGANISATION_TYPES", "Organisation", "SourceSystem", "is_source_system", "source_systems"]
