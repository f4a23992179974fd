package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestWithDatabase(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://root@127.0.0.1:5432/test?sslmode=disable": "postgres://root@127.0.0.1:5432/other?sslmode=disable",
		"postgresql://u:p@h/": "postgresql://u:p@h/other",
		"host=/tmp user=root": "host=/tmp user=root dbname=other",
	} {
		got, err := WithDatabase(in, "other")
		if err != nil || got != want {
			t.Errorf("WithDatabase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

// TestNewDatabase: the database exists during the test, is empty and
// UTF8, and is gone after its cleanup.
func TestNewDatabase(t *testing.T) {
	admin := DSN(t)
	var name string
	t.Run("inner", func(t *testing.T) {
		dsn := NewDatabase(t)
		conn, err := pgx.Connect(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close(context.Background())
		var enc string
		if err := conn.QueryRow(context.Background(), `SELECT current_database(), pg_encoding_to_char(encoding)
			FROM pg_database WHERE datname = current_database()`).Scan(&name, &enc); err != nil {
			t.Fatal(err)
		}
		if enc != "UTF8" {
			t.Errorf("encoding %s, want UTF8", enc)
		}
		// Without Main, NewSchema is a database of its own too.
		if other := NewSchema(t); other == dsn {
			t.Error("NewSchema returned the same database")
		}
	})
	conn, err := pgx.Connect(context.Background(), admin)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var n int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM pg_database WHERE datname = $1`, name).Scan(&n); err != nil || n != 0 {
		t.Fatalf("database %s still there after cleanup (%d, %v)", name, n, err)
	}
}
