"""Users with one profile per organisation, locks, API keys and passwords."""

import pytest

from support import client, raises_4xx, raises_status
from thehive4py.query.filters import Eq


def test_profile_per_organisation_lock_key_password_delete(admin, make_org, uid):
    a = make_org("usra")
    b = make_org("usrb")
    login = f"multi-{uid}@compat.test"
    first_pw = f"first-{uid}-pw"

    user = admin.user.create(
        user={
            "login": login,
            "name": "Multi Org",
            "email": login,
            "profile": "analyst",
            "organisation": a["name"],
            "password": first_pw,
        }
    )
    user_id = user["_id"]
    assert user["login"] == login
    assert user["hasPassword"] is True
    assert user["hasKey"] is False
    assert user["locked"] is False

    # memberships are set exactly; the answer repeats them with `default` filled in
    wanted = [
        {"organisation": a["name"], "profile": "analyst", "default": True},
        {"organisation": b["name"], "profile": "read-only", "default": False},
    ]
    assert admin.user.set_organisations(user_id, wanted) == wanted

    # the user as seen from each organisation carries that organisation's profile
    in_a = client(username=login, password=first_pw, organisation=a["name"])
    in_b = client(username=login, password=first_pw, organisation=b["name"])
    seen_a = in_a.user.get(user_id)
    seen_b = in_b.user.get(user_id)
    assert (seen_a["organisation"], seen_a["profile"]) == (a["name"], "analyst")
    assert (seen_b["organisation"], seen_b["profile"]) == (b["name"], "read-only")
    assert not [p for p in seen_b.get("permissions", []) if p.startswith("manage")]
    assert "manageCase/create" in seen_a["permissions"]
    assert in_b.user.get_current() == seen_b
    memberships = {(o["organisation"], o["profile"]) for o in seen_a["organisations"]}
    assert memberships == {(a["name"], "analyst"), (b["name"], "read-only")}
    # without X-Organisation the default organisation (a) is used
    assert client(username=login, password=first_pw).user.get_current()["organisation"] == a["name"]

    # an API key: renew answers it as plain text; a Bearer client works with it
    key = admin.user.renew_apikey(user_id)
    assert isinstance(key, str) and len(key) >= 16
    by_key = client(apikey=key)
    current = by_key.user.get_current()
    assert current["login"] == login
    assert current["hasKey"] is True
    assert client(apikey=key, organisation=b["name"]).user.get_current()["profile"] == "read-only"

    # a lock refuses Basic auth and the key with 401 AuthenticationError
    with pytest.deprecated_call():
        admin.user.lock(user_id)
    assert admin.user.get(user_id)["locked"] is True
    with raises_status(401, "AuthenticationError"):
        in_a.user.get_current()
    with raises_status(401, "AuthenticationError"):
        by_key.user.get_current()

    with pytest.deprecated_call():
        admin.user.unlock(user_id)
    assert admin.user.get(user_id)["locked"] is False
    assert in_a.user.get_current()["login"] == login
    assert by_key.user.get_current()["login"] == login

    # renewing replaces the key
    new_key = admin.user.renew_apikey(user_id)
    assert new_key != key
    with raises_status(401, "AuthenticationError"):
        by_key.user.get_current()
    assert client(apikey=new_key).user.get_current()["login"] == login

    # password set by the admin, then changed by the user (login in the path)
    second_pw = f"second-{uid}-pw"
    third_pw = f"third-{uid}-pw"
    admin.user.set_password(user_id, second_pw)
    with raises_status(401, "AuthenticationError"):
        in_a.user.get_current()
    own = client(username=login, password=second_pw)
    assert own.user.get_current()["login"] == login
    own.user.change_password(login, password=third_pw, current_password=second_pw)
    with raises_status(401, "AuthenticationError"):
        client(username=login, password=second_pw).user.get_current()
    assert client(username=login, password=third_pw).user.get_current()["login"] == login

    # removing the key
    admin.user.remove_apikey(user_id)
    with raises_status(401, "AuthenticationError"):
        client(apikey=new_key).user.get_current()
    assert admin.user.get(user_id)["hasKey"] is False

    # delete from b: the account stays in a; delete from a: the account goes
    admin.user.delete(user_id, organisation=b["name"])
    left = client(username=login, password=third_pw).user.get_current()
    assert [o["organisation"] for o in left["organisations"]] == [a["name"]]
    with raises_status(403, "AuthorizationError"):
        client(username=login, password=third_pw, organisation=b["name"]).user.get_current()
    admin.user.delete(user_id, organisation=a["name"])
    with raises_status(404, "NotFoundError"):
        admin.user.get(user_id)
    with raises_status(401, "AuthenticationError"):
        client(username=login, password=third_pw).user.get_current()


def test_wrong_password_is_401_authentication_error(admin, make_org, uid):
    org = make_org("pw")
    login = f"pw-{uid}@compat.test"
    admin.user.create(
        user={
            "login": login,
            "name": "pw",
            "profile": "analyst",
            "organisation": org["name"],
            "password": f"right-{uid}",
        }
    )
    with raises_status(401, "AuthenticationError"):
        client(username=login, password=f"wrong-{uid}").user.get_current()
    with raises_status(401, "AuthenticationError"):
        client(apikey=f"not-a-key-{uid}").user.get_current()


def test_change_password_needs_the_current_one(admin, make_org, uid):
    org = make_org("chpw")
    login = f"chpw-{uid}@compat.test"
    pw = f"pw-{uid}-one"
    admin.user.create(
        user={"login": login, "name": "c", "profile": "analyst", "organisation": org["name"], "password": pw}
    )
    own = client(username=login, password=pw)
    with raises_4xx():
        own.user.change_password(login, password=f"pw-{uid}-two", current_password="not-it")
    # nothing changed
    assert own.user.get_current()["login"] == login


def test_create_existing_login_returns_the_same_user(admin, make_org, make_member, uid):
    org = make_org("again")
    manager = make_member(org["name"], "org-admin")
    body = {"login": f"again-{uid}@compat.test", "name": "again", "profile": "analyst"}
    first = manager.api.user.create(user=body)
    second = manager.api.user.create(user=body)
    assert first == second
    assert first["organisation"] == org["name"] and first["profile"] == "analyst"
    assert manager.api.user.get(first["_id"]) == first
    found = manager.api.user.find(filters=Eq("login", body["login"]))
    assert found == [first]
    assert manager.api.user.count(filters=Eq("login", body["login"])) == 1


def test_update_name_and_profile(admin, make_org, make_member):
    org = make_org("upd")
    member = make_member(org["name"], "analyst")
    admin.user.update(member.id, {"name": "Renamed", "profile": "read-only", "organisation": org["name"]})
    me = member.api.user.get_current()
    assert me["name"] == "Renamed"
    assert me["profile"] == "read-only"


def test_users_of_other_organisations_are_hidden(make_org, make_member):
    a = make_org("hida")
    b = make_org("hidb")
    in_a = make_member(a["name"], "org-admin")
    in_b = make_member(b["name"], "analyst")
    with raises_status(404, "NotFoundError"):
        in_a.api.user.get(in_b.id)
    assert in_a.api.user.find(filters=Eq("login", in_b.login)) == []


def test_naming_a_foreign_organisation_is_403(make_org, make_member):
    a = make_org("fora")
    b = make_org("forb")
    member = make_member(a["name"])
    with raises_status(403, "AuthorizationError"):
        member.in_org(b["name"]).user.get_current()
