"""Documented-answer coverage: what counts as seen, per operation and status code."""

from __future__ import annotations

from conformance.fixloop.coverage import coverage_lines, system_coverage

SPEC = {
    "paths": {
        "/api/user/login": {
            "post": {"responses": {"200": {}, "401": {}, "4XX": {}, "x-authconform-advisory": {}}}
        },
        "/items/{id}": {"get": {"responses": {"200": {}, "404": {}}}},
    }
}


def _table(seen: set[tuple[str, str, str, int]]) -> dict:
    return system_coverage(SPEC, "user-api", seen)


def _op(table: dict, path: str) -> dict:
    return next(op for op in table["operations"] if op["path"] == path)


def test_a_range_counts_only_for_a_status_the_operation_does_not_list() -> None:
    listed_only = _table({("user-api", "POST", "/api/user/login", 401)})
    assert _op(listed_only, "/api/user/login")["seen"] == ["401"]
    other_4xx = _table({("user-api", "POST", "/api/user/login", 422)})
    assert _op(other_4xx, "/api/user/login")["seen"] == ["4XX"]
    assert _op(other_4xx, "/api/user/login")["never"] == ["200", "401"]


def test_extensions_are_no_status_codes_and_undocumented_answers_are_named() -> None:
    table = _table({("user-api", "GET", "/items/7", 200), ("user-api", "GET", "/items/7", 500)})
    items = _op(table, "/items/{id}")
    assert items["seen"] == ["200"] and items["undocumented"] == [500]
    assert table["documented"] == 5  # 200, 401, 4XX, and 200, 404: no x- key
    assert table["covered"] == 1 and table["percent"] == 20.0


def test_other_systems_and_methods_do_not_count() -> None:
    table = _table(
        {("fib", "POST", "/api/user/login", 200), ("user-api", "GET", "/api/user/login", 200)}
    )
    assert table["covered"] == 0


def test_the_terminal_table_names_seen_and_never_seen_codes() -> None:
    table = _table({("user-api", "POST", "/api/user/login", 200)})
    document = {"systems": {"user-api": table}, "covered": 1, "documented": 5, "percent": 20.0}
    lines = coverage_lines(document)
    assert lines[0] == "Documented-answer coverage: 1 of 5 documented status codes seen (20%)"
    assert "    POST /api/user/login: seen 200; never 401, 4XX" in lines


def test_a_project_addition_is_no_documented_operation() -> None:
    spec = {
        "paths": {
            "/login": {"post": {"responses": {"200": {}}}},
            "/.well-known/jwks.json": {
                "get": {"responses": {"200": {}}, "x-authconform-addition": {"why": "keys"}}
            },
        }
    }
    table = system_coverage(spec, "fib", set())
    assert [op["path"] for op in table["operations"]] == ["/login"]
    assert table["documented"] == 1
