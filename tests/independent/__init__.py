"""Servers written apart from the reference, each taking the other reading of silent documents.

One module per system (``fib``, ``user_api``, ``duktig``), all on the standard library's
``http.server``. Each offers ``serve(port=0, flags=...) -> (url, stop)`` and
``credentials()``, the section of a credentials file naming the users it has. ``flags``
switch on one deliberate fault at a time (the mutants); ``MUTANTS`` in each module lists
them with the check that must catch them. Nothing here imports the project's packages.
"""
