"""Objects carry every key thehive4py's Output* types declare required.

thehive4py 2.1.0 describes each answer with a TypedDict (thehive4py/types/*.py);
keys not marked NotRequired are what a TheHive 5 server always sends and what
typed client code may index without `.get`. Each test checks one type, the
same object from create, get and query alike.
"""

import pytest

from support import assert_shape
from thehive4py.query.filters import Eq
from thehive4py.types.case import OutputCase
from thehive4py.types.observable import OutputObservable
from thehive4py.types.organisation import OutputOrganisation, OutputOrganisationLink
from thehive4py.types.profile import OutputProfile
from thehive4py.types.share import OutputShare
from thehive4py.types.task import OutputTask
from thehive4py.types.user import OutputUser, OutputUserOrganisation


def test_organisation(admin, make_org):
    org = make_org("shape")
    assert_shape(org, OutputOrganisation)
    assert_shape(admin.organisation.get(org["_id"]), OutputOrganisation)
    (found,) = admin.organisation.find(filters=Eq("name", org["name"]))
    assert_shape(found, OutputOrganisation)


def test_organisation_link(admin, make_org):
    a, b = make_org("shapea"), make_org("shapeb")
    admin.organisation.link(a["name"], b["name"], {})
    (link,) = admin.organisation.list_links(a["name"])
    assert_shape(link, OutputOrganisationLink)
    assert_shape(link["organisation"], OutputOrganisation)


def test_user(org_env):
    me = org_env.api.user.get_current()
    assert_shape(me, OutputUser)
    assert_shape(org_env.api.user.get(org_env.id), OutputUser)
    (found,) = org_env.api.user.find(filters=Eq("login", org_env.login))
    assert_shape(found, OutputUser)


def test_user_organisations(admin, make_org, make_member):
    org = make_org("shapeuo")
    member = make_member(org["name"])
    for item in admin.user.set_organisations(member.id, [{"organisation": org["name"], "profile": "analyst"}]):
        assert_shape(item, OutputUserOrganisation)


def test_profile(admin, uid):
    profile = admin.profile.create({"name": f"shape-{uid}", "permissions": ["manageTask"]})
    assert_shape(profile, OutputProfile)
    assert_shape(admin.profile.get("read-only"), OutputProfile)


def test_case(org_env, uid):
    case = org_env.api.case.create({"title": f"shape {uid}", "description": "."})
    assert_shape(case, OutputCase)
    assert_shape(org_env.api.case.get(case["_id"]), OutputCase)
    (found,) = org_env.api.case.find()
    assert_shape(found, OutputCase)


def test_task(org_env, uid):
    case = org_env.api.case.create({"title": f"shape {uid}", "description": "."})
    task = org_env.api.case.create_task(case["_id"], {"title": "t"})
    assert_shape(task, OutputTask)
    (found,) = org_env.api.task.find()
    assert_shape(found, OutputTask)


def test_observable(org_env, uid):
    case = org_env.api.case.create({"title": f"shape {uid}", "description": "."})
    (obs,) = org_env.api.case.create_observable(case["_id"], {"dataType": "ip", "data": "192.0.2.1"})
    assert_shape(obs, OutputObservable)
    (found,) = org_env.api.observable.find()
    assert_shape(found, OutputObservable)


@pytest.fixture
def shared(admin, make_org, make_member, uid):
    soc, acme = make_org("shsoc"), make_org("shacme")
    admin.organisation.link(soc["name"], acme["name"], {})
    owner = make_member(soc["name"])
    case = owner.api.case.create({"title": f"shape {uid}", "description": "."})
    return owner, case, acme["name"]


def test_case_share(shared):
    owner, case, acme = shared
    (share,) = owner.api.case.share(case["_id"], [{"organisation": acme, "profile": "read-only"}])
    assert_shape(share, OutputShare)
    (listed,) = owner.api.case.list_shares(case["_id"])
    assert_shape(listed, OutputShare)


def test_task_share(shared):
    owner, case, acme = shared
    owner.api.case.share(case["_id"], [{"organisation": acme, "profile": "read-only"}])
    task = owner.api.case.create_task(case["_id"], {"title": "t"})
    owner.api.task.share(task["_id"], [acme])
    (listed,) = owner.api.task.list_shares(task["_id"])
    assert_shape(listed, OutputShare)
    assert listed["caseId"] == case["_id"]
    assert listed["organisationName"] == acme
