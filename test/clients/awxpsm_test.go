package clients_test

import (
	"fmt"
	"strconv"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

// AWX.psm's HttpClient (RestAPI.Client): Accept application/json and the
// configured token as "Bearer <token>"; no User-Agent, no Accept-Encoding,
// no cookies. Bodies are StringContent(json, UTF8, "application/json"),
// whose Content-Type is "application/json; charset=utf-8", serialized by
// System.Text.Json: compact, and with its default encoder, which escapes
// HTML-sensitive characters (< > & ' +) and non-ASCII as \uXXXX.
func psmHeaders(token string) map[string]string {
	h := map[string]string{"Accept": "application/json"}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return h
}

func psmJSON(token, method, target, body string) wire {
	h := psmHeaders(token)
	h["Content-Type"] = "application/json; charset=utf-8"
	return wire{Method: method, Target: target, Header: h, Body: body}
}

func psmGet(token, target string) wire {
	return wire{Method: "GET", Target: target, Header: psmHeaders(token)}
}

// New-ApiConfig checks the token with GET /api/v2/me/ and prints
// "Success: {username}({email})"; ApiConfig saves the user's id and name.
func TestAWXpsmNewApiConfig(t *testing.T) {
	srv := servertest.Start(t)
	a := send(t, srv, psmGet(srv.AdminToken, "/api/v2/me/"))
	a.expect(t, 200, "GET /api/v2/me/")
	a.jsonContent(t, "GET /api/v2/me/")
	var me struct {
		Count   int `json:"count"`
		Results []struct {
			ID       int64  `json:"id"`
			Type     string `json:"type"`
			Username string `json:"username"`
			Email    *string
		} `json:"results"`
	}
	a.decode(t, &me)
	if me.Count != 1 || len(me.Results) != 1 || me.Results[0].ID != srv.AdminID || me.Results[0].Username != srv.AdminUsername || me.Results[0].Type != "user" {
		t.Errorf("GET /api/v2/me/ = %+v", me)
	}
	if me.Results[0].Email == nil {
		t.Error("me has no email key (New-ApiConfig prints it)")
	}

	// A bad token: 401, and New-ApiConfig keeps the previous configuration.
	bad := send(t, srv, psmGet("0123456789abcdefghijABCDEFGHIJ", "/api/v2/me/"))
	bad.expect(t, 401, "GET /api/v2/me/ with an unknown token")
}

// New-Token -ForMe: POST /api/v2/users/0/tokens/ (a literal 0), for every
// user (spec D.3: AWX itself answers 404 there to non-superusers).
func TestAWXpsmNewTokenForMe(t *testing.T) {
	srv := servertest.Start(t)
	org := srv.CreateOrg(t, "Default")
	alice := srv.CreateUser(t, "alice", "alice-secret-pw", false)
	srv.Grant(t, org.ID, store.RoleMember, alice.ID)
	aliceToken := srv.CreatePAT(t, alice.ID, "write")
	app := createApp(t, srv, org.ID, "ci")

	for _, tc := range []struct {
		name    string
		token   string
		ownerID int64
		body    string
		app     *int64
		desc    string
		scope   string
	}{
		// New-Token -ForMe -Scope write -Description "Parsonal Access Token"
		{"superuser", srv.AdminToken, srv.AdminID, `{"description":"Parsonal Access Token","scope":"write"}`, nil, "Parsonal Access Token", "write"},
		// New-Token -ForMe -Scope read (no -Description: the key is absent)
		{"user", aliceToken, alice.ID, `{"scope":"read"}`, nil, "", "read"},
		// New-Token -ForMe -Application N: the id after the scope.
		{"user with application", aliceToken, alice.ID, `{"scope":"write","application":` + strconv.FormatInt(app, 10) + `}`, &app, "", "write"},
		// -Description with characters System.Text.Json escapes.
		{"escaped description", aliceToken, alice.ID, `{"description":"Jenkins \u003CCI\u003E \u0026 \u0027deploys\u0027 \u002B caf\u00E9","scope":"write"}`, nil, "Jenkins <CI> & 'deploys' + café", "write"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, srv, psmJSON(tc.token, "POST", "/api/v2/users/0/tokens/", tc.body))
			a.expect(t, 201, "POST /api/v2/users/0/tokens/")
			a.jsonContent(t, "POST /api/v2/users/0/tokens/")
			var tok tokenJSON
			a.decode(t, &tok)
			checkNewToken(t, tok, tc.ownerID, "New-Token -ForMe")
			if tok.Description != tc.desc || tok.Scope != tc.scope {
				t.Errorf("description %q scope %q, want %q %q", tok.Description, tok.Scope, tc.desc, tc.scope)
			}
			switch {
			case tc.app == nil && (tok.Application != nil || tok.RefreshToken != nil):
				t.Errorf("PAT with application %v refresh_token %v", tok.Application, tok.RefreshToken)
			case tc.app != nil && (tok.Application == nil || *tok.Application != *tc.app || tok.RefreshToken == nil || len(*tok.RefreshToken) != 30):
				t.Errorf("application token: application %v refresh_token %v, want %d and a clear refresh token", tok.Application, tok.RefreshToken, *tc.app)
			}
			// The new token works at once (the module's next calls use it).
			send(t, srv, psmGet(tok.Token, "/api/v2/me/")).expect(t, 200, "GET /api/v2/me/ with the new token")
		})
	}
}

// New-Token -Application N: POST /api/v2/applications/N/tokens/.
func TestAWXpsmNewTokenForApplication(t *testing.T) {
	srv := servertest.Start(t)
	org := srv.CreateOrg(t, "Default")
	app := createApp(t, srv, org.ID, "deploys")

	a := send(t, srv, psmJSON(srv.AdminToken, "POST", fmt.Sprintf("/api/v2/applications/%d/tokens/", app), `{"description":"x","scope":"read"}`))
	a.expect(t, 201, "POST /api/v2/applications/N/tokens/")
	a.jsonContent(t, "POST /api/v2/applications/N/tokens/")
	var tok tokenJSON
	a.decode(t, &tok)
	checkNewToken(t, tok, srv.AdminID, "New-Token -Application")
	if tok.Application == nil || *tok.Application != app || tok.RefreshToken == nil || len(*tok.RefreshToken) != 30 || tok.Scope != "read" || tok.Description != "x" {
		t.Errorf("application token = %+v", tok)
	}
}

// Get-Token with one id reads the detail; with several, one list call:
// id__in joined with commas, which .NET's HttpUtility encodes as %2c, and
// page_size the number of ids.
func TestAWXpsmGetToken(t *testing.T) {
	srv := servertest.Start(t)
	ids := make([]int64, 4)
	for i := range ids {
		ids[i] = createPAT(t, srv, fmt.Sprintf("t%d", i))
	}

	one := send(t, srv, psmGet(srv.AdminToken, fmt.Sprintf("/api/v2/tokens/%d/", ids[1])))
	one.expect(t, 200, "GET /api/v2/tokens/N/")
	var tok tokenJSON
	one.decode(t, &tok)
	if tok.ID != ids[1] || tok.Token != censored || tok.Description != "t1" {
		t.Errorf("GET /api/v2/tokens/%d/ = %+v", ids[1], tok)
	}

	target := fmt.Sprintf("/api/v2/tokens/?id__in=%d%%2c%d%%2c%d&page_size=3", ids[0], ids[2], ids[3])
	many := send(t, srv, psmGet(srv.AdminToken, target))
	many.expect(t, 200, "GET "+target)
	many.jsonContent(t, "GET "+target)
	var page tokenPage
	many.decode(t, &page)
	if page.Count != 3 || len(page.Results) != 3 || page.Next != nil {
		t.Fatalf("GET %s: count %d, %d results, next %v; want 3, 3, null", target, page.Count, len(page.Results), page.Next)
	}
	for i, want := range []int64{ids[0], ids[2], ids[3]} {
		if page.Results[i].ID != want || page.Results[i].Token != censored {
			t.Errorf("result %d: id %d token %q, want id %d masked", i, page.Results[i].ID, page.Results[i].Token, want)
		}
	}

	// A missing id is AWX's 404 (Get-Token reports it as an error).
	missing := send(t, srv, psmGet(srv.AdminToken, "/api/v2/tokens/999999/"))
	missing.expect(t, 404, "GET a missing token")
	var body struct {
		Detail string `json:"detail"`
	}
	missing.decode(t, &body)
	if body.Detail != "No OAuth2AccessToken matches the given query." {
		t.Errorf("detail %q", body.Detail)
	}
}

// Find-Token: -TokenType Personal adds application=null, Authorized
// not__application=null, before order_by (default id; "!x" becomes "-x"),
// page_size (-Count, default 20) and page; -All follows "next" as given.
func TestAWXpsmFindToken(t *testing.T) {
	srv := servertest.Start(t)
	org := srv.CreateOrg(t, "Default")
	app := createApp(t, srv, org.ID, "ci")
	// The admin's own test token is the first personal token.
	pats := adminTokenIDs(t, srv)
	for i := 0; i < 2; i++ {
		pats = append(pats, createPAT(t, srv, fmt.Sprintf("pat %d", i)))
	}
	var appTokens []int64
	for i := 0; i < 2; i++ {
		a := send(t, srv, psmJSON(srv.AdminToken, "POST", fmt.Sprintf("/api/v2/applications/%d/tokens/", app), `{"scope":"write"}`))
		a.expect(t, 201, "POST application token")
		var tok tokenJSON
		a.decode(t, &tok)
		appTokens = append(appTokens, tok.ID)
	}

	ids := func(p tokenPage) []int64 {
		var out []int64
		for _, r := range p.Results {
			out = append(out, r.ID)
		}
		return out
	}
	find := func(target string) tokenPage {
		t.Helper()
		a := send(t, srv, psmGet(srv.AdminToken, target))
		a.expect(t, 200, "GET "+target)
		a.jsonContent(t, "GET "+target)
		var p tokenPage
		a.decode(t, &p)
		return p
	}

	if got := ids(find("/api/v2/tokens/?application=null&order_by=id&page_size=20&page=1")); fmt.Sprint(got) != fmt.Sprint(pats) {
		t.Errorf("Find-Token -TokenType Personal: %v, want %v", got, pats)
	}
	if got := ids(find("/api/v2/tokens/?not__application=null&order_by=-id&page_size=20&page=1")); fmt.Sprint(got) != fmt.Sprint([]int64{appTokens[1], appTokens[0]}) {
		t.Errorf("Find-Token -TokenType Authorized -OrderBy !id: %v, want %v", got, []int64{appTokens[1], appTokens[0]})
	}
	if got := ids(find(fmt.Sprintf("/api/v2/users/%d/tokens/?application=null&order_by=id&page_size=20&page=1", srv.AdminID))); fmt.Sprint(got) != fmt.Sprint(pats) {
		t.Errorf("Find-Token -Type User -Id %d -TokenType Personal: %v, want %v", srv.AdminID, got, pats)
	}
	// For an application the token type is ignored: no filter is sent.
	if got := ids(find(fmt.Sprintf("/api/v2/applications/%d/tokens/?order_by=id&page_size=20&page=1", app))); fmt.Sprint(got) != fmt.Sprint(appTokens) {
		t.Errorf("Find-Token -Type OAuth2Application: %v, want %v", got, appTokens)
	}
	if got := ids(find("/api/v2/tokens/?order_by=id&page_size=20&page=1&search=pat+1")); fmt.Sprint(got) != fmt.Sprint([]int64{pats[2]}) {
		t.Errorf("Find-Token -Search 'pat 1': %v, want %v", got, []int64{pats[2]})
	}

	// -Count 2 -All: follow next, exactly as the server wrote it.
	var all []int64
	target := "/api/v2/tokens/?order_by=id&page_size=2&page=1"
	for pages := 0; target != ""; pages++ {
		if pages > 5 {
			t.Fatal("next links do not end")
		}
		p := find(target)
		if p.Count != len(pats)+len(appTokens) {
			t.Errorf("GET %s: count %d", target, p.Count)
		}
		all = append(all, ids(p)...)
		target = ""
		if p.Next != nil {
			target = *p.Next
		}
	}
	want := append(append([]int64{}, pats...), appTokens...)
	if fmt.Sprint(all) != fmt.Sprint(want) {
		t.Errorf("Find-Token -Count 2 -All: %v, want %v", all, want)
	}
}

// Update-Token sends only the given fields with PATCH; Remove-Token a bare
// DELETE, whose 204 it reads as an empty string.
func TestAWXpsmUpdateAndRemoveToken(t *testing.T) {
	srv := servertest.Start(t)
	id := createPAT(t, srv, "before")
	path := fmt.Sprintf("/api/v2/tokens/%d/", id)

	a := send(t, srv, psmJSON(srv.AdminToken, "PATCH", path, `{"description":"after"}`))
	a.expect(t, 200, "PATCH description")
	a.jsonContent(t, "PATCH")
	var tok tokenJSON
	a.decode(t, &tok)
	if tok.Description != "after" || tok.Scope != "write" || tok.Token != censored {
		t.Errorf("after PATCH description: %+v", tok)
	}
	a = send(t, srv, psmJSON(srv.AdminToken, "PATCH", path, `{"description":"","scope":"read"}`))
	a.expect(t, 200, "PATCH description and scope")
	a.decode(t, &tok)
	if tok.Description != "" || tok.Scope != "read" {
		t.Errorf("after PATCH description and scope: %+v", tok)
	}

	d := send(t, srv, wire{Method: "DELETE", Target: path, Header: psmHeaders(srv.AdminToken)})
	d.expect(t, 204, "DELETE "+path)
	if len(d.Body) != 0 {
		t.Errorf("DELETE answered a body: %q", d.Body)
	}
	send(t, srv, psmGet(srv.AdminToken, path)).expect(t, 404, "GET the removed token")
}

// createApp makes a confidential password-grant application in orgID
// through the API and returns its id.
func createApp(t *testing.T, srv *servertest.Server, orgID int64, name string) int64 {
	t.Helper()
	a := send(t, srv, psmJSON(srv.AdminToken, "POST", "/api/v2/applications/", fmt.Sprintf(
		`{"name":%q,"organization":%d,"authorization_grant_type":"password","client_type":"confidential"}`, name, orgID)))
	a.expect(t, 201, "POST /api/v2/applications/")
	var app struct {
		ID int64 `json:"id"`
	}
	a.decode(t, &app)
	return app.ID
}

// createPAT makes a write personal token of the admin through the API and
// returns its id.
func createPAT(t *testing.T, srv *servertest.Server, description string) int64 {
	t.Helper()
	a := send(t, srv, psmJSON(srv.AdminToken, "POST", "/api/v2/tokens/", fmt.Sprintf(`{"description":%q,"scope":"write"}`, description)))
	a.expect(t, 201, "POST /api/v2/tokens/")
	var tok tokenJSON
	a.decode(t, &tok)
	return tok.ID
}

// adminTokenIDs lists the ids of the tokens that exist before a test makes
// its own (the admin's test token).
func adminTokenIDs(t *testing.T, srv *servertest.Server) []int64 {
	t.Helper()
	a := send(t, srv, psmGet(srv.AdminToken, "/api/v2/tokens/"))
	a.expect(t, 200, "GET /api/v2/tokens/")
	var p tokenPage
	a.decode(t, &p)
	var ids []int64
	for _, r := range p.Results {
		ids = append(ids, r.ID)
	}
	return ids
}
