"""Is this the API at all? A few requests per system before any check runs.

Each documented operation is sent an empty JSON object, and the same method is sent to an
undocumented sibling path. A documented path that redirects, refuses its documented
method (405/501), answers with the same not-found page as the made-up path, or answers
without JSON where the spec documents JSON, shows nothing of the API. A system whose
operations all look like that is not there: the run stops with a target error naming
what was seen, instead of reporting hundreds of meaningless verdicts (or passes) against
a file server. A server failing (500) or refusing (401) everywhere is a broken API, not
a missing one: its checks run and say how.
"""

from __future__ import annotations

import random
from typing import Any

import httpx

from conformance.engine.bounded import BoundedClient, BoundedResponse, ResponseTooLarge, describe
from conformance.errors import TargetError

__all__ = ["looks_like", "operations"]

_METHODS = ("get", "put", "post", "delete", "patch")
_CONTROL_PREFIX = "authconform-no-such-path-"
_NOT_FOUND = (404, 410)


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """``(METHOD, path, operation)`` for every documented operation with a fixed path."""
    found = []
    for path, item in (spec.get("paths") or {}).items():
        if "{" in path or not isinstance(item, dict):
            continue
        for method in _METHODS:
            if isinstance(item.get(method), dict):
                found.append((method.upper(), path, item[method]))
    return found


def _documents_json(operation: dict[str, Any]) -> bool:
    for response in (operation.get("responses") or {}).values():
        content = response.get("content") if isinstance(response, dict) else None
        if any("json" in media for media in content or {}):
            return True
    return False


def _kind(response: httpx.Response) -> str:
    media = response.headers.get("content-type", "no content type").split(";")[0].strip()
    return f"{response.status_code} {media}"


def _send(client: BoundedClient, base_url: str, method: str, path: str) -> BoundedResponse:
    body = {} if method in ("POST", "PUT", "PATCH") else None
    try:
        return client.request(method, base_url + path, json=body)
    except ResponseTooLarge as exc:
        raise TargetError(
            f"target {base_url}",
            f"not the API: {method} {path} answered more than {client.max_bytes} bytes",
        ) from exc
    except httpx.RequestError as exc:
        raise TargetError(
            f"target {base_url}", f"no answer to {method} {path} ({describe(exc)})"
        ) from exc


def _unlike_api(answer: BoundedResponse, control: BoundedResponse, wants_json: bool) -> str | None:
    """Why this answer shows nothing of the API, or None if it may be the API."""
    if 300 <= answer.status_code < 400:
        where = answer.headers.get("location", "nowhere said")
        return f"redirects ({answer.status_code} to {where})"
    if answer.status_code in (405, 501):
        return f"refuses the documented method ({_kind(answer)})"
    # Only a not-found page counts: a server failing (500) or closed (401) everywhere is
    # still a broken API, and its checks say how.
    same = answer.status_code == control.status_code and answer.content == control.content
    if same and answer.status_code in _NOT_FOUND:
        return f"answers like an unknown path ({_kind(answer)})"
    if wants_json and "json" not in answer.headers.get("content-type", "").lower():
        return f"answers {_kind(answer)}, not JSON"
    return None


def looks_like(
    client: BoundedClient,
    base_url: str,
    profile: Any,
    spec: dict[str, Any],
    rng: random.Random | None = None,
) -> str:
    """What showed the target to be ``profile``'s API; TargetError when nothing did.

    ``rng`` (the run's seed) names the made-up control path, so a repeat sends the same.
    """
    base_url = base_url.rstrip("/")
    token = f"{(rng or random.Random()).getrandbits(48):012x}"
    seen = []
    for method, path, operation in operations(spec):
        answer = _send(client, base_url, method, path)
        parent = path.rstrip("/").rsplit("/", 1)[0]
        control_path = f"{parent}/{_CONTROL_PREFIX}{token}"
        control = _send(client, base_url, method, control_path)
        # The made-up path may echo itself back: compare with it taken out.
        control = BoundedResponse(
            control.status_code,
            headers=control.headers,
            content=control.content.replace(control_path.encode(), path.encode()),
            request=control.request,
        )
        why = _unlike_api(answer, control, _documents_json(operation))
        if why is None:
            return f"{method} {path} answered {_kind(answer)}"
        seen.append(f"{method} {path} {why}")
    if not seen:
        return "no fixed-path operation documented to compare with"
    raise TargetError(
        f"target {base_url}",
        f"does not look like {profile.title}: {'; '.join(seen)}",
    )
