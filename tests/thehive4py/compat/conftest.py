"""Tenantry's own compatibility tests, driven by the real thehive4py client.

Environment:
  HIVE_URL       the server (required), e.g. http://127.0.0.1:9000
  HIVE_USER      a platform administrator (member of `admin` with profile `admin`)
  HIVE_PASSWORD  that administrator's password
  HIVE_ADMIN_ORG the administrators' organisation (default `admin`)
  HIVE_RETRIES   client retries on 5xx (default 0: a 5xx fails at once)

Every test makes its own organisations and users with unique names (uuid
suffixes), so the tests do not depend on one another, on their order or on a
clean database. Per-organisation clients authenticate with API keys
(`Authorization: Bearer`), the administrator with Basic auth, as thehive4py does.
"""

import uuid
from typing import Callable

import pytest

from support import HIVE_ADMIN_ORG, HIVE_PASSWORD, HIVE_URL, HIVE_USER, Member, client
from thehive4py.client import TheHiveApi


def pytest_configure(config):
    if not HIVE_URL and not config.option.collectonly:
        raise pytest.UsageError("HIVE_URL is not set (e.g. HIVE_URL=http://127.0.0.1:9000)")


@pytest.fixture(scope="session")
def admin() -> TheHiveApi:
    """The platform administrator, Basic auth, active organisation `admin`."""
    return client(username=HIVE_USER, password=HIVE_PASSWORD, organisation=HIVE_ADMIN_ORG)


@pytest.fixture
def uid() -> str:
    """A short unique suffix for the names this test makes."""
    return uuid.uuid4().hex[:10]


@pytest.fixture
def make_org(admin: TheHiveApi, uid: str) -> Callable[..., dict]:
    """Creates an organisation named `<prefix>-<uid>`."""

    def make(prefix: str = "org", **fields) -> dict:
        body = {"name": f"{prefix}-{uid}", "description": f"{prefix} organisation {uid}"}
        body.update(fields)
        return admin.organisation.create(organisation=body)

    return make


@pytest.fixture
def make_member(admin: TheHiveApi, uid: str) -> Callable[..., Member]:
    """Creates a user in an organisation with a profile and gives them an API key."""
    counter = iter(range(1000))

    def make(organisation: str, profile: str = "analyst", prefix: str = "user") -> Member:
        login = f"{prefix}{next(counter)}-{uid}@compat.test"
        user = admin.user.create(
            user={
                "login": login,
                "name": f"{prefix} {uid}",
                "profile": profile,
                "organisation": organisation,
            }
        )
        key = admin.user.renew_apikey(user_id=user["_id"])
        assert isinstance(key, str) and key, f"renew_apikey answered {key!r}"
        return Member(user, key, organisation)

    return make


@pytest.fixture
def org_env(make_org, make_member) -> Member:
    """A fresh organisation with an analyst; `.api` acts as that analyst there.

    The organisation is new, so queries in it see only what the test made.
    """
    org = make_org("work")
    return make_member(org["name"], "analyst")
