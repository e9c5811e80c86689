//! `SignedIn`: the user of this request, re-validated against the database on
//! every request (existence, lock, memberships, organisation locks).

use std::net::IpAddr;

use actix_identity::Identity;
use actix_session::{Session, SessionExt};
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::error::{AppError, ErrorKind};
use crate::service::auth::{load_actor, ActiveOrganisation, Actor};
use crate::startup::AppState;

/// Session key of the active organisation id.
pub const ACTIVE_ORGANISATION: &str = "organisation_id";

pub struct SignedIn {
    pub actor: Actor,
    pub session: Session,
    pub identity: Identity,
}

/// Session key of a one-time message shown on the next page.
const FLASH: &str = "flash";

impl SignedIn {
    /// The actor for services: login, id and rights in the active organisation.
    pub fn by(&self) -> Result<crate::service::By<'_>, AppError> {
        let active = self.active()?;
        Ok(crate::service::By {
            login: &self.actor.user.login,
            user_id: self.actor.user.id,
            acting: active.acting(),
        })
    }

    /// The page layout, with the pending one-time message.
    pub fn layout(
        &self,
        title: impl Into<String>,
        req: &HttpRequest,
    ) -> crate::web::templates::Layout {
        let path = crate::web::path_and_query(req);
        let mut layout = crate::web::templates::Layout::signed_in(
            title,
            crate::web::csrf::token(&self.session),
            &self.actor,
            &path,
        );
        // `remove` marks the session changed (a write) even when the key is
        // absent: read first, so plain page views write nothing.
        if let Ok(Some(message)) = self.session.get::<String>(FLASH) {
            self.session.remove(FLASH);
            layout.flash = Some(message);
        }
        layout
    }

    /// Leaves a message for the next page.
    pub fn flash(&self, message: impl Into<String>) {
        let _ = self.session.insert(FLASH, message.into());
    }

    /// The active organisation, or the "no organisation" error.
    pub fn active(&self) -> Result<&ActiveOrganisation, AppError> {
        self.actor.active.as_ref().ok_or_else(|| {
            AppError::new(
                ErrorKind::NoMembership,
                "You are not a member of any active organisation. Ask an administrator to add you to one.",
            )
        })
    }
}

impl FromRequest for SignedIn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let identity = Identity::extract(&req)
                .await
                .map_err(|_| AppError::unauthenticated("Please sign in."))?;
            let user_id: i64 = identity
                .id()
                .ok()
                .and_then(|id| id.parse().ok())
                .ok_or_else(|| AppError::unauthenticated("Please sign in."))?;
            let session = req.get_session();
            let wanted: Option<i64> = session.get(ACTIVE_ORGANISATION).ok().flatten();
            let state = req
                .app_data::<web::Data<AppState>>()
                .ok_or_else(|| AppError::internal("application state missing"))?;
            let actor = state
                .db
                .run(move |conn| load_actor(conn, user_id, wanted))
                .await?;
            let Some(actor) = actor else {
                identity.logout();
                return Err(AppError::unauthenticated(
                    "Your session has ended. Please sign in again.",
                ));
            };
            let active = actor.active.as_ref().map(|a| a.id);
            if active != wanted {
                match active {
                    Some(id) => session
                        .insert(ACTIVE_ORGANISATION, id)
                        .map_err(|e| AppError::internal(e.to_string()))?,
                    None => {
                        session.remove(ACTIVE_ORGANISATION);
                    }
                }
            }
            Ok(SignedIn {
                actor,
                session,
                identity,
            })
        })
    }
}

/// The client's address: the TCP peer, or, when the peer is one of the
/// configured trusted proxies, the right-most address of `X-Forwarded-For`
/// that is not itself a trusted proxy (what a client can forge lies to the
/// left of what the proxies appended). Sign-in limits per address use it.
pub fn client_address(req: &HttpRequest, settings: &crate::config::Settings) -> Option<IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    if !settings.trusted_proxies.contains(&peer) {
        return Some(peer);
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map_while(|a| a.trim().parse::<IpAddr>().ok())
        .collect();
    Some(
        forwarded
            .into_iter()
            .rev()
            .find(|a| !settings.trusted_proxies.contains(a))
            .unwrap_or(peer),
    )
}
