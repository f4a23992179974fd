package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite" // the "sqlite" database/sql driver, as the store uses

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/open"
)

// seedResult is what seeding left in the store.
type seedResult struct {
	UserID int64
	// Known are the clear values of the first tokens inserted, for the
	// "cold" loads that rotate over more tokens than the server caches.
	Known []string
	Took  time.Duration
}

// seedUsername owns the seeded tokens; it is a plain active user.
const seedUsername = "seed"

// seedTokens fills the store dsn names with n personal access tokens of
// the user "seed", the first known of them with clear values it returns.
// The schema comes from opening the store (its migrations); the rows go in
// with bulk SQL (multi-row INSERTs on SQLite, COPY on PostgreSQL) because a
// million separate API or store calls would take longer than the whole
// measurement. The rows are exactly what the store itself writes: a
// SHA-256 digest, never a clear token.
func seedTokens(ctx context.Context, backend, dsn string, n, known int) (seedResult, error) {
	start := time.Now()
	st, err := open.Open(ctx, dsn)
	if err != nil {
		return seedResult{}, fmt.Errorf("seed: open store: %w", err)
	}
	if _, err := st.EnsureUser(ctx, &store.User{Username: seedUsername, IsActive: true}); err != nil {
		st.Close()
		return seedResult{}, fmt.Errorf("seed: user: %w", err)
	}
	u, err := st.UserByUsername(ctx, seedUsername)
	if err != nil {
		st.Close()
		return seedResult{}, fmt.Errorf("seed: user: %w", err)
	}
	if err := st.Close(); err != nil {
		return seedResult{}, err
	}
	res := seedResult{UserID: u.ID}
	known = min(known, n)
	res.Known = make([]string, known)
	for i := range res.Known {
		res.Known[i] = secret.NewToken()
	}
	rows := &tokenRows{userID: u.ID, n: n, known: res.Known, now: time.Now().UTC().Truncate(time.Microsecond),
		rng: rand.New(rand.NewChaCha8([32]byte{byte(n), byte(n >> 8), byte(n >> 16), 1}))}
	switch backend {
	case "sqlite":
		err = seedSQLite(ctx, dsn, rows)
	case "postgres":
		err = seedPostgres(ctx, dsn, rows)
	default:
		err = fmt.Errorf("seed: unknown backend %q", backend)
	}
	res.Took = time.Since(start)
	return res, err
}

// tokenRows generates the rows: a digest each (of a known clear token, or
// 32 pseudo-random bytes, which as a SHA-256 output they are
// indistinguishable from), a far expiry, and creation times spread over
// the past year so the table looks lived-in.
type tokenRows struct {
	userID int64
	n      int
	known  []string
	now    time.Time
	rng    *rand.Rand
	i      int
}

type tokenRow struct {
	digest           []byte
	expires, created time.Time
	description      string
}

func (g *tokenRows) next() (tokenRow, bool) {
	if g.i >= g.n {
		return tokenRow{}, false
	}
	var d []byte
	if g.i < len(g.known) {
		d = secret.Digest(g.known[g.i])
	} else {
		var b [40]byte
		binary.LittleEndian.PutUint64(b[:8], g.rng.Uint64())
		binary.LittleEndian.PutUint64(b[8:16], g.rng.Uint64())
		binary.LittleEndian.PutUint64(b[16:24], uint64(g.i))
		s := sha256.Sum256(b[:])
		d = s[:]
	}
	created := g.now.Add(-time.Duration(g.rng.Int64N(int64(365 * 24 * time.Hour)))).Truncate(time.Microsecond)
	g.i++
	return tokenRow{
		digest:      d,
		created:     created,
		expires:     created.AddDate(1000, 0, 0),
		description: "seeded",
	}, true
}

func seedSQLite(ctx context.Context, dsn string, g *tokenRows) error {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "//")
	// Seeding is not the thing measured and a crash would only mean seeding
	// again, so it skips the per-commit fsync; the checkpoint at the end
	// leaves a normal database file for the server.
	db, err := sql.Open("sqlite", path+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(OFF)")
	if err != nil {
		return err
	}
	defer db.Close()
	db.SetMaxOpenConns(1)
	const perStmt = 500 // 9 values a row, well under SQLite's variable limit
	const perTx = 100000
	stmtText := "INSERT INTO access_tokens (user_id, digest, application_id, expires, scope, description, last_used, source_refresh_token_id, created, modified) VALUES " +
		strings.TrimSuffix(strings.Repeat("(?, ?, NULL, ?, 'write', ?, NULL, NULL, ?, ?),", perStmt), ",")
	done := false
	for !done {
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		full, err := tx.PrepareContext(ctx, stmtText)
		if err != nil {
			tx.Rollback()
			return err
		}
		args := make([]any, 0, perStmt*6)
		for inTx := 0; inTx < perTx && !done; {
			args = args[:0]
			for len(args) < perStmt*6 {
				r, ok := g.next()
				if !ok {
					done = true
					break
				}
				args = append(args, g.userID, r.digest, r.expires.UnixMicro(), r.description, r.created.UnixMicro(), r.created.UnixMicro())
			}
			rows := len(args) / 6
			if rows == 0 {
				break
			}
			if rows == perStmt {
				_, err = full.ExecContext(ctx, args...)
			} else {
				last := "INSERT INTO access_tokens (user_id, digest, application_id, expires, scope, description, last_used, source_refresh_token_id, created, modified) VALUES " +
					strings.TrimSuffix(strings.Repeat("(?, ?, NULL, ?, 'write', ?, NULL, NULL, ?, ?),", rows), ",")
				_, err = tx.ExecContext(ctx, last, args...)
			}
			if err != nil {
				tx.Rollback()
				return fmt.Errorf("seed sqlite: %w", err)
			}
			inTx += rows
		}
		full.Close()
		if err := tx.Commit(); err != nil {
			return err
		}
	}
	if _, err := db.ExecContext(ctx, "PRAGMA wal_checkpoint(TRUNCATE)"); err != nil {
		return err
	}
	_, err = db.ExecContext(ctx, "ANALYZE")
	return err
}

func seedPostgres(ctx context.Context, dsn string, g *tokenRows) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("seed postgres: connect: %w", err)
	}
	defer conn.Close(ctx)
	src := &pgCopySource{g: g}
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"access_tokens"},
		[]string{"user_id", "digest", "expires", "scope", "description", "created", "modified"}, src); err != nil {
		return fmt.Errorf("seed postgres: copy: %w", err)
	}
	if _, err := conn.Exec(ctx, "ANALYZE access_tokens"); err != nil {
		return fmt.Errorf("seed postgres: analyze: %w", err)
	}
	return nil
}

type pgCopySource struct {
	g   *tokenRows
	row tokenRow
}

func (s *pgCopySource) Next() bool {
	r, ok := s.g.next()
	s.row = r
	return ok
}

func (s *pgCopySource) Values() ([]any, error) {
	return []any{s.g.userID, s.row.digest, s.row.expires, "write", s.row.description, s.row.created, s.row.created}, nil
}

func (s *pgCopySource) Err() error { return nil }
