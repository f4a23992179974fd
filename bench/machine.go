package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// pgAdmin creates the suite's PostgreSQL databases and drops them at the
// end, so a run leaves the server as it found it.
type pgAdmin struct {
	dsn     string
	mu      sync.Mutex
	created []string
}

func (p *pgAdmin) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return pgx.Connect(ctx, p.dsn)
}

// create makes a fresh database and returns its DSN.
func (p *pgAdmin) create(ctx context.Context, name string) (string, error) {
	u, err := url.Parse(p.dsn)
	if err != nil {
		return "", fmt.Errorf("postgres DSN: %w", err)
	}
	conn, err := p.connect(ctx)
	if err != nil {
		return "", fmt.Errorf("postgres: %w", err)
	}
	defer conn.Close(ctx)
	db := "awxbench_" + strings.ReplaceAll(name, "-", "_") + fmt.Sprintf("_%d", os.Getpid())
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)"); err != nil {
		return "", err
	}
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+db); err != nil {
		return "", err
	}
	p.mu.Lock()
	p.created = append(p.created, db)
	p.mu.Unlock()
	u.Path = "/" + db
	return u.String(), nil
}

func (p *pgAdmin) dropAll(ctx context.Context) {
	if len(p.created) == 0 {
		return
	}
	conn, err := p.connect(ctx)
	if err != nil {
		return
	}
	defer conn.Close(ctx)
	for _, db := range p.created {
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+db+" WITH (FORCE)")
	}
}

// machineInfo describes where the numbers were taken.
type machineInfo struct {
	Host, Kernel, CPU string
	Cores             int
	MemTotal          string
	GoVersion         string
	Loader            string
	LoadAvgStart      string
	Postgres          string // version and the settings durability rests on
}

func readMachine(ctx context.Context, cfg config, ld *loader) machineInfo {
	m := machineInfo{Cores: runtime.NumCPU(), GoVersion: runtime.Version()}
	m.Host, _ = os.Hostname()
	if out, err := exec.Command("uname", "-srm").Output(); err == nil {
		m.Kernel = strings.TrimSpace(string(out))
	}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
				m.CPU = strings.TrimSpace(v)
				break
			}
		}
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
				m.MemTotal = strings.TrimSpace(v)
			}
		}
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		f := strings.Fields(string(b))
		if len(f) >= 3 {
			m.LoadAvgStart = strings.Join(f[:3], " ")
		}
	}
	m.Loader = ld.tool()
	if ld.wrk != "" {
		out, _ := exec.Command(ld.wrk, "-v").CombinedOutput()
		if l, _, _ := strings.Cut(string(out), "\n"); l != "" {
			m.Loader = strings.TrimSpace(l)
		}
	}
	for _, b := range cfg.backends {
		if b != "postgres" {
			continue
		}
		conn, err := (&pgAdmin{dsn: cfg.postgres}).connect(ctx)
		if err != nil {
			m.Postgres = "unreachable: " + err.Error()
			break
		}
		var ver, sc, fs, wal string
		conn.QueryRow(ctx, "SHOW server_version").Scan(&ver)
		conn.QueryRow(ctx, "SHOW synchronous_commit").Scan(&sc)
		conn.QueryRow(ctx, "SHOW fsync").Scan(&fs)
		conn.QueryRow(ctx, "SHOW wal_sync_method").Scan(&wal)
		conn.Close(ctx)
		m.Postgres = fmt.Sprintf("PostgreSQL %s (synchronous_commit=%s, fsync=%s, wal_sync_method=%s)", ver, sc, fs, wal)
	}
	return m
}

func loadAvgNow() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "?"
	}
	return strings.Join(f[:3], " ")
}
