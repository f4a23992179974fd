package server_test

import (
	"context"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestBearer(t *testing.T) {
	s := servertest.Start(t)
	for _, scheme := range []string{"Bearer", "bearer", "BEARER", "bEaReR"} {
		req, _ := http.NewRequest("GET", s.URL+"/api/v2/me/", nil)
		req.Header.Set("Authorization", scheme+" "+s.AdminToken)
		if r := s.Send(t, req); r.Status != 200 {
			t.Errorf("scheme %q: %d %s", scheme, r.Status, r.Body)
		}
	}
	for name, tok := range map[string]string{
		"unknown":        secret.NewToken(),
		"too short":      s.AdminToken[:29],
		"too long":       s.AdminToken + "x",
		"bad characters": s.AdminToken[:29] + "-",
		"empty":          "",
	} {
		r := s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil)
		expect(t, r, 401, bodyNotAuthenticated)
		if r.Header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: no WWW-Authenticate", name)
		}
		// A bad token is just "not authenticated": public endpoints still answer.
		if r := s.Do(t, "GET", "/api/v2/ping/", servertest.Bearer(tok), nil); r.Status != 200 {
			t.Errorf("%s: ping %d", name, r.Status)
		}
	}
}

func TestBearerExpiry(t *testing.T) {
	var now atomic.Pointer[time.Time]
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	now.Store(&start)
	s := servertest.Start(t, servertest.WithNow(func() time.Time { return *now.Load() }))
	tok := s.CreateToken(t, s.AdminID, nil, "write", start.Add(time.Hour))
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 200)
	almost := start.Add(time.Hour - time.Microsecond)
	now.Store(&almost)
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 200)
	// Valid while now < expires: at the instant of expiry it is refused.
	at := start.Add(time.Hour)
	now.Store(&at)
	expect(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 401, bodyNotAuthenticated)
}

func TestBasic(t *testing.T) {
	s := servertest.Start(t)
	alice := s.CreateUser(t, "alice", "s3cret pass", false)
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("alice", "s3cret pass"), nil), 200)

	for name, auth := range map[string]servertest.Auth{
		"wrong password": servertest.Basic("alice", "s3cret pasS"),
		"unknown user":   servertest.Basic("nobody", "s3cret pass"),
		"empty":          servertest.Basic("", ""),
	} {
		r := s.Do(t, "GET", "/api/v2/me/", auth, nil)
		expect(t, r, 401, bodyBadBasic)
		if r.Header.Get("WWW-Authenticate") != "Bearer realm=api authorization_url=/api/o/authorize/" {
			t.Errorf("%s: WWW-Authenticate = %q", name, r.Header.Get("WWW-Authenticate"))
		}
		// Unlike a bad token, bad Basic credentials fail even where
		// anonymous access is allowed, as DRF's BasicAuthentication raises.
		expect(t, s.Do(t, "GET", "/api/v2/ping/", auth, nil), 401, bodyBadBasic)
	}
	// Malformed Basic headers get DRF's messages, and like every 401 in AWX
	// (APIView.finalize_response) the login hint; a credential without a
	// colon is a username with an empty password, as DRF's partition makes it.
	for header, want := range map[string]string{
		"Basic !!!notbase64": `{"detail":"Invalid basic header. Credentials not correctly base64 encoded. To establish a login session, visit /api/login/."}`,
		"Basic":              `{"detail":"Invalid basic header. No credentials provided. To establish a login session, visit /api/login/."}`,
		"Basic YWxp Y2U=":    `{"detail":"Invalid basic header. Credentials string should not contain spaces. To establish a login session, visit /api/login/."}`,
		"Basic YWxpY2U=":     bodyBadBasic, // "alice", no colon
	} {
		req, _ := http.NewRequest("GET", s.URL+"/api/v2/me/", nil)
		req.Header.Set("Authorization", header)
		r := s.Send(t, req)
		expect(t, r, 401, want)
		if r.Header.Get("WWW-Authenticate") != "Bearer realm=api authorization_url=/api/o/authorize/" {
			t.Errorf("%s: WWW-Authenticate = %q", header, r.Header.Get("WWW-Authenticate"))
		}
	}

	// An inactive user is refused with both schemes.
	tok := s.CreatePAT(t, alice.ID, "write")
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 200)
	inactive := false
	if _, err := s.Store.UpdateUser(context.Background(), alice.ID, store.UserUpdate{IsActive: &inactive}); err != nil {
		t.Fatal(err)
	}
	expect(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("alice", "s3cret pass"), nil), 401, bodyBadBasic)
	// The token cache may hold the user for up to a second.
	deadline := time.Now().Add(3 * time.Second)
	for {
		r := s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil)
		if r.Status == 401 {
			expect(t, r, 401, bodyNotAuthenticated)
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("token of a deactivated user still accepted: %d", r.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// A user imported from AWX keeps their Django pbkdf2_sha256 password.
func TestBasicDjangoHash(t *testing.T) {
	s := servertest.Start(t)
	hash, err := secret.DjangoPBKDF2("from-awx", "Rf4sOdwq1LVE", 260000)
	if err != nil {
		t.Fatal(err)
	}
	u := &store.User{Username: "legacy", PasswordHash: hash, IsActive: true}
	if err := s.Store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	r := s.Do(t, "GET", "/api/v2/me/", servertest.Basic("legacy", "from-awx"), nil)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.Body), `"username":"legacy"`) {
		t.Errorf("me = %s", r.Body)
	}
	expect(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("legacy", "from-awX"), nil), 401, bodyBadBasic)
}

func TestTokenInQueryOrFormRefused(t *testing.T) {
	s := servertest.Start(t)
	expect(t, s.Do(t, "GET", "/api/v2/me/?access_token="+s.AdminToken, nil, nil), 401, bodyNotAuthenticated)
	// Even alongside a good header, and on public endpoints.
	expect(t, s.Do(t, "GET", "/api/v2/me/?access_token="+s.AdminToken, s.Admin(), nil), 401, bodyNotAuthenticated)
	expect(t, s.Do(t, "GET", "/api/v2/ping/?access_token=x", nil, nil), 401, bodyNotAuthenticated)
	r := s.Request(t, "POST", "/api/v2/organizations/", nil, "application/x-www-form-urlencoded", strings.NewReader("access_token="+s.AdminToken+"&name=x"))
	expect(t, r, 401, bodyNotAuthenticated)
}

func TestReadScope(t *testing.T) {
	s := servertest.Start(t)
	read := s.CreatePAT(t, s.AdminID, "read")
	expectStatus(t, s.Do(t, "GET", "/api/v2/organizations/", servertest.Bearer(read), nil), 200)
	expectStatus(t, s.Do(t, "HEAD", "/api/v2/organizations/", servertest.Bearer(read), nil), 200)
	expectStatus(t, s.Do(t, "OPTIONS", "/api/v2/organizations/", servertest.Bearer(read), nil), 200)
	// A superuser's read token may not write, not even to a path without
	// that method (the scope check comes first, as in AWX).
	expect(t, s.Do(t, "POST", "/api/v2/organizations/", servertest.Bearer(read), `{"name":"x"}`), 403, bodyForbidden)
	expect(t, s.Do(t, "DELETE", "/api/v2/users/1/", servertest.Bearer(read), nil), 403, bodyForbidden)
	expect(t, s.Do(t, "PUT", "/api/v2/me/", servertest.Bearer(read), nil), 403, bodyForbidden)
	// "read write" and Basic may write.
	rw := s.CreatePAT(t, s.AdminID, "read write")
	expectStatus(t, s.Do(t, "POST", "/api/v2/organizations/", servertest.Bearer(rw), `{"name":"a"}`), 201)
	expectStatus(t, s.Do(t, "POST", "/api/v2/organizations/", servertest.Basic(s.AdminUsername, s.AdminPassword), `{"name":"b"}`), 201)
	// user_capabilities are all false for a read token.
	r := s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(read), nil)
	if !strings.Contains(string(r.Body), `"user_capabilities":{"edit":false,"delete":false}`) {
		t.Errorf("read token capabilities: %s", r.Body)
	}
}

func TestLastUsedBatched(t *testing.T) {
	s := servertest.Start(t)
	ctx := context.Background()
	tok := s.CreatePAT(t, s.AdminID, "write")
	at, err := s.Store.AccessTokenByDigest(ctx, secret.Digest(tok))
	if err != nil {
		t.Fatal(err)
	}
	if at.LastUsed != nil {
		t.Fatalf("new token has last_used %v", at.LastUsed)
	}
	for range 5 {
		expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 200)
	}
	// Nothing is written per request; Close flushes the batch.
	if err := s.Srv.Close(); err != nil {
		t.Fatal(err)
	}
	at, err = s.Store.AccessTokenByID(ctx, at.ID)
	if err != nil {
		t.Fatal(err)
	}
	if at.LastUsed == nil || time.Since(*at.LastUsed) > time.Minute {
		t.Fatalf("last_used after use and Close = %v", at.LastUsed)
	}
}

func TestDeletedUserTokenRefusedAtOnce(t *testing.T) {
	s := servertest.Start(t)
	bob := s.CreateUser(t, "bob", "", false)
	tok := s.CreatePAT(t, bob.ID, "write")
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 200)
	expectStatus(t, s.Do(t, "DELETE", "/api/v2/users/bob/", s.Admin(), nil), 204)
	// The cache entry went with the delete made through this server.
	expect(t, s.Do(t, "GET", "/api/v2/me/", servertest.Bearer(tok), nil), 401, bodyNotAuthenticated)
}

func TestLoginThrottle(t *testing.T) {
	var now atomic.Pointer[time.Time]
	start := time.Now()
	now.Store(&start)
	s := servertest.Start(t,
		servertest.WithNow(func() time.Time { return *now.Load() }),
		servertest.WithConfig(func(c *server.Config) {
			c.LoginThrottle = server.ThrottleConfig{PerUser: 3, PerAddress: 50, Window: time.Minute}
		}))
	s.CreateUser(t, "carol", "right", false)
	for range 3 {
		expect(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("carol", "wrong"), nil), 401, bodyBadBasic)
	}
	// Blocked now, even with the right password.
	r := s.Do(t, "GET", "/api/v2/me/", servertest.Basic("carol", "right"), nil)
	expect(t, r, 429, `{"detail":"Too many failed login attempts. Try again later."}`)
	if r.Header.Get("Retry-After") != "60" {
		t.Errorf("Retry-After = %q", r.Header.Get("Retry-After"))
	}
	// Other users and Bearer requests are unaffected.
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic(s.AdminUsername, s.AdminPassword), nil), 200)
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", s.Admin(), nil), 200)
	// The window passes.
	later := start.Add(time.Minute)
	now.Store(&later)
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("carol", "right"), nil), 200)
}

// TestLoginThrottleTrustedProxy: behind a trusted load balancer the
// per-address limit counts the client X-Forwarded-For names, read from the
// right so a client cannot pick its own address; from any other peer the
// header is ignored.
func TestLoginThrottleTrustedProxy(t *testing.T) {
	via := func(xff ...string) servertest.Auth {
		return func(r *http.Request) {
			servertest.Basic("nobody", "wrong")(r)
			for _, v := range xff {
				r.Header.Add("X-Forwarded-For", v)
			}
		}
	}
	cfg := func(trusted ...netip.Prefix) servertest.Option {
		return servertest.WithConfig(func(c *server.Config) {
			c.LoginThrottle = server.ThrottleConfig{PerUser: 100, PerAddress: 2, Window: time.Minute, TrustedProxies: trusted}
		})
	}
	const tooMany = `{"detail":"Too many failed login attempts. Try again later."}`

	s := servertest.Start(t, cfg(netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")))
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.1"), nil), 401, bodyBadBasic)
	// A client-written entry on the left does not change who is counted.
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("203.0.113.9, 10.0.0.1"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("198.51.100.7", "10.0.0.1"), nil), 429, tooMany)
	// Another client behind the same proxy is not affected.
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.2"), nil), 401, bodyBadBasic)
	// A chain of trusted proxies is walked through: 127.0.0.5 is one.
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.2, 127.0.0.5"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.2"), nil), 429, tooMany)

	// Proxies that add a port, and entries that name no address.
	s = servertest.Start(t, cfg(netip.MustParsePrefix("127.0.0.0/8")))
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.3:41234"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.3"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.3"), nil), 429, tooMany)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("unknown"), nil), 401, bodyBadBasic) // counted as the proxy, 127.0.0.1
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.4, unknown"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("unknown"), nil), 429, tooMany)

	// A peer that is not a trusted proxy: its header is ignored.
	s = servertest.Start(t, cfg(netip.MustParsePrefix("10.9.9.9/32")))
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.1"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.2"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.3"), nil), 429, tooMany)

	// Without trusted proxies the header is ignored: every attempt counts
	// against the peer, 127.0.0.1.
	s = servertest.Start(t, cfg())
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.1"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.2"), nil), 401, bodyBadBasic)
	expect(t, s.Do(t, "GET", "/api/v2/me/", via("10.0.0.3"), nil), 429, tooMany)
}
