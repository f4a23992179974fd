package access

import "github.com/awxtoken/awxtoken/internal/store"

// Token rules (AWX's OAuth2TokenAccess): superusers and system auditors see
// every token; others see their own plus the tokens of applications whose
// organization they administer or audit. The owner, a superuser, or (for an
// application's token) an admin of the application's organization may change
// or delete one. Anyone may create a token, but a token for an application
// needs an application the caller can see.
//
// Functions that take the token's application accept nil for a personal
// access token; for an application token the caller loads the application
// (it holds the organization the rules turn on).

// appOrg returns the organization of tok's application, if tok has one.
func appOrg(tok *store.AccessToken, app *store.Application) (int64, bool) {
	if tok.ApplicationID == nil || app == nil || app.ID != *tok.ApplicationID {
		return 0, false
	}
	return app.OrganizationID, true
}

// CanReadToken reports whether the actor may see tok; app is its
// application (nil for a PAT).
func CanReadToken(a Actor, tok *store.AccessToken, app *store.Application) bool {
	if tok == nil || a.User == nil {
		return false
	}
	if a.readsAll() || tok.UserID == a.User.ID {
		return true
	}
	org, ok := appOrg(tok, app)
	return ok && a.HasRole(org, store.RoleAdmin, store.RoleAuditor)
}

// CanChangeToken reports whether the actor may update tok. A system auditor
// reads but never changes another user's token.
func CanChangeToken(a Actor, tok *store.AccessToken, app *store.Application) bool {
	if tok == nil || a.User == nil {
		return false
	}
	if a.IsSuperuser() || tok.UserID == a.User.ID {
		return true
	}
	org, ok := appOrg(tok, app)
	return ok && a.IsOrgAdmin(org)
}

// CanDeleteToken reports whether the actor may delete tok; the same people
// who may change it.
func CanDeleteToken(a Actor, tok *store.AccessToken, app *store.Application) bool {
	return CanChangeToken(a, tok, app)
}

// CanCreateToken reports whether the actor may create a token for app (nil:
// a personal access token, which anyone may create for themselves).
func CanCreateToken(a Actor, app *store.Application) bool {
	if a.User == nil {
		return false
	}
	return app == nil || CanReadApplication(a, app)
}

// TokenRestriction limits a token list to what the actor may see: nil
// (everything) for superusers and system auditors, else their own tokens and
// those of applications in organizations where they are admin or auditor.
func TokenRestriction(a Actor) *store.Restriction {
	if a.readsAll() {
		return nil
	}
	return &store.Restriction{UserID: a.ID(), OrgIDs: a.OrgIDs(store.RoleAdmin, store.RoleAuditor)}
}
