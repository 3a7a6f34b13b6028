"""Injected faults: the next calls of a method fail or time out, as tests ask."""

from __future__ import annotations

from fakegram.common import (
    JSON,
    ApiError,
    _clone,
    _Fault,
    _Timeout,
)
from fakegram.state import FakeState, _Params


class Faults(FakeState):
    """Failures and timeouts tests inject."""

    # ------------------------------------------------------------------ faults

    def fail_next(
        self,
        method: str,
        *,
        code: int = 429,
        description: str | None = None,
        retry_after: int | None = None,
        migrate_to_chat_id: int | None = None,
        times: int = 1,
        chat_id: int | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` (optionally only for ``chat_id``) fail."""
        parameters: JSON = {}
        if code == 429:
            retry_after = 1 if retry_after is None else retry_after
        if retry_after is not None:
            parameters["retry_after"] = retry_after
        if migrate_to_chat_id is not None:
            parameters["migrate_to_chat_id"] = migrate_to_chat_id
        if description is None:
            description = {
                429: f"Too Many Requests: retry after {retry_after}", 400: "Bad Request", 403: "Forbidden",
                409: "Conflict", 500: "Internal Server Error", 502: "Bad Gateway",
            }.get(code, "Error")  # fmt: skip
        fault = _Fault(code, description, parameters or None, times, chat_id)
        self._faults.setdefault(method.lower(), []).append(fault)

    def timeout_next(self, method: str, *, times: int = 1, deliver: bool = True) -> None:
        """The transport raises ``TimedOut``; with ``deliver`` the call took effect first."""
        self._timeouts[method.lower()] = _Timeout(times, deliver)

    def _take_fault(self, method: str, params: _Params) -> ApiError | None:
        for fault in self._faults.get(method.lower(), []):
            if fault.times <= 0:
                continue
            if fault.chat_id is not None:
                try:
                    if params.chat_id() != fault.chat_id:
                        continue
                except ApiError:
                    continue
            fault.times -= 1
            return ApiError(fault.code, fault.description, _clone(fault.parameters))
        return None

    def _take_timeout(self, method: str) -> _Timeout | None:
        timeout = self._timeouts.get(method.lower())
        if timeout is None or timeout.times <= 0:
            return None
        timeout.times -= 1
        return timeout
