"""The hub's HTTP client for HQ (httpx): https works by URL, certificates checked by default."""

from __future__ import annotations

import json
from typing import Any

import httpx


class TransientError(Exception):
    """Worth retrying: network error, timeout, 5xx, a garbled answer."""


class FatalError(Exception):
    """Not worth retrying until a person acts: 401/403 or another 4xx."""

    def __init__(self, status: int, message: str) -> None:
        # status 0: refused before or without an HTTP answer (no URL, a bad certificate...)
        super().__init__(f"HQ answered {status}: {message}" if status else message)
        self.status = status


class HQClient:
    def __init__(
        self,
        base_url: str,
        hub_id: str,
        token: str,
        *,
        verify: bool = True,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.hub_id = hub_id
        self._http = httpx.Client(
            base_url=base_url.rstrip("/"),
            headers={"Authorization": f"Bearer {token}"},
            verify=verify,
            timeout=timeout,
            transport=transport,
        )

    def close(self) -> None:
        self._http.close()

    def push(self, events: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", f"/v1/hubs/{self.hub_id}/events", json={"events": events})

    def changes(self, after: int, limit: int) -> dict[str, Any]:
        return self._call(
            "GET", f"/v1/hubs/{self.hub_id}/changes", params={"after": after, "limit": limit}
        )

    def _call(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            resp = self._http.request(method, path, **kw)
        except httpx.HTTPError as exc:  # connect/read errors, timeouts
            if "CERTIFICATE_VERIFY_FAILED" in str(exc):
                # Retrying cannot fix a certificate HQ does not prove: a person must look.
                raise FatalError(0, f"HQ's TLS certificate was not accepted: {exc}") from exc
            raise TransientError(f"{type(exc).__name__}: {exc}") from exc
        if resp.status_code >= 500:
            raise TransientError(f"HQ answered {resp.status_code}")
        if resp.status_code == 429 or resp.status_code == 408:
            raise TransientError(f"HQ answered {resp.status_code}")
        if resp.status_code >= 400:
            raise FatalError(resp.status_code, _detail(resp))
        try:
            body = resp.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise TransientError("HQ's answer is not JSON") from exc
        if not isinstance(body, dict):
            raise TransientError("HQ's answer is not a JSON object")
        return body


def _detail(resp: httpx.Response) -> str:
    try:
        detail = resp.json().get("detail", "")
    except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
        detail = resp.text[:200]
    return str(detail)[:300]
