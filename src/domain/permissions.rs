//! The permission catalogue (TheHive 5 names), permission sets and the
//! built-in profiles.

use std::fmt;

/// Whether a profile or an organisation is of the admin kind (the reserved
/// `admin` organisation) or of the organisation kind (every other one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileKind {
    Admin,
    Organisation,
}

impl ProfileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ProfileKind::Admin => "admin",
            ProfileKind::Organisation => "organisation",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "admin" => Some(ProfileKind::Admin),
            "organisation" => Some(ProfileKind::Organisation),
            _ => None,
        }
    }

    /// Every permission that means something in an organisation of this kind.
    pub fn scope(self) -> Permissions {
        Permission::ALL
            .iter()
            .filter(|p| p.scopes().contains(&self))
            .copied()
            .collect()
    }
}

macro_rules! permissions {
    ($( $variant:ident = $bit:literal, $name:literal, [$($scope:ident),+]; )+) => {
        /// One permission, named as TheHive 5 names it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Permission { $( $variant ),+ }

        impl Permission {
            pub const ALL: &'static [Permission] = &[ $( Permission::$variant ),+ ];

            /// The wire name, e.g. `manageCase/create`.
            pub fn as_str(self) -> &'static str {
                match self { $( Permission::$variant => $name ),+ }
            }

            fn bit(self) -> u32 {
                match self { $( Permission::$variant => 1 << $bit ),+ }
            }

            /// The organisation kinds in which this permission can be held.
            pub fn scopes(self) -> &'static [ProfileKind] {
                match self { $( Permission::$variant => &[$(ProfileKind::$scope),+] ),+ }
            }

            /// Parses a wire name (exact, case-sensitive as TheHive).
            pub fn parse(s: &str) -> Option<Permission> {
                match s { $( $name => Some(Permission::$variant), )+ _ => None }
            }
        }
    };
}

permissions! {
    CaseCreate = 0, "manageCase/create", [Organisation];
    CaseUpdate = 1, "manageCase/update", [Organisation];
    CaseDelete = 2, "manageCase/delete", [Organisation];
    CaseReopen = 3, "manageCase/reopen", [Organisation];
    CaseChangeOwnership = 4, "manageCase/changeOwnership", [Organisation];
    AlertCreate = 5, "manageAlert/create", [Organisation];
    AlertUpdate = 6, "manageAlert/update", [Organisation];
    AlertDelete = 7, "manageAlert/delete", [Organisation];
    AlertImport = 8, "manageAlert/import", [Organisation];
    AlertReopen = 9, "manageAlert/reopen", [Organisation];
    ManageTask = 10, "manageTask", [Organisation];
    ManageObservable = 11, "manageObservable", [Organisation];
    ManageShare = 12, "manageShare", [Organisation];
    ManageTag = 13, "manageTag", [Organisation];
    ManageCaseTemplate = 14, "manageCaseTemplate", [Organisation];
    ManageUser = 15, "manageUser", [Organisation, Admin];
    ManageConfig = 16, "manageConfig", [Organisation, Admin];
    ManageOrganisation = 17, "manageOrganisation", [Admin];
    ManageProfile = 18, "manageProfile", [Admin];
    ManagePlatform = 19, "managePlatform", [Admin];
}

impl fmt::Display for Permission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A set of permissions, cheap to copy and to intersect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Permissions(u32);

/// A permission name that is not in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownPermission(pub String);

impl fmt::Display for UnknownPermission {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "unknown permission `{}`", self.0)
    }
}

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn insert(&mut self, p: Permission) {
        self.0 |= p.bit();
    }

    pub fn intersect(self, other: Permissions) -> Permissions {
        Permissions(self.0 & other.0)
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The permissions in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .iter()
            .copied()
            .filter(move |p| self.contains(*p))
    }

    /// Parses wire names; `manageCase` and `manageAlert` (TheHive 4) stand for
    /// their whole family.
    pub fn parse_names<'a>(
        names: impl IntoIterator<Item = &'a str>,
    ) -> Result<Permissions, UnknownPermission> {
        let mut set = Permissions::NONE;
        for name in names {
            let name = name.trim();
            if name.is_empty() {
                continue;
            }
            let family: &[Permission] = match name {
                "manageCase" => &[
                    Permission::CaseCreate,
                    Permission::CaseUpdate,
                    Permission::CaseDelete,
                    Permission::CaseReopen,
                    Permission::CaseChangeOwnership,
                ],
                "manageAlert" => &[
                    Permission::AlertCreate,
                    Permission::AlertUpdate,
                    Permission::AlertDelete,
                    Permission::AlertImport,
                    Permission::AlertReopen,
                ],
                _ => match Permission::parse(name) {
                    Some(p) => {
                        set.insert(p);
                        continue;
                    }
                    None => return Err(UnknownPermission(name.to_string())),
                },
            };
            family.iter().for_each(|p| set.insert(*p));
        }
        Ok(set)
    }

    /// The storage form: wire names joined by commas.
    pub fn to_storage(self) -> String {
        self.iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Reads the storage form.
    pub fn from_storage(s: &str) -> Result<Permissions, UnknownPermission> {
        Permissions::parse_names(s.split(','))
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        let mut set = Permissions::NONE;
        iter.into_iter().for_each(|p| set.insert(p));
        set
    }
}

/// A profile created at first start.
pub struct BuiltinProfile {
    pub name: &'static str,
    pub kind: ProfileKind,
    pub permissions: Permissions,
    pub editable: bool,
}

pub const ADMIN_PROFILE: &str = "admin";
pub const ORG_ADMIN_PROFILE: &str = "org-admin";
pub const ANALYST_PROFILE: &str = "analyst";
pub const READ_ONLY_PROFILE: &str = "read-only";

/// `admin` (every admin permission), `org-admin` (every organisation
/// permission), `analyst` (TheHive 4's set: all organisation permissions but
/// manageUser, manageConfig, manageTag, manageCaseTemplate) and `read-only`.
pub fn builtin_profiles() -> Vec<BuiltinProfile> {
    let org = ProfileKind::Organisation.scope();
    let analyst = org
        .iter()
        .filter(|p| {
            !matches!(
                p,
                Permission::ManageUser
                    | Permission::ManageConfig
                    | Permission::ManageTag
                    | Permission::ManageCaseTemplate
            )
        })
        .collect();
    vec![
        BuiltinProfile {
            name: ADMIN_PROFILE,
            kind: ProfileKind::Admin,
            permissions: ProfileKind::Admin.scope(),
            editable: false,
        },
        BuiltinProfile {
            name: ORG_ADMIN_PROFILE,
            kind: ProfileKind::Organisation,
            permissions: org,
            editable: false,
        },
        BuiltinProfile {
            name: ANALYST_PROFILE,
            kind: ProfileKind::Organisation,
            permissions: analyst,
            editable: true,
        },
        BuiltinProfile {
            name: READ_ONLY_PROFILE,
            kind: ProfileKind::Organisation,
            permissions: Permissions::NONE,
            editable: true,
        },
    ]
}

/// Effective permissions of a member in an organisation: what the
/// organisation's kind allows ∩ the member's profile there.
pub fn effective_permissions(org_kind: ProfileKind, profile: Permissions) -> Permissions {
    org_kind.scope().intersect(profile)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storage_round_trip_and_families() {
        let all = ProfileKind::Organisation.scope();
        assert_eq!(Permissions::from_storage(&all.to_storage()).unwrap(), all);
        let fam = Permissions::parse_names(["manageCase"]).unwrap();
        assert_eq!(fam.iter().count(), 5);
        assert!(fam.contains(Permission::CaseChangeOwnership));
        assert!(Permissions::parse_names(["manageEverything"]).is_err());
    }

    #[test]
    fn builtins_follow_the_catalogue() {
        let profiles = builtin_profiles();
        let analyst = profiles.iter().find(|p| p.name == "analyst").unwrap();
        assert!(analyst.permissions.contains(Permission::ManageShare));
        assert!(!analyst.permissions.contains(Permission::ManageTag));
        assert_eq!(analyst.permissions.iter().count(), 13);
        let admin = profiles.iter().find(|p| p.name == "admin").unwrap();
        assert_eq!(admin.permissions.iter().count(), 5);
        assert!(!admin.permissions.contains(Permission::CaseCreate));
    }

    #[test]
    fn effective_is_scope_intersection() {
        let admin_profile = ProfileKind::Admin.scope();
        let eff = effective_permissions(ProfileKind::Organisation, admin_profile);
        assert!(eff.contains(Permission::ManageUser));
        assert!(!eff.contains(Permission::ManageOrganisation));
    }
}
