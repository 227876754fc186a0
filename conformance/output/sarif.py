"""report.sarif: a run's findings in SARIF 2.1.0, for code scanning (GitHub and others).

One rule per check, its claim as the short description and its docstring (which cites the
document the claim comes from) as help; the sources it cites (:mod:`conformance.sources`)
give the rule its ``helpUri`` (the first one's address) and its ``tags`` (``"seed 003"``,
``"RFC 9110 §15.6"``, ``"ASVS 5.0 V6.3.8"``), so code scanning can filter by standard.
A broken contract claim is an ``error``, a broken advisory a ``warning``; a suite error is
no finding about the target and is left out. The location is the target URL of the failing
request, named as a logical location too.
"""

from __future__ import annotations

import inspect
from typing import Any

from conformance.fixloop.baseline import cause_of, fingerprint
from conformance.sources import cited

__all__ = ["SARIF_SCHEMA", "SARIF_VERSION", "sarif_document"]

SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/authconform/authconform"
FINGERPRINT_KEY = "authconformFault/v1"
_LEVELS = {"failed": "error", "warned": "warning"}


def _docstrings(systems: list[str]) -> dict[str, str]:
    """``system/check`` -> the check's whole docstring (its claim and the document it cites)."""
    try:
        from conformance.checks.registry import checks_for
        from conformance.profiles import discover_profiles, load_checks
    except ImportError:
        return {}
    found = {}
    profiles = discover_profiles()
    for system in systems:
        if system not in profiles:
            continue
        load_checks(profiles[system])
        for chk in checks_for(system):
            found[f"{system}/{chk.name}"] = inspect.cleandoc(chk.func.__doc__ or "")
    return found


def _rule(result: dict[str, Any], docs: dict[str, str]) -> dict[str, Any]:
    rule_id = f"{result['system']}/{result['name']}"
    doc = docs.get(rule_id) or (
        f"{result['summary']}\n\nJudged against spec/{result['system']}.openapi.yaml "
        "by Schemathesis."
    )
    level = "error" if result["level"] == "contract" else "warning"
    sources = cited(result.get("source") or "")
    rule: dict[str, Any] = {
        "id": rule_id,
        "name": result["name"],
        "shortDescription": {"text": result["summary"] or result["name"]},
        "fullDescription": {"text": doc},
        "help": {"text": doc},
        "defaultConfiguration": {"level": level},
        "properties": {"level": result["level"], "group": result["group"]},
    }
    if sources:
        rule["helpUri"] = sources[0].url
        rule["properties"]["source"] = result["source"]
        rule["properties"]["tags"] = list(dict.fromkeys(t for s in sources for t in s.tags))
    return rule


def _location(target: str, result: dict[str, Any]) -> dict[str, Any]:
    request = result.get("request") or {}
    path = request.get("path") or ""
    uri = target.rstrip("/") + path
    name = f"{request['method']} {path}" if request.get("method") else result["system"]
    return {
        # The target is a server, not a file; line 1 is where code scanning expects a region.
        "physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": 1}},
        "logicalLocations": [{"name": name, "kind": "resource"}],
    }


def _message(result: dict[str, Any]) -> str:
    parts = [result["message"] or result["summary"]]
    if result.get("details"):
        parts.append(result["details"])
    if result.get("reproduce"):
        parts.append("Reproduce:\n" + result["reproduce"])
    return "\n\n".join(parts)


def sarif_document(document: dict[str, Any]) -> dict[str, Any]:
    """The SARIF log of one report.json document."""
    docs = _docstrings(list(document.get("systems", [])))
    rules: dict[str, dict[str, Any]] = {}
    for result in document["results"]:
        rules.setdefault(f"{result['system']}/{result['name']}", _rule(result, docs))
    index = {rule_id: number for number, rule_id in enumerate(rules)}
    results = []
    for result in document["results"]:
        level = _LEVELS.get(result["outcome"])
        if level is None:
            continue
        rule_id = f"{result['system']}/{result['name']}"
        entry: dict[str, Any] = {
            "ruleId": rule_id,
            "ruleIndex": index[rule_id],
            "level": level,
            "message": {"text": _message(result)},
            "locations": [_location(document.get("target", ""), result)],
            "partialFingerprints": {FINGERPRINT_KEY: fingerprint(result)},
            "properties": {
                "outcome": result["outcome"],
                "level": result["level"],
                # The fault it shows, as the report groups and counts them.
                "fault": cause_of(result),
            },
        }
        if result.get("baseline"):
            entry["baselineState"] = {"new": "new", "unchanged": "unchanged"}.get(
                result["baseline"], "updated"
            )
        results.append(entry)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "authconform",
                        "version": str(document.get("version", "")),
                        "informationUri": INFORMATION_URI,
                        "rules": list(rules.values()),
                    }
                },
                "invocations": [
                    {"executionSuccessful": not (document.get("totals") or {}).get("incomplete")}
                ],
                "results": results,
            }
        ],
    }
