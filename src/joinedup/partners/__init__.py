"""Partner organisations and the agency systems whose extracts they share."""

from joinedup.partners.models import ORGANISATION_TYPES, Organisation, SourceSystem

__all__ = ["ORGANISATION_TYPES", "Organisation", "SourceSystem"]
