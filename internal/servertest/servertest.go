// Package servertest starts the real awxtoken server in-process for tests:
// a temporary store (a SQLite file in t.TempDir), server.New behind
// httptest.NewServer on a loopback port, a superuser "admin" with a random
// password and a write personal access token, and helpers to create users,
// organizations, roles and tokens and to make requests. Everything is
// cleaned up when the test ends. No part of the server is mocked.
//
// The store is SQLite, or PostgreSQL when AWXTOKEN_TEST_POSTGRES names a
// server (see openStore); the same tests run on both.
package servertest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

// Server is a running test server.
type Server struct {
	URL   string // base URL, "http://127.0.0.1:PORT", no trailing slash
	Store store.Store
	Srv   *server.Server
	// HTTP is a client that does not follow redirects, so tests see AWX's
	// 301s as they are.
	HTTP *http.Client

	AdminID       int64
	AdminUsername string
	AdminPassword string
	AdminToken    string // a write personal access token of the admin

	opts options
}

type options struct {
	now       func() time.Time
	configure []func(*server.Config)
}

// Option changes how Start builds the server.
type Option func(*options)

// WithNow sets the clock of both the server and the store.
func WithNow(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithAccessTokenExpireSeconds sets ACCESS_TOKEN_EXPIRE_SECONDS.
func WithAccessTokenExpireSeconds(n int64) Option {
	return WithConfig(func(c *server.Config) { c.AccessTokenExpireSeconds = n })
}

// WithRefreshTokenExpireSeconds sets REFRESH_TOKEN_EXPIRE_SECONDS.
func WithRefreshTokenExpireSeconds(n int64) Option {
	return WithConfig(func(c *server.Config) { c.RefreshTokenExpireSeconds = n })
}

// WithConfig edits the server configuration before the server is built
// (login throttle limits, logger, product version...).
func WithConfig(f func(*server.Config)) Option {
	return func(o *options) { o.configure = append(o.configure, f) }
}

// Start starts a server for t and registers its cleanup.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	var o options
	for _, f := range opts {
		f(&o)
	}
	if o.now == nil {
		o.now = time.Now
	}
	st := openStore(t, o)

	cfg := server.Config{Store: st, Now: o.now}
	for _, f := range o.configure {
		f(&cfg)
	}
	srv := server.New(cfg)
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("servertest: closing server: %v", err)
		}
	})
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(ts.Close)

	s := &Server{
		URL:   ts.URL,
		Store: st,
		Srv:   srv,
		HTTP: &http.Client{
			Timeout: 30 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error {
				return http.ErrUseLastResponse
			},
		},
		AdminUsername: "admin",
		AdminPassword: adminPassword(),
		opts:          o,
	}
	admin := s.CreateUser(t, s.AdminUsername, s.AdminPassword, true)
	s.AdminID = admin.ID
	s.AdminToken = s.CreatePAT(t, admin.ID, "write")
	return s
}

// openStore opens an empty store, closed at cleanup: a schema of its own on
// the PostgreSQL server AWXTOKEN_TEST_POSTGRES names (CI sets it), else a
// SQLite file in a temporary directory.
func openStore(t testing.TB, o options) store.Store {
	t.Helper()
	if os.Getenv(pgtest.Env) != "" {
		return openPostgres(t, o)
	}
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "awxtoken.db"))
	if err != nil {
		t.Fatalf("servertest: opening SQLite store: %v", err)
	}
	db.Now = o.now
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("servertest: closing store: %v", err)
		}
	})
	return db
}

func openPostgres(t testing.TB, o options) store.Store {
	t.Helper()
	// NewSchema shares one database per test binary when the package's
	// TestMain runs pgtest.Main, and makes a database per test otherwise.
	dsn := pgtest.NewSchema(t)
	db, err := postgres.Open(context.Background(), dsn, postgres.Options{})
	if err != nil {
		t.Fatalf("servertest: opening PostgreSQL store: %v", err)
	}
	db.Now = o.now
	// Registered after NewSchema's cleanup, so it runs before the schema is
	// dropped.
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("servertest: closing store: %v", err)
		}
	})
	return db
}

// Backend names the store the tests run on: "postgres" or "sqlite".
func Backend() string {
	if os.Getenv(pgtest.Env) != "" {
		return "postgres"
	}
	return "sqlite"
}

// adminPassword is random per test process; one password for every server
// the process starts lets hashPassword's cache spare an argon2id run (tens
// of milliseconds, far more under the race detector) per Start.
var adminPassword = sync.OnceValue(secret.NewToken)

var (
	hashMu    sync.Mutex
	hashCache = map[string]string{}
)

// hashPassword is secret.HashPassword, remembered per password for the
// life of the test process. Sharing a salt between test users with the
// same password is harmless; the hash still verifies like any other.
func hashPassword(pw string) (string, error) {
	hashMu.Lock()
	defer hashMu.Unlock()
	if h, ok := hashCache[pw]; ok {
		return h, nil
	}
	h, err := secret.HashPassword(pw)
	if err != nil {
		return "", err
	}
	hashCache[pw] = h
	return h, nil
}

// now is the test clock.
func (s *Server) now() time.Time { return s.opts.now() }

// CreateUser adds an active user with an argon2id password hash (an empty
// password means no password login).
func (s *Server) CreateUser(t testing.TB, username, password string, superuser bool) *store.User {
	t.Helper()
	u := &store.User{Username: username, IsSuperuser: superuser, IsActive: true}
	if password != "" {
		h, err := hashPassword(password)
		if err != nil {
			t.Fatalf("servertest: hashing password: %v", err)
		}
		u.PasswordHash = h
	}
	if err := s.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("servertest: creating user %q: %v", username, err)
	}
	return u
}

// CreateOrg adds an organization (with its three roles).
func (s *Server) CreateOrg(t testing.TB, name string) *store.Organization {
	t.Helper()
	o := &store.Organization{Name: name}
	if err := s.Store.CreateOrganization(context.Background(), o); err != nil {
		t.Fatalf("servertest: creating organization %q: %v", name, err)
	}
	return o
}

// Role returns the id of an organization's role.
func (s *Server) Role(t testing.TB, orgID int64, role store.RoleName) int64 {
	t.Helper()
	roles, err := s.Store.OrganizationRoles(context.Background(), orgID)
	if err != nil {
		t.Fatalf("servertest: roles of organization %d: %v", orgID, err)
	}
	for _, r := range roles {
		if r.Name == role {
			return r.ID
		}
	}
	t.Fatalf("servertest: organization %d has no %s role", orgID, role)
	return 0
}

// Grant gives user userID the role of organization orgID.
func (s *Server) Grant(t testing.TB, orgID int64, role store.RoleName, userID int64) {
	t.Helper()
	if err := s.Store.GrantRole(context.Background(), s.Role(t, orgID, role), userID); err != nil {
		t.Fatalf("servertest: granting %s of organization %d to user %d: %v", role, orgID, userID, err)
	}
}

// CreatePAT stores a personal access token for userID with scope and
// returns it in clear.
func (s *Server) CreatePAT(t testing.TB, userID int64, scope string) string {
	t.Helper()
	return s.createToken(t, userID, nil, scope, s.now().Add(24*time.Hour))
}

// CreateToken stores an access token (appID nil: a PAT) expiring at
// expires, and returns it in clear.
func (s *Server) CreateToken(t testing.TB, userID int64, appID *int64, scope string, expires time.Time) string {
	t.Helper()
	return s.createToken(t, userID, appID, scope, expires)
}

func (s *Server) createToken(t testing.TB, userID int64, appID *int64, scope string, expires time.Time) string {
	t.Helper()
	tok := secret.NewToken()
	at := &store.AccessToken{UserID: userID, Digest: secret.Digest(tok), ApplicationID: appID, Scope: scope, Expires: expires}
	if err := s.Store.CreateAccessToken(context.Background(), at, nil); err != nil {
		t.Fatalf("servertest: creating token for user %d: %v", userID, err)
	}
	return tok
}

// Auth adds credentials to a request; nil sends none.
type Auth func(*http.Request)

// Bearer authenticates with an access token.
func Bearer(token string) Auth {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

// Basic authenticates with a username and password.
func Basic(username, password string) Auth {
	return func(r *http.Request) {
		r.Header.Set("Authorization", "Basic "+base64.StdEncoding.EncodeToString([]byte(username+":"+password)))
	}
}

// Admin authenticates as the admin with their token.
func (s *Server) Admin() Auth { return Bearer(s.AdminToken) }

// Response is what a request got back.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test when it is not JSON.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("servertest: response body is not the expected JSON (%v): %s", err, r.Body)
	}
}

// Detail returns the "detail" of an AWX error body ("" when absent).
func (r *Response) Detail(t testing.TB) string {
	t.Helper()
	var b struct {
		Detail string `json:"detail"`
	}
	r.JSON(t, &b)
	return b.Detail
}

// Do sends method path (relative to URL, "/api/v2/...") with auth and a
// JSON body: nil for none, a string or []byte sent as is, anything else
// marshalled. A body is sent as application/json.
func (s *Server) Do(t testing.TB, method, path string, auth Auth, body any) *Response {
	t.Helper()
	var rd io.Reader
	ct := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ct = strings.NewReader(b), "application/json"
	case []byte:
		rd, ct = bytes.NewReader(b), "application/json"
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatalf("servertest: marshalling body: %v", err)
		}
		rd, ct = bytes.NewReader(j), "application/json"
	}
	return s.Request(t, method, path, auth, ct, rd)
}

// Request sends a request with any content type and body (nil: none).
func (s *Server) Request(t testing.TB, method, path string, auth Auth, contentType string, body io.Reader) *Response {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		t.Fatalf("servertest: building %s %s: %v", method, path, err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if auth != nil {
		auth(req)
	}
	return s.Send(t, req)
}

// Send sends a prepared request.
func (s *Server) Send(t testing.TB, req *http.Request) *Response {
	t.Helper()
	resp, err := s.HTTP.Do(req)
	if err != nil {
		t.Fatalf("servertest: %s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("servertest: reading response of %s %s: %v", req.Method, req.URL.Path, err)
	}
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}
