"""authconform's conformance suite: checks a login/session API against its documents.

``cli`` parses commands, ``engine`` runs the checks of ``checks`` (and ``fuzz``'s
Schemathesis child) against one target, ``output`` writes what they found, ``openapi``
holds the specs and their drift from the docs, ``fixloop`` compares and replays runs.
docs/architecture.md draws the whole picture.
"""
