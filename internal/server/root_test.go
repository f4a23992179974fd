package server_test

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
)

const (
	bodyNotFound         = `{"detail":"The requested resource could not be found."}`
	bodyNotAuthenticated = `{"detail":"Authentication credentials were not provided. To establish a login session, visit /api/login/."}`
	bodyBadBasic         = `{"detail":"Invalid username/password. To establish a login session, visit /api/login/."}`
	bodyForbidden        = `{"detail":"You do not have permission to perform this action."}`
	bodyInvalidPage      = `{"detail":"Invalid page."}`
)

// expect checks status and exact body.
func expect(t *testing.T, r *servertest.Response, status int, body string) {
	t.Helper()
	if r.Status != status || string(r.Body) != body {
		t.Fatalf("got %d %s\nwant %d %s", r.Status, r.Body, status, body)
	}
}

func expectStatus(t *testing.T, r *servertest.Response, status int) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("got %d %s, want %d", r.Status, r.Body, status)
	}
}

func TestAPIRoot(t *testing.T) {
	s := servertest.Start(t)
	expect(t, s.Do(t, "GET", "/api/", nil, nil), 200,
		`{"description":"AWX REST API","current_version":"/api/v2/","available_versions":{"v2":"/api/v2/"},"oauth2":"/api/o/","custom_logo":"","custom_login_info":"","login_redirect_override":""}`)
	expect(t, s.Do(t, "GET", "/api/v2/", nil, nil), 200,
		`{"ping":"/api/v2/ping/","config":"/api/v2/config/","me":"/api/v2/me/","organizations":"/api/v2/organizations/","users":"/api/v2/users/","applications":"/api/v2/applications/","tokens":"/api/v2/tokens/","roles":"/api/v2/roles/","activity_stream":"/api/v2/activity_stream/"}`)
}

var (
	requestIDRE = regexp.MustCompile(`^[0-9a-f]{32}$`)
	apiTimeRE   = regexp.MustCompile(`^\d+\.\d{3}s$`)
)

func TestPingAndHeaders(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "GET", "/api/v2/ping/", nil, nil)
	expectStatus(t, r, 200)
	var ping struct {
		HA             bool     `json:"ha"`
		Version        string   `json:"version"`
		ActiveNode     string   `json:"active_node"`
		InstallUUID    string   `json:"install_uuid"`
		Instances      []string `json:"instances"`
		InstanceGroups []string `json:"instance_groups"`
	}
	r.JSON(t, &ping)
	if ping.HA || ping.Version != "24.6.1" || ping.ActiveNode == "" || len(ping.InstallUUID) != 36 || ping.Instances == nil || ping.InstanceGroups == nil {
		t.Fatalf("ping = %s", r.Body)
	}
	if !strings.HasPrefix(string(r.Body), `{"ha":false,"version":"24.6.1","active_node":`) {
		t.Errorf("ping key order: %s", r.Body)
	}
	if again := s.Do(t, "GET", "/api/v2/ping/", nil, nil); !strings.Contains(string(again.Body), ping.InstallUUID) {
		t.Errorf("install_uuid changed between calls")
	}
	h := r.Header
	if h.Get("X-API-Product-Name") != "AWX" || !requestIDRE.MatchString(h.Get("X-API-Request-Id")) ||
		!apiTimeRE.MatchString(h.Get("X-API-Time")) || !apiTimeRE.MatchString(h.Get("X-API-Total-Time")) {
		t.Errorf("headers: %v", h)
	}
	if h.Get("Content-Type") != "application/json" {
		t.Errorf("Content-Type = %q", h.Get("Content-Type"))
	}
	// The version is shown only to authenticated callers.
	if v := h.Get("X-API-Product-Version"); v != "" {
		t.Errorf("anonymous response has X-API-Product-Version %q", v)
	}
	r = s.Do(t, "GET", "/api/v2/ping/", s.Admin(), nil)
	if v := r.Header.Get("X-API-Product-Version"); v != "24.6.1" {
		t.Errorf("authenticated X-API-Product-Version = %q", v)
	}
	if r.Header.Get("X-API-Request-Id") == h.Get("X-API-Request-Id") {
		t.Errorf("two requests share a request id")
	}
	// Every answer carries the headers, errors included.
	r = s.Do(t, "GET", "/api/v2/nothing/", nil, nil)
	if r.Header.Get("X-API-Product-Name") != "AWX" || !requestIDRE.MatchString(r.Header.Get("X-API-Request-Id")) {
		t.Errorf("404 headers: %v", r.Header)
	}
}

func TestConfigAndMeNeedAuth(t *testing.T) {
	s := servertest.Start(t)
	for _, p := range []string{"/api/v2/config/", "/api/v2/me/"} {
		r := s.Do(t, "GET", p, nil, nil)
		expect(t, r, 401, bodyNotAuthenticated)
		if got := r.Header.Get("WWW-Authenticate"); got != "Bearer realm=api authorization_url=/api/o/authorize/" {
			t.Errorf("%s: WWW-Authenticate = %q", p, got)
		}
		if r.Header.Get("X-API-Product-Version") != "" {
			t.Errorf("%s: 401 shows the product version", p)
		}
	}
	r := s.Do(t, "GET", "/api/v2/config/", s.Admin(), nil)
	expectStatus(t, r, 200)
	if !strings.HasPrefix(string(r.Body), `{"time_zone":"UTC","license_info":{"license_type":"open","valid_key":true,"subscription_name":"OPEN","product_name":"AWX"},"version":"24.6.1",`) {
		t.Errorf("config = %s", r.Body)
	}
}

func TestMe(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "GET", "/api/v2/me/", s.Admin(), nil)
	expectStatus(t, r, 200)
	var page struct {
		Count    int     `json:"count"`
		Next     *string `json:"next"`
		Previous *string `json:"previous"`
		Results  []map[string]any
	}
	r.JSON(t, &page)
	if page.Count != 1 || page.Next != nil || page.Previous != nil || len(page.Results) != 1 {
		t.Fatalf("me = %s", r.Body)
	}
	u := page.Results[0]
	if u["username"] != "admin" || u["type"] != "user" || u["password"] != "$encrypted$" || u["is_superuser"] != true ||
		u["url"] != "/api/v2/users/1/" || u["id"] != float64(s.AdminID) {
		t.Errorf("me user = %v", u)
	}
	rel := u["related"].(map[string]any)
	if rel["personal_tokens"] != "/api/v2/users/1/personal_tokens/" || rel["tokens"] != "/api/v2/users/1/tokens/" {
		t.Errorf("related = %v", rel)
	}
	if !strings.Contains(string(r.Body), `"results":[{"id":1,"type":"user","url":"/api/v2/users/1/","related":{`) {
		t.Errorf("key order: %s", r.Body)
	}
	// Basic works the same.
	r = s.Do(t, "GET", "/api/v2/me/", servertest.Basic(s.AdminUsername, s.AdminPassword), nil)
	expectStatus(t, r, 200)
}

// TestMeFollowsChanges: /me/ is rendered once per token cache entry, so it
// must show each token's own capabilities and a change to the user at once.
func TestMeFollowsChanges(t *testing.T) {
	s := servertest.Start(t)
	u := s.CreateUser(t, "carol", "pw-carol-1", false)
	read := servertest.Bearer(s.CreatePAT(t, u.ID, "read"))
	write := servertest.Bearer(s.CreatePAT(t, u.ID, "write"))
	me := func(auth servertest.Auth) map[string]any {
		t.Helper()
		r := s.Do(t, "GET", "/api/v2/me/", auth, nil)
		expectStatus(t, r, 200)
		var page struct{ Results []map[string]any }
		r.JSON(t, &page)
		return page.Results[0]
	}
	edit := func(u map[string]any) any {
		return u["summary_fields"].(map[string]any)["user_capabilities"].(map[string]any)["edit"]
	}
	for range 2 { // the second time from the memo
		if got := edit(me(read)); got != false {
			t.Fatalf("read token: edit = %v", got)
		}
		if got := edit(me(write)); got != true {
			t.Fatalf("write token: edit = %v", got)
		}
	}
	expectStatus(t, s.Do(t, "PATCH", "/api/v2/users/"+strconv.FormatInt(u.ID, 10)+"/", write, map[string]any{"first_name": "Carol"}), 200)
	for _, auth := range []servertest.Auth{read, write} {
		if got := me(auth)["first_name"]; got != "Carol" {
			t.Fatalf("first_name after PATCH = %v", got)
		}
	}
	// A scope change shows at once in the token's own /me/.
	var list struct{ Results []struct{ ID int64 } }
	r := s.Do(t, "GET", "/api/v2/tokens/?scope=read&user="+strconv.FormatInt(u.ID, 10), s.Admin(), nil)
	expectStatus(t, r, 200)
	r.JSON(t, &list)
	if len(list.Results) != 1 {
		t.Fatalf("read tokens: %s", r.Body)
	}
	expectStatus(t, s.Do(t, "PATCH", "/api/v2/tokens/"+strconv.FormatInt(list.Results[0].ID, 10)+"/", s.Admin(), map[string]any{"scope": "write"}), 200)
	if got := edit(me(read)); got != true {
		t.Fatalf("edit after the scope became write = %v", got)
	}
}

func TestUnknownPathsAre404(t *testing.T) {
	s := servertest.Start(t)
	for _, tc := range []struct {
		method, path string
		auth         servertest.Auth
	}{
		{"POST", "/o/token/", nil},
		{"POST", "/api/gateway/v1/tokens/", nil},
		{"GET", "/api/v2/nothing/", nil},
		{"GET", "/api/v2/nothing/", s.Admin()},
		{"GET", "/", nil},
		{"GET", "/api/v3/", nil},
		{"POST", "/o/token/", servertest.Basic("admin", "wrong")}, // unrouted: credentials are not even looked at
		{"GET", "/api/v2/users/1/nothing/", s.Admin()},
		{"DELETE", "/api/v2/ping/extra/", nil},
	} {
		r := s.Do(t, tc.method, tc.path, tc.auth, nil)
		if r.Status != 404 || string(r.Body) != bodyNotFound {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, r.Status, r.Body)
		}
	}
}

func TestTrailingSlashRedirect(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "GET", "/api/v2/users?page_size=5", s.Admin(), nil)
	if r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != "/api/v2/users/?page_size=5" {
		t.Fatalf("GET without slash: %d Location=%q", r.Status, r.Header.Get("Location"))
	}
	r = s.Do(t, "GET", "/api/v2/ping", nil, nil)
	if r.Status != http.StatusMovedPermanently || r.Header.Get("Location") != "/api/v2/ping/" {
		t.Fatalf("GET ping without slash: %d Location=%q", r.Status, r.Header.Get("Location"))
	}
	// Only GET is redirected; other methods and unknown paths are 404.
	expect(t, s.Do(t, "POST", "/api/v2/users", s.Admin(), `{}`), 404, bodyNotFound)
	expect(t, s.Do(t, "GET", "/api/v2/nothing", nil, nil), 404, bodyNotFound)
}

func TestMethodNotAllowed(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "PUT", "/api/v2/users/", s.Admin(), `{}`)
	expect(t, r, 405, `{"detail":"Method \"PUT\" not allowed."}`)
	if r.Header.Get("Allow") != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("Allow = %q", r.Header.Get("Allow"))
	}
	expect(t, s.Do(t, "DELETE", "/api/v2/ping/", nil, nil), 405, `{"detail":"Method \"DELETE\" not allowed."}`)
	// Authentication comes first, as in DRF.
	expect(t, s.Do(t, "PUT", "/api/v2/users/", nil, `{}`), 401, bodyNotAuthenticated)
	r = s.Do(t, "OPTIONS", "/api/v2/users/", s.Admin(), nil)
	expectStatus(t, r, 200)
	if r.Header.Get("Allow") != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("OPTIONS Allow = %q", r.Header.Get("Allow"))
	}
	r = s.Do(t, "HEAD", "/api/v2/me/", s.Admin(), nil)
	if r.Status != 200 || len(r.Body) != 0 {
		t.Errorf("HEAD: %d %q", r.Status, r.Body)
	}
}
