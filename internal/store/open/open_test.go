package open

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
)

func TestOpenSQLite(t *testing.T) {
	dir := t.TempDir()
	for _, dsn := range []string{
		filepath.Join(dir, "plain.db"),
		"sqlite:" + filepath.Join(dir, "prefixed.db"),
		"sqlite://" + filepath.Join(dir, "url.db"),
	} {
		s, err := Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		u := &store.User{Username: "alice", IsActive: true}
		if err := s.CreateUser(context.Background(), u); err != nil {
			t.Fatalf("%s: CreateUser: %v", dsn, err)
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"plain.db", "prefixed.db", "url.db"} {
		if m, _ := filepath.Glob(filepath.Join(dir, name)); len(m) != 1 {
			t.Errorf("%s was not created", name)
		}
	}
}

// TestOpenPostgres opens the PostgreSQL store through the DSN dispatch,
// upper-case scheme included, and migrates alone.
func TestOpenPostgres(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	applied, err := Migrate(context.Background(), dsn)
	if err != nil || len(applied) == 0 {
		t.Fatalf("Migrate = %v, %v; want the initial migration applied", applied, err)
	}
	for _, d := range []string{dsn, "POSTGRESQL" + dsn[strings.Index(dsn, ":"):]} {
		s, err := OpenWith(context.Background(), d, Options{Postgres: postgres.Options{MaxConns: 2}})
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if _, ok := s.(store.Invalidator); !ok {
			t.Fatalf("the PostgreSQL store is not a store.Invalidator")
		}
		u := &store.User{Username: "alice", IsActive: true}
		if _, err := s.EnsureUser(context.Background(), u); err != nil {
			t.Fatalf("EnsureUser: %v", err)
		}
		s.Close()
	}
}

// TestOpenPostgresErrorsHidePassword: a server that cannot be reached is
// an error that does not show the DSN's password.
func TestOpenPostgresErrorsHidePassword(t *testing.T) {
	for _, dsn := range []string{"postgres://u:hunter2@127.0.0.1:1/awx?connect_timeout=1", "postgresql://u:hunter2@127.0.0.1:1/awx?connect_timeout=1"} {
		_, err := Open(context.Background(), dsn)
		if err == nil {
			t.Fatalf("Open(%q) succeeded", dsn)
		}
		if strings.Contains(err.Error(), "hunter2") {
			t.Fatalf("error shows the password: %v", err)
		}
	}
}

func TestOpenEmpty(t *testing.T) {
	if _, err := Open(context.Background(), ""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
	if _, err := Open(context.Background(), "sqlite:"); err == nil {
		t.Fatal("Open(\"sqlite:\") succeeded")
	}
}
