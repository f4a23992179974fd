// Package postgres is the shared store: store.Store on PostgreSQL through a
// pgx connection pool, for any number of server replicas on one database.
// It owns the PostgreSQL schema and its embedded migrations (applied under
// an advisory lock, so replicas starting together never collide), the
// mapping of PostgreSQL errors to the store's domain errors, and the
// cross-replica invalidation feed (LISTEN/NOTIFY) that lets every replica
// drop cached token lookups the moment another one revokes a token.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

// Options size the connection pool. A zero field takes the default shown;
// a pool_* parameter in the DSN (pgxpool's names) is used when the field is
// zero.
type Options struct {
	// MaxConns is the most connections this process opens (default 16).
	// With N replicas, N*MaxConns (+1 per replica for the invalidation
	// feed) must stay under the server's max_connections.
	MaxConns int32
	// MinConns connections are kept open even when idle (default 0).
	MinConns int32
	// MaxConnLifetime closes a connection this long after it was opened
	// (default 1h), so load spreads again after a failover or a pgbouncer
	// change.
	MaxConnLifetime time.Duration
	// MaxConnIdleTime closes a connection idle this long (default 30m).
	MaxConnIdleTime time.Duration
	// HealthCheckPeriod is how often idle connections are checked (default 1m).
	HealthCheckPeriod time.Duration
	// ConnectTimeout bounds opening one connection (default 10s).
	ConnectTimeout time.Duration
	// ApplicationName is shown in pg_stat_activity (default "awxtoken").
	ApplicationName string
}

// Defaults of Options.
const (
	DefaultMaxConns          = 16
	DefaultMaxConnLifetime   = time.Hour
	DefaultMaxConnIdleTime   = 30 * time.Minute
	DefaultHealthCheckPeriod = time.Minute
	DefaultConnectTimeout    = 10 * time.Second
	DefaultApplicationName   = "awxtoken"
)

// InvalidationChannel is the NOTIFY channel the schema's triggers use.
const InvalidationChannel = "awxtoken_invalidate"

// maxAttempts bounds how often a write transaction is retried after a
// deadlock or serialization failure, which PostgreSQL reports instead of
// waiting forever and which the next attempt almost always avoids.
const maxAttempts = 5

var errClosed = errors.New("postgres: store is closed")

// DB is the PostgreSQL store. It implements store.Store and
// store.Invalidator.
type DB struct {
	// Now is the clock; tests replace it. Times are kept to the microsecond.
	Now func() time.Time

	pool *pgxpool.Pool
	cfg  *pgxpool.Config

	closing   chan struct{}
	closeOnce sync.Once
	listeners sync.WaitGroup
}

var (
	_ store.Store       = (*DB)(nil)
	_ store.Invalidator = (*DB)(nil)
)

// parseConfig reads the DSN and applies opts. Errors never include the DSN:
// it may hold a password.
func parseConfig(dsn string, opts Options) (*pgxpool.Config, error) {
	// URL schemes are case-insensitive; pgx only knows the lower-case ones.
	if i := strings.Index(dsn, "://"); i > 0 {
		if scheme := strings.ToLower(dsn[:i]); scheme == "postgres" || scheme == "postgresql" {
			dsn = scheme + dsn[i:]
		}
	}
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres: invalid database URL: %s", redact(err, dsn))
	}
	hasParam := func(name string) bool { return strings.Contains(dsn, name+"=") }
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	} else if !hasParam("pool_max_conns") {
		cfg.MaxConns = DefaultMaxConns
	}
	if opts.MinConns > 0 {
		cfg.MinConns = min(opts.MinConns, cfg.MaxConns)
	}
	if opts.MaxConnLifetime > 0 {
		cfg.MaxConnLifetime = opts.MaxConnLifetime
	} else if !hasParam("pool_max_conn_lifetime") {
		cfg.MaxConnLifetime = DefaultMaxConnLifetime
	}
	if opts.MaxConnIdleTime > 0 {
		cfg.MaxConnIdleTime = opts.MaxConnIdleTime
	} else if !hasParam("pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = DefaultMaxConnIdleTime
	}
	if opts.HealthCheckPeriod > 0 {
		cfg.HealthCheckPeriod = opts.HealthCheckPeriod
	} else if !hasParam("pool_health_check_period") {
		cfg.HealthCheckPeriod = DefaultHealthCheckPeriod
	}
	if opts.ConnectTimeout > 0 {
		cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	} else if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = DefaultConnectTimeout
	}
	name := opts.ApplicationName
	if name == "" {
		name = DefaultApplicationName
	}
	if _, set := cfg.ConnConfig.RuntimeParams["application_name"]; !set || opts.ApplicationName != "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = name
	}
	return cfg, nil
}

// redact removes the DSN and its password from a driver error message.
func redact(err error, dsn string) string {
	msg := err.Error()
	if dsn != "" {
		msg = strings.ReplaceAll(msg, dsn, "<dsn>")
	}
	if cfg, perr := pgconn.ParseConfig(dsn); perr == nil && cfg.Password != "" {
		msg = strings.ReplaceAll(msg, cfg.Password, "xxxxx")
	}
	return msg
}

// Open connects to the database dsn names (postgres://... or key=value),
// applies pending migrations under an advisory lock and returns the store.
func Open(ctx context.Context, dsn string, opts Options) (*DB, error) {
	cfg, err := parseConfig(dsn, opts)
	if err != nil {
		return nil, err
	}
	if _, err := migrate(ctx, cfg.ConnConfig); err != nil {
		return nil, err
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %s", redact(err, dsn))
	}
	return &DB{Now: time.Now, pool: pool, cfg: cfg, closing: make(chan struct{})}, nil
}

// Migrate applies the pending migrations of the database dsn names and
// returns the names of those it applied (none when the schema is current).
// It is what `awxtoken admin migrate` runs; Open does the same.
func Migrate(ctx context.Context, dsn string) ([]string, error) {
	cfg, err := parseConfig(dsn, Options{})
	if err != nil {
		return nil, err
	}
	return migrate(ctx, cfg.ConnConfig)
}

// Close stops the invalidation feeds and closes the pool; queries in
// progress finish first.
func (d *DB) Close() error {
	d.closeOnce.Do(func() {
		close(d.closing)
		d.listeners.Wait()
		d.pool.Close()
	})
	return nil
}

// Pool returns the connection pool, for tests and tools that need SQL of
// their own on the same database.
func (d *DB) Pool() *pgxpool.Pool { return d.pool }

func (d *DB) now() time.Time { return d.Now().UTC().Truncate(time.Microsecond) }

func (d *DB) closed() bool {
	select {
	case <-d.closing:
		return true
	default:
		return false
	}
}

// writeFunc is one unit of writing, run in its own transaction. It may be
// run again from the start after a deadlock, so it must only set its
// outputs, never accumulate.
type writeFunc func(ctx context.Context, tx pgx.Tx, now time.Time) error

// write runs fn in a READ COMMITTED transaction and commits; it returns
// once the commit is durable (synchronous_commit is PostgreSQL's default,
// on). Deadlocks, serialization failures and connections found dead before
// anything was sent are retried.
func (d *DB) write(ctx context.Context, op string, fn writeFunc) error {
	if act := store.PendingActivity(ctx); act != nil {
		fn = withActivity(fn, act)
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if d.closed() {
		return errClosed
	}
	var err error
	for attempt := 1; ; attempt++ {
		err = d.writeOnce(ctx, fn)
		if err == nil || attempt == maxAttempts || !retryable(err) || ctx.Err() != nil {
			break
		}
		if pe := pgErr(err); pe != nil && strings.HasPrefix(pe.Code, "57P") {
			d.pool.Reset() // see read
		}
		time.Sleep(time.Duration(attempt*attempt) * time.Duration(1+rand.IntN(5)) * time.Millisecond)
	}
	if err != nil {
		return internal(op, err)
	}
	return nil
}

// beginError marks a failure to start a transaction: nothing was
// written, so when the connection was lost it is safe to try again.
type beginError struct{ err error }

func (e *beginError) Error() string { return e.err.Error() }
func (e *beginError) Unwrap() error { return e.err }

func (d *DB) writeOnce(ctx context.Context, fn writeFunc) (err error) {
	tx, err := d.pool.Begin(ctx)
	if err != nil {
		return &beginError{err}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("postgres: panic in write: %v", r)
		}
		if err != nil {
			tx.Rollback(context.WithoutCancel(ctx))
		}
	}()
	if err = fn(ctx, tx, d.now()); err != nil {
		return err
	}
	// Once the work is done the outcome must not depend on the caller
	// going away: a canceled commit would leave the caller guessing.
	return tx.Commit(context.WithoutCancel(ctx))
}

func retryable(err error) bool {
	if pe := pgErr(err); pe != nil && (pe.Code == "40001" || pe.Code == "40P01") {
		return true
	}
	var be *beginError
	if errors.As(err, &be) && connLost(err) {
		return true
	}
	return pgconn.SafeToRetry(err)
}

// connLost reports an error that says the connection is gone: the server
// terminated it (class 57P: a restart, a failover, pg_terminate_backend)
// or the socket closed. The pool discards such a connection.
func connLost(err error) bool {
	if pgconn.SafeToRetry(err) {
		return true
	}
	if pe := pgErr(err); pe != nil {
		return strings.HasPrefix(pe.Code, "57P")
	}
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// read runs a read, retrying (reads are idempotent) when its connection
// turned out to be dead. When the server says it terminated the
// connection (class 57P: a restart, a failover, an operator), the other
// pooled connections most likely went the same way, so the pool drops
// them all at once instead of failing one request per dead connection.
func (d *DB) read(ctx context.Context, fn func() error) error {
	if d.closed() {
		return errClosed
	}
	err := fn()
	for i := 0; i < 2 && err != nil && connLost(err) && ctx.Err() == nil; i++ {
		if pe := pgErr(err); pe != nil && strings.HasPrefix(pe.Code, "57P") {
			d.pool.Reset()
		}
		err = fn()
	}
	return err
}

// Error mapping.

func pgErr(err error) *pgconn.PgError {
	var e *pgconn.PgError
	if errors.As(err, &e) {
		return e
	}
	return nil
}

func isUnique(err error, constraint string) bool {
	e := pgErr(err)
	return e != nil && e.Code == "23505" && e.ConstraintName == constraint
}

// fkConstraint returns the name of the violated foreign key, or "".
func fkConstraint(err error) string {
	if e := pgErr(err); e != nil && e.Code == "23503" {
		return e.ConstraintName
	}
	return ""
}

func conflict(field, msg string) *store.Error {
	return &store.Error{Code: store.ECONFLICT, Field: field, Message: msg}
}

// internal wraps a driver error with the operation; a domain error passes
// through. Bad text (a NUL character, which PostgreSQL text cannot hold)
// and a regular expression PostgreSQL rejects are the caller's mistake,
// not a server error.
func internal(op string, err error) error {
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, errClosed) {
		return err
	}
	if e := pgErr(err); e != nil {
		switch e.Code {
		case "22021", "22P05": // character_not_in_repertoire, untranslatable_character
			return store.Errorf(store.EINVALID, "Text must be valid UTF-8 without null characters.")
		case "2201B": // invalid_regular_expression
			msg := strings.TrimPrefix(e.Message, "invalid regular expression: ")
			return store.Errorf(store.EINVALID, "Invalid regular expression: %s", msg)
		}
	}
	return fmt.Errorf("postgres: %s: %w", op, err)
}

// checkText rejects text PostgreSQL cannot store, before it reaches the
// driver (whose error would otherwise name the encoding).
func checkText(vals ...string) error {
	for _, v := range vals {
		if strings.IndexByte(v, 0) >= 0 {
			return store.Errorf(store.EINVALID, "Null characters are not allowed.")
		}
		if !utf8.ValidString(v) {
			return store.Errorf(store.EINVALID, "Text must be valid UTF-8.")
		}
	}
	return nil
}

// Value conversions.

func utc(t time.Time) time.Time { return t.UTC() }

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func truncTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// scanner is a row to scan (sqlq.Scanner, so scan functions combine with
// sqlq.ScanJoined).
type scanner = sqlq.Scanner

// execOne runs a statement that must touch one row; none is NotFound(model).
func execOne(ctx context.Context, tx pgx.Tx, model, q string, args ...any) error {
	tag, err := tx.Exec(ctx, q, args...)
	if err != nil {
		return err
	}
	if tag.RowsAffected() == 0 {
		return store.NotFound(model)
	}
	return nil
}

// exists reports whether a query returning one row finds one.
func exists(ctx context.Context, q interface {
	QueryRow(context.Context, string, ...any) pgx.Row
}, sql string, args ...any) (bool, error) {
	var one int
	err := q.QueryRow(ctx, sql, args...).Scan(&one)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}
