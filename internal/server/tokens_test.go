package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

var tokenRE = regexp.MustCompile(`^[a-zA-Z0-9]{30}$`)

const censored = "************"

// checkCreated checks what every token create answers: 201, the Location
// header, a clear token that works, the caller as owner, AWX's expiry.
func checkCreated(t *testing.T, w *world, tok tokenJSON, owner *actor, appID *int64) {
	t.Helper()
	if !tokenRE.MatchString(tok.Token) {
		t.Errorf("token %q is not 30 alphanumerics", tok.Token)
	}
	if tok.User != owner.User.ID || tok.SummaryFields.User == nil || tok.SummaryFields.User.Username != owner.User.Username {
		t.Errorf("owner %d (%+v), want %s", tok.User, tok.SummaryFields.User, owner.User.Username)
	}
	if tok.Type != "o_auth2_access_token" || tok.URL != tokenPath(tok.ID) {
		t.Errorf("type %q url %q", tok.Type, tok.URL)
	}
	if tok.Related.User != fmt.Sprintf("/api/v2/users/%d/", owner.User.ID) || tok.Related.ActivityStream != tok.URL+"activity_stream/" {
		t.Errorf("related %+v", tok.Related)
	}
	exp, err := time.Parse(time.RFC3339Nano, tok.Expires)
	if err != nil || exp.Year() < time.Now().Year()+999 {
		t.Errorf("expires %q, want about 1000 years from now", tok.Expires)
	}
	if !strings.HasSuffix(tok.Created, "Z") || len(tok.Created) != len("2024-10-09T02:23:08.123456Z") {
		t.Errorf("created %q is not AWX's datetime format", tok.Created)
	}
	switch {
	case appID == nil:
		if tok.Application != nil || tok.RefreshToken != nil || tok.Related.Application != "" || tok.SummaryFields.Application != nil {
			t.Errorf("PAT has application %v, refresh %v, related %q, summary %+v", tok.Application, tok.RefreshToken, tok.Related.Application, tok.SummaryFields.Application)
		}
	default:
		if tok.Application == nil || *tok.Application != *appID || tok.Related.Application != appPath(*appID) {
			t.Errorf("application %v related %q, want %d", tok.Application, tok.Related.Application, *appID)
		}
		if tok.SummaryFields.Application == nil || tok.SummaryFields.Application.ID != *appID {
			t.Errorf("summary application %+v", tok.SummaryFields.Application)
		}
		if tok.RefreshToken == nil || !tokenRE.MatchString(*tok.RefreshToken) || *tok.RefreshToken == tok.Token {
			t.Errorf("refresh token %v, want a fresh clear token", tok.RefreshToken)
		}
	}
	// The clear token authenticates as its owner.
	var me pageJSON[struct{ Username string }]
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusOK).JSON(t, &me)
	if len(me.Results) != 1 || me.Results[0].Username != owner.User.Username {
		t.Errorf("/me/ with the new token: %+v", me)
	}
	// Only its digest is stored.
	st, err := w.Store.AccessTokenByID(context.Background(), tok.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !secret.Equal(st.Digest, secret.Digest(tok.Token)) {
		t.Error("stored digest does not match the token")
	}
}

func TestTokenCreatePaths(t *testing.T) {
	w := newWorld(t)
	member := w.Users["org_member"]
	app := w.AppID
	cases := []struct {
		name string
		path string
		body any
		app  *int64
	}{
		{"PAT on /tokens/", "/api/v2/tokens/", map[string]any{}, nil},
		{"PAT with null application", "/api/v2/tokens/", map[string]any{"application": nil}, nil},
		{"app token on /tokens/", "/api/v2/tokens/", map[string]any{"application": app}, &app},
		{"app pk as a string", "/api/v2/tokens/", map[string]any{"application": fmt.Sprint(app)}, &app},
		{"/applications/{id}/tokens/", appPath(app) + "tokens/", map[string]any{}, &app},
		{"/applications/{id}/tokens/ ignores a body application", appPath(app) + "tokens/", map[string]any{"application": nil}, &app},
		{"named application URL", "/api/v2/applications/App++O/tokens/", map[string]any{}, &app},
		{"/users/0/tokens/", "/api/v2/users/0/tokens/", map[string]any{"scope": "write"}, nil},
		{"/users/0/tokens/ with application", "/api/v2/users/0/tokens/", map[string]any{"scope": "write", "application": app}, &app},
		{"/users/{own id}/tokens/", fmt.Sprintf("/api/v2/users/%d/tokens/", member.User.ID), map[string]any{}, nil},
		{"/users/{own username}/tokens/", "/api/v2/users/org_member/tokens/", map[string]any{}, nil},
		{"authorized_tokens", "/api/v2/users/0/authorized_tokens/", map[string]any{"application": app}, &app},
		{"personal_tokens", "/api/v2/users/org_member/personal_tokens/", map[string]any{"scope": "read", "application": nil}, nil},
		{"personal_tokens forces no application", fmt.Sprintf("/api/v2/users/%d/personal_tokens/", member.User.ID), map[string]any{"application": app}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := w.expect(t, "POST", c.path, member.auth(), c.body, http.StatusCreated)
			var tok tokenJSON
			resp.JSON(t, &tok)
			if loc := resp.Header.Get("Location"); loc != tok.URL {
				t.Errorf("Location %q, want %q", loc, tok.URL)
			}
			checkCreated(t, w, tok, member, c.app)
			wantScope := "write"
			if m, ok := c.body.(map[string]any); ok && m["scope"] != nil {
				wantScope = m["scope"].(string)
			}
			if tok.Scope != wantScope || tok.Description == nil || *tok.Description != "" {
				t.Errorf("scope %q description %v, want %q and \"\"", tok.Scope, tok.Description, wantScope)
			}
		})
	}
}

func TestTokenJSONShape(t *testing.T) {
	w := newWorld(t)
	resp := w.expect(t, "POST", "/api/v2/tokens/", w.Admin.auth(), map[string]any{"application": w.AppID, "description": "d"}, http.StatusCreated)
	wantKeys(t, "token", topKeys(t, resp.Body), []string{"id", "type", "url", "related", "summary_fields", "created", "modified", "description", "user", "token", "refresh_token", "application", "expires", "scope"})
	wantKeys(t, "related", objectKeys(t, resp.Body, "related"), []string{"user", "application", "activity_stream"})
	wantKeys(t, "summary_fields", objectKeys(t, resp.Body, "summary_fields"), []string{"user", "application"})
	if strings.Contains(string(resp.Body), `"updated"`) {
		t.Error("a token shows an updated key")
	}
	var tok tokenJSON
	resp.JSON(t, &tok)
	get := w.expect(t, "GET", tok.URL, w.Admin.auth(), nil, http.StatusOK)
	wantKeys(t, "GET token", topKeys(t, get.Body), topKeys(t, resp.Body))

	pat := w.expect(t, "POST", "/api/v2/tokens/", w.Admin.auth(), map[string]any{}, http.StatusCreated)
	wantKeys(t, "PAT related", objectKeys(t, pat.Body, "related"), []string{"user", "activity_stream"})
	wantKeys(t, "PAT summary_fields", objectKeys(t, pat.Body, "summary_fields"), []string{"user"})
	if !strings.Contains(string(pat.Body), `"refresh_token":null`) || !strings.Contains(string(pat.Body), `"application":null`) {
		t.Errorf("PAT body lacks null refresh_token/application: %s", pat.Body)
	}
}

// After the create response, the token and refresh token are censored
// everywhere: detail, lists, PUT and PATCH responses.
func TestTokenCensoring(t *testing.T) {
	w := newWorld(t)
	appTok := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"application": w.AppID})
	pat := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{})
	check := func(where string, tok tokenJSON) {
		t.Helper()
		if tok.Token != censored {
			t.Errorf("%s: token %q, want censored", where, tok.Token)
		}
		switch {
		case tok.Application != nil && (tok.RefreshToken == nil || *tok.RefreshToken != censored):
			t.Errorf("%s: refresh_token %v, want censored", where, tok.RefreshToken)
		case tok.Application == nil && tok.RefreshToken != nil:
			t.Errorf("%s: PAT refresh_token %v, want null", where, *tok.RefreshToken)
		}
	}
	for _, created := range []tokenJSON{appTok, pat} {
		var tok tokenJSON
		w.expect(t, "GET", created.URL, w.Admin.auth(), nil, http.StatusOK).JSON(t, &tok)
		check("GET", tok)
		w.expect(t, "PATCH", created.URL, w.Admin.auth(), map[string]any{"description": "x"}, http.StatusOK).JSON(t, &tok)
		check("PATCH", tok)
		w.expect(t, "PUT", created.URL, w.Admin.auth(), map[string]any{"description": "y"}, http.StatusOK).JSON(t, &tok)
		check("PUT", tok)
		for _, body := range [][]byte{w.expect(t, "GET", created.URL, w.Admin.auth(), nil, http.StatusOK).Body} {
			if strings.Contains(string(body), created.Token) || (created.RefreshToken != nil && strings.Contains(string(body), *created.RefreshToken)) {
				t.Errorf("a clear secret appears in %s", body)
			}
		}
	}
	var page pageJSON[tokenJSON]
	w.expect(t, "GET", "/api/v2/tokens/", w.Admin.auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count < 3 {
		t.Fatalf("token list count %d, want at least 3", page.Count)
	}
	for _, tok := range page.Results {
		check("list", tok)
	}
}

func TestTokenScopeValidation(t *testing.T) {
	w := newWorld(t)
	const msg = `{"scope":["Must be a simple space-separated string with allowed scopes ['read', 'write']."]}`
	pat := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{})
	for _, bad := range []any{"", "read read", "read rainbow", "Write", "   ", "read write read"} {
		wantBody(t, w.Do(t, "POST", "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": bad}), http.StatusBadRequest, msg)
		wantBody(t, w.Do(t, "PATCH", pat.URL, w.Admin.auth(), map[string]any{"scope": bad}), http.StatusBadRequest, msg)
	}
	wantBody(t, w.Do(t, "POST", "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": nil}), http.StatusBadRequest, `{"scope":["This field may not be null."]}`)
	wantBody(t, w.Do(t, "POST", "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": []string{"read"}}), http.StatusBadRequest, `{"scope":["Not a valid string."]}`)
	for _, good := range []string{"read", "write", "write read", "read write"} {
		tok := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": good})
		if tok.Scope != good {
			t.Errorf("scope %q stored as %q", good, tok.Scope)
		}
		var upd tokenJSON
		w.expect(t, "PATCH", pat.URL, w.Admin.auth(), map[string]any{"scope": good}, http.StatusOK).JSON(t, &upd)
		if upd.Scope != good {
			t.Errorf("PATCH scope %q gave %q", good, upd.Scope)
		}
	}
}

func TestTokenFieldErrors(t *testing.T) {
	w := newWorld(t)
	admin := w.Admin.auth()
	cases := []struct {
		name, path string
		body       any
		want       string
	}{
		{"missing application", "/api/v2/tokens/", `{"application": 999}`, `{"application":["Invalid pk \"999\" - object does not exist."]}`},
		{"missing application as a string", "/api/v2/tokens/", `{"application": "999"}`, `{"application":["Invalid pk \"999\" - object does not exist."]}`},
		{"application not a pk", "/api/v2/tokens/", `{"application": "abc"}`, `{"application":["Incorrect type. Expected pk value, received str."]}`},
		{"application a bool", "/api/v2/tokens/", `{"application": true}`, `{"application":["Incorrect type. Expected pk value, received bool."]}`},
		{"application an object", "/api/v2/users/0/tokens/", `{"application": {}}`, `{"application":["Incorrect type. Expected pk value, received dict."]}`},
		{"authorized_tokens without application", "/api/v2/users/0/authorized_tokens/", `{"scope": "read"}`, `{"application":["This field is required."]}`},
		{"authorized_tokens with null application", "/api/v2/users/admin/authorized_tokens/", `{"application": null}`, `{"application":["This field may not be null."]}`},
		{"description not a string", "/api/v2/tokens/", `{"description": {"a": 1}}`, `{"description":["Not a valid string."]}`},
		{"two bad fields", "/api/v2/tokens/", `{"application": 999, "scope": "x"}`, `{"application":["Invalid pk \"999\" - object does not exist."],"scope":["Must be a simple space-separated string with allowed scopes ['read', 'write']."]}`},
		{"not an object", "/api/v2/tokens/", `[1]`, `{"detail":"JSON parse error - not a JSON object"}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantBody(t, w.Do(t, "POST", c.path, admin, c.body), http.StatusBadRequest, c.want)
		})
	}
	// Nothing was created by any of them.
	var page pageJSON[tokenJSON]
	w.expect(t, "GET", "/api/v2/tokens/", admin, nil, http.StatusOK).JSON(t, &page)
	if page.Count != 1+len(w.Users)-1 {
		t.Errorf("%d tokens after failed creates, want only the fixture's %d", page.Count, len(w.Users))
	}
}

// description null becomes ""; the read-only fields of a body are ignored.
func TestTokenCreateIgnoresReadOnlyFields(t *testing.T) {
	w := newWorld(t)
	alice := w.Users["alice"]
	tok := w.createToken(t, "/api/v2/tokens/", alice.auth(), map[string]any{
		"description": nil, "user": w.Admin.User.ID, "token": "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		"refresh_token": "x", "expires": "2000-01-01T00:00:00Z",
	})
	checkCreated(t, w, tok, alice, nil)
	if *tok.Description != "" || tok.Token == "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
		t.Errorf("description %q token %q", *tok.Description, tok.Token)
	}
	// A PATCH ignores application and user too.
	var upd tokenJSON
	w.expect(t, "PATCH", tok.URL, alice.auth(), map[string]any{"application": w.AppID, "user": w.Admin.User.ID, "description": "new"}, http.StatusOK).JSON(t, &upd)
	if upd.Application != nil || upd.User != alice.User.ID || *upd.Description != "new" {
		t.Errorf("PATCH changed read-only fields: %+v", upd)
	}
	w.expect(t, "PATCH", tok.URL, alice.auth(), map[string]any{"description": nil}, http.StatusOK).JSON(t, &upd)
	if *upd.Description != "" {
		t.Errorf("description null gave %q", *upd.Description)
	}
}

// D.3: a token is always the caller's.
func TestUserTokensPathOwner(t *testing.T) {
	w := newWorld(t)
	alice := w.Users["alice"]
	for _, sub := range []string{"tokens", "authorized_tokens", "personal_tokens"} {
		body := map[string]any{"application": w.AppID}
		// Another existing user, by id or username: 403, even for a superuser.
		for _, c := range []struct {
			who  servertest.Auth
			path string
		}{
			{alice.auth(), fmt.Sprintf("/api/v2/users/%d/%s/", w.Admin.User.ID, sub)},
			{alice.auth(), "/api/v2/users/admin/" + sub + "/"},
			{w.Admin.auth(), fmt.Sprintf("/api/v2/users/%d/%s/", alice.User.ID, sub)},
		} {
			wantBody(t, w.Do(t, "POST", c.path, c.who, body), http.StatusForbidden, `{"detail":"You can only create tokens for yourself."}`)
		}
		wantBody(t, w.Do(t, "POST", "/api/v2/users/999/"+sub+"/", alice.auth(), body), http.StatusNotFound, `{"detail":"No User matches the given query."}`)
		if r := w.Do(t, "POST", "/api/v2/users/nobody/"+sub+"/", alice.auth(), body); r.Status != http.StatusNotFound {
			t.Errorf("POST for a missing username: %d %s", r.Status, r.Body)
		}
	}
	// users/0 works for a user who is not a superuser (AWX answers 404).
	tok := w.createToken(t, "/api/v2/users/0/tokens/", alice.auth(), map[string]any{"scope": "read"})
	checkCreated(t, w, tok, alice, nil)
}

// D.4: a PUT without scope keeps it.
func TestTokenPutKeepsScope(t *testing.T) {
	w := newWorld(t)
	tok := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": "read", "description": "keep"})
	var upd tokenJSON
	w.expect(t, "PUT", tok.URL, w.Admin.auth(), map[string]any{"description": "changed"}, http.StatusOK).JSON(t, &upd)
	if upd.Scope != "read" || *upd.Description != "changed" {
		t.Errorf("after PUT: scope %q description %q", upd.Scope, *upd.Description)
	}
	w.expect(t, "PUT", tok.URL, w.Admin.auth(), map[string]any{}, http.StatusOK).JSON(t, &upd)
	if upd.Scope != "read" || *upd.Description != "changed" {
		t.Errorf("after empty PUT: scope %q description %q", upd.Scope, *upd.Description)
	}
	w.expect(t, "PUT", tok.URL, w.Admin.auth(), map[string]any{"scope": "write"}, http.StatusOK).JSON(t, &upd)
	if upd.Scope != "write" {
		t.Errorf("PUT scope write gave %q", upd.Scope)
	}
}

// D.5: deleting an access token revokes its refresh token, and the token
// stops authenticating at once.
func TestTokenDelete(t *testing.T) {
	w := newWorld(t)
	member := w.Users["org_member"]
	tok := w.createToken(t, appPath(w.AppID)+"tokens/", member.auth(), map[string]any{})
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusOK)
	resp := w.expect(t, "DELETE", tok.URL, servertest.Bearer(tok.Token), nil, http.StatusNoContent)
	if len(resp.Body) != 0 {
		t.Errorf("204 with a body: %q", resp.Body)
	}
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusUnauthorized)
	wantBody(t, w.Do(t, "GET", tok.URL, w.Admin.auth(), nil), http.StatusNotFound, `{"detail":"No OAuth2AccessToken matches the given query."}`)
	rt, err := w.Store.RefreshTokenByDigest(context.Background(), secret.Digest(*tok.RefreshToken))
	if err == nil && rt.Revoked == nil {
		t.Error("the refresh token of a deleted access token is not revoked")
	} else if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatal(err)
	}
	wantBody(t, w.Do(t, "DELETE", tok.URL, w.Admin.auth(), nil), http.StatusNotFound, `{"detail":"No OAuth2AccessToken matches the given query."}`)
	wantBody(t, w.Do(t, "GET", "/api/v2/tokens/abc/", w.Admin.auth(), nil), http.StatusNotFound, `{"detail":"The requested resource could not be found."}`)
}

// Every token row of spec section 6's table, over HTTP.
func TestTokenRoleTable(t *testing.T) {
	w := newWorld(t)
	adminAppTok := w.createToken(t, appPath(w.AppID)+"tokens/", w.Admin.auth(), map[string]any{})
	memberPAT := w.createToken(t, "/api/v2/users/0/personal_tokens/", w.Users["org_member"].auth(), map[string]any{"scope": "read", "application": nil})

	// try reads, changes and deletes tok as name; it returns what was allowed.
	try := func(t *testing.T, name string, tok tokenJSON) (read, change, del bool) {
		t.Helper()
		a := w.Users[name].auth()
		get := w.Do(t, "GET", tok.URL, a, nil)
		patch := w.Do(t, "PATCH", tok.URL, a, map[string]any{"description": "by " + name})
		for _, r := range []*servertest.Response{get, patch} {
			if r.Status != http.StatusOK && r.Status != http.StatusForbidden {
				t.Fatalf("%s: status %d %s", name, r.Status, r.Body)
			}
			if r.Status == http.StatusForbidden {
				wantBody(t, r, http.StatusForbidden, `{"detail":"You do not have permission to perform this action."}`)
			}
		}
		// Delete last, and only when the rest of the table no longer
		// needs the token.
		return get.Status == http.StatusOK, patch.Status == http.StatusOK, false
	}
	type want struct{ read, change bool }
	rows := []struct {
		actor string
		tok   tokenJSON
		want  want
	}{
		{"admin", adminAppTok, want{true, true}},
		{"org_admin", adminAppTok, want{true, true}},
		{"org_member", adminAppTok, want{false, false}},
		{"alice", adminAppTok, want{false, false}},
		{"auditor", adminAppTok, want{true, false}},
		{"org_auditor", adminAppTok, want{true, false}},
		{"admin", memberPAT, want{true, true}},
		{"org_admin", memberPAT, want{false, false}},
		// org_member acts with their write PAT on the read-scoped one.
		{"org_member", memberPAT, want{true, true}},
		{"alice", memberPAT, want{false, false}},
		{"auditor", memberPAT, want{true, false}},
	}
	for _, row := range rows {
		t.Run(fmt.Sprintf("%s on token %d", row.actor, row.tok.ID), func(t *testing.T) {
			read, change, _ := try(t, row.actor, row.tok)
			if (want{read, change}) != row.want {
				t.Errorf("read %v change %v, want %+v", read, change, row.want)
			}
		})
	}
	// Deletes: denied first, then the allowed one.
	for _, name := range []string{"org_member", "alice", "auditor", "org_auditor"} {
		w.expect(t, "DELETE", adminAppTok.URL, w.Users[name].auth(), nil, http.StatusForbidden)
	}
	w.expect(t, "DELETE", adminAppTok.URL, w.Users["org_admin"].auth(), nil, http.StatusNoContent)
	for _, name := range []string{"org_admin", "alice", "auditor"} {
		w.expect(t, "DELETE", memberPAT.URL, w.Users[name].auth(), nil, http.StatusForbidden)
	}
	w.expect(t, "DELETE", memberPAT.URL, w.Users["org_member"].auth(), nil, http.StatusNoContent)
	// And a superuser deletes another user's token.
	other := w.createToken(t, "/api/v2/tokens/", w.Users["alice"].auth(), map[string]any{})
	w.expect(t, "DELETE", other.URL, w.Admin.auth(), nil, http.StatusNoContent)

	// Row "POST /applications/{id}/tokens/".
	for _, name := range []string{"admin", "org_admin", "org_member", "auditor"} {
		w.expect(t, "POST", appPath(w.AppID)+"tokens/", w.Users[name].auth(), map[string]any{}, http.StatusCreated)
	}
	for _, name := range []string{"alice", "org_auditor"} {
		wantBody(t, w.Do(t, "POST", appPath(w.AppID)+"tokens/", w.Users[name].auth(), map[string]any{}), http.StatusForbidden, `{"detail":"You do not have permission to perform this action."}`)
		// Through /tokens/ too, and before the bad scope is looked at.
		wantBody(t, w.Do(t, "POST", "/api/v2/tokens/", w.Users[name].auth(), map[string]any{"application": w.AppID, "scope": "bad"}), http.StatusForbidden, `{"detail":"You do not have permission to perform this action."}`)
	}

	// Row "each user: POST own personal_tokens {scope: read, application: null}".
	for name, a := range w.Users {
		tok := w.createToken(t, "/api/v2/users/"+a.User.Username+"/personal_tokens/", a.basic(), map[string]any{"scope": "read", "application": nil})
		if tok.Scope != "read" || tok.Application != nil {
			t.Errorf("%s: personal token %+v", name, tok)
		}
		w.expect(t, "GET", tok.URL, a.auth(), nil, http.StatusOK)
		w.expect(t, "PATCH", tok.URL, a.auth(), map[string]any{"description": "mine"}, http.StatusOK)
		w.expect(t, "DELETE", tok.URL, a.auth(), nil, http.StatusNoContent)
	}
}

// Lists hold what the caller may see and nothing else.
func TestTokenListVisibility(t *testing.T) {
	w := newWorld(t)
	adminApp := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"application": w.AppID})
	adminPAT := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{})
	memberApp := w.createToken(t, "/api/v2/tokens/", w.Users["org_member"].auth(), map[string]any{"application": w.AppID})

	ids := func(t *testing.T, path string, a servertest.Auth) map[int64]bool {
		t.Helper()
		var page pageJSON[tokenJSON]
		w.expect(t, "GET", path, a, nil, http.StatusOK).JSON(t, &page)
		out := map[int64]bool{}
		for _, tok := range page.Results {
			out[tok.ID] = true
			// Owners and applications are loaded in bulk for a page;
			// each token must still get its own.
			if tok.SummaryFields.User == nil || tok.SummaryFields.User.ID != tok.User {
				t.Errorf("%s: token %d of user %d has summary user %+v", path, tok.ID, tok.User, tok.SummaryFields.User)
			}
			if tok.Application != nil && (tok.SummaryFields.Application == nil || tok.SummaryFields.Application.Name != "App") {
				t.Errorf("%s: token %d has summary application %+v", path, tok.ID, tok.SummaryFields.Application)
			}
		}
		if len(out) != page.Count {
			t.Errorf("%s: count %d, %d results", path, page.Count, len(out))
		}
		return out
	}
	all := ids(t, "/api/v2/tokens/", w.Admin.auth())
	if len(all) != len(w.Users)+3 {
		t.Errorf("admin sees %d tokens, want %d", len(all), len(w.Users)+3)
	}
	if got := ids(t, "/api/v2/tokens/", w.Users["auditor"].auth()); len(got) != len(all) {
		t.Errorf("system auditor sees %d tokens, want all %d", len(got), len(all))
	}
	orgAdmin := ids(t, "/api/v2/tokens/", w.Users["org_admin"].auth())
	if !orgAdmin[adminApp.ID] || !orgAdmin[memberApp.ID] || orgAdmin[adminPAT.ID] || len(orgAdmin) != 3 {
		t.Errorf("org_admin sees %v", orgAdmin)
	}
	member := ids(t, "/api/v2/tokens/", w.Users["org_member"].auth())
	if !member[memberApp.ID] || member[adminApp.ID] || len(member) != 2 {
		t.Errorf("org_member sees %v", member)
	}
	if got := ids(t, "/api/v2/tokens/", w.Users["alice"].auth()); len(got) != 1 {
		t.Errorf("alice sees %v", got)
	}

	// /users/{pk}/tokens/: that user's tokens the caller may see.
	adminTokens := fmt.Sprintf("/api/v2/users/%d/tokens/", w.Admin.User.ID)
	if got := ids(t, adminTokens, w.Admin.auth()); len(got) != 3 || !got[adminApp.ID] || !got[adminPAT.ID] {
		t.Errorf("admin's tokens as admin: %v", got)
	}
	if got := ids(t, adminTokens, w.Users["org_admin"].auth()); len(got) != 1 || !got[adminApp.ID] {
		t.Errorf("admin's tokens as org_admin: %v", got)
	}
	if got := ids(t, "/api/v2/users/org_member/tokens/", w.Users["org_member"].auth()); len(got) != 2 || !got[memberApp.ID] {
		t.Errorf("own tokens by username: %v", got)
	}
	wantBody(t, w.Do(t, "GET", "/api/v2/users/999/tokens/", w.Admin.auth(), nil), http.StatusNotFound, `{"detail":"No User matches the given query."}`)
	// alice may not see org_member at all.
	w.expect(t, "GET", "/api/v2/users/org_member/tokens/", w.Users["alice"].auth(), nil, http.StatusForbidden)

	// authorized_tokens and personal_tokens list the caller's own.
	if got := ids(t, "/api/v2/users/admin/authorized_tokens/", w.Admin.auth()); len(got) != 1 || !got[adminApp.ID] {
		t.Errorf("admin's authorized tokens: %v", got)
	}
	if got := ids(t, "/api/v2/users/admin/personal_tokens/", w.Admin.auth()); len(got) != 2 || !got[adminPAT.ID] || got[adminApp.ID] {
		t.Errorf("admin's personal tokens: %v", got)
	}
	if got := ids(t, fmt.Sprintf("/api/v2/users/%d/authorized_tokens/", w.Users["org_member"].User.ID), w.Users["org_member"].auth()); len(got) != 1 || !got[memberApp.ID] {
		t.Errorf("org_member's authorized tokens: %v", got)
	}

	// /applications/{id}/tokens/: the app's tokens the caller may see.
	if got := ids(t, appPath(w.AppID)+"tokens/", w.Admin.auth()); len(got) != 2 || !got[adminApp.ID] || !got[memberApp.ID] {
		t.Errorf("app tokens as admin: %v", got)
	}
	if got := ids(t, appPath(w.AppID)+"tokens/", w.Users["org_member"].auth()); len(got) != 1 || !got[memberApp.ID] {
		t.Errorf("app tokens as org_member: %v", got)
	}
	w.expect(t, "GET", appPath(w.AppID)+"tokens/", w.Users["alice"].auth(), nil, http.StatusForbidden)
	w.expect(t, "GET", appPath(999)+"tokens/", w.Users["alice"].auth(), nil, http.StatusNotFound)

	// Filters and search.
	if got := ids(t, "/api/v2/tokens/?application=null", w.Admin.auth()); got[adminApp.ID] || !got[adminPAT.ID] {
		t.Errorf("application=null: %v", got)
	}
	if got := ids(t, "/api/v2/tokens/?not__application=null", w.Admin.auth()); len(got) != 2 || !got[adminApp.ID] || !got[memberApp.ID] {
		t.Errorf("not__application=null: %v", got)
	}
	w.expect(t, "PATCH", memberApp.URL, w.Admin.auth(), map[string]any{"description": "needle in here"}, http.StatusOK)
	if got := ids(t, "/api/v2/tokens/?search=NEEDLE", w.Admin.auth()); len(got) != 1 || !got[memberApp.ID] {
		t.Errorf("search: %v", got)
	}
	wantBody(t, w.Do(t, "GET", "/api/v2/tokens/?token=abc", w.Admin.auth(), nil), http.StatusForbidden, `{"detail":"Filtering on token is not allowed."}`)
	wantBody(t, w.Do(t, "GET", "/api/v2/tokens/?foo=1", w.Admin.auth(), nil), http.StatusBadRequest, `{"detail":"OAuth2AccessToken has no field named 'foo'"}`)
}

// AWX.psm's calls: New-Token -ForMe, Get-Token with several ids, and
// Find-Token's token type filters.
func TestAWXPSMCalls(t *testing.T) {
	w := newWorld(t)
	member := w.Users["org_member"]
	a := w.createToken(t, "/api/v2/users/0/tokens/", member.auth(), map[string]any{"description": "Parsonal Access Token", "scope": "write"})
	b := w.createToken(t, "/api/v2/users/0/tokens/", member.auth(), map[string]any{"scope": "read", "application": w.AppID})
	c := w.createToken(t, appPath(w.AppID)+"tokens/", member.auth(), map[string]any{"scope": "write"})

	var page pageJSON[tokenJSON]
	w.expect(t, "GET", fmt.Sprintf("/api/v2/tokens/?id__in=%d,%d&page_size=2", a.ID, b.ID), member.auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 2 || len(page.Results) != 2 || page.Results[0].ID != a.ID || page.Results[1].ID != b.ID || page.Next != nil {
		t.Errorf("id__in page: %+v", page)
	}
	w.expect(t, "GET", fmt.Sprintf("/api/v2/users/%d/tokens/?application=null&order_by=-id&page_size=20", member.User.ID), member.auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 2 || page.Results[0].ID != a.ID {
		t.Errorf("personal tokens by filter: %+v", page)
	}
	w.expect(t, "GET", fmt.Sprintf("/api/v2/users/%d/tokens/?not__application=null", member.User.ID), member.auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 2 || page.Results[0].ID != b.ID || page.Results[1].ID != c.ID {
		t.Errorf("authorized tokens by filter: %+v", page)
	}
	var one tokenJSON
	w.expect(t, "GET", tokenPath(b.ID), member.auth(), nil, http.StatusOK).JSON(t, &one)
	if one.SummaryFields.Application == nil || one.SummaryFields.Application.Name != "App" || one.Scope != "read" {
		t.Errorf("Get-Token: %+v", one)
	}
	// Update-Token and Remove-Token.
	w.expect(t, "PATCH", tokenPath(a.ID), member.auth(), map[string]any{"scope": "read"}, http.StatusOK)
	w.expect(t, "DELETE", tokenPath(a.ID), member.auth(), nil, http.StatusNoContent)
}

// The awx.awx collection logs in with Basic auth, uses the token, and
// deletes it at the end.
func TestAWXCollectionLogin(t *testing.T) {
	w := newWorld(t)
	alice := w.Users["alice"]
	resp := w.expect(t, "POST", "/api/v2/tokens/", alice.basic(), map[string]any{
		"description": "Automation Platform Controller Module Token", "application": nil, "scope": "write",
	}, http.StatusCreated)
	var tok tokenJSON
	resp.JSON(t, &tok)
	checkCreated(t, w, tok, alice, nil)
	if *tok.Description != "Automation Platform Controller Module Token" {
		t.Errorf("description %q", *tok.Description)
	}
	w.expect(t, "GET", "/api/v2/tokens/", servertest.Bearer(tok.Token), nil, http.StatusOK)
	w.expect(t, "DELETE", tok.URL, servertest.Bearer(tok.Token), nil, http.StatusNoContent)
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusUnauthorized)
}

// A read-scoped token may GET but not POST, PATCH, PUT or DELETE, not even
// its own token.
func TestReadScopedToken(t *testing.T) {
	w := newWorld(t)
	read := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": "read"})
	ra := servertest.Bearer(read.Token)
	const forbidden = `{"detail":"You do not have permission to perform this action."}`
	w.expect(t, "GET", read.URL, ra, nil, http.StatusOK)
	w.expect(t, "GET", "/api/v2/tokens/", ra, nil, http.StatusOK)
	w.expect(t, "GET", appPath(w.AppID), ra, nil, http.StatusOK)
	wantBody(t, w.Do(t, "POST", "/api/v2/tokens/", ra, map[string]any{}), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "POST", "/api/v2/users/0/tokens/", ra, map[string]any{}), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "PATCH", read.URL, ra, map[string]any{"description": "x"}), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "PUT", read.URL, ra, map[string]any{}), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "DELETE", read.URL, ra, nil), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "POST", "/api/v2/applications/", ra, map[string]any{"name": "x", "organization": w.O.ID, "client_type": "public", "authorization_grant_type": "password"}), http.StatusForbidden, forbidden)
	wantBody(t, w.Do(t, "DELETE", appPath(w.AppID), ra, nil), http.StatusForbidden, forbidden)
	// "write read" is a write token.
	both := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": "write read"})
	w.expect(t, "PATCH", read.URL, servertest.Bearer(both.Token), map[string]any{"description": "x"}, http.StatusOK)
	// Narrowing a token's scope binds its next request.
	w.expect(t, "PATCH", both.URL, servertest.Bearer(both.Token), map[string]any{"scope": "read"}, http.StatusOK)
	w.expect(t, "PATCH", read.URL, servertest.Bearer(both.Token), map[string]any{"description": "y"}, http.StatusForbidden)
}

func TestTokenRequiresAuthentication(t *testing.T) {
	w := newWorld(t)
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v2/tokens/"}, {"POST", "/api/v2/tokens/"}, {"GET", "/api/v2/tokens/1/"},
		{"POST", "/api/v2/users/0/tokens/"}, {"GET", "/api/v2/applications/"},
	} {
		resp := w.Do(t, c.method, c.path, nil, map[string]any{})
		if resp.Status != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s %s without credentials: %d %s", c.method, c.path, resp.Status, resp.Body)
		}
	}
	// An expired token is refused.
	expired := w.CreateToken(t, w.Admin.User.ID, nil, "write", time.Now().Add(-time.Minute))
	w.expect(t, "GET", "/api/v2/tokens/", servertest.Bearer(expired), nil, http.StatusUnauthorized)
}

// Creates, updates and deletes of tokens and applications leave activity
// stream entries, and none of them holds a secret.
func TestOAuthActivityHasNoSecrets(t *testing.T) {
	w := newWorld(t)
	tok := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"application": w.AppID})
	w.expect(t, "PATCH", tok.URL, w.Admin.auth(), map[string]any{"scope": "read"}, http.StatusOK)
	w.expect(t, "DELETE", tok.URL, w.Admin.auth(), nil, http.StatusNoContent)
	acts, _, err := w.Store.ListActivity(context.Background(), store.Query{})
	if err != nil {
		t.Fatal(err)
	}
	ops := map[string]int{}
	for _, a := range acts {
		if strings.Contains(string(a.Changes), tok.Token) || strings.Contains(string(a.Changes), *tok.RefreshToken) {
			t.Errorf("activity %s %s holds a secret: %s", a.Operation, a.ObjectType, a.Changes)
		}
		ops[a.ObjectType+" "+a.Operation]++
	}
	for _, want := range []string{"o_auth2_application create", "o_auth2_access_token create", "o_auth2_access_token update", "o_auth2_access_token delete"} {
		if ops[want] != 1 {
			t.Errorf("%d %q entries, want 1 (all: %v)", ops[want], want, ops)
		}
	}
}
