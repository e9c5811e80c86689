//! Who may do what in administration. Pure functions over the actor's active
//! organisation; handlers and services ask here and nowhere else.

use super::permissions::{Permission, Permissions, ProfileKind};

/// The part of an actor the policy needs: the active organisation's id, kind
/// and the actor's effective permissions there.
#[derive(Debug, Clone, Copy)]
pub struct Acting {
    pub organisation_id: i64,
    pub kind: ProfileKind,
    pub permissions: Permissions,
}

impl Acting {
    fn platform(&self, p: Permission) -> bool {
        self.kind == ProfileKind::Admin && self.permissions.contains(p)
    }

    /// Create, edit, lock, delete and link organisations; see all of them.
    pub fn manages_organisations(&self) -> bool {
        self.platform(Permission::ManageOrganisation)
    }

    /// Create, edit and delete profiles.
    pub fn manages_profiles(&self) -> bool {
        self.platform(Permission::ManageProfile)
    }

    /// Read the platform-wide audit log.
    pub fn reads_platform_audit(&self) -> bool {
        self.platform(Permission::ManagePlatform)
    }

    /// Read the active organisation's audit log (its org admins).
    pub fn reads_organisation_audit(&self) -> bool {
        self.kind == ProfileKind::Organisation && self.permissions.contains(Permission::ManageUser)
    }

    /// Whose memberships and accounts the actor manages.
    pub fn member_scope(&self) -> Option<MemberScope> {
        if !self.permissions.contains(Permission::ManageUser) {
            return None;
        }
        Some(match self.kind {
            ProfileKind::Admin => MemberScope::Platform,
            ProfileKind::Organisation => MemberScope::Organisation(self.organisation_id),
        })
    }
}

/// The reach of a user manager.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberScope {
    /// `manageUser` in `admin`: every user of every organisation.
    Platform,
    /// `manageUser` in an organisation: its members only, never a member of
    /// `admin`, never granting more than the manager holds.
    Organisation(i64),
}

impl MemberScope {
    /// May the manager act on organisation `org`'s memberships?
    pub fn covers_organisation(self, org: i64) -> bool {
        match self {
            MemberScope::Platform => true,
            MemberScope::Organisation(own) => own == org,
        }
    }

    /// May the manager act on a user's account, given the organisations the
    /// user belongs to and whether one of them is `admin`?
    pub fn covers_user(self, user_orgs: &[i64], user_is_platform_member: bool) -> bool {
        match self {
            MemberScope::Platform => true,
            MemberScope::Organisation(own) => !user_is_platform_member && user_orgs.contains(&own),
        }
    }

    /// May the manager hand out a profile with these permissions? An org admin
    /// cannot grant what they do not hold themselves.
    pub fn may_grant(self, own: Permissions, profile: Permissions) -> bool {
        match self {
            MemberScope::Platform => true,
            MemberScope::Organisation(_) => profile.intersect(own) == profile,
        }
    }
}

/// How a linked organisation is treated when cases are created (TheHive 5).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkType {
    /// Manual sharing only.
    Default,
    /// New cases shared automatically with profile `analyst`.
    Supervised,
    /// New cases shared automatically with profile `read-only`.
    Notify,
}

impl LinkType {
    pub const ALL: [LinkType; 3] = [LinkType::Default, LinkType::Supervised, LinkType::Notify];

    pub fn as_str(self) -> &'static str {
        match self {
            LinkType::Default => "default",
            LinkType::Supervised => "supervised",
            LinkType::Notify => "notify",
        }
    }

    /// The profile of the share a new case gets across a link of this type.
    pub fn auto_share_profile(self) -> Option<&'static str> {
        match self {
            LinkType::Default => None,
            LinkType::Supervised => Some(crate::domain::permissions::ANALYST_PROFILE),
            LinkType::Notify => Some(crate::domain::permissions::READ_ONLY_PROFILE),
        }
    }

    /// Parses a link type; `none` (and an empty value) mean "no link" (`Ok(None)`).
    pub fn parse_optional(s: &str) -> Result<Option<LinkType>, String> {
        match s.trim() {
            "" | "none" => Ok(None),
            "default" => Ok(Some(LinkType::Default)),
            "supervised" => Ok(Some(LinkType::Supervised)),
            "notify" => Ok(Some(LinkType::Notify)),
            other => Err(format!(
                "Unknown link type \"{other}\": use none, default, supervised or notify."
            )),
        }
    }
}

/// Organisation defaults for sharing tasks and observables.
pub fn parse_item_rule(s: &str) -> Result<&'static str, String> {
    match s.trim() {
        "manual" => Ok("manual"),
        "autoShare" => Ok("autoShare"),
        other => Err(format!(
            "Unknown rule \"{other}\": use manual or autoShare."
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acting(kind: ProfileKind, perms: &[Permission]) -> Acting {
        Acting {
            organisation_id: 7,
            kind,
            permissions: perms.iter().copied().collect(),
        }
    }

    #[test]
    fn platform_rights_need_the_admin_organisation() {
        let admin = acting(
            ProfileKind::Admin,
            &[Permission::ManageOrganisation, Permission::ManageUser],
        );
        assert!(admin.manages_organisations());
        assert_eq!(admin.member_scope(), Some(MemberScope::Platform));
        // The same permission names held in an ordinary organisation give no platform rights.
        let org = acting(
            ProfileKind::Organisation,
            &[Permission::ManageOrganisation, Permission::ManageUser],
        );
        assert!(!org.manages_organisations());
        assert_eq!(org.member_scope(), Some(MemberScope::Organisation(7)));
        assert_eq!(acting(ProfileKind::Organisation, &[]).member_scope(), None);
    }

    #[test]
    fn org_admins_reach_only_their_members_and_grant_no_more_than_they_hold() {
        let scope = MemberScope::Organisation(7);
        assert!(scope.covers_organisation(7) && !scope.covers_organisation(8));
        assert!(scope.covers_user(&[7, 9], false));
        assert!(!scope.covers_user(&[9], false));
        assert!(
            !scope.covers_user(&[7], true),
            "members of admin are out of reach"
        );
        let own: Permissions = [Permission::ManageUser, Permission::ManageTask]
            .into_iter()
            .collect();
        let less: Permissions = [Permission::ManageTask].into_iter().collect();
        let more: Permissions = [Permission::ManageTask, Permission::ManageTag]
            .into_iter()
            .collect();
        assert!(scope.may_grant(own, less));
        assert!(!scope.may_grant(own, more));
        assert!(MemberScope::Platform.may_grant(Permissions::NONE, more));
    }

    #[test]
    fn link_types_parse() {
        assert_eq!(LinkType::parse_optional("none"), Ok(None));
        assert_eq!(
            LinkType::parse_optional("notify"),
            Ok(Some(LinkType::Notify))
        );
        assert!(LinkType::parse_optional("bogus").is_err());
    }
}
