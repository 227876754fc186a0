"""The documented OpenAPI specs: finding them, views per system, and drift from the docs pages.

Also writes the Schemathesis configuration a user can run on their own.
"""
