package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/config"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

// The running layer: commands run in-process with test streams against the
// real server (servertest: loopback HTTP, temporary SQLite), and the checks
// look at the server's state, not only at what the command printed.

type testEnv struct {
	t    *testing.T
	srv  *servertest.Server
	home string
	env  map[string]string
}

type result struct {
	out, err string
	code     int
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	srv := servertest.Start(t)
	home := t.TempDir()
	return &testEnv{t: t, srv: srv, home: home, env: map[string]string{
		"HOME":                   home,
		"CONTROLLER_HOST":        srv.URL,
		"CONTROLLER_OAUTH_TOKEN": srv.AdminToken,
	}}
}

// run runs awxtoken with args, stdin as standard input, and the test's
// environment (never the machine's: its home is a temporary directory).
func (e *testEnv) run(stdin string, args ...string) result {
	e.t.Helper()
	ios, in, out, errOut := IOTest()
	in.WriteString(stdin)
	getenv := func(k string) string { return e.env[k] }
	f := NewFactory(ios, getenv)
	f.ConfigEnv = config.Env{Getenv: getenv, Home: e.home}
	code := run(context.Background(), f, args)
	return result{out.String(), errOut.String(), code}
}

func (e *testEnv) mustRun(stdin string, args ...string) result {
	e.t.Helper()
	r := e.run(stdin, args...)
	if r.code != 0 {
		e.t.Fatalf("awxtoken %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), r.code, r.out, r.err)
	}
	return r
}

// client is an API client as the admin, for setting up and checking.
func (e *testEnv) client() *awx.Client {
	e.t.Helper()
	c, err := awx.NewClient(e.srv.URL, awx.WithToken(e.srv.AdminToken))
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

// tokens lists every access token in the server's store.
func (e *testEnv) tokens() []*store.AccessToken {
	e.t.Helper()
	toks, _, err := e.srv.Store.ListAccessTokens(context.Background(), store.Query{})
	if err != nil {
		e.t.Fatal(err)
	}
	return toks
}

func (e *testEnv) storedToken(id int64) *store.AccessToken {
	e.t.Helper()
	tok, err := e.srv.Store.AccessTokenByID(context.Background(), id)
	if err != nil {
		e.t.Fatalf("token %d: %v", id, err)
	}
	return tok
}

// newApp creates an organization and a confidential password-grant application.
func (e *testEnv) newApp(name string) *awx.Application {
	e.t.Helper()
	ctx := context.Background()
	c := e.client()
	orgName := "org-" + name
	org, _, err := c.Organizations.Create(ctx, awx.OrganizationRequest{Name: &orgName})
	if err != nil {
		e.t.Fatal(err)
	}
	ct, gt := awx.ClientConfidential, awx.GrantPassword
	app, _, err := c.Applications.Create(ctx, awx.ApplicationRequest{Name: &name, ClientType: &ct,
		AuthorizationGrantType: &gt, Organization: &org.ID})
	if err != nil {
		e.t.Fatal(err)
	}
	return app
}

func decodeToken(t *testing.T, s string) *awx.Token {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	var tok awx.Token
	if err := dec.Decode(&tok); err != nil {
		t.Fatalf("not a token object: %v\n%s", err, s)
	}
	if dec.More() {
		t.Fatalf("more than one JSON value:\n%s", s)
	}
	return &tok
}

func TestNewForApplicationSendsTheBodyGiven(t *testing.T) {
	e := newTestEnv(t)
	app := e.newApp("ci")
	r := e.mustRun("", "new", itoa(app.ID), "--description", "CI runner", "--scope", "read", "-o", "json")
	tok := decodeToken(t, r.out)
	if tok.Token == "" || tok.Token == awx.Censored || tok.Application == nil || *tok.Application != app.ID {
		t.Fatalf("created token %+v", tok)
	}
	st := e.storedToken(tok.ID)
	if st.Description != "CI runner" || st.Scope != "read" || st.ApplicationID == nil || *st.ApplicationID != app.ID {
		t.Fatalf("stored %+v", st)
	}
	// An application token comes with a refresh token, shown this once.
	if tok.RefreshToken == nil || *tok.RefreshToken == "" || *tok.RefreshToken == awx.Censored {
		t.Fatalf("refresh token %v", tok.RefreshToken)
	}

	// Without --description nothing is sent, so the server's default ("")
	// applies; the scope default is write.
	r = e.mustRun("", "new", "--application", itoa(app.ID), "-o", "json")
	st = e.storedToken(decodeToken(t, r.out).ID)
	if st.Description != "" || st.Scope != "write" {
		t.Fatalf("stored %+v", st)
	}
}

func TestNewForMeTokenOutputIsOnlyTheToken(t *testing.T) {
	e := newTestEnv(t)
	r := e.mustRun("", "new", "--for-me", "--scope", "write", "--description", "Personal Access Token", "-o", "token")
	if !regexp.MustCompile(`^[A-Za-z0-9]{30}\n$`).MatchString(r.out) {
		t.Fatalf("stdout %q is not a token and a newline", r.out)
	}
	token := strings.TrimSpace(r.out)
	// The token works, and it is the admin's personal token.
	c, err := awx.NewClient(e.srv.URL, awx.WithToken(token))
	if err != nil {
		t.Fatal(err)
	}
	me, _, err := c.Me(context.Background())
	if err != nil || me.Username != e.srv.AdminUsername {
		t.Fatalf("me with the new token: %v %v", me, err)
	}
	toks := e.tokens()
	last := toks[len(toks)-1]
	if last.Description != "Personal Access Token" || last.ApplicationID != nil || last.Scope != "write" {
		t.Fatalf("stored %+v", last)
	}

	// --for-me with an application: the application goes in the body.
	app := e.newApp("mine")
	r = e.mustRun("", "new", "--for-me", "--application", itoa(app.ID), "-o", "json")
	if st := e.storedToken(decodeToken(t, r.out).ID); st.ApplicationID == nil || *st.ApplicationID != app.ID {
		t.Fatalf("stored %+v", st)
	}
}

func TestNewWhatIfSendsNothing(t *testing.T) {
	e := newTestEnv(t)
	app := e.newApp("whatif")
	before := len(e.tokens())
	r := e.mustRun("", "new", itoa(app.ID), "--description", "x", "--what-if")
	want := "What if: Performing the operation \"Create Token {\n  \"description\": \"x\",\n  \"scope\": \"write\"\n}\" on target \"Application [" + itoa(app.ID) + "]\".\n"
	if r.out != want {
		t.Fatalf("stdout\n%s\nwant\n%s", r.out, want)
	}
	r = e.mustRun("", "new", "--for-me", "--scope", "read", "--dry-run")
	want = "What if: Performing the operation \"Create Token {\n  \"scope\": \"read\"\n}\" on target \"PersonalAccessToken\".\n"
	if r.out != want {
		t.Fatalf("stdout\n%s\nwant\n%s", r.out, want)
	}
	// A name is resolved (a read) but still nothing is created.
	r = e.mustRun("", "new", "--application", "whatif", "--what-if")
	if !strings.Contains(r.out, "Application ["+itoa(app.ID)+"]") {
		t.Fatalf("stdout %s", r.out)
	}
	if after := len(e.tokens()); after != before {
		t.Fatalf("--what-if created %d tokens", after-before)
	}
}

func TestNewConfirm(t *testing.T) {
	e := newTestEnv(t)
	before := len(e.tokens())
	for _, answer := range []string{"n\n", "", "nope\n"} {
		r := e.run(answer, "new", "--for-me", "--confirm")
		if r.code != 1 || !strings.Contains(r.err, "cancelled; nothing was sent") || r.out != "" {
			t.Fatalf("answer %q: exit %d, stdout %q, stderr %q", answer, r.code, r.out, r.err)
		}
		if !strings.Contains(r.err, "Create Token {") || !strings.Contains(r.err, `on target "PersonalAccessToken"? [y/N]`) {
			t.Fatalf("prompt missing: %q", r.err)
		}
	}
	if n := len(e.tokens()); n != before {
		t.Fatalf("a refused confirmation created %d tokens", n-before)
	}
	r := e.mustRun("yes\n", "new", "--for-me", "--confirm", "-o", "token")
	if len(e.tokens()) != before+1 || len(strings.TrimSpace(r.out)) != 30 {
		t.Fatalf("confirmed: %d tokens, stdout %q", len(e.tokens())-before, r.out)
	}
}

func TestNewOutputFormats(t *testing.T) {
	e := newTestEnv(t)

	r := e.mustRun("", "new", "--for-me", "--description", "table")
	tok := e.tokens()[len(e.tokens())-1]
	for _, want := range []string{"Id", "Type", "Description", "Created", "Modified", "Expires", "User",
		"Username", "Application", "ApplicationName", "Scope", "o_auth2_access_token", "table", e.srv.AdminUsername} {
		if !strings.Contains(r.out, want) {
			t.Errorf("table lacks %q:\n%s", want, r.out)
		}
	}
	m := regexp.MustCompile(`(?m)^Token\s+: ([A-Za-z0-9]{30})$`).FindStringSubmatch(r.out)
	if m == nil {
		t.Fatalf("table shows no token:\n%s", r.out)
	}
	if !strings.Contains(r.err, "cannot be shown again") {
		t.Fatalf("no warning on stderr: %q", r.err)
	}
	if !strings.Contains(r.out, "Id              : "+itoa(tok.ID)) && !regexp.MustCompile(`(?m)^Id\s+: `+itoa(tok.ID)+`$`).MatchString(r.out) {
		t.Fatalf("table id:\n%s", r.out)
	}

	r = e.mustRun("", "new", "--for-me", "-o", "yaml")
	if !regexp.MustCompile(`(?m)^token: [A-Za-z0-9]{30}$`).MatchString(r.out) || !strings.Contains(r.out, "type: o_auth2_access_token") {
		t.Fatalf("yaml:\n%s", r.out)
	}
	// YAML keeps AWX's key order.
	if strings.Index(r.out, "id:") > strings.Index(r.out, "scope:") {
		t.Fatalf("yaml key order:\n%s", r.out)
	}

	r = e.mustRun("", "new", "--for-me", "-o", "env")
	if !regexp.MustCompile(`^export CONTROLLER_OAUTH_TOKEN=[A-Za-z0-9]{30}\n$`).MatchString(r.out) {
		t.Fatalf("env: %q", r.out)
	}

	r = e.mustRun("", "new", "--for-me", "--jq", ".token")
	if !regexp.MustCompile(`^[A-Za-z0-9]{30}\n$`).MatchString(r.out) {
		t.Fatalf("jq: %q", r.out)
	}
	r = e.mustRun("", "new", "--for-me", "--jq", "{id, scope}")
	var v map[string]any
	if err := json.Unmarshal([]byte(r.out), &v); err != nil || v["scope"] != "write" || len(v) != 2 {
		t.Fatalf("jq object: %v %q", err, r.out)
	}
}

func TestNewApplicationByNameAndFromStdin(t *testing.T) {
	e := newTestEnv(t)
	app := e.newApp("named")

	r := e.mustRun("", "new", "--application", "named", "-o", "json")
	if tok := decodeToken(t, r.out); tok.Application == nil || *tok.Application != app.ID {
		t.Fatalf("by name: %+v", tok)
	}
	if r := e.run("", "new", "--application", "no such app"); r.code != 1 || !strings.Contains(r.err, "no such app") {
		t.Fatalf("missing name: exit %d %q", r.code, r.err)
	}

	// awxtoken app get 2 -o json | awxtoken new --application -
	obj := e.mustRun("", "app", "get", itoa(app.ID), "-o", "json").out
	r = e.mustRun(obj, "new", "--application", "-", "-o", "json", "--description", "piped")
	if tok := decodeToken(t, r.out); tok.Application == nil || *tok.Application != app.ID || tok.Description != "piped" {
		t.Fatalf("from stdin: %+v", tok)
	}

	// Another object type is refused before anything is sent.
	before := len(e.tokens())
	user := e.mustRun("", "get", itoa(decodeToken(t, r.out).ID), "-o", "json").out
	r = e.run(user, "new", "--application", "-")
	if r.code != 2 || !strings.Contains(r.err, `"o_auth2_access_token", not an application`) {
		t.Fatalf("token object: exit %d %q", r.code, r.err)
	}
	me, _, err := e.client().Me(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	userJSON, _ := json.Marshal(me)
	r = e.run(string(userJSON), "new", "--application", "-")
	if r.code != 2 || !strings.Contains(r.err, `of type "user", not an application`) {
		t.Fatalf("user object: exit %d %q", r.code, r.err)
	}
	if len(e.tokens()) != before {
		t.Fatal("a refused object created a token")
	}
}

func TestFindFilters(t *testing.T) {
	e := newTestEnv(t)
	app := e.newApp("found")
	e.mustRun("", "new", "--for-me", "--description", "alpha", "--scope", "read")
	e.mustRun("", "new", "--for-me", "--description", "beta")
	e.mustRun("", "new", itoa(app.ID), "--description", "gamma")

	list := func(args ...string) []*awx.Token {
		t.Helper()
		r := e.mustRun("", append([]string{"find", "-o", "json"}, args...)...)
		var toks []*awx.Token
		if err := json.Unmarshal([]byte(r.out), &toks); err != nil {
			t.Fatalf("not one JSON array: %v\n%s", err, r.out)
		}
		return toks
	}
	descs := func(toks []*awx.Token) string {
		var d []string
		for _, t := range toks {
			d = append(d, t.Description)
			if t.Token != awx.Censored {
				panic("a listed token is not censored")
			}
		}
		return strings.Join(d, ",")
	}
	all := list()
	if len(all) < 3 {
		t.Fatalf("find: %d tokens", len(all))
	}
	if got := descs(list("--type", "authorized")); got != "gamma" {
		t.Errorf("--type authorized: %s", got)
	}
	if got := descs(list("--application", "found")); got != "gamma" {
		t.Errorf("--application found: %s", got)
	}
	if got := descs(list("--filter", "description=alpha")); got != "alpha" {
		t.Errorf("--filter: %s", got)
	}
	if got := descs(list("--filter", "description__in=alpha,beta", "--order-by", "!description")); got != "beta,alpha" {
		t.Errorf("--order-by !description: %s", got)
	}
	if got := descs(list("--search", "bet")); got != "beta" {
		t.Errorf("--search: %s", got)
	}
	if got := list("--page-size", "1"); len(got) != 1 {
		t.Errorf("--page-size 1: %d", len(got))
	}
	if got := list("--page-size", "1", "--all"); len(got) != len(all) {
		t.Errorf("--all: %d, want %d", len(got), len(all))
	}
	if got := list("--filter", "description=none"); got == nil || len(got) != 0 {
		t.Errorf("no match: %v", got)
	}

	r := e.mustRun("", "list", "--type", "personal")
	if !strings.Contains(r.out, "alpha") || strings.Contains(r.out, "gamma") || !strings.HasPrefix(r.out, "Id") {
		t.Errorf("table:\n%s", r.out)
	}
	r = e.mustRun("", "find", "--jq", ".[].description", "--filter", "description=beta")
	if r.out != "beta\n" {
		t.Errorf("jq: %q", r.out)
	}
}

func TestGetUpdateRemove(t *testing.T) {
	e := newTestEnv(t)
	id := decodeToken(t, e.mustRun("", "new", "--for-me", "--description", "old", "-o", "json").out).ID
	id2 := decodeToken(t, e.mustRun("", "new", "--for-me", "-o", "json").out).ID

	// get: one id is an object, several an array; the token stays censored.
	if tok := decodeToken(t, e.mustRun("", "get", itoa(id), "-o", "json").out); tok.ID != id || tok.Token != awx.Censored {
		t.Fatalf("get: %+v", tok)
	}
	var toks []*awx.Token
	if err := json.Unmarshal([]byte(e.mustRun("", "get", itoa(id), itoa(id2), "-o", "json").out), &toks); err != nil || len(toks) != 2 {
		t.Fatalf("get two: %v %v", toks, err)
	}

	// Several ids with one missing: the ones found are printed, then the
	// missing one fails the command.
	r := e.run("", "get", itoa(id), "99999", "-o", "json")
	if r.code != 1 || !strings.Contains(r.err, "no token with id 99999") {
		t.Fatalf("get with a missing id: exit %d %q", r.code, r.err)
	}
	if err := json.Unmarshal([]byte(r.out), &toks); err != nil || len(toks) != 1 || toks[0].ID != id {
		t.Fatalf("get with a missing id printed %q", r.out)
	}

	// update with nothing: a warning, no request, exit 0.
	before := e.storedToken(id)
	r = e.mustRun("", "update", itoa(id))
	if !strings.Contains(r.err, "nothing to update") || r.out != "" {
		t.Fatalf("update nothing: %q %q", r.out, r.err)
	}
	if !e.storedToken(id).Modified.Equal(before.Modified) {
		t.Fatal("update with nothing changed the token")
	}
	r = e.mustRun("", "update", itoa(id), "--scope", "read", "--what-if")
	if !strings.Contains(r.out, `on target "Token [`+itoa(id)+`]"`) || e.storedToken(id).Scope != "write" {
		t.Fatalf("update --what-if: %q", r.out)
	}
	if r = e.run("n\n", "update", itoa(id), "--scope", "read", "--confirm"); r.code != 1 || e.storedToken(id).Scope != "write" {
		t.Fatalf("update refused: exit %d", r.code)
	}
	e.mustRun("", "update", itoa(id), "--scope", "read", "--description", "new")
	if st := e.storedToken(id); st.Scope != "read" || st.Description != "new" {
		t.Fatalf("after update %+v", st)
	}

	// remove: asks; no answer on a pipe says to use --force.
	r = e.run("", "remove", itoa(id))
	if r.code != 2 || !strings.Contains(r.err, "--force") {
		t.Fatalf("remove without an answer: exit %d %q", r.code, r.err)
	}
	if r = e.run("n\n", "remove", itoa(id)); r.code != 1 || !strings.Contains(r.err, "cancelled") {
		t.Fatalf("remove refused: exit %d %q", r.code, r.err)
	}
	if r = e.mustRun("", "remove", itoa(id), "--what-if"); !strings.Contains(r.out, `"Remove Token" on target "Token [`+itoa(id)+`]"`) {
		t.Fatalf("remove --what-if: %q", r.out)
	}
	e.storedToken(id) // still there
	e.mustRun("y\n", "remove", itoa(id))
	if _, err := e.srv.Store.AccessTokenByID(context.Background(), id); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("token %d not removed: %v", id, err)
	}
	e.mustRun("", "revoke", itoa(id2), "--force")
	if _, err := e.srv.Store.AccessTokenByID(context.Background(), id2); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("token %d not revoked: %v", id2, err)
	}
}

func TestErrorsAndExitCodes(t *testing.T) {
	e := newTestEnv(t)
	r := e.run("", "get", "99999")
	if r.code != 1 || r.out != "" {
		t.Fatalf("get missing: exit %d, stdout %q", r.code, r.out)
	}
	for _, want := range []string{"404", "GET", "/api/v2/tokens/99999/", "No OAuth2AccessToken matches the given query."} {
		if !strings.Contains(r.err, want) {
			t.Errorf("stderr %q lacks %q", r.err, want)
		}
	}
	// A bad token: 401, and the token is not in the message.
	e.env["CONTROLLER_OAUTH_TOKEN"] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	r = e.run("", "find")
	if r.code != 1 || !strings.Contains(r.err, "401") || strings.Contains(r.err, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") {
		t.Fatalf("401: exit %d %q", r.code, r.err)
	}
	if r = e.run("", "get", "--nope"); r.code != 2 || !strings.Contains(r.err, "--help") {
		t.Fatalf("bad flag: exit %d %q", r.code, r.err)
	}
	// No server at all: a network error, exit 1.
	e.env["CONTROLLER_HOST"] = "http://127.0.0.1:1"
	if r = e.run("", "find"); r.code != 1 || !strings.HasPrefix(r.err, "error: ") {
		t.Fatalf("network error: exit %d %q", r.code, r.err)
	}
}

func TestSettingsPrecedence(t *testing.T) {
	e := newTestEnv(t)
	// The flag wins over the environment.
	e.env["CONTROLLER_HOST"] = "http://127.0.0.1:1"
	e.mustRun("", "find", "--host", e.srv.URL)
	// The environment wins over the configuration file.
	cfg := filepath.Join(e.home, ".ansible_api_config.json")
	if err := config.WriteFile(cfg, &config.File{Origin: "http://127.0.0.1:1", Token: "x"}); err != nil {
		t.Fatal(err)
	}
	e.env["CONTROLLER_HOST"] = e.srv.URL
	e.mustRun("", "find")
	r := e.mustRun("", "config", "get", "-o", "json")
	var m map[string]string
	if err := json.Unmarshal([]byte(r.out), &m); err != nil {
		t.Fatal(err)
	}
	if m["host"] != e.srv.URL || m["host_source"] != "env CONTROLLER_HOST" || m["token"] != awx.Censored ||
		m["token_source"] != "env CONTROLLER_OAUTH_TOKEN" || m["config_path"] != cfg {
		t.Fatalf("config get: %v", m)
	}
	if strings.Contains(r.out, e.srv.AdminToken) {
		t.Fatal("config get shows the token")
	}
	r = e.mustRun("", "config", "get")
	if !strings.Contains(r.out, "env CONTROLLER_HOST") || strings.Contains(r.out, e.srv.AdminToken) {
		t.Fatalf("config get table:\n%s", r.out)
	}
}

func TestConfigNewAndLogin(t *testing.T) {
	e := newTestEnv(t)
	delete(e.env, "CONTROLLER_HOST")
	delete(e.env, "CONTROLLER_OAUTH_TOKEN")
	cfg := filepath.Join(e.home, ".ansible_api_config.json")

	r := e.mustRun(e.srv.AdminToken+"\n", "config", "new", "--uri", e.srv.URL)
	if !strings.Contains(r.err, "Success: "+e.srv.AdminUsername+"(") {
		t.Fatalf("config new: %q", r.err)
	}
	f, err := config.ReadFile(cfg)
	if err != nil || f.Origin != e.srv.URL || f.Token != e.srv.AdminToken || f.UserName != e.srv.AdminUsername || f.UserID == 0 {
		t.Fatalf("saved %v %v", f, err)
	}
	if fi, err := os.Stat(cfg); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v %v", fi.Mode(), err)
	}
	// The saved settings are used.
	e.mustRun("", "find")

	// A bad token: exit 1 and the file untouched.
	saved, _ := os.ReadFile(cfg)
	r = e.run("BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB\n", "config", "new", "--uri", e.srv.URL)
	if r.code != 1 || !strings.Contains(r.err, "401") || strings.Contains(r.err, "BBBBBBBBBBBBBBBBBBBBBBBBBBBBBB") {
		t.Fatalf("bad token: exit %d %q", r.code, r.err)
	}
	if now, _ := os.ReadFile(cfg); !bytes.Equal(now, saved) {
		t.Fatal("a failed config new changed the file")
	}
	if r = e.run("", "config", "new"); r.code != 2 {
		t.Fatalf("config new without --uri: exit %d", r.code)
	}

	// login: a new personal token with Basic auth, saved the same way.
	os.Remove(cfg)
	before := len(e.tokens())
	r = e.mustRun(e.srv.AdminPassword+"\n", "login", "--host", e.srv.URL, "--username", e.srv.AdminUsername, "--password-stdin")
	if len(e.tokens()) != before+1 {
		t.Fatal("login made no token")
	}
	f, err = config.ReadFile(cfg)
	if err != nil || f.Token == "" || f.Token == e.srv.AdminToken || f.Origin != e.srv.URL {
		t.Fatalf("login saved %v %v", f, err)
	}
	last := e.tokens()[len(e.tokens())-1]
	if last.Description != "awxtoken login" || last.Scope != "write" || last.ApplicationID != nil {
		t.Fatalf("login token %+v", last)
	}
	e.mustRun("", "find")
	if r = e.run("wrong\n", "login", "--host", e.srv.URL, "--username", e.srv.AdminUsername, "--password-stdin"); r.code != 1 {
		t.Fatalf("login with a wrong password: exit %d", r.code)
	}

	// config switch makes another file the active one.
	other := filepath.Join(t.TempDir(), "other.json")
	if err := config.WriteFile(other, &config.File{Origin: "https://awx.example.com", Token: "t", UserName: "bob"}); err != nil {
		t.Fatal(err)
	}
	e.mustRun("", "config", "switch", other)
	if f, err = config.ReadFile(cfg); err != nil || f.Origin != "https://awx.example.com" {
		t.Fatalf("switched: %v %v", f, err)
	}

	// With --config, switch overwrites that file and leaves the default alone.
	named := filepath.Join(t.TempDir(), "named.json")
	third := filepath.Join(t.TempDir(), "third.json")
	if err := config.WriteFile(third, &config.File{Origin: "https://third.example.com", Token: "t3"}); err != nil {
		t.Fatal(err)
	}
	e.mustRun("", "--config", named, "config", "switch", third)
	if f, err = config.ReadFile(named); err != nil || f.Origin != "https://third.example.com" {
		t.Fatalf("switch --config: %v %v", f, err)
	}
	if f, err = config.ReadFile(cfg); err != nil || f.Origin != "https://awx.example.com" {
		t.Fatalf("switch --config changed the default file: %v %v", f, err)
	}
}

func TestApplicationCommands(t *testing.T) {
	e := newTestEnv(t)
	org := "apps-org"
	if _, _, err := e.client().Organizations.Create(context.Background(), awx.OrganizationRequest{Name: &org}); err != nil {
		t.Fatal(err)
	}
	r := e.mustRun("", "app", "new", "--name", "web", "--organization", org, "--client-type", "confidential",
		"--grant-type", "password", "--description", "the web app")
	if !regexp.MustCompile(`(?m)^ClientSecret\s+: [A-Za-z0-9]{128}$`).MatchString(r.out) || !strings.Contains(r.err, "cannot be shown again") {
		t.Fatalf("app new: %s\n%s", r.out, r.err)
	}
	var app awx.Application
	if err := json.Unmarshal([]byte(e.mustRun("", "app", "get", "web", "-o", "json").out), &app); err != nil ||
		app.Name != "web" || app.Description != "the web app" || app.ClientSecret != awx.Censored {
		t.Fatalf("app get: %+v %v", app, err)
	}
	r = e.mustRun("", "app", "find", "--organization", org, "--jq", ".[].name")
	if r.out != "web\n" {
		t.Fatalf("app find: %q", r.out)
	}
	if r = e.mustRun("", "app", "update", "web"); !strings.Contains(r.err, "nothing to update") {
		t.Fatalf("app update nothing: %q", r.err)
	}
	e.mustRun("", "app", "update", itoa(app.ID), "--description", "renamed", "--redirect-uris", "https://a.example.com/cb")
	if a, err := e.srv.Store.ApplicationByID(context.Background(), app.ID); err != nil || a.Description != "renamed" || a.RedirectURIs != "https://a.example.com/cb" {
		t.Fatalf("after update %+v %v", a, err)
	}
	e.mustRun("", "app", "remove", "web", "--force")
	if _, err := e.srv.Store.ApplicationByID(context.Background(), app.ID); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("not removed: %v", err)
	}
	// A validation error from the server reads per field, exit 1.
	r = e.run("", "app", "new", "--name", "x", "--organization", org, "--client-type", "public", "--grant-type", "authorization-code")
	if r.code != 1 || !strings.Contains(r.err, "redirect_uris cannot be empty") || !strings.Contains(r.err, "POST /api/v2/applications/") {
		t.Fatalf("server validation: exit %d %q", r.code, r.err)
	}
}

func TestAdminCreateSuperuser(t *testing.T) {
	db := filepath.Join(t.TempDir(), "a.db")
	e := &testEnv{t: t, home: t.TempDir(), env: map[string]string{}}
	r := e.mustRun("s3cret-pass\n", "admin", "create-superuser", "--database", db, "--username", "root")
	if !strings.Contains(r.err, "Superuser root created") || strings.Contains(r.err+r.out, "s3cret-pass") {
		t.Fatalf("create: %q", r.err)
	}
	if r = e.run("other\n", "admin", "create-superuser", "--database", "sqlite:"+db, "--username", "root"); r.code != 1 || !strings.Contains(r.err, "already exists") {
		t.Fatalf("again: exit %d %q", r.code, r.err)
	}
	if r = e.run("", "admin", "create-superuser", "--database", db, "--username", "x"); r.code != 2 {
		t.Fatalf("no password: exit %d %q", r.code, r.err)
	}
}

// syncBuffer is a buffer a running server may write while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServerDev(t *testing.T) {
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios := &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	f := NewFactory(ios, func(string) string { return "" })
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, f, []string{"server", "--dev", "--listen", "127.0.0.1:0", "--log-format", "json"})
	}()

	exports := regexp.MustCompile(`export (CONTROLLER_[A-Z_]+)=(\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	var env map[string]string
	for len(env) < 4 {
		select {
		case code := <-done:
			t.Fatalf("server exited %d early: %s", code, errOut.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("no dev block; stdout %q stderr %q", out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
		if m := exports.FindAllStringSubmatch(out.String(), -1); len(m) == 4 {
			env = map[string]string{}
			for _, kv := range m {
				env[kv[1]] = kv[2]
			}
		}
	}
	if env["CONTROLLER_USERNAME"] != "admin" || len(env["CONTROLLER_PASSWORD"]) < 20 {
		t.Fatalf("dev block: %v", env)
	}

	// The printed block is enough to use the client, by token or by password.
	home := t.TempDir()
	e := &testEnv{t: t, home: home, env: map[string]string{"HOME": home,
		"CONTROLLER_HOST": env["CONTROLLER_HOST"], "CONTROLLER_OAUTH_TOKEN": env["CONTROLLER_OAUTH_TOKEN"]}}
	r := e.mustRun("", "new", "--for-me", "-o", "token")
	if len(strings.TrimSpace(r.out)) != 30 {
		t.Fatalf("token %q", r.out)
	}
	e.env = map[string]string{"HOME": home, "CONTROLLER_HOST": env["CONTROLLER_HOST"],
		"CONTROLLER_USERNAME": env["CONTROLLER_USERNAME"], "CONTROLLER_PASSWORD": env["CONTROLLER_PASSWORD"]}
	e.mustRun("", "find", "--type", "personal")

	// The server logs no secret.
	if s := errOut.String(); strings.Contains(s, env["CONTROLLER_PASSWORD"]) || strings.Contains(s, env["CONTROLLER_OAUTH_TOKEN"]) {
		t.Fatalf("a secret in the log: %s", s)
	}

	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Fatalf("exit %d after cancel: %s", code, errOut.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("server did not stop")
	}
	// The throwaway database is gone.
	if m := regexp.MustCompile(`database (\S+) is deleted`).FindStringSubmatch(out.String()); m == nil {
		t.Fatalf("no database path in %q", out.String())
	} else if _, err := os.Stat(filepath.Dir(m[1])); !os.IsNotExist(err) {
		t.Fatalf("dev directory %s remains: %v", filepath.Dir(m[1]), err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func TestVerboseAndDebugMaskSecrets(t *testing.T) {
	e := newTestEnv(t)
	r := e.mustRun("", "new", "--for-me", "-v", "-o", "token")
	if !strings.Contains(r.err, "POST /api/v2/users/0/tokens/ 201") {
		t.Fatalf("-v: %q", r.err)
	}
	r = e.mustRun("", "new", "--for-me", "--debug", "-o", "token")
	token := strings.TrimSpace(r.out)
	if len(token) != 30 || strings.Contains(r.err, token) || strings.Contains(r.err, e.srv.AdminToken) {
		t.Fatalf("--debug shows a secret:\n%s", r.err)
	}
	if !strings.Contains(r.err, "Authorization: Bearer "+awx.Censored) {
		t.Fatalf("--debug shows no masked header:\n%s", r.err)
	}
}

// startServer runs `awxtoken server` in-process until the returned stop
// function is called; it returns the server's URL and its exit status channel.
func startServer(t *testing.T, env map[string]string, args ...string) (url string, stop func() int, logs *syncBuffer) {
	t.Helper()
	out, errOut := &syncBuffer{}, &syncBuffer{}
	ios := &IOStreams{In: strings.NewReader(""), Out: out, ErrOut: errOut}
	ctx, cancel := context.WithCancel(context.Background())
	f := NewFactory(ios, func(k string) string { return env[k] })
	done := make(chan int, 1)
	go func() { done <- run(ctx, f, append([]string{"server", "--listen", "127.0.0.1:0"}, args...)) }()
	listening := regexp.MustCompile(`msg="awxtoken server listening" url=(\S+)`)
	deadline := time.Now().Add(20 * time.Second)
	for {
		if m := listening.FindStringSubmatch(errOut.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case code := <-done:
			cancel()
			t.Fatalf("server exited %d: %s", code, errOut.String())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("server not listening: %s", errOut.String())
		}
	}
	stopped := false
	stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		cancel()
		select {
		case code := <-done:
			return code
		case <-time.After(20 * time.Second):
			t.Fatal("server did not stop")
			return -1
		}
	}
	t.Cleanup(func() { stop() })
	return url, stop, errOut
}

func TestServerBootstrapsAdminOnceAndStopsCleanly(t *testing.T) {
	db := filepath.Join(t.TempDir(), "awxtoken.db")
	env := map[string]string{envAdminUsername: "boss", envAdminPassword: "first-password",
		envAccessExpire: "3600"}
	url, stop, logs := startServer(t, env, "--database", db)

	home := t.TempDir()
	e := &testEnv{t: t, home: home, env: map[string]string{"HOME": home}}
	r := e.mustRun("", "new", "--for-me", "-o", "json", "--host", url, "--username", "boss", "--password", "first-password")
	tok := decodeToken(t, r.out)
	// --access-token-expire-seconds (here from its variable) sets expires.
	if d := time.Until(tok.Expires.Time); d < 50*time.Minute || d > 70*time.Minute {
		t.Fatalf("expires in %v, want about an hour", d)
	}
	if strings.Contains(logs.String(), "first-password") || strings.Contains(logs.String(), tok.Token) {
		t.Fatalf("a secret in the log: %s", logs.String())
	}
	if code := stop(); code != 0 {
		t.Fatalf("exit %d after stop: %s", code, logs.String())
	}

	// A restart with another password leaves the existing user unchanged.
	env[envAdminPassword] = "second-password"
	url, _, _ = startServer(t, env, "--database", "sqlite:"+db)
	e.mustRun("", "find", "--host", url, "--username", "boss", "--password", "first-password")
	if r := e.run("", "find", "--host", url, "--username", "boss", "--password", "second-password"); r.code != 1 || !strings.Contains(r.err, "401") {
		t.Fatalf("the bootstrap changed the password: exit %d %q", r.code, r.err)
	}
	// The token made before the restart still works: the database is durable.
	e.mustRun("", "get", itoa(tok.ID), "--host", url, "--token", tok.Token)
}
