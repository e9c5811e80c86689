//! Custom tags over HTTP: usage counts after every kind of change, isolation
//! between organisations, refusals that change nothing.

use diesel::prelude::*;
use tenantry::db::schema::tags;

use crate::cases::{new_case, post, share_id, world};
use crate::support::*;

fn tag_id(app: &TestApp, org: i64, name: &str) -> Option<i64> {
    tags::table
        .filter(tags::organisation_id.eq(org))
        .filter(tags::name.eq(name))
        .select(tags::id)
        .first(&mut *app.conn())
        .optional()
        .unwrap()
}

/// The four counts shown on the Custom tags page for a tag.
fn counts(client: &mut Client, name: &str) -> [i64; 4] {
    let page = client.get(&format!("/organisation/tags?q={}", name));
    assert_eq!(page.status, 200);
    let start = page
        .body
        .find(&format!(">{name}</span>"))
        .unwrap_or_else(|| panic!("{name} not listed"));
    let row = &page.body[start..start + page.body[start..].find("</tr>").unwrap()];
    let numbers: Vec<i64> = ["cases", "alerts", "observables", "templates"]
        .iter()
        .map(|kind| {
            let marker = format!("data-count=\"{kind}\">");
            let cell = &row[row.find(&marker).unwrap() + marker.len()..];
            let cell = &cell[..cell.find("</td>").unwrap()];
            let text = cell.rsplit("\">").next().unwrap_or(cell);
            text.trim_end_matches("</a>").trim().parse().unwrap()
        })
        .collect();
    [numbers[0], numbers[1], numbers[2], numbers[3]]
}

#[test]
fn counts_follow_every_change() {
    each_backend(|app| {
        let w = world(app);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        let a = new_case(&mut sam, "one"); // tags: phishing, client:acme
        let b = new_case(&mut sam, "two");
        assert_eq!(counts(&mut sam, "phishing"), [2, 0, 0, 0]);
        // Untag one case (replace the organisation's tags).
        assert_eq!(
            post(
                &mut sam,
                &format!("/cases/{b}"),
                &[("title", "two"), ("tags", "client:acme")]
            )
            .status,
            303
        );
        assert_eq!(counts(&mut sam, "phishing"), [1, 0, 0, 0]);
        // An observable and an alert and a template.
        post(
            &mut sam,
            &format!("/cases/{a}/observables"),
            &[("data_type", "ip"), ("data", "1.1.1.1")],
        );
        let obs: i64 = tenantry::db::schema::observables::table
            .select(tenantry::db::schema::observables::id)
            .first(&mut *app.conn())
            .unwrap();
        let tag_obs = post(&mut sam, &format!("/observables/{obs}"), &[("ioc", "true")]);
        assert_eq!(tag_obs.status, 303);
        {
            // Tag the observable through the service (the API will carry tags too).
            let mut conn = app.conn();
            let by = tenantry::service::By {
                login: "sam@soc.test",
                user_id: 0,
                acting: tenantry::domain::policy::Acting {
                    organisation_id: w.soc,
                    kind: tenantry::domain::permissions::ProfileKind::Organisation,
                    permissions: tenantry::domain::permissions::ProfileKind::Organisation.scope(),
                },
            };
            tenantry::service::cases::items::update_observable(
                &mut conn,
                &by,
                obs,
                tenantry::service::cases::items::ObservablePatch {
                    tags: Some(vec!["phishing".into()]),
                    ..Default::default()
                },
            )
            .unwrap();
        }
        post(
            &mut sam,
            "/alerts",
            &[
                ("title", "al"),
                ("alert_type", "t"),
                ("source", "s"),
                ("source_ref", "1"),
                ("tags", "phishing"),
            ],
        );
        post(
            &mut sam,
            "/case-templates",
            &[("name", "tpl"), ("severity", "2"), ("tags", "phishing")],
        );
        assert_eq!(counts(&mut sam, "phishing"), [1, 1, 1, 1]);
        // Deleting objects.
        post(&mut sam, &format!("/cases/{a}/delete"), &[]);
        assert_eq!(counts(&mut sam, "phishing"), [0, 1, 0, 1]);
        // Unsharing: acme tagged a case shared with it; after the unshare acme no longer counts it.
        let c = new_case(&mut sam, "three");
        post(
            &mut sam,
            &format!("/cases/{c}/shares"),
            &[
                ("organisation", &w.acme.to_string()),
                ("profile", "analyst"),
                ("task_rule", "manual"),
                ("observable_rule", "manual"),
            ],
        );
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        assert_eq!(
            post(
                &mut ann,
                &format!("/cases/{c}"),
                &[("title", "three"), ("tags", "acme-review")]
            )
            .status,
            303
        );
        assert_eq!(counts(&mut ann, "acme-review"), [1, 0, 0, 0]);
        // The case shows both organisations' tags.
        let page = sam.get(&format!("/cases/{c}"));
        assert!(
            page.body.contains(">acme-review</span>") && page.body.contains(">phishing</span>")
        );
        let share = share_id(app, c, w.acme).unwrap();
        post(&mut sam, &format!("/cases/{c}/shares/{share}/delete"), &[]);
        assert_eq!(counts(&mut ann, "acme-review"), [0, 0, 0, 0]);
        // Rename, merge, delete.
        let id = tag_id(app, w.soc, "client:acme").unwrap();
        let clash = post(
            &mut sam,
            &format!("/organisation/tags/{id}/rename"),
            &[("name", "phishing")],
        );
        assert_eq!(clash.status, 409);
        assert!(clash.body.contains("Merge client:acme into phishing"));
        assert!(
            tag_id(app, w.soc, "client:acme").is_some(),
            "nothing merged without confirmation"
        );
        let merged = post(
            &mut sam,
            &format!("/organisation/tags/{id}/rename"),
            &[("name", "phishing"), ("merge", "true")],
        );
        assert_eq!(merged.status, 303);
        assert!(tag_id(app, w.soc, "client:acme").is_none());
        // b and c carried client:acme, c also phishing: both now carry phishing once.
        assert_eq!(counts(&mut sam, "phishing"), [2, 1, 0, 1]);
        let pid = tag_id(app, w.soc, "phishing").unwrap();
        assert_eq!(
            post(
                &mut sam,
                &format!("/organisation/tags/{pid}/rename"),
                &[("name", "Phishing")]
            )
            .status,
            303,
            "case-sensitive: a new name"
        );
        assert_eq!(counts(&mut sam, "Phishing"), [2, 1, 0, 1]);
        assert_eq!(
            post(&mut sam, &format!("/organisation/tags/{pid}/delete"), &[]).status,
            303
        );
        assert!(tag_id(app, w.soc, "Phishing").is_none());
        assert!(!sam
            .get(&format!("/cases/{b}"))
            .body
            .contains(">Phishing</span>"));
        let audits: i64 = tenantry::db::schema::audit_records::table
            .filter(tenantry::db::schema::audit_records::object_type.eq("Tag"))
            .count()
            .get_result(&mut *app.conn())
            .unwrap();
        assert!(audits >= 5, "tag changes are audited ({audits})");
    });
}

#[test]
fn tags_stay_inside_their_organisation_and_need_manage_tag() {
    each_backend(|app| {
        let w = world(app);
        app.create_user("al@soc.test", "al-password-1", &[(w.soc, "analyst")]);
        let mut sam = app.signed_in("sam@soc.test", "sam-password-1");
        new_case(&mut sam, "one");
        let mut ann = app.signed_in("ann@acme.test", "ann-password-1");
        let list = ann.get("/organisation/tags");
        assert!(
            !list.body.contains("phishing"),
            "another organisation's tags never appear"
        );
        let suggest = ann.get("/organisation/tags/suggest?tags=phi");
        assert!(!suggest.body.contains("phishing"));
        assert!(sam
            .get("/organisation/tags/suggest?tags=x%2C%20phi")
            .body
            .contains("value=\"x, phishing\""));
        let id = tag_id(app, w.soc, "phishing").unwrap();
        assert_eq!(
            post(
                &mut ann,
                &format!("/organisation/tags/{id}/colour"),
                &[("colour", "#ff0000")]
            )
            .status,
            404
        );
        assert_eq!(
            post(&mut ann, &format!("/organisation/tags/{id}/delete"), &[]).status,
            404
        );

        // An analyst tags cases but manages no tag.
        let mut al = app.signed_in("al@soc.test", "al-password-1");
        let page = al.get("/organisation/tags");
        assert!(
            page.body.contains("read-only")
                && !page.body.contains("Save colour")
                && !page.body.contains("Delete tag")
        );
        assert_eq!(
            post(
                &mut al,
                &format!("/organisation/tags/{id}/colour"),
                &[("colour", "#ff0000")]
            )
            .status,
            403
        );
        assert_eq!(
            post(
                &mut al,
                &format!("/organisation/tags/{id}/rename"),
                &[("name", "x")]
            )
            .status,
            403
        );
        assert_eq!(
            post(&mut al, &format!("/organisation/tags/{id}/delete"), &[]).status,
            403
        );
        let colour: String = tags::table
            .find(id)
            .select(tags::colour)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(
            colour,
            tenantry::service::tags::DEFAULT_COLOUR,
            "refusals change nothing"
        );
        assert!(tag_id(app, w.soc, "phishing").is_some());
        assert_eq!(
            post(
                &mut sam,
                &format!("/organisation/tags/{id}/colour"),
                &[("colour", "red")]
            )
            .status,
            400
        );
        assert_eq!(
            post(
                &mut sam,
                &format!("/organisation/tags/{id}/colour"),
                &[("colour", "#AA0011")]
            )
            .status,
            303
        );
        let colour: String = tags::table
            .find(id)
            .select(tags::colour)
            .first(&mut *app.conn())
            .unwrap();
        assert_eq!(colour, "#aa0011");
        // Platform admins see the organisation's tags read-only on its page.
        let mut admin = app.signed_in(ADMIN_LOGIN, ADMIN_PASSWORD);
        let tab = admin.get(&format!("/admin/organisations/{}?tab=tags", w.soc));
        assert!(
            tab.body.contains(">phishing</span>")
                && tab.body.contains("#aa0011")
                && !tab.body.contains("Save colour")
        );
        // Lists filter by tag.
        assert!(sam.get("/cases?tag=phishing").body.contains(">one</a>"));
        assert!(!sam.get("/cases?tag=nothing").body.contains(">one</a>"));
    });
}
