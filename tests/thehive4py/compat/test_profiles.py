"""Custom profiles through api.profile, and what they grant."""

from support import raises_4xx, raises_status
from thehive4py.query.filters import Eq


def test_create_get_update_delete(admin, uid):
    name = f"triage-{uid}"
    permissions = ["manageCase/create", "manageCase/update", "manageTask"]
    created = admin.profile.create({"name": name, "permissions": permissions})
    assert created["name"] == name
    assert created["permissions"] == permissions
    assert created["_type"] == "Profile"
    assert created["editable"] is True

    assert admin.profile.get(created["_id"]) == created
    assert admin.profile.get(name) == created
    assert admin.profile.find(filters=Eq("name", name)) == [created]
    assert admin.profile.count(filters=Eq("name", name)) == 1

    updated_permissions = ["manageCase/create", "manageObservable"]
    admin.profile.update(created["_id"], {"permissions": updated_permissions})
    updated = admin.profile.get(created["_id"])
    assert updated["permissions"] == updated_permissions
    assert updated["name"] == name

    renamed = f"triage2-{uid}"
    admin.profile.update(created["_id"], {"name": renamed})
    assert admin.profile.get(created["_id"])["name"] == renamed

    admin.profile.delete(created["_id"])
    with raises_status(404, "NotFoundError"):
        admin.profile.get(created["_id"])


def test_unknown_permission_is_400(admin, uid):
    with raises_status(400, "BadRequest"):
        admin.profile.create({"name": f"bogus-{uid}", "permissions": ["manageEverything"]})
    assert admin.profile.find(filters=Eq("name", f"bogus-{uid}")) == []


def test_builtin_profiles_cannot_be_deleted(admin):
    for name in ("admin", "org-admin"):
        builtin = admin.profile.get(name)
        assert builtin["_createdBy"] == "system@thehive.local"
        with raises_4xx():
            admin.profile.delete(builtin["_id"])
        assert admin.profile.get(name) == builtin


def test_profile_in_use_cannot_be_deleted(admin, make_org, make_member, uid):
    profile = admin.profile.create({"name": f"inuse-{uid}", "permissions": ["manageCase/create"]})
    org = make_org("inuse")
    make_member(org["name"], profile["name"])
    with raises_4xx():
        admin.profile.delete(profile["_id"])
    assert admin.profile.get(profile["_id"]) == profile


def test_custom_profile_grants_what_it_lists(admin, make_org, make_member, uid):
    profile = admin.profile.create(
        {"name": f"creator-{uid}", "permissions": ["manageCase/create", "manageCase/update"]}
    )
    org = make_org("grant")
    member = make_member(org["name"], profile["name"])
    me = member.api.user.get_current()
    assert me["profile"] == profile["name"]
    assert sorted(me["permissions"]) == ["manageCase/create", "manageCase/update"]

    case = member.api.case.create({"title": f"by custom profile {uid}", "description": "."})
    member.api.case.update(case["_id"], {"title": f"renamed {uid}"})
    assert member.api.case.get(case["_id"])["title"] == f"renamed {uid}"
    # no manageCase/delete, no manageTask
    with raises_status(403, "AuthorizationError"):
        member.api.case.delete(case["_id"])
    with raises_status(403, "AuthorizationError"):
        member.api.case.create_task(case["_id"], {"title": "not allowed"})
    # an update of the profile applies at once (rights are re-read per request)
    admin.profile.update(profile["_id"], {"permissions": ["manageCase/create", "manageCase/update", "manageCase/delete"]})
    member.api.case.delete(case["_id"])
    with raises_status(404, "NotFoundError"):
        member.api.case.get(case["_id"])
