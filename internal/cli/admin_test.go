package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/internal/config"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/open"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
)

// adminDSN is an empty database for the admin commands: a PostgreSQL
// schema when AWXTOKEN_TEST_POSTGRES is set, else a temporary SQLite file.
func adminDSN(t *testing.T) string {
	if os.Getenv(pgtest.Env) != "" {
		return pgtest.NewSchema(t)
	}
	return filepath.Join(t.TempDir(), "awxtoken.db")
}

// runAdmin runs awxtoken with args and env, in-process.
func runAdmin(env map[string]string, args ...string) result {
	ios, _, out, errOut := IOTest()
	getenv := func(k string) string { return env[k] }
	f := NewFactory(ios, getenv)
	f.ConfigEnv = config.Env{Getenv: getenv, Home: os.TempDir()}
	code := run(context.Background(), f, args)
	return result{out.String(), errOut.String(), code}
}

func withStore(t *testing.T, dsn string, fn func(st store.Store)) {
	t.Helper()
	st, err := open.Open(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fn(st)
}

func TestAdminTokenCommands(t *testing.T) {
	ctx := context.Background()
	dsn := adminDSN(t)
	env := map[string]string{}

	// A fresh database: migrate applies everything (PostgreSQL) or finds
	// the schema current (SQLite migrates on open); a second run has nothing.
	r := runAdmin(env, "admin", "migrate", "--database", dsn)
	if r.code != 0 {
		t.Fatalf("migrate: %d %s", r.code, r.err)
	}
	r = runAdmin(env, "admin", "migrate", "--database", dsn)
	if r.code != 0 || r.out != "No migrations to apply: the schema is current.\n" {
		t.Fatalf("second migrate: %d %q %s", r.code, r.out, r.err)
	}

	var alice, bob *store.User
	withStore(t, dsn, func(st store.Store) {
		alice = &store.User{Username: "alice", IsActive: true}
		bob = &store.User{Username: "bob", IsActive: true}
		for _, u := range []*store.User{alice, bob} {
			if err := st.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	})

	// create-token: AWX's errors, then a token printed once.
	for _, tt := range []struct {
		args []string
		msg  string
	}{
		{[]string{"admin", "create-token", "--database", dsn}, "Username not supplied."},
		{[]string{"admin", "create-token", "--database", dsn, "--user", "nobody"}, "The user does not exist."},
	} {
		if r := runAdmin(env, tt.args...); r.code != 1 || !strings.Contains(r.err, tt.msg) {
			t.Errorf("%v: exit %d %q, want 1 and %q", tt.args, r.code, r.err, tt.msg)
		}
	}
	if r := runAdmin(env, "admin", "create-token", "--user", "alice"); r.code != 2 || !strings.Contains(r.err, "--database is required") {
		t.Errorf("no database: exit %d %q", r.code, r.err)
	}
	if r := runAdmin(env, "admin", "create-token", "--database", dsn, "--user", "alice", "--scope", "admin"); r.code != 2 {
		t.Errorf("bad scope: exit %d %q", r.code, r.err)
	}
	r = runAdmin(env, "admin", "create-token", "--database", dsn, "--user", "alice", "--description", "from admin", "--scope", "read")
	clear := strings.TrimSpace(r.out)
	if r.code != 0 || len(clear) != 30 || r.out != clear+"\n" {
		t.Fatalf("create-token: exit %d out %q err %q", r.code, r.out, r.err)
	}
	// The database name comes from AWXTOKEN_DATABASE too.
	r = runAdmin(map[string]string{envDatabase: dsn}, "admin", "create-token", "--user", "bob")
	if r.code != 0 {
		t.Fatalf("create-token from the environment: %d %s", r.code, r.err)
	}
	withStore(t, dsn, func(st store.Store) {
		tok, err := st.AccessTokenByDigest(ctx, secret.Digest(clear))
		if err != nil {
			t.Fatalf("the printed token is not stored: %v", err)
		}
		if tok.UserID != alice.ID || tok.Scope != "read" || tok.Description != "from admin" || tok.ApplicationID != nil || tok.Expires.Year() < time.Now().Year()+900 {
			t.Errorf("token = %+v", tok)
		}
		acts, n, err := st.ListActivity(ctx, store.Query{})
		if err != nil || n != 2 {
			t.Fatalf("activity: %d entries, %v", n, err)
		}
		for _, a := range acts {
			if a.ObjectType != "o_auth2_access_token" || a.Operation != "create" || a.ActorID != nil {
				t.Errorf("activity entry %+v", a)
			}
			if strings.Contains(string(a.Changes), clear) || !strings.Contains(string(a.Changes), `"token":"************"`) {
				t.Errorf("activity changes %s", a.Changes)
			}
		}
		// An expired token and a refresh token older than its lifetime,
		// for cleanup-tokens.
		old := &store.AccessToken{UserID: bob.ID, Digest: secret.Digest(secret.NewToken()), Scope: "write", Expires: time.Now().Add(-time.Minute)}
		if err := st.CreateAccessToken(ctx, old, nil); err != nil {
			t.Fatal(err)
		}
	})

	r = runAdmin(env, "admin", "cleanup-tokens", "--database", dsn)
	if r.code != 0 || r.out != "Deleted 1 expired access token and 0 refresh tokens.\n" {
		t.Fatalf("cleanup-tokens: %d %q %s", r.code, r.out, r.err)
	}
	r = runAdmin(env, "admin", "revoke-tokens", "--database", dsn, "--user", "alice")
	if r.code != 0 || r.out != "Deleted 1 access token.\n" {
		t.Fatalf("revoke-tokens --user: %d %q %s", r.code, r.out, r.err)
	}
	if r := runAdmin(env, "admin", "revoke-tokens", "--database", dsn, "--user", "nobody"); r.code != 1 || !strings.Contains(r.err, "The user does not exist.") {
		t.Errorf("revoke-tokens of nobody: %d %q", r.code, r.err)
	}
	r = runAdmin(env, "admin", "revoke-tokens", "--database", dsn, "--all")
	if r.code != 0 || !strings.HasPrefix(r.out, "Deleted 1 access token.\n") || !strings.Contains(r.out, "refresh") {
		t.Fatalf("revoke-tokens --all: %d %q %s", r.code, r.out, r.err)
	}
	withStore(t, dsn, func(st store.Store) {
		if _, n, err := st.ListAccessTokens(ctx, store.Query{}); err != nil || n != 0 {
			t.Errorf("tokens left: %d %v", n, err)
		}
	})
}

func TestAdminImportAWXArguments(t *testing.T) {
	dsn := filepath.Join(t.TempDir(), "awxtoken.db")
	env := map[string]string{}
	if r := runAdmin(env, "admin", "import-awx", "--database", dsn); r.code != 2 || !strings.Contains(r.err, "--from is required") {
		t.Errorf("no --from: %d %q", r.code, r.err)
	}
	if r := runAdmin(env, "admin", "import-awx", "--database", dsn, "--from", "/var/lib/awx.db"); r.code != 2 || !strings.Contains(r.err, "PostgreSQL") {
		t.Errorf("--from not PostgreSQL: %d %q", r.code, r.err)
	}
	if r := runAdmin(env, "admin", "import-awx", "--database", dsn, "--from", "postgres://awx@127.0.0.1:1/awx", "--awx-secret-key-file", filepath.Join(t.TempDir(), "missing")); r.code != 1 || !strings.Contains(r.err, "awx-secret-key-file") {
		t.Errorf("missing key file: %d %q", r.code, r.err)
	}
	// A failed connection reports why without the DSN's password.
	r := runAdmin(env, "admin", "import-awx", "--database", dsn, "--from", "postgres://awx:Pw-in-dsn-42@127.0.0.1:1/awx?connect_timeout=2")
	if r.code != 1 || !strings.Contains(r.err, "connecting to the AWX database") || strings.Contains(r.err+r.out, "Pw-in-dsn-42") {
		t.Errorf("unreachable AWX: %d %q", r.code, r.err)
	}
}

func TestServerOperationalFlags(t *testing.T) {
	var s *ServerOptions
	ios, _, _, errOut := IOTest()
	env := map[string]string{}
	f := NewFactory(ios, func(k string) string { return env[k] })
	f.ConfigEnv = config.Env{Getenv: func(k string) string { return env[k] }, Home: t.TempDir()}
	// A fresh command tree per run: cobra remembers which flags were set.
	parse := func(args ...string) int {
		t.Helper()
		s = nil
		errOut.Reset()
		root := &cobra.Command{Use: "awxtoken"}
		addGlobalFlags(root, f)
		root.AddCommand(NewCmdServer(f, func(o *ServerOptions) error { s = o; return nil }))
		return execute(context.Background(), f, root, append([]string{"server"}, args...))
	}

	// Defaults.
	if code := parse("--database", "x.db"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if s.CleanupInterval != time.Hour || s.ProductVersion != "24.6.1" || s.MetricsListen != "" || s.LogLevel != "info" ||
		s.Throttle.PerUser != 10 || s.Throttle.PerAddress != 100 || s.Throttle.Window != 5*time.Minute || s.Throttle.Disabled ||
		s.Pool.Postgres.MaxConns != 0 || s.Pool.Postgres.MaxConnLifetime != 0 {
		t.Errorf("defaults: %+v", s)
	}

	// Flags.
	code := parse("--database", "postgres://db/awxtoken", "--cleanup-interval", "0", "--product-version", "23.0.0",
		"--metrics-listen", "127.0.0.1:9100", "--log-format", "json", "--log-level", "debug",
		"--login-throttle-per-user", "3", "--login-throttle-per-address", "30", "--login-throttle-window", "1m",
		"--db-max-conns", "8", "--db-min-conns", "2", "--db-max-conn-lifetime", "10m", "--db-max-conn-idle-time", "1m",
		"--trusted-proxies", "10.0.0.7, 192.168.4.9/16,fd00::/8,::ffff:172.16.0.0/108")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := fmt.Sprint(s.Throttle.TrustedProxies); got != "[10.0.0.7/32 192.168.0.0/16 fd00::/8 172.16.0.0/12]" {
		t.Errorf("--trusted-proxies = %s", got)
	}
	p := s.Pool.Postgres
	if s.CleanupInterval != 0 || s.ProductVersion != "23.0.0" || s.MetricsListen != "127.0.0.1:9100" || s.LogFormat != "json" || s.LogLevel != "debug" ||
		s.Throttle.PerUser != 3 || s.Throttle.PerAddress != 30 || s.Throttle.Window != time.Minute ||
		p.MaxConns != 8 || p.MinConns != 2 || p.MaxConnLifetime != 10*time.Minute || p.MaxConnIdleTime != time.Minute {
		t.Errorf("flags: %+v", s)
	}

	// Environment variables; a flag given wins.
	env = map[string]string{
		envCleanupInterval: "15m", envProductVersion: "22.1.0", envMetricsListen: ":9200", envLogFormat: "json", envLogLevel: "warn",
		envThrottlePerUser: "5", envThrottlePerAddress: "50", envThrottleWindow: "0",
		envDBMaxConns: "4", envDBMinConns: "1", envDBMaxConnLifetime: "2h", envDBMaxConnIdleTime: "5m",
		envTrustedProxies: "127.0.0.1",
	}
	if code := parse("--database", "x.db", "--db-max-conns", "6"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	p = s.Pool.Postgres
	if s.CleanupInterval != 15*time.Minute || s.ProductVersion != "22.1.0" || s.MetricsListen != ":9200" || s.LogFormat != "json" || s.LogLevel != "warn" ||
		s.Throttle.PerUser != 5 || s.Throttle.PerAddress != 50 || !s.Throttle.Disabled ||
		p.MaxConns != 6 || p.MinConns != 1 || p.MaxConnLifetime != 2*time.Hour || p.MaxConnIdleTime != 5*time.Minute ||
		fmt.Sprint(s.Throttle.TrustedProxies) != "[127.0.0.1/32]" {
		t.Errorf("environment: %+v", s)
	}

	// Bad values are usage errors naming the setting.
	env = map[string]string{}
	for _, tt := range []struct {
		args []string
		env  map[string]string
		msg  string
	}{
		{[]string{"--cleanup-interval", "-1s"}, nil, "--cleanup-interval"},
		{[]string{"--login-throttle-per-user", "0"}, nil, "--login-throttle-per-user"},
		{[]string{"--db-min-conns", "9", "--db-max-conns", "3"}, nil, "--db-min-conns"},
		{[]string{"--log-level", "loud"}, nil, "debug, info, warn, error"},
		{nil, map[string]string{envCleanupInterval: "hourly"}, envCleanupInterval},
		{nil, map[string]string{envDBMaxConns: "many"}, envDBMaxConns},
		{[]string{"--trusted-proxies", "10.0.0.0/8,lb.example.com"}, nil, `--trusted-proxies: "lb.example.com" is neither`},
		{nil, map[string]string{envTrustedProxies: "10.0.0.300"}, envTrustedProxies},
		{[]string{"--trusted-proxies", "0.0.0.0/0"}, nil, "would trust every client"},
	} {
		env = tt.env
		if env == nil {
			env = map[string]string{}
		}
		if code := parse(append([]string{"--database", "x.db"}, tt.args...)...); code != 2 || !strings.Contains(errOut.String(), tt.msg) {
			t.Errorf("%v %v: exit %d %q, want 2 and %q", tt.args, tt.env, code, errOut, tt.msg)
		}
	}
}
