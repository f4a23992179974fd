package server

import (
	"context"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// This file serves AWX's OAuth2 endpoints under /api/o/ (spec section 7):
// the root, the token endpoint (password and refresh-token grants) and
// RFC 7009 revocation. AWX serves them with django-oauth-toolkit on
// oauthlib, and the order of the checks below follows oauthlib's, since it
// decides which error a client sees when several apply. Where this server
// differs on purpose (spec D.1, D.2, D.5-D.8): secrets are compared as
// digests in constant time, revocation touches only the authenticating
// client's tokens, and failed password grants count toward the login
// throttle.

const (
	formContentType = "application/x-www-form-urlencoded"
	// defaultGrantScope is what a password grant without scope gets: every
	// scope AWX defines.
	defaultGrantScope = "read write"
	// msgRefreshExpired is AWX's plain-text 403 body (its TokenView returns
	// it before oauthlib sees the request).
	msgRefreshExpired = "The refresh token has expired."
	// maxClientIDLength bounds the client ids worth a store lookup; ours
	// are 40 characters.
	maxClientIDLength = 255
)

// OAuth2 error codes (RFC 6749 section 5.2).
const (
	oauthInvalidRequest       = "invalid_request"
	oauthInvalidClient        = "invalid_client"
	oauthInvalidGrant         = "invalid_grant"
	oauthUnauthorizedClient   = "unauthorized_client"
	oauthUnsupportedGrantType = "unsupported_grant_type"
	oauthInvalidScope         = "invalid_scope"
)

// oauthRoot is GET /api/o/, keys in AWX's order.
type oauthRoot struct {
	Authorize   string `json:"authorize"`
	Token       string `json:"token"`
	RevokeToken string `json:"revoke_token"`
}

// handleOAuthRoot serves GET /api/o/ (no authentication).
func (s *Server) handleOAuthRoot(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, oauthRoot{
		Authorize:   "/api/o/authorize/",
		Token:       "/api/o/token/",
		RevokeToken: "/api/o/revoke_token/",
	})
}

// oauthErrorBody is oauthlib's error body.
type oauthErrorBody struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// writeOAuthError writes an OAuth2 error as oauthlib does: JSON, never
// cached, and a 401 (invalid_client) with a Bearer challenge naming the
// error (RFC 6750 section 3) rather than the API's login challenge.
func writeOAuthError(w http.ResponseWriter, status int, code, description string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", `Bearer error="`+code+`"`)
	}
	writeJSON(w, status, oauthErrorBody{Error: code, Description: description})
}

// readOAuthForm returns the parameters of an /api/o/ request. Only a
// form-encoded body carries any: AWX reads Django's request.POST, which is
// empty for JSON, so a JSON body is a request without parameters (and gets
// the error that missing parameters get). Parameters in the query string
// are refused outright, as oauthlib refuses them on POST: a password or
// token there ends up in proxy logs (spec D.6).
func readOAuthForm(w http.ResponseWriter, r *http.Request) (url.Values, bool) {
	if r.URL.RawQuery != "" {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "URL query parameters are not allowed")
		return nil, false
	}
	form := url.Values{}
	if r.Body == nil || r.Body == http.NoBody {
		return form, true
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != formContentType {
		return form, true
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	// Like Django's QueryDict, keep what parses and drop what does not; a
	// dropped parameter then reads as missing.
	form, _ = url.ParseQuery(string(body))
	return form, true
}

// duplicateParam returns the first of names that form repeats, or "".
// oauthlib refuses repeated grant parameters; this server refuses every
// repeated parameter it reads, so no two layers can disagree about which
// of the values counts.
func duplicateParam(form url.Values, names ...string) string {
	for _, n := range names {
		if len(form[n]) > 1 {
			return n
		}
	}
	return ""
}

// basicClientCredentials reads client credentials from an HTTP Basic
// header. RFC 6749 section 2.3.1 has clients form-encode both parts, so
// they are decoded as django-oauth-toolkit does (unquote_plus).
func basicClientCredentials(r *http.Request) (clientID, clientSecret string, ok bool) {
	scheme, cred, _ := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
	if !strings.EqualFold(scheme, "Basic") {
		return "", "", false
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimSpace(cred))
	if err != nil {
		return "", "", false
	}
	id, sec, found := strings.Cut(string(raw), ":")
	if !found {
		return "", "", false
	}
	if id, err = url.QueryUnescape(id); err != nil {
		return "", "", false
	}
	if sec, err = url.QueryUnescape(sec); err != nil {
		return "", "", false
	}
	return id, sec, true
}

// clientApplication returns the application whose client id is id, or nil.
func (s *Server) clientApplication(ctx context.Context, id string) (*store.Application, error) {
	if id == "" || len(id) > maxClientIDLength {
		return nil, nil
	}
	app, err := s.store.ApplicationByClientID(ctx, id)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return nil, nil
	}
	return app, err
}

// clientSecretMatches reports whether sec authenticates app: a confidential
// client by its secret, compared as digests in constant time (spec D.1,
// D.2); a public client, which has no secret, only without one.
func clientSecretMatches(app *store.Application, sec string) bool {
	if len(app.ClientSecretDigest) == 0 {
		return sec == ""
	}
	return sec != "" && secret.Equal(secret.Digest(sec), app.ClientSecretDigest)
}

// authenticateClient identifies the OAuth2 client of a request, as
// django-oauth-toolkit does: HTTP Basic client_id:client_secret first, then
// client_id and client_secret in the body. A public client may send its
// client_id alone; a confidential one must prove its secret. A client_id
// in the body that differs from the Basic one is refused, as oauthlib
// refuses it. nil without error: not authenticated.
func (s *Server) authenticateClient(r *http.Request, form url.Values) (*store.Application, error) {
	bodyID := form.Get("client_id")
	if id, sec, ok := basicClientCredentials(r); ok {
		app, err := s.clientApplication(r.Context(), id)
		if err != nil {
			return nil, err
		}
		if app != nil && clientSecretMatches(app, sec) {
			if bodyID != "" && bodyID != app.ClientID {
				return nil, nil
			}
			return app, nil
		}
		// A Basic header that is not a client's (a user's password, say)
		// does not stop the body from naming the client, as in
		// django-oauth-toolkit.
	}
	app, err := s.clientApplication(r.Context(), bodyID)
	if err != nil || app == nil {
		return nil, err
	}
	if !clientSecretMatches(app, form.Get("client_secret")) {
		return nil, nil
	}
	return app, nil
}

// oauthClient authenticates the client or writes invalid_client.
func (s *Server) oauthClient(w http.ResponseWriter, r *http.Request, form url.Values) (*store.Application, bool) {
	app, err := s.authenticateClient(r, form)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	if app == nil {
		// Neither the client id nor the secret is logged: a secret pasted
		// into the wrong field is still a secret.
		logger(r).Info("oauth2 client authentication failed")
		writeOAuthError(w, http.StatusUnauthorized, oauthInvalidClient, "")
		return nil, false
	}
	return app, true
}

// tokenParams are the parameters of POST /api/o/token/.
var tokenParams = []string{"grant_type", "username", "password", "scope", "refresh_token", "code", "redirect_uri", "client_id", "client_secret"}

// handleOAuthToken serves POST /api/o/token/: the password and
// refresh-token grants. The authorization-code grant is not served (there
// is no /api/o/authorize/ to issue codes), so every code is invalid; the
// client-credentials grant is one no AWX application may use.
func (s *Server) handleOAuthToken(w http.ResponseWriter, r *http.Request) {
	form, ok := readOAuthForm(w, r)
	if !ok {
		return
	}
	if p := duplicateParam(form, tokenParams...); p != "" {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Duplicate "+p+" parameter.")
		return
	}
	grant := form.Get("grant_type")
	var rt *store.RefreshToken
	if grant == "refresh_token" && form.Has("refresh_token") {
		// AWX checks a refresh token's age before anything else, client
		// authentication included, and answers in plain text.
		var err error
		if rt, err = s.refreshTokenByClear(r.Context(), form.Get("refresh_token")); err != nil {
			writeError(w, r, err)
			return
		}
		if rt != nil && s.refreshTokenExpired(rt.Created, s.now()) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, msgRefreshExpired)
			return
		}
	}
	switch grant {
	case "password":
		s.passwordGrant(w, r, form)
	case "refresh_token":
		s.refreshGrant(w, r, form, rt)
	case "authorization_code":
		s.authorizationCodeGrant(w, r, form)
	case "client_credentials":
		if _, ok := s.oauthClient(w, r, form); ok {
			writeOAuthError(w, http.StatusBadRequest, oauthUnauthorizedClient, "")
		}
	default:
		// oauthlib hands a missing or unknown grant type to its
		// authorization-code handler, whose first check refuses it.
		writeOAuthError(w, http.StatusBadRequest, oauthUnsupportedGrantType, "")
	}
}

// passwordGrant serves grant_type=password (RFC 6749 section 4.3), in
// oauthlib's order: client, required parameters, credentials, the
// application's grant type, scope. Failed credentials count toward the
// login throttle shared with Basic authentication (spec D.8).
func (s *Server) passwordGrant(w http.ResponseWriter, r *http.Request, form url.Values) {
	app, ok := s.oauthClient(w, r, form)
	if !ok {
		return
	}
	for _, p := range []string{"username", "password"} {
		if form.Get(p) == "" {
			writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Request is missing "+p+" parameter.")
			return
		}
	}
	username, password := form.Get("username"), form.Get("password")
	if wait, ok := s.loginAllowed(r, username); !ok {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Pragma", "no-cache")
		writeTooManyLogins(w, wait)
		return
	}
	u, err := s.store.UserByUsername(r.Context(), username)
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		writeError(w, r, err)
		return
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	// CheckPassword takes as long for a missing user, so the answer's
	// timing does not tell which usernames exist.
	match, err := secret.CheckPasswordContext(r.Context(), hash, password)
	if err != nil {
		writeError(w, r, err) // the client went away while logins queued
		return
	}
	if !match || u == nil || !u.IsActive {
		s.loginFailed(r, username)
		// The username is not logged: people type passwords into it.
		logger(r).Info("oauth2 password grant failed", "application_id", app.ID)
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "Invalid credentials given.")
		return
	}
	s.loginSucceeded(username)
	if app.AuthorizationGrantType != awx.GrantPassword {
		writeOAuthError(w, http.StatusBadRequest, oauthUnauthorizedClient, "")
		return
	}
	scope := defaultGrantScope
	if form.Has("scope") {
		// Present but empty is invalid too, as in oauthlib.
		if scope = form.Get("scope"); !validScope(scope) {
			writeOAuthError(w, http.StatusBadRequest, oauthInvalidScope, "")
			return
		}
		scope = strings.Join(strings.Fields(scope), " ")
	}
	access, refresh := secret.NewToken(), secret.NewToken()
	t := &store.AccessToken{
		UserID:        u.ID,
		Digest:        secret.Digest(access),
		ApplicationID: &app.ID,
		Expires:       s.accessTokenExpires(s.now()),
		Scope:         scope,
	}
	rt := &store.RefreshToken{Digest: secret.Digest(refresh), UserID: u.ID, ApplicationID: app.ID}
	actx := s.activityCtx(r, "create", awx.TypeToken, func() (int64, map[string]any) { return t.ID, tokenActivity(t) })
	if err := s.store.CreateAccessToken(actx, t, rt); err != nil {
		if store.ErrorCode(err) == store.ENOTFOUND {
			// The application or user was deleted a moment ago.
			writeOAuthError(w, http.StatusUnauthorized, oauthInvalidClient, "")
			return
		}
		writeError(w, r, err)
		return
	}
	s.metrics.tokenIssued(tokenKindGrant)
	s.writeGrant(w, access, refresh, scope)
}

// refreshGrant serves grant_type=refresh_token (RFC 6749 section 6), in
// oauthlib's order: parameter, client, refresh token, scope. rt is the
// refresh token the parameter names, already looked up (nil: unknown).
// Rotation is one store transaction that fails for a token already used,
// so of concurrent uses of one refresh token exactly one succeeds.
func (s *Server) refreshGrant(w http.ResponseWriter, r *http.Request, form url.Values, rt *store.RefreshToken) {
	if !form.Has("refresh_token") {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Missing refresh token parameter.")
		return
	}
	app, ok := s.oauthClient(w, r, form)
	if !ok {
		return
	}
	// Refresh grants are allowed for both grant types an application may
	// have, so there is no unauthorized_client here.
	if rt == nil || rt.Revoked != nil || rt.ApplicationID != app.ID || rt.AccessTokenID == nil {
		// An access token gone without its refresh token being revoked
		// (removed by cleanup after expiring) leaves no scope to carry
		// over; guessing one could widen it.
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "")
		return
	}
	old, err := s.store.AccessTokenByID(r.Context(), *rt.AccessTokenID)
	if store.ErrorCode(err) == store.ENOTFOUND {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "")
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	u, err := s.store.UserByID(r.Context(), rt.UserID)
	if store.ErrorCode(err) == store.ENOTFOUND || (err == nil && !u.IsActive) {
		// Spec D.6: an inactive user's tokens are refused, so minting
		// new ones for them is refused too.
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "")
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	scope := old.Scope
	if sc := form.Get("scope"); sc != "" {
		if !validScope(sc) || !scopeWithin(sc, old.Scope) {
			writeOAuthError(w, http.StatusBadRequest, oauthInvalidScope, "")
			return
		}
		scope = strings.Join(strings.Fields(sc), " ")
	}
	access, refresh := secret.NewToken(), secret.NewToken()
	t := &store.AccessToken{
		UserID:        rt.UserID,
		Digest:        secret.Digest(access),
		ApplicationID: &app.ID,
		Expires:       s.accessTokenExpires(s.now()),
		Scope:         scope,
	}
	next := &store.RefreshToken{Digest: secret.Digest(refresh), UserID: rt.UserID, ApplicationID: app.ID}
	// One store call, one activity entry: the new token's creation (the
	// old token's deletion is implied by source_refresh_token).
	actx := s.activityCtx(r, "create", awx.TypeToken, func() (int64, map[string]any) { return t.ID, tokenActivity(t) })
	if err := s.store.RotateRefreshToken(actx, rt.ID, t, next); err != nil {
		switch store.ErrorCode(err) {
		case store.ECONFLICT, store.ENOTFOUND:
			// Used (or revoked, or deleted) since it was read: the loser
			// of a race.
			writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "")
		default:
			writeError(w, r, err)
		}
		return
	}
	// The old access token is gone from the store; it must stop working
	// on this process now, not when its cache entry ages out.
	s.forgetToken(old.ID)
	s.metrics.tokenIssued(tokenKindGrant)
	s.metrics.tokensRevoked.Inc()
	s.writeGrant(w, access, refresh, scope)
}

// authorizationCodeGrant answers grant_type=authorization_code as oauthlib
// would for a server that has issued no code: the code parameter is
// required, the client must authenticate and be an authorization-code
// application, and then the code is invalid, since this server has no
// /api/o/authorize/ to issue one.
func (s *Server) authorizationCodeGrant(w http.ResponseWriter, r *http.Request, form url.Values) {
	if !form.Has("code") {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Missing code parameter.")
		return
	}
	app, ok := s.oauthClient(w, r, form)
	if !ok {
		return
	}
	if app.AuthorizationGrantType != awx.GrantAuthorizationCode {
		writeOAuthError(w, http.StatusBadRequest, oauthUnauthorizedClient, "")
		return
	}
	writeOAuthError(w, http.StatusBadRequest, oauthInvalidGrant, "")
}

// scopeWithin reports whether every scope of requested is in original.
func scopeWithin(requested, original string) bool {
	have := strings.Fields(original)
	for _, sc := range strings.Fields(requested) {
		found := false
		for _, h := range have {
			if h == sc {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// writeGrant writes a successful token response; it holds secrets, so no
// cache may keep it (RFC 6749 section 5.1).
func (s *Server) writeGrant(w http.ResponseWriter, access, refresh, scope string) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, awx.OAuth2Token{
		AccessToken:  access,
		ExpiresIn:    s.accessTokenExpiresIn(),
		TokenType:    "Bearer",
		Scope:        scope,
		RefreshToken: refresh,
	})
}

// refreshTokenByClear looks up a refresh token by its clear value; nil
// when the value cannot be one or no refresh token has it.
func (s *Server) refreshTokenByClear(ctx context.Context, clear string) (*store.RefreshToken, error) {
	return byClear(ctx, clear, s.store.RefreshTokenByDigest, func(t *store.RefreshToken) []byte { return t.Digest })
}

// accessTokenByClear looks up an access token by its clear value; nil when
// the value cannot be one or no access token has it.
func (s *Server) accessTokenByClear(ctx context.Context, clear string) (*store.AccessToken, error) {
	return byClear(ctx, clear, s.store.AccessTokenByDigest, func(t *store.AccessToken) []byte { return t.Digest })
}

// byClear rejects a malformed value before touching the store, looks the
// digest up, and compares it in constant time; a miss is (nil, nil).
func byClear[T any](ctx context.Context, clear string, lookup func(context.Context, []byte) (*T, error), digestOf func(*T) []byte) (*T, error) {
	if !secret.LooksLikeToken(clear) {
		return nil, nil
	}
	digest := secret.Digest(clear)
	v, err := lookup(ctx, digest)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if !secret.Equal(digestOf(v), digest) {
		return nil, nil
	}
	return v, nil
}

// revokeParams are the parameters of POST /api/o/revoke_token/.
var revokeParams = []string{"token", "token_type_hint", "client_id", "client_secret"}

// handleOAuthRevoke serves POST /api/o/revoke_token/ (RFC 7009), in
// oauthlib's order: token, client. It answers 200 with an empty body
// whether or not anything was revoked, so a client learns nothing about
// tokens it does not hold. Only tokens of the authenticating client's
// application are revoked (spec D.7; AWX revokes any token it is shown).
// token_type_hint only chooses which kind is tried first; an unknown hint
// is ignored, as oauthlib ignores it.
func (s *Server) handleOAuthRevoke(w http.ResponseWriter, r *http.Request) {
	form, ok := readOAuthForm(w, r)
	if !ok {
		return
	}
	if p := duplicateParam(form, revokeParams...); p != "" {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Duplicate "+p+" parameter.")
		return
	}
	tok := form.Get("token")
	if tok == "" {
		writeOAuthError(w, http.StatusBadRequest, oauthInvalidRequest, "Missing token parameter.")
		return
	}
	app, ok := s.oauthClient(w, r, form)
	if !ok {
		return
	}
	tries := []func(*http.Request, *store.Application, string) (bool, error){s.revokeAccessToken, s.revokeRefreshToken}
	if form.Get("token_type_hint") == "refresh_token" {
		tries[0], tries[1] = tries[1], tries[0]
	}
	for _, try := range tries {
		found, err := try(r, app, tok)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if found {
			break
		}
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
}

// revokeAccessToken deletes the access token tok names if it belongs to
// app; the store revokes its refresh token with it (spec D.5). found
// reports that tok is an access token, whether or not it was app's.
func (s *Server) revokeAccessToken(r *http.Request, app *store.Application, tok string) (found bool, err error) {
	t, err := s.accessTokenByClear(r.Context(), tok)
	if err != nil || t == nil {
		return false, err
	}
	if t.ApplicationID == nil || *t.ApplicationID != app.ID {
		return true, nil
	}
	err = s.store.DeleteAccessToken(s.activityCtx(r, "delete", awx.TypeToken, fixed(t.ID, tokenActivity(t))), t.ID)
	if store.ErrorCode(err) == store.ENOTFOUND {
		// Revoked concurrently: the outcome the client asked for.
		return true, nil
	}
	if err != nil {
		return true, err
	}
	s.forgetToken(t.ID)
	s.metrics.tokensRevoked.Inc()
	return true, nil
}

// revokeRefreshToken marks the refresh token tok names revoked and deletes
// its access token, if it belongs to app. found reports that tok is a
// refresh token, whether or not it was app's.
func (s *Server) revokeRefreshToken(r *http.Request, app *store.Application, tok string) (found bool, err error) {
	rt, err := s.refreshTokenByClear(r.Context(), tok)
	if err != nil || rt == nil {
		return false, err
	}
	if rt.ApplicationID != app.ID {
		return true, nil
	}
	var access *store.AccessToken
	if rt.AccessTokenID != nil {
		access, err = s.store.AccessTokenByID(r.Context(), *rt.AccessTokenID)
		if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
			return true, err
		}
	}
	ctx := r.Context()
	if access != nil {
		// What disappears is the access token; the refresh token is no
		// activity stream object.
		ctx = s.activityCtx(r, "delete", awx.TypeToken, fixed(access.ID, tokenActivity(access)))
	}
	err = s.store.RevokeRefreshToken(ctx, rt.ID)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return true, nil
	}
	if err != nil {
		return true, err
	}
	if access != nil {
		s.forgetToken(access.ID)
		s.metrics.tokensRevoked.Inc()
	}
	return true, nil
}
