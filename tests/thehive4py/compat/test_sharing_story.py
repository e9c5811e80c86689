"""The seeds' automation story, end to end with API keys.

A SOC (`soc-<uid>`) serves a client (`acme-<uid>`); the two organisations are
linked both ways. An automation holding the SOC analyst's key opens a case,
tags it `client:acme` and shares it read-only with acme; acme's own key then
sees the case and its tag but cannot change it; an unlinked third organisation
never sees it; once the share is removed, acme no longer sees it either.
"""

import pytest

from support import ids, raises_4xx, raises_status
from thehive4py.query.filters import Eq


@pytest.fixture
def story(admin, make_org, make_member):
    soc = make_org("soc")
    acme = make_org("acme")
    other = make_org("other")
    admin.organisation.link(soc["name"], acme["name"], {"linkType": "default", "otherLinkType": "default"})
    s = type("Story", (), {})()
    s.soc, s.acme, s.other = soc["name"], acme["name"], other["name"]
    s.soc_analyst = make_member(s.soc, "analyst", prefix="soc")
    s.acme_analyst = make_member(s.acme, "analyst", prefix="acme")
    s.other_analyst = make_member(s.other, "analyst", prefix="other")
    return s


def read_only_share(org):
    return {"organisation": org, "profile": "read-only", "taskRule": "all", "observableRule": "all"}


def test_links_both_ways(admin, story):
    (soc_link,) = admin.organisation.list_links(story.soc)
    (acme_link,) = admin.organisation.list_links(story.acme)
    assert soc_link["organisation"]["name"] == story.acme
    assert acme_link["organisation"]["name"] == story.soc
    assert admin.organisation.list_links(story.other) == []
    # a member sees their own organisation's links
    (seen,) = story.soc_analyst.api.organisation.list_links(story.soc)
    assert seen["organisation"]["name"] == story.acme


def test_soc_shares_a_tagged_case_read_only_with_acme(story, uid):
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    other = story.other_analyst.api

    case = soc.case.create({"title": f"phishing at acme {uid}", "description": "reported by the SOC", "severity": 3})
    case_id = case["_id"]
    assert case["status"] == "New"

    # thehive4py's update takes the fields; addTags adds without replacing
    soc.case.update(case_id, {"addTags": ["client:acme"]})
    tagged = soc.case.get(case_id)
    assert "client:acme" in tagged["tags"]

    # nothing shared yet: acme and other cannot see it
    with raises_status(404, "NotFoundError"):
        acme.case.get(case_id)
    assert soc.case.list_shares(case_id) == []

    shares = soc.case.share(case_id, [read_only_share(story.acme)])
    assert isinstance(shares, list) and len(shares) == 1
    share = shares[0]
    assert share["organisationName"] == story.acme
    assert share["profileName"] == "read-only"
    assert share["owner"] is False
    assert share["caseId"] == case_id
    assert share["taskRule"] == "all"
    assert share["observableRule"] == "all"
    assert share["_type"] == "Share"
    assert soc.case.list_shares(case_id) == [share]

    # acme (its own key, its own organisation) sees the case and the tag
    seen = acme.case.get(case_id)
    assert seen["_id"] == case_id
    assert seen["title"] == tagged["title"]
    assert "userPermissions" in seen
    writes = [p for p in seen["userPermissions"] if p.startswith("manage")]
    assert writes == [], f"a read-only share grants {writes}"
    assert acme.case.find() == [seen]
    assert acme.case.find(filters=Eq("_id", case_id)) == [seen]
    assert acme.case.count() == 1
    # the same key without X-Organisation uses acme, the user's only organisation
    assert story.acme_analyst.in_org(None).case.get(case_id) == seen

    # read-only: no update, no close, no delete, no share onwards
    with raises_status(403, "AuthorizationError"):
        acme.case.update(case_id, {"title": "changed by acme"})
    with raises_status(403, "AuthorizationError"):
        acme.case.close(case_id, status="FalsePositive", summary="acme says no")
    with raises_status(403, "AuthorizationError"):
        acme.case.delete(case_id)
    with raises_status(403, "AuthorizationError"):
        acme.case.create_task(case_id, {"title": "acme task"})
    with raises_status(403, "AuthorizationError"):
        acme.case.create_observable(case_id, {"dataType": "ip", "data": "10.0.0.1"})
    assert soc.case.get(case_id) == tagged

    # the SOC's changes show through the share
    soc.case.update(case_id, {"addTags": ["triaged"], "severity": 4})
    assert acme.case.get(case_id)["severity"] == 4

    # the unlinked third organisation never sees it
    with raises_status(404, "NotFoundError"):
        other.case.get(case_id)
    assert other.case.find() == []
    assert other.case.find(filters=Eq("_id", case_id)) == []
    with raises_status(404, "NotFoundError"):
        other.case.update(case_id, {"title": "changed by other"})
    # and cannot be given a share: it is not linked to soc
    with raises_4xx():
        soc.case.share(case_id, [read_only_share(story.other)])
    with raises_status(404, "NotFoundError"):
        other.case.get(case_id)

    # acme sees the SOC's tags: tags belong to the case, as in TheHive
    # (checked last so that a failure here does not hide the checks above)
    assert "client:acme" in acme.case.get(case_id)["tags"]
    assert "triaged" in acme.case.get(case_id)["tags"]

    # removing the share takes the case away from acme
    soc.case.unshare(case_id, [story.acme])
    assert soc.case.list_shares(case_id) == []
    with raises_status(404, "NotFoundError"):
        acme.case.get(case_id)
    assert acme.case.find() == []
    assert acme.case.count() == 0
    assert soc.case.get(case_id)["title"] == tagged["title"]


def test_acme_finds_the_shared_case_by_its_tag(story, uid):
    """The automation's lookup: `_eq` on `tags` matches one tag of the list."""
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    case = soc.case.create({"title": f"by tag {uid}", "description": ".", "tags": ["phishing"]})
    soc.case.update(case["_id"], {"addTags": ["client:acme"]})
    soc.case.share(case["_id"], [read_only_share(story.acme)])
    mine = soc.case.get(case["_id"])
    assert soc.case.find(filters=Eq("tags", "client:acme")) == [mine]
    seen = acme.case.get(case["_id"])
    assert acme.case.find(filters=Eq("tags", "client:acme")) == [seen]
    assert acme.case.count(filters=Eq("tags", "client:acme")) == 1
    assert story.other_analyst.api.case.find(filters=Eq("tags", "client:acme")) == []


def test_tags_are_the_same_for_every_organisation(story, uid):
    """A case's tags are one list, rendered alike for the owner and the sharers.

    Tags belong to the organisation that put them on (docs/API.md): an
    organisation removes its own, never another's."""
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    case = soc.case.create({"title": f"tags {uid}", "description": ".", "tags": ["from-create"]})
    soc.case.share(case["_id"], [{"organisation": story.acme, "profile": "analyst"}])
    soc.case.update(case["_id"], {"addTags": ["from-soc"]})
    acme.case.update(case["_id"], {"addTags": ["from-acme"]})
    expected = ["from-acme", "from-create", "from-soc"]
    assert sorted(soc.case.get(case["_id"])["tags"]) == expected
    assert sorted(acme.case.get(case["_id"])["tags"]) == expected
    acme.case.update(case["_id"], {"removeTags": ["from-soc", "from-acme"]})
    assert sorted(soc.case.get(case["_id"])["tags"]) == ["from-create", "from-soc"]
    soc.case.update(case["_id"], {"removeTags": ["from-soc"]})
    assert sorted(acme.case.get(case["_id"])["tags"]) == ["from-create"]


def test_remove_share_by_id(story, uid):
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    case = soc.case.create({"title": f"remove by id {uid}", "description": "."})
    (share,) = soc.case.share(case["_id"], [read_only_share(story.acme)])
    assert acme.case.get(case["_id"])["_id"] == case["_id"]
    soc.case.remove_share(share["_id"])
    with raises_status(404, "NotFoundError"):
        acme.case.get(case["_id"])
    assert soc.case.list_shares(case["_id"]) == []


def test_set_share_changes_the_profile(story, uid):
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    case = soc.case.create({"title": f"set share {uid}", "description": "."})
    soc.case.share(case["_id"], [read_only_share(story.acme)])
    with raises_status(403, "AuthorizationError"):
        acme.case.update(case["_id"], {"title": "acme edit"})

    (share,) = soc.case.set_share(case["_id"], [{"organisation": story.acme, "profile": "analyst"}])
    assert share["profileName"] == "analyst"
    perms = acme.case.get(case["_id"])["userPermissions"]
    assert "manageCase/update" in perms
    acme.case.update(case["_id"], {"title": f"edited by acme {uid}"})
    assert soc.case.get(case["_id"])["title"] == f"edited by acme {uid}"
    # the owner share is never acme's to delete
    with raises_status(403, "AuthorizationError"):
        acme.case.delete(case["_id"])

    # set_share with an empty list removes every other share
    assert soc.case.set_share(case["_id"], []) == []
    with raises_status(404, "NotFoundError"):
        acme.case.get(case["_id"])


def test_analyst_share_lets_acme_work_the_case(story, uid):
    soc = story.soc_analyst.api
    acme = story.acme_analyst.api
    case = soc.case.create({"title": f"shared analyst {uid}", "description": "."})
    soc.case.share(
        case["_id"], [{"organisation": story.acme, "profile": "analyst", "taskRule": "all", "observableRule": "all"}]
    )
    acme.case.update(case["_id"], {"severity": 1})
    assert soc.case.get(case["_id"])["severity"] == 1
    task = acme.case.create_task(case["_id"], {"title": f"acme's task {uid}"})
    assert acme.task.get(task["_id"]) == task
    assert task["_id"] in ids(acme.case.find_tasks(case["_id"]))
    # acme shares its task with the owner
    acme.task.share(task["_id"], [story.soc])
    assert soc.task.get(task["_id"])["title"] == f"acme's task {uid}"
    assert task["_id"] in ids(soc.case.find_tasks(case["_id"]))
    # acme cannot share onwards beyond its own profile, nor with an org it is not linked to
    with raises_4xx():
        acme.case.share(case["_id"], [read_only_share(story.other)])
