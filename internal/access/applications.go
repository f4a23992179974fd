package access

import "github.com/awxtoken/awxtoken/internal/store"

// Application rules (AWX's OAuth2ApplicationAccess): superusers and system
// auditors see every application; others see those of the organizations they
// are members of (admins included). Only a superuser or an admin of the
// organization may create, change or delete one.

// CanReadApplication reports whether the actor may see app.
func CanReadApplication(a Actor, app *store.Application) bool {
	if app == nil || a.User == nil {
		return false
	}
	return a.readsAll() || a.IsOrgMember(app.OrganizationID)
}

// CanCreateApplication reports whether the actor may add an application to
// organization orgID.
func CanCreateApplication(a Actor, orgID int64) bool {
	return a.IsSuperuser() || a.IsOrgAdmin(orgID)
}

// CanChangeApplication reports whether the actor may update app. newOrgID is
// the organization the update moves it to, or nil when it stays: moving
// needs admin rights on both sides, or a member of one organization could
// give an application away to (or take one from) another.
func CanChangeApplication(a Actor, app *store.Application, newOrgID *int64) bool {
	if app == nil || a.User == nil {
		return false
	}
	if a.IsSuperuser() {
		return true
	}
	if !a.IsOrgAdmin(app.OrganizationID) {
		return false
	}
	return newOrgID == nil || *newOrgID == app.OrganizationID || a.IsOrgAdmin(*newOrgID)
}

// CanDeleteApplication reports whether the actor may delete app.
func CanDeleteApplication(a Actor, app *store.Application) bool {
	if app == nil || a.User == nil {
		return false
	}
	return a.IsSuperuser() || a.IsOrgAdmin(app.OrganizationID)
}

// ApplicationRestriction limits an application list to what the actor may
// see: nil (everything) for superusers and system auditors, else the
// organizations where the actor is a member or admin.
func ApplicationRestriction(a Actor) *store.Restriction {
	if a.readsAll() {
		return nil
	}
	return &store.Restriction{UserID: a.ID(), OrgIDs: a.OrgIDs(store.RoleMember, store.RoleAdmin)}
}
