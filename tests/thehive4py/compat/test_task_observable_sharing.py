"""Tasks and observables of a shared case: the share's taskRule/observableRule,
and thehive4py's task/observable share and unshare calls."""

import pytest

from support import ids, raises_4xx, raises_status


@pytest.fixture
def pair(admin, make_org, make_member):
    """soc owns cases, acme is linked both ways; one analyst key in each."""
    soc = make_org("tsoc")
    acme = make_org("tacme")
    admin.organisation.link(soc["name"], acme["name"], {"linkType": "default", "otherLinkType": "default"})
    p = type("Pair", (), {})()
    p.soc_name, p.acme_name = soc["name"], acme["name"]
    p.soc = make_member(soc["name"], "analyst", prefix="tsoc").api
    p.acme = make_member(acme["name"], "analyst", prefix="tacme").api
    return p


def share(p, case_id, profile="read-only", task_rule="manual", observable_rule="manual"):
    (s,) = p.soc.case.share(
        case_id,
        [{"organisation": p.acme_name, "profile": profile, "taskRule": task_rule, "observableRule": observable_rule}],
    )
    assert (s["taskRule"], s["observableRule"]) == (task_rule, observable_rule)
    return s


def visible_tasks(api, case_id):
    return sorted(ids(api.case.find_tasks(case_id)))


def visible_observables(api, case_id):
    return sorted(ids(api.case.find_observables(case_id)))


def test_task_rule_all_shares_existing_and_upcoming_tasks(pair, uid):
    case = pair.soc.case.create({"title": f"task all {uid}", "description": "."})
    before = pair.soc.case.create_task(case["_id"], {"title": "before the share", "group": "triage"})
    share(pair, case["_id"], task_rule="all")
    after = pair.soc.task.create(case["_id"], {"title": "after the share", "group": "triage"})

    assert visible_tasks(pair.acme, case["_id"]) == sorted([before["_id"], after["_id"]])
    assert pair.acme.task.get(before["_id"]) == pair.soc.task.get(before["_id"])
    assert pair.acme.task.get(after["_id"]) == after
    assert sorted(ids(pair.acme.task.find())) == sorted([before["_id"], after["_id"]])
    assert pair.acme.task.count() == 2
    # read-only share: acme may not change them
    with raises_status(403, "AuthorizationError"):
        pair.acme.task.update(after["_id"], {"status": "InProgress"})
    with raises_status(403, "AuthorizationError"):
        pair.acme.task.delete(after["_id"])


def test_task_rule_existing_only_and_upcoming_only(admin, pair, make_org, make_member, uid):
    third = make_org("tthird")
    admin.organisation.link(pair.soc_name, third["name"], {"linkType": "default", "otherLinkType": "default"})
    third_api = make_member(third["name"], "analyst", prefix="tthird").api

    case = pair.soc.case.create({"title": f"task rules {uid}", "description": "."})
    old = pair.soc.case.create_task(case["_id"], {"title": "old"})
    pair.soc.case.share(
        case["_id"],
        [
            {"organisation": pair.acme_name, "profile": "read-only", "taskRule": "existingOnly"},
            {"organisation": third["name"], "profile": "read-only", "taskRule": "upcomingOnly"},
        ],
    )
    new = pair.soc.case.create_task(case["_id"], {"title": "new"})
    assert visible_tasks(pair.acme, case["_id"]) == [old["_id"]]
    assert visible_tasks(third_api, case["_id"]) == [new["_id"]]
    with raises_status(404, "NotFoundError"):
        pair.acme.task.get(new["_id"])
    with raises_status(404, "NotFoundError"):
        third_api.task.get(old["_id"])


def test_task_manual_share_and_unshare(pair, uid):
    case = pair.soc.case.create({"title": f"task manual {uid}", "description": "."})
    share(pair, case["_id"], task_rule="manual")
    task = pair.soc.case.create_task(case["_id"], {"title": f"manual {uid}"})
    other = pair.soc.case.create_task(case["_id"], {"title": f"never shared {uid}"})

    assert pair.acme.case.get(case["_id"])["_id"] == case["_id"]
    assert visible_tasks(pair.acme, case["_id"]) == []
    with raises_status(404, "NotFoundError"):
        pair.acme.task.get(task["_id"])
    assert pair.soc.task.list_shares(task["_id"]) == []

    assert pair.soc.task.share(task["_id"], [pair.acme_name]) in (None, "", [])
    assert pair.acme.task.get(task["_id"]) == pair.soc.task.get(task["_id"])
    assert visible_tasks(pair.acme, case["_id"]) == [task["_id"]]
    shares = pair.soc.task.list_shares(task["_id"])
    assert [s["organisationName"] for s in shares] == [pair.acme_name]
    # sharing again changes nothing
    pair.soc.task.share(task["_id"], [pair.acme_name])
    assert len(pair.soc.task.list_shares(task["_id"])) == 1

    pair.soc.task.unshare(task["_id"], [pair.acme_name])
    with raises_status(404, "NotFoundError"):
        pair.acme.task.get(task["_id"])
    assert pair.soc.task.list_shares(task["_id"]) == []
    # unsharing never deletes: the owner still has it
    assert pair.soc.task.get(task["_id"])["title"] == f"manual {uid}"
    assert visible_tasks(pair.soc, case["_id"]) == sorted([task["_id"], other["_id"]])


def test_task_share_needs_the_case_shared(pair, uid):
    case = pair.soc.case.create({"title": f"task unshared case {uid}", "description": "."})
    task = pair.soc.case.create_task(case["_id"], {"title": "t"})
    with raises_4xx():
        pair.soc.task.share(task["_id"], [pair.acme_name])
    with raises_status(404, "NotFoundError"):
        pair.acme.task.get(task["_id"])


def test_observable_list_of_data_makes_one_each(pair, uid):
    case = pair.soc.case.create({"title": f"observables {uid}", "description": "."})
    data = [f"a-{uid}.example.com", f"b-{uid}.example.com", f"c-{uid}.example.com"]
    created = pair.soc.observable.create_in_case(
        case["_id"], {"dataType": "domain", "data": data, "tags": ["bulk"], "ioc": True}
    )
    assert isinstance(created, list) and len(created) == 3
    assert sorted(o["data"] for o in created) == sorted(data)
    for o in created:
        assert o["dataType"] == "domain"
        assert o["ioc"] is True
        assert o["tags"] == ["bulk"]
        assert pair.soc.observable.get(o["_id"]) == o
    single = pair.soc.case.create_observable(case["_id"], {"dataType": "ip", "data": "192.0.2.7"})
    assert isinstance(single, list) and len(single) == 1
    assert single[0]["data"] == "192.0.2.7"
    assert visible_observables(pair.soc, case["_id"]) == sorted(ids(created + single))


def test_observable_rule_all_and_manual_share_unshare(pair, uid):
    case = pair.soc.case.create({"title": f"observable rules {uid}", "description": "."})
    (early,) = pair.soc.case.create_observable(case["_id"], {"dataType": "ip", "data": "198.51.100.1"})
    share(pair, case["_id"], observable_rule="all")
    (late,) = pair.soc.case.create_observable(case["_id"], {"dataType": "ip", "data": "198.51.100.2"})
    assert visible_observables(pair.acme, case["_id"]) == sorted([early["_id"], late["_id"]])
    assert pair.acme.observable.get(late["_id"]) == late
    with raises_status(403, "AuthorizationError"):
        pair.acme.observable.update(late["_id"], {"ioc": True})

    manual_case = pair.soc.case.create({"title": f"observable manual {uid}", "description": "."})
    share(pair, manual_case["_id"], observable_rule="manual")
    (obs,) = pair.soc.case.create_observable(manual_case["_id"], {"dataType": "url", "data": f"http://{uid}.test/x"})
    assert visible_observables(pair.acme, manual_case["_id"]) == []
    with raises_status(404, "NotFoundError"):
        pair.acme.observable.get(obs["_id"])

    pair.soc.observable.share(obs["_id"], [pair.acme_name])
    assert pair.acme.observable.get(obs["_id"]) == pair.soc.observable.get(obs["_id"])
    assert visible_observables(pair.acme, manual_case["_id"]) == [obs["_id"]]
    assert obs["_id"] in ids(pair.acme.observable.find())

    pair.soc.observable.unshare(obs["_id"], [pair.acme_name])
    with raises_status(404, "NotFoundError"):
        pair.acme.observable.get(obs["_id"])
    assert pair.soc.observable.get(obs["_id"])["data"] == f"http://{uid}.test/x"


def test_observable_share_needs_the_case_shared(pair, uid):
    case = pair.soc.case.create({"title": f"obs unshared case {uid}", "description": "."})
    (obs,) = pair.soc.case.create_observable(case["_id"], {"dataType": "ip", "data": "203.0.113.9"})
    with raises_4xx():
        pair.soc.observable.share(obs["_id"], [pair.acme_name])
    with raises_status(404, "NotFoundError"):
        pair.acme.observable.get(obs["_id"])


def test_analyst_share_lets_acme_add_tasks_and_observables(pair, uid):
    case = pair.soc.case.create({"title": f"analyst share {uid}", "description": "."})
    share(pair, case["_id"], profile="analyst", task_rule="all", observable_rule="all")
    task = pair.acme.case.create_task(case["_id"], {"title": f"acme task {uid}"})
    pair.acme.task.update(task["_id"], {"status": "InProgress"})
    assert pair.acme.task.get(task["_id"])["status"] == "InProgress"
    (obs,) = pair.acme.case.create_observable(case["_id"], {"dataType": "ip", "data": "192.0.2.99"})
    pair.acme.observable.update(obs["_id"], {"ioc": True})
    assert pair.acme.observable.get(obs["_id"])["ioc"] is True
