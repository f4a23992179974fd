package storetest

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// tokenFixture is a small world for list tests.
type tokenFixture struct {
	alice, bob, carol *store.User
	orgA, orgB        *store.Organization
	app1, app2        *store.Application
	// t1 alice PAT "Deploy key" write; t2 alice app1 "ci Runner" read;
	// t3 bob app2 "bob's token" "read write"; t4 bob PAT "100%_sure*" write.
	t1, t2, t3, t4 *store.AccessToken
}

func newTokenFixture(t *testing.T, s store.Store) *tokenFixture {
	f := &tokenFixture{}
	f.alice = &store.User{Username: "alice", FirstName: "Alice", LastName: "Liddell", Email: "alice@example.com", IsActive: true, IsSuperuser: true}
	noErr(t, s.CreateUser(ctx, f.alice))
	f.bob = &store.User{Username: "bob", FirstName: "Élodie", LastName: "Builder", Email: "bob@example.org", IsActive: true}
	noErr(t, s.CreateUser(ctx, f.bob))
	f.carol = &store.User{Username: "carol", FirstName: "Carol", Email: "carol@example.com", IsSystemAuditor: true}
	noErr(t, s.CreateUser(ctx, f.carol))
	f.orgA = &store.Organization{Name: "Org A", Description: "first org", MaxHosts: 10}
	noErr(t, s.CreateOrganization(ctx, f.orgA))
	f.orgB = &store.Organization{Name: "Org B", Description: "second", MaxHosts: 0}
	noErr(t, s.CreateOrganization(ctx, f.orgB))
	f.app1 = mustApp(t, s, f.orgA.ID, "App One")
	f.app2 = mustApp(t, s, f.orgB.ID, "app two")
	mk := func(u *store.User, a *store.Application, desc, scope string, expires time.Time) *store.AccessToken {
		tok := &store.AccessToken{UserID: u.ID, Digest: digest(), Expires: expires, Scope: scope, Description: desc}
		var r *store.RefreshToken
		if a != nil {
			tok.ApplicationID = &a.ID
			r = &store.RefreshToken{Digest: digest(), UserID: u.ID, ApplicationID: a.ID}
		}
		noErr(t, s.CreateAccessToken(ctx, tok, r))
		return tok
	}
	f.t1 = mk(f.alice, nil, "Deploy key", "write", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	f.t2 = mk(f.alice, f.app1, "ci Runner", "read", time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC))
	f.t3 = mk(f.bob, f.app2, "bob's token", "read write", time.Date(2032, 1, 1, 0, 0, 0, 0, time.UTC))
	f.t4 = mk(f.bob, nil, "100%_sure*", "write", time.Date(2033, 1, 1, 0, 0, 0, 0, time.UTC))
	return f
}

func flt(field, lookup, value string) store.Filter {
	return store.Filter{Field: field, Lookup: lookup, Value: value}
}

func testTokenFilters(t *testing.T, open Opener) {
	s := open(t)
	f := newTokenFixture(t, s)
	t1, t2, t3, t4 := f.t1.ID, f.t2.ID, f.t3.ID, f.t4.ID
	not := func(x store.Filter) store.Filter { x.Not = true; return x }
	or := func(x store.Filter) store.Filter { x.Or = true; return x }
	cases := []struct {
		name    string
		filters []store.Filter
		want    []int64
	}{
		{"exact", []store.Filter{flt("description", "exact", "Deploy key")}, []int64{t1}},
		{"exact default lookup", []store.Filter{flt("description", "", "Deploy key")}, []int64{t1}},
		{"lookup in the path", []store.Filter{flt("description__icontains", "", "KEY")}, []int64{t1}},
		{"exact is case-sensitive", []store.Filter{flt("description", "exact", "deploy key")}, nil},
		{"iexact", []store.Filter{flt("description", "iexact", "deploy KEY")}, []int64{t1}},
		{"contains", []store.Filter{flt("description", "contains", "Run")}, []int64{t2}},
		{"contains is case-sensitive", []store.Filter{flt("description", "contains", "run")}, nil},
		{"icontains", []store.Filter{flt("description", "icontains", "RUN")}, []int64{t2}},
		{"startswith", []store.Filter{flt("description", "startswith", "ci")}, []int64{t2}},
		{"startswith is case-sensitive", []store.Filter{flt("description", "startswith", "CI")}, nil},
		{"istartswith", []store.Filter{flt("description", "istartswith", "CI")}, []int64{t2}},
		{"endswith", []store.Filter{flt("description", "endswith", "token")}, []int64{t3}},
		{"iendswith", []store.Filter{flt("description", "iendswith", "TOKEN")}, []int64{t3}},
		{"wildcards are literal: %_", []store.Filter{flt("description", "contains", "%_")}, []int64{t4}},
		{"wildcards are literal: *", []store.Filter{flt("description", "endswith", "*")}, []int64{t4}},
		{"wildcards are literal: ?", []store.Filter{flt("description", "contains", "?")}, nil},
		{"wildcards are literal: _", []store.Filter{flt("description", "icontains", "_")}, []int64{t4}},
		{"wildcards are literal: [", []store.Filter{flt("description", "contains", "[")}, nil},
		{"regex", []store.Filter{flt("description", "regex", "^[Dc]")}, []int64{t1, t2}},
		{"regex is case-sensitive", []store.Filter{flt("description", "regex", "^d")}, nil},
		{"iregex", []store.Filter{flt("description", "iregex", "^d")}, []int64{t1}},
		{"iregex at the length limit", []store.Filter{flt("description", "iregex", strings.Repeat("z?", 500))}, []int64{t1, t2, t3, t4}},
		{"gt", []store.Filter{flt("id", "gt", itoa(t2))}, []int64{t3, t4}},
		{"gte", []store.Filter{flt("id", "gte", itoa(t2))}, []int64{t2, t3, t4}},
		{"lt", []store.Filter{flt("id", "lt", itoa(t2))}, []int64{t1}},
		{"lte", []store.Filter{flt("id", "lte", itoa(t2))}, []int64{t1, t2}},
		{"pk", []store.Filter{flt("pk", "exact", itoa(t3))}, []int64{t3}},
		{"in", []store.Filter{flt("id", "in", itoa(t1)+","+itoa(t3))}, []int64{t1, t3}},
		{"in strings", []store.Filter{flt("scope", "in", "read,read write")}, []int64{t2, t3}},
		{"scope with a space", []store.Filter{flt("scope", "exact", "read write")}, []int64{t3}},
		{"isnull true", []store.Filter{flt("application", "isnull", "true")}, []int64{t1, t4}},
		{"isnull False", []store.Filter{flt("application", "isnull", "False")}, []int64{t2, t3}},
		{"isnull 1", []store.Filter{flt("application__isnull", "", "1")}, []int64{t1, t4}},
		{"application=null", []store.Filter{flt("application", "exact", "null")}, []int64{t1, t4}},
		{"application=None", []store.Filter{flt("application", "", "None")}, []int64{t1, t4}},
		{"not application=null", []store.Filter{not(flt("application", "", "null"))}, []int64{t2, t3}},
		{"application=id", []store.Filter{flt("application", "", itoa(f.app1.ID))}, []int64{t2}},
		{"application__id", []store.Filter{flt("application__id", "", itoa(f.app2.ID))}, []int64{t3}},
		{"application in with null", []store.Filter{flt("application", "in", "null,"+itoa(f.app1.ID))}, []int64{t2}},
		{"not keeps NULLs", []store.Filter{not(flt("application", "", itoa(f.app1.ID)))}, []int64{t1, t3, t4}},
		{"not on a related path keeps NULLs", []store.Filter{not(flt("application__name", "", "App One"))}, []int64{t1, t3, t4}},
		{"user", []store.Filter{flt("user", "", itoa(f.bob.ID))}, []int64{t3, t4}},
		{"user__id", []store.Filter{flt("user__id", "", itoa(f.alice.ID))}, []int64{t1, t2}},
		{"user__username", []store.Filter{flt("user__username", "", "bob")}, []int64{t3, t4}},
		{"user__first_name unicode iexact", []store.Filter{flt("user__first_name", "iexact", "élodie")}, []int64{t3, t4}},
		{"user__first_name unicode icontains", []store.Filter{flt("user__first_name", "icontains", "ÉLO")}, []int64{t3, t4}},
		{"user__last_name", []store.Filter{flt("user__last_name", "istartswith", "lid")}, []int64{t1, t2}},
		{"user__email", []store.Filter{flt("user__email", "endswith", ".org")}, []int64{t3, t4}},
		{"application__name", []store.Filter{flt("application__name", "icontains", "TWO")}, []int64{t3}},
		{"application__organization", []store.Filter{flt("application__organization", "", itoa(f.orgA.ID))}, []int64{t2}},
		{"application__organization__id", []store.Filter{flt("application__organization__id", "", itoa(f.orgB.ID))}, []int64{t3}},
		{"application__organization__name", []store.Filter{flt("application__organization__name", "", "Org A")}, []int64{t2}},
		{"application__organization__name isnull", []store.Filter{flt("application__organization__name", "isnull", "true")}, []int64{t1, t4}},
		{"expires gt date", []store.Filter{flt("expires", "gt", "2031-06-01")}, []int64{t3, t4}},
		{"expires lte datetime", []store.Filter{flt("expires", "lte", "2031-01-01T00:00:00Z")}, []int64{t1, t2}},
		{"expires space and offset", []store.Filter{flt("expires", "lt", "2031-01-01 02:00:00+03:00")}, []int64{t1}},
		{"expires with offset", []store.Filter{flt("expires", "lte", "2031-01-01T03:00:00+03:00")}, []int64{t1, t2}},
		{"created gte", []store.Filter{flt("created", "gte", "2020-01-01")}, []int64{t1, t2, t3, t4}},
		{"modified lt", []store.Filter{flt("modified", "lt", "2020-01-01")}, nil},
		{"id contains", []store.Filter{flt("id", "contains", itoa(t4))}, []int64{t4}},
		{"and", []store.Filter{flt("user", "", itoa(f.alice.ID)), flt("scope", "", "read")}, []int64{t2}},
		{"or group", []store.Filter{or(flt("description", "", "Deploy key")), or(flt("scope", "", "read write"))}, []int64{t1, t3}},
		{"or group and the rest", []store.Filter{
			flt("user__username", "", "alice"),
			or(flt("description", "contains", "Deploy")), or(flt("description", "contains", "bob")),
		}, []int64{t1}},
		{"or with not", []store.Filter{or(not(flt("application", "isnull", "true"))), or(flt("id", "", itoa(t1)))}, []int64{t1, t2, t3}},
		{"not regex", []store.Filter{not(flt("description", "regex", "o"))}, []int64{t2, t4}},
		{"not in", []store.Filter{not(flt("id", "in", itoa(t1)+","+itoa(t2)))}, []int64{t3, t4}},
	}
	for _, c := range cases {
		list, total, err := s.ListAccessTokens(ctx, store.Query{Filters: c.filters})
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		want := sorted(c.want...)
		if got := ids(list); fmtIDs(got) != fmtIDs(want) || total != len(want) {
			t.Errorf("%s: got %v (count %d), want %v", c.name, got, total, want)
		}
	}
}

func testFilterErrors(t *testing.T, open Opener) {
	s := open(t)
	newTokenFixture(t, s)
	cases := []struct {
		name   string
		list   func(store.Query) error
		q      store.Query
		code   string
		msg    string
		prefix bool
	}{
		{"token", listTokens(s), q1("token", "", "x"), store.EFORBIDDEN, "Filtering on token is not allowed.", false},
		{"token lookup", listTokens(s), q1("token", "startswith", "x"), store.EFORBIDDEN, "Filtering on token is not allowed.", false},
		{"token in path", listTokens(s), q1("token__startswith", "", "x"), store.EFORBIDDEN, "Filtering on token is not allowed.", false},
		{"refresh_token", listTokens(s), q1("refresh_token", "", "x"), store.EFORBIDDEN, "Filtering on refresh_token is not allowed.", false},
		{"user__password", listTokens(s), q1("user__password", "", "x"), store.EFORBIDDEN, "Filtering on password is not allowed.", false},
		{"application__client_secret", listTokens(s), q1("application__client_secret", "", "x"), store.EFORBIDDEN, "Filtering on client_secret is not allowed.", false},
		{"client_secret", listApps(s), q1("client_secret", "", "x"), store.EFORBIDDEN, "Filtering on client_secret is not allowed.", false},
		{"password", listUsers(s), q1("password", "startswith", "pbkdf2"), store.EFORBIDDEN, "Filtering on password is not allowed.", false},
		{"unknown", listTokens(s), q1("foo", "", "x"), store.EINVALID, "OAuth2AccessToken has no field named 'foo'", false},
		{"last_used is hidden", listTokens(s), q1("last_used", "isnull", "true"), store.EINVALID, "OAuth2AccessToken has no field named 'last_used'", false},
		{"unknown relation", listTokens(s), q1("user__foo", "", "x"), store.EINVALID, "OAuth2AccessToken has no field named 'user__foo'", false},
		{"unknown application field", listApps(s), q1("foo", "", "x"), store.EINVALID, "OAuth2Application has no field named 'foo'", false},
		{"unknown user field", listUsers(s), q1("foo", "", "x"), store.EINVALID, "User has no field named 'foo'", false},
		{"unknown organization field", listOrgs(s), q1("foo", "", "x"), store.EINVALID, "Organization has no field named 'foo'", false},
		{"unknown activity field", listActivity(s), q1("foo", "", "x"), store.EINVALID, "ActivityStream has no field named 'foo'", false},
		{"unknown lookup", listTokens(s), q1("id", "near", "1"), store.EINVALID, "", false},
		{"bad int", listTokens(s), q1("id", "", "abc"), store.EINVALID, "[\"\u201cabc\u201d value must be an integer.\"]", false},
		{"bad int in list", listTokens(s), q1("id", "in", "1,x"), store.EINVALID, "[\"\u201cx\u201d value must be an integer.\"]", false},
		{"bad relation id", listTokens(s), q1("application", "", "abc"), store.EINVALID, "Invalid application id: abc", false},
		{"bad nested relation id", listTokens(s), q1("application__organization", "", "abc"), store.EINVALID, "Invalid organization id: abc", false},
		{"bad bool", listApps(s), q1("skip_authorization", "", "maybe"), store.EINVALID, "Unable to convert \"maybe\" to boolean", false},
		{"bad isnull", listTokens(s), q1("application", "isnull", "maybe"), store.EINVALID, "Unable to convert \"maybe\" to boolean", false},
		{"bad time", listTokens(s), q1("expires", "gt", "tomorrow"), store.EINVALID, "[\"\u201ctomorrow\u201d value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format.\"]", false},
		{"bad regex", listTokens(s), q1("description", "regex", "("), store.EINVALID, "Invalid regular expression: ", true},
		{"long regex", listTokens(s), q1("description", "iregex", strings.Repeat("a", 1001)), store.EINVALID, "Invalid regular expression: ", true},
		{"null with gt", listTokens(s), q1("application", "gt", "null"), store.EINVALID, "", false},
		{"order by unknown", listTokens(s), store.Query{OrderBy: []store.Order{{Field: "foo"}}}, store.EINVALID, "OAuth2AccessToken has no field named 'foo'", false},
		{"order by token", listTokens(s), store.Query{OrderBy: []store.Order{{Field: "token", Desc: true}}}, store.EFORBIDDEN, "Filtering on token is not allowed.", false},
	}
	for _, c := range cases {
		err := c.list(c.q)
		var se *store.Error
		if err == nil || !asStoreError(err, &se) {
			t.Errorf("%s: err = %v, want %s", c.name, err, c.code)
			continue
		}
		if se.Code != c.code || (c.msg != "" && !c.prefix && se.Message != c.msg) || (c.prefix && !strings.HasPrefix(se.Message, c.msg)) {
			t.Errorf("%s: err = %s %q, want %s %q", c.name, se.Code, se.Message, c.code, c.msg)
		}
		if strings.Contains(strings.ToUpper(se.Message), "SELECT") {
			t.Errorf("%s: SQL in the message: %q", c.name, se.Message)
		}
	}
}

func q1(field, lookup, value string) store.Query {
	return store.Query{Filters: []store.Filter{flt(field, lookup, value)}}
}

func listTokens(s store.Store) func(store.Query) error {
	return func(q store.Query) error { _, _, err := s.ListAccessTokens(ctx, q); return err }
}
func listApps(s store.Store) func(store.Query) error {
	return func(q store.Query) error { _, _, err := s.ListApplications(ctx, q); return err }
}
func listUsers(s store.Store) func(store.Query) error {
	return func(q store.Query) error { _, _, err := s.ListUsers(ctx, q); return err }
}
func listOrgs(s store.Store) func(store.Query) error {
	return func(q store.Query) error { _, _, err := s.ListOrganizations(ctx, q); return err }
}
func listActivity(s store.Store) func(store.Query) error {
	return func(q store.Query) error { _, _, err := s.ListActivity(ctx, q); return err }
}

func testOtherFilters(t *testing.T, open Opener) {
	s := open(t)
	f := newTokenFixture(t, s)
	users := func(q store.Query) []int64 {
		t.Helper()
		l, n, err := s.ListUsers(ctx, q)
		noErr(t, err)
		if n != len(l) {
			t.Fatalf("users count %d for %d rows", n, len(l))
		}
		return ids(l)
	}
	apps := func(q store.Query) []int64 {
		t.Helper()
		q.OrderBy = []store.Order{{Field: "id"}}
		l, _, err := s.ListApplications(ctx, q)
		noErr(t, err)
		return ids(l)
	}
	orgs := func(q store.Query) []int64 {
		t.Helper()
		l, _, err := s.ListOrganizations(ctx, q)
		noErr(t, err)
		return ids(l)
	}
	eq := func(name string, got []int64, want ...int64) {
		t.Helper()
		if fmtIDs(got) != fmtIDs(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	eq("is_superuser true", users(q1("is_superuser", "", "true")), f.alice.ID)
	eq("is_superuser True", users(q1("is_superuser", "", "True")), f.alice.ID)
	eq("is_superuser 1", users(q1("is_superuser", "", "1")), f.alice.ID)
	eq("is_superuser False", users(q1("is_superuser", "", "False")), f.bob.ID, f.carol.ID)
	eq("is_superuser 0", users(q1("is_superuser", "exact", "0")), f.bob.ID, f.carol.ID)
	eq("is_system_auditor", users(q1("is_system_auditor", "", "true")), f.carol.ID)
	eq("username in", users(q1("username", "in", "alice,carol,zed")), f.alice.ID, f.carol.ID)
	eq("email iendswith", users(q1("email", "iendswith", "EXAMPLE.COM")), f.alice.ID, f.carol.ID)
	eq("last_login isnull", users(q1("last_login", "isnull", "true")), f.alice.ID, f.bob.ID, f.carol.ID)
	eq("date_joined", users(q1("date_joined", "gte", "2000-01-01")), f.alice.ID, f.bob.ID, f.carol.ID)
	eq("first_name unicode", users(q1("first_name", "iexact", "ÉLODIE")), f.bob.ID)

	eq("app name", apps(q1("name", "", "App One")), f.app1.ID)
	eq("app organization", apps(q1("organization", "", itoa(f.orgB.ID))), f.app2.ID)
	eq("app organization__name", apps(q1("organization__name", "istartswith", "org")), f.app1.ID, f.app2.ID)
	eq("app client_type", apps(q1("client_type", "", "confidential")), f.app1.ID, f.app2.ID)
	eq("app skip_authorization", apps(q1("skip_authorization", "", "false")), f.app1.ID, f.app2.ID)
	eq("app client_id", apps(q1("client_id", "", f.app2.ClientID)), f.app2.ID)
	eq("app authorization_grant_type", apps(q1("authorization_grant_type", "", "authorization-code")))

	eq("org name", orgs(q1("name", "", "Org B")), f.orgB.ID)
	eq("org max_hosts", orgs(q1("max_hosts", "gt", "0")), f.orgA.ID)
	eq("org description", orgs(q1("description", "icontains", "FIRST")), f.orgA.ID)
}

func asStoreError(err error, target **store.Error) bool {
	for err != nil {
		if se, ok := err.(*store.Error); ok {
			*target = se
			return true
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		err = u.Unwrap()
	}
	return false
}

func testSearch(t *testing.T, open Opener) {
	s := open(t)
	f := newTokenFixture(t, s)
	tokens := func(search string) []int64 {
		l, n, err := s.ListAccessTokens(ctx, store.Query{Search: search})
		noErr(t, err)
		if n != len(l) {
			t.Fatalf("count %d for %d rows", n, len(l))
		}
		return ids(l)
	}
	eq := func(name string, got []int64, want ...int64) {
		t.Helper()
		if fmtIDs(got) != fmtIDs(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	eq("token description", tokens("RUNNER"), f.t2.ID)
	eq("token terms are ANDed", tokens("ci runner"), f.t2.ID)
	eq("token terms, one misses", tokens("ci deploy"))
	eq("commas split terms", tokens("deploy,key"), f.t1.ID)
	eq("empty search", tokens(""), f.t1.ID, f.t2.ID, f.t3.ID, f.t4.ID)
	eq("token search ignores the user", tokens("alice"))

	l, _, err := s.ListApplications(ctx, store.Query{Search: "two"})
	noErr(t, err)
	eq("application name", ids(l), f.app2.ID)
	a := f.app1
	_, err = s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{Description: ptr("Secret Sauce")})
	noErr(t, err)
	l, _, err = s.ListApplications(ctx, store.Query{Search: "sauce"})
	noErr(t, err)
	eq("application description", ids(l), f.app1.ID)

	u, _, err := s.ListUsers(ctx, store.Query{Search: "example.com"})
	noErr(t, err)
	eq("user email", ids(u), f.alice.ID, f.carol.ID)
	u, _, err = s.ListUsers(ctx, store.Query{Search: "builder"})
	noErr(t, err)
	eq("user last name", ids(u), f.bob.ID)
	u, _, err = s.ListUsers(ctx, store.Query{Search: "élodie"})
	noErr(t, err)
	eq("user first name, unicode", ids(u), f.bob.ID)

	o, _, err := s.ListOrganizations(ctx, store.Query{Search: "second"})
	noErr(t, err)
	eq("organization description", ids(o), f.orgB.ID)
	o, _, err = s.ListOrganizations(ctx, store.Query{Search: "org a"})
	noErr(t, err)
	eq("organization name", ids(o), f.orgA.ID)
}

func testOrderingAndPaging(t *testing.T, open Opener) {
	s := open(t)
	f := newTokenFixture(t, s)
	tokens := func(q store.Query) ([]int64, int) {
		t.Helper()
		l, n, err := s.ListAccessTokens(ctx, q)
		noErr(t, err)
		return ids(l), n
	}
	eq := func(name string, got []int64, want ...int64) {
		t.Helper()
		if fmtIDs(got) != fmtIDs(want) {
			t.Errorf("%s: got %v, want %v", name, got, want)
		}
	}
	got, _ := tokens(store.Query{})
	eq("default id", got, f.t1.ID, f.t2.ID, f.t3.ID, f.t4.ID)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "id", Desc: true}}})
	eq("-id", got, f.t4.ID, f.t3.ID, f.t2.ID, f.t1.ID)
	// (No ordering on mixed-case text here: AWX's PostgreSQL sorts by its
	// collation, SQLite by code point; both are fine for clients.)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "expires", Desc: true}}})
	eq("-expires", got, f.t4.ID, f.t3.ID, f.t2.ID, f.t1.ID)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "scope"}}})
	eq("scope, ties by id", got, f.t2.ID, f.t3.ID, f.t1.ID, f.t4.ID)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "user__username", Desc: true}, {Field: "expires", Desc: true}}})
	eq("-user__username,-expires", got, f.t4.ID, f.t3.ID, f.t2.ID, f.t1.ID)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "application__name"}}})
	eq("application__name, NULLs last", got, f.t2.ID, f.t3.ID, f.t1.ID, f.t4.ID)
	got, _ = tokens(store.Query{OrderBy: []store.Order{{Field: "application__name", Desc: true}}})
	eq("-application__name, NULLs first", got, f.t4.ID, f.t1.ID, f.t3.ID, f.t2.ID)

	// Paging: the count is of all matches, the page a slice of them.
	got, n := tokens(store.Query{Limit: 2})
	eq("page 1", got, f.t1.ID, f.t2.ID)
	if n != 4 {
		t.Errorf("count = %d, want 4", n)
	}
	got, n = tokens(store.Query{Limit: 2, Offset: 2})
	eq("page 2", got, f.t3.ID, f.t4.ID)
	if n != 4 {
		t.Errorf("count = %d, want 4", n)
	}
	got, n = tokens(store.Query{Limit: 2, Offset: 4})
	eq("past the end", got)
	if n != 4 {
		t.Errorf("count past the end = %d, want 4", n)
	}
	got, _ = tokens(store.Query{Offset: 3})
	eq("offset without limit", got, f.t4.ID)
	got, n = tokens(store.Query{Limit: 1, Offset: 1, Filters: []store.Filter{flt("user", "", itoa(f.bob.ID))}})
	eq("filtered page", got, f.t4.ID)
	if n != 2 {
		t.Errorf("filtered count = %d, want 2", n)
	}

	// Applications: organization name, then name.
	a3 := mustApp(t, s, f.orgA.ID, "Alpha")
	l, _, err := s.ListApplications(ctx, store.Query{})
	noErr(t, err)
	eq("applications default", ids(l), a3.ID, f.app1.ID, f.app2.ID)
	l, _, err = s.ListApplications(ctx, store.Query{OrderBy: []store.Order{{Field: "name", Desc: true}}})
	noErr(t, err)
	eq("applications -name", ids(l), f.app2.ID, f.app1.ID, a3.ID)

	u, _, err := s.ListUsers(ctx, store.Query{})
	noErr(t, err)
	eq("users default", ids(u), f.alice.ID, f.bob.ID, f.carol.ID)
	u, _, err = s.ListUsers(ctx, store.Query{OrderBy: []store.Order{{Field: "email"}}})
	noErr(t, err)
	eq("users by email", ids(u), f.alice.ID, f.bob.ID, f.carol.ID)
	u, _, err = s.ListUsers(ctx, store.Query{OrderBy: []store.Order{{Field: "first_name", Desc: true}}})
	noErr(t, err)
	eq("users -first_name", ids(u), f.bob.ID, f.carol.ID, f.alice.ID)

	o, _, err := s.ListOrganizations(ctx, store.Query{OrderBy: []store.Order{{Field: "name", Desc: true}}})
	noErr(t, err)
	eq("organizations -name", ids(o), f.orgB.ID, f.orgA.ID)
	o, _, err = s.ListOrganizations(ctx, store.Query{})
	noErr(t, err)
	eq("organizations default", ids(o), f.orgA.ID, f.orgB.ID)
}

func testRestrictions(t *testing.T, open Opener) {
	s := open(t)
	f := newTokenFixture(t, s)
	rolesA, err := s.OrganizationRoles(ctx, f.orgA.ID)
	noErr(t, err)
	noErr(t, s.GrantRole(ctx, rolesA[1].ID, f.bob.ID)) // bob: member of Org A
	eq := func(name string, got []int64, n int, want ...int64) {
		t.Helper()
		want = sorted(want...)
		if fmtIDs(sorted(got...)) != fmtIDs(want) || n != len(want) {
			t.Errorf("%s: got %v (count %d), want %v", name, got, n, want)
		}
	}
	tok := func(r store.Restriction, filters ...store.Filter) ([]int64, int) {
		t.Helper()
		l, n, err := s.ListAccessTokens(ctx, store.Query{Restrict: &r, Filters: filters})
		noErr(t, err)
		return ids(l), n
	}
	got, n := tok(store.Restriction{UserID: f.alice.ID})
	eq("own tokens", got, n, f.t1.ID, f.t2.ID)
	got, n = tok(store.Restriction{UserID: f.alice.ID, OrgIDs: []int64{f.orgB.ID}})
	eq("own tokens and Org B's app tokens", got, n, f.t1.ID, f.t2.ID, f.t3.ID)
	got, n = tok(store.Restriction{UserID: f.carol.ID})
	eq("no tokens", got, n)
	got, n = tok(store.Restriction{UserID: f.alice.ID, OrgIDs: []int64{f.orgB.ID}}, flt("application", "isnull", "false"))
	eq("restriction and filter", got, n, f.t2.ID, f.t3.ID)
	l, n, err := s.ListAccessTokens(ctx, store.Query{Restrict: &store.Restriction{UserID: f.alice.ID, OrgIDs: []int64{f.orgB.ID}}, Limit: 1, Offset: 2})
	noErr(t, err)
	eq("restricted page", ids(l), 1, f.t3.ID)
	if n != 3 {
		t.Errorf("restricted count = %d, want 3", n)
	}

	apps, n, err := s.ListApplications(ctx, store.Query{Restrict: &store.Restriction{UserID: f.bob.ID, OrgIDs: []int64{f.orgA.ID}}})
	noErr(t, err)
	eq("applications of Org A", ids(apps), n, f.app1.ID)
	apps, n, err = s.ListApplications(ctx, store.Query{Restrict: &store.Restriction{UserID: f.carol.ID}})
	noErr(t, err)
	eq("applications of no organization", ids(apps), n)

	users, n, err := s.ListUsers(ctx, store.Query{Restrict: &store.Restriction{UserID: f.alice.ID, OrgIDs: []int64{f.orgA.ID}}})
	noErr(t, err)
	eq("self and members of Org A", ids(users), n, f.alice.ID, f.bob.ID)
	users, n, err = s.ListUsers(ctx, store.Query{Restrict: &store.Restriction{UserID: f.carol.ID}})
	noErr(t, err)
	eq("only self", ids(users), n, f.carol.ID)

	orgs, n, err := s.ListOrganizations(ctx, store.Query{Restrict: &store.Restriction{UserID: f.bob.ID, OrgIDs: []int64{f.orgA.ID}}})
	noErr(t, err)
	eq("Org A only", ids(orgs), n, f.orgA.ID)
	orgs, n, err = s.ListOrganizations(ctx, store.Query{Restrict: &store.Restriction{UserID: f.carol.ID}})
	noErr(t, err)
	eq("no organizations", ids(orgs), n)

	// Activity: own actions, and entries about visible tokens and applications.
	add := func(actor int64, typ string, obj int64) int64 {
		a := &store.Activity{ActorID: &actor, Operation: "create", ObjectType: typ, ObjectID: obj}
		noErr(t, s.AddActivity(ctx, a))
		return a.ID
	}
	eAliceT1 := add(f.alice.ID, "o_auth2_access_token", f.t1.ID)
	eAliceT3 := add(f.alice.ID, "o_auth2_access_token", f.t3.ID) // e.g. a superuser acting on bob's token
	eBobT3 := add(f.bob.ID, "o_auth2_access_token", f.t3.ID)
	eBobApp2 := add(f.bob.ID, "o_auth2_application", f.app2.ID)
	eCarolApp1 := add(f.carol.ID, "o_auth2_application", f.app1.ID)
	eCarolUser := add(f.carol.ID, "user", f.alice.ID)
	act := func(r store.Restriction) ([]int64, int) {
		t.Helper()
		l, n, err := s.ListActivity(ctx, store.Query{Restrict: &r})
		noErr(t, err)
		return ids(l), n
	}
	got, n = act(store.Restriction{UserID: f.bob.ID})
	eq("bob: own actions and own tokens", got, n, eAliceT3, eBobT3, eBobApp2)
	got, n = act(store.Restriction{UserID: f.bob.ID, AppOrgIDs: []int64{f.orgA.ID}})
	eq("bob with Org A's applications", got, n, eAliceT3, eBobT3, eBobApp2, eCarolApp1)
	got, n = act(store.Restriction{UserID: f.carol.ID})
	eq("carol", got, n, eCarolApp1, eCarolUser)
	got, n = act(store.Restriction{UserID: f.alice.ID})
	eq("alice: own actions and entries about herself", got, n, eAliceT1, eAliceT3, eCarolUser)

	// Tokens of an organization's applications are a separate list from
	// its applications (admins and auditors see the tokens, members the
	// applications); users and organizations follow OrgIDs.
	eAliceOrgB := add(f.alice.ID, "organization", f.orgB.ID)
	eAliceBob := add(f.alice.ID, "user", f.bob.ID)
	got, n = act(store.Restriction{UserID: f.carol.ID, TokenOrgIDs: []int64{f.orgB.ID}})
	eq("carol auditing Org B's tokens", got, n, eCarolApp1, eCarolUser, eAliceT3, eBobT3)
	got, n = act(store.Restriction{UserID: f.carol.ID, AppOrgIDs: []int64{f.orgB.ID}})
	eq("carol seeing Org B's applications", got, n, eCarolApp1, eCarolUser, eBobApp2)
	got, n = act(store.Restriction{UserID: f.carol.ID, OrgIDs: []int64{f.orgA.ID, f.orgB.ID}})
	eq("carol with a role in Org A and B", got, n, eCarolApp1, eCarolUser, eAliceOrgB, eAliceBob)
}
