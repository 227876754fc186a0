"""Duktig checks (seed 004), one module per claim family: the X-Auth-Key gate, the 422 map,
401/403, the token pair.

The profile imports the check modules in this order, which is the order of the reports:
``auth_key``, ``validation``, ``login``, ``robustness``, ``injection``, ``schema``,
``account``, ``trust``, ``headers``, ``discovery``, ``semantics`` (RFC 9110 rules any HTTP
server must follow).
``common`` holds seed 004's words, the token request and the cached sign-in, and
registers nothing; no check module imports another.

Seed 004 gives exact messages and shapes, so these checks hold the target to them.
Where it is silent (how a missing X-Auth-Key is refused, what lastLogin means on a
first login, token lifetimes beyond "in the example"), a check demands only what the
documents imply and says so. Every check needs the ``duktig`` credentials section
(``authKey``; ``users`` or ``inactiveUsers`` where named) and skips without it.

Documents: seed 004 (the authorization page) and Duktig's "General error responses"
page it links to (400 with a list of messages for a body that is not JSON, 401
"Unauthorized", 403 "Forbidden"). Everything they fix is a contract; the reference's
own error bodies for 413/415 and its always-set lastLogin are advisories.
"""
