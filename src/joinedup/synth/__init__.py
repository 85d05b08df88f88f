"""The synthetic place: a town's gazetteer, its people, seven agencies' extracts, and the truth.

``generate_place(out, people, seed)`` writes:

* ``gazetteer.csv``: the LLPG-shaped address list (one row per LPI), with UPRNs,
  coordinates, classification and whether each address is inside the authority;
* ``extracts/``: one file per agency, in that agency's own format and with its own
  errors (see ``manifest.json`` for each file's source code, mapping and row count);
* ``truth/``: who each extract row really is, where people really live and lived, and
  how they are related. The product never loads it: it is there to measure accuracy.

Same ``people`` and ``seed``, same bytes.
"""

from joinedup.synth.place import PlaceSummary, generate_place

__all__ = ["PlaceSummary", "generate_place"]
