package server_test

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/servertest"
)

// appJSON is an application as the tests read it; ClientSecret is a
// pointer so an absent key shows as nil.
type appJSON struct {
	ID      int64  `json:"id"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	Related struct {
		NamedURL       *string `json:"named_url"`
		Tokens         string  `json:"tokens"`
		ActivityStream string  `json:"activity_stream"`
		Organization   string  `json:"organization"`
	} `json:"related"`
	SummaryFields struct {
		Organization struct {
			ID          int64  `json:"id"`
			Name        string `json:"name"`
			Description string `json:"description"`
		} `json:"organization"`
		UserCapabilities struct {
			Edit   bool `json:"edit"`
			Delete bool `json:"delete"`
		} `json:"user_capabilities"`
		Tokens struct {
			Count   int `json:"count"`
			Results []struct {
				ID    int64  `json:"id"`
				Token string `json:"token"`
				Scope string `json:"scope"`
			} `json:"results"`
		} `json:"tokens"`
	} `json:"summary_fields"`
	Name                   string  `json:"name"`
	Description            string  `json:"description"`
	ClientID               string  `json:"client_id"`
	ClientSecret           *string `json:"client_secret"`
	ClientType             string  `json:"client_type"`
	RedirectURIs           string  `json:"redirect_uris"`
	AuthorizationGrantType string  `json:"authorization_grant_type"`
	SkipAuthorization      bool    `json:"skip_authorization"`
	Organization           int64   `json:"organization"`
}

var (
	clientIDRE     = regexp.MustCompile(`^[a-zA-Z0-9]{40}$`)
	clientSecretRE = regexp.MustCompile(`^[a-zA-Z0-9]{128}$`)
)

const forbiddenBody = `{"detail":"You do not have permission to perform this action."}`

func TestApplicationCreateConfidential(t *testing.T) {
	w := newWorld(t)
	resp := w.expect(t, "POST", "/api/v2/applications/", w.Users["org_admin"].auth(), map[string]any{
		"name": "Web", "description": "d", "organization": w.O.ID, "client_type": "confidential",
		"authorization_grant_type": "authorization-code", "redirect_uris": "https://a.example/cb http://b.example/cb",
		"skip_authorization": true, "client_id": "mine", "client_secret": "mine",
	}, http.StatusCreated)
	wantKeys(t, "application", topKeys(t, resp.Body), []string{"id", "type", "url", "related", "summary_fields", "created", "modified", "name", "description", "client_id", "client_secret", "client_type", "redirect_uris", "authorization_grant_type", "skip_authorization", "organization"})
	wantKeys(t, "related", objectKeys(t, resp.Body, "related"), []string{"named_url", "tokens", "activity_stream", "organization"})
	wantKeys(t, "summary_fields", objectKeys(t, resp.Body, "summary_fields"), []string{"organization", "user_capabilities", "tokens"})
	var app appJSON
	resp.JSON(t, &app)
	if loc := resp.Header.Get("Location"); loc != app.URL || app.URL != appPath(app.ID) {
		t.Errorf("Location %q url %q", loc, app.URL)
	}
	if !clientIDRE.MatchString(app.ClientID) || app.ClientSecret == nil || !clientSecretRE.MatchString(*app.ClientSecret) {
		t.Fatalf("client_id %q client_secret %v", app.ClientID, app.ClientSecret)
	}
	if app.Type != "o_auth2_application" || app.Name != "Web" || app.Description != "d" || !app.SkipAuthorization ||
		app.AuthorizationGrantType != "authorization-code" || app.RedirectURIs != "https://a.example/cb http://b.example/cb" || app.Organization != w.O.ID {
		t.Errorf("created %+v", app)
	}
	if app.Related.NamedURL == nil || *app.Related.NamedURL != "/api/v2/applications/Web++O/" || app.Related.Tokens != app.URL+"tokens/" ||
		app.Related.ActivityStream != app.URL+"activity_stream/" || app.Related.Organization != fmt.Sprintf("/api/v2/organizations/%d/", w.O.ID) {
		t.Errorf("related %+v", app.Related)
	}
	sf := app.SummaryFields
	if sf.Organization.ID != w.O.ID || sf.Organization.Name != "O" || !sf.UserCapabilities.Edit || !sf.UserCapabilities.Delete || sf.Tokens.Count != 0 || sf.Tokens.Results == nil {
		t.Errorf("summary_fields %+v", sf)
	}
	// Only the digest of the secret is stored.
	stored, err := w.Store.ApplicationByID(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if !secret.Equal(stored.ClientSecretDigest, secret.Digest(*app.ClientSecret)) {
		t.Error("stored client secret digest does not match")
	}
	// Censored everywhere after the create response; named_url on the
	// detail only.
	var got appJSON
	w.expect(t, "GET", app.URL, w.Admin.auth(), nil, http.StatusOK).JSON(t, &got)
	if got.ClientSecret == nil || *got.ClientSecret != censored || got.ClientID != app.ClientID {
		t.Errorf("GET client_secret %v", got.ClientSecret)
	}
	if got.Related.NamedURL == nil {
		t.Error("detail lacks named_url")
	}
	var page pageJSON[appJSON]
	w.expect(t, "GET", "/api/v2/applications/?name=Web", w.Admin.auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 1 || page.Results[0].ClientSecret == nil || *page.Results[0].ClientSecret != censored || page.Results[0].Related.NamedURL != nil {
		t.Errorf("list %+v", page)
	}
	w.expect(t, "PATCH", app.URL, w.Admin.auth(), map[string]any{"description": "e"}, http.StatusOK).JSON(t, &got)
	if got.ClientSecret == nil || *got.ClientSecret != censored || got.Description != "e" {
		t.Errorf("PATCH client_secret %v description %q", got.ClientSecret, got.Description)
	}
	if strings.Contains(string(w.expect(t, "GET", app.URL, w.Admin.auth(), nil, http.StatusOK).Body), *app.ClientSecret) {
		t.Error("the clear client secret appears after creation")
	}
	// The named URL finds it.
	w.expect(t, "GET", *app.Related.NamedURL, w.Admin.auth(), nil, http.StatusOK).JSON(t, &got)
	if got.ID != app.ID {
		t.Errorf("named URL gave %d", got.ID)
	}
}

func TestApplicationPublicHasNoSecret(t *testing.T) {
	w := newWorld(t)
	resp := w.expect(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/applications/", w.O.ID), w.Admin.auth(), map[string]any{
		"name": "CLI", "client_type": "public", "authorization_grant_type": "password", "organization": 999,
	}, http.StatusCreated)
	var app appJSON
	resp.JSON(t, &app)
	if app.Organization != w.O.ID {
		t.Errorf("organization %d, want the URL's %d", app.Organization, w.O.ID)
	}
	bodies := [][]byte{
		resp.Body,
		w.expect(t, "GET", app.URL, w.Admin.auth(), nil, http.StatusOK).Body,
		w.expect(t, "GET", "/api/v2/applications/", w.Admin.auth(), nil, http.StatusOK).Body,
		w.expect(t, "PATCH", app.URL, w.Admin.auth(), map[string]any{"name": "CLI2"}, http.StatusOK).Body,
		w.expect(t, "PUT", app.URL, w.Admin.auth(), map[string]any{"name": "CLI3", "client_type": "public", "organization": w.O.ID}, http.StatusOK).Body,
	}
	for i, b := range bodies {
		s := string(b)
		// The list holds the confidential fixture app too; look at CLI's part.
		if j := strings.Index(s, `"name":"CLI`); j >= 0 {
			start := strings.LastIndex(s[:j], `{"id":`)
			end := strings.Index(s[j:], `"organization":`)
			s = s[start : j+end]
		}
		if strings.Contains(s, "client_secret") {
			t.Errorf("response %d shows client_secret for a public app: %s", i, s)
		}
	}
	stored, err := w.Store.ApplicationByID(context.Background(), app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if stored.ClientSecretDigest != nil {
		t.Error("a public application has a stored secret")
	}
	// Switching to confidential makes a secret, shown in that response only.
	var conf appJSON
	w.expect(t, "PATCH", app.URL, w.Admin.auth(), map[string]any{"client_type": "confidential"}, http.StatusOK).JSON(t, &conf)
	if conf.ClientSecret == nil || !clientSecretRE.MatchString(*conf.ClientSecret) {
		t.Fatalf("switch to confidential: client_secret %v", conf.ClientSecret)
	}
	w.expect(t, "GET", app.URL, w.Admin.auth(), nil, http.StatusOK).JSON(t, &conf)
	if conf.ClientSecret == nil || *conf.ClientSecret != censored {
		t.Errorf("after the switch: client_secret %v", conf.ClientSecret)
	}
	// And back to public drops it.
	var pub appJSON
	w.expect(t, "PATCH", app.URL, w.Admin.auth(), map[string]any{"client_type": "public"}, http.StatusOK).JSON(t, &pub)
	if pub.ClientSecret != nil || pub.ClientType != "public" {
		t.Errorf("public again: client_type %q client_secret %v", pub.ClientType, pub.ClientSecret)
	}
}

func TestApplicationValidation(t *testing.T) {
	w := newWorld(t)
	org := w.O.ID
	base := func(extra map[string]any) map[string]any {
		m := map[string]any{"name": "N", "organization": org, "client_type": "public", "authorization_grant_type": "password"}
		for k, v := range extra {
			if v == nil {
				delete(m, k)
			} else {
				m[k] = v
			}
		}
		return m
	}
	cases := []struct {
		name string
		body any
		want string
	}{
		{"empty body", map[string]any{}, `{"client_type":["This field is required."],"authorization_grant_type":["This field is required."],"organization":["This field is required."]}`},
		{"missing client_type", base(map[string]any{"client_type": nil}), `{"client_type":["This field is required."]}`},
		{"missing grant type", base(map[string]any{"authorization_grant_type": nil}), `{"authorization_grant_type":["This field is required."]}`},
		{"missing organization", base(map[string]any{"organization": nil}), `{"organization":["This field is required."]}`},
		{"bad client_type", base(map[string]any{"client_type": "x"}), `{"client_type":["\"x\" is not a valid choice."]}`},
		{"bad grant type", base(map[string]any{"authorization_grant_type": "implicit"}), `{"authorization_grant_type":["\"implicit\" is not a valid choice."]}`},
		{"missing organization pk", base(map[string]any{"organization": 999}), `{"organization":["Invalid pk \"999\" - object does not exist."]}`},
		{"organization not a pk", base(map[string]any{"organization": "O"}), `{"organization":["Incorrect type. Expected pk value, received str."]}`},
		{"duplicate name", base(map[string]any{"name": "App"}), `{"__all__":["Application with this Name and Organization already exists."]}`},
		{"authorization-code without redirect_uris", base(map[string]any{"authorization_grant_type": "authorization-code"}), `{"__all__":["redirect_uris cannot be empty with grant_type authorization-code"]}`},
		{"redirect scheme", base(map[string]any{"redirect_uris": "ftp://x.example/"}), `{"__all__":["Unauthorized redirect scheme: ftp"]}`},
		{"name too long", base(map[string]any{"name": strings.Repeat("n", 256)}), `{"name":["Ensure this field has no more than 255 characters."]}`},
		{"name null", base(map[string]any{"name": []any{}}), `{"name":["Not a valid string."]}`},
		{"skip_authorization", base(map[string]any{"skip_authorization": "maybe"}), `{"skip_authorization":["Must be a valid boolean."]}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantBody(t, w.Do(t, "POST", "/api/v2/applications/", w.Admin.auth(), c.body), http.StatusBadRequest, c.want)
		})
	}
	// The same name in another organization is fine.
	other := w.CreateOrg(t, "Other")
	w.expect(t, "POST", "/api/v2/applications/", w.Admin.auth(), base(map[string]any{"name": "App", "organization": other.ID}), http.StatusCreated)

	// Updates: authorization_grant_type is read-only; PUT needs client_type
	// and organization; renaming onto another app's name is refused.
	var app appJSON
	w.expect(t, "PATCH", appPath(w.AppID), w.Admin.auth(), map[string]any{"authorization_grant_type": "authorization-code", "description": "x"}, http.StatusOK).JSON(t, &app)
	if app.AuthorizationGrantType != "password" || app.Description != "x" {
		t.Errorf("PATCH grant type: %+v", app)
	}
	wantBody(t, w.Do(t, "PUT", appPath(w.AppID), w.Admin.auth(), map[string]any{"name": "App"}), http.StatusBadRequest,
		`{"client_type":["This field is required."],"organization":["This field is required."]}`)
	w.expect(t, "POST", "/api/v2/applications/", w.Admin.auth(), base(map[string]any{"name": "Second"}), http.StatusCreated)
	wantBody(t, w.Do(t, "PATCH", appPath(w.AppID), w.Admin.auth(), map[string]any{"name": "Second"}), http.StatusBadRequest,
		`{"__all__":["Application with this Name and Organization already exists."]}`)
	w.expect(t, "PATCH", appPath(w.AppID), w.Admin.auth(), map[string]any{"name": "App"}, http.StatusOK)
	wantBody(t, w.Do(t, "PATCH", appPath(w.AppID), w.Admin.auth(), `{"client_type": null}`), http.StatusBadRequest, `{"client_type":["This field may not be null."]}`)
}

// Every application row of spec section 6's table, over HTTP.
func TestApplicationRoleTable(t *testing.T) {
	w := newWorld(t)
	path := appPath(w.AppID)
	// Row "read app in O".
	for _, name := range []string{"admin", "org_admin", "org_member", "auditor"} {
		var app appJSON
		w.expect(t, "GET", path, w.Users[name].auth(), nil, http.StatusOK).JSON(t, &app)
		canEdit := name == "admin" || name == "org_admin"
		if app.SummaryFields.UserCapabilities.Edit != canEdit || app.SummaryFields.UserCapabilities.Delete != canEdit {
			t.Errorf("%s: user_capabilities %+v", name, app.SummaryFields.UserCapabilities)
		}
	}
	for _, name := range []string{"alice", "org_auditor"} {
		wantBody(t, w.Do(t, "GET", path, w.Users[name].auth(), nil), http.StatusForbidden, forbiddenBody)
	}
	wantBody(t, w.Do(t, "GET", appPath(999), w.Users["alice"].auth(), nil), http.StatusNotFound, `{"detail":"No OAuth2Application matches the given query."}`)

	// Lists show the same.
	for name, want := range map[string]int{"admin": 1, "org_admin": 1, "org_member": 1, "auditor": 1, "alice": 0, "org_auditor": 0} {
		var page pageJSON[appJSON]
		w.expect(t, "GET", "/api/v2/applications/", w.Users[name].auth(), nil, http.StatusOK).JSON(t, &page)
		if page.Count != want || len(page.Results) != want {
			t.Errorf("%s sees %d applications, want %d", name, page.Count, want)
		}
		w.expect(t, "GET", "/api/v2/users/"+name+"/applications/", w.Users[name].auth(), nil, http.StatusOK).JSON(t, &page)
		if page.Count != want {
			t.Errorf("%s: /users/%s/applications/ count %d, want %d", name, name, page.Count, want)
		}
	}

	// Row "change/delete app": denied ones first.
	for _, name := range []string{"org_member", "alice", "auditor", "org_auditor"} {
		wantBody(t, w.Do(t, "PATCH", path, w.Users[name].auth(), map[string]any{"description": name}), http.StatusForbidden, forbiddenBody)
		wantBody(t, w.Do(t, "PUT", path, w.Users[name].auth(), map[string]any{"name": "App", "client_type": "public", "organization": w.O.ID}), http.StatusForbidden, forbiddenBody)
		wantBody(t, w.Do(t, "DELETE", path, w.Users[name].auth(), nil), http.StatusForbidden, forbiddenBody)
	}
	for _, name := range []string{"admin", "org_admin"} {
		w.expect(t, "PATCH", path, w.Users[name].auth(), map[string]any{"description": name}, http.StatusOK)
	}
	// org_admin may not move the app to an organization they do not
	// administer; the superuser may.
	p := w.CreateOrg(t, "P")
	w.Grant(t, p.ID, "member", w.Users["org_admin"].User.ID)
	wantBody(t, w.Do(t, "PATCH", path, w.Users["org_admin"].auth(), map[string]any{"organization": p.ID}), http.StatusForbidden, forbiddenBody)

	// Row "add app in O".
	add := func(name string) *servertest.Response {
		return w.Do(t, "POST", "/api/v2/applications/", w.Users[name].auth(), map[string]any{
			"name": "by " + name, "organization": w.O.ID, "client_type": "public", "authorization_grant_type": "password",
		})
	}
	for _, name := range []string{"admin", "org_admin"} {
		if r := add(name); r.Status != http.StatusCreated {
			t.Errorf("%s add: %d %s", name, r.Status, r.Body)
		}
	}
	for _, name := range []string{"org_member", "alice", "auditor", "org_auditor"} {
		wantBody(t, add(name), http.StatusForbidden, forbiddenBody)
	}
	// Through the organization too: a member sees O but may not add to it;
	// alice may not see O at all.
	orgApps := fmt.Sprintf("/api/v2/organizations/%d/applications/", w.O.ID)
	body := map[string]any{"name": "x", "client_type": "public", "authorization_grant_type": "password"}
	wantBody(t, w.Do(t, "POST", orgApps, w.Users["org_member"].auth(), body), http.StatusForbidden, forbiddenBody)
	wantBody(t, w.Do(t, "POST", orgApps, w.Users["alice"].auth(), body), http.StatusForbidden, forbiddenBody)
	w.expect(t, "POST", orgApps, w.Users["org_admin"].auth(), body, http.StatusCreated)
	var page pageJSON[appJSON]
	w.expect(t, "GET", orgApps, w.Users["org_member"].auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 4 {
		t.Errorf("O's applications: %d, want 4", page.Count)
	}
	w.expect(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/applications/", p.ID), w.Users["org_admin"].auth(), nil, http.StatusOK).JSON(t, &page)
	if page.Count != 0 {
		t.Errorf("P's applications: %d, want 0", page.Count)
	}

	w.expect(t, "PATCH", path, w.Admin.auth(), map[string]any{"organization": p.ID}, http.StatusOK)
	w.expect(t, "PATCH", path, w.Admin.auth(), map[string]any{"organization": w.O.ID}, http.StatusOK)
	w.expect(t, "DELETE", path, w.Users["org_admin"].auth(), nil, http.StatusNoContent)
	w.expect(t, "GET", path, w.Admin.auth(), nil, http.StatusNotFound)
}

// A read-scoped caller is told it can change nothing.
func TestApplicationCapabilitiesReadScope(t *testing.T) {
	w := newWorld(t)
	read := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"scope": "read"})
	var app appJSON
	w.expect(t, "GET", appPath(w.AppID), servertest.Bearer(read.Token), nil, http.StatusOK).JSON(t, &app)
	if app.SummaryFields.UserCapabilities.Edit || app.SummaryFields.UserCapabilities.Delete {
		t.Errorf("read-scoped superuser: %+v", app.SummaryFields.UserCapabilities)
	}
	w.expect(t, "GET", appPath(w.AppID), w.Admin.basic(), nil, http.StatusOK).JSON(t, &app)
	if !app.SummaryFields.UserCapabilities.Edit || !app.SummaryFields.UserCapabilities.Delete {
		t.Errorf("Basic superuser: %+v", app.SummaryFields.UserCapabilities)
	}
}

// summary_fields.tokens counts all of the app's tokens and lists the first
// ten by id, censored; deleting the app takes its tokens with it.
func TestApplicationTokenSummaryAndDelete(t *testing.T) {
	w := newWorld(t)
	var ids []int64
	for i := range 12 {
		scope := "write"
		if i%2 == 1 {
			scope = "read"
		}
		tok := w.createToken(t, appPath(w.AppID)+"tokens/", w.Users["org_member"].auth(), map[string]any{"scope": scope})
		ids = append(ids, tok.ID)
	}
	var app appJSON
	w.expect(t, "GET", appPath(w.AppID), w.Admin.auth(), nil, http.StatusOK).JSON(t, &app)
	tk := app.SummaryFields.Tokens
	if tk.Count != 12 || len(tk.Results) != 10 {
		t.Fatalf("tokens summary count %d results %d", tk.Count, len(tk.Results))
	}
	for i, r := range tk.Results {
		if r.ID != ids[i] || r.Token != censored || (r.Scope == "read") != (i%2 == 1) {
			t.Errorf("summary token %d: %+v", i, r)
		}
	}
	tok := w.createToken(t, "/api/v2/tokens/", w.Admin.auth(), map[string]any{"application": w.AppID})
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusOK)
	resp := w.expect(t, "DELETE", "/api/v2/applications/App++O/", w.Admin.auth(), nil, http.StatusNoContent)
	if len(resp.Body) != 0 {
		t.Errorf("204 with body %q", resp.Body)
	}
	w.expect(t, "GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil, http.StatusUnauthorized)
	w.expect(t, "GET", tokenPath(ids[0]), w.Admin.auth(), nil, http.StatusNotFound)
}

func TestApplicationNamedURLs(t *testing.T) {
	w := newWorld(t)
	org := w.CreateOrg(t, "R&D+1")
	var app appJSON
	w.expect(t, "POST", "/api/v2/applications/", w.Admin.auth(), map[string]any{
		"name": "a/b+c d", "organization": org.ID, "client_type": "public", "authorization_grant_type": "password",
	}, http.StatusCreated).JSON(t, &app)
	if app.Related.NamedURL == nil {
		t.Fatal("no named_url")
	}
	if want := "/api/v2/applications/a%2Fb[+]c d++R%26D[+]1/"; *app.Related.NamedURL != want {
		t.Errorf("named_url %q, want %q", *app.Related.NamedURL, want)
	}
	// A client follows the link as given, escaping only the space.
	var got appJSON
	w.expect(t, "GET", strings.ReplaceAll(*app.Related.NamedURL, " ", "%20"), w.Admin.auth(), nil, http.StatusOK).JSON(t, &got)
	if got.ID != app.ID {
		t.Errorf("named URL %s gave %d, want %d", *app.Related.NamedURL, got.ID, app.ID)
	}
	for _, bad := range []string{"/api/v2/applications/nope++O/", "/api/v2/applications/App++nope/", "/api/v2/applications/App/"} {
		w.expect(t, "GET", bad, w.Admin.auth(), nil, http.StatusNotFound)
	}
}

// Application lists: default order (organization name, then name), search
// over name and description, AWX's filter errors.
func TestApplicationListQuery(t *testing.T) {
	w := newWorld(t)
	a := w.CreateOrg(t, "A-first")
	for _, c := range []struct {
		name, desc string
		org        int64
	}{{"zeta", "", a.ID}, {"beta", "has a Needle", w.O.ID}, {"alpha", "", a.ID}} {
		w.expect(t, "POST", "/api/v2/applications/", w.Admin.auth(), map[string]any{
			"name": c.name, "description": c.desc, "organization": c.org, "client_type": "public", "authorization_grant_type": "password",
		}, http.StatusCreated)
	}
	names := func(path string) []string {
		var page pageJSON[appJSON]
		w.expect(t, "GET", path, w.Admin.auth(), nil, http.StatusOK).JSON(t, &page)
		var out []string
		for _, app := range page.Results {
			out = append(out, app.Name)
		}
		return out
	}
	wantKeys(t, "default order", names("/api/v2/applications/"), []string{"alpha", "zeta", "App", "beta"})
	wantKeys(t, "order_by=-name", names("/api/v2/applications/?order_by=-name"), []string{"zeta", "beta", "alpha", "App"})
	wantKeys(t, "search description", names("/api/v2/applications/?search=needle"), []string{"beta"})
	wantKeys(t, "search name", names("/api/v2/applications/?search=ALP"), []string{"alpha"})
	wantKeys(t, "page 2", names("/api/v2/applications/?page_size=3&page=2"), []string{"beta"})
	wantBody(t, w.Do(t, "GET", "/api/v2/applications/?foo=1", w.Admin.auth(), nil), http.StatusBadRequest, `{"detail":"OAuth2Application has no field named 'foo'"}`)
	wantBody(t, w.Do(t, "GET", "/api/v2/applications/?client_secret=x", w.Admin.auth(), nil), http.StatusForbidden, `{"detail":"Filtering on client_secret is not allowed."}`)
	wantBody(t, w.Do(t, "GET", "/api/v2/applications/?page=9", w.Admin.auth(), nil), http.StatusNotFound, `{"detail":"Invalid page."}`)
}

// Bodies that are not JSON get AWX's 415 and 400, not a 500.
func TestOAuthResourceBadBodies(t *testing.T) {
	w := newWorld(t)
	for _, path := range []string{"/api/v2/tokens/", "/api/v2/users/0/tokens/", "/api/v2/applications/"} {
		r := w.Request(t, "POST", path, w.Admin.auth(), "application/x-www-form-urlencoded", strings.NewReader("scope=read"))
		wantBody(t, r, http.StatusUnsupportedMediaType, `{"detail":"You did not use correct Content-Type in your HTTP request. If you are using our REST API, the Content-Type must be application/json"}`)
		if r := w.Do(t, "POST", path, w.Admin.auth(), `{"scope":`); r.Status != http.StatusBadRequest || !strings.HasPrefix(r.Detail(t), "JSON parse error - ") {
			t.Errorf("%s with broken JSON: %d %s", path, r.Status, r.Body)
		}
		wantBody(t, w.Do(t, "POST", path, w.Admin.auth(), `"x"`), http.StatusBadRequest, `{"detail":"JSON parse error - not a JSON object"}`)
	}
	wantBody(t, w.Do(t, "PATCH", appPath(w.AppID), w.Admin.auth(), `[]`), http.StatusBadRequest, `{"detail":"JSON parse error - not a JSON object"}`)
}
