package server

// tokenRoutes registers the OAuth2 resources: tokens, applications and the
// user and organization sub-lists of them (tokens.go, applications.go).
// routes.go calls it.
//
// rt.handle registers an authenticated /api/v2 route (read-scope rule
// applied), rt.public one open to anonymous callers, rt.oauth an /api/o/
// route (no user authentication, no scope rule). Paths end in a slash and
// match exactly; {id} is a pk or a named URL (a username for users,
// "<name>++<organization name>" for applications).
func (s *Server) tokenRoutes(rt *router) {
	rt.handle("GET /api/v2/tokens/", s.handleTokenList)
	rt.handle("POST /api/v2/tokens/", s.handleTokenCreate)
	rt.handle("GET /api/v2/tokens/{id}/", s.handleTokenDetail)
	rt.handle("PUT /api/v2/tokens/{id}/", s.handleTokenUpdate)
	rt.handle("PATCH /api/v2/tokens/{id}/", s.handleTokenUpdate)
	rt.handle("DELETE /api/v2/tokens/{id}/", s.handleTokenDelete)

	rt.handle("GET /api/v2/applications/", s.handleApplicationList)
	rt.handle("POST /api/v2/applications/", s.handleApplicationCreate)
	rt.handle("GET /api/v2/applications/{id}/", s.handleApplicationDetail)
	rt.handle("PUT /api/v2/applications/{id}/", s.handleApplicationUpdate)
	rt.handle("PATCH /api/v2/applications/{id}/", s.handleApplicationUpdate)
	rt.handle("DELETE /api/v2/applications/{id}/", s.handleApplicationDelete)
	rt.handle("GET /api/v2/applications/{id}/tokens/", s.handleApplicationTokenList)
	rt.handle("POST /api/v2/applications/{id}/tokens/", s.handleApplicationTokenCreate)

	rt.handle("GET /api/v2/organizations/{id}/applications/", s.handleOrganizationApplicationList)
	rt.handle("POST /api/v2/organizations/{id}/applications/", s.handleOrganizationApplicationCreate)

	rt.handle("GET /api/v2/users/{id}/tokens/", s.handleUserTokenList)
	rt.handle("POST /api/v2/users/{id}/tokens/", s.handleUserTokenCreate)
	rt.handle("GET /api/v2/users/{id}/authorized_tokens/", s.handleUserAuthorizedTokenList)
	rt.handle("POST /api/v2/users/{id}/authorized_tokens/", s.handleUserAuthorizedTokenCreate)
	rt.handle("GET /api/v2/users/{id}/personal_tokens/", s.handleUserPersonalTokenList)
	rt.handle("POST /api/v2/users/{id}/personal_tokens/", s.handleUserPersonalTokenCreate)
	rt.handle("GET /api/v2/users/{id}/applications/", s.handleUserApplicationList)

	// OAuth2 endpoints (oauth.go). /api/o/authorize/ is not served: the
	// authorization-code grant is not implemented, so it is a 404.
	rt.public("GET /api/o/", s.handleOAuthRoot)
	rt.oauth("POST /api/o/token/", s.handleOAuthToken)
	rt.oauth("POST /api/o/revoke_token/", s.handleOAuthRevoke)

	// The activity streams of tokens and applications are registered with
	// the rest of the activity stream (activity.go).
}
