// Package open turns a database DSN into a store.Store: a plain file path or
// sqlite:PATH is the embedded SQLite store; postgres:// and postgresql://
// name a PostgreSQL server. It is the one place that knows every backend.
package open

import (
	"context"
	"errors"
	"strings"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

// ErrPostgresUnsupported is returned for a PostgreSQL DSN until that backend
// exists.
var ErrPostgresUnsupported = errors.New("store: PostgreSQL databases are not yet supported by this build; use a SQLite file path")

// Open opens the store dsn names. The DSN itself may hold a password, so it
// never appears in the errors returned here.
func Open(ctx context.Context, dsn string) (store.Store, error) {
	lower := strings.ToLower(dsn)
	switch {
	case strings.HasPrefix(lower, "postgres://"), strings.HasPrefix(lower, "postgresql://"):
		return nil, ErrPostgresUnsupported
	case dsn == "":
		return nil, errors.New("store: no database given")
	}
	path := dsn
	if strings.HasPrefix(lower, "sqlite:") {
		path = dsn[len("sqlite:"):]
		// Accept sqlite:///abs/path and sqlite://rel as URL-minded users write them.
		if strings.HasPrefix(path, "//") {
			path = strings.TrimPrefix(path, "//")
		}
	}
	db, err := sqlite.Open(ctx, path)
	if err != nil {
		return nil, err
	}
	return db, nil
}
