//! Validated names: organisation names and user logins.

use std::fmt;

/// The reserved organisation holding platform administrators.
pub const ADMIN_ORGANISATION: &str = "admin";

/// A valid organisation name: 1–64 characters, no `/`, no surrounding blanks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationName(String);

impl OrganisationName {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let name = raw.trim();
        let len = name.chars().count();
        if len == 0 {
            return Err("The name is required.".into());
        }
        if len > 64 {
            return Err("The name is longer than 64 characters.".into());
        }
        if name.contains('/') {
            return Err("The name cannot contain \"/\".".into());
        }
        if name.chars().any(char::is_control) {
            return Err("The name cannot contain control characters.".into());
        }
        Ok(OrganisationName(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive uniqueness key.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

impl fmt::Display for OrganisationName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A valid login: an e-mail-like string, 3–128 characters, no blanks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let login = raw.trim();
        if login.is_empty() {
            return Err("The login is required.".into());
        }
        if login.chars().count() > 128 {
            return Err("The login is longer than 128 characters.".into());
        }
        if login
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
        {
            return Err("The login cannot contain blanks or \"/\".".into());
        }
        match login.split_once('@') {
            Some((user, domain))
                if !user.is_empty() && !domain.is_empty() && !domain.contains('@') =>
            {
                Ok(Login(login.to_string()))
            }
            _ => Err("The login must look like an e-mail address (user@domain).".into()),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The case-insensitive uniqueness key.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

impl fmt::Display for Login {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Case-insensitive key used for unique names and logins.
pub fn name_key(s: &str) -> String {
    s.trim().to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_names() {
        assert!(OrganisationName::parse("").is_err());
        assert!(OrganisationName::parse("a/b").is_err());
        assert!(OrganisationName::parse(&"x".repeat(65)).is_err());
        assert_eq!(OrganisationName::parse(" Acme ").unwrap().key(), "acme");
    }

    #[test]
    fn logins() {
        assert!(Login::parse("admin@tenantry.local").is_ok());
        assert!(Login::parse("nobody").is_err());
        assert!(Login::parse("a b@c").is_err());
        assert_eq!(Login::parse("Ann@X.org").unwrap().key(), "ann@x.org");
    }
}
