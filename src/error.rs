//! The one error type of the application. Services return it; the web layer
//! renders it as an HTML page, an htmx fragment or the API shape
//! `{"type", "message"}` with the matching status code.

use std::fmt;

/// What went wrong, which decides the status code and the API `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// 400 `BadRequest`
    BadRequest,
    /// 401 `AuthenticationError`: no or bad credentials.
    Unauthenticated,
    /// 403 `AuthorizationError`
    Forbidden,
    /// 403: signed in, but no unlocked organisation membership.
    NoMembership,
    /// 404 `NotFoundError`; also every object outside the caller's reach.
    NotFound,
    /// 409 `Conflict`
    Conflict,
    /// 429 `TooManyRequests`
    TooManyRequests,
    /// 500 `InternalError`; the message is logged, never shown.
    Internal,
    /// 503 `ServiceUnavailable`: the database could not be reached.
    Unavailable,
}

impl ErrorKind {
    pub fn status(self) -> u16 {
        match self {
            ErrorKind::BadRequest => 400,
            ErrorKind::Unauthenticated => 401,
            ErrorKind::Forbidden | ErrorKind::NoMembership => 403,
            ErrorKind::NotFound => 404,
            ErrorKind::Conflict => 409,
            ErrorKind::TooManyRequests => 429,
            ErrorKind::Internal => 500,
            ErrorKind::Unavailable => 503,
        }
    }

    /// The `type` of the API error body (TheHive's names).
    pub fn api_type(self) -> &'static str {
        match self {
            ErrorKind::BadRequest => "BadRequest",
            ErrorKind::Unauthenticated => "AuthenticationError",
            ErrorKind::Forbidden | ErrorKind::NoMembership => "AuthorizationError",
            ErrorKind::NotFound => "NotFoundError",
            ErrorKind::Conflict => "Conflict",
            ErrorKind::TooManyRequests => "TooManyRequests",
            ErrorKind::Internal => "InternalError",
            ErrorKind::Unavailable => "ServiceUnavailable",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

impl AppError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        AppError {
            kind,
            message: message.into(),
        }
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::BadRequest, message)
    }
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Unauthenticated, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Forbidden, message)
    }
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::NotFound, message)
    }
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Conflict, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, message)
    }

    /// The text a user may see: internal details stay in the log.
    pub fn public_message(&self) -> &str {
        match self.kind {
            ErrorKind::Internal => "Something went wrong on our side; it has been logged.",
            ErrorKind::Unavailable => "The database is not reachable; try again shortly.",
            _ => &self.message,
        }
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.api_type(), self.message)
    }
}

impl std::error::Error for AppError {}

impl From<diesel::result::Error> for AppError {
    fn from(e: diesel::result::Error) -> Self {
        use diesel::result::{DatabaseErrorKind, Error};
        match e {
            Error::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                AppError::conflict(format!("already exists ({})", info.message()))
            }
            other => AppError::internal(format!("database error: {other}")),
        }
    }
}

impl From<diesel::r2d2::PoolError> for AppError {
    fn from(e: diesel::r2d2::PoolError) -> Self {
        AppError::new(ErrorKind::Unavailable, format!("database pool: {e}"))
    }
}
