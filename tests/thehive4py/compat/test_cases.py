"""Cases through api.case: create, get, update, bulk update, find, count, close,
reopen, delete. Each test works in a fresh organisation, so its queries see
only the cases it made."""

import time

from support import ids, raises_status
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Between, Eq, Gt, Gte, In, Like, Lt, Ne
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc


def make_cases(api, uid, n=4):
    cases = []
    for i in range(n):
        cases.append(
            api.case.create(
                {
                    "title": f"case {i} of {uid}",
                    "description": f"description {i}",
                    "severity": i % 4 + 1,
                    "tags": [f"batch:{uid}", f"index:{i}"],
                    "tlp": 2,
                    "pap": 2,
                }
            )
        )
        time.sleep(0.005)  # distinct _createdAt for the sort checks
    return cases


def test_create_get_and_find_render_the_same(org_env, uid):
    api = org_env.api
    created = api.case.create(
        {
            "title": f"rendered {uid}",
            "description": "same everywhere",
            "severity": 3,
            "tags": ["b-tag", "a-tag"],
            "flag": True,
            "tlp": 3,
            "pap": 1,
        }
    )
    assert created["_type"] == "Case"
    assert created["title"] == f"rendered {uid}"
    assert created["status"] == "New"
    assert created["severity"] == 3 and created["tlp"] == 3 and created["pap"] == 1
    assert created["flag"] is True
    assert sorted(created["tags"]) == ["a-tag", "b-tag"]
    assert isinstance(created["number"], int)
    assert created["_createdBy"] == org_env.login
    assert isinstance(created["_createdAt"], int)

    assert api.case.get(created["_id"]) == created
    assert api.case.get(created["number"]) == created
    assert api.case.find(filters=Eq("_id", created["_id"])) == [created]
    assert api.case.find() == [created]
    assert api.case.count() == 1


def test_update_title_tags_and_nulls(org_env, uid):
    api = org_env.api
    case = api.case.create(
        {"title": f"before {uid}", "description": ".", "tags": ["keep", "drop"], "summary": "s", "assignee": org_env.login}
    )
    assert case["assignee"] == org_env.login
    assert api.case.update(case["_id"], {"title": f"after {uid}", "tags": ["one", "two"]}) in (None, "")
    got = api.case.get(case["_id"])
    assert got["title"] == f"after {uid}"
    assert sorted(got["tags"]) == ["one", "two"]
    assert got["_updatedBy"] == org_env.login
    assert got["_updatedAt"] >= got["_createdAt"]

    api.case.update(case["_id"], {"addTags": ["three", "one"], "removeTags": ["two"]})
    assert sorted(api.case.get(case["_id"])["tags"]) == ["one", "three"]

    api.case.update(case["_id"], fields={"summary": None, "assignee": None, "impactStatus": None})
    cleared = api.case.get(case["_id"])
    assert cleared.get("summary") is None
    assert cleared.get("assignee") is None
    assert cleared.get("impactStatus") is None

    # a whole object is rendered identically by get and find after updates too
    assert api.case.find(filters=Eq("_id", case["_id"])) == [cleared]


def test_update_with_bad_values_changes_nothing(org_env, uid):
    api = org_env.api
    case = api.case.create({"title": f"strict {uid}", "description": "."})
    with raises_status(400, "BadRequest"):
        api.case.update(case["_id"], {"title": f"half {uid}", "severity": "high"})
    with raises_status(400, "BadRequest"):
        api.case.update(case["_id"], {"title": f"half {uid}", "status": "Bogus"})
    assert api.case.get(case["_id"]) == case


def test_bulk_update(org_env, uid):
    api = org_env.api
    cases = make_cases(api, uid, 3)
    untouched = api.case.create({"title": f"untouched {uid}", "description": "."})
    api.case.bulk_update(
        {"ids": ids(cases[:2]), "title": f"bulk {uid}", "severity": 4, "addTags": ["bulk"]}
    )
    for case in cases[:2]:
        got = api.case.get(case["_id"])
        assert got["title"] == f"bulk {uid}"
        assert got["severity"] == 4
        assert "bulk" in got["tags"] and f"batch:{uid}" in got["tags"]
    assert api.case.get(cases[2]["_id"]) == cases[2]
    assert api.case.get(untouched["_id"]) == untouched
    assert sorted(ids(api.case.find(filters=Eq("title", f"bulk {uid}")))) == sorted(ids(cases[:2]))


def test_find_filters_sort_and_paginate(org_env, uid):
    api = org_env.api
    before = now_to_ts() - 1
    cases = make_cases(api, uid, 4)
    after = now_to_ts() + 1
    by_created = sorted(cases, key=lambda c: c["_createdAt"])
    # the four were made in order, with distinct timestamps
    assert ids(by_created) == ids(cases)

    assert api.case.find(filters=Eq("title", f"case 2 of {uid}")) == [cases[2]]
    assert ids(api.case.find(filters=Like("title", f"*of {uid}"), sortby=Asc("_createdAt"))) == ids(cases)
    assert ids(api.case.find(filters=Like("title", "case 3*"))) == [cases[3]["_id"]]
    # severities are 1, 2, 3, 4
    assert ids(api.case.find(filters=In("severity", [1, 3]), sortby=Asc("_createdAt"))) == ids(
        [cases[0], cases[2]]
    )
    assert ids(api.case.find(filters=Gt("severity", 2), sortby=Asc("_createdAt"))) == ids(cases[2:])
    assert ids(api.case.find(filters=Gte("severity", 2) & Lt("severity", 4), sortby=Asc("_createdAt"))) == ids(
        cases[1:3]
    )
    assert ids(api.case.find(filters=Ne("severity", 1), sortby=Asc("_createdAt"))) == ids(cases[1:])
    # Between: from inclusive, to exclusive
    assert ids(api.case.find(filters=Between("_createdAt", before, after), sortby=Asc("_createdAt"))) == ids(cases)
    assert ids(
        api.case.find(
            filters=Between("_createdAt", cases[1]["_createdAt"], cases[3]["_createdAt"]),
            sortby=Asc("_createdAt"),
        )
    ) == ids(cases[1:3])
    assert api.case.find(filters=Between("_createdAt", 0, before)) == []

    # sort both ways, then pages of 2
    assert api.case.find(sortby=Asc("_createdAt")) == cases
    assert api.case.find(sortby=Desc("_createdAt")) == cases[::-1]
    assert api.case.find(sortby=Desc("severity"), paginate=Paginate(0, 2)) == [cases[3], cases[2]]
    assert api.case.find(sortby=Desc("severity"), paginate=Paginate(2, 4)) == [cases[1], cases[0]]
    assert api.case.find(sortby=Desc("severity"), paginate=Paginate(4, 6)) == []
    assert api.case.find(sortby=Asc("title"), paginate=Paginate(1, 3)) == cases[1:3]

    assert api.case.count() == 4
    assert api.case.count(filters=Gt("severity", 2)) == 2
    assert api.case.count(filters=Eq("title", f"nothing {uid}")) == 0


def test_find_by_tag(org_env, uid):
    """`_eq`/`_in`/`_ne`/`_like` on `tags` test each tag (TheHive's multi-valued fields)."""
    api = org_env.api
    cases = make_cases(api, uid, 3)
    assert api.case.find(filters=Eq("tags", "index:1")) == [cases[1]]
    assert ids(api.case.find(filters=Eq("tags", f"batch:{uid}"), sortby=Asc("_createdAt"))) == ids(cases)
    assert ids(api.case.find(filters=In("tags", ["index:0", "index:2", "other"]), sortby=Asc("_createdAt"))) == ids(
        [cases[0], cases[2]]
    )
    assert ids(api.case.find(filters=Like("tags", "index:*"), sortby=Asc("_createdAt"))) == ids(cases)
    assert api.case.count(filters=Eq("tags", "index:2")) == 1
    assert api.case.find(filters=Eq("tags", "index:9")) == []


def test_close_and_reopen(org_env, uid):
    api = org_env.api
    case = api.case.create({"title": f"to close {uid}", "description": "."})
    # close() sends {"status", "impactStatus", "summary"} in one PATCH
    api.case.close(case["_id"], status="TruePositive", summary="done", impact_status="WithImpact")
    closed = api.case.get(case["_id"])
    assert closed["status"] == "TruePositive"
    assert closed["impactStatus"] == "WithImpact"
    assert closed["summary"] == "done"
    assert api.case.find(filters=Eq("status", "TruePositive")) == [closed]

    api.case.close(case["_id"], status="FalsePositive", summary="not really")
    again = api.case.get(case["_id"])
    assert again["status"] == "FalsePositive"
    assert again["impactStatus"] == "NotApplicable"

    # open() sends {"status": "InProgress"}
    api.case.open(case["_id"])
    reopened = api.case.get(case["_id"])
    assert reopened["status"] == "InProgress"
    assert api.case.find(filters=Eq("status", "InProgress")) == [reopened]


def test_delete(org_env, uid):
    api = org_env.api
    keep, gone = make_cases(api, uid, 2)
    api.case.delete(gone["_id"])
    with raises_status(404, "NotFoundError"):
        api.case.get(gone["_id"])
    with raises_status(404, "NotFoundError"):
        api.case.delete(gone["_id"])
    assert api.case.find() == [keep]
    assert api.case.count() == 1


def test_cases_of_other_organisations_are_404(org_env, make_org, make_member, uid):
    case = org_env.api.case.create({"title": f"private {uid}", "description": "."})
    stranger = make_member(make_org("stranger")["name"], "org-admin")
    with raises_status(404, "NotFoundError"):
        stranger.api.case.get(case["_id"])
    with raises_status(404, "NotFoundError"):
        stranger.api.case.update(case["_id"], {"title": "mine now"})
    with raises_status(404, "NotFoundError"):
        stranger.api.case.delete(case["_id"])
    assert stranger.api.case.find() == []
    assert org_env.api.case.get(case["_id"]) == case


def test_read_only_member_cannot_write(org_env, make_member, uid):
    case = org_env.api.case.create({"title": f"ro {uid}", "description": "."})
    reader = make_member(org_env.organisation, "read-only")
    assert reader.api.case.get(case["_id"])["title"] == case["title"]
    with raises_status(403, "AuthorizationError"):
        reader.api.case.create({"title": f"ro2 {uid}", "description": "."})
    with raises_status(403, "AuthorizationError"):
        reader.api.case.update(case["_id"], {"title": "nope"})
    with raises_status(403, "AuthorizationError"):
        reader.api.case.delete(case["_id"])
    assert org_env.api.case.get(case["_id"]) == case
