"""Alerts through api.alert (and api.observable for alert observables).

The alert API is still being built; these tests state thehive4py's contract:
POST /api/v1/alert (observables inline), GET/PATCH/DELETE /api/v1/alert/{id},
listAlert queries, POST /api/v1/alert/{id}/observable (a list answer),
getAlert+observables, POST /api/v1/alert/{id}/case (promote: the case gets the
alert's observables and the alert its caseId), merge, follow/unfollow.
"""

from support import ids, raises_4xx, raises_status
from thehive4py.helpers import now_to_ts
from thehive4py.query.filters import Eq
from thehive4py.query.sort import Asc


def new_alert(uid, ref="first", **extra):
    body = {
        "type": "compat",
        "source": f"source-{uid}",
        "sourceRef": f"{ref}-{uid}",
        "title": f"alert {ref} {uid}",
        "description": "raised by the compatibility tests",
        "severity": 3,
        "date": now_to_ts(),
        "tags": ["phishing", f"run:{uid}"],
        "tlp": 2,
        "pap": 2,
        "externalLink": "https://siem.example/alert/1",
        "observables": [
            {"dataType": "ip", "data": "192.0.2.10", "ioc": True, "tags": ["src"]},
            {"dataType": "domain", "data": f"evil-{uid}.example"},
        ],
    }
    body.update(extra)
    return body


def test_create_get_find_render_the_same(org_env, uid):
    api = org_env.api
    created = api.alert.create(new_alert(uid))
    assert created["_type"] == "Alert"
    assert created["title"] == f"alert first {uid}"
    assert created["sourceRef"] == f"first-{uid}"
    assert created["severity"] == 3
    assert sorted(created["tags"]) == sorted(["phishing", f"run:{uid}"])
    assert created["observableCount"] == 2
    assert created["status"] == "New"
    assert created["follow"] is True
    assert created.get("caseId") is None

    assert api.alert.get(created["_id"]) == created
    assert api.alert.find(filters=Eq("sourceRef", f"first-{uid}")) == [created]
    assert api.alert.find() == [created]
    assert api.alert.count() == 1

    observables = api.alert.find_observables(created["_id"])
    assert sorted(o["data"] for o in observables) == sorted(["192.0.2.10", f"evil-{uid}.example"])
    ip = next(o for o in observables if o["dataType"] == "ip")
    assert ip["ioc"] is True and ip["tags"] == ["src"]
    assert api.observable.get(ip["_id"]) == ip


def test_duplicate_source_ref_is_refused(org_env, uid):
    api = org_env.api
    api.alert.create(new_alert(uid))
    with raises_4xx():
        api.alert.create(new_alert(uid))
    assert api.alert.count() == 1


def test_update_and_bulk_update(org_env, uid):
    api = org_env.api
    first = api.alert.create(new_alert(uid, "one"))
    second = api.alert.create(new_alert(uid, "two"))
    api.alert.update(first["_id"], {"title": f"updated {uid}", "description": "new text", "addTags": ["triaged"]})
    got = api.alert.get(first["_id"])
    assert got["title"] == f"updated {uid}"
    assert got["description"] == "new text"
    assert "triaged" in got["tags"] and "phishing" in got["tags"]
    assert got["_updatedBy"] == org_env.login

    api.alert.bulk_update({"ids": [first["_id"], second["_id"]], "severity": 1, "status": "InProgress"})
    for alert_id in (first["_id"], second["_id"]):
        got = api.alert.get(alert_id)
        assert got["severity"] == 1
        assert got["status"] == "InProgress"
    found = api.alert.find(filters=Eq("severity", 1), sortby=Asc("_createdAt"))
    assert ids(found) == [first["_id"], second["_id"]]


def test_follow_and_unfollow(org_env, uid):
    api = org_env.api
    alert = api.alert.create(new_alert(uid))
    api.alert.unfollow(alert["_id"])
    assert api.alert.get(alert["_id"])["follow"] is False
    api.alert.follow(alert["_id"])
    assert api.alert.get(alert["_id"])["follow"] is True


def test_create_observable_in_alert(org_env, uid):
    api = org_env.api
    alert = api.alert.create(new_alert(uid))
    created = api.alert.create_observable(alert["_id"], {"dataType": "url", "data": f"http://{uid}.example/x"})
    assert isinstance(created, list) and len(created) == 1
    bulk = api.observable.create_in_alert(alert["_id"], {"dataType": "hash", "data": ["a" * 32, "b" * 32]})
    assert isinstance(bulk, list) and len(bulk) == 2
    observables = api.alert.find_observables(alert["_id"])
    assert len(observables) == 5
    for o in created + bulk:
        assert o in observables
    assert api.alert.get(alert["_id"])["observableCount"] == 5


def test_promote_to_case_takes_the_observables(org_env, uid):
    api = org_env.api
    alert = api.alert.create(new_alert(uid))
    api.alert.create_observable(alert["_id"], {"dataType": "mail", "data": f"phisher-{uid}@example.com"})

    case = api.alert.promote_to_case(alert["_id"])
    assert case["_type"] == "Case"
    assert case["title"] == alert["title"]
    assert case["description"] == alert["description"]
    assert case["severity"] == alert["severity"]
    assert sorted(case["tags"]) == sorted(alert["tags"])
    assert api.case.get(case["_id"]) == case

    promoted = api.alert.get(alert["_id"])
    assert promoted["caseId"] == case["_id"]

    observables = api.case.find_observables(case["_id"])
    assert sorted((o["dataType"], o["data"]) for o in observables) == sorted(
        [("ip", "192.0.2.10"), ("domain", f"evil-{uid}.example"), ("mail", f"phisher-{uid}@example.com")]
    )
    # a promoted alert cannot be promoted again
    with raises_4xx():
        api.alert.promote_to_case(alert["_id"])
    assert api.case.count() == 1


def test_promote_with_fields(org_env, uid):
    api = org_env.api
    alert = api.alert.create(new_alert(uid))
    case = api.alert.promote_to_case(alert["_id"], {"title": f"promoted {uid}", "severity": 4})
    assert case["title"] == f"promoted {uid}"
    assert case["severity"] == 4
    promoted = api.alert.get(alert["_id"])
    assert promoted["caseId"] == case["_id"]
    assert promoted["title"] == alert["title"]


def test_merge_into_case(org_env, uid):
    api = org_env.api
    case = api.case.create({"title": f"target {uid}", "description": "."})
    alert = api.alert.create(new_alert(uid))
    merged = api.alert.merge_into_case(alert["_id"], case["_id"])
    assert merged["_id"] == case["_id"]
    assert api.alert.get(alert["_id"])["caseId"] == case["_id"]
    data = sorted(o["data"] for o in api.case.find_observables(case["_id"]))
    assert data == sorted(["192.0.2.10", f"evil-{uid}.example"])


def test_delete(org_env, uid):
    api = org_env.api
    keep = api.alert.create(new_alert(uid, "keep"))
    gone = api.alert.create(new_alert(uid, "gone"))
    api.alert.delete(gone["_id"])
    with raises_status(404, "NotFoundError"):
        api.alert.get(gone["_id"])
    assert api.alert.find() == [keep]
    api.alert.bulk_delete([keep["_id"]])
    with raises_status(404, "NotFoundError"):
        api.alert.get(keep["_id"])
    assert api.alert.count() == 0


def test_alerts_stay_in_their_organisation(org_env, make_org, make_member, uid):
    alert = org_env.api.alert.create(new_alert(uid))
    stranger = make_member(make_org("astranger")["name"], "org-admin")
    with raises_status(404, "NotFoundError"):
        stranger.api.alert.get(alert["_id"])
    with raises_status(404, "NotFoundError"):
        stranger.api.alert.promote_to_case(alert["_id"])
    assert stranger.api.alert.find() == []
    reader = make_member(org_env.organisation, "read-only", prefix="reader")
    assert reader.api.alert.get(alert["_id"]) == org_env.api.alert.get(alert["_id"])
    with raises_status(403, "AuthorizationError"):
        reader.api.alert.create(new_alert(uid, "reader"))
    with raises_status(403, "AuthorizationError"):
        reader.api.alert.update(alert["_id"], {"title": "nope"})
