//! Configuration, migrations and first start.

use std::process::Command;

use crate::support::*;

#[test]
fn migration_folders_have_the_same_names() {
    let names = |backend: &str| {
        let mut v: Vec<String> = std::fs::read_dir(format!(
            "{}/migrations/{backend}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
        v.sort();
        v
    };
    let sqlite = names("sqlite");
    assert!(!sqlite.is_empty());
    assert_eq!(sqlite, names("postgres"));
    for dir in &sqlite {
        for backend in ["sqlite", "postgres"] {
            let base = format!("{}/migrations/{backend}/{dir}", env!("CARGO_MANIFEST_DIR"));
            assert!(
                std::path::Path::new(&format!("{base}/up.sql")).exists(),
                "{base}/up.sql"
            );
            assert!(
                std::path::Path::new(&format!("{base}/down.sql")).exists(),
                "{base}/down.sql"
            );
        }
    }
}

#[test]
fn a_bad_database_url_scheme_is_refused_and_creates_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for url in [
        "postgress://postgres@127.0.0.1/test",
        "mysql://root@127.0.0.1/test",
        "file:tenantry.db",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_tenantry"))
            .arg("migrate")
            .env("DATABASE_URL", url)
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(!out.status.success(), "{url} accepted");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unsupported scheme"), "{url}: {stderr}");
    }
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file was created"
    );
}

#[test]
fn help_lists_every_setting_with_its_variable() {
    let out = Command::new(env!("CARGO_BIN_EXE_tenantry"))
        .arg("--help")
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    for var in [
        "DATABASE_URL",
        "TENANTRY_BIND",
        "TENANTRY_ADMIN_LOGIN",
        "TENANTRY_ADMIN_PASSWORD",
        "TENANTRY_SESSION_IDLE_SECS",
        "TENANTRY_SESSION_ABSOLUTE_SECS",
        "TENANTRY_COOKIE_SECURE",
        "TENANTRY_LOGIN_MAX_FAILURES",
    ] {
        assert!(help.contains(var), "{var} missing from --help:\n{help}");
    }
}

#[test]
fn first_start_creates_admin_data_once() {
    for backend in backends() {
        let store = TestDb::new(backend);
        let mut conn = store.db.conn().unwrap();
        tenantry::db::migrate(&mut conn).unwrap();
        let first = tenantry::service::bootstrap::ensure_initial_data(&mut conn, ADMIN_LOGIN, None)
            .unwrap();
        assert_eq!(first.created_admin.as_deref(), Some(ADMIN_LOGIN));
        assert!(first
            .generated_password
            .as_ref()
            .is_some_and(|p| p.len() >= 16));
        let second =
            tenantry::service::bootstrap::ensure_initial_data(&mut conn, ADMIN_LOGIN, None)
                .unwrap();
        assert!(second.created_admin.is_none() && second.generated_password.is_none());
        assert_eq!(
            first.cookie_key, second.cookie_key,
            "{backend:?}: the cookie key is kept"
        );
        assert_eq!(first.cookie_key.len(), 64);
        use tenantry::db::queries;
        for p in ["admin", "org-admin", "analyst", "read-only"] {
            let profile = queries::profile_by_name(&mut conn, p).unwrap().expect(p);
            assert_eq!(profile.editable, p == "analyst" || p == "read-only");
        }
        let admin = queries::user_by_login_key(&mut conn, ADMIN_LOGIN)
            .unwrap()
            .unwrap();
        let memberships = queries::memberships_of_user(&mut conn, admin.id).unwrap();
        assert_eq!(memberships.len(), 1);
        assert_eq!(memberships[0].organisation_name, "admin");
        assert_eq!(memberships[0].profile_name, "admin");
        assert_eq!(queries::count_users(&mut conn).unwrap(), 1);
        // A second migrate is a no-op.
        assert!(tenantry::db::migrate(&mut conn).unwrap().is_empty());
    }
}

#[test]
fn sqlite_write_transactions_roll_back_whole() {
    for backend in backends() {
        let store = TestDb::new(backend);
        let mut conn = store.db.conn().unwrap();
        tenantry::db::migrate(&mut conn).unwrap();
        let result: Result<(), tenantry::error::AppError> = tenantry::db::write(&mut conn, |c| {
            tenantry::db::queries::insert_setting(c, "a", "1")?;
            tenantry::db::queries::insert_setting(c, "a", "2")?; // duplicate key
            Ok(())
        });
        assert_eq!(
            result.unwrap_err().kind,
            tenantry::error::ErrorKind::Conflict
        );
        assert_eq!(
            tenantry::db::queries::get_setting(&mut conn, "a").unwrap(),
            None,
            "{backend:?}"
        );
        // The connection is usable after the rollback.
        tenantry::db::write(&mut conn, |c| {
            tenantry::db::queries::insert_setting(c, "a", "3")
        })
        .unwrap();
        assert_eq!(
            tenantry::db::queries::get_setting(&mut conn, "a")
                .unwrap()
                .as_deref(),
            Some("3")
        );
    }
}
