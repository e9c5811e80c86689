"""thehive4py's filter algebra (`&`, `|`, `~`) through case.find, task.find and
observable.find, in a fresh organisation so the expected sets are exact."""

import time

import pytest

from support import ids
from thehive4py.query.filters import Between, EndsWith, Eq, Gt, Gte, Has, Id, In, Like, Lt, Lte, Match, Ne, StartsWith
from thehive4py.query.page import Paginate
from thehive4py.query.sort import Asc, Desc


@pytest.fixture
def data(org_env, uid):
    api = org_env.api
    d = type("Data", (), {})()
    d.api = api
    d.cases = []
    for i, (sev, flag) in enumerate([(1, False), (2, True), (3, False), (4, True)]):
        d.cases.append(
            api.case.create(
                {"title": f"q{i} {uid}", "description": f"d{i}", "severity": sev, "flag": flag, "tags": [f"t{i}"]}
            )
        )
        time.sleep(0.005)
    d.tasks = []
    for i, (group, status) in enumerate([("triage", "Waiting"), ("triage", "InProgress"), ("contain", "Waiting")]):
        d.tasks.append(api.case.create_task(d.cases[0]["_id"], {"title": f"task{i} {uid}", "group": group, "status": status}))
        time.sleep(0.005)
    d.observables = api.case.create_observable(
        d.cases[1]["_id"], {"dataType": "ip", "data": ["10.1.0.1", "10.1.0.2"], "ioc": True}
    ) + api.case.create_observable(d.cases[1]["_id"], {"dataType": "domain", "data": f"{uid}.example.org"})
    return d


def case_ids(d, flt, **kw):
    return ids(d.api.case.find(filters=flt, sortby=Asc("_createdAt"), **kw))


def pick(objs, *idx):
    return [objs[i]["_id"] for i in idx]


def test_case_and_or_not(data):
    c = data.cases
    assert case_ids(data, Gte("severity", 2) & Eq("flag", True)) == pick(c, 1, 3)
    assert case_ids(data, Eq("severity", 1) | Eq("severity", 4)) == pick(c, 0, 3)
    assert case_ids(data, ~Eq("flag", True)) == pick(c, 0, 2)
    assert case_ids(data, ~(Eq("severity", 1) | Eq("severity", 4))) == pick(c, 1, 2)
    assert case_ids(data, (Eq("severity", 1) | Eq("severity", 3)) & ~Eq("title", c[0]["title"])) == pick(c, 2)
    assert case_ids(data, Eq("flag", True) & (Lt("severity", 3) | Gt("severity", 3))) == pick(c, 1, 3)
    # three-way and/or flatten into one list, as the client builds them
    three = Gt("severity", 0) & Ne("severity", 2) & Lte("severity", 3)
    assert len(three["_and"]) == 3
    assert case_ids(data, three) == pick(c, 0, 2)
    assert case_ids(data, Eq("severity", 1) | Eq("severity", 2) | Eq("severity", 3)) == pick(c, 0, 1, 2)
    assert case_ids(data, ~~Eq("flag", True)) == pick(c, 1, 3)
    assert case_ids(data, Eq("flag", True) & ~Eq("flag", True)) == []


def test_case_operators(data, uid):
    c = data.cases
    assert case_ids(data, StartsWith("title", "q2")) == pick(c, 2)
    assert case_ids(data, EndsWith("title", uid)) == pick(c, 0, 1, 2, 3)
    assert case_ids(data, Match("title", f"Q3 {uid}".upper())) == pick(c, 3)
    assert case_ids(data, Like("description", "d*")) == pick(c, 0, 1, 2, 3)
    assert case_ids(data, Id(c[2]["_id"])) == pick(c, 2)
    assert case_ids(data, Has("title")) == pick(c, 0, 1, 2, 3)
    assert case_ids(data, Has("endDate")) == []
    assert case_ids(data, In("_id", pick(c, 0, 3))) == pick(c, 0, 3)
    assert case_ids(data, Between("severity", 2, 4)) == pick(c, 1, 2)
    assert case_ids(data, Between("_createdAt", c[1]["_createdAt"], c[3]["_createdAt"] + 1)) == pick(c, 1, 2, 3)


def test_case_sort_on_two_fields_and_pages(data):
    c = data.cases
    got = data.api.case.find(sortby=Desc("flag") & Asc("severity"))
    assert ids(got) == pick(c, 1, 3, 0, 2)
    page = data.api.case.find(filters=Gt("severity", 1), sortby=Desc("severity"), paginate=Paginate(1, 3))
    assert ids(page) == pick(c, 2, 1)
    assert data.api.case.count(filters=Eq("flag", True) | Eq("severity", 1)) == 3


def test_task_filters(data, uid):
    t = data.tasks
    api = data.api

    def task_ids(flt):
        return ids(api.task.find(filters=flt, sortby=Asc("_createdAt")))

    assert task_ids(Eq("group", "triage")) == pick(t, 0, 1)
    assert task_ids(Eq("group", "triage") & Eq("status", "Waiting")) == pick(t, 0)
    assert task_ids(Eq("group", "contain") | Eq("status", "InProgress")) == pick(t, 1, 2)
    assert task_ids(~Eq("status", "Waiting")) == pick(t, 1)
    assert task_ids(Like("title", f"task* {uid}") & ~In("_id", pick(t, 0))) == pick(t, 1, 2)
    assert api.task.count(filters=Eq("group", "triage")) == 2
    # the same filters on a case's tasks
    assert ids(api.case.find_tasks(data.cases[0]["_id"], filters=~Eq("group", "triage"))) == pick(t, 2)
    assert api.case.find_tasks(data.cases[1]["_id"]) == []


def test_observable_filters(data, uid):
    o = data.observables
    api = data.api

    def obs_ids(flt):
        return sorted(ids(api.observable.find(filters=flt)))

    ips = sorted(pick(o, 0, 1))
    assert obs_ids(Eq("dataType", "ip")) == ips
    assert obs_ids(Eq("dataType", "ip") & Eq("data", "10.1.0.2")) == pick(o, 1)
    assert obs_ids(Eq("data", "10.1.0.1") | Eq("dataType", "domain")) == sorted(pick(o, 0, 2))
    assert obs_ids(~Eq("ioc", True)) == pick(o, 2)
    assert obs_ids(StartsWith("data", "10.1.") & ~Eq("data", "10.1.0.1")) == pick(o, 1)
    assert obs_ids(EndsWith("data", "example.org")) == pick(o, 2)
    assert api.observable.count(filters=Eq("dataType", "ip")) == 2
    assert sorted(ids(api.case.find_observables(data.cases[1]["_id"], filters=Eq("ioc", True)))) == ips


def test_filters_do_not_cross_organisations(data, make_org, make_member, uid):
    stranger = make_member(make_org("qstranger")["name"], "analyst")
    assert stranger.api.case.find(filters=EndsWith("title", uid)) == []
    assert stranger.api.task.find(filters=Like("title", f"*{uid}")) == []
    assert stranger.api.observable.find(filters=Eq("data", "10.1.0.1")) == []
    assert stranger.api.case.count() == 0
