package access

import "github.com/awxtoken/awxtoken/internal/store"

// User and organization rules (AWX's UserAccess, OrganizationAccess and
// RoleAccess, with AWX's default settings ORG_ADMINS_CAN_SEE_ALL_USERS and
// MANAGE_ORGANIZATION_AUTH both on).
//
// Reading: superusers and system auditors see every user and organization.
// Others see the organizations where they hold any role, and the users of
// those organizations plus themselves; an organization admin sees every
// user. Changing: superusers change anything; a user changes their own
// names, email and password; an admin of every organization a (non
// superuser) user belongs to administers that user. Only superusers create
// and delete users and organizations, and nobody deletes themselves.
// Organization admins change their organization and grant or revoke its
// roles.

// anyRole is every organization role.
var anyRole = []store.RoleName{store.RoleAdmin, store.RoleMember, store.RoleAuditor}

// isAnyOrgAdmin reports whether the actor administers some organization.
func isAnyOrgAdmin(a Actor) bool {
	for _, m := range a.Memberships {
		if m.Role == store.RoleAdmin {
			return true
		}
	}
	return false
}

// UserRestriction limits a user list to what the actor may see: nil for
// superusers, system auditors and organization admins; else the actor and
// the users holding any role in an organization where the actor holds one.
func UserRestriction(a Actor) *store.Restriction {
	if a.readsAll() || isAnyOrgAdmin(a) {
		return nil
	}
	return &store.Restriction{UserID: a.ID(), OrgIDs: a.OrgIDs(anyRole...)}
}

// CanReadUser reports whether the actor may see target, whose direct roles
// are targetMs.
func CanReadUser(a Actor, target *store.User, targetMs []store.Membership) bool {
	if target == nil || a.User == nil {
		return false
	}
	if a.readsAll() || isAnyOrgAdmin(a) || target.ID == a.User.ID {
		return true
	}
	for _, m := range targetMs {
		if a.HasRole(m.OrganizationID, anyRole...) {
			return true
		}
	}
	return false
}

// CanCreateUser reports whether the actor may create users.
func CanCreateUser(a Actor) bool { return a.IsSuperuser() }

// CanAdminUser reports whether the actor administers target: a superuser,
// or (for a target who is not a superuser and belongs to at least one
// organization) an admin of every organization target is a member or
// admin of. Administering allows changing username and is_active.
func CanAdminUser(a Actor, target *store.User, targetMs []store.Membership) bool {
	if target == nil || a.User == nil {
		return false
	}
	if a.IsSuperuser() {
		return true
	}
	if target.IsSuperuser || target.ID == a.User.ID {
		return false
	}
	orgs := 0
	for _, m := range targetMs {
		if m.Role != store.RoleMember && m.Role != store.RoleAdmin {
			continue
		}
		orgs++
		if !a.IsOrgAdmin(m.OrganizationID) {
			return false
		}
	}
	return orgs > 0
}

// CanChangeUser reports whether the actor may update target at all (which
// fields is the handler's business: see CanAdminUser, and only superusers
// change is_superuser and is_system_auditor).
func CanChangeUser(a Actor, target *store.User, targetMs []store.Membership) bool {
	if target == nil || a.User == nil {
		return false
	}
	return target.ID == a.User.ID || CanAdminUser(a, target, targetMs)
}

// CanDeleteUser reports whether the actor may delete target: superusers,
// never themselves.
func CanDeleteUser(a Actor, target *store.User) bool {
	if target == nil || a.User == nil {
		return false
	}
	return a.IsSuperuser() && target.ID != a.User.ID
}

// OrganizationRestriction limits an organization list: nil for superusers
// and system auditors, else the organizations where the actor holds a role.
func OrganizationRestriction(a Actor) *store.Restriction {
	if a.readsAll() {
		return nil
	}
	return &store.Restriction{UserID: a.ID(), OrgIDs: a.OrgIDs(anyRole...)}
}

// CanReadOrganization reports whether the actor may see organization orgID.
func CanReadOrganization(a Actor, orgID int64) bool {
	if a.User == nil {
		return false
	}
	return a.readsAll() || a.HasRole(orgID, anyRole...)
}

// CanCreateOrganization reports whether the actor may create organizations.
func CanCreateOrganization(a Actor) bool { return a.IsSuperuser() }

// CanChangeOrganization reports whether the actor may update organization
// orgID: a superuser or one of its admins.
func CanChangeOrganization(a Actor, orgID int64) bool {
	return a.IsSuperuser() || a.IsOrgAdmin(orgID)
}

// CanDeleteOrganization reports whether the actor may delete organizations.
func CanDeleteOrganization(a Actor) bool { return a.IsSuperuser() }

// CanReadRole reports whether the actor may see role (they may see its
// organization).
func CanReadRole(a Actor, role *store.Role) bool {
	return role != nil && CanReadOrganization(a, role.OrganizationID)
}

// CanGrantRole reports whether the actor may give role to, or take it from,
// a user: a superuser or an admin of the role's organization.
func CanGrantRole(a Actor, role *store.Role) bool {
	return role != nil && CanChangeOrganization(a, role.OrganizationID)
}

// RoleOrgRestriction limits a role list to the organizations the actor may
// see; nil means all.
func RoleOrgRestriction(a Actor) *store.Restriction {
	return OrganizationRestriction(a)
}
