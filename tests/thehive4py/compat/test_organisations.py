"""Organisations and links through api.organisation."""

from support import raises_status
from thehive4py.query.filters import Eq


def test_create_and_get_by_name_and_id(admin, make_org, uid):
    created = make_org("alpha", taskRule="manual", observableRule="manual")
    assert created["name"] == f"alpha-{uid}"
    assert created["description"] == f"alpha organisation {uid}"
    assert created["_type"] == "Organisation"
    assert created["taskRule"] == "manual"
    assert created["observableRule"] == "manual"
    assert created["locked"] is False

    assert admin.organisation.get(created["name"]) == created
    assert admin.organisation.get(created["_id"]) == created

    found = admin.organisation.find(filters=Eq("name", created["name"]))
    assert found == [created]
    assert admin.organisation.count(filters=Eq("name", created["name"])) == 1


def test_duplicate_name_is_refused(admin, make_org):
    org = make_org("dup")
    with raises_status(409, "Conflict"):
        admin.organisation.create({"name": org["name"], "description": "again"})


def test_unknown_organisation_is_404(admin, uid):
    with raises_status(404, "NotFoundError"):
        admin.organisation.get(f"nowhere-{uid}")


def test_link_list_links_and_unlink(admin, make_org):
    a = make_org("linka")
    b = make_org("linkb")
    assert admin.organisation.list_links(a["name"]) == []

    assert admin.organisation.link(
        a["name"], b["name"], {"linkType": "supervised", "otherLinkType": "notify"}
    ) in (None, "")

    links_a = admin.organisation.list_links(a["name"])
    assert len(links_a) == 1
    assert links_a[0]["linkType"] == "supervised"
    assert links_a[0]["otherLinkType"] == "notify"
    assert links_a[0]["organisation"]["name"] == b["name"]
    assert links_a[0]["organisation"]["_id"] == b["_id"]

    # one call links both directions: b sees the mirror image
    links_b = admin.organisation.list_links(b["name"])
    assert len(links_b) == 1
    assert links_b[0]["linkType"] == "notify"
    assert links_b[0]["otherLinkType"] == "supervised"
    assert links_b[0]["organisation"]["name"] == a["name"]

    # by ids too, and linking again replaces the types
    admin.organisation.link(a["_id"], b["_id"], {"linkType": "default", "otherLinkType": "default"})
    (again,) = admin.organisation.list_links(a["_id"])
    assert (again["linkType"], again["otherLinkType"]) == ("default", "default")

    admin.organisation.unlink(a["name"], b["name"])
    assert admin.organisation.list_links(a["name"]) == []
    assert admin.organisation.list_links(b["name"]) == []


def test_link_defaults_to_default(admin, make_org):
    a = make_org("defa")
    b = make_org("defb")
    admin.organisation.link(a["name"], b["name"], {})
    (link,) = admin.organisation.list_links(a["name"])
    assert (link["linkType"], link["otherLinkType"]) == ("default", "default")


def test_link_with_unknown_type_is_refused(admin, make_org):
    a = make_org("bada")
    b = make_org("badb")
    with raises_status(400, "BadRequest"):
        admin.organisation.link(a["name"], b["name"], {"linkType": "bogus"})
    assert admin.organisation.list_links(a["name"]) == []


def test_links_are_not_visible_to_outsiders(make_org, make_member):
    a = make_org("seea")
    b = make_org("seeb")
    outsider = make_member(b["name"], "org-admin")
    with raises_status(404, "NotFoundError"):
        outsider.api.organisation.list_links(a["name"])
