//! A real browser (headless Chromium driven through chromedriver's WebDriver
//! HTTP protocol) signs in and switches organisation; any console error or
//! Content-Security-Policy violation fails the test.
//!
//! Skipped with a printed reason when Chromium or chromedriver is missing,
//! unless `TENANTRY_REQUIRE_BROWSER=1` (CI), where that is a failure.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::*;

fn find_binary(env: &str, candidates: &[&str]) -> Option<String> {
    if let Ok(p) = std::env::var(env) {
        return Some(p);
    }
    candidates
        .iter()
        .find(|p| std::path::Path::new(p).exists())
        .map(|p| p.to_string())
}

struct Driver {
    child: Child,
    base: String,
    session: String,
    agent: ureq::Agent,
}

impl Driver {
    fn start(chromedriver: &str, chromium: &str) -> Driver {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(60)))
            .build()
            .into();
        let base = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        while agent.get(format!("{base}/status")).call().is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            std::thread::sleep(Duration::from_millis(100));
        }
        let profile = tempfile::tempdir().unwrap().keep();
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "goog:loggingPrefs": { "browser": "ALL" },
            "goog:chromeOptions": {
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                         "--disable-background-networking", "--disable-component-update", "--disable-sync",
                         "--no-first-run", "--disable-quic", "--window-size=1280,1000",
                         format!("--user-data-dir={}", profile.display())]
            }
        }}});
        let mut driver = Driver {
            child,
            base,
            session: String::new(),
            agent,
        };
        let created = driver.call("POST", "/session", Some(caps));
        driver.session = created["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("webdriver session: {created}"))
            .to_string();
        driver
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let url = format!("{}{path}", self.base);
        let res = match method {
            "GET" => self.agent.get(&url).call(),
            "DELETE" => self.agent.delete(&url).call(),
            _ => self
                .agent
                .post(&url)
                .send_json(body.unwrap_or_else(|| json!({}))),
        };
        let mut res = res.expect("webdriver request");
        let value: Value = res.body_mut().read_json().expect("webdriver JSON");
        assert!(
            value["value"].get("error").is_none(),
            "webdriver {method} {path}: {}",
            value["value"]
        );
        value["value"].clone()
    }

    fn s(&self, path: &str) -> String {
        format!("/session/{}{path}", self.session)
    }

    fn goto(&self, url: &str) {
        self.call("POST", &self.s("/url"), Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            &self.s("/element"),
            Some(json!({ "using": "css selector", "value": css })),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .expect("element id")
            .to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let el = self.find(css);
        self.call(
            "POST",
            &self.s(&format!("/element/{el}/value")),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let el = self.find(css);
        self.call("POST", &self.s(&format!("/element/{el}/click")), None);
    }

    /// The element returned by a script, by its WebDriver id.
    fn element_by_script(&self, what: &str, body: &str, args: Value) -> String {
        let v = self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({ "script": body, "args": args })),
        );
        v.as_object()
            .and_then(|o| o.values().next())
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("no {what}"))
            .to_string()
    }

    /// Types into the visible control labelled `label`, as a person would.
    fn fill(&self, label: &str, text: &str) {
        let el = self.element_by_script(
            &format!("field labelled {label:?}"),
            "const t = arguments[0]; const all = [...document.querySelectorAll('label')].filter(l => l.textContent.trim() === t && l.control && l.control.getClientRects().length > 0); const l = all.find(l => l.closest('dialog[open]')) || all[0]; return l ? l.control : null;",
            json!([label]),
        );
        self.call("POST", &self.s(&format!("/element/{el}/clear")), None);
        self.call(
            "POST",
            &self.s(&format!("/element/{el}/value")),
            Some(json!({ "text": text })),
        );
    }

    /// Picks the option `option` in the visible select labelled `label`.
    fn choose(&self, label: &str, option: &str) {
        let el = self.element_by_script(
            &format!("option {option:?} of {label:?}"),
            "const [t, o] = arguments; const all = [...document.querySelectorAll('label')].filter(l => l.textContent.trim() === t && l.control && l.control.getClientRects().length > 0); const l = all.find(l => l.closest('dialog[open]')) || all[0]; return l ? [...l.control.options].find(x => x.textContent.trim() === o) : null;",
            json!([label, option]),
        );
        self.call("POST", &self.s(&format!("/element/{el}/click")), None);
    }

    /// Clicks the visible button or link whose text is `text`.
    fn press(&self, text: &str) {
        let el = self.element_by_script(
            &format!("button or link {text:?}"),
            "const t = arguments[0]; const all = [...document.querySelectorAll('button, a')].filter(b => b.textContent.trim() === t && b.getClientRects().length > 0); return all.find(b => b.closest('dialog[open]')) || all[0] || null;",
            json!([text]),
        );
        self.call("POST", &self.s(&format!("/element/{el}/click")), None);
    }

    fn text(&self) -> String {
        self.script("return document.body.innerText")
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    fn wait_text(&self, needle: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.text().contains(needle) {
            assert!(
                Instant::now() < deadline,
                "waited for {needle:?} in:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Saves a PNG of the page to `$TENANTRY_SCREENSHOTS/<name>.png` when that
    /// variable names a folder (for looking at the screens; no assertion).
    fn snapshot(&self, name: &str) {
        let Ok(dir) = std::env::var("TENANTRY_SCREENSHOTS") else {
            return;
        };
        use base64::Engine;
        let png = self.call("GET", &self.s("/screenshot"), None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap_or_default())
            .expect("screenshot");
        std::fs::write(format!("{dir}/{name}.png"), bytes).expect("write screenshot");
    }

    /// Fails on console errors and CSP violations seen so far.
    fn assert_clean_console(&self, context: &str) {
        let problems: Vec<Value> = self
            .console()
            .into_iter()
            .filter(|e| {
                e["level"] == "SEVERE"
                    || e["message"].as_str().is_some_and(|m| {
                        m.contains("Content Security Policy") || m.contains("Refused to")
                    })
            })
            .collect();
        assert!(
            problems.is_empty(),
            "{context}: console errors or CSP violations: {problems:#?}"
        );
    }

    fn script(&self, body: &str) -> Value {
        self.call(
            "POST",
            &self.s("/execute/sync"),
            Some(json!({ "script": body, "args": [] })),
        )
    }

    fn wait_for(&self, what: &str, script: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let v = self.script(script);
            if v.as_str() == Some(expected) {
                return;
            }
            assert!(Instant::now() < deadline, "waited for {what}: got {v}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Browser console entries (errors include CSP violations).
    fn console(&self) -> Vec<Value> {
        self.call(
            "POST",
            &self.s("/se/log"),
            Some(json!({ "type": "browser" })),
        )
        .as_array()
        .cloned()
        .unwrap_or_default()
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        if !self.session.is_empty() {
            let _ = self
                .agent
                .delete(format!("{}/session/{}", self.base, self.session))
                .call();
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// chromedriver and Chromium, or `None` (with the reason printed) to skip.
fn browser(test: &str) -> Option<(String, String)> {
    let chromedriver = find_binary("CHROMEDRIVER", &["/usr/bin/chromedriver"]);
    let chromium = find_binary(
        "CHROME_BIN",
        &["/usr/bin/chromium", "/usr/bin/chromium-browser"],
    );
    match (chromedriver, chromium) {
        (Some(d), Some(c)) => Some((d, c)),
        _ if std::env::var("TENANTRY_REQUIRE_BROWSER").as_deref() == Ok("1") => {
            panic!("TENANTRY_REQUIRE_BROWSER=1 but chromium or chromedriver is missing")
        }
        _ => {
            eprintln!("skipped {test}: chromium and chromedriver are not installed (apt-get install chromium chromium-driver)");
            None
        }
    }
}

#[test]
fn browser_signs_in_and_switches_organisation() {
    let Some((chromedriver, chromium)) = browser("browser_signs_in_and_switches_organisation")
    else {
        return;
    };
    for backend in backends() {
        journey(&chromedriver, &chromium, backend);
    }
}

/// The MSSP set-up done entirely in the browser by a platform admin, then used
/// by the analyst it created.
#[test]
fn browser_sets_up_an_mssp_and_the_analyst_switches() {
    let Some((chromedriver, chromium)) =
        browser("browser_sets_up_an_mssp_and_the_analyst_switches")
    else {
        return;
    };
    for backend in backends() {
        let app = TestApp::spawn(backend);
        let d = Driver::start(&chromedriver, &chromium);
        d.goto(&format!("{}/login", app.base_url));
        d.fill("Login", ADMIN_LOGIN);
        d.fill("Password", ADMIN_PASSWORD);
        d.press("Sign in");
        d.wait_text("Your permissions here");
        d.press("Organisations");
        d.wait_text("List of organisations");
        for name in ["soc", "acme"] {
            d.press("New organisation");
            d.fill("Name", name);
            d.fill("Description", &format!("{name} organisation"));
            d.press("Confirm");
            d.wait_text(&format!("Organisation {name} created."));
        }

        d.snapshot("organisations");
        d.press("soc");
        d.wait_text("Users of soc");
        d.fill("Login", "sam@soc.test");
        d.fill("Name", "Sam Analyst");
        d.fill("Password (optional)", "sam-password-1");
        d.choose("Profile of the new user", "analyst");
        d.press("Create user");
        d.wait_text("User sam@soc.test created with profile analyst.");

        d.press("Organisations");
        d.wait_text("List of organisations");
        d.press("acme");
        d.wait_text("Users of acme");
        d.fill("Login of an existing user", "sam@soc.test");
        d.choose("Profile to give", "read-only");
        d.press("Add user");
        d.wait_text("sam@soc.test added with profile read-only.");
        d.snapshot("acme-users");

        d.press("Links");
        d.wait_text("No linked organisation.");
        d.press("Manage organisation links");
        d.snapshot("links-dialog");
        d.choose("acme to soc", "default");
        d.choose("soc to acme", "default");
        d.press("Save");
        d.wait_text("Links saved (2 changes).");
        d.press("Organisations");
        d.wait_text("soc (→ default, ← default)");
        d.snapshot("organisations-linked");
        d.assert_clean_console(&format!("{backend:?} admin set-up"));
        // Every step is in the audit log.
        d.press("Audit log");
        d.wait_text("Platform audit log");
        let log = d.text();
        for needle in ["addMember", "link", "create"] {
            assert!(
                log.contains(needle),
                "{backend:?}: audit log lacks {needle}"
            );
        }
        assert_eq!(
            log.matches("addMember").count(),
            2,
            "{backend:?}: two memberships"
        );
        assert_eq!(
            log.matches("\tlink\t").count(),
            2,
            "{backend:?}: two link directions"
        );

        d.press("Sign out");
        d.wait_text("Sign in");
        d.fill("Login", "sam@soc.test");
        d.fill("Password", "sam-password-1");
        d.press("Sign in");
        d.wait_text("Profile: analyst");
        assert!(d.text().contains("You are working in soc"));
        assert!(
            !d.text().contains("Organisations"),
            "no admin navigation for an analyst"
        );
        d.choose("Organisation", "acme");
        d.wait_text("Profile: read-only");
        d.snapshot("analyst-acme");
        assert!(d.text().contains("You are working in acme"));
        d.assert_clean_console(&format!("{backend:?} analyst"));
    }
}

fn journey(chromedriver: &str, chromium: &str, backend: Backend) {
    let app = TestApp::spawn(backend);
    let acme = app.create_org("acme");
    let globex = app.create_org("globex");
    app.create_user(
        "sam@soc.test",
        "sam-password-1",
        &[(acme, "analyst"), (globex, "read-only")],
    );

    let driver = Driver::start(chromedriver, chromium);
    driver.goto(&format!("{}/", app.base_url));
    driver.wait_for(
        "the sign-in page",
        "return document.title",
        "Sign in · Tenantry",
    );
    driver.type_into("#login", "sam@soc.test");
    driver.type_into("#password", "sam-password-1");
    driver.click("form[action='/login'] button[type=submit]");
    driver.wait_for("the home page", "return document.querySelector('main h1') ? document.querySelector('main h1').textContent : ''", "acme");
    assert_eq!(
        driver.script(
            "return document.querySelector('label[for=organisation-switcher]').textContent"
        ),
        json!("Organisation")
    );
    assert_eq!(
        driver.script("return window.htmx ? htmx.version : 'missing'"),
        json!("2.0.4")
    );

    // Choosing another organisation posts the switch through htmx and reloads.
    driver.click(&format!("#organisation-switcher option[value='{globex}']"));
    driver.wait_for("the switch", "return document.querySelector('main h1') ? document.querySelector('main h1').textContent : ''", "globex");
    assert_eq!(
        driver.script("return document.querySelector('#organisation-switcher').selectedOptions[0].textContent"),
        json!("globex")
    );
    assert!(
        driver
            .script("return document.body.textContent")
            .as_str()
            .unwrap()
            .contains("read-only"),
        "the page shows the profile in the new organisation"
    );

    // Sign out with the header button.
    driver.click("form[action='/logout'] button");
    driver.wait_for(
        "the sign-in page",
        "return document.title",
        "Sign in · Tenantry",
    );

    driver.assert_clean_console(&format!("{backend:?} sign-in journey"));
}

/// The sharing story of the product, in the browser.
#[test]
fn browser_shares_a_case_and_unsharing_keeps_work() {
    let Some((chromedriver, chromium)) = browser("browser_shares_a_case_and_unsharing_keeps_work")
    else {
        return;
    };
    for backend in backends() {
        let app = TestApp::spawn(backend);
        let soc = app.create_org("soc");
        let acme = app.create_org("acme");
        crate::cases::link(&app, soc, acme, "default");
        crate::cases::link(&app, acme, soc, "default");
        app.create_user(
            "sam@soc.test",
            "sam-password-1",
            &[(soc, "org-admin"), (acme, "org-admin")],
        );
        let d = Driver::start(&chromedriver, &chromium);
        let home = format!("{}/", app.base_url);
        let switch_to = |org: &str| {
            d.goto(&home);
            d.wait_text("You are working in");
            d.choose("Organisation", org);
            d.wait_text(&format!("You are working in {org}"));
        };
        d.goto(&format!("{}/login", app.base_url));
        d.fill("Login", "sam@soc.test");
        d.fill("Password", "sam-password-1");
        d.press("Sign in");
        d.wait_text("You are working in soc");

        d.press("Cases");
        d.press("New case");
        d.fill("Title", "Ransomware at acme");
        d.press("Create case");
        d.wait_text("Case #1 created.");
        let case_url = d
            .script("return location.href")
            .as_str()
            .unwrap()
            .to_string();
        let case_id: i64 = case_url.rsplit('/').next().unwrap().parse().unwrap();
        d.press("Share");
        d.choose("Organisation", "acme");
        d.choose("Profile", "read-only");
        d.choose("Tasks rule", "all");
        d.press("Share");
        d.wait_text("Case shared.");
        d.snapshot("case-shared");

        switch_to("acme");
        d.press("Cases");
        d.press("Shared with my organisation");
        d.wait_text("Ransomware at acme");
        d.press("Ransomware at acme");
        d.wait_text("shared with your organisation as read-only");
        let controls = d.script("return [...document.querySelectorAll('main button, main summary')].filter(b => b.getClientRects().length > 0).map(b => b.textContent.trim())");
        for control in [
            "Edit case",
            "Add task",
            "Add observable",
            "Delete case",
            "Share",
            "Remove share",
            "Set",
        ] {
            assert!(
                !controls.as_array().unwrap().iter().any(|c| c == control),
                "{backend:?}: read-only share shows {control:?}: {controls}"
            );
        }
        // A forged edit from the same user, active in acme, is refused.
        let mut forged = app.signed_in("sam@soc.test", "sam-password-1");
        let token = forged.token();
        forged.post_form(
            "/session/organisation",
            &[("csrf_token", &token), ("organisation", &acme.to_string())],
        );
        let res = crate::cases::post(
            &mut forged,
            &format!("/cases/{case_id}"),
            &[("title", "hacked")],
        );
        assert_eq!(res.status, 403, "{backend:?}");

        switch_to("soc");
        d.goto(&case_url);
        d.wait_text("Sharing");
        d.choose("Profile of acme", "analyst");
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let profile: String = {
                use diesel::prelude::*;
                use tenantry::db::schema::{profiles, shares};
                shares::table
                    .inner_join(profiles::table)
                    .filter(shares::case_id.eq(case_id))
                    .filter(shares::organisation_id.eq(acme))
                    .select(profiles::name)
                    .first(&mut *app.conn())
                    .unwrap()
            };
            if profile == "analyst" {
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{backend:?}: inline profile change not saved"
            );
            std::thread::sleep(Duration::from_millis(100));
        }

        switch_to("acme");
        d.goto(&case_url);
        d.wait_text("shared with your organisation as analyst");
        d.fill("Task title", "Collect acme firewall logs");
        d.press("Add task");
        d.wait_text("Task \"Collect acme firewall logs\" added.");

        switch_to("soc");
        d.goto(&case_url);
        d.wait_text("Sharing");
        assert!(
            !d.text().contains("Collect acme firewall logs"),
            "{backend:?}: acme's task is acme's until the unshare"
        );
        d.press("Remove share");
        d.press("Remove");
        d.wait_text("Kept for the owner: 1 task(s)");
        assert!(
            d.text().contains("Collect acme firewall logs"),
            "{backend:?}: acme's task is kept"
        );
        d.snapshot("unshared-kept");
        d.assert_clean_console(&format!("{backend:?} sharing story"));
    }
}

/// Custom tags in the browser: tag, count, recolour, delete.
#[test]
fn browser_manages_custom_tags() {
    let Some((chromedriver, chromium)) = browser("browser_manages_custom_tags") else {
        return;
    };
    for backend in backends() {
        let app = TestApp::spawn(backend);
        let soc = app.create_org("soc");
        app.create_user("sam@soc.test", "sam-password-1", &[(soc, "org-admin")]);
        let d = Driver::start(&chromedriver, &chromium);
        d.goto(&format!("{}/login", app.base_url));
        d.fill("Login", "sam@soc.test");
        d.fill("Password", "sam-password-1");
        d.press("Sign in");
        d.wait_text("You are working in soc");
        d.press("Cases");
        d.press("New case");
        d.fill("Title", "Acme intrusion");
        d.fill("Tags (comma-separated)", "client:acme");
        d.press("Create case");
        d.wait_text("Case #1 created.");
        let case_url = d
            .script("return location.href")
            .as_str()
            .unwrap()
            .to_string();
        let chip_colour =
            "return getComputedStyle(document.querySelector('main .tag')).borderTopColor";
        d.wait_for("the default colour", chip_colour, "rgb(53, 132, 228)");

        d.press("Custom tags");
        d.wait_text("List of custom tags (1)");
        let cases_cell = d.script(
            "return document.querySelector('#tags td[data-count=cases]').textContent.trim()",
        );
        assert_eq!(cases_cell, json!("1"), "{backend:?}: Cases = 1");
        d.script("[...document.querySelectorAll('#tags summary')].find(s => s.textContent.includes('Change colour')).click(); return null");
        d.script("const i = document.querySelector('#tags input[type=color]'); i.value = '#c01c28'; i.dispatchEvent(new Event('input', {bubbles: true})); return null");
        d.press("Save colour");
        d.wait_for(
            "the chip repainted in place",
            chip_colour,
            "rgb(192, 28, 40)",
        );
        d.snapshot("custom-tags");
        d.goto(&case_url);
        d.wait_for(
            "the case chip in the new colour",
            chip_colour,
            "rgb(192, 28, 40)",
        );

        d.press("Custom tags");
        d.wait_text("List of custom tags (1)");
        d.press("Delete");
        d.wait_text("It is removed from 1 object(s).");
        d.press("Delete tag");
        d.wait_text("Tag client:acme deleted and removed from 1 object(s).");
        d.goto(&case_url);
        d.wait_text("Acme intrusion");
        assert!(
            !d.text().contains("client:acme"),
            "{backend:?}: the tag is gone from the case"
        );
        d.assert_clean_console(&format!("{backend:?} custom tags"));
    }
}

/// The MSSP's auto-share, in the browser: a rule in soc, a tag on a case,
/// and the case in acme's "Shared with my organisation".
#[test]
fn browser_auto_shares_a_tagged_case() {
    let Some((chromedriver, chromium)) = browser("browser_auto_shares_a_tagged_case") else {
        return;
    };
    for backend in backends() {
        let app = TestApp::spawn(backend);
        crate::cases::world(&app);
        let d = Driver::start(&chromedriver, &chromium);
        d.goto(&format!("{}/login", app.base_url));
        d.fill("Login", "sam@soc.test");
        d.fill("Password", "sam-password-1");
        d.press("Sign in");
        d.wait_text("You are working in soc");
        d.press("Automation");
        d.wait_text("No auto-share rule yet.");
        d.fill("Tag pattern", "client:{org}");
        d.choose("Profile", "read-only");
        d.choose("Tasks rule", "all");
        d.press("Add rule");
        d.wait_text("Rule client:{org} added.");
        d.press("Cases");
        d.press("New case");
        d.fill("Title", "Acme phishing");
        d.press("Create case");
        d.wait_text("Case #1 created.");
        d.script(
            "document.querySelector('#edit-case').closest('details').open = true; return null",
        );
        d.fill("Tags of soc (comma-separated)", "client:acme");
        d.press("Save case");
        d.wait_text("auto-share rule #");
        d.snapshot("auto-shared-case");
        d.press("Automation");
        d.wait_text("Case #1 shared with acme as read-only.");
        d.assert_clean_console(&format!("{backend:?} auto-share, soc"));
        d.click("form[action='/logout'] button");
        d.wait_text("Sign in");
        d.fill("Login", "ann@acme.test");
        d.fill("Password", "ann-password-1");
        d.press("Sign in");
        d.wait_text("You are working in acme");
        d.press("Cases");
        d.press("Shared with my organisation");
        d.wait_text("Acme phishing");
        d.assert_clean_console(&format!("{backend:?} auto-share, acme"));
    }
}
