//! Server-side sessions in the database: an `actix_session::SessionStore`, so
//! several app instances on one PostgreSQL share sign-ins and sign-outs.
//!
//! The cookie carries only a random key; the state lives in `sessions`. The
//! `user_id` column mirrors the signed-in identity so that locking a user or
//! "kill sessions" can delete all their sessions at once.

use std::collections::HashMap;

use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration;
use diesel::prelude::*;
use rand::distributions::{Alphanumeric, DistString};

use super::schema::sessions;
use super::{now_ms, Db};
use crate::error::AppError;

/// The session key under which actix-identity keeps the user id.
pub const IDENTITY_KEY: &str = "actix_identity.user_id";

type State = HashMap<String, String>;

/// An idle session's expiry moves forward at most this often: reading a page
/// then costs no write unless the last extension is older than this.
const EXTEND_EVERY_MS: i64 = 60_000;

#[derive(Clone)]
pub struct DbSessionStore {
    db: Db,
    /// The expiry each session had when this instance last read or moved it
    /// (concurrent requests of one session share the entry). Only an
    /// optimisation: a missing entry means "extend".
    loaded: std::sync::Arc<std::sync::Mutex<HashMap<String, i64>>>,
}

impl DbSessionStore {
    pub fn new(db: Db) -> Self {
        DbSessionStore {
            db,
            loaded: Default::default(),
        }
    }

    fn loaded(&self) -> std::sync::MutexGuard<'_, HashMap<String, i64>> {
        self.loaded.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remember(&self, key: String, expires_at: i64) {
        let mut loaded = self.loaded();
        if loaded.len() >= 50_000 {
            loaded.clear();
        }
        loaded.insert(key, expires_at);
    }

    fn loaded_expiry(&self, key: &str) -> Option<i64> {
        self.loaded().get(key).copied()
    }
}

fn user_id_of(state: &State) -> Option<i64> {
    let raw = state.get(IDENTITY_KEY)?;
    serde_json::from_str::<String>(raw).ok()?.parse().ok()
}

fn expiry(ttl: &Duration) -> i64 {
    now_ms().saturating_add(ttl.whole_milliseconds().min(i64::MAX as i128) as i64)
}

fn new_key() -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), 64)
}

fn insert(
    db: &Db,
    state: State,
    ttl: &Duration,
) -> impl std::future::Future<Output = Result<SessionKey, AppError>> {
    let db = db.clone();
    let expires_at = expiry(ttl);
    async move {
        let body = serde_json::to_string(&state).map_err(|e| AppError::internal(e.to_string()))?;
        let user_id = user_id_of(&state);
        let key = new_key();
        let id = key.clone();
        db.run(move |conn| {
            // Opportunistic clean-up keeps the table small without a timer.
            if rand::random::<u8>() < 3 {
                diesel::delete(sessions::table.filter(sessions::expires_at.lt(now_ms())))
                    .execute(conn)?;
            }
            diesel::insert_into(sessions::table)
                .values((
                    sessions::id.eq(&id),
                    sessions::user_id.eq(user_id),
                    sessions::state.eq(&body),
                    sessions::expires_at.eq(expires_at),
                ))
                .execute(conn)?;
            Ok(())
        })
        .await?;
        SessionKey::try_from(key).map_err(|e| AppError::internal(e.to_string()))
    }
}

impl SessionStore for DbSessionStore {
    async fn load(&self, session_key: &SessionKey) -> Result<Option<State>, LoadError> {
        let key = session_key.as_ref().to_string();
        let id = key.clone();
        let row: Option<(String, i64)> = self
            .db
            .run(move |conn| {
                Ok(sessions::table
                    .filter(sessions::id.eq(&id))
                    .filter(sessions::expires_at.gt(now_ms()))
                    .select((sessions::state, sessions::expires_at))
                    .first(conn)
                    .optional()?)
            })
            .await
            .map_err(|e| LoadError::Other(anyhow::anyhow!(e)))?;
        match row {
            None => Ok(None),
            Some((text, expires_at)) => {
                self.remember(key, expires_at);
                serde_json::from_str(&text)
                    .map(Some)
                    .map_err(|e| LoadError::Deserialization(anyhow::anyhow!(e)))
            }
        }
    }

    async fn save(&self, session_state: State, ttl: &Duration) -> Result<SessionKey, SaveError> {
        insert(&self.db, session_state, ttl)
            .await
            .map_err(|e| SaveError::Other(anyhow::anyhow!(e)))
    }

    async fn update(
        &self,
        session_key: SessionKey,
        mut session_state: State,
        ttl: &Duration,
    ) -> Result<SessionKey, UpdateError> {
        let body = serde_json::to_string(&session_state)
            .map_err(|e| UpdateError::Serialization(anyhow::anyhow!(e)))?;
        let user_id = user_id_of(&session_state);
        let expires_at = expiry(ttl);
        let key = session_key.as_ref().to_string();
        let updated = self
            .db
            .run(move |conn| {
                Ok(diesel::update(
                    sessions::table
                        .filter(sessions::id.eq(&key))
                        .filter(sessions::expires_at.gt(now_ms())),
                )
                .set((
                    sessions::state.eq(&body),
                    sessions::user_id.eq(user_id),
                    sessions::expires_at.eq(expires_at),
                ))
                .execute(conn)?)
            })
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!(e)))?;
        if updated == 1 {
            return Ok(session_key);
        }
        // The session was revoked (sign-out elsewhere, lock, kill) or expired
        // while this request ran: never resurrect the sign-in it carried.
        session_state.retain(|k, _| !k.starts_with("actix_identity."));
        insert(&self.db, session_state, ttl)
            .await
            .map_err(|e| UpdateError::Other(anyhow::anyhow!(e)))
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        ttl: &Duration,
    ) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_string();
        let expires_at = expiry(ttl);
        if self
            .loaded_expiry(&key)
            .is_some_and(|loaded| expires_at - loaded < EXTEND_EVERY_MS)
        {
            return Ok(());
        }
        let id = key.clone();
        self.db
            .run(move |conn| {
                diesel::update(sessions::table.filter(sessions::id.eq(&id)))
                    .set(sessions::expires_at.eq(expires_at))
                    .execute(conn)?;
                Ok(())
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))?;
        self.remember(key, expires_at);
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        let key = session_key.as_ref().to_string();
        self.loaded().remove(&key);
        self.db
            .run(move |conn| {
                diesel::delete(sessions::table.filter(sessions::id.eq(&key))).execute(conn)?;
                Ok(())
            })
            .await
            .map_err(|e| anyhow::anyhow!(e))
    }
}
