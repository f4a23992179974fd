package awx

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// prefixes are the base paths the client is tested under: AWX at the root,
// and AWX behind a reverse proxy at /awx.
var prefixes = []string{"", "/awx"}

const testToken = "Zq3GxYb7pLk2NwVr9TcHsJf4DmAeUo"

// setup starts a test server whose mux sees AWX paths ("/api/v2/...") while
// the server itself is mounted under prefix, and returns a client for it
// authenticated with testToken. A request outside the prefix fails the test.
func setup(t *testing.T, prefix string, opts ...Option) (*Client, *http.ServeMux, *httptest.Server) {
	t.Helper()
	mux := http.NewServeMux()
	root := http.NewServeMux()
	root.Handle(prefix+"/api/", http.StripPrefix(prefix, mux))
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("request outside the base path %q: %s %s", prefix, r.Method, r.URL)
		http.Error(w, "outside the base path", http.StatusBadGateway)
	})
	srv := httptest.NewServer(root)
	t.Cleanup(srv.Close)
	c, err := NewClient(srv.URL+prefix, append([]Option{WithToken(testToken)}, opts...)...)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	return c, mux, srv
}

// forEachPrefix runs f as a subtest for each base path.
func forEachPrefix(t *testing.T, f func(t *testing.T, prefix string)) {
	for _, p := range prefixes {
		name := p
		if name == "" {
			name = "root"
		}
		t.Run(strings.TrimPrefix(name, "/"), func(t *testing.T) { f(t, p) })
	}
}

func testMethod(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.Method != want {
		t.Errorf("request method = %s, want %s", r.Method, want)
	}
}

func testHeader(t *testing.T, r *http.Request, name, want string) {
	t.Helper()
	if got := r.Header.Get(name); got != want {
		t.Errorf("header %s = %q, want %q", name, got, want)
	}
}

// testBody checks the request body byte for byte.
func testBody(t *testing.T, r *http.Request, want string) {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading request body: %v", err)
	}
	if got := string(b); got != want {
		t.Errorf("request body\n got: %s\nwant: %s", got, want)
	}
}

// testQuery checks the raw query string exactly.
func testQuery(t *testing.T, r *http.Request, want string) {
	t.Helper()
	if r.URL.RawQuery != want {
		t.Errorf("query = %q, want %q", r.URL.RawQuery, want)
	}
}

func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

func diff(t *testing.T, what string, got, want any) {
	t.Helper()
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s mismatch (-want +got):\n%s", what, d)
	}
}

var ctx = context.Background()

func ptr[T any](v T) *T { return &v }
