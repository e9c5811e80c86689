//! JSON API endpoints (TheHive 5 compatible subset).

use actix_web::HttpResponse;
use serde_json::json;

pub async fn status() -> HttpResponse {
    HttpResponse::Ok().json(json!({
        "versions": { "Tenantry": env!("CARGO_PKG_VERSION") },
        "config": { "authType": ["session", "basic", "key"] },
    }))
}

pub async fn healthz(state: actix_web::web::Data<crate::startup::AppState>) -> HttpResponse {
    let ok = state
        .db
        .run(|conn| {
            use diesel::connection::SimpleConnection;
            conn.batch_execute("SELECT 1")?;
            Ok(())
        })
        .await;
    match ok {
        Ok(()) => HttpResponse::Ok().json(json!({ "status": "ok" })),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            HttpResponse::ServiceUnavailable().json(json!({ "status": "database unavailable" }))
        }
    }
}

pub mod alerts;
pub mod auth;
pub mod automation;
pub mod cases;
pub mod observables;
pub mod openapi;
pub mod profiles;
pub mod query;
pub mod tags;
pub mod tasks;
pub mod users;
pub mod v1;
