// Package proctest runs the real awxtoken binary as child processes for the
// black-box suites under test/ (crash consistency, bad input, secret
// hygiene, replicas): it builds the binary once per test process, starts
// `awxtoken server` on a free 127.0.0.1 port with a given database and
// environment, waits for /api/v2/ping/, stops it with SIGTERM (SIGKILL when
// that does not work), and shows the tail of its log when the test failed.
// Suites that can run the server in-process use internal/servertest
// instead; this package is for what only a separate process shows (a
// SIGKILL mid-write, what reaches stdout, several processes on one
// database).
package proctest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store/pgtest"
)

// Timeouts of the harness: how long a server may take to answer ping after
// it starts, and how long it may take to stop after SIGTERM before it is
// killed.
const (
	readyTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
	// logTail is how much of a failed test's server log is shown.
	logTail = 8000
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// Main runs the package's tests and then removes the binary Binary built.
// Use it as `func TestMain(m *testing.M) { os.Exit(proctest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	return code
}

// Binary builds cmd/awxtoken once per test process (into a temporary
// directory Main removes) and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "awxtoken-proctest-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "awxtoken")
		out, err := exec.Command("go", "build", "-o", binPath, "github.com/awxtoken/awxtoken/cmd/awxtoken").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// Backends are the stores a suite runs on, by name, each a function making
// a fresh database for one test and returning its DSN: SQLite always (a
// file in the test's temporary directory), PostgreSQL when
// AWXTOKEN_TEST_POSTGRES is set (CI sets it).
func Backends() map[string]func(t *testing.T) string {
	b := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "awxtoken.db") },
	}
	if os.Getenv(pgtest.Env) != "" {
		b["postgres"] = func(t *testing.T) string { return pgtest.NewDatabase(t) }
	}
	return b
}

// FreeAddr returns a 127.0.0.1 address with a port nobody listens on at the
// moment (the kernel's pick).
func FreeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

// Config is what a server process gets besides its address and database.
type Config struct {
	// Args follow `server --listen ADDR --database DSN`.
	Args []string
	// Env is added to the test process's environment (AdminEnv, say).
	Env []string
}

// AdminEnv is the environment that makes a server create its bootstrap
// superuser with this username and password on an empty database.
func AdminEnv(user, password string) []string {
	return []string{"AWXTOKEN_ADMIN_USERNAME=" + user, "AWXTOKEN_ADMIN_PASSWORD=" + password}
}

// Proc is one `awxtoken server` child process on a loopback port.
type Proc struct {
	URL     string // http://Addr
	Addr    string // 127.0.0.1:port
	Cmd     *exec.Cmd
	LogPath string // stdout and stderr together

	done    chan struct{}
	waitErr error
}

// Launch starts a server process without waiting for it to serve (so that
// several can start at the same moment); see WaitReady. It is stopped when
// t ends.
func Launch(t testing.TB, dsn string, cfg Config) *Proc {
	t.Helper()
	addr := FreeAddr(t)
	cmd := exec.Command(Binary(t), append([]string{"server", "--listen", addr, "--database", dsn}, cfg.Args...)...)
	cmd.Env = append(os.Environ(), cfg.Env...)
	log, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		t.Fatal(err)
	}
	p := &Proc{URL: "http://" + addr, Addr: addr, Cmd: cmd, LogPath: log.Name(), done: make(chan struct{})}
	go func() {
		p.waitErr = cmd.Wait()
		log.Close()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.stop()
		if t.Failed() {
			b, _ := os.ReadFile(p.LogPath)
			if len(b) > logTail {
				b = b[len(b)-logTail:]
			}
			t.Logf("server %s log (tail):\n%s", p.Addr, b)
		}
	})
	return p
}

// Start starts a server process and waits until it answers ping.
func Start(t testing.TB, dsn string, cfg Config) *Proc {
	t.Helper()
	p := Launch(t, dsn, cfg)
	p.WaitReady(t)
	return p
}

// stop sends SIGTERM to a running process and SIGKILL when it has not
// exited within stopTimeout.
func (p *Proc) stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.Cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(stopTimeout):
		p.Cmd.Process.Kill()
		<-p.done
	}
}

// WaitReady waits until the process answers GET /api/v2/ping/ with 200,
// failing t if it exits first or does not within readyTimeout.
func (p *Proc) WaitReady(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(readyTimeout)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.URL + "/api/v2/ping/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited during start: %v", p.Cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server at %s not ready within %v", p.URL, readyTimeout)
}

// Done is closed once the process has exited.
func (p *Proc) Done() <-chan struct{} { return p.done }

// Wait waits for the process to exit and returns what exec.Cmd.Wait
// returned (nil for exit status 0). Tests call this, never Cmd.Wait, which
// the harness already calls.
func (p *Proc) Wait() error {
	<-p.done
	return p.waitErr
}

// Alive fails t unless the process is still running and answers ping.
func (p *Proc) Alive(t testing.TB) {
	t.Helper()
	select {
	case <-p.done:
		t.Fatalf("the server process exited: %v", p.Cmd.ProcessState)
	default:
	}
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(p.URL + "/api/v2/ping/")
	if err != nil {
		t.Fatalf("the server does not answer ping: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ping: %d", resp.StatusCode)
	}
}

// BasicAuth is the Authorization header value for a username and password.
func BasicAuth(user, password string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+password))
}

// Call sends a request with the given Authorization (and body, as JSON,
// when non-nil) and decodes the answer into out (when non-nil), failing t
// unless the status is want.
func (p *Proc) Call(t testing.TB, method, path, auth string, body any, want int, out any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, p.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", auth)
	resp, err := (&http.Client{Timeout: 30 * time.Second}).Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("%s %s: %d %s, want %d", method, path, resp.StatusCode, b, want)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
}
