package awx

import (
	"bytes"
	"net/http"
	"regexp"
	"strings"
	"testing"
)

// Secrets that travel in this test; none may appear in -v or --debug output.
const (
	createdToken   = "CreatedClearTokenAbcdef0123456"
	createdRefresh = "CreatedRefreshTokenXyz98765432"
	userPassword   = "UserPassw0rd-Very-Secret"
	basicPassword  = "BasicPassw0rd-Secret"
	querySecret    = "QuerySecretValue42"
	sessionCookie  = "sessionid=SessionCookieValue77"
	grantAccess    = "GrantAccessTokenValue000111"
	grantRefresh   = "GrantRefreshTokenValue222333"
)

func secretServer(t *testing.T, mux *http.ServeMux) {
	mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method == "GET" {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(500)
			w.Write([]byte(`<html><body>debug: token=` + createdToken + ` "password": "` + userPassword + `"</body></html>`))
			return
		}
		w.Header().Set("Set-Cookie", sessionCookie)
		writeJSON(w, 201, `{"id":5,"type":"o_auth2_access_token","description":"x","user":1,"token":"`+createdToken+`","refresh_token":"`+createdRefresh+`","application":2,"scope":"write","nested":{"client_secret":"`+clientSecret+`","list":[{"password":"`+userPassword+`"}]}}`)
	})
	mux.HandleFunc("/api/o/token/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 200, `{"access_token":"`+grantAccess+`","expires_in":10,"token_type":"Bearer","scope":"read","refresh_token":"`+grantRefresh+`"}`)
	})
	mux.HandleFunc("/api/v2/users/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 201, `{"id":9,"username":"bob","password":"$encrypted$"}`)
	})
}

func TestDebugMasksSecrets(t *testing.T) {
	var verbose, debug bytes.Buffer
	c, mux, _ := setup(t, "/awx", WithVerbose(&verbose), WithDebug(&debug))
	secretServer(t, mux)

	tok, _, err := c.Tokens.Create(ctx, TokenCreateRequest{Description: ptr("x"), Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}
	// Masking is for the output only; the caller gets the real values.
	if tok.Token != createdToken || *tok.RefreshToken != createdRefresh {
		t.Errorf("caller got %q / %q", tok.Token, *tok.RefreshToken)
	}
	og, _, err := c.OAuth2.PasswordGrant(ctx, clientID, clientSecret, "alice", userPassword, "read")
	if err != nil || og.AccessToken != grantAccess {
		t.Fatalf("PasswordGrant = %v, %v", og, err)
	}
	if _, _, err := c.OAuth2.RefreshGrant(ctx, clientID, clientSecret, createdRefresh, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := c.OAuth2.Revoke(ctx, clientID, clientSecret, grantAccess); err == nil {
		t.Fatal("Revoke to an unrouted path succeeded")
	}
	if _, _, err := c.Users.Create(ctx, UserRequest{Username: ptr("bob"), Password: ptr(userPassword)}); err != nil {
		t.Fatal(err)
	}
	_, _, err = c.Tokens.List(ctx, &TokenListOptions{ListOptions: ListOptions{Filters: []string{"token=" + querySecret}}})
	if err == nil {
		t.Fatal("List succeeded against the error page")
	}
	if strings.Contains(err.Error(), createdToken) || strings.Contains(err.Error(), querySecret) {
		t.Errorf("error shows a secret: %q", err)
	}

	// A Basic-auth client: its password must not show either.
	var debug2 bytes.Buffer
	c2, mux2, _ := setup(t, "", WithToken(""), WithBasicAuth("admin", basicPassword), WithDebug(&debug2))
	secretServer(t, mux2)
	if _, _, err := c2.Tokens.Create(ctx, TokenCreateRequest{Scope: "write"}); err != nil {
		t.Fatal(err)
	}

	all := verbose.String() + debug.String() + debug2.String()
	for _, s := range []string{testToken, createdToken, createdRefresh, userPassword, basicPassword, clientSecret, querySecret, "SessionCookieValue77", grantAccess, grantRefresh} {
		if strings.Contains(all, s) {
			t.Errorf("output shows secret %q", s)
		}
	}
	for _, want := range []string{
		"> Authorization: Bearer ************\n",
		"> Authorization: Basic ************\n",
		"< Set-Cookie: ************\n",
		"> POST /awx/api/v2/tokens/ HTTP/1.1\n",
		"< HTTP/1.1 201 Created (",
		// Bodies: pretty, keys in order, secrets masked, the rest intact.
		"{\n  \"description\": \"x\",\n  \"scope\": \"write\"\n}\n",
		"\"token\": \"************\",\n  \"refresh_token\": \"************\",\n  \"application\": 2,",
		"\"client_secret\": \"************\"",
		"\"password\": \"************\"",
		"\"password\": \"$encrypted$\"",
		"grant_type=password&password=************&scope=read&username=alice",
		"grant_type=refresh_token&refresh_token=************",
		"\"access_token\": \"************\"",
		"> GET /awx/api/v2/tokens/?token=************ HTTP/1.1\n",
		"debug: token=************",
	} {
		if !strings.Contains(all, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("output:\n%s", all)
	}

	lines := strings.Split(strings.TrimSpace(verbose.String()), "\n")
	wantLines := []string{
		`^POST /awx/api/v2/tokens/ 201 Created \(\d+ms\)$`,
		`^POST /awx/api/o/token/ 200 OK \(\d+ms\)$`,
		`^POST /awx/api/o/token/ 200 OK \(\d+ms\)$`,
		`^POST /awx/api/o/revoke_token/ 404 Not Found \(\d+ms\)$`,
		`^POST /awx/api/v2/users/ 201 Created \(\d+ms\)$`,
		`^GET /awx/api/v2/tokens/\?token=\*{12} 500 Internal Server Error \(\d+ms\)$`,
	}
	if len(lines) != len(wantLines) {
		t.Fatalf("verbose output has %d lines, want %d:\n%s", len(lines), len(wantLines), verbose.String())
	}
	for i, re := range wantLines {
		if !regexp.MustCompile(re).MatchString(lines[i]) {
			t.Errorf("verbose line %d = %q, want %s", i, lines[i], re)
		}
	}
}

func TestVerboseNetworkFailure(t *testing.T) {
	var verbose bytes.Buffer
	c, _, srv := setup(t, "", WithVerbose(&verbose))
	srv.Close()
	if _, _, err := c.Me(ctx); err == nil {
		t.Fatal("Me on a closed server succeeded")
	}
	if !regexp.MustCompile(`^GET /api/v2/me/ failed \(\d+ms\)\n$`).MatchString(verbose.String()) {
		t.Errorf("verbose = %q", verbose.String())
	}
}

func TestMaskJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"b":1,"a":"x","token":"abc"}`, `{"b":1,"a":"x","token":"************"}`},
		{`{"refresh_token":null,"token":""}`, `{"refresh_token":null,"token":""}`},
		{`[{"Password":"p"},{"new_password":"q"},{"x":[1,2.50,true,false,null]}]`, `[{"Password":"************"},{"new_password":"************"},{"x":[1,2.50,true,false,null]}]`},
		{`{"client_secret":{"deep":["a",{"b":"c"}],"n":3}}`, `{"client_secret":{"deep":["************",{"b":"************"}],"n":"************"}}`},
		{`{"tokens":{"count":1,"results":[{"id":5,"token":"************"}]}}`, `{"tokens":{"count":1,"results":[{"id":5,"token":"************"}]}}`},
		{`"just a string"`, `"just a string"`},
		{`{"html":"<a&b>","u":"\u00e9"}`, `{"html":"<a&b>","u":"é"}`},
	}
	for _, tt := range tests {
		got, ok := maskJSON([]byte(tt.in))
		if !ok || string(got) != tt.want {
			t.Errorf("maskJSON(%s) = %s, %v; want %s", tt.in, got, ok, tt.want)
		}
	}
	for _, bad := range []string{``, `{"a":`, `{"a":1} {"b":2}`, `not json`} {
		if _, ok := maskJSON([]byte(bad)); ok {
			t.Errorf("maskJSON(%q) accepted malformed JSON", bad)
		}
	}
}
