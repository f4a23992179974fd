package server

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// This file serves the access tokens: /api/v2/tokens/, a token's detail,
// and the token sub-lists of applications and users. Every create goes
// through createToken, which follows spec section 3: a fresh token stored
// only as its digest, owned by the caller, with a refresh token when it
// belongs to an application; the clear values appear in that one response.

// tokenAppSource says where a token create takes its application from.
type tokenAppSource int

const (
	appOptional   tokenAppSource = iota // /tokens/, /users/{pk}/tokens/: optional, nullable
	appRequired                         // /users/{pk}/authorized_tokens/
	appForcedNull                       // /users/{pk}/personal_tokens/
	appFromURL                          // /applications/{id}/tokens/
)

// tokenRenderer renders tokens, loading each owner and application once per
// request however many tokens share them.
type tokenRenderer struct {
	s     *Server
	users map[int64]tokenOwner
	apps  map[int64]tokenApp
}

func (s *Server) newTokenRenderer() *tokenRenderer {
	return &tokenRenderer{s: s, users: map[int64]tokenOwner{}, apps: map[int64]tokenApp{}}
}

// remember primes the caches with objects the handler already holds.
func (tr *tokenRenderer) remember(u *store.User, app *store.Application) {
	if u != nil {
		tr.users[u.ID] = newTokenOwner(u.ID, u)
	}
	if app != nil {
		tr.apps[app.ID] = newTokenApp(app.ID, app)
	}
}

// prefetch loads, in one query each, the owners and applications of toks
// that the caches lack, so a page of tokens of many users costs two
// queries rather than one per token.
func (tr *tokenRenderer) prefetch(ctx context.Context, toks []*store.AccessToken) error {
	var userIDs, appIDs []string
	seen := map[int64]bool{}
	for _, t := range toks {
		if _, ok := tr.users[t.UserID]; !ok && !seen[t.UserID] {
			seen[t.UserID] = true
			userIDs = append(userIDs, itoa64(t.UserID))
		}
	}
	clear(seen)
	for _, t := range toks {
		if t.ApplicationID == nil {
			continue
		}
		if _, ok := tr.apps[*t.ApplicationID]; !ok && !seen[*t.ApplicationID] {
			seen[*t.ApplicationID] = true
			appIDs = append(appIDs, itoa64(*t.ApplicationID))
		}
	}
	if len(userIDs) > 0 {
		users, _, err := tr.s.store.ListUsers(ctx, store.Query{Filters: []store.Filter{{Field: "id", Lookup: "in", Value: strings.Join(userIDs, ",")}}})
		if err != nil {
			return err
		}
		for _, u := range users {
			tr.users[u.ID] = newTokenOwner(u.ID, u)
		}
	}
	if len(appIDs) > 0 {
		apps, _, err := tr.s.store.ListApplications(ctx, store.Query{Filters: []store.Filter{{Field: "id", Lookup: "in", Value: strings.Join(appIDs, ",")}}})
		if err != nil {
			return err
		}
		for _, a := range apps {
			tr.apps[a.ID] = newTokenApp(a.ID, a)
		}
	}
	return nil
}

func (tr *tokenRenderer) render(ctx context.Context, t *store.AccessToken, secrets *tokenSecrets) (awx.Token, error) {
	owner, ok := tr.users[t.UserID]
	if !ok {
		u, err := tr.s.store.UserByID(ctx, t.UserID)
		if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
			return awx.Token{}, err
		}
		// A user deleted between the list and this lookup renders without
		// a summary rather than failing the page.
		owner = newTokenOwner(t.UserID, u)
		tr.users[t.UserID] = owner
	}
	var app tokenApp
	if t.ApplicationID != nil {
		id := *t.ApplicationID
		if app, ok = tr.apps[id]; !ok {
			a, err := tr.s.store.ApplicationByID(ctx, id)
			if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
				return awx.Token{}, err
			}
			app = newTokenApp(id, a)
			tr.apps[id] = app
		}
	}
	return renderToken(t, owner, app, secrets), nil
}

// listTokens serves a token list: AWX's query string, plus the handler's
// fixed filters, limited to what the caller may see.
func (s *Server) listTokens(w http.ResponseWriter, r *http.Request, a access.Actor, fixed ...store.Filter) {
	q, err := parseListQuery(r, store.TokenResource)
	if err != nil {
		writeError(w, r, err)
		return
	}
	q.Filters = append(q.Filters, fixed...)
	q.Restrict = access.TokenRestriction(a)
	toks, n, err := s.store.ListAccessTokens(r.Context(), q)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tr := s.newTokenRenderer()
	tr.remember(a.User, nil)
	if err := tr.prefetch(r.Context(), toks); err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]awx.Token, 0, len(toks))
	for _, t := range toks {
		v, err := tr.render(r.Context(), t, nil)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = append(out, v)
	}
	writePage(w, r, q, out, n)
}

// handleTokenList serves GET /api/v2/tokens/.
func (s *Server) handleTokenList(w http.ResponseWriter, r *http.Request) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.listTokens(w, r, a)
}

// handleTokenCreate serves POST /api/v2/tokens/.
func (s *Server) handleTokenCreate(w http.ResponseWriter, r *http.Request) {
	s.createToken(w, r, appOptional, nil)
}

// loadToken loads the token {id} names and its application (nil for a
// PAT): 404 when missing. Tokens have no named URL.
func (s *Server) loadToken(w http.ResponseWriter, r *http.Request) (*store.AccessToken, *store.Application, access.Actor, bool) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	id, ok := pathID(r, "id")
	if !ok {
		writeNotFound(w)
		return nil, nil, a, false
	}
	t, err := s.store.AccessTokenByID(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return nil, nil, a, false
	}
	var app *store.Application
	if t.ApplicationID != nil {
		app, err = s.store.ApplicationByID(r.Context(), *t.ApplicationID)
		if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
			writeError(w, r, err)
			return nil, nil, a, false
		}
	}
	return t, app, a, true
}

// handleTokenDetail serves GET /api/v2/tokens/{id}/.
func (s *Server) handleTokenDetail(w http.ResponseWriter, r *http.Request) {
	t, app, a, ok := s.loadToken(w, r)
	if !ok {
		return
	}
	if !access.CanReadToken(a, t, app) {
		writeForbidden(w)
		return
	}
	s.writeToken(w, r, a, app, t, nil, http.StatusOK)
}

// handleTokenUpdate serves PUT and PATCH /api/v2/tokens/{id}/. Only
// description and scope are writable; anything else in the body is
// ignored, as AWX's serializer does with read-only fields. A PUT without
// scope keeps the scope (spec D.4; AWX resets it to "write").
func (s *Server) handleTokenUpdate(w http.ResponseWriter, r *http.Request) {
	t, app, a, ok := s.loadToken(w, r)
	if !ok {
		return
	}
	if !access.CanChangeToken(a, t, app) {
		writeForbidden(w)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	errs := fieldErrors{}
	var upd store.TokenUpdate
	if raw, ok := obj["description"]; ok {
		if d, ok := parseTokenDescription(raw, errs); ok {
			upd.Description = &d
		}
	}
	if raw, ok := obj["scope"]; ok {
		if sc, ok := parseTokenScope(raw, errs); ok {
			upd.Scope = &sc
		}
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}
	old := *t
	actx := s.activityCtx(r, "update", awx.TypeToken, fixed(t.ID, tokenUpdateChanges(&old, upd)))
	t, err := s.store.UpdateAccessToken(actx, t.ID, upd)
	if err != nil {
		writeError(w, r, err)
		return
	}
	// A narrowed scope must bind the next request made with this token.
	s.forgetToken(t.ID)
	s.writeToken(w, r, a, app, t, nil, http.StatusOK)
}

// handleTokenDelete serves DELETE /api/v2/tokens/{id}/. The store revokes
// the token's refresh token with it (spec D.5), so deleting a token also
// ends what could mint its successor.
func (s *Server) handleTokenDelete(w http.ResponseWriter, r *http.Request) {
	t, app, a, ok := s.loadToken(w, r)
	if !ok {
		return
	}
	if !access.CanDeleteToken(a, t, app) {
		writeForbidden(w)
		return
	}
	if err := s.store.DeleteAccessToken(s.activityCtx(r, "delete", awx.TypeToken, fixed(t.ID, tokenActivity(t))), t.ID); err != nil {
		writeError(w, r, err)
		return
	}
	s.forgetToken(t.ID)
	s.metrics.tokensRevoked.Inc()
	w.WriteHeader(http.StatusNoContent)
}

// tokenActivity is a token's activity stream snapshot; the token itself
// shows censored, as AWX writes it.
func tokenActivity(t *store.AccessToken) map[string]any {
	return map[string]any{
		"id":          t.ID,
		"user":        t.UserID,
		"token":       awx.Censored,
		"application": t.ApplicationID,
		"expires":     awx.NewTime(t.Expires),
		"scope":       t.Scope,
		"description": t.Description,
	}
}

// handleApplicationTokenList serves GET /api/v2/applications/{id}/tokens/.
func (s *Server) handleApplicationTokenList(w http.ResponseWriter, r *http.Request) {
	app, a, ok := s.loadVisibleApplication(w, r)
	if !ok {
		return
	}
	s.listTokens(w, r, a, store.Filter{Field: "application", Lookup: "exact", Value: itoa64(app.ID)})
}

// handleApplicationTokenCreate serves POST /api/v2/applications/{id}/tokens/:
// the application comes from the URL, and the caller must see it (403).
func (s *Server) handleApplicationTokenCreate(w http.ResponseWriter, r *http.Request) {
	app, _, ok := s.loadVisibleApplication(w, r)
	if !ok {
		return
	}
	s.createToken(w, r, appFromURL, app)
}

// loadParentUser resolves the user {id} of a /users/{id}/... token or
// application list and checks the caller may see that user: 404 when
// missing, 403 when hidden, as AWX checks a sub-list's parent.
func (s *Server) loadParentUser(w http.ResponseWriter, r *http.Request) (*store.User, access.Actor, bool) {
	u, _, a, ok := s.loadVisibleUser(w, r)
	return u, a, ok
}

// handleUserTokenList serves GET /api/v2/users/{id}/tokens/: the tokens of
// that user which the caller may see.
func (s *Server) handleUserTokenList(w http.ResponseWriter, r *http.Request) {
	u, a, ok := s.loadParentUser(w, r)
	if !ok {
		return
	}
	s.listTokens(w, r, a, store.Filter{Field: "user", Lookup: "exact", Value: itoa64(u.ID)})
}

// handleUserAuthorizedTokenList serves GET /api/v2/users/{id}/authorized_tokens/:
// as in AWX, the caller's own application tokens whatever {id} names (once
// it names a user the caller may see).
func (s *Server) handleUserAuthorizedTokenList(w http.ResponseWriter, r *http.Request) {
	_, a, ok := s.loadParentUser(w, r)
	if !ok {
		return
	}
	s.listTokens(w, r, a,
		store.Filter{Field: "user", Lookup: "exact", Value: itoa64(a.ID())},
		store.Filter{Field: "application", Lookup: "isnull", Value: "false"})
}

// handleUserPersonalTokenList serves GET /api/v2/users/{id}/personal_tokens/:
// the caller's own personal access tokens.
func (s *Server) handleUserPersonalTokenList(w http.ResponseWriter, r *http.Request) {
	_, a, ok := s.loadParentUser(w, r)
	if !ok {
		return
	}
	s.listTokens(w, r, a,
		store.Filter{Field: "user", Lookup: "exact", Value: itoa64(a.ID())},
		store.Filter{Field: "application", Lookup: "isnull", Value: "true"})
}

// handleUserTokenCreate serves POST /api/v2/users/{id}/tokens/.
func (s *Server) handleUserTokenCreate(w http.ResponseWriter, r *http.Request) {
	if s.checkTokenOwnerPath(w, r) {
		s.createToken(w, r, appOptional, nil)
	}
}

// handleUserAuthorizedTokenCreate serves POST /api/v2/users/{id}/authorized_tokens/.
func (s *Server) handleUserAuthorizedTokenCreate(w http.ResponseWriter, r *http.Request) {
	if s.checkTokenOwnerPath(w, r) {
		s.createToken(w, r, appRequired, nil)
	}
}

// handleUserPersonalTokenCreate serves POST /api/v2/users/{id}/personal_tokens/.
func (s *Server) handleUserPersonalTokenCreate(w http.ResponseWriter, r *http.Request) {
	if s.checkTokenOwnerPath(w, r) {
		s.createToken(w, r, appForcedNull, nil)
	}
}

// pathIsCaller reports whether the {id} of /users/{id}/...tokens/ names the
// caller: 0 ("me"), the caller's id or the caller's username. A numeric
// {id} is an id (AWX tries the pk before the named URL), so a username made
// of digits cannot stand for its owner here.
func pathIsCaller(r *http.Request, c *Caller) bool {
	if id, ok := pathID(r, "id"); ok {
		return id == 0 || id == c.User.ID
	}
	return r.PathValue("id") == c.User.Username
}

// checkTokenOwnerPath applies spec D.3 to POST /users/{pk}/...tokens/: a
// token is always the caller's, so {pk} must be 0 ("me", what AWX.psm's
// New-Token -ForMe sends), the caller's id or the caller's username.
// Another user's pk is 403 rather than a token silently minted for the
// caller; a user that does not exist is 404. It writes the answer when it
// returns false.
func (s *Server) checkTokenOwnerPath(w http.ResponseWriter, r *http.Request) bool {
	c := caller(r)
	if c == nil {
		writeUnauthorized(w, msgNotAuthenticated)
		return false
	}
	if pathIsCaller(r, c) {
		return true
	}
	if _, ok := s.resolveUser(w, r); !ok {
		return false
	}
	writeDetail(w, http.StatusForbidden, msgCreateForSelf)
	return false
}

// parseTokenDescription reads description: a string, null meaning "".
func parseTokenDescription(raw json.RawMessage, errs fieldErrors) (string, bool) {
	d, null, msg := parseCharField(raw)
	if msg != "" {
		errs.add("description", msg)
		return "", false
	}
	if null {
		return "", true
	}
	return d, true
}

// parseTokenScope reads scope and applies AWX's scope rule.
func parseTokenScope(raw json.RawMessage, errs fieldErrors) (string, bool) {
	sc, null, msg := parseCharField(raw)
	switch {
	case msg != "":
		errs.add("scope", msg)
	case null:
		errs.add("scope", msgNull)
	case !validScope(sc):
		errs.add("scope", msgScope)
	default:
		return sc, true
	}
	return "", false
}

// createToken makes a token for the caller, per spec sections 2.3 and 3.
// urlApp is the application of /applications/{id}/tokens/ (already checked
// visible). The permission check comes before field validation, as in AWX
// (DRF checks permissions, then validates): an existing application the
// caller may not see is 403 even when the scope is also bad.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request, src tokenAppSource, urlApp *store.Application) {
	a, err := s.actor(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if a.User == nil {
		writeUnauthorized(w, msgNotAuthenticated)
		return
	}
	obj, ok := decodeObject(w, r)
	if !ok {
		return
	}
	errs := fieldErrors{}

	app := urlApp
	if src == appOptional || src == appRequired {
		raw, present := obj["application"]
		switch {
		case !present && src == appRequired:
			errs.add("application", msgRequired)
		case !present:
		default:
			id, display, null, msg := parsePKField(raw)
			switch {
			case msg != "":
				errs.add("application", msg)
			case null && src == appRequired:
				errs.add("application", msgNull)
			case null:
			case id <= 0:
				// No row has such an id; spare the store the lookup.
				errs.add("application", invalidPK(display))
			default:
				app, err = s.store.ApplicationByID(r.Context(), id)
				if store.ErrorCode(err) == store.ENOTFOUND {
					app = nil
					errs.add("application", invalidPK(display))
				} else if err != nil {
					writeError(w, r, err)
					return
				}
			}
		}
	}
	if app != nil && !access.CanCreateToken(a, app) {
		writeForbidden(w)
		return
	}

	description := ""
	if raw, ok := obj["description"]; ok {
		description, _ = parseTokenDescription(raw, errs)
	}
	scope := "write"
	if raw, ok := obj["scope"]; ok {
		scope, _ = parseTokenScope(raw, errs)
	}
	if len(errs) > 0 {
		writeFieldErrors(w, errs)
		return
	}

	clear := secret.NewToken()
	t := &store.AccessToken{
		UserID:      a.User.ID,
		Digest:      secret.Digest(clear),
		Expires:     s.accessTokenExpires(s.now()),
		Scope:       scope,
		Description: description,
	}
	secrets := &tokenSecrets{Token: clear}
	var refresh *store.RefreshToken
	if app != nil {
		t.ApplicationID = &app.ID
		secrets.Refresh = secret.NewToken()
		refresh = &store.RefreshToken{Digest: secret.Digest(secrets.Refresh), UserID: a.User.ID, ApplicationID: app.ID}
	}
	actx := s.activityCtx(r, "create", awx.TypeToken, func() (int64, map[string]any) { return t.ID, tokenActivity(t) })
	if err := s.store.CreateAccessToken(actx, t, refresh); err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND && app != nil {
			// The application was deleted between the lookup and the insert.
			writeFieldErrors(w, fieldErrors{"application": {invalidPK(itoa64(app.ID))}})
			return
		}
		writeError(w, r, err)
		return
	}
	if app != nil {
		s.metrics.tokenIssued(tokenKindApplication)
	} else {
		s.metrics.tokenIssued(tokenKindPersonal)
	}
	s.writeToken(w, r, a, app, t, secrets, http.StatusCreated)
}

// writeToken renders one token for the caller a and writes it with status;
// secrets, only on create, puts the clear token and refresh token in this
// one answer, which also carries the Location header.
func (s *Server) writeToken(w http.ResponseWriter, r *http.Request, a access.Actor, app *store.Application, t *store.AccessToken, secrets *tokenSecrets, status int) {
	tr := s.newTokenRenderer()
	tr.remember(a.User, app)
	v, err := tr.render(r.Context(), t, secrets)
	if err != nil {
		writeError(w, r, err)
		return
	}
	if status == http.StatusCreated {
		w.Header().Set("Location", v.URL)
	}
	writeJSON(w, status, v)
}
