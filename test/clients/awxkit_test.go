package clients_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
)

// requestsHeaders are python-requests' defaults (requests.utils.
// default_headers), which every awxkit request carries.
func requestsHeaders() map[string]string {
	return map[string]string{
		"User-Agent":      "python-requests/2.31.0",
		"Accept-Encoding": "gzip, deflate",
		"Accept":          "*/*",
		"Connection":      "keep-alive",
	}
}

// awxkitPersonalTokenRequest is what Base._request_token sends without a
// client id: HTTPBasicAuth(username, password) into the headers, requests'
// json= body (json.dumps with its default ", " and ": " separators), and
// Connection.request's Referer (X-CSRFToken is None without a csrftoken
// cookie, and requests drops None headers).
func awxkitPersonalTokenRequest(srv *servertest.Server, target, username, password, description, scope string) wire {
	h := requestsHeaders()
	h["Authorization"] = basicAuth(username, password)
	h["Content-Type"] = "application/json"
	h["Referer"] = srv.URL + target
	return wire{
		Method: "POST",
		Target: target,
		Header: h,
		Body:   `{"description": "` + description + `", "application": null, "scope": "` + scope + `"}`,
	}
}

// awxkitLogin runs awxkit's get_oauth2_token without a client id (what `awx
// login` does): first the gateway's /api/gateway/v1/tokens/, and on its 404
// only, AWX's /api/v2/users/{username}/personal_tokens/. awxkit releases
// before the gateway fallback (24.6.1) send the second request alone.
func awxkitLogin(t *testing.T, srv *servertest.Server, username, password, description, scope string) *answer {
	t.Helper()
	probe := send(t, srv, awxkitPersonalTokenRequest(srv, "/api/gateway/v1/tokens/", username, password, description, scope))
	// exception_from_status_code(404) is exc.NotFound, the only error
	// awxkit falls back on; anything else ends the login.
	probe.expect(t, 404, "awxkit's gateway probe POST /api/gateway/v1/tokens/")
	return send(t, srv, awxkitPersonalTokenRequest(srv, "/api/v2/users/"+username+"/personal_tokens/", username, password, description, scope))
}

func TestAwxkitLoginPersonalToken(t *testing.T) {
	srv := servertest.Start(t)
	alice := srv.CreateUser(t, "alice.smith@example.com", "alice-secret-pw", false)

	for _, tc := range []struct {
		name, username, password string
		ownerID                  int64
		description, scope       string
	}{
		// `awx login` with its defaults: description "AWX CLI", scope write.
		{"superuser", srv.AdminUsername, srv.AdminPassword, srv.AdminID, "AWX CLI", "write"},
		// A plain user whose username is an email address (AWX allows
		// @ . + - _), as it appears in the named URL.
		{"user", alice.Username, "alice-secret-pw", alice.ID, "laptop", "read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := awxkitLogin(t, srv, tc.username, tc.password, tc.description, tc.scope)
			a.expect(t, 201, "POST personal_tokens")
			a.jsonContent(t, "POST personal_tokens")
			var tok tokenJSON
			a.decode(t, &tok)
			checkNewToken(t, tok, tc.ownerID, "awxkit login")
			if tok.Application != nil || tok.RefreshToken != nil {
				t.Errorf("a personal token has application %v and refresh_token %v, want null and null", tok.Application, tok.RefreshToken)
			}
			if tok.Description != tc.description || tok.Scope != tc.scope {
				t.Errorf("description %q scope %q, want %q %q", tok.Description, tok.Scope, tc.description, tc.scope)
			}
			if loc := a.Header.Get("Location"); loc != tok.URL {
				t.Errorf("Location %q, want %q", loc, tok.URL)
			}

			// The `awx` command line then reads /api/ and /api/v2/ (without
			// credentials: connect() runs before authenticate()), and sends
			// the token as Token_Auth's "Bearer <token>".
			root := send(t, srv, wire{Method: "GET", Target: "/api/", Header: requestsHeaders()})
			root.expect(t, 200, "GET /api/")
			var rootBody struct {
				AvailableVersions map[string]string `json:"available_versions"`
			}
			root.decode(t, &rootBody)
			if rootBody.AvailableVersions["v2"] != "/api/v2/" {
				t.Fatalf("GET /api/: available_versions %v, want v2 /api/v2/", rootBody.AvailableVersions)
			}
			v2 := send(t, srv, wire{Method: "GET", Target: "/api/v2/", Header: requestsHeaders()})
			v2.expect(t, 200, "GET /api/v2/")
			var resources map[string]any
			v2.decode(t, &resources)
			for _, k := range []string{"me", "users", "organizations", "applications", "tokens"} {
				if resources[k] != "/api/v2/"+k+"/" {
					t.Errorf("GET /api/v2/: %q is %v, want /api/v2/%s/", k, resources[k], k)
				}
			}

			h := requestsHeaders()
			h["Authorization"] = "Bearer " + tok.Token
			me := send(t, srv, wire{Method: "GET", Target: "/api/v2/me/", Header: h})
			me.expect(t, 200, "GET /api/v2/me/ with the new token")
			var mePage struct {
				Count   int `json:"count"`
				Results []struct {
					ID       int64  `json:"id"`
					Username string `json:"username"`
				} `json:"results"`
			}
			me.decode(t, &mePage)
			if mePage.Count != 1 || len(mePage.Results) != 1 || mePage.Results[0].ID != tc.ownerID || mePage.Results[0].Username != tc.username {
				t.Errorf("GET /api/v2/me/ = %+v, want %s (%d)", mePage, tc.username, tc.ownerID)
			}
			if v := me.Header.Get("X-API-Product-Version"); v == "" {
				t.Error("authenticated answer without X-API-Product-Version")
			}
		})
	}
}

// A wrong password is a 401 at personal_tokens (awxkit raises
// Unauthorized); the gateway probe before it is still a 404, since an
// unrouted path answers 404 whatever the credentials.
func TestAwxkitLoginWrongPassword(t *testing.T) {
	srv := servertest.Start(t)
	probe := send(t, srv, awxkitPersonalTokenRequest(srv, "/api/gateway/v1/tokens/", srv.AdminUsername, "not-the-password", "AWX CLI", "write"))
	probe.expect(t, 404, "gateway probe with a wrong password")
	a := send(t, srv, awxkitPersonalTokenRequest(srv, "/api/v2/users/"+srv.AdminUsername+"/personal_tokens/", srv.AdminUsername, "not-the-password", "AWX CLI", "write"))
	a.expect(t, 401, "personal_tokens with a wrong password")
	var body struct {
		Detail string `json:"detail"`
	}
	a.decode(t, &body)
	if body.Detail != "Invalid username/password. To establish a login session, visit /api/login/." {
		t.Errorf("detail %q", body.Detail)
	}
	if !strings.HasPrefix(a.Header.Get("WWW-Authenticate"), "Bearer realm=api") {
		t.Errorf("WWW-Authenticate %q", a.Header.Get("WWW-Authenticate"))
	}
}

// The probes awxkit sends before falling back are 404s with AWX's body,
// with or without credentials: the gateway's token endpoints and the
// gateway's OAuth2 token endpoint /o/token/ (awxkit's first try when given
// a client id, a form post).
func TestAwxkitProbesAreNotFound(t *testing.T) {
	srv := servertest.Start(t)
	form := url.Values{"grant_type": {"password"}, "username": {srv.AdminUsername}, "password": {srv.AdminPassword}, "scope": {"write"}}.Encode()
	for _, w := range []wire{
		awxkitPersonalTokenRequest(srv, "/api/gateway/v1/tokens/", srv.AdminUsername, srv.AdminPassword, "AWX CLI", "write"),
		{Method: "POST", Target: "/api/gateway/v1/tokens/", Header: map[string]string{"Content-Type": "application/json"}, Body: `{}`},
		{Method: "POST", Target: "/o/token/", Header: map[string]string{
			"Authorization": basicAuth("some-client-id", "some-client-secret"),
			"Content-Type":  "application/x-www-form-urlencoded",
		}, Body: form},
		{Method: "POST", Target: "/o/token/", Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, Body: form + "&client_id=some-client-id"},
	} {
		a := send(t, srv, w)
		a.expect(t, 404, w.Method+" "+w.Target)
		var body struct {
			Detail string `json:"detail"`
		}
		a.decode(t, &body)
		if body.Detail != "The requested resource could not be found." {
			t.Errorf("%s %s: detail %q", w.Method, w.Target, body.Detail)
		}
	}
}

// awx login --conf.client_id ID [--conf.client_secret SECRET]: awxkit's
// Base._request_token posts a password grant, form-encoded, first to the
// gateway's /o/token/ and, on its 404, to AWX's /api/o/token/. A
// confidential client authenticates with Basic client_id:client_secret; a
// public one sends client_id in the form. awxkit returns access_token.
func TestAwxkitLoginApplication(t *testing.T) {
	srv := servertest.Start(t)
	org := srv.CreateOrg(t, "Default")

	for _, clientType := range []string{"confidential", "public"} {
		t.Run(clientType, func(t *testing.T) {
			a := send(t, srv, psmJSON(srv.AdminToken, "POST", "/api/v2/applications/", fmt.Sprintf(
				`{"name":"cli-%s","organization":%d,"authorization_grant_type":"password","client_type":%q}`, clientType, org.ID, clientType)))
			a.expect(t, 201, "POST /api/v2/applications/")
			var app struct {
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			}
			a.decode(t, &app)

			h := requestsHeaders()
			h["Content-Type"] = "application/x-www-form-urlencoded"
			var body string
			if clientType == "confidential" {
				h["Authorization"] = basicAuth(app.ClientID, app.ClientSecret)
				body = "grant_type=password&username=" + url.QueryEscape(srv.AdminUsername) + "&password=" + url.QueryEscape(srv.AdminPassword) + "&scope=write"
			} else {
				body = "grant_type=password&username=" + url.QueryEscape(srv.AdminUsername) + "&password=" + url.QueryEscape(srv.AdminPassword) + "&client_id=" + app.ClientID + "&scope=write"
			}
			for _, target := range []string{"/o/token/", "/api/o/token/"} {
				h["Referer"] = srv.URL + target
				a = send(t, srv, wire{Method: "POST", Target: target, Header: h, Body: body})
				if target == "/o/token/" {
					a.expect(t, 404, "awxkit's probe POST /o/token/")
				}
			}
			a.expect(t, 200, "POST /api/o/token/")
			var grant struct {
				AccessToken  string `json:"access_token"`
				TokenType    string `json:"token_type"`
				Scope        string `json:"scope"`
				RefreshToken string `json:"refresh_token"`
				ExpiresIn    int64  `json:"expires_in"`
			}
			a.decode(t, &grant)
			if len(grant.AccessToken) != 30 || grant.TokenType != "Bearer" || grant.Scope != "write" || len(grant.RefreshToken) != 30 {
				t.Errorf("grant = %+v", grant)
			}
			if a.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", a.Header.Get("Cache-Control"))
			}
			me := requestsHeaders()
			me["Authorization"] = "Bearer " + grant.AccessToken
			send(t, srv, wire{Method: "GET", Target: "/api/v2/me/", Header: me}).expect(t, 200, "GET /api/v2/me/ with the granted token")
		})
	}
}
