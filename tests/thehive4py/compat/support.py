"""Helpers shared by the compatibility tests (settings, clients, error and shape checks)."""

import contextlib
import os
from typing import Dict, Iterator, List, Optional

import pytest
from typing_extensions import NotRequired, get_origin, get_type_hints

from thehive4py.client import TheHiveApi
from thehive4py.errors import TheHiveError

HIVE_URL = os.environ.get("HIVE_URL", "")
HIVE_USER = os.environ.get("HIVE_USER") or "admin@tenantry.local"
HIVE_PASSWORD = os.environ.get("HIVE_PASSWORD") or "secret"
HIVE_ADMIN_ORG = os.environ.get("HIVE_ADMIN_ORG") or "admin"
HIVE_RETRIES = int(os.environ.get("HIVE_RETRIES") or "0")


# ---------------------------------------------------------------------------
# clients
# ---------------------------------------------------------------------------


def client(
    *,
    apikey: Optional[str] = None,
    username: Optional[str] = None,
    password: Optional[str] = None,
    organisation: Optional[str] = None,
) -> TheHiveApi:
    """A thehive4py client for HIVE_URL (Basic auth wins when both are given)."""
    return TheHiveApi(
        url=HIVE_URL,
        apikey=apikey,
        username=username,
        password=password,
        organisation=organisation,
        max_retries=HIVE_RETRIES,
    )


class Member:
    """A user of one organisation and a client acting as them there (API key)."""

    def __init__(self, user: dict, apikey: str, organisation: str):
        self.user = user
        self.id = user["_id"]
        self.login = user["login"]
        self.apikey = apikey
        self.organisation = organisation
        self.api = client(apikey=apikey, organisation=organisation)

    def in_org(self, organisation: Optional[str]) -> TheHiveApi:
        """The same key with another active organisation (None: the default one)."""
        return client(apikey=self.apikey, organisation=organisation)


# ---------------------------------------------------------------------------
# errors
# ---------------------------------------------------------------------------


@contextlib.contextmanager
def raises_status(status: int, kind: Optional[str] = None) -> Iterator[None]:
    """Expects thehive4py's TheHiveError carrying an HTTP `status` response.

    TheHive's error bodies are `{"type", "message"}`; thehive4py turns them into
    the message "<type> - <message>", which is checked against `kind` when given.
    """
    with pytest.raises(TheHiveError) as info:
        yield
    err = info.value
    assert err.response is not None, f"no HTTP response on {err!r}"
    got = err.response.status_code
    assert got == status, (
        f"expected HTTP {status}, got {got}: {err.response.request.method} "
        f"{err.response.request.url} -> {err.response.text}"
    )
    body = err.response.json()
    assert isinstance(body, dict) and "type" in body and "message" in body, err.response.text
    if kind is not None:
        assert body["type"] == kind, err.response.text
        assert str(err).startswith(f"{kind} - "), str(err)


def raises_4xx() -> "contextlib.AbstractContextManager":
    """Any client error (the contract only says the call must be refused)."""
    return _raises_4xx()


@contextlib.contextmanager
def _raises_4xx() -> Iterator[None]:
    with pytest.raises(TheHiveError) as info:
        yield
    resp = info.value.response
    assert resp is not None and 400 <= resp.status_code < 500, (
        f"expected a 4xx, got {resp.status_code if resp is not None else None}: "
        f"{resp.text if resp is not None else info.value}"
    )


# ---------------------------------------------------------------------------
# whole-object checks against thehive4py's own types
# ---------------------------------------------------------------------------

_SIMPLE = {str: str, int: int, bool: bool, dict: dict}


def required_keys(typed_dict) -> Dict[str, object]:
    """The keys a thehive4py Output* TypedDict declares required, with their types."""
    hints = get_type_hints(typed_dict, include_extras=True)
    return {k: v for k, v in hints.items() if get_origin(v) is not NotRequired}


def assert_shape(obj: dict, typed_dict) -> None:
    """`obj` has every key `typed_dict` requires, with the right simple types."""
    assert isinstance(obj, dict), obj
    keys = required_keys(typed_dict)
    missing = [k for k in keys if k not in obj]
    assert not missing, f"{typed_dict.__name__}: missing required keys {missing} in {obj}"
    wrong = []
    for key, hint in keys.items():
        value = obj[key]
        want = _SIMPLE.get(hint)
        if want is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif want is not None:
            ok = isinstance(value, want)
        elif get_origin(hint) in (list, List):
            ok = isinstance(value, list)
        else:
            ok = True
        if not ok:
            wrong.append((key, value))
    assert not wrong, f"{typed_dict.__name__}: keys of the wrong type {wrong} in {obj}"


def ids(objects: List[dict]) -> List[str]:
    return [o["_id"] for o in objects]
