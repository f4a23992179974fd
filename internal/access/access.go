// Package access owns who may see or change what (spec awx-api.md section 6):
// plain functions over store types, with no I/O, so every rule is
// table-tested without a server. Handlers load the objects, call these
// functions, and answer 403 when one says no; list handlers pass the
// Restriction built here to the store so a page holds only visible rows.
//
// access.go holds the Actor and the role lookups every rule shares;
// tokens.go and applications.go hold the OAuth2 rules; identity.go the
// rules for users and organizations.
package access

import "github.com/awxtoken/awxtoken/internal/store"

// Actor is the authenticated caller as the rules see it: the user and the
// organization roles they hold directly. Memberships are loaded once per
// request (store.UserMemberships) so a rule never touches the store.
type Actor struct {
	User        *store.User
	Memberships []store.Membership
}

// NewActor builds an Actor; memberships may be nil for a user with none.
func NewActor(u *store.User, ms []store.Membership) Actor {
	return Actor{User: u, Memberships: ms}
}

// IsSuperuser reports whether the actor may do everything.
func (a Actor) IsSuperuser() bool { return a.User != nil && a.User.IsSuperuser }

// IsSystemAuditor reports whether the actor may read everything. A
// superuser is not reported as an auditor; callers check both where reading
// is concerned.
func (a Actor) IsSystemAuditor() bool { return a.User != nil && a.User.IsSystemAuditor }

// readsAll reports whether no visibility restriction applies to the actor.
func (a Actor) readsAll() bool { return a.IsSuperuser() || a.IsSystemAuditor() }

// ID is the actor's user id, 0 for a missing user (which no rule allows).
func (a Actor) ID() int64 {
	if a.User == nil {
		return 0
	}
	return a.User.ID
}

// HasRole reports whether the actor holds one of roles in organization orgID.
func (a Actor) HasRole(orgID int64, roles ...store.RoleName) bool {
	for _, m := range a.Memberships {
		if m.OrganizationID != orgID {
			continue
		}
		for _, r := range roles {
			if m.Role == r {
				return true
			}
		}
	}
	return false
}

// IsOrgAdmin reports whether the actor administers organization orgID.
func (a Actor) IsOrgAdmin(orgID int64) bool { return a.HasRole(orgID, store.RoleAdmin) }

// IsOrgMember reports whether the actor is a member of organization orgID.
// AWX's member_role has admin_role as its parent, so admins count as members;
// auditors do not (their role hangs off the system auditor singleton).
func (a Actor) IsOrgMember(orgID int64) bool {
	return a.HasRole(orgID, store.RoleMember, store.RoleAdmin)
}

// OrgIDs lists, without duplicates and in first-seen order, the
// organizations where the actor holds one of roles. It never returns nil, so
// a Restriction built from it means "no organization" rather than "unset".
func (a Actor) OrgIDs(roles ...store.RoleName) []int64 {
	ids := make([]int64, 0, len(a.Memberships))
	for _, m := range a.Memberships {
		match := false
		for _, r := range roles {
			if m.Role == r {
				match = true
				break
			}
		}
		if !match {
			continue
		}
		dup := false
		for _, id := range ids {
			if id == m.OrganizationID {
				dup = true
				break
			}
		}
		if !dup {
			ids = append(ids, m.OrganizationID)
		}
	}
	return ids
}
