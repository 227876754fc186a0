"""HTTP semantics the suite must get right itself (RFC 9110), on real loopback servers.

A 501 for a method the server does not implement is the answer §15.6.2 asks for, not a
server failure; a 500 for the same method still is one. And the suite's own client refuses
to send content with TRACE, GET, HEAD or DELETE (§9.3.8: a client MUST NOT send content with
TRACE); that none arrives at a server, from either stage, is seen in the other-readings runs
of tests/test_independent.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from independent import duktig
from test_independent import check_in_process

from conformance.engine.bounded import BoundedClient
from conformance.engine.context import Context
from conformance.openapi.files import load_spec

NO_CONTENT = ("GET", "HEAD", "DELETE", "TRACE")


@pytest.mark.slow
def test_a_server_answering_501_to_methods_it_lacks_is_conformant(tmp_path: Path) -> None:
    """Duktig on a POST-only http.server: every other method gets 501, and the run passes,
    the Schemathesis checks that see those answers included."""
    verdict = check_in_process(tmp_path, "duktig", ("only_post",))
    assert verdict.returncode == 0, verdict.explain()
    assert not verdict.failed and not verdict.named("blocked"), verdict.explain()
    assert "0 failures from 0 distinct faults" in verdict.output, verdict.explain()
    for name in ("schemathesis.not_a_server_error", "schemathesis.unsupported_method"):
        assert verdict.result(name)["outcome"] == "passed", verdict.explain()


@pytest.mark.slow
def test_a_500_for_a_method_the_server_lacks_is_one_fault(tmp_path: Path) -> None:
    """The same server with QUERY answered 500: exactly one fault, the server error."""
    verdict = check_in_process(tmp_path, "duktig", ("only_post", "query_crashes"))
    assert verdict.returncode == 1, verdict.explain()
    assert verdict.failed == {"schemathesis.not_a_server_error"}, verdict.explain()
    assert "1 failure from 1 distinct fault" in verdict.output, verdict.explain()
    details = verdict.result("schemathesis.not_a_server_error")["details"]
    assert "QUERY /auth/token" in details and "< 500" in details, details


def _context(url: str) -> Context:
    client = BoundedClient(timeout=5)
    return Context(base_url=url, system="duktig", client=client, spec=load_spec("duktig"))


def test_protocol_requests_count_a_500_but_not_a_501_for_an_undocumented_method(served) -> None:
    lacking = _context(served(duktig, ("only_post",)))
    assert lacking.request("PUT", duktig.TOKEN).status_code == 501
    assert lacking.server_errors == {}
    crashing = _context(served(duktig, ("only_post", "query_crashes")))
    assert crashing.request("QUERY", duktig.TOKEN).status_code == 500
    assert list(crashing.server_errors) == ["QUERY /auth/token"]


@pytest.mark.parametrize("method", NO_CONTENT)
def test_the_client_refuses_to_send_content_with_a_bodiless_method(method: str) -> None:
    """A check that tried would be the suite's bug, reported as such, never sent."""
    with BoundedClient(timeout=5) as client, pytest.raises(ValueError, match="no content"):
        client.request(method, "http://127.0.0.1:1/x", json={"a": 1})
