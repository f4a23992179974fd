package replica

import (
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
)

// proc is one `awxtoken server` process.
type proc struct {
	url string
	cmd *exec.Cmd
}

func freePort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func startProc(t *testing.T, bin, dsn string) *proc {
	addr := "127.0.0.1:" + freePort(t)
	cmd := exec.Command(bin, "server", "--listen", addr, "--database", dsn)
	cmd.Env = append(os.Environ(), "AWXTOKEN_ADMIN_USERNAME=admin", "AWXTOKEN_ADMIN_PASSWORD=bootstrap-password")
	log, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{url: "http://" + addr, cmd: cmd}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			cmd.Process.Signal(syscall.SIGTERM)
			cmd.Wait()
		}
	})
	return p
}

func (p *proc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get(p.url + "/api/v2/ping/")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("server at %s not ready within 30s", p.url)
}

func (p *proc) me(t *testing.T, token string) int {
	t.Helper()
	req, _ := http.NewRequest("GET", p.url+"/api/v2/me/", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s/api/v2/me/: %v", p.url, err)
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
	bin := filepath.Join(t.TempDir(), "awxtoken")
	build := exec.Command("go", "build", "-o", bin, "github.com/awxtoken/awxtoken/cmd/awxtoken")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	procs := make([]*proc, 3)
	for i := range procs {
		procs[i] = startProc(t, bin, dsn)
	}
	for _, p := range procs {
		p.waitReady(t)
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
		if st := p.me(t, tok); st != http.StatusOK {
			t.Fatalf("%s: %d", p.url, st)
		}
	}

	// SIGKILL one mid-flight; the others do not notice.
	victim := procs[2]
	if err := victim.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	victim.cmd.Wait()
	for i := range 50 {
		for _, p := range procs[:2] {
			if st := p.me(t, tok); st != http.StatusOK {
				t.Fatalf("request %d on %s after the kill: %d", i, p.url, st)
			}
		}
	}

	// Restarted on the same database: nothing to migrate, no second
	// superuser, serving at once.
	again := startProc(t, bin, dsn)
	again.waitReady(t)
	if st := again.me(t, tok); st != http.StatusOK {
		t.Fatalf("restarted replica: %d", st)
	}
	if _, n, err := db.ListUsers(ctx, store.Query{}); err != nil || n != 1 {
		t.Fatalf("users after the restart: %d (%v)", n, err)
	}
	for _, p := range append(procs[:2], again) {
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if err := p.cmd.Wait(); err != nil {
			t.Errorf("%s exited after SIGTERM with %v, want status 0", p.url, err)
		}
	}
}
