package open

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
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

func TestOpenPostgresNotYet(t *testing.T) {
	for _, dsn := range []string{"postgres://u:hunter2@db/awx", "postgresql://u:hunter2@db/awx", "POSTGRES://x"} {
		_, err := Open(context.Background(), dsn)
		if !errors.Is(err, ErrPostgresUnsupported) {
			t.Fatalf("Open(%q) = %v, want ErrPostgresUnsupported", dsn, err)
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
