package sqlite_test

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
	"github.com/awxtoken/awxtoken/internal/store/storetest"
)

func openTemp(t *testing.T) store.Store {
	t.Helper()
	db, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "awxtoken.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := db.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return db
}

func TestConformance(t *testing.T) {
	storetest.Run(t, openTemp)
}

func open(t *testing.T, path string) *sqlite.DB {
	t.Helper()
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db := open(t, path)
	u := &store.User{Username: "alice", IsActive: true}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	tok := &store.AccessToken{UserID: u.ID, Digest: []byte("0123456789abcdef0123456789abcdef"), Expires: time.Now().Add(time.Hour), Scope: "write"}
	if err := db.CreateAccessToken(ctx, tok, nil); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// Migrations are recorded once, however often the file is opened.
	for range 2 {
		db = open(t, path)
		got, err := db.AccessTokenByDigest(ctx, tok.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != tok.ID || !got.Created.Equal(tok.Created) || got.UserID != u.ID {
			t.Fatalf("after reopen: %+v, want %+v", got, tok)
		}
		if n := migrationRows(t, path); n != migrationFiles(t) {
			t.Fatalf("%d schema_migrations rows, want %d", n, migrationFiles(t))
		}
		db.Close()
	}
}

func migrationRows(t *testing.T, path string) int {
	t.Helper()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var n int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM schema_migrations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func migrationFiles(t *testing.T) int {
	t.Helper()
	m, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(m) == 0 {
		t.Fatalf("no migrations found: %v", err)
	}
	return len(m)
}

// TestConcurrentOpen opens one new file from several handles at once, as two
// server processes starting together would: each migration applies once and
// every handle works.
func TestConcurrentOpen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "db.sqlite")
	const n = 4
	dbs := make([]*sqlite.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = sqlite.Open(ctx, path)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
	}
	if got := migrationRows(t, path); got != migrationFiles(t) {
		t.Fatalf("%d schema_migrations rows, want %d", got, migrationFiles(t))
	}
	// Writers in different handles (processes) race for one username.
	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = dbs[i].EnsureUser(ctx, &store.User{Username: "admin", IsActive: true})
		}()
	}
	wg.Wait()
	wins := 0
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("EnsureUser %d: %v", i, errs[i])
		}
		if created[i] {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d handles created the user, want 1", wins)
	}
	// A write through one handle is visible through another.
	u, err := dbs[n-1].UserByUsername(ctx, "admin")
	if err != nil || u.Username != "admin" {
		t.Fatalf("UserByUsername via another handle: %v %v", u, err)
	}
}

func TestPragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db := open(t, path)
	defer db.Close()
	raw, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var mode string
	if err := raw.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode = %q (%v), want wal", mode, err)
	}
	// synchronous and foreign_keys are per connection: check the store's
	// own by their effects instead (FKs: cascades in the conformance suite;
	// synchronous: the setting below is what Open sets).
	s, f := db.Settings(context.Background())
	if s != 2 || f != 1 {
		t.Fatalf("writer synchronous=%d foreign_keys=%d, want 2 (FULL), 1", s, f)
	}
}

func TestNewFileIsPrivate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "db.sqlite")
	db := open(t, path)
	defer db.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if runtime.GOOS != "windows" && fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestClock(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "db.sqlite"))
	defer db.Close()
	fixed := time.Date(2024, 10, 9, 2, 23, 8, 123456789, time.FixedZone("X", 3600))
	db.Now = func() time.Time { return fixed }
	o := &store.Organization{Name: "Default"}
	if err := db.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	want := fixed.UTC().Truncate(time.Microsecond)
	if !o.Created.Equal(want) || o.Created.Location() != time.UTC {
		t.Fatalf("Created = %v, want %v in UTC", o.Created, want)
	}
	got, err := db.OrganizationByID(context.Background(), o.ID)
	if err != nil || !got.Created.Equal(want) || got.Created.Location() != time.UTC {
		t.Fatalf("stored Created = %v (%v), want %v", got.Created, err, want)
	}
}

func TestClosed(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "db.sqlite"))
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if err := db.CreateUser(context.Background(), &store.User{Username: "x"}); err == nil {
		t.Fatal("write after Close succeeded")
	}
}

func TestCanceledWrite(t *testing.T) {
	db := open(t, filepath.Join(t.TempDir(), "db.sqlite"))
	defer db.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := db.CreateUser(ctx, &store.User{Username: "x"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("CreateUser with a canceled context = %v", err)
	}
	if _, err := db.UserByUsername(context.Background(), "x"); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("the canceled write happened: %v", err)
	}
}

func TestBadPath(t *testing.T) {
	for _, p := range []string{"", ":memory:", "a?b=c", "file:x.db"} {
		if db, err := sqlite.Open(context.Background(), p); err == nil {
			db.Close()
			t.Errorf("Open(%q) succeeded", p)
		}
	}
	if _, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "missing", "dir", "db")); err == nil {
		t.Error("Open in a missing directory succeeded")
	}
}
