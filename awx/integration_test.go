package awx_test

// These tests run the client library against the real awxtoken server,
// started in-process by internal/servertest on a loopback port with a
// temporary SQLite file. Nothing is mocked: they check that the library and
// the server agree on paths, bodies, pagination and error shapes.

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

var bg = context.Background()

// tokenRE is the shape of an AWX access or refresh token.
var tokenRE = regexp.MustCompile(`^[a-zA-Z0-9]{30}$`)

// newClient returns a client for s authenticated with token. With
// prefix, the server is put behind a reverse proxy under that path, as an
// AWX served at https://host/awx is.
func newClient(t *testing.T, s *servertest.Server, prefix, token string, opts ...awx.Option) *awx.Client {
	t.Helper()
	base := s.URL
	if prefix != "" {
		target, _ := url.Parse(s.URL)
		proxy := httputil.NewSingleHostReverseProxy(target)
		mux := http.NewServeMux()
		mux.Handle(prefix+"/", http.StripPrefix(prefix, proxy))
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			t.Errorf("request outside %s: %s %s", prefix, r.Method, r.URL)
			http.Error(w, "outside the prefix", http.StatusBadGateway)
		})
		ps := httptest.NewServer(mux)
		t.Cleanup(ps.Close)
		base = ps.URL + prefix
	}
	c, err := awx.NewClient(base, append([]awx.Option{awx.WithToken(token)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func str(s string) *string { return &s }
func i64(n int64) *int64   { return &n }

func TestIntegrationMe(t *testing.T) {
	s := servertest.Start(t)
	for _, prefix := range []string{"", "/awx"} {
		c := newClient(t, s, prefix, s.AdminToken)
		me, resp, err := c.Me(bg)
		if err != nil {
			t.Fatalf("Me (prefix %q): %v", prefix, err)
		}
		if me.ID != s.AdminID || me.Username != s.AdminUsername || !me.IsSuperuser || resp.Count != 1 {
			t.Errorf("Me = %+v, count %d", me, resp.Count)
		}
	}

	basic, err := awx.NewClient(s.URL, awx.WithBasicAuth(s.AdminUsername, s.AdminPassword))
	if err != nil {
		t.Fatal(err)
	}
	if me, _, err := basic.Me(bg); err != nil || me.ID != s.AdminID {
		t.Errorf("Me with Basic auth = %v, %v", me, err)
	}

	bad := newClient(t, s, "", "NotARealTokenNotARealTokenXXXX")
	_, resp, err := bad.Me(bg)
	if !errors.Is(err, awx.ErrUnauthorized) || resp == nil || resp.StatusCode != 401 {
		t.Fatalf("Me with a bad token: %v", err)
	}
	if strings.Contains(err.Error(), "NotARealToken") {
		t.Errorf("error shows the token: %q", err)
	}
}

func TestIntegrationTokenLifecycle(t *testing.T) {
	s := servertest.Start(t)
	for _, prefix := range []string{"", "/awx"} {
		name := strings.TrimPrefix(prefix, "/")
		if name == "" {
			name = "root"
		}
		t.Run(name, func(t *testing.T) {
			c := newClient(t, s, prefix, s.AdminToken)

			created, resp, err := c.Tokens.Create(bg, awx.TokenCreateRequest{Description: str("ci"), Scope: "write"})
			if err != nil {
				t.Fatalf("Create: %v", err)
			}
			if resp.StatusCode != 201 || !tokenRE.MatchString(created.Token) || created.RefreshToken != nil ||
				created.Application != nil || created.User != s.AdminID || created.Description != "ci" || created.Scope != "write" {
				t.Errorf("Create = %d %+v", resp.StatusCode, created)
			}
			if want := "/api/v2/tokens/" + itoa(created.ID) + "/"; created.URL != want || resp.Header.Get("Location") != want {
				t.Errorf("url %q, Location %q, want %q", created.URL, resp.Header.Get("Location"), want)
			}

			// The new token works as a credential.
			mine := newClient(t, s, prefix, created.Token)
			if me, _, err := mine.Me(bg); err != nil || me.ID != s.AdminID {
				t.Errorf("Me with the new token = %v, %v", me, err)
			}

			got, _, err := c.Tokens.Get(bg, created.ID)
			if err != nil {
				t.Fatalf("Get: %v", err)
			}
			if got.Token != awx.Censored || got.Description != "ci" || got.SummaryFields.User == nil || got.SummaryFields.User.Username != s.AdminUsername {
				t.Errorf("Get = %+v", got)
			}

			upd, _, err := c.Tokens.Update(bg, created.ID, awx.TokenUpdateRequest{Scope: str("read")})
			if err != nil {
				t.Fatalf("Update: %v", err)
			}
			if upd.Scope != "read" || upd.Description != "ci" || upd.Token != awx.Censored {
				t.Errorf("Update = %+v", upd)
			}

			// A read token may not write.
			if _, _, err := mine.Tokens.Create(bg, awx.TokenCreateRequest{Scope: "read"}); !errors.Is(err, awx.ErrForbidden) {
				t.Errorf("Create with a read token: %v, want ErrForbidden", err)
			}

			many, _, err := c.Tokens.GetMany(bg, []int64{created.ID, 999999})
			if err != nil || len(many) != 1 || many[0].ID != created.ID {
				t.Errorf("GetMany = %v, %v", many, err)
			}

			if resp, err := c.Tokens.Delete(bg, created.ID); err != nil || resp.StatusCode != 204 {
				t.Fatalf("Delete = %v, %v", resp, err)
			}
			_, _, err = c.Tokens.Get(bg, created.ID)
			if !errors.Is(err, awx.ErrNotFound) {
				t.Fatalf("Get after Delete: %v", err)
			}
			want := "404 Not Found on GET " + prefix + "/api/v2/tokens/" + itoa(created.ID) + "/: No OAuth2AccessToken matches the given query."
			if err.Error() != want {
				t.Errorf("error = %q, want %q", err, want)
			}
			if _, _, err := mine.Me(bg); !errors.Is(err, awx.ErrUnauthorized) {
				t.Errorf("Me with a deleted token: %v, want ErrUnauthorized", err)
			}
		})
	}
}

func TestIntegrationTokenErrors(t *testing.T) {
	s := servertest.Start(t)
	c := newClient(t, s, "", s.AdminToken)

	_, _, err := c.Tokens.Create(bg, awx.TokenCreateRequest{Scope: "read rainbow"})
	var er *awx.ErrorResponse
	if !errors.As(err, &er) || !errors.Is(err, awx.ErrBadRequest) {
		t.Fatalf("bad scope: %v", err)
	}
	want := "400 Bad Request on POST /api/v2/tokens/: scope: Must be a simple space-separated string with allowed scopes ['read', 'write']."
	if err.Error() != want {
		t.Errorf("error = %q, want %q", err, want)
	}

	_, _, err = c.Tokens.Create(bg, awx.TokenCreateRequest{Scope: "write", Application: i64(999)})
	if want := `400 Bad Request on POST /api/v2/tokens/: application: Invalid pk "999" - object does not exist.`; err == nil || err.Error() != want {
		t.Errorf("missing application: %v, want %q", err, want)
	}

	_, _, err = c.Tokens.List(bg, &awx.TokenListOptions{ListOptions: awx.ListOptions{Filters: []string{"token=abc"}}})
	if !errors.Is(err, awx.ErrForbidden) || !strings.HasSuffix(err.Error(), ": Filtering on token is not allowed.") {
		t.Errorf("filter on token: %v", err)
	}
}

func TestIntegrationApplicationsAndTokens(t *testing.T) {
	s := servertest.Start(t)
	c := newClient(t, s, "/awx", s.AdminToken)

	org, _, err := c.Organizations.Create(bg, awx.OrganizationRequest{Name: str("Engineering")})
	if err != nil {
		t.Fatalf("create organization: %v", err)
	}
	other := s.CreateOrg(t, "Other")

	app, resp, err := c.Applications.Create(bg, awx.ApplicationRequest{
		Name: str("ci"), Organization: &org.ID,
		ClientType: str(awx.ClientConfidential), AuthorizationGrantType: str(awx.GrantPassword),
		Description: str("for CI"),
	})
	if err != nil {
		t.Fatalf("Create application: %v", err)
	}
	if resp.StatusCode != 201 || app.Name != "ci" || app.ClientSecret == "" || app.ClientSecret == awx.Censored || len(app.ClientID) != 40 {
		t.Errorf("Create application = %d %+v", resp.StatusCode, app)
	}

	// The same name in another organization makes the bare name ambiguous.
	if _, _, err := c.Applications.Create(bg, awx.ApplicationRequest{
		Name: str("ci"), Organization: &other.ID,
		ClientType: str(awx.ClientPublic), AuthorizationGrantType: str(awx.GrantPassword),
	}); err != nil {
		t.Fatalf("second application: %v", err)
	}
	_, _, err = c.Applications.Create(bg, awx.ApplicationRequest{
		Name: str("ci"), Organization: &org.ID,
		ClientType: str(awx.ClientPublic), AuthorizationGrantType: str(awx.GrantPassword),
	})
	if want := "400 Bad Request on POST /awx/api/v2/applications/: Application with this Name and Organization already exists."; err == nil || err.Error() != want {
		t.Errorf("duplicate application: %v, want %q", err, want)
	}

	if _, _, err := c.Applications.GetByName(bg, "ci"); !errors.Is(err, awx.ErrAmbiguous) ||
		err.Error() != `awx: 2 applications are named "ci"; use the id or NAME++ORGANIZATION` {
		t.Errorf("GetByName(ci): %v", err)
	}
	byName, _, err := c.Applications.GetByName(bg, "ci++Engineering")
	if err != nil || byName.ID != app.ID || byName.ClientSecret != awx.Censored {
		t.Errorf("GetByName(ci++Engineering) = %+v, %v", byName, err)
	}
	if _, _, err := c.Applications.GetByName(bg, "nope"); !errors.Is(err, awx.ErrNotFound) {
		t.Errorf("GetByName(nope): %v", err)
	}

	apps, resp, err := c.Applications.List(bg, &awx.ApplicationListOptions{Organization: org.ID})
	if err != nil || len(apps) != 1 || resp.Count != 1 || apps[0].ID != app.ID {
		t.Errorf("List by organization = %v, %v", apps, err)
	}

	upd, _, err := c.Applications.Update(bg, app.ID, awx.ApplicationRequest{Description: str("changed")})
	if err != nil || upd.Description != "changed" || upd.Name != "ci" {
		t.Errorf("Update application = %+v, %v", upd, err)
	}

	// Five application tokens, walked two per page.
	var ids []int64
	for i := 0; i < 5; i++ {
		tok, _, err := c.Tokens.CreateForApplication(bg, app.ID, awx.TokenCreateRequest{Description: str("app token"), Scope: "read"})
		if err != nil {
			t.Fatalf("CreateForApplication: %v", err)
		}
		if tok.Application == nil || *tok.Application != app.ID || tok.RefreshToken == nil || !tokenRE.MatchString(*tok.RefreshToken) {
			t.Fatalf("CreateForApplication = %+v", tok)
		}
		ids = append(ids, tok.ID)
	}
	pat, _, err := c.Tokens.Create(bg, awx.TokenCreateRequest{Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}

	var walked []int64
	for tok, err := range c.Tokens.All(bg, &awx.TokenListOptions{Application: app.ID, ListOptions: awx.ListOptions{PageSize: 2}}) {
		if err != nil {
			t.Fatalf("All: %v", err)
		}
		walked = append(walked, tok.ID)
	}
	if !slices.Equal(walked, ids) {
		t.Errorf("All(application) = %v, want %v", walked, ids)
	}

	page, resp, err := c.Tokens.List(bg, &awx.TokenListOptions{ListOptions: awx.ListOptions{PageSize: 2, Page: 2, OrderBy: "id"}, Type: "authorized"})
	if err != nil || len(page) != 2 || resp.Count != 5 || resp.Next == "" || resp.Previous == "" {
		t.Errorf("List authorized page 2 = %d tokens, count %d, next %q, prev %q, %v", len(page), resp.Count, resp.Next, resp.Previous, err)
	}
	personal, _, err := c.Tokens.List(bg, &awx.TokenListOptions{Type: "personal", User: s.AdminID})
	if err != nil {
		t.Fatal(err)
	}
	for _, tok := range personal {
		if tok.Application != nil {
			t.Errorf("personal list holds app token %d", tok.ID)
		}
	}
	if !containsID(personal, pat.ID) {
		t.Errorf("personal list lacks PAT %d", pat.ID)
	}
	searched, _, err := c.Tokens.List(bg, &awx.TokenListOptions{ListOptions: awx.ListOptions{Search: "app token", Filters: []string{"id__in=" + itoa(ids[0]) + "," + itoa(ids[1])}}})
	if err != nil || len(searched) != 2 {
		t.Errorf("search and id__in = %d tokens, %v", len(searched), err)
	}

	// Deleting the application deletes its tokens.
	if _, err := c.Applications.Delete(bg, app.ID); err != nil {
		t.Fatalf("Delete application: %v", err)
	}
	if _, _, err := c.Applications.Get(bg, app.ID); !errors.Is(err, awx.ErrNotFound) {
		t.Errorf("Get deleted application: %v", err)
	}
	if left, _, err := c.Tokens.GetMany(bg, ids); err != nil || len(left) != 0 {
		t.Errorf("tokens of the deleted application: %v, %v", left, err)
	}
}

func TestIntegrationOAuth2(t *testing.T) {
	s := servertest.Start(t)
	c := newClient(t, s, "/awx", s.AdminToken)
	org := s.CreateOrg(t, "Engineering")
	app, _, err := c.Applications.Create(bg, awx.ApplicationRequest{
		Name: str("cli"), Organization: &org.ID,
		ClientType: str(awx.ClientConfidential), AuthorizationGrantType: str(awx.GrantPassword),
	})
	if err != nil {
		t.Fatalf("Create application: %v", err)
	}
	clientSecret := app.ClientSecret

	// The password grant and refresh grant of this application.
	alice := s.CreateUser(t, "alice", "alice-password-1", false)
	s.Grant(t, org.ID, store.RoleMember, alice.ID)
	og, _, err := c.OAuth2.PasswordGrant(bg, app.ClientID, clientSecret, "alice", "alice-password-1", "read")
	if err != nil {
		t.Fatalf("PasswordGrant: %v", err)
	}
	if og.TokenType != "Bearer" || og.Scope != "read" || !tokenRE.MatchString(og.AccessToken) || !tokenRE.MatchString(og.RefreshToken) {
		t.Errorf("PasswordGrant = %+v", og)
	}
	if _, _, err := c.OAuth2.PasswordGrant(bg, app.ClientID, clientSecret, "alice", "wrong", ""); err == nil ||
		err.Error() != "400 Bad Request on POST /awx/api/o/token/: invalid_grant: Invalid credentials given." {
		t.Errorf("PasswordGrant with a wrong password: %v", err)
	}
	ref, _, err := c.OAuth2.RefreshGrant(bg, app.ClientID, clientSecret, og.RefreshToken, "")
	if err != nil || ref.AccessToken == og.AccessToken || ref.RefreshToken == og.RefreshToken {
		t.Fatalf("RefreshGrant = %+v, %v", ref, err)
	}
	aliceClient := newClient(t, s, "/awx", ref.AccessToken)
	if me, _, err := aliceClient.Me(bg); err != nil || me.ID != alice.ID {
		t.Errorf("Me with the refreshed token = %v, %v", me, err)
	}
	if _, err := c.OAuth2.Revoke(bg, app.ClientID, clientSecret, ref.AccessToken); err != nil {
		t.Fatalf("Revoke: %v", err)
	}
	if _, _, err := aliceClient.Me(bg); !errors.Is(err, awx.ErrUnauthorized) {
		t.Errorf("Me with a revoked token: %v", err)
	}

}

func TestIntegrationCreateForMeAndPersonal(t *testing.T) {
	s := servertest.Start(t)
	bob := s.CreateUser(t, "bob", "bob-password-1", false)
	bobToken := s.CreatePAT(t, bob.ID, "write")
	c := newClient(t, s, "", bobToken)

	tok, _, err := c.Tokens.CreateForMe(bg, awx.TokenCreateRequest{Description: str(""), Scope: "read"})
	if err != nil {
		t.Fatalf("CreateForMe: %v", err)
	}
	if tok.User != bob.ID || tok.Scope != "read" || tok.Description != "" || tok.Application != nil || !tokenRE.MatchString(tok.Token) {
		t.Errorf("CreateForMe = %+v", tok)
	}

	// awxkit's login: by username, with Basic auth.
	basic, err := awx.NewClient(s.URL, awx.WithBasicAuth("bob", "bob-password-1"))
	if err != nil {
		t.Fatal(err)
	}
	pt, _, err := basic.Tokens.CreatePersonal(bg, "bob", awx.TokenCreateRequest{Description: str("awxkit"), Scope: "write"})
	if err != nil {
		t.Fatalf("CreatePersonal: %v", err)
	}
	if pt.User != bob.ID || pt.Application != nil || pt.RefreshToken != nil {
		t.Errorf("CreatePersonal = %+v", pt)
	}

	// Another user's tokens are not bob's to mint.
	if _, _, err := c.Tokens.CreatePersonal(bg, s.AdminUsername, awx.TokenCreateRequest{Scope: "write"}); !errors.Is(err, awx.ErrForbidden) {
		t.Errorf("CreatePersonal for admin as bob: %v, want ErrForbidden", err)
	}

	mine, _, err := c.Tokens.List(bg, &awx.TokenListOptions{User: bob.ID})
	if err != nil || len(mine) != 3 {
		t.Errorf("bob's tokens = %d, %v; want 3", len(mine), err)
	}
	// bob cannot see the admin's tokens: GetMany leaves them out.
	admin := newClient(t, s, "", s.AdminToken)
	adminTok, _, err := admin.Tokens.Create(bg, awx.TokenCreateRequest{Scope: "read"})
	if err != nil {
		t.Fatal(err)
	}
	if got, _, err := c.Tokens.GetMany(bg, []int64{adminTok.ID, tok.ID}); err != nil || len(got) != 1 || got[0].ID != tok.ID {
		t.Errorf("bob's GetMany of his and the admin's token = %v, %v", got, err)
	}
	if _, _, err := c.Tokens.Get(bg, adminTok.ID); !errors.Is(err, awx.ErrForbidden) {
		t.Errorf("bob's Get of the admin's token: %v, want ErrForbidden", err)
	}
}

func TestIntegrationDebugShowsNoSecret(t *testing.T) {
	s := servertest.Start(t)
	var out bytes.Buffer
	c := newClient(t, s, "/awx", s.AdminToken, awx.WithDebug(&out), awx.WithVerbose(&out))
	tok, _, err := c.Tokens.Create(bg, awx.TokenCreateRequest{Description: str("debug"), Scope: "write"})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Users.Create(bg, awx.UserRequest{Username: str("carol"), Password: str("carol-secret-password")}); err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{s.AdminToken, tok.Token, "carol-secret-password"} {
		if strings.Contains(out.String(), secret) {
			t.Errorf("debug output shows a secret")
		}
	}
	if !strings.Contains(out.String(), `"token": "************"`) || !strings.Contains(out.String(), "POST /awx/api/v2/tokens/ 201 Created (") {
		t.Errorf("debug output lacks the masked token or the verbose line:\n%s", out.String())
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func containsID(toks []*awx.Token, id int64) bool {
	for _, t := range toks {
		if t.ID == id {
			return true
		}
	}
	return false
}
