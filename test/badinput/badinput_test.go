// Package badinput is the bad-input matrix: every route of a real
// `awxtoken server` child process (SQLite, and PostgreSQL when
// AWXTOKEN_TEST_POSTGRES is set) gets oversize bodies, wrong content types,
// deep and huge JSON, NUL and odd unicode in strings, overflowing ids and
// page numbers, SQL metacharacters in filters and search, path tricks, and
// slow clients. Each must answer a 4xx (never a 5xx) in AWX's shape, and
// the server must stay up and keep its data.
package badinput

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/proctest"
)

// routes is every pattern the server registers; TestRouteListComplete
// fails when internal/server gains one that is not here.
var routes = []string{
	"GET /api/",
	"GET /api/v2/",
	"GET /api/v2/ping/",
	"GET /api/v2/config/",
	"GET /api/v2/me/",
	"GET /api/v2/users/",
	"POST /api/v2/users/",
	"GET /api/v2/users/{id}/",
	"PUT /api/v2/users/{id}/",
	"PATCH /api/v2/users/{id}/",
	"DELETE /api/v2/users/{id}/",
	"GET /api/v2/users/{id}/organizations/",
	"GET /api/v2/users/{id}/admin_of_organizations/",
	"GET /api/v2/users/{id}/roles/",
	"POST /api/v2/users/{id}/roles/",
	"GET /api/v2/users/{id}/tokens/",
	"POST /api/v2/users/{id}/tokens/",
	"GET /api/v2/users/{id}/authorized_tokens/",
	"POST /api/v2/users/{id}/authorized_tokens/",
	"GET /api/v2/users/{id}/personal_tokens/",
	"POST /api/v2/users/{id}/personal_tokens/",
	"GET /api/v2/users/{id}/applications/",
	"GET /api/v2/users/{id}/activity_stream/",
	"GET /api/v2/organizations/",
	"POST /api/v2/organizations/",
	"GET /api/v2/organizations/{id}/",
	"PUT /api/v2/organizations/{id}/",
	"PATCH /api/v2/organizations/{id}/",
	"DELETE /api/v2/organizations/{id}/",
	"GET /api/v2/organizations/{id}/users/",
	"POST /api/v2/organizations/{id}/users/",
	"GET /api/v2/organizations/{id}/admins/",
	"POST /api/v2/organizations/{id}/admins/",
	"GET /api/v2/organizations/{id}/object_roles/",
	"GET /api/v2/organizations/{id}/applications/",
	"POST /api/v2/organizations/{id}/applications/",
	"GET /api/v2/organizations/{id}/activity_stream/",
	"GET /api/v2/roles/",
	"GET /api/v2/roles/{id}/",
	"GET /api/v2/roles/{id}/users/",
	"POST /api/v2/roles/{id}/users/",
	"GET /api/v2/tokens/",
	"POST /api/v2/tokens/",
	"GET /api/v2/tokens/{id}/",
	"PUT /api/v2/tokens/{id}/",
	"PATCH /api/v2/tokens/{id}/",
	"DELETE /api/v2/tokens/{id}/",
	"GET /api/v2/tokens/{id}/activity_stream/",
	"GET /api/v2/applications/",
	"POST /api/v2/applications/",
	"GET /api/v2/applications/{id}/",
	"PUT /api/v2/applications/{id}/",
	"PATCH /api/v2/applications/{id}/",
	"DELETE /api/v2/applications/{id}/",
	"GET /api/v2/applications/{id}/tokens/",
	"POST /api/v2/applications/{id}/tokens/",
	"GET /api/v2/applications/{id}/activity_stream/",
	"GET /api/v2/activity_stream/",
	"GET /api/v2/activity_stream/{id}/",
	"GET /api/o/",
	"POST /api/o/token/",
	"POST /api/o/revoke_token/",
}

var routeCall = regexp.MustCompile(`^\s*rt\.(?:handle|public|oauth)\("([A-Z]+ /[^"]*)"`)

// TestRouteListComplete reads internal/server's sources for route
// registrations, so a route added there without being added here fails
// instead of escaping the matrix.
func TestRouteListComplete(t *testing.T) {
	files, err := filepath.Glob("../../internal/server/*.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no server sources found: %v", err)
	}
	known := map[string]bool{}
	for _, r := range routes {
		known[r] = true
	}
	found := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if m := routeCall.FindStringSubmatch(line); m != nil {
				found[m[1]] = true
				if !known[m[1]] {
					t.Errorf("%s registers %q, which the bad-input matrix does not cover: add it to routes", filepath.Base(f), m[1])
				}
			}
		}
	}
	for _, r := range routes {
		if !found[r] {
			t.Errorf("route %q is in the matrix but no longer registered: remove it", r)
		}
	}
}

// fixture holds real ids so requests get past the lookups.
type fixture struct {
	bearer  string
	adminID int64
	userID  int64
	orgID   int64
	roleID  int64
	appID   int64
	tokenID int64
	counts  map[string]int
}

func setup(t *testing.T, p *proctest.Proc) *fixture {
	t.Helper()
	basic := proctest.BasicAuth(adminUser, adminPass)
	f := &fixture{}
	var tok struct {
		ID    int64  `json:"id"`
		Token string `json:"token"`
	}
	p.Call(t, "POST", "/api/v2/users/admin/personal_tokens/", basic, map[string]any{"scope": "write"}, 201, &tok)
	f.bearer = "Bearer " + tok.Token
	var obj struct {
		ID int64 `json:"id"`
	}
	var me struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	p.Call(t, "GET", "/api/v2/me/", f.bearer, nil, 200, &me)
	if len(me.Results) != 1 {
		t.Fatal("/api/v2/me/ without the caller")
	}
	f.adminID = me.Results[0].ID
	p.Call(t, "POST", "/api/v2/users/", f.bearer, map[string]any{"username": "victim", "password": "victim-pw-1"}, 201, &obj)
	f.userID = obj.ID
	p.Call(t, "POST", "/api/v2/organizations/", f.bearer, map[string]any{"name": "BadOrg"}, 201, &obj)
	f.orgID = obj.ID
	p.Call(t, "POST", "/api/v2/applications/", f.bearer, map[string]any{"name": "badapp", "organization": f.orgID,
		"client_type": "confidential", "authorization_grant_type": "password"}, 201, &obj)
	f.appID = obj.ID
	p.Call(t, "POST", "/api/v2/tokens/", f.bearer, map[string]any{"application": f.appID, "description": "fixture"}, 201, &obj)
	f.tokenID = obj.ID
	var roles struct {
		Results []struct {
			ID int64 `json:"id"`
		} `json:"results"`
	}
	p.Call(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/object_roles/", f.orgID), f.bearer, nil, 200, &roles)
	if len(roles.Results) == 0 {
		t.Fatal("organization without roles")
	}
	f.roleID = roles.Results[0].ID
	f.counts = f.snapshot(t, p)
	return f
}

// snapshot counts the objects of each list, to show afterwards that no
// hostile input dropped or mangled data.
func (f *fixture) snapshot(t *testing.T, p *proctest.Proc) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, l := range []string{"users", "organizations", "applications", "tokens"} {
		var page struct {
			Count int `json:"count"`
		}
		p.Call(t, "GET", "/api/v2/"+l+"/", f.bearer, nil, 200, &page)
		out[l] = page.Count
	}
	return out
}

// path fills {id} with the fixture's id of the resource the path names;
// DELETE routes get an id that names nothing, so the matrix never deletes
// its own fixtures.
func (f *fixture) path(method, pattern string) string {
	if !strings.Contains(pattern, "{id}") {
		return pattern
	}
	id := int64(1)
	switch {
	case method == "DELETE":
		id = 987654321
	case method == "POST" && strings.HasPrefix(pattern, "/api/v2/users/") && strings.HasSuffix(pattern, "tokens/"):
		// Tokens are made only for oneself (spec D.3): another user's id
		// is a 403 before the body is read.
		id = f.adminID
	case strings.HasPrefix(pattern, "/api/v2/users/"):
		id = f.userID
	case strings.HasPrefix(pattern, "/api/v2/organizations/"):
		id = f.orgID
	case strings.HasPrefix(pattern, "/api/v2/roles/"):
		id = f.roleID
	case strings.HasPrefix(pattern, "/api/v2/tokens/"):
		id = f.tokenID
	case strings.HasPrefix(pattern, "/api/v2/applications/"):
		id = f.appID
	}
	return strings.Replace(pattern, "{id}", strconv.FormatInt(id, 10), 1)
}

// badCase is one hostile request shape.
type badCase struct {
	name string
	// applies says whether the case makes sense for the route.
	applies func(method, pattern string) bool
	// build returns the method, path (raw, sent as is), headers and body.
	build func(f *fixture, method, pattern string) (path string, hdr map[string]string, body []byte, chunked bool)
	// want, when set, is the exact status required; otherwise any 4xx.
	want func(method, pattern string) int
	// okAllowed: the input is odd but valid, so a 2xx is a fine answer.
	okAllowed bool
}

func hasBody(method, _ string) bool { return method == "POST" || method == "PUT" || method == "PATCH" }
func any2(string, string) bool      { return true }
func isList(method, pattern string) bool {
	return method == "GET" && (strings.HasSuffix(pattern, "s/") || strings.HasSuffix(pattern, "_stream/")) &&
		!strings.HasPrefix(pattern, "/api/o/") && pattern != "/api/" && pattern != "/api/v2/"
}
func isOAuth(pattern string) bool { return strings.HasPrefix(pattern, "/api/o/") }
func isJSONWrite(method, pattern string) bool {
	return hasBody(method, pattern) && !isOAuth(pattern)
}

func jsonBody() map[string]string { return map[string]string{"Content-Type": "application/json"} }

var (
	bigBody   = append(append([]byte(`{"description":"`), bytes.Repeat([]byte("a"), 2<<20)...), `"}`...)
	deepJSON  = []byte(strings.Repeat("[", 100000) + strings.Repeat("]", 100000))
	deepObj   = []byte(strings.Repeat(`{"a":`, 60000) + "1" + strings.Repeat("}", 60000))
	hugeArray = []byte("[" + strings.Repeat("0,", 400000) + "0]")
	manyKeys  = func() []byte {
		var b bytes.Buffer
		b.WriteString("{")
		for i := range 40000 {
			fmt.Fprintf(&b, `"k%d":%d,`, i, i)
		}
		b.WriteString(`"description":"many keys"}`)
		return b.Bytes()
	}()
)

func cases() []badCase {
	same := func(body []byte, ct string) func(*fixture, string, string) (string, map[string]string, []byte, bool) {
		return func(f *fixture, m, p string) (string, map[string]string, []byte, bool) {
			h := map[string]string{}
			if ct != "" {
				h["Content-Type"] = ct
			}
			return f.path(m, p), h, body, false
		}
	}
	withID := func(id string) func(*fixture, string, string) (string, map[string]string, []byte, bool) {
		return func(f *fixture, m, p string) (string, map[string]string, []byte, bool) {
			var body []byte
			h := map[string]string{}
			if hasBody(m, p) {
				body, h["Content-Type"] = []byte(`{}`), "application/json"
			}
			return strings.Replace(p, "{id}", id, 1), h, body, false
		}
	}
	withQuery := func(q string) func(*fixture, string, string) (string, map[string]string, []byte, bool) {
		return func(f *fixture, m, p string) (string, map[string]string, []byte, bool) {
			return f.path(m, p) + "?" + q, nil, nil, false
		}
	}
	pathTrick := func(trick func(string) string) func(*fixture, string, string) (string, map[string]string, []byte, bool) {
		return func(f *fixture, m, p string) (string, map[string]string, []byte, bool) {
			return trick(f.path(m, p)), nil, nil, false
		}
	}
	exactly := func(code int) func(string, string) int { return func(string, string) int { return code } }
	hasID := func(_, p string) bool { return strings.Contains(p, "{id}") }

	cs := []badCase{
		{name: "oversize body", applies: any2, build: same(bigBody, "application/json"), want: exactly(413)},
		{name: "oversize chunked body", applies: isJSONWrite, want: exactly(413),
			build: func(f *fixture, m, p string) (string, map[string]string, []byte, bool) {
				return f.path(m, p), jsonBody(), bigBody, true
			}},
		{name: "text/plain", applies: isJSONWrite, build: same([]byte(`{"description":"x"}`), "text/plain"), want: exactly(415)},
		{name: "no content type", applies: isJSONWrite, build: same([]byte(`{"description":"x"}`), ""), want: exactly(415)},
		{name: "form to a JSON route", applies: isJSONWrite, build: same([]byte(`description=x`), "application/x-www-form-urlencoded"), want: exactly(415)},
		{name: "bad media type", applies: hasBody, build: same([]byte(`{}`), "application/json; ===")},
		{name: "JSON to /api/o/", applies: func(m, p string) bool { return isOAuth(p) && hasBody(m, p) },
			build: same([]byte(`{"grant_type":"password"}`), "application/json")},
		{name: "malformed JSON", applies: isJSONWrite, build: same([]byte(`{"description":`), "application/json"), want: exactly(400)},
		{name: "deep array", applies: isJSONWrite, build: same(deepJSON, "application/json"), want: exactly(400)},
		{name: "deep object", applies: isJSONWrite, build: same(deepObj, "application/json")},
		{name: "huge array", applies: isJSONWrite, build: same(hugeArray, "application/json"), want: exactly(400)},
		{name: "many keys", applies: isJSONWrite, okAllowed: true, build: same(manyKeys, "application/json")},
		{name: "NUL in strings", applies: isJSONWrite, build: same([]byte(`{"name":"a\u0000b","description":"a\u0000b","username":"a\u0000","password":"p\u0000w","scope":"read\u0000","first_name":"\u0000","email":"a@b\u0000","client_type":"public\u0000","authorization_grant_type":"password","organization":1,"application":1,"id":"1\u0000"}`), "application/json")},
		{name: "odd unicode", applies: isJSONWrite, okAllowed: true,
			build: same([]byte(`{"description":"ünï 🎉 \u202e\ufeff\u0085 名前","first_name":"\ud83d\ude00","name":"名前 🎉"}`), "application/json")},
		{name: "invalid UTF-8", applies: isJSONWrite, okAllowed: true, build: same([]byte("{\"description\":\"\xff\xfe\xc3\x28\",\"name\":\"\xed\xa0\x80\"}"), "application/json")},
		{name: "overflowing ids in body", applies: isJSONWrite, okAllowed: true, build: same([]byte(`{"id":9223372036854775808,"application":99999999999999999999999,"organization":-9223372036854775809,"max_hosts":1e400,"user":1e309,"scope":"write"}`), "application/json")},
		{name: "form with NUL to /api/o/", applies: func(m, p string) bool { return isOAuth(p) && hasBody(m, p) },
			build: same([]byte("grant_type=password&username=%00&password=%00&client_id=%00&token=%00"), "application/x-www-form-urlencoded")},
		{name: "form with overlong values to /api/o/", applies: func(m, p string) bool { return isOAuth(p) && hasBody(m, p) },
			build: same([]byte("grant_type=password&username="+strings.Repeat("u", 100000)+"&client_id="+strings.Repeat("c", 100000)+"&token="+strings.Repeat("t", 100000)), "application/x-www-form-urlencoded")},
	}
	for _, id := range []string{"9223372036854775808", "99999999999999999999999", "-1", "0", "1e3", "0x10", "%00", "%2F", "%2e%2e", "1%20"} {
		// POST /api/v2/users/0/tokens/ is the caller's own (spec D.3).
		cs = append(cs, badCase{name: "path id " + id, applies: hasID, build: withID(id), okAllowed: id == "0"})
	}
	for _, q := range []string{
		"page=9223372036854775808", "page=-1", "page=0", "page=1e2", "page_size=99999999999999999999", "page=99999999999",
		"page_size=-5&page=2", "page=%00",
	} {
		cs = append(cs, badCase{name: "page " + q, applies: isList, build: withQuery(q), okAllowed: true})
	}
	for _, q := range []string{
		"search=%27%20OR%20%271%27%3D%271", "search=%25%27%3B%20DROP%20TABLE%20users%3B--", "search=%5C%25_%00",
		"id__in=1)%20OR%20(1%3D1", "id=1%20OR%201%3D1", "name__icontains=%25%27%3B%20DROP%20TABLE%20users%3B--",
		"description__regex=(%3Fi)((", "name__iregex=%5B", "username__regex=a%7B1000000%7D", "order_by=id%3BDROP%20TABLE%20users",
		"order_by=-id,%22name%22", "created__gt=%27%20OR%201%3D1--", "id__in=" + strings.Repeat("1,", 5000) + "1",
		"or__id=1&or__id=2&not__id=3", "user__username__startswith=%5C", "organization__name=%00", "id__gt=9223372036854775808",
	} {
		cs = append(cs, badCase{name: "filter " + q, applies: isList, build: withQuery(q), okAllowed: true})
	}
	notFound := exactly(404)
	for _, tr := range []struct {
		name string
		f    func(string) string
	}{
		{"double slash", func(p string) string { return strings.Replace(p, "/api/", "/api//", 1) }},
		{"leading double slash", func(p string) string { return "/" + p }},
		{"dot segment", func(p string) string { return strings.Replace(p, "/api/", "/api/./", 1) }},
		{"dot-dot segment", func(p string) string { return strings.Replace(p, "/api/", "/api/x/../", 1) }},
		{"encoded dot-dot", func(p string) string { return strings.Replace(p, "/api/", "/api/x/%2e%2e/", 1) }},
		{"encoded slash", func(p string) string { return strings.TrimSuffix(p, "/") + "%2F" }},
		{"encoded inner slash", func(p string) string { return strings.Replace(p, "/api/", "/api%2F", 1) }},
		{"backslash", func(p string) string { return strings.Replace(p, "/api/", "/api\\", 1) }},
		{"trailing dot", func(p string) string { return p + "." }},
	} {
		cs = append(cs, badCase{name: "path " + tr.name, applies: any2, build: pathTrick(tr.f), want: notFound})
	}
	return cs
}

// send issues one hostile request on its own connection.
func send(t *testing.T, p *proctest.Proc, f *fixture, method, path string, hdr map[string]string, body []byte, chunked bool) (int, http.Header, []byte, error) {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: %s\r\nAuthorization: %s\r\nConnection: close\r\n", method, path, p.Addr, f.bearer)
	for k, v := range hdr {
		fmt.Fprintf(&b, "%s: %s\r\n", k, v)
	}
	c, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
	if err != nil {
		return 0, nil, nil, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(60 * time.Second))
	go func() {
		// The server may answer (413) and close before the body is sent;
		// the write error that follows is expected, the answer is read below.
		if body == nil {
			io.WriteString(c, b.String()+"\r\n")
			return
		}
		if chunked {
			io.WriteString(c, b.String()+"Transfer-Encoding: chunked\r\n\r\n")
			for i := 0; i < len(body); i += 64 << 10 {
				chunk := body[i:min(len(body), i+64<<10)]
				if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
					return
				}
			}
			io.WriteString(c, "0\r\n\r\n")
			return
		}
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n", len(body))
		io.WriteString(c, b.String())
		c.Write(body)
	}()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	rb, err := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, rb, err
}

// checkShape fails unless body is an AWX error ({"detail"}, {"msg"},
// {"field": [...]}) or, on /api/o/, an OAuth2 error ({"error"}) or AWX's
// plain-text refresh-token 403.
func checkShape(status int, pattern string, body []byte) error {
	if status == http.StatusMethodNotAllowed && len(body) == 0 && isOAuth(pattern) {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(body, &obj); err != nil || len(obj) == 0 {
		if isOAuth(pattern) && string(body) == "The refresh token has expired." {
			return nil
		}
		return fmt.Errorf("not a JSON error object: %.200q", body)
	}
	for _, k := range []string{"detail", "msg", "error"} {
		if v, ok := obj[k]; ok {
			var s string
			if json.Unmarshal(v, &s) != nil || s == "" {
				return fmt.Errorf("%s is not a message: %.200s", k, body)
			}
			return nil
		}
	}
	for k, v := range obj {
		var msgs []string
		var nested map[string]any
		if json.Unmarshal(v, &msgs) != nil && json.Unmarshal(v, &nested) != nil {
			return fmt.Errorf("field %q is not a list of messages: %.200s", k, body)
		}
	}
	return nil
}

func TestMatrix(t *testing.T) {
	for name, dsn := range proctest.Backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			p := startServer(t, dsn(t))
			f := setup(t, p)
			cs := cases()
			n := 0
			for _, rt := range routes {
				method, pattern, _ := strings.Cut(rt, " ")
				for _, c := range cs {
					if !c.applies(method, pattern) {
						continue
					}
					n++
					path, hdr, body, chunked := c.build(f, method, pattern)
					status, h, rb, err := send(t, p, f, method, path, hdr, body, chunked)
					what := fmt.Sprintf("%s %s [%s]", method, pattern, c.name)
					switch {
					case err != nil:
						t.Errorf("%s: no answer: %v", what, err)
						p.Alive(t)
					case status >= 500:
						t.Errorf("%s: %d %.300s (request id %s)", what, status, rb, h.Get("X-API-Request-Id"))
					case c.want != nil && status != c.want(method, pattern):
						t.Errorf("%s: %d %.200s, want %d", what, status, rb, c.want(method, pattern))
					case status < 400 && !c.okAllowed:
						t.Errorf("%s: %d %.200s, want a 4xx", what, status, rb)
					case status >= 400:
						if err := checkShape(status, pattern, rb); err != nil {
							t.Errorf("%s: %d: %v", what, status, err)
						}
					}
				}
				p.Alive(t)
			}
			t.Logf("%d hostile requests on %d routes", n, len(routes))
			if got := f.snapshot(t, p); fmt.Sprint(got) != fmt.Sprint(f.counts) {
				// Creates with odd but valid input may add rows; nothing may
				// disappear.
				for k, v := range f.counts {
					if got[k] < v {
						t.Errorf("%s: %d before the matrix, %d after", k, v, got[k])
					}
				}
			}
			p.Call(t, "GET", "/api/v2/me/", f.bearer, nil, 200, nil)
			p.Call(t, "GET", fmt.Sprintf("/api/v2/tokens/%d/", f.tokenID), f.bearer, nil, 200, nil)
		})
	}
}

// TestSlowClients holds connections open the ways slow or hostile clients
// do (headers trickled, a body trickled, responses never read) and checks
// that the server keeps answering others and cuts the stalled connections
// within its timeouts (ReadHeaderTimeout 10 s, ReadTimeout 20 s).
func TestSlowClients(t *testing.T) {
	t.Parallel()
	p := startServer(t, filepath.Join(t.TempDir(), "awxtoken.db"))
	f := setup(t, p)

	type held struct {
		c    net.Conn
		kind string
	}
	var conns []held
	for range 20 {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		io.WriteString(c, "GET /api/v2/me/ HTTP/1.1\r\nHost: x\r\nX-Slow: ") // headers never finish
		conns = append(conns, held{c, "headers"})
	}
	for range 20 {
		c, err := net.Dial("tcp", p.Addr)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(c, "POST /api/v2/tokens/ HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{", f.bearer)
		conns = append(conns, held{c, "body"})
	}
	// A client that pipelines requests and never reads the answers.
	greedy, err := net.Dial("tcp", p.Addr)
	if err != nil {
		t.Fatal(err)
	}
	defer greedy.Close()
	go func() {
		req := fmt.Sprintf("GET /api/v2/users/?page_size=200 HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\n\r\n", f.bearer)
		for range 5000 {
			if _, err := io.WriteString(greedy, req); err != nil {
				return
			}
		}
	}()
	defer func() {
		for _, h := range conns {
			h.c.Close()
		}
	}()

	// Meanwhile everyone else is served promptly.
	start := time.Now()
	for range 20 {
		p.Call(t, "GET", "/api/v2/me/", f.bearer, nil, 200, nil)
		p.Alive(t)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("40 requests beside the stalled clients took %v", d)
	}

	// Trickle the bodies one byte a second: ReadTimeout counts from the
	// start of the request, so this does not keep them alive.
	stopTrickle := make(chan struct{})
	defer close(stopTrickle)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-stopTrickle:
				return
			case <-tick.C:
				for _, h := range conns {
					if h.kind == "body" {
						h.c.Write([]byte(" "))
					}
				}
			}
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for _, h := range conns {
		h.c.SetReadDeadline(deadline)
		b, err := io.ReadAll(h.c)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("a connection with stalled %s was still open after %v", h.kind, time.Since(start).Round(time.Second))
			continue
		}
		if s := string(b); s != "" && !strings.HasPrefix(s, "HTTP/1.1 4") {
			t.Errorf("stalled %s answered %.100q", h.kind, s)
		}
	}
	p.Alive(t)
	p.Call(t, "GET", "/api/v2/me/", f.bearer, nil, 200, nil)
}

// TestOverflowingIDs: ids that no integer type holds are field errors
// where a field takes a pk (read-only pk fields are ignored, as in AWX, so
// the matrix accepts a 2xx there).
func TestOverflowingIDs(t *testing.T) {
	t.Parallel()
	p := startServer(t, filepath.Join(t.TempDir(), "awxtoken.db"))
	f := setup(t, p)
	for _, c := range []struct {
		path, body, field string
	}{
		{"/api/v2/tokens/", `{"application":9223372036854775808}`, "application"},
		{"/api/v2/tokens/", `{"application":-9223372036854775809}`, "application"},
		{"/api/v2/tokens/", `{"application":1e400}`, "application"},
		{"/api/v2/users/0/authorized_tokens/", `{"application":"99999999999999999999"}`, "application"},
		{"/api/v2/applications/", `{"name":"x","client_type":"public","authorization_grant_type":"password","organization":18446744073709551616}`, "organization"},
	} {
		status, _, b, err := send(t, p, f, "POST", c.path, map[string]string{"Content-Type": "application/json"}, []byte(c.body), false)
		if err != nil {
			t.Fatal(err)
		}
		var errs map[string][]string
		if status != 400 || json.Unmarshal(b, &errs) != nil || len(errs[c.field]) == 0 {
			t.Errorf("POST %s %s: %d %s, want 400 with a %q error", c.path, c.body, status, b, c.field)
		}
	}
	for _, path := range []string{"/api/v2/organizations/%d/users/", "/api/v2/roles/%d/users/"} {
		id := f.orgID
		if strings.Contains(path, "roles") {
			id = f.roleID
		}
		path = fmt.Sprintf(path, id)
		status, _, b, err := send(t, p, f, "POST", path, map[string]string{"Content-Type": "application/json"}, []byte(`{"id":9223372036854775808}`), false)
		if err != nil {
			t.Fatal(err)
		}
		if status != 400 && status != 404 {
			t.Errorf("POST %s with an overflowing id: %d %s", path, status, b)
		}
	}
	p.Alive(t)
}

// TestMalformedHTTP: requests that are not valid HTTP/1.1 (a NUL or a
// newline trick in a header, headers over the limit, a garbage request
// line, a raw NUL in the path) never reach the API: Go's HTTP server
// answers its own plain-text 400 or 431 and closes the connection. Not
// AWX's JSON shape, but nothing AWX's clients send, and the server stays up.
func TestMalformedHTTP(t *testing.T) {
	t.Parallel()
	p := startServer(t, filepath.Join(t.TempDir(), "awxtoken.db"))
	for _, c := range []struct {
		name, raw string
		want      int
	}{
		{"NUL in a header", "GET /api/v2/ping/ HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n", 400},
		{"header without a colon", "GET /api/v2/ping/ HTTP/1.1\r\nHost: x\r\nnonsense\r\n\r\n", 400},
		{"two Content-Lengths", "POST /api/v2/tokens/ HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n{}", 400},
		{"oversize headers", "GET /api/v2/ping/ HTTP/1.1\r\nHost: x\r\nX-Big: " + strings.Repeat("a", 2<<20) + "\r\n\r\n", 431},
		{"garbage request line", "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 HTTP/1.1\r\n\r\n", 400},
		{"NUL in the path", "GET /api/v2/\x00/ HTTP/1.1\r\nHost: x\r\n\r\n", 400},
		{"no Host", "GET /api/v2/ping/ HTTP/1.1\r\n\r\n", 400},
	} {
		c1, err := net.DialTimeout("tcp", p.Addr, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c1.SetDeadline(time.Now().Add(20 * time.Second))
		go io.WriteString(c1, c.raw)
		resp, err := http.ReadResponse(bufio.NewReader(c1), nil)
		if err != nil {
			t.Errorf("%s: no answer: %v", c.name, err)
		} else {
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s: %d, want %d", c.name, resp.StatusCode, c.want)
			}
		}
		c1.Close()
		p.Alive(t)
	}
}
