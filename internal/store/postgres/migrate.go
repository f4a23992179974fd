package postgres

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLock is the pg_advisory_lock key that serializes migrations
// between processes: "awxtoken" in ASCII, so it is recognizable in pg_locks.
const migrationLock int64 = 0x617778746f6b656e

type migration struct {
	version int
	name    string
	body    string
}

func migrations() ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, fmt.Errorf("postgres: list migrations: %w", err)
	}
	var out []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("postgres: migration %s: no version number", base)
		}
		body, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, fmt.Errorf("postgres: read migration %s: %w", base, err)
		}
		out = append(out, migration{v, base, string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// migrate applies the pending migrations on a connection of its own. It
// holds a session advisory lock throughout, so replicas starting together
// take turns and each migration is applied once; the lock goes with the
// session, so a process killed half-way (SIGKILL) leaves nothing held.
// Each migration runs in one transaction with its schema_migrations row:
// it is applied entirely or not at all.
func migrate(ctx context.Context, cc *pgx.ConnConfig) ([]string, error) {
	migs, err := migrations()
	if err != nil {
		return nil, err
	}
	conn, err := pgx.ConnectConfig(ctx, cc.Copy())
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %s", redactConnErr(err, cc))
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "SELECT pg_advisory_lock($1)", migrationLock); err != nil {
		return nil, fmt.Errorf("postgres: waiting for the migration lock: %w", err)
	}
	defer conn.Exec(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", migrationLock)

	if _, err := conn.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY,
		name    TEXT NOT NULL,
		applied TIMESTAMPTZ NOT NULL DEFAULT now())`); err != nil {
		return nil, fmt.Errorf("postgres: create schema_migrations: %w", err)
	}
	var applied []string
	for _, m := range migs {
		done, err := applyMigration(ctx, conn, m)
		if err != nil {
			return applied, err
		}
		if done {
			applied = append(applied, m.name)
		}
	}
	return applied, nil
}

func applyMigration(ctx context.Context, conn *pgx.Conn, m migration) (bool, error) {
	tx, err := conn.Begin(ctx)
	if err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM schema_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	if n > 0 {
		return false, nil
	}
	// No arguments: pgx sends it with the simple protocol, which runs a
	// script of many statements.
	if _, err := tx.Exec(ctx, m.body); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	if err := tx.Commit(ctx); err != nil {
		return false, fmt.Errorf("postgres: migration %s: %w", m.name, err)
	}
	return true, nil
}

// redactConnErr drops the password from a connection error.
func redactConnErr(err error, cc *pgx.ConnConfig) string {
	msg := err.Error()
	if cc.Password != "" {
		msg = strings.ReplaceAll(msg, cc.Password, "xxxxx")
	}
	return msg
}
