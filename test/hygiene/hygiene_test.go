// Package hygiene is the secret-hygiene test: a real `awxtoken server`
// child process with JSON logs at debug level goes through every flow that
// issues or checks a secret (passwords, personal and application tokens,
// refresh tokens, client secrets, password and refresh grants, revocation,
// failed logins, a token in a query string), and afterwards no clear
// secret may appear in its logs, in the store (SQLite's db, -wal and -shm
// files; every row of every PostgreSQL table), or in the activity stream.
package hygiene

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/proctest"
)

// secrets collects every clear secret the run handles.
type secrets struct {
	list []string
	name map[string]string
}

func (s *secrets) add(what, v string) {
	if v == "" {
		return
	}
	if s.name == nil {
		s.name = map[string]string{}
	}
	s.list = append(s.list, v)
	s.name[v] = what
}

// forms are the spellings a leak could take: clear, percent-encoded,
// JSON-escaped, base64 (a logged Authorization header), hex.
func forms(v string) []string {
	out := []string{v, url.QueryEscape(v), hex.EncodeToString([]byte(v))}
	if b, _ := json.Marshal(v); len(b) > 2 {
		out = append(out, string(b[1:len(b)-1]))
	}
	return out
}

// leaks returns the secrets found in data.
func (s *secrets) leaks(data []byte) []string {
	var found []string
	for _, v := range s.list {
		for _, f := range forms(v) {
			if bytes.Contains(data, []byte(f)) {
				found = append(found, fmt.Sprintf("%s (%.6s...)", s.name[v], v))
				break
			}
		}
	}
	return found
}

type flow struct {
	t      *testing.T
	p      *proctest.Proc
	s      *secrets
	bearer string
}

// req sends a request and returns the status and body.
func (f *flow) req(method, path, auth, ctype string, body []byte) (int, []byte) {
	f.t.Helper()
	r, err := http.NewRequest(method, f.p.URL+path, bytes.NewReader(body))
	if err != nil {
		f.t.Fatal(err)
	}
	if ctype != "" {
		r.Header.Set("Content-Type", ctype)
	}
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(r)
	if err != nil {
		f.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func (f *flow) json(method, path, auth string, body any, want int, out any) {
	f.t.Helper()
	var b []byte
	if body != nil {
		b, _ = json.Marshal(body)
	}
	st, rb := f.req(method, path, auth, "application/json", b)
	if st != want {
		f.t.Fatalf("%s %s: %d %s, want %d", method, path, st, rb, want)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			f.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
}

func (f *flow) form(path, clientID, clientSecret string, v url.Values, want int, out any) {
	f.t.Helper()
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte(clientID+":"+clientSecret))
	st, rb := f.req("POST", path, auth, "application/x-www-form-urlencoded", []byte(v.Encode()))
	if st != want {
		f.t.Fatalf("POST %s: %d %s, want %d", path, st, rb, want)
	}
	if out != nil {
		if err := json.Unmarshal(rb, out); err != nil {
			f.t.Fatalf("POST %s: %v: %s", path, err, rb)
		}
	}
}

type tokenResp struct {
	ID           int64   `json:"id"`
	Token        string  `json:"token"`
	RefreshToken *string `json:"refresh_token"`
}

type grantResp struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// run goes through every secret-bearing flow.
func (f *flow) run() {
	s := f.s
	s.add("bootstrap password", adminPass)
	basic := proctest.BasicAuth(adminUser, adminPass)
	s.add("bootstrap Basic header", strings.TrimPrefix(basic, "Basic "))

	var pat tokenResp
	f.json("POST", "/api/v2/users/admin/personal_tokens/", basic, map[string]any{"scope": "write", "description": "hygiene"}, 201, &pat)
	s.add("admin PAT", pat.Token)
	f.bearer = "Bearer " + pat.Token

	// Users and passwords, set on create and changed later.
	alicePw, alicePw2 := "alice-Secret-pw-1", "alice-Secret-pw-2"
	s.add("alice's password", alicePw)
	s.add("alice's new password", alicePw2)
	var alice struct {
		ID int64 `json:"id"`
	}
	f.json("POST", "/api/v2/users/", f.bearer, map[string]any{"username": "alice", "password": alicePw, "email": "a@example.com"}, 201, &alice)
	f.json("PATCH", fmt.Sprintf("/api/v2/users/%d/", alice.ID), f.bearer, map[string]any{"password": alicePw2}, 200, nil)
	var org struct {
		ID int64 `json:"id"`
	}
	f.json("POST", "/api/v2/organizations/", f.bearer, map[string]any{"name": "HygieneOrg"}, 201, &org)
	f.json("POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), f.bearer, map[string]any{"id": alice.ID}, 204, nil)

	// A confidential application: client secret.
	var app struct {
		ID           int64  `json:"id"`
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	f.json("POST", "/api/v2/applications/", f.bearer, map[string]any{"name": "hyg", "organization": org.ID,
		"client_type": "confidential", "authorization_grant_type": "password"}, 201, &app)
	s.add("client secret", app.ClientSecret)
	f.json("PATCH", fmt.Sprintf("/api/v2/applications/%d/", app.ID), f.bearer, map[string]any{"description": "changed"}, 200, nil)

	// Application tokens with refresh tokens, through the API.
	aliceBasic := proctest.BasicAuth("alice", alicePw2)
	s.add("alice's Basic header", strings.TrimPrefix(aliceBasic, "Basic "))
	for _, path := range []string{"/api/v2/tokens/", "/api/v2/users/alice/authorized_tokens/", fmt.Sprintf("/api/v2/applications/%d/tokens/", app.ID)} {
		var tok tokenResp
		f.json("POST", path, aliceBasic, map[string]any{"application": app.ID, "scope": "read"}, 201, &tok)
		s.add("app token from "+path, tok.Token)
		if tok.RefreshToken == nil {
			f.t.Fatalf("POST %s: no refresh token", path)
		}
		s.add("refresh token from "+path, *tok.RefreshToken)
		f.json("PATCH", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), aliceBasic, map[string]any{"description": "edited", "scope": "read write"}, 200, nil)
	}
	var pat2 tokenResp
	f.json("POST", "/api/v2/users/0/tokens/", aliceBasic, map[string]any{"description": "to delete"}, 201, &pat2)
	s.add("alice's PAT", pat2.Token)
	f.json("GET", "/api/v2/me/", "Bearer "+pat2.Token, nil, 200, nil)
	f.json("DELETE", fmt.Sprintf("/api/v2/tokens/%d/", pat2.ID), f.bearer, nil, 204, nil)

	// OAuth2 grants: password, then refresh (rotation), then revocation.
	var g1, g2 grantResp
	f.form("/api/o/token/", app.ClientID, app.ClientSecret, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePw2}, "scope": {"read write"}}, 200, &g1)
	s.add("password-grant access token", g1.AccessToken)
	s.add("password-grant refresh token", g1.RefreshToken)
	f.json("GET", "/api/v2/me/", "Bearer "+g1.AccessToken, nil, 200, nil)
	f.form("/api/o/token/", app.ClientID, app.ClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g1.RefreshToken}}, 200, &g2)
	s.add("refresh-grant access token", g2.AccessToken)
	s.add("refresh-grant refresh token", g2.RefreshToken)
	f.form("/api/o/token/", app.ClientID, app.ClientSecret, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {g1.RefreshToken}}, 400, nil)
	f.form("/api/o/revoke_token/", app.ClientID, app.ClientSecret, url.Values{"token": {g2.RefreshToken}, "token_type_hint": {"refresh_token"}}, 200, nil)

	// Failures: a wrong password (people type real ones into the wrong
	// box), a wrong client secret, a token in a query string and in a
	// form, and a well-formed token that does not exist.
	wrongPw := "alice-Typo-pw-3"
	s.add("wrong password", wrongPw)
	if st, _ := f.req("GET", "/api/v2/me/", proctest.BasicAuth("alice", wrongPw), "", nil); st != 401 {
		f.t.Fatalf("wrong password: %d", st)
	}
	f.form("/api/o/token/", app.ClientID, app.ClientSecret, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {wrongPw}}, 400, nil)
	wrongSecret := strings.Repeat("W", 128)
	s.add("wrong client secret", wrongSecret)
	f.form("/api/o/token/", app.ClientID, wrongSecret, url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {alicePw2}}, 401, nil)
	if st, _ := f.req("GET", "/api/v2/me/?access_token="+pat.Token, "", "", nil); st != 401 {
		f.t.Fatalf("token in a query string: %d", st)
	}
	if st, _ := f.req("POST", "/api/v2/tokens/", "", "application/x-www-form-urlencoded", []byte("access_token="+pat.Token)); st != 401 {
		f.t.Fatalf("token in a form: %d", st)
	}
	unknown := "Zz9" + strings.Repeat("q", 27)
	s.add("unknown token", unknown)
	if st, _ := f.req("GET", "/api/v2/me/", "Bearer "+unknown, "", nil); st != 401 {
		f.t.Fatalf("unknown token: %d", st)
	}
	// A request that fails validation with a secret in its body: the
	// error must not echo it.
	st, rb := f.req("POST", "/api/v2/users/", f.bearer, "application/json", []byte(`{"username":"","password":"`+alicePw+`"}`))
	if st != 400 || bytes.Contains(rb, []byte(alicePw)) {
		f.t.Fatalf("invalid user create: %d %s", st, rb)
	}
	// Renaming a user and changing their password through PUT.
	f.json("PUT", fmt.Sprintf("/api/v2/users/%d/", alice.ID), f.bearer, map[string]any{"username": "alice", "password": alicePw}, 200, nil)
}

// activity fetches every activity stream entry, raw.
func (f *flow) activity() []byte {
	f.t.Helper()
	var all bytes.Buffer
	next := "/api/v2/activity_stream/?page_size=200"
	for next != "" {
		st, b := f.req("GET", next, f.bearer, "", nil)
		if st != 200 {
			f.t.Fatalf("GET %s: %d %s", next, st, b)
		}
		all.Write(b)
		var page struct {
			Count int     `json:"count"`
			Next  *string `json:"next"`
		}
		if err := json.Unmarshal(b, &page); err != nil {
			f.t.Fatal(err)
		}
		if page.Count < 10 {
			f.t.Fatalf("the activity stream holds %d entries after the whole flow", page.Count)
		}
		next = ""
		if page.Next != nil {
			next = *page.Next
		}
	}
	return all.Bytes()
}

func TestNoSecretLeaks(t *testing.T) {
	for name, newDSN := range proctest.Backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := newDSN(t)
			p := startServer(t, dsn, "--log-format", "json", "--log-level", "debug")
			f := &flow{t: t, p: p, s: &secrets{}}
			f.run()
			act := f.activity()

			// The store's files as they are while the server runs (the WAL
			// holds the recent writes), and again after a clean stop.
			var files [][]byte
			var fileNames []string
			snapshot := func(when string) {
				if name != "sqlite" {
					return
				}
				for _, suffix := range []string{"", "-wal", "-shm"} {
					b, err := os.ReadFile(dsn + suffix)
					if err == nil {
						files = append(files, b)
						fileNames = append(fileNames, filepath.Base(dsn+suffix)+" ("+when+")")
					}
				}
			}
			snapshot("running")
			if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
				t.Fatal(err)
			}
			select {
			case <-p.Done():
			case <-time.After(30 * time.Second):
				t.Fatal("server did not stop after SIGTERM")
			}
			snapshot("stopped")

			logs, err := os.ReadFile(p.LogPath)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(logs, []byte(`"level":"DEBUG"`)) && !bytes.Contains(logs, []byte(`"level":"INFO"`)) {
				t.Fatalf("the server wrote no JSON logs: %.500s", logs)
			}
			lines := bytes.Count(logs, []byte("\n"))
			if lines < 30 {
				t.Fatalf("only %d log lines for the whole flow: logging is not on", lines)
			}
			for _, l := range f.s.leaks(logs) {
				t.Errorf("in the server log: %s", l)
			}
			for _, l := range f.s.leaks(act) {
				t.Errorf("in the activity stream: %s", l)
			}
			for i, b := range files {
				for _, l := range f.s.leaks(b) {
					t.Errorf("in %s: %s", fileNames[i], l)
				}
			}
			if name == "postgres" {
				for _, l := range f.s.leaks(dumpPostgres(t, dsn)) {
					t.Errorf("in the PostgreSQL tables: %s", l)
				}
			}
			t.Logf("%d secrets checked against %d log lines, %d bytes of activity, %d store files", len(f.s.list), lines, len(act), len(files))
		})
	}
}

// dumpPostgres returns every row of every table in the database's schemas,
// as text.
func dumpPostgres(t *testing.T, dsn string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema NOT IN ('pg_catalog', 'information_schema') AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, n)
	}
	rows.Close()
	if len(tables) < 5 {
		t.Fatalf("found only tables %v", tables)
	}
	var out bytes.Buffer
	for _, tbl := range tables {
		rows, err := conn.Query(ctx, "SELECT t::text FROM "+tbl+" t")
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out.WriteString(s)
			out.WriteByte('\n')
		}
		rows.Close()
	}
	return out.Bytes()
}

// TestLeakDetector shows the search finds each spelling a leak could take,
// so a clean result above means something.
func TestLeakDetector(t *testing.T) {
	s := &secrets{}
	s.add("token", "abcDEF123ghiJKL456mnoPQR789stu")
	s.add("password", "p@ss word/+")
	for _, data := range []string{
		`{"msg":"x","token":"abcDEF123ghiJKL456mnoPQR789stu"}`,
		`path=/api/v2/me/?access_token=abcDEF123ghiJKL456mnoPQR789stu`,
		`form: password=p%40ss+word%2F%2B`,
		`hex 616263444546313233676869`, // not a leak: too short a prefix
	} {
		got := s.leaks([]byte(data))
		if strings.HasPrefix(data, "hex") {
			if len(got) != 0 {
				t.Errorf("%q: false positive %v", data, got)
			}
			continue
		}
		if len(got) != 1 {
			t.Errorf("%q: found %v", data, got)
		}
	}
}
