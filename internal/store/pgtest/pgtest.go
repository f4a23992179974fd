// Package pgtest gives tests a PostgreSQL database of their own on the server
// AWXTOKEN_TEST_POSTGRES names (CI sets it; without it the tests that need
// PostgreSQL skip, saying so). Names carry a random suffix, so packages
// tested at the same time never share one; everything created is dropped
// (WITH (FORCE), whoever is still connected) when the test or the package
// ends, and leftovers of killed runs are dropped by the next run.
//
// NewDatabase makes a fresh database per call. A package with many tests
// can instead share one database per package and give each test a fresh
// schema in it (NewSchema), which is several times faster; it needs
// `func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }` so the package
// database is dropped at the end.
package pgtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Env is the environment variable naming the test server.
const Env = "AWXTOKEN_TEST_POSTGRES"

// prefix starts every database this package creates; staleAfter is how old
// one must be before another run may drop it as a leftover.
const (
	prefix     = "awxtoken_test_"
	staleAfter = 6 * time.Hour
)

// DSN returns AWXTOKEN_TEST_POSTGRES, or skips t when it is unset.
func DSN(t testing.TB) string {
	t.Helper()
	dsn := os.Getenv(Env)
	if dsn == "" {
		t.Skipf("PostgreSQL tests skipped: set %s to a server's DSN (CI sets postgres://root@127.0.0.1:5432/test?sslmode=disable)", Env)
	}
	return dsn
}

// NewDatabase creates an empty database with a unique name and returns its
// DSN; it is dropped when t ends.
func NewDatabase(t testing.TB) string {
	t.Helper()
	admin := DSN(t)
	name, err := createDatabase(admin)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(admin, name); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	dsn, err := WithDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	return dsn
}

var pkg struct {
	sync.Mutex
	main bool   // Main is running the tests
	name string // the package database, once created
	err  error
}

// Main runs the package's tests and then drops the package database that
// NewSchema created, if any. Use it from TestMain.
func Main(m *testing.M) int {
	pkg.Lock()
	pkg.main = true
	pkg.Unlock()
	code := m.Run()
	pkg.Lock()
	defer pkg.Unlock()
	if pkg.name != "" {
		if err := dropDatabase(os.Getenv(Env), pkg.name); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			if code == 0 {
				code = 1
			}
		}
	}
	return code
}

// NewSchema returns the DSN of an empty schema of its own (search_path set
// to it) in the package database, dropped when t ends. Without Main in
// TestMain it falls back to NewDatabase, which is slower but as isolated.
func NewSchema(t testing.TB) string {
	t.Helper()
	admin := DSN(t)
	pkg.Lock()
	if !pkg.main {
		pkg.Unlock()
		return NewDatabase(t)
	}
	if pkg.name == "" && pkg.err == nil {
		pkg.name, pkg.err = createDatabase(admin)
	}
	name, err := pkg.name, pkg.err
	pkg.Unlock()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	dbDSN, err := WithDatabase(admin, name)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	schema := "t_" + randomHex(8)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, dbDSN)
	if err != nil {
		t.Fatalf("pgtest: connect: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("pgtest: create schema: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		conn, err := pgx.Connect(ctx, dbDSN)
		if err != nil {
			t.Errorf("pgtest: connect: %v", err)
			return
		}
		defer conn.Close(ctx)
		if _, err := conn.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("pgtest: drop schema: %v", err)
		}
	})
	return withParam(dbDSN, "search_path", schema)
}

// WithDatabase returns dsn (a URL or key=value string) naming database db
// instead of its own.
func WithDatabase(dsn, db string) (string, error) {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			return "", fmt.Errorf("%s is not a valid URL", Env)
		}
		u.Path = "/" + db
		u.RawPath = ""
		return u.String(), nil
	}
	return dsn + " dbname=" + db, nil
}

func withParam(dsn, key, value string) string {
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err == nil {
			q := u.Query()
			q.Set(key, value)
			u.RawQuery = q.Encode()
			return u.String()
		}
	}
	return dsn + " " + key + "=" + value
}

func randomHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// createDatabase creates prefix<unix seconds>_<random>. The time in the
// name lets a later run recognize leftovers of a run that was killed
// before its cleanup, and drop them.
func createDatabase(admin string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return "", fmt.Errorf("connect to %s: %w", Env, err)
	}
	defer conn.Close(ctx)
	dropStale(ctx, conn)
	name := prefix + strconv.FormatInt(time.Now().Unix(), 10) + "_" + randomHex(8)
	// UTF8 with the server's default collation: what AWX's database uses,
	// and what case-insensitive matching of non-ASCII letters needs.
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name+" ENCODING 'UTF8' TEMPLATE template0"); err != nil {
		return "", fmt.Errorf("create database: %w", err)
	}
	return name, nil
}

func dropDatabase(admin, name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		return fmt.Errorf("connect to %s: %w", Env, err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// dropStale drops this package's databases older than staleAfter; errors
// are ignored (another run may be dropping the same one).
func dropStale(ctx context.Context, conn *pgx.Conn) {
	rows, err := conn.Query(ctx, `SELECT datname FROM pg_database WHERE datname LIKE 'awxtoken\_test\_%'`)
	if err != nil {
		return
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return
	}
	for _, n := range names {
		ts, _, ok := strings.Cut(strings.TrimPrefix(n, prefix), "_")
		sec, err := strconv.ParseInt(ts, 10, 64)
		if !ok || err != nil || time.Since(time.Unix(sec, 0)) < staleAfter {
			continue
		}
		conn.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{n}.Sanitize()+" WITH (FORCE)")
	}
}
