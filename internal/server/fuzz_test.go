package server_test

// Fuzz targets that drive the real server's handler (middleware, routing,
// handlers, access checks and the store, SQLite or PostgreSQL as servertest
// picks) with hostile input. Each asserts what must hold for every input:
// no 5xx, no panic (a panic would be a 500 from the recover middleware),
// errors in AWX's shape, and where the answer is predictable, the right
// answer. `go test -fuzz FuzzX` explores further; scripts/fuzz.sh runs each
// for a few seconds; a crasher saved under testdata/fuzz/ becomes a regular
// test case that `go test` replays every time.
//
// Requests go straight to Handler() through httptest.NewRecorder, not over
// a socket: that is tens of times faster, and it lets header and path bytes
// through that Go's HTTP client would refuse to send (a real server's
// parser refuses them earlier, so this is the stricter test).

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

const fuzzPassword = "fuzz-Password-1"

// fuzzWorld is a server with one of everything, so fuzzed requests can
// reach the code behind a successful lookup and not only the 404s.
type fuzzWorld struct {
	*servertest.Server
	h        http.Handler
	bearer   string // the admin's write PAT
	userID   int64  // "fuzzuser", password fuzzPassword
	orgID    int64  // "FuzzOrg"
	roleID   int64  // FuzzOrg's member role
	appID    int64  // "fuzzapp", confidential, password grant
	clientID string
	secret   string
	tokenID  int64  // an app token of fuzzuser
	refresh  string // its refresh token
}

func newFuzzWorld(f *testing.F) *fuzzWorld {
	f.Helper()
	ts := servertest.Start(f, servertest.WithConfig(func(c *server.Config) {
		// A throttled login is a fine answer, but it would hide what the
		// password check does with the input behind it.
		c.LoginThrottle.Disabled = true
	}))
	w := &fuzzWorld{Server: ts, h: ts.Srv.Handler(), bearer: ts.AdminToken}
	u := ts.CreateUser(f, "fuzzuser", fuzzPassword, false)
	w.userID = u.ID
	o := ts.CreateOrg(f, "FuzzOrg")
	w.orgID = o.ID
	w.roleID = ts.Role(f, o.ID, store.RoleMember)
	ts.Grant(f, o.ID, store.RoleMember, u.ID)

	var app struct {
		ID           int64  `json:"id"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	resp := ts.Do(f, "POST", "/api/v2/applications/", ts.Admin(), map[string]any{
		"name": "fuzzapp", "organization": o.ID, "client_type": "confidential",
		"authorization_grant_type": "password",
	})
	if resp.Status != http.StatusCreated {
		f.Fatalf("creating the fuzz application: %d %s", resp.Status, resp.Body)
	}
	resp.JSON(f, &app)
	w.appID, w.clientID, w.secret = app.ID, app.ClientID, app.ClientSecret

	var tok struct {
		ID           int64  `json:"id"`
		RefreshToken string `json:"refresh_token"`
	}
	resp = ts.Do(f, "POST", "/api/v2/tokens/", servertest.Basic("fuzzuser", fuzzPassword), map[string]any{"application": app.ID})
	if resp.Status != http.StatusCreated {
		f.Fatalf("creating the fuzz token: %d %s", resp.Status, resp.Body)
	}
	resp.JSON(f, &tok)
	w.tokenID, w.refresh = tok.ID, tok.RefreshToken
	return w
}

// expand replaces the placeholders seeds use for this world's ids and
// secrets. Seeds cannot hold them: each fuzzing worker process builds its
// own world.
func (w *fuzzWorld) expand(s string) string {
	return strings.NewReplacer(
		"{USER}", strconv.FormatInt(w.userID, 10),
		"{ORG}", strconv.FormatInt(w.orgID, 10),
		"{ROLE}", strconv.FormatInt(w.roleID, 10),
		"{APP}", strconv.FormatInt(w.appID, 10),
		"{TOKEN}", strconv.FormatInt(w.tokenID, 10),
		"{CLIENT_ID}", w.clientID,
		"{CLIENT_SECRET}", w.secret,
		"{PASSWORD}", fuzzPassword,
		"{REFRESH}", w.refresh,
	).Replace(s)
}

// serve runs one request through the handler.
func (w *fuzzWorld) serve(r *http.Request) *httptest.ResponseRecorder {
	rec := httptest.NewRecorder()
	w.h.ServeHTTP(rec, r)
	return rec
}

// checkAWXBody fails unless a response with this status has AWX's shape:
// JSON whenever there is a body; for a 4xx {"detail": "..."}, {"msg": "..."}
// or {"field": ["message", ...]} (nested objects allowed for nested fields).
func checkAWXBody(t *testing.T, what string, rec *httptest.ResponseRecorder) {
	t.Helper()
	if rec.Code >= 500 {
		t.Fatalf("%s: %d %s", what, rec.Code, rec.Body)
	}
	body := rec.Body.Bytes()
	if len(body) == 0 {
		if rec.Code >= 400 && rec.Code != http.StatusMethodNotAllowed {
			t.Fatalf("%s: %d with an empty body", what, rec.Code)
		}
		return
	}
	if !json.Valid(body) {
		t.Fatalf("%s: %d with a body that is not JSON: %q", what, rec.Code, body)
	}
	if rec.Code < 400 {
		return
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil {
		t.Fatalf("%s: %d error body is not an object: %s", what, rec.Code, body)
	}
	// {"detail": "..."} is DRF's; {"msg": "..."} is what AWX's sub-list
	// attach views answer to a bad {"id": ...}.
	for _, key := range []string{"detail", "msg"} {
		if d, ok := obj[key]; ok && len(obj) == 1 {
			var s string
			if json.Unmarshal(d, &s) != nil || s == "" {
				t.Fatalf("%s: %d %s is not a message: %s", what, rec.Code, key, body)
			}
			return
		}
	}
	if len(obj) == 0 {
		t.Fatalf("%s: %d with an empty error object", what, rec.Code)
	}
	for k, v := range obj {
		if !fieldErrorShape(v) {
			t.Fatalf("%s: %d field %q is not a list of messages: %s", what, rec.Code, k, body)
		}
	}
}

func fieldErrorShape(v json.RawMessage) bool {
	var msgs []string
	if json.Unmarshal(v, &msgs) == nil && len(msgs) > 0 {
		return true
	}
	var nested map[string]json.RawMessage
	if json.Unmarshal(v, &nested) != nil || len(nested) == 0 {
		return false
	}
	for _, n := range nested {
		if !fieldErrorShape(n) {
			return false
		}
	}
	return true
}

// bodyRoutes are the routes that read a JSON body: every create and update.
var bodyRoutes = []struct{ method, path string }{
	{"POST", "/api/v2/users/"},
	{"PUT", "/api/v2/users/{USER}/"},
	{"PATCH", "/api/v2/users/{USER}/"},
	{"POST", "/api/v2/users/{USER}/roles/"},
	{"POST", "/api/v2/organizations/"},
	{"PUT", "/api/v2/organizations/{ORG}/"},
	{"PATCH", "/api/v2/organizations/{ORG}/"},
	{"POST", "/api/v2/organizations/{ORG}/users/"},
	{"POST", "/api/v2/organizations/{ORG}/admins/"},
	{"POST", "/api/v2/organizations/{ORG}/applications/"},
	{"POST", "/api/v2/roles/{ROLE}/users/"},
	{"POST", "/api/v2/tokens/"},
	{"PUT", "/api/v2/tokens/{TOKEN}/"},
	{"PATCH", "/api/v2/tokens/{TOKEN}/"},
	{"POST", "/api/v2/applications/"},
	{"PUT", "/api/v2/applications/{APP}/"},
	{"PATCH", "/api/v2/applications/{APP}/"},
	{"POST", "/api/v2/applications/{APP}/tokens/"},
	{"POST", "/api/v2/users/{USER}/tokens/"},
	{"POST", "/api/v2/users/{USER}/authorized_tokens/"},
	{"POST", "/api/v2/users/{USER}/personal_tokens/"},
}

var fuzzContentTypes = []string{
	"application/json", "application/json; charset=utf-8", "", "text/plain",
	"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset",
}

// FuzzRequestBody sends fuzzed bodies to every create and update route.
func FuzzRequestBody(f *testing.F) {
	seeds := []string{
		`{}`, `[]`, `null`, `"x"`, `1`, ``, `{`, `{"a":1}{"b":2}`,
		`{"description":"d","scope":"read"}`,
		`{"description":null,"scope":"write read","application":{APP}}`,
		`{"application":"{APP}"}`, `{"application":9223372036854775808}`, `{"application":-1}`,
		`{"application":1e400}`, `{"application":1.5}`, `{"application":[1]}`, `{"application":true}`,
		`{"scope":"read read"}`, `{"scope":"\u0000"}`, `{"description":"a\u0000b"}`,
		`{"description":"\ud800"}`, `{"description":"` + strings.Repeat("é", 300) + `"}`,
		`{"name":"n","organization":{ORG},"client_type":"confidential","authorization_grant_type":"password"}`,
		`{"name":"n'; DROP TABLE users;--","organization":"{ORG}","client_type":"public","authorization_grant_type":"authorization-code","redirect_uris":"https://x/"}`,
		`{"name":"x","organization":18446744073709551616,"client_type":1,"authorization_grant_type":null,"skip_authorization":"maybe"}`,
		`{"username":"fuzz2","password":"p"}`, `{"username":"a/b","password":"p","email":"nope","is_superuser":"yes"}`,
		`{"username":"` + strings.Repeat("u", 200) + `","password":"p"}`,
		`{"username":"a\u0000b","password":"\u0000"}`,
		`{"name":"Org\u0000","description":1}`, `{"name":"","max_hosts":-1}`, `{"max_hosts":99999999999999999999}`,
		`{"id":{USER}}`, `{"id":{USER},"disassociate":true}`, `{"id":"{USER}","disassociate":"x"}`,
		`{"id":-9223372036854775808}`, `{"id":null}`, `{"id":{ROLE}}`,
		strings.Repeat(`[`, 20000) + strings.Repeat(`]`, 20000),
		`{"a":` + strings.Repeat(`{"a":`, 5000) + `1` + strings.Repeat(`}`, 5001),
	}
	for i := range bodyRoutes {
		for j, s := range seeds {
			if (i+j)%3 == 0 { // a sample: each route meets each seed through mutation anyway
				f.Add(uint8(i), uint8(0), s)
			}
		}
		f.Add(uint8(i), uint8(2+i%5), `{"description":"x"}`)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, route, ctype uint8, body string) {
		rt := bodyRoutes[int(route)%len(bodyRoutes)]
		path := w.expand(rt.path)
		r := httptest.NewRequest(rt.method, path, strings.NewReader(w.expand(body)))
		if ct := fuzzContentTypes[int(ctype)%len(fuzzContentTypes)]; ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		r.Header.Set("Authorization", "Bearer "+w.bearer)
		rec := w.serve(r)
		checkAWXBody(t, rt.method+" "+path, rec)
	})
}

// FuzzAuthorizationHeader: whatever the Authorization header holds, the
// answer is 200 only for the real credentials, otherwise a 401 with AWX's
// challenge; a public route stays reachable unless Basic credentials are
// present and wrong.
func FuzzAuthorizationHeader(f *testing.F) {
	for _, s := range []string{
		"", "Bearer {BEARER}", "bearer {BEARER}", "BEARER   {BEARER}  ", "Bearer {BEARER}x",
		"Bearer", "Bearer ", "Bearer\t{BEARER}", "Bearer {BEARER} {BEARER}", "Token {BEARER}",
		"Basic", "Basic ", "Basic !!!", "Basic " + base64.StdEncoding.EncodeToString([]byte("fuzzuser:wrong")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("nouser")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte(":")),
		"Basic " + base64.StdEncoding.EncodeToString([]byte("a\x00b:\x00")),
		"Bearer " + strings.Repeat("a", 30), "Bearer " + strings.Repeat("é", 15), "Bearer \x00\x00",
		"Digest username=x", "Negotiate YII=", strings.Repeat("Bearer ", 1000),
	} {
		f.Add(s)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, h string) {
		h = strings.ReplaceAll(h, "{BEARER}", w.bearer)
		scheme, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
		valid := strings.EqualFold(scheme, "Bearer") && strings.TrimSpace(cred) == w.bearer
		isBasic := strings.EqualFold(scheme, "Basic")

		r := httptest.NewRequest("GET", "/api/v2/me/", nil)
		r.Header["Authorization"] = []string{h}
		rec := w.serve(r)
		checkAWXBody(t, "GET /api/v2/me/", rec)
		switch {
		case valid && rec.Code != http.StatusOK:
			t.Fatalf("the admin's own token in %q: %d %s", h, rec.Code, rec.Body)
		case !valid && rec.Code != http.StatusUnauthorized:
			t.Fatalf("Authorization %q: %d %s, want 401", h, rec.Code, rec.Body)
		case rec.Code == http.StatusUnauthorized && rec.Header().Get("WWW-Authenticate") == "":
			t.Fatalf("Authorization %q: 401 without WWW-Authenticate", h)
		}

		r = httptest.NewRequest("GET", "/api/v2/ping/", nil)
		r.Header["Authorization"] = []string{h}
		rec = w.serve(r)
		checkAWXBody(t, "GET /api/v2/ping/", rec)
		if want := http.StatusOK; !isBasic && rec.Code != want {
			t.Fatalf("public route with Authorization %q: %d, want %d", h, rec.Code, want)
		}
	})
}

// FuzzNamedURL puts fuzzed names where routes take a pk or a named URL
// (usernames, organization names, "<app>++<organization>"), percent-encoded
// so every byte, slashes included, reaches the router.
func FuzzNamedURL(f *testing.F) {
	for _, s := range []string{
		"fuzzuser", "admin", "{USER}", "0", "-1", "00001", "9223372036854775807", "9223372036854775808",
		"99999999999999999999999", "FuzzOrg", "fuzzapp++FuzzOrg", "fuzzapp++", "++FuzzOrg", "++", "a++b++c",
		"..", ".", "a/b", "a%2Fb", "%", "%00", "\x00", "é", "' OR 1=1 --", "fuzzuser ", " fuzzuser", "FUZZUSER",
		strings.Repeat("x", 5000),
	} {
		f.Add(s, uint8(0))
		f.Add(s, uint8(3))
	}
	paths := []string{
		"/api/v2/users/%s/", "/api/v2/users/%s/tokens/", "/api/v2/users/%s/personal_tokens/",
		"/api/v2/organizations/%s/", "/api/v2/organizations/%s/applications/",
		"/api/v2/applications/%s/", "/api/v2/applications/%s/tokens/", "/api/v2/tokens/%s/", "/api/v2/roles/%s/",
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, name string, which uint8) {
		name = w.expand(name)
		p := paths[int(which)%len(paths)]
		u := &url.URL{Path: fmt.Sprintf(p, name), RawPath: fmt.Sprintf(p, url.PathEscape(name))}
		r := httptest.NewRequest("GET", "/", nil)
		r.URL, r.RequestURI = u, u.RequestURI()
		r.Header.Set("Authorization", "Bearer "+w.bearer)
		rec := w.serve(r)
		checkAWXBody(t, "GET "+u.RequestURI(), rec)
		switch rec.Code {
		case http.StatusOK, http.StatusMovedPermanently, http.StatusNotFound, http.StatusForbidden:
		default:
			t.Fatalf("GET %s: %d %s", u.RequestURI(), rec.Code, rec.Body)
		}
		if rec.Code == http.StatusOK && strings.HasPrefix(p, "/api/v2/users/%s/") && p == "/api/v2/users/%s/" {
			var got struct {
				ID       int64  `json:"id"`
				Username string `json:"username"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatal(err)
			}
			if got.Username != name && strconv.FormatInt(got.ID, 10) != strings.TrimLeft(name, "0") {
				t.Fatalf("GET /api/v2/users/%q/ answered user %d %q", name, got.ID, got.Username)
			}
		}
	})
}

// listRoutes are the lists whose query string goes through the list parser.
var listRoutes = []string{
	"/api/v2/tokens/", "/api/v2/applications/", "/api/v2/users/", "/api/v2/organizations/", "/api/v2/roles/",
	"/api/v2/users/{USER}/tokens/", "/api/v2/users/{USER}/personal_tokens/", "/api/v2/applications/{APP}/tokens/",
	"/api/v2/organizations/{ORG}/users/", "/api/v2/organizations/{ORG}/applications/", "/api/v2/users/{USER}/roles/",
}

// FuzzListQuery sends fuzzed query strings (filters, lookups, order_by,
// search, page, page_size) to every list. Only 200, 400, 403 and 404 are
// answers (401 when the query carries access_token, which is refused).
func FuzzListQuery(f *testing.F) {
	for _, q := range []string{
		"", "page=2", "page=0", "page=-1", "page=9223372036854775807", "page=99999999999999999999", "page_size=0",
		"page_size=201&page=1", "page=1e3", "order_by=-id,name", "order_by=token", "order=password",
		"search=%27%3B+DROP+TABLE+users%3B--", "search=%00", "search=%25_%5C", "description__icontains=%25",
		"id__in=1,2,x", "id__gt=9223372036854775808", "id=-0", "id__in=", "application=null", "application__isnull=maybe",
		"not__application=null", "or__id=1&or__id=2", "user__username=admin", "user__username__regex=(",
		"description__regex=a%7B99999%7D", "description__iregex=%5B", "name__startswith=%5C", "created__gt=2020-13-45",
		"created__lt=x", "modified__gte=1", "expires__lte=9999-12-31T23:59:59Z", "token=abc", "refresh_token__isnull=1",
		"client_secret=x", "foo=bar", "user__password=x", "id__nope=1", "__=1", "not__=1", "chain__or__id=1",
		"access_token=x", "%zz=1", "a=%zz", "id=1;id=2", "scope__in=read,write", "organization__name=FuzzOrg",
		"username__iexact=FUZZUSER", "is_superuser=true", "is_superuser=2", "id__int=3",
	} {
		f.Add(uint8(0), q)
		f.Add(uint8(len(q)), q)
	}
	w := newFuzzWorld(f)
	f.Fuzz(func(t *testing.T, which uint8, query string) {
		p := w.expand(listRoutes[int(which)%len(listRoutes)])
		r := httptest.NewRequest("GET", p, nil)
		r.URL.RawQuery = query
		r.RequestURI = r.URL.RequestURI()
		r.Header.Set("Authorization", "Bearer "+w.bearer)
		rec := w.serve(r)
		checkAWXBody(t, "GET "+r.RequestURI, rec)
		switch rec.Code {
		case http.StatusOK:
			var page struct {
				Count   *int              `json:"count"`
				Results []json.RawMessage `json:"results"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &page); err != nil || page.Count == nil || *page.Count < 0 || len(page.Results) > 200 {
				t.Fatalf("GET %s: 200 without a page envelope: %s", r.RequestURI, rec.Body)
			}
		case http.StatusBadRequest, http.StatusForbidden, http.StatusNotFound:
		case http.StatusUnauthorized:
			if !strings.Contains(query, "access_token") {
				t.Fatalf("GET %s: 401 with good credentials", r.RequestURI)
			}
		default:
			t.Fatalf("GET %s: %d %s", r.RequestURI, rec.Code, rec.Body)
		}
	})
}

// FuzzOAuthForm posts fuzzed forms and client credentials to /api/o/token/
// and /api/o/revoke_token/. Answers are OAuth2's: 200, 400 and 401 with
// {"error": ...}, AWX's plain-text 403 for an expired refresh token, 429
// when throttled; never a 5xx.
func FuzzOAuthForm(f *testing.F) {
	for _, s := range []string{
		"grant_type=password&username=fuzzuser&password={PASSWORD}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
		"grant_type=password&username=fuzzuser&password={PASSWORD}&scope=read",
		"grant_type=password&username=fuzzuser&password=wrong&scope=read+read",
		"grant_type=refresh_token&refresh_token={REFRESH}&client_id={CLIENT_ID}&client_secret={CLIENT_SECRET}",
		"grant_type=refresh_token&refresh_token={REFRESH}&scope=write",
		"grant_type=authorization_code&code=x&redirect_uri=http://x/", "grant_type=client_credentials", "grant_type=",
		"grant_type=password&grant_type=password", "token={REFRESH}&token_type_hint=refresh_token",
		"token=x&token_type_hint=access_token", "token=", "token=%00", "%zz", "a=%zz&b", "access_token=abc",
		"client_id=" + strings.Repeat("x", 300), "username=%00&password=%00&grant_type=password",
	} {
		f.Add(uint8(0), uint8(0), s, "")
		f.Add(uint8(1), uint8(0), s, "{CLIENT_ID}:{CLIENT_SECRET}")
	}
	f.Add(uint8(0), uint8(1), `{"grant_type":"password"}`, "{CLIENT_ID}:{CLIENT_SECRET}")
	f.Add(uint8(2), uint8(2), "token=x", "{CLIENT_ID}:wrong")
	f.Add(uint8(3), uint8(0), "", "\x00:\x00")
	paths := []string{"/api/o/token/", "/api/o/revoke_token/", "/api/o/token/?grant_type=password", "/api/o/authorize/"}
	ctypes := []string{"application/x-www-form-urlencoded", "application/json", "", "application/x-www-form-urlencoded; charset=utf-8", "text/plain"}
	w := newFuzzWorld(f)
	if rec := w.serve(httptest.NewRequest("POST", "/api/o/token/", nil)); rec.Code == http.StatusNotFound {
		f.Fatalf("/api/o/token/ is not routed (%d): nothing to fuzz", rec.Code)
	}
	f.Fuzz(func(t *testing.T, which, ctype uint8, body, basic string) {
		p := paths[int(which)%len(paths)]
		r := httptest.NewRequest("POST", p, strings.NewReader(w.expand(body)))
		if ct := ctypes[int(ctype)%len(ctypes)]; ct != "" {
			r.Header.Set("Content-Type", ct)
		}
		if basic != "" {
			r.Header["Authorization"] = []string{"Basic " + base64.StdEncoding.EncodeToString([]byte(w.expand(basic)))}
		}
		rec := w.serve(r)
		if rec.Code >= 500 {
			t.Fatalf("POST %s %q: %d %s", p, body, rec.Code, rec.Body)
		}
		switch rec.Code {
		case http.StatusOK:
			if rec.Body.Len() > 0 && !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("POST %s: 200 with a body that is not JSON: %q", p, rec.Body)
			}
		case http.StatusForbidden:
			if got := rec.Body.String(); got != "The refresh token has expired." {
				checkAWXBody(t, "POST "+p, rec)
			}
		case http.StatusBadRequest, http.StatusUnauthorized:
			var e struct {
				Error  string `json:"error"`
				Detail string `json:"detail"`
			}
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || (e.Error == "" && e.Detail == "") {
				t.Fatalf("POST %s: %d without an OAuth2 or AWX error: %q", p, rec.Code, rec.Body)
			}
		case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusRequestEntityTooLarge, http.StatusTooManyRequests:
			checkAWXBody(t, "POST "+p, rec)
		default:
			t.Fatalf("POST %s %q: %d %s", p, body, rec.Code, rec.Body)
		}
		if bytes.Contains(rec.Body.Bytes(), []byte(w.secret)) {
			t.Fatalf("POST %s: the client secret appears in the response", p)
		}
	})
}

// TestPathTricks: a path that is not canonical (empty, "." or ".."
// segments, decoded or not) or whose escaped form lacks the final slash
// names nothing: AWX's 404, never the ServeMux's plain-text 307 to a
// cleaned path (found by FuzzNamedURL and the bad-input matrix).
func TestPathTricks(t *testing.T) {
	s := servertest.Start(t)
	for _, uri := range []string{
		"/api/v2/users/../", "/api/v2/users/./", "/api/v2//users/", "//api/v2/users/", "/api/v2/users/%2e%2e/",
		"/api/v2/users/1%2F", "/api%2Fv2/users/", "/api/v2/tokens/x/../", "/api/v2/users/..", "/api/v2/users/.",
	} {
		for _, method := range []string{"GET", "POST", "DELETE"} {
			r := httptest.NewRequest(method, "/", strings.NewReader(`{}`))
			u, err := url.ParseRequestURI(uri)
			if err != nil {
				t.Fatal(err)
			}
			r.URL, r.RequestURI = u, uri
			r.Header.Set("Content-Type", "application/json")
			r.Header.Set("Authorization", "Bearer "+s.AdminToken)
			rec := httptest.NewRecorder()
			s.Srv.Handler().ServeHTTP(rec, r)
			if rec.Code != http.StatusNotFound || rec.Body.String() != `{"detail":"The requested resource could not be found."}` {
				t.Errorf("%s %s: %d %q (Location %q), want AWX's 404", method, uri, rec.Code, rec.Body, rec.Header().Get("Location"))
			}
		}
	}
}

// TestNullCharacters: a NUL in any string field is DRF's field error (its
// CharField refuses NUL), never a 500 from a store that cannot hold it
// (PostgreSQL text) and never a value stored on SQLite.
func TestNullCharacters(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "NulOrg")
	for _, c := range []struct {
		method, path, body, field string
	}{
		{"POST", "/api/v2/tokens/", `{"description":"a\u0000b"}`, "description"},
		{"POST", "/api/v2/tokens/", `{"scope":"read\u0000"}`, "scope"},
		{"POST", "/api/v2/users/", `{"username":"nul\u0000","password":"pw"}`, "username"},
		{"POST", "/api/v2/users/", `{"username":"nul","password":"p\u0000w"}`, "password"},
		{"POST", "/api/v2/organizations/", `{"name":"a\u0000"}`, "name"},
		{"POST", "/api/v2/applications/", fmt.Sprintf(`{"name":"a\u0000","organization":%d,"client_type":"public","authorization_grant_type":"password"}`, org.ID), "name"},
	} {
		resp := s.Do(t, c.method, c.path, s.Admin(), c.body)
		var errs map[string][]string
		if resp.Status != http.StatusBadRequest || json.Unmarshal(resp.Body, &errs) != nil ||
			len(errs[c.field]) != 1 || errs[c.field][0] != "Null characters are not allowed." {
			t.Errorf("%s %s %s: %d %s, want 400 {%q: [\"Null characters are not allowed.\"]}", c.method, c.path, c.body, resp.Status, resp.Body, c.field)
		}
	}
}
