package replica

import (
	"net/http"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/proctest"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
)

// TestMain removes the awxtoken binary proctest built, once all tests ran.
func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }

// startProc starts `awxtoken server` on dsn without waiting for it to
// serve, so that several can start at the same moment.
func startProc(t *testing.T, dsn string) *proctest.Proc {
	t.Helper()
	return proctest.Launch(t, dsn, proctest.Config{Env: proctest.AdminEnv("admin", "bootstrap-password")})
}

// me answers GET /api/v2/me/'s status for a bearer token on p.
func me(t *testing.T, p *proctest.Proc, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", p.URL+"/api/v2/me/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s/api/v2/me/: %v", p.URL, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestProcesses runs the real binary: three `awxtoken server` processes
// started at the same moment on one empty database (one bootstrap
// superuser results), one killed with SIGKILL while the others serve, and
// restarted cleanly.
func TestProcesses(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	procs := make([]*proctest.Proc, 3)
	for i := range procs {
		procs[i] = startProc(t, dsn)
	}
	for _, p := range procs {
		p.WaitReady(t)
	}

	db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	users, n, err := db.ListUsers(ctx, store.Query{})
	if err != nil || n != 1 || users[0].Username != "admin" || !users[0].IsSuperuser {
		t.Fatalf("users after three simultaneous starts: %d (%v), want the one superuser", n, err)
	}
	tok := secret.NewToken()
	if err := db.CreateAccessToken(ctx, &store.AccessToken{UserID: users[0].ID, Digest: secret.Digest(tok),
		Expires: time.Now().Add(time.Hour), Scope: "write"}, nil); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if st := me(t, p, tok); st != http.StatusOK {
			t.Fatalf("%s: %d", p.URL, st)
		}
	}

	// SIGKILL one mid-flight; the others do not notice.
	victim := procs[2]
	if err := victim.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.Wait()
	for i := range 50 {
		for _, p := range procs[:2] {
			if st := me(t, p, tok); st != http.StatusOK {
				t.Fatalf("request %d on %s after the kill: %d", i, p.URL, st)
			}
		}
	}

	// Restarted on the same database: nothing to migrate, no second
	// superuser, serving at once.
	again := startProc(t, dsn)
	again.WaitReady(t)
	if st := me(t, again, tok); st != http.StatusOK {
		t.Fatalf("restarted replica: %d", st)
	}
	if _, n, err := db.ListUsers(ctx, store.Query{}); err != nil || n != 1 {
		t.Fatalf("users after the restart: %d (%v)", n, err)
	}
	for _, p := range append(procs[:2], again) {
		if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.Wait(); err != nil {
			t.Errorf("%s exited after SIGTERM with %v, want status 0", p.URL, err)
		}
	}
}
