// Package open turns a database DSN into a store.Store: a plain file path or
// sqlite:PATH is the embedded SQLite store; postgres:// and postgresql://
// name a PostgreSQL server shared by any number of server replicas. It is
// the one place that knows every backend.
package open

import (
	"context"
	"errors"
	"strings"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

// Options tune the backends; the zero value means every default.
type Options struct {
	// Postgres sizes the PostgreSQL connection pool (ignored for SQLite).
	Postgres postgres.Options
}

// IsPostgres reports whether dsn names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	lower := strings.ToLower(dsn)
	return strings.HasPrefix(lower, "postgres://") || strings.HasPrefix(lower, "postgresql://")
}

// Open opens the store dsn names with default options. The DSN itself may
// hold a password, so it never appears in the errors returned here.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	return OpenWith(ctx, dsn, Options{})
}

// OpenWith opens the store dsn names, applying its pending migrations.
func OpenWith(ctx context.Context, dsn string, o Options) (store.Store, error) {
	if IsPostgres(dsn) {
		db, err := postgres.Open(ctx, dsn, o.Postgres)
		if err != nil {
			return nil, err
		}
		return db, nil
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return db, nil
}

// Migrate brings the schema of the database dsn names up to date and
// returns the migrations it applied. For SQLite, whose migrations run when
// the file is opened, it opens and closes the file and reports none.
func Migrate(ctx context.Context, dsn string) ([]string, error) {
	if IsPostgres(dsn) {
		return postgres.Migrate(ctx, dsn)
	}
	path, err := sqlitePath(dsn)
	if err != nil {
		return nil, err
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return nil, db.Close()
}

func sqlitePath(dsn string) (string, error) {
	if dsn == "" {
		return "", errors.New("store: no database given")
	}
	path := dsn
	if strings.HasPrefix(strings.ToLower(dsn), "sqlite:") {
		path = dsn[len("sqlite:"):]
		// Accept sqlite:///abs/path and sqlite://rel as URL-minded users write them.
		path = strings.TrimPrefix(path, "//")
	}
	return path, nil
}
