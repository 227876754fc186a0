"""User API checks (seed 003): signup and login, the one-hour HS256 token, refusals.

Seed 003 documents only the 200 answers. Where it is silent (error codes, validation)
a check demands only what any careful server does, "a 4xx", and says so; the
project's own choices (400/401/409) are named as one accepted reading, never required.
Every user is invented from the run's seed with the run's tag in its email, so the
checks can run again and again against the same server. A check that expects a refusal
because of one field shows the same request with that field valid accepted (its
control), so a refusal for another reason is never credited to that field.

Levels: what seed 003 says (the 200 bodies, the HS256 token and its claims, "only valid
for 1 hour", required fields) is the contract; the project's limits, status codes and
error body shape are advisories, read from the spec's ``x-authconform-advisory`` marks.

The profile imports the check modules in this order, which is the order of the reports:
``round_trip``, ``emails``, ``refusals``, ``injection``, ``schema``, ``login``,
``validation``, ``trust``, ``headers``, ``passwords``, ``discovery``, ``semantics`` (RFC 9110
rules any HTTP server must follow). ``account`` (users, signups, logins and the cached
session, had from any answer that serves) and ``common`` hold shared helpers and register
nothing; no check module imports another.
"""
