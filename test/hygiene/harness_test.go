package hygiene

import (
	"encoding/base64"
	"fmt"
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

const (
	adminUser = "admin"
	adminPass = "hygiene-Admin-pw-1"
)

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds awxtoken once for the package.
func binary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "awxtoken-hygiene-")
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

// backends are the stores every test runs on: SQLite always, PostgreSQL
// when AWXTOKEN_TEST_POSTGRES is set (CI sets it).
func backends(t *testing.T) map[string]func(t *testing.T) string {
	b := map[string]func(t *testing.T) string{
		"sqlite": func(t *testing.T) string { return filepath.Join(t.TempDir(), "awxtoken.db") },
	}
	if os.Getenv(pgtest.Env) != "" {
		b["postgres"] = func(t *testing.T) string { return pgtest.NewDatabase(t) }
	}
	return b
}

// proc is one `awxtoken server` child process on a loopback port.
type proc struct {
	url  string
	addr string
	cmd  *exec.Cmd
	log  *os.File
	done chan struct{}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
}

func startServer(t *testing.T, dsn string, extra ...string) *proc {
	t.Helper()
	addr := freeAddr(t)
	cmd := exec.Command(binary(t), append([]string{"server", "--listen", addr, "--database", dsn}, extra...)...)
	cmd.Env = append(os.Environ(), "AWXTOKEN_ADMIN_USERNAME="+adminUser, "AWXTOKEN_ADMIN_PASSWORD="+adminPass)
	log, err := os.Create(filepath.Join(t.TempDir(), "server.log"))
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{url: "http://" + addr, addr: addr, cmd: cmd, log: log, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.done:
			case <-time.After(20 * time.Second):
				cmd.Process.Kill()
				<-p.done
			}
		}
		if t.Failed() {
			b, _ := os.ReadFile(log.Name())
			if len(b) > 8000 {
				b = b[len(b)-8000:]
			}
			t.Logf("server log (tail):\n%s", b)
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.url + "/api/v2/ping/"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case <-p.done:
			t.Fatalf("server exited during start: %v", cmd.ProcessState)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Fatalf("server at %s not ready within 30s", p.url)
	return nil
}

func basicAuth(u, p string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(u+":"+p))
}
