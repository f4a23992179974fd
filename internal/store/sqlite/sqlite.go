// Package sqlite is the embedded store: store.Store on one SQLite file
// (modernc.org/sqlite, pure Go). It owns the SQLite schema and its embedded
// migrations, the write path (one writer connection, group commit) and a pool
// of reader connections.
package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlq"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// busyTimeout is how long a connection waits for another process's lock
// (two servers or an admin command on one file) before failing.
const busyTimeout = 10 * time.Second

// maxBatch bounds how many queued writes share one commit.
const maxBatch = 128

var errClosed = errors.New("sqlite: store is closed")

// DB is the SQLite store. It implements store.Store.
type DB struct {
	// Now is the clock; tests replace it. Times are kept to the microsecond.
	Now func() time.Time

	path string
	wdb  *sql.DB // one connection: SQLite has one writer anyway
	rdb  *sql.DB // readers; WAL lets them run beside the writer

	writes     chan *writeOp
	closing    chan struct{}
	writerDone chan struct{}
	closeOnce  sync.Once

	stmtMu sync.Mutex // serializes preparing; lookups go through stmts alone
	stmts  sync.Map   // SQL text -> *sql.Stmt, prepared on the reader pool

	// wstmts are writerStmts, prepared on the writer connection at Open;
	// read-only afterwards.
	wstmts map[string]*sql.Stmt
}

var _ store.Store = (*DB)(nil)

func init() {
	// REGEXP calls regexp(pattern, text). Deterministic lets SQLite evaluate
	// it in any clause; the pattern cache makes per-row calls cheap.
	sqlite.MustRegisterDeterministicScalarFunction("regexp", 2, regexpFunc)
	sqlite.MustRegisterDeterministicScalarFunction("awx_fold", 1, foldFunc)
}

// Open opens (creating if needed) the database file at path, applies any
// pending migrations and starts the writer.
func Open(ctx context.Context, path string) (*DB, error) {
	if path == "" || path == ":memory:" || strings.ContainsAny(path, "?#") || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlite: invalid database path %q: a plain file path is needed", path)
	}
	// A new file is created owner-only: it holds password hashes, and SQLite
	// gives its -wal and -shm files the same mode.
	if f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600); err == nil {
		f.Close()
	} else if !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("sqlite: create %s: %w", path, err)
	}
	common := "?_pragma=busy_timeout(" + strconv.Itoa(int(busyTimeout.Milliseconds())) + ")"
	// The writer's transactions begin IMMEDIATE: it takes the write lock up
	// front, so a transaction that reads then writes never fails half-way
	// with SQLITE_BUSY when another process writes too.
	// temp_store(MEMORY): the savepoint sub-journals that group commit
	// writes per request never need to reach disk (the WAL and its fsync
	// are what make a commit durable); on disk they cost a quarter of the
	// writer's CPU in pwrite (bench/NOTES.md).
	wdsn := path + common +
		"&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_pragma=foreign_keys(1)&_pragma=temp_store(MEMORY)&_txlock=immediate"
	// No mmap_size: it saved ~15% of the CPU of a lookup that misses the
	// token cache at a million tokens, but every reader connection maps the
	// file separately and the server's RSS counted the database up to once
	// per connection (712 MiB for a 196 MB file; bench/NOTES.md).
	rdsn := path + common + "&_pragma=foreign_keys(1)&_pragma=query_only(1)"

	wdb, err := sql.Open("sqlite", wdsn)
	if err != nil {
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	wdb.SetConnMaxIdleTime(0)
	if err := wdb.PingContext(ctx); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	if err := migrate(ctx, wdb); err != nil {
		wdb.Close()
		return nil, err
	}
	rdb, err := sql.Open("sqlite", rdsn)
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	n := max(4, 2*runtime.GOMAXPROCS(0))
	rdb.SetMaxOpenConns(n)
	rdb.SetMaxIdleConns(n)
	rdb.SetConnMaxLifetime(0)
	rdb.SetConnMaxIdleTime(0)
	if err := rdb.PingContext(ctx); err != nil {
		wdb.Close()
		rdb.Close()
		return nil, fmt.Errorf("sqlite: open %s: %w", path, err)
	}
	d := &DB{
		Now:        time.Now,
		path:       path,
		wdb:        wdb,
		rdb:        rdb,
		writes:     make(chan *writeOp),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		wstmts:     make(map[string]*sql.Stmt, len(writerStmts)),
	}
	// Prepared here, outside any transaction: the writer pool has one
	// connection, and preparing on the pool from inside the writer's
	// transaction would wait for that connection forever.
	for _, q := range writerStmts {
		st, err := wdb.PrepareContext(ctx, q)
		if err != nil {
			d.closeStmts()
			wdb.Close()
			rdb.Close()
			return nil, fmt.Errorf("sqlite: prepare: %w", err)
		}
		d.wstmts[q] = st
	}
	go d.writer()
	return d, nil
}

// Close stops the writer (writes in progress finish) and closes the files.
func (d *DB) Close() error {
	var err error
	d.closeOnce.Do(func() {
		close(d.closing)
		<-d.writerDone
		d.closeStmts()
		err = errors.Join(d.rdb.Close(), d.wdb.Close())
	})
	return err
}

func (d *DB) closeStmts() {
	d.stmts.Range(func(_, s any) bool {
		s.(*sql.Stmt).Close()
		return true
	})
	for _, s := range d.wstmts {
		s.Close()
	}
}

// migrate applies the embedded migrations in order, each in its own
// IMMEDIATE transaction that first re-checks schema_migrations, so two
// processes opening one new file apply each migration once.
func migrate(ctx context.Context, db *sql.DB) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("sqlite: create schema_migrations: %w", err)
	}
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return fmt.Errorf("sqlite: list migrations: %w", err)
	}
	type mig struct {
		version int
		name    string
	}
	var migs []mig
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return fmt.Errorf("sqlite: migration %s: no version number", base)
		}
		migs = append(migs, mig{v, base})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for _, m := range migs {
		body, err := migrationFS.ReadFile("migrations/" + m.name)
		if err != nil {
			return fmt.Errorf("sqlite: read migration %s: %w", m.name, err)
		}
		if err := applyMigration(ctx, db, m.version, m.name, string(body)); err != nil {
			return err
		}
	}
	return nil
}

func applyMigration(ctx context.Context, db *sql.DB, version int, name, body string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations WHERE version = ?`, version).Scan(&n); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, body); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)`,
		version, name, time.Now().UnixMicro()); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("sqlite: migration %s: %w", name, err)
	}
	return nil
}

// writerStmts are the statements the writer runs for nearly every write:
// the savepoints of group commit, a token and its refresh token, and the
// activity stream entry. Re-preparing them per write cost about a fifth of
// the writer's CPU (bench/NOTES.md).
var writerStmts = []string{
	"SAVEPOINT w", "RELEASE w", "ROLLBACK TO w",
	insertTokenSQL, insertRefreshSQL, insertActivitySQL,
}

// wtx is the writer's transaction. ExecContext runs the writerStmts
// through the statements already prepared on the writer connection
// (database/sql's Tx.StmtContext reuses a statement prepared on the
// transaction's own connection) and any other SQL as *sql.Tx does.
type wtx struct {
	*sql.Tx
	prepared map[string]*sql.Stmt
}

func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if st := t.prepared[query]; st != nil {
		return t.Tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return t.Tx.ExecContext(ctx, query, args...)
}

// writeFunc is one unit of writing. It runs in the writer's transaction
// (inside a savepoint when it shares the commit with others) and must not
// keep tx. ctx carries the caller's values but not its cancellation: an
// interrupted statement would roll back every write in the batch.
type writeFunc func(ctx context.Context, tx *wtx, now time.Time) error

type writeOp struct {
	ctx  context.Context
	fn   writeFunc
	done chan error
}

// write runs fn in a write transaction and returns once it is durable (or
// failed). Concurrent writes are grouped into one commit: with
// synchronous=FULL each commit is an fsync, and sharing it is what lets many
// clients create tokens quickly while every acknowledged write is on disk.
func (d *DB) write(ctx context.Context, fn writeFunc) error {
	if act := store.PendingActivity(ctx); act != nil {
		fn = withActivity(fn, act)
	}
	op := &writeOp{ctx: ctx, fn: fn, done: make(chan error, 1)}
	select {
	case d.writes <- op:
	case <-ctx.Done():
		return ctx.Err()
	case <-d.closing:
		return errClosed
	}
	return <-op.done
}

func (d *DB) writer() {
	defer close(d.writerDone)
	batch := make([]*writeOp, 0, maxBatch)
	for {
		select {
		case op := <-d.writes:
			batch = append(batch[:0], op)
		case <-d.closing:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case op := <-d.writes:
				batch = append(batch, op)
			default:
				break more
			}
		}
		d.runBatch(batch)
		clear(batch)
	}
}

func (d *DB) now() time.Time { return d.Now().UTC().Truncate(time.Microsecond) }

func (d *DB) runBatch(batch []*writeOp) {
	errs := make([]error, len(batch))
	finish := func(common error) {
		for i, op := range batch {
			if errs[i] == nil {
				errs[i] = common
			}
			op.done <- errs[i]
		}
	}
	stx, err := d.wdb.BeginTx(context.Background(), nil)
	if err != nil {
		finish(fmt.Errorf("sqlite: begin: %w", err))
		return
	}
	tx := &wtx{Tx: stx, prepared: d.wstmts}
	bg := context.Background()
	if len(batch) == 1 {
		op := batch[0]
		if err := op.ctx.Err(); err != nil {
			errs[0] = err
		} else {
			errs[0] = runOp(op, tx, d.now())
		}
		if errs[0] != nil {
			tx.Rollback()
			finish(nil)
			return
		}
	} else {
		for i, op := range batch {
			if err := op.ctx.Err(); err != nil {
				errs[i] = err
				continue
			}
			if _, err := tx.ExecContext(bg, "SAVEPOINT w"); err != nil {
				tx.Rollback()
				finish(fmt.Errorf("sqlite: savepoint: %w", err))
				return
			}
			if errs[i] = runOp(op, tx, d.now()); errs[i] != nil {
				if _, err := tx.ExecContext(bg, "ROLLBACK TO w"); err != nil {
					tx.Rollback()
					finish(fmt.Errorf("sqlite: rollback to savepoint: %w", err))
					return
				}
			}
			if _, err := tx.ExecContext(bg, "RELEASE w"); err != nil {
				tx.Rollback()
				finish(fmt.Errorf("sqlite: release savepoint: %w", err))
				return
			}
		}
	}
	if err := tx.Commit(); err != nil {
		finish(fmt.Errorf("sqlite: commit: %w", err))
		return
	}
	finish(nil)
}

func runOp(op *writeOp, tx *wtx, now time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("sqlite: panic in write: %v", r)
		}
	}()
	return op.fn(context.WithoutCancel(op.ctx), tx, now)
}

// stmt returns a prepared reader statement for query, preparing it once.
// The queries are the fixed texts of this package, so the cache is bounded.
// Lookups take no lock: AccessTokenByDigest runs on every request.
func (d *DB) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := d.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	d.stmtMu.Lock()
	defer d.stmtMu.Unlock()
	if s, ok := d.stmts.Load(query); ok {
		return s.(*sql.Stmt), nil
	}
	s, err := d.rdb.PrepareContext(context.WithoutCancel(ctx), query)
	if err != nil {
		return nil, fmt.Errorf("sqlite: prepare: %w", err)
	}
	d.stmts.Store(query, s)
	return s, nil
}

// queryRow runs a fixed read through its cached prepared statement.
func (d *DB) queryRow(ctx context.Context, query string, args ...any) (*sql.Row, error) {
	s, err := d.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryRowContext(ctx, args...), nil
}

// Error mapping.

func sqliteCode(err error) int {
	var e *sqlite.Error
	if errors.As(err, &e) {
		return e.Code()
	}
	return 0
}

func isUnique(err error) bool {
	c := sqliteCode(err)
	return c == sqlite3.SQLITE_CONSTRAINT_UNIQUE || c == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY
}

func isForeignKey(err error) bool { return sqliteCode(err) == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY }

// uniqueOn reports whether a unique violation names table.column; the text
// is SQLite's ("UNIQUE constraint failed: users.username") and is never shown.
func uniqueOn(err error, col string) bool {
	return isUnique(err) && strings.Contains(err.Error(), col)
}

func conflict(field, msg string) *store.Error {
	return &store.Error{Code: store.ECONFLICT, Field: field, Message: msg}
}

func internal(op string, err error) error {
	var se *store.Error
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("sqlite: %s: %w", op, err)
}

// Time and value conversions. Times are integer microseconds, UTC.

func micro(t time.Time) int64 { return t.UnixMicro() }

func fromMicro(v int64) time.Time { return time.UnixMicro(v).UTC() }

func nullMicro(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.UnixMicro()
}

func fromNullMicro(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := fromMicro(v.Int64)
	return &t
}

func nullInt(p *int64) any {
	if p == nil {
		return nil
	}
	return *p
}

func fromNullInt(v sql.NullInt64) *int64 {
	if !v.Valid {
		return nil
	}
	n := v.Int64
	return &n
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func truncTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// SQL functions.

// regexCache holds compiled patterns; a small bound keeps hostile queries
// from growing it without limit.
var regexCache struct {
	sync.Mutex
	m map[string]*regexp.Regexp
}

const regexCacheSize = 256

func compileRegex(p string) (*regexp.Regexp, error) {
	regexCache.Lock()
	re, ok := regexCache.m[p]
	regexCache.Unlock()
	if ok {
		return re, nil
	}
	// The builder checked the user's pattern; a little slack covers the
	// "(?i)" the dialect prefixes for iregex.
	if len(p) > sqlq.MaxRegexLen+16 {
		return nil, errors.New("regular expression too long")
	}
	re, err := regexp.Compile(p)
	if err != nil {
		return nil, err
	}
	regexCache.Lock()
	if regexCache.m == nil || len(regexCache.m) >= regexCacheSize {
		regexCache.m = map[string]*regexp.Regexp{}
	}
	regexCache.m[p] = re
	regexCache.Unlock()
	return re, nil
}

func regexpFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	if args[0] == nil || args[1] == nil {
		return nil, nil
	}
	p, ok := args[0].(string)
	if !ok {
		return nil, errors.New("regexp: pattern must be text")
	}
	re, err := compileRegex(p)
	if err != nil {
		return nil, err
	}
	var s string
	switch v := args[1].(type) {
	case string:
		s = v
	case []byte:
		s = string(v)
	case int64:
		s = strconv.FormatInt(v, 10)
	case float64:
		s = strconv.FormatFloat(v, 'g', -1, 64)
	default:
		s = fmt.Sprint(v)
	}
	if re.MatchString(s) {
		return int64(1), nil
	}
	return int64(0), nil
}

func foldFunc(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
	switch v := args[0].(type) {
	case string:
		return strings.ToLower(v), nil
	case []byte:
		return strings.ToLower(string(v)), nil
	case nil:
		return nil, nil
	default:
		return strings.ToLower(fmt.Sprint(v)), nil
	}
}
