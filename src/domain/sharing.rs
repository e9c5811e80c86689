//! The case policy: who may do what on a case, given their effective
//! permissions in the active organisation and the profile of that
//! organisation's share of the case. One pure function decides every action.

use super::permissions::{Permission, Permissions};

/// An organisation's access to one case: its share's profile and whether that
/// share is the owner share.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseAccess {
    pub share_profile: Permissions,
    pub owner: bool,
}

/// Everything the case screens and the API can do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CaseAction {
    View,
    /// Edit fields, tags, close.
    Update,
    Reopen,
    /// Only the owner organisation deletes a case.
    Delete,
    /// Only the owner organisation hands the case over.
    ChangeOwnership,
    /// Share with another organisation, change or remove other shares, share items.
    Share,
    /// Create, edit, delete tasks; set "action required".
    ManageTasks,
    /// Create, edit, delete observables.
    ManageObservables,
}

impl CaseAction {
    pub const ALL: [CaseAction; 8] = [
        CaseAction::View,
        CaseAction::Update,
        CaseAction::Reopen,
        CaseAction::Delete,
        CaseAction::ChangeOwnership,
        CaseAction::Share,
        CaseAction::ManageTasks,
        CaseAction::ManageObservables,
    ];
}

/// A user's rights on a case: effective permissions in the active
/// organisation ∩ the profile of that organisation's share.
pub fn case_rights(user: Permissions, access: CaseAccess) -> Permissions {
    user.intersect(access.share_profile)
}

/// The decision for one action. Visibility (having a share) is the caller's
/// precondition: without a share the case does not exist for the caller (404).
pub fn allows(user: Permissions, access: CaseAccess, action: CaseAction) -> bool {
    let rights = case_rights(user, access);
    match action {
        CaseAction::View => true,
        CaseAction::Update => rights.contains(Permission::CaseUpdate),
        CaseAction::Reopen => rights.contains(Permission::CaseReopen),
        CaseAction::Delete => access.owner && rights.contains(Permission::CaseDelete),
        CaseAction::ChangeOwnership => {
            access.owner && rights.contains(Permission::CaseChangeOwnership)
        }
        CaseAction::Share => rights.contains(Permission::ManageShare),
        CaseAction::ManageTasks => rights.contains(Permission::ManageTask),
        CaseAction::ManageObservables => rights.contains(Permission::ManageObservable),
    }
}

/// Re-sharing never widens rights: a profile given to another organisation
/// must lie within the sharer's own share profile.
pub fn may_give(access: CaseAccess, given: Permissions) -> bool {
    given.intersect(access.share_profile) == given
}

/// Changing or removing another organisation's share: never the owner share,
/// never one's own organisation's share.
pub fn may_touch_share(
    own_organisation: i64,
    share_organisation: i64,
    share_is_owner: bool,
) -> bool {
    !share_is_owner && own_organisation != share_organisation
}

/// How a share treats the case's tasks (or observables).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemRule {
    Manual,
    ExistingOnly,
    UpcomingOnly,
    All,
}

impl ItemRule {
    pub const ALL: [ItemRule; 4] = [
        ItemRule::Manual,
        ItemRule::ExistingOnly,
        ItemRule::UpcomingOnly,
        ItemRule::All,
    ];

    /// Parses a rule; TheHive 5's `autoShare` means `all`.
    pub fn parse(s: &str) -> Result<ItemRule, String> {
        match s.trim() {
            "" | "manual" => Ok(ItemRule::Manual),
            "existingOnly" => Ok(ItemRule::ExistingOnly),
            "upcomingOnly" => Ok(ItemRule::UpcomingOnly),
            "all" | "autoShare" => Ok(ItemRule::All),
            other => Err(format!(
                "Unknown rule \"{other}\": use manual, existingOnly, upcomingOnly or all."
            )),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ItemRule::Manual => "manual",
            ItemRule::ExistingOnly => "existingOnly",
            ItemRule::UpcomingOnly => "upcomingOnly",
            ItemRule::All => "all",
        }
    }

    /// Items that exist when the share is made are attached.
    pub fn takes_existing(self) -> bool {
        matches!(self, ItemRule::ExistingOnly | ItemRule::All)
    }

    /// Items created later are attached.
    pub fn takes_upcoming(self) -> bool {
        matches!(self, ItemRule::UpcomingOnly | ItemRule::All)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::permissions::{builtin_profiles, ProfileKind};

    fn profile(name: &str) -> Permissions {
        builtin_profiles()
            .into_iter()
            .find(|p| p.name == name)
            .unwrap()
            .permissions
    }

    /// Every built-in organisation profile as the user's profile × every one as
    /// the share profile × owner or not × every action, against the rule
    /// written out independently.
    #[test]
    fn policy_table() {
        let names = ["org-admin", "analyst", "read-only"];
        let scope = ProfileKind::Organisation.scope();
        let mut checked = 0;
        for user_name in names {
            for share_name in names {
                for owner in [true, false] {
                    let user = profile(user_name).intersect(scope);
                    let access = CaseAccess {
                        share_profile: profile(share_name),
                        owner,
                    };
                    for action in CaseAction::ALL {
                        let both =
                            |p: Permission| user.contains(p) && access.share_profile.contains(p);
                        let expected = match action {
                            CaseAction::View => true,
                            CaseAction::Update => both(Permission::CaseUpdate),
                            CaseAction::Reopen => both(Permission::CaseReopen),
                            CaseAction::Delete => owner && both(Permission::CaseDelete),
                            CaseAction::ChangeOwnership => {
                                owner && both(Permission::CaseChangeOwnership)
                            }
                            CaseAction::Share => both(Permission::ManageShare),
                            CaseAction::ManageTasks => both(Permission::ManageTask),
                            CaseAction::ManageObservables => both(Permission::ManageObservable),
                        };
                        assert_eq!(
                            allows(user, access, action),
                            expected,
                            "{user_name} × {share_name} owner={owner} {action:?}"
                        );
                        checked += 1;
                    }
                }
            }
        }
        assert_eq!(checked, 3 * 3 * 2 * 8);
        // Spot checks that read as the product rules.
        let ro = CaseAccess {
            share_profile: profile("read-only"),
            owner: false,
        };
        assert!(
            !allows(profile("org-admin"), ro, CaseAction::Update),
            "a read-only share makes an org admin read-only"
        );
        let analyst = CaseAccess {
            share_profile: profile("analyst"),
            owner: false,
        };
        assert!(allows(profile("analyst"), analyst, CaseAction::ManageTasks));
        assert!(
            !allows(profile("org-admin"), analyst, CaseAction::Delete),
            "only the owner deletes"
        );
    }

    #[test]
    fn resharing_never_widens() {
        let analyst = CaseAccess {
            share_profile: profile("analyst"),
            owner: false,
        };
        assert!(may_give(analyst, profile("read-only")));
        assert!(may_give(analyst, profile("analyst")));
        assert!(!may_give(analyst, profile("org-admin")));
        assert!(
            !may_touch_share(1, 1, false),
            "nobody removes their own organisation's share"
        );
        assert!(
            !may_touch_share(1, 2, true),
            "the owner share is untouchable"
        );
        assert!(may_touch_share(1, 2, false));
    }

    #[test]
    fn rules() {
        assert_eq!(ItemRule::parse("autoShare"), Ok(ItemRule::All));
        assert!(
            ItemRule::ExistingOnly.takes_existing() && !ItemRule::ExistingOnly.takes_upcoming()
        );
        assert!(
            ItemRule::UpcomingOnly.takes_upcoming() && !ItemRule::UpcomingOnly.takes_existing()
        );
        assert!(ItemRule::parse("sometimes").is_err());
    }
}
