package server_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

// The /api/o/ endpoints (spec section 7, D.5-D.8), over real HTTP.

// oauthEnv is a server with applications made through the API: a
// confidential and a public password application in organization O, a
// second confidential one in O (the "foreign" client), and an
// authorization-code one. carol is an ordinary user with a password.
type oauthEnv struct {
	*servertest.Server
	conf, pub, other, code oauthApp
	carol                  *store.User
	clock                  *testClock
}

const carolPassword = "carol-Password-1"

type oauthApp struct {
	ID           int64  `json:"id"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// testClock is a clock the test moves; it starts at the real time.
type testClock struct{ now atomic.Pointer[time.Time] }

func newTestClock() *testClock {
	c := &testClock{}
	t := time.Now()
	c.now.Store(&t)
	return c
}

func (c *testClock) Now() time.Time { return *c.now.Load() }

func (c *testClock) Advance(d time.Duration) {
	t := c.Now().Add(d)
	c.now.Store(&t)
}

func newOAuthEnv(t *testing.T, opts ...servertest.Option) *oauthEnv {
	t.Helper()
	clock := newTestClock()
	s := servertest.Start(t, append([]servertest.Option{servertest.WithNow(clock.Now)}, opts...)...)
	e := &oauthEnv{Server: s, clock: clock}
	o := s.CreateOrg(t, "O")
	mk := func(name, clientType, grant string) oauthApp {
		body := map[string]any{"name": name, "organization": o.ID, "client_type": clientType, "authorization_grant_type": grant}
		if grant == "authorization-code" {
			body["redirect_uris"] = "https://example.com/cb"
		}
		resp := s.Do(t, "POST", "/api/v2/applications/", s.Admin(), body)
		expectStatus(t, resp, http.StatusCreated)
		var app oauthApp
		resp.JSON(t, &app)
		return app
	}
	e.conf = mk("conf", "confidential", "password")
	e.pub = mk("pub", "public", "password")
	e.other = mk("other", "confidential", "password")
	e.code = mk("code", "confidential", "authorization-code")
	e.carol = s.CreateUser(t, "carol", carolPassword, false)
	s.Grant(t, o.ID, store.RoleMember, e.carol.ID)
	return e
}

// post sends a form-encoded POST with auth (nil: none).
func (e *oauthEnv) post(t *testing.T, path string, auth servertest.Auth, form url.Values) *servertest.Response {
	t.Helper()
	return e.Request(t, "POST", path, auth, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
}

func clientAuth(app oauthApp) servertest.Auth {
	return servertest.Basic(app.ClientID, app.ClientSecret)
}

func passwordForm(username, password, scope string) url.Values {
	f := url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return f
}

func refreshForm(refresh, scope string) url.Values {
	f := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}}
	if scope != "" {
		f.Set("scope", scope)
	}
	return f
}

type grantJSON struct {
	AccessToken  string `json:"access_token"`
	ExpiresIn    int64  `json:"expires_in"`
	TokenType    string `json:"token_type"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

// grant expects a successful token response and checks its shape.
func grant(t *testing.T, resp *servertest.Response) grantJSON {
	t.Helper()
	if resp.Status != http.StatusOK {
		t.Fatalf("grant: status %d, body %s", resp.Status, resp.Body)
	}
	if cc, pr := resp.Header.Get("Cache-Control"), resp.Header.Get("Pragma"); cc != "no-store" || pr != "no-cache" {
		t.Errorf("grant: Cache-Control %q, Pragma %q", cc, pr)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("grant: Content-Type %q", ct)
	}
	wantKeys(t, "grant", topKeys(t, resp.Body), []string{"access_token", "expires_in", "token_type", "scope", "refresh_token"})
	var g grantJSON
	resp.JSON(t, &g)
	if !secret.LooksLikeToken(g.AccessToken) || !secret.LooksLikeToken(g.RefreshToken) || g.AccessToken == g.RefreshToken || g.TokenType != "Bearer" {
		t.Errorf("grant: %s", resp.Body)
	}
	return g
}

// oauthError expects an OAuth2 error with status and exact body.
func oauthError(t *testing.T, resp *servertest.Response, status int, body string) {
	t.Helper()
	expect(t, resp, status, body)
	if cc, pr := resp.Header.Get("Cache-Control"), resp.Header.Get("Pragma"); cc != "no-store" || pr != "no-cache" {
		t.Errorf("error: Cache-Control %q, Pragma %q", cc, pr)
	}
	if status == http.StatusUnauthorized {
		if got := resp.Header.Get("WWW-Authenticate"); got != `Bearer error="invalid_client"` {
			t.Errorf("WWW-Authenticate %q", got)
		}
	}
}

// me expects GET /api/v2/me/ with token to give status.
func (e *oauthEnv) me(t *testing.T, token string, status int) {
	t.Helper()
	resp := e.Do(t, "GET", "/api/v2/me/", servertest.Bearer(token), nil)
	if status == http.StatusUnauthorized {
		expect(t, resp, status, bodyNotAuthenticated)
		return
	}
	expectStatus(t, resp, status)
}

const (
	bodyInvalidClient  = `{"error":"invalid_client"}`
	bodyInvalidGrant   = `{"error":"invalid_grant"}`
	bodyBadCredentials = `{"error":"invalid_grant","error_description":"Invalid credentials given."}`
	bodyInvalidScope   = `{"error":"invalid_scope"}`
)

func TestOAuthRoot(t *testing.T) {
	s := servertest.Start(t)
	expect(t, s.Do(t, "GET", "/api/o/", nil, nil), 200,
		`{"authorize":"/api/o/authorize/","token":"/api/o/token/","revoke_token":"/api/o/revoke_token/"}`)
	// The authorization-code flow is not served.
	expect(t, s.Do(t, "GET", "/api/o/authorize/", nil, nil), 404, `{"detail":"The requested resource could not be found."}`)
	expect(t, s.Do(t, "POST", "/api/o/authorize/", nil, nil), 404, `{"detail":"The requested resource could not be found."}`)
	// GET on the form views: Django's bare 405.
	for _, p := range []string{"/api/o/token/", "/api/o/revoke_token/"} {
		r := s.Do(t, "GET", p, nil, nil)
		if r.Status != 405 || len(r.Body) != 0 || r.Header.Get("Allow") != "OPTIONS, POST" {
			t.Errorf("GET %s: %d %q Allow %q", p, r.Status, r.Body, r.Header.Get("Allow"))
		}
	}
}

func TestOAuthPasswordGrant(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()

	// Confidential client by Basic, default scope.
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	if g.Scope != "read write" || g.ExpiresIn != server.DefaultAccessTokenExpireSeconds {
		t.Errorf("grant %+v", g)
	}
	e.me(t, g.AccessToken, 200)

	// Stored as digests, owned by carol, of the client's application, with
	// its refresh token linked.
	at, err := e.Store.AccessTokenByDigest(ctx, secret.Digest(g.AccessToken))
	if err != nil {
		t.Fatal(err)
	}
	if at.UserID != e.carol.ID || at.ApplicationID == nil || *at.ApplicationID != e.conf.ID || at.Scope != "read write" {
		t.Errorf("stored token %+v", at)
	}
	if want := e.clock.Now().Add(time.Duration(server.DefaultAccessTokenExpireSeconds/1000) * time.Second); at.Expires.Before(want) {
		t.Errorf("expires %v", at.Expires)
	}
	rt, err := e.Store.RefreshTokenByDigest(ctx, secret.Digest(g.RefreshToken))
	if err != nil {
		t.Fatal(err)
	}
	if rt.AccessTokenID == nil || *rt.AccessTokenID != at.ID || rt.UserID != e.carol.ID || rt.ApplicationID != e.conf.ID || rt.Revoked != nil {
		t.Errorf("stored refresh token %+v", rt)
	}

	// It is listed with the others, secrets censored.
	var page pageJSON[tokenJSON]
	resp := e.Do(t, "GET", fmt.Sprintf("/api/v2/tokens/?id=%d", at.ID), servertest.Bearer(g.AccessToken), nil)
	expectStatus(t, resp, 200)
	resp.JSON(t, &page)
	if page.Count != 1 || page.Results[0].Token != "************" || page.Results[0].RefreshToken == nil ||
		*page.Results[0].RefreshToken != "************" || page.Results[0].User != e.carol.ID ||
		page.Results[0].Application == nil || *page.Results[0].Application != e.conf.ID {
		t.Errorf("listed: %s", resp.Body)
	}

	// Confidential client in the body, narrower scope: a read token may not write.
	f := passwordForm("carol", carolPassword, "read")
	f.Set("client_id", e.conf.ClientID)
	f.Set("client_secret", e.conf.ClientSecret)
	g2 := grant(t, e.post(t, "/api/o/token/", nil, f))
	if g2.Scope != "read" {
		t.Errorf("scope %q", g2.Scope)
	}
	e.me(t, g2.AccessToken, 200)
	expect(t, e.Do(t, "POST", "/api/v2/tokens/", servertest.Bearer(g2.AccessToken), map[string]any{}), 403, bodyForbidden)

	// Public client by client_id alone; "write read" is a valid scope.
	f = passwordForm("carol", carolPassword, "write read")
	f.Set("client_id", e.pub.ClientID)
	g3 := grant(t, e.post(t, "/api/o/token/", nil, f))
	if g3.Scope != "write read" {
		t.Errorf("scope %q", g3.Scope)
	}
	e.me(t, g3.AccessToken, 200)

	// A user's Basic credentials do not stand in for the client's, but do
	// not stop a public client named in the body either.
	g4 := grant(t, e.post(t, "/api/o/token/", servertest.Basic("carol", carolPassword), f))
	e.me(t, g4.AccessToken, 200)
}

func TestOAuthTokenErrors(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	inactive := e.CreateUser(t, "dave", "dave-Password-1", false)
	no := false
	if _, err := e.Store.UpdateUser(ctx, inactive.ID, store.UserUpdate{IsActive: &no}); err != nil {
		t.Fatal(err)
	}
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "read")))

	with := func(f url.Values, kv ...string) url.Values {
		f2 := url.Values{}
		for k, v := range f {
			f2[k] = append([]string(nil), v...)
		}
		for i := 0; i < len(kv); i += 2 {
			f2.Add(kv[i], kv[i+1])
		}
		return f2
	}
	pw := passwordForm("carol", carolPassword, "")
	cases := []struct {
		name   string
		path   string
		auth   servertest.Auth
		form   url.Values
		status int
		body   string
	}{
		{"no client", "/api/o/token/", nil, pw, 401, bodyInvalidClient},
		{"confidential client_id without secret", "/api/o/token/", nil, with(pw, "client_id", e.conf.ClientID), 401, bodyInvalidClient},
		{"wrong secret", "/api/o/token/", servertest.Basic(e.conf.ClientID, e.other.ClientSecret), pw, 401, bodyInvalidClient},
		{"wrong secret in body", "/api/o/token/", nil, with(pw, "client_id", e.conf.ClientID, "client_secret", "x"), 401, bodyInvalidClient},
		{"unknown client", "/api/o/token/", servertest.Basic("nope", "nope"), pw, 401, bodyInvalidClient},
		{"body client_id differs from Basic", "/api/o/token/", clientAuth(e.conf), with(pw, "client_id", e.other.ClientID), 401, bodyInvalidClient},
		{"public client with a secret", "/api/o/token/", nil, with(pw, "client_id", e.pub.ClientID, "client_secret", "guess"), 401, bodyInvalidClient},
		{"missing grant_type", "/api/o/token/", clientAuth(e.conf), url.Values{"username": {"carol"}, "password": {carolPassword}}, 400, `{"error":"unsupported_grant_type"}`},
		{"unknown grant_type", "/api/o/token/", clientAuth(e.conf), with(url.Values{}, "grant_type", "magic"), 400, `{"error":"unsupported_grant_type"}`},
		{"client_credentials", "/api/o/token/", clientAuth(e.conf), with(url.Values{}, "grant_type", "client_credentials"), 400, `{"error":"unauthorized_client"}`},
		{"client_credentials, bad client", "/api/o/token/", nil, with(url.Values{}, "grant_type", "client_credentials"), 401, bodyInvalidClient},
		{"authorization_code without code", "/api/o/token/", clientAuth(e.code), with(url.Values{}, "grant_type", "authorization_code"), 400, `{"error":"invalid_request","error_description":"Missing code parameter."}`},
		{"authorization_code, password app", "/api/o/token/", clientAuth(e.conf), with(url.Values{}, "grant_type", "authorization_code", "code", "abc"), 400, `{"error":"unauthorized_client"}`},
		{"authorization_code, no code was issued", "/api/o/token/", clientAuth(e.code), with(url.Values{}, "grant_type", "authorization_code", "code", "abc"), 400, bodyInvalidGrant},
		{"missing username", "/api/o/token/", clientAuth(e.conf), url.Values{"grant_type": {"password"}, "password": {"x"}}, 400, `{"error":"invalid_request","error_description":"Request is missing username parameter."}`},
		{"empty username", "/api/o/token/", clientAuth(e.conf), passwordForm("", "x", ""), 400, `{"error":"invalid_request","error_description":"Request is missing username parameter."}`},
		{"missing password", "/api/o/token/", clientAuth(e.conf), url.Values{"grant_type": {"password"}, "username": {"carol"}}, 400, `{"error":"invalid_request","error_description":"Request is missing password parameter."}`},
		{"duplicate username", "/api/o/token/", clientAuth(e.conf), with(pw, "username", "admin"), 400, `{"error":"invalid_request","error_description":"Duplicate username parameter."}`},
		{"wrong password", "/api/o/token/", clientAuth(e.conf), passwordForm("carol", "wrong", ""), 400, bodyBadCredentials},
		{"unknown user", "/api/o/token/", clientAuth(e.conf), passwordForm("nobody", "wrong", ""), 400, bodyBadCredentials},
		{"inactive user", "/api/o/token/", clientAuth(e.conf), passwordForm("dave", "dave-Password-1", ""), 400, bodyBadCredentials},
		{"authorization-code app", "/api/o/token/", clientAuth(e.code), pw, 400, `{"error":"unauthorized_client"}`},
		{"scope rainbow", "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "read rainbow"), 400, bodyInvalidScope},
		{"scope Write", "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "Write"), 400, bodyInvalidScope},
		{"scope read read", "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "read read"), 400, bodyInvalidScope},
		{"empty scope", "/api/o/token/", clientAuth(e.conf), with(pw, "scope", ""), 400, bodyInvalidScope},
		{"missing refresh_token", "/api/o/token/", clientAuth(e.conf), url.Values{"grant_type": {"refresh_token"}}, 400, `{"error":"invalid_request","error_description":"Missing refresh token parameter."}`},
		{"refresh without client", "/api/o/token/", nil, refreshForm(g.RefreshToken, ""), 401, bodyInvalidClient},
		{"unknown refresh token", "/api/o/token/", clientAuth(e.conf), refreshForm(secret.NewToken(), ""), 400, bodyInvalidGrant},
		{"malformed refresh token", "/api/o/token/", clientAuth(e.conf), refreshForm("not a token", ""), 400, bodyInvalidGrant},
		{"access token as refresh token", "/api/o/token/", clientAuth(e.conf), refreshForm(g.AccessToken, ""), 400, bodyInvalidGrant},
		{"foreign client's refresh token", "/api/o/token/", clientAuth(e.other), refreshForm(g.RefreshToken, ""), 400, bodyInvalidGrant},
		{"refresh scope wider than the original", "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "read write"), 400, bodyInvalidScope},
		{"refresh scope invalid", "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "admin"), 400, bodyInvalidScope},
		{"query string", "/api/o/token/?access_token=x", clientAuth(e.conf), pw, 400, `{"error":"invalid_request","error_description":"URL query parameters are not allowed"}`},
		{"revoke without token", "/api/o/revoke_token/", clientAuth(e.conf), url.Values{}, 400, `{"error":"invalid_request","error_description":"Missing token parameter."}`},
		{"revoke without client", "/api/o/revoke_token/", nil, url.Values{"token": {g.AccessToken}}, 401, bodyInvalidClient},
		{"revoke with a wrong secret", "/api/o/revoke_token/", servertest.Basic(e.conf.ClientID, "wrong"), url.Values{"token": {g.AccessToken}}, 401, bodyInvalidClient},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			oauthError(t, e.post(t, c.path, c.auth, c.form), c.status, c.body)
		})
	}
	// None of the failures above changed the grant's tokens.
	e.me(t, g.AccessToken, 200)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")))

	t.Run("JSON body", func(t *testing.T) {
		// AWX reads only form parameters: a JSON body carries none.
		body, _ := json.Marshal(map[string]string{"grant_type": "password", "username": "carol", "password": carolPassword})
		oauthError(t, e.Request(t, "POST", "/api/o/token/", clientAuth(e.conf), "application/json", strings.NewReader(string(body))),
			400, `{"error":"unsupported_grant_type"}`)
		body, _ = json.Marshal(map[string]string{"token": g.AccessToken})
		oauthError(t, e.Request(t, "POST", "/api/o/revoke_token/", clientAuth(e.conf), "application/json", strings.NewReader(string(body))),
			400, `{"error":"invalid_request","error_description":"Missing token parameter."}`)
	})
}

func TestOAuthRefreshRotation(t *testing.T) {
	e := newOAuthEnv(t)
	ctx := context.Background()
	g1 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "read")))
	e.me(t, g1.AccessToken, 200) // now cached on this process
	old, err := e.Store.AccessTokenByDigest(ctx, secret.Digest(g1.AccessToken))
	if err != nil {
		t.Fatal(err)
	}

	g2 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g1.RefreshToken, "")))
	if g2.Scope != "read" || g2.AccessToken == g1.AccessToken || g2.RefreshToken == g1.RefreshToken {
		t.Errorf("rotated grant %+v", g2)
	}
	// The old access token is gone at once; the new one works.
	e.me(t, g1.AccessToken, 401)
	e.me(t, g2.AccessToken, 200)
	if _, err := e.Store.AccessTokenByID(ctx, old.ID); store.ErrorCode(err) != store.ENOTFOUND {
		t.Errorf("old access token: %v", err)
	}
	rt1, err := e.Store.RefreshTokenByDigest(ctx, secret.Digest(g1.RefreshToken))
	if err != nil || rt1.Revoked == nil {
		t.Errorf("old refresh token %+v, %v", rt1, err)
	}
	at2, err := e.Store.AccessTokenByDigest(ctx, secret.Digest(g2.AccessToken))
	if err != nil || at2.UserID != e.carol.ID || at2.ApplicationID == nil || *at2.ApplicationID != e.conf.ID || at2.Scope != "read" {
		t.Errorf("new access token %+v, %v", at2, err)
	}

	// Reuse of the old refresh token fails and changes nothing.
	oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g1.RefreshToken, "")), 400, bodyInvalidGrant)
	e.me(t, g2.AccessToken, 200)

	// A token created through the API with an application has a refresh
	// token the grant accepts too.
	var tok tokenJSON
	resp := e.Do(t, "POST", "/api/v2/tokens/", e.Admin(), map[string]any{"application": e.conf.ID, "scope": "write"})
	expectStatus(t, resp, 201)
	resp.JSON(t, &tok)
	g3 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(*tok.RefreshToken, "")))
	if g3.Scope != "write" {
		t.Errorf("scope %q", g3.Scope)
	}
	e.me(t, tok.Token, 401)
	var me pageJSON[struct {
		ID int64 `json:"id"`
	}]
	resp = e.Do(t, "GET", "/api/v2/me/", servertest.Bearer(g3.AccessToken), nil)
	expectStatus(t, resp, 200)
	resp.JSON(t, &me)
	if me.Results[0].ID != e.AdminID {
		t.Errorf("refreshed token belongs to %d", me.Results[0].ID)
	}
	expect(t, e.Do(t, "GET", tokenPath(tok.ID), e.Admin(), nil), 404, `{"detail":"No OAuth2AccessToken matches the given query."}`)

	// A public client refreshes with its client_id alone.
	f := passwordForm("carol", carolPassword, "")
	f.Set("client_id", e.pub.ClientID)
	pg := grant(t, e.post(t, "/api/o/token/", nil, f))
	rf := refreshForm(pg.RefreshToken, "")
	rf.Set("client_id", e.pub.ClientID)
	grant(t, e.post(t, "/api/o/token/", nil, rf))
}

func TestOAuthRefreshScopeSubset(t *testing.T) {
	e := newOAuthEnv(t)
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	// Narrowed to read.
	g2 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "read")))
	if g2.Scope != "read" {
		t.Fatalf("scope %q", g2.Scope)
	}
	// Once narrowed, it cannot widen again; the refused request changes nothing.
	oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g2.RefreshToken, "write")), 400, bodyInvalidScope)
	e.me(t, g2.AccessToken, 200)
	// Without scope, the original is kept.
	g3 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g2.RefreshToken, "")))
	if g3.Scope != "read" {
		t.Errorf("scope %q", g3.Scope)
	}
}

func TestOAuthRefreshForeignClient(t *testing.T) {
	e := newOAuthEnv(t)
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.other), refreshForm(g.RefreshToken, "")), 400, bodyInvalidGrant)
	// Untouched: the owner still uses both.
	e.me(t, g.AccessToken, 200)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")))
}

func TestOAuthRefreshConcurrentReuse(t *testing.T) {
	e := newOAuthEnv(t)
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	const n = 8
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		bodies   []string
		winner   grantJSON
	)
	body := refreshForm(g.RefreshToken, "").Encode()
	start := make(chan struct{})
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest("POST", e.URL+"/api/o/token/", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.SetBasicAuth(e.conf.ClientID, e.conf.ClientSecret)
			<-start
			resp, err := e.HTTP.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			var b strings.Builder
			buf := make([]byte, 512)
			for {
				k, err := resp.Body.Read(buf)
				b.Write(buf[:k])
				if err != nil {
					break
				}
			}
			mu.Lock()
			defer mu.Unlock()
			statuses[resp.StatusCode]++
			if resp.StatusCode == 200 {
				json.Unmarshal([]byte(b.String()), &winner)
			} else {
				bodies = append(bodies, b.String())
			}
		}()
	}
	close(start)
	wg.Wait()
	if statuses[200] != 1 || statuses[400] != n-1 {
		t.Fatalf("statuses %v, bodies %v", statuses, bodies)
	}
	for _, b := range bodies {
		if b != bodyInvalidGrant {
			t.Errorf("loser body %s", b)
		}
	}
	e.me(t, g.AccessToken, 401)
	e.me(t, winner.AccessToken, 200)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(winner.RefreshToken, "")))
}

func TestOAuthRefreshExpired(t *testing.T) {
	e := newOAuthEnv(t, servertest.WithRefreshTokenExpireSeconds(60))
	ctx := context.Background()
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	e.clock.Advance(61 * time.Second)

	check := func(auth servertest.Auth) {
		t.Helper()
		resp := e.post(t, "/api/o/token/", auth, refreshForm(g.RefreshToken, ""))
		if resp.Status != 403 || string(resp.Body) != "The refresh token has expired." ||
			!strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("expired refresh: %d %q %q", resp.Status, resp.Body, resp.Header.Get("Content-Type"))
		}
	}
	check(clientAuth(e.conf))
	// AWX checks the age first, before the client.
	check(nil)
	// Nothing changed: the refresh token is not revoked, its access token
	// still works (its own lifetime is long).
	rt, err := e.Store.RefreshTokenByDigest(ctx, secret.Digest(g.RefreshToken))
	if err != nil || rt.Revoked != nil || rt.AccessTokenID == nil {
		t.Errorf("refresh token after the refusal: %+v, %v", rt, err)
	}
	e.me(t, g.AccessToken, 200)
	// A fresh grant's refresh token is young again.
	g2 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	e.clock.Advance(59 * time.Second)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g2.RefreshToken, "")))
}

func TestOAuthAccessTokenExpiry(t *testing.T) {
	e := newOAuthEnv(t, servertest.WithAccessTokenExpireSeconds(60))
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	if g.ExpiresIn != 60 {
		t.Errorf("expires_in %d", g.ExpiresIn)
	}
	e.me(t, g.AccessToken, 200)
	e.clock.Advance(59 * time.Second)
	e.me(t, g.AccessToken, 200)
	e.clock.Advance(time.Second)
	// Expired: refused exactly like a missing token, cached or not.
	e.me(t, g.AccessToken, 401)
	// The classic refresh after expiry works, and the new token does.
	g2 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")))
	e.me(t, g2.AccessToken, 200)
}

func TestOAuthRevoke(t *testing.T) {
	e := newOAuthEnv(t)
	newGrant := func() grantJSON {
		t.Helper()
		return grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	}
	revoke := func(auth servertest.Auth, form url.Values) {
		t.Helper()
		resp := e.post(t, "/api/o/revoke_token/", auth, form)
		if resp.Status != 200 || len(resp.Body) != 0 {
			t.Fatalf("revoke: %d %s", resp.Status, resp.Body)
		}
	}

	t.Run("access token", func(t *testing.T) {
		g := newGrant()
		e.me(t, g.AccessToken, 200)
		revoke(clientAuth(e.conf), url.Values{"token": {g.AccessToken}})
		e.me(t, g.AccessToken, 401)
		// Its refresh token went with it (spec D.5).
		oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")), 400, bodyInvalidGrant)
		// Again: still 200.
		revoke(clientAuth(e.conf), url.Values{"token": {g.AccessToken}})
	})
	t.Run("refresh token", func(t *testing.T) {
		g := newGrant()
		e.me(t, g.AccessToken, 200)
		revoke(clientAuth(e.conf), url.Values{"token": {g.RefreshToken}, "token_type_hint": {"refresh_token"}})
		e.me(t, g.AccessToken, 401)
		oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")), 400, bodyInvalidGrant)
		rt, err := e.Store.RefreshTokenByDigest(context.Background(), secret.Digest(g.RefreshToken))
		if err != nil || rt.Revoked == nil {
			t.Errorf("refresh token %+v, %v", rt, err)
		}
	})
	t.Run("hint of the other kind", func(t *testing.T) {
		g := newGrant()
		revoke(clientAuth(e.conf), url.Values{"token": {g.AccessToken}, "token_type_hint": {"refresh_token"}})
		e.me(t, g.AccessToken, 401)
		g = newGrant()
		revoke(clientAuth(e.conf), url.Values{"token": {g.RefreshToken}, "token_type_hint": {"access_token"}})
		e.me(t, g.AccessToken, 401)
		g = newGrant()
		revoke(clientAuth(e.conf), url.Values{"token": {g.RefreshToken}, "token_type_hint": {"bogus"}})
		e.me(t, g.AccessToken, 401)
	})
	t.Run("unknown token", func(t *testing.T) {
		revoke(clientAuth(e.conf), url.Values{"token": {secret.NewToken()}})
		revoke(clientAuth(e.conf), url.Values{"token": {"not-a-token"}})
	})
	t.Run("foreign client", func(t *testing.T) {
		g := newGrant()
		revoke(clientAuth(e.other), url.Values{"token": {g.AccessToken}})
		revoke(clientAuth(e.other), url.Values{"token": {g.RefreshToken}})
		// Silently untouched (spec D.7).
		e.me(t, g.AccessToken, 200)
		grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")))
		// No client may revoke a personal access token.
		pat := e.CreatePAT(t, e.carol.ID, "write")
		revoke(clientAuth(e.conf), url.Values{"token": {pat}})
		e.me(t, pat, 200)
	})
	t.Run("public client", func(t *testing.T) {
		f := passwordForm("carol", carolPassword, "")
		f.Set("client_id", e.pub.ClientID)
		g := grant(t, e.post(t, "/api/o/token/", nil, f))
		revoke(nil, url.Values{"token": {g.AccessToken}, "client_id": {e.pub.ClientID}})
		e.me(t, g.AccessToken, 401)
	})
	t.Run("body credentials", func(t *testing.T) {
		g := newGrant()
		revoke(nil, url.Values{"token": {g.AccessToken}, "client_id": {e.conf.ClientID}, "client_secret": {e.conf.ClientSecret}})
		e.me(t, g.AccessToken, 401)
	})
}

func TestOAuthPasswordGrantThrottle(t *testing.T) {
	e := newOAuthEnv(t, servertest.WithConfig(func(c *server.Config) {
		c.LoginThrottle = server.ThrottleConfig{PerUser: 3, PerAddress: 50, Window: time.Minute}
	}))
	pat := e.CreatePAT(t, e.carol.ID, "write")
	bad := passwordForm("carol", "wrong", "")
	good := passwordForm("carol", carolPassword, "")

	// A success clears the failures: two, a success, two more stay under 3.
	for range 2 {
		oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), bad), 400, bodyBadCredentials)
	}
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), good))
	for range 2 {
		oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), bad), 400, bodyBadCredentials)
	}
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), good))

	for range 3 {
		oauthError(t, e.post(t, "/api/o/token/", clientAuth(e.conf), bad), 400, bodyBadCredentials)
	}
	// Throttled now, even with the right password, and through Basic too.
	r := e.post(t, "/api/o/token/", clientAuth(e.conf), good)
	expect(t, r, 429, `{"detail":"Too many failed login attempts. Try again later."}`)
	if r.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After %q", r.Header.Get("Retry-After"))
	}
	expect(t, e.Do(t, "GET", "/api/v2/me/", servertest.Basic("carol", carolPassword), nil), 429,
		`{"detail":"Too many failed login attempts. Try again later."}`)
	// Bearer requests and other users are not throttled.
	e.me(t, pat, 200)
	e.CreateUser(t, "erin", "erin-Password-1", false)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("erin", "erin-Password-1", "")))
	// The window passes.
	e.clock.Advance(time.Minute)
	grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), good))
}

// TestOAuthLogsHoldNoSecret runs every /api/o/ path that handles a secret,
// successes and failures, with debug logging on, and checks that none of
// the secrets reached the log.
func TestOAuthLogsHoldNoSecret(t *testing.T) {
	var logs syncBuffer
	e := newOAuthEnv(t, servertest.WithConfig(func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	secrets := []string{e.conf.ClientSecret, e.other.ClientSecret, carolPassword, "Wrong-Password-In-Log"}
	g := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", carolPassword, "")))
	g2 := grant(t, e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, "")))
	secrets = append(secrets, g.AccessToken, g.RefreshToken, g2.AccessToken, g2.RefreshToken)
	e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm("carol", "Wrong-Password-In-Log", ""))
	e.post(t, "/api/o/token/", clientAuth(e.conf), passwordForm(carolPassword, carolPassword, ""))
	e.post(t, "/api/o/token/", servertest.Basic(e.conf.ClientID, e.other.ClientSecret), passwordForm("carol", carolPassword, ""))
	e.post(t, "/api/o/token/", clientAuth(e.other), refreshForm(g2.RefreshToken, ""))
	e.post(t, "/api/o/token/", clientAuth(e.conf), refreshForm(g.RefreshToken, ""))
	e.post(t, "/api/o/token/?password="+carolPassword, clientAuth(e.conf), passwordForm("carol", carolPassword, ""))
	e.post(t, "/api/o/revoke_token/", clientAuth(e.other), url.Values{"token": {g2.AccessToken}})
	e.post(t, "/api/o/revoke_token/", clientAuth(e.conf), url.Values{"token": {g2.RefreshToken}})
	out := logs.String()
	if !strings.Contains(out, "/api/o/token/") {
		t.Fatalf("nothing was logged: %s", out)
	}
	for _, sec := range secrets {
		if strings.Contains(out, sec) {
			t.Errorf("a secret (%d characters) is in the log", len(sec))
		}
	}
}
