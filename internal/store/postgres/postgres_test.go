package postgres_test

import (
	"context"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
	"github.com/awxtoken/awxtoken/internal/store/storetest"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

var ctx = context.Background()

func open(t *testing.T, dsn string) *postgres.DB {
	t.Helper()
	db, err := postgres.Open(ctx, dsn, postgres.Options{MaxConns: 8})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestConformance runs the store suite, each test on an empty schema of
// its own.
func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store { return open(t, pgtest.NewSchema(t)) })
}

// TestConcurrentOpen opens one new database from several stores at once,
// as replicas starting together do: each migration applies once, and the
// bootstrap user is created once.
func TestConcurrentOpen(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	const n = 5
	dbs := make([]*postgres.DB, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dbs[i], errs[i] = postgres.Open(ctx, dsn, postgres.Options{MaxConns: 4})
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("open %d: %v", i, errs[i])
		}
		defer dbs[i].Close()
	}
	var rows int
	if err := dbs[0].Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 1 {
		t.Fatalf("%d schema_migrations rows, want 1", rows)
	}
	applied, err := postgres.Migrate(ctx, dsn)
	if err != nil || len(applied) != 0 {
		t.Fatalf("Migrate on a current schema = %v, %v; want nothing applied", applied, err)
	}

	created := make([]bool, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			created[i], errs[i] = dbs[i].EnsureUser(ctx, &store.User{Username: "admin", IsSuperuser: true, IsActive: true})
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
		t.Fatalf("%d stores created the user, want 1", wins)
	}
}

func TestMigrateReportsApplied(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	applied, err := postgres.Migrate(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	if len(applied) == 0 || applied[0] != "0001_init.sql" {
		t.Fatalf("applied = %v, want 0001_init.sql first", applied)
	}
}

// TestSchemaTypes checks the column types the issue asks for: identity
// ids, bytea digests, timestamptz to the microsecond.
func TestSchemaTypes(t *testing.T) {
	db := open(t, pgtest.NewDatabase(t))
	want := map[string]string{
		"access_tokens.id":                  "bigint",
		"access_tokens.digest":              "bytea",
		"access_tokens.expires":             "timestamp with time zone(6)",
		"refresh_tokens.digest":             "bytea",
		"users.is_active":                   "boolean",
		"applications.client_secret_digest": "bytea",
	}
	for col, typ := range want {
		table, name, _ := strings.Cut(col, ".")
		var dt string
		var prec *int
		err := db.Pool().QueryRow(ctx, `SELECT data_type, datetime_precision FROM information_schema.columns
			WHERE table_name = $1 AND column_name = $2`, table, name).Scan(&dt, &prec)
		if err != nil {
			t.Fatalf("%s: %v", col, err)
		}
		if prec != nil && strings.HasPrefix(dt, "timestamp") {
			dt += "(" + strconv.Itoa(*prec) + ")"
		}
		if dt != typ {
			t.Errorf("%s is %s, want %s", col, dt, typ)
		}
	}
	var identity string
	if err := db.Pool().QueryRow(ctx, `SELECT is_identity FROM information_schema.columns
		WHERE table_name = 'access_tokens' AND column_name = 'id'`).Scan(&identity); err != nil || identity != "YES" {
		t.Errorf("access_tokens.id identity = %q (%v)", identity, err)
	}
}

func TestClock(t *testing.T) {
	db := open(t, pgtest.NewSchema(t))
	fixed := time.Date(2024, 10, 9, 2, 23, 8, 123456789, time.FixedZone("X", 3600))
	db.Now = func() time.Time { return fixed }
	o := &store.Organization{Name: "Default"}
	if err := db.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	want := fixed.UTC().Truncate(time.Microsecond)
	got, err := db.OrganizationByID(ctx, o.ID)
	if err != nil || !got.Created.Equal(want) || got.Created.Location() != time.UTC {
		t.Fatalf("stored Created = %v (%v), want %v in UTC", got.Created, err, want)
	}
}

func TestClosedAndCanceled(t *testing.T) {
	db, err := postgres.Open(ctx, pgtest.NewSchema(t), postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if err := db.CreateUser(cctx, &store.User{Username: "x"}); err != context.Canceled {
		t.Fatalf("CreateUser with a canceled context = %v", err)
	}
	if _, err := db.UserByUsername(ctx, "x"); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("the canceled write happened: %v", err)
	}
	db.Close()
	db.Close()
	if err := db.CreateUser(ctx, &store.User{Username: "y"}); err == nil {
		t.Fatal("write after Close succeeded")
	}
}

// TestBadText: text PostgreSQL cannot hold is the caller's mistake (400),
// never a 500, in writes and in filters.
func TestBadText(t *testing.T) {
	db := open(t, pgtest.NewSchema(t))
	err := db.CreateUser(ctx, &store.User{Username: "a\x00b"})
	if store.ErrorCode(err) != store.EINVALID {
		t.Fatalf("NUL in a username: %v", err)
	}
	_, _, err = db.ListUsers(ctx, store.Query{Filters: []store.Filter{{Field: "username", Value: "a\x00"}}})
	if store.ErrorCode(err) != store.EINVALID {
		t.Fatalf("NUL in a filter: %v", err)
	}
	_, _, err = db.ListUsers(ctx, store.Query{Search: "\xff"})
	if store.ErrorCode(err) != store.EINVALID {
		t.Fatalf("invalid UTF-8 in a search: %v", err)
	}
	if _, err := db.UserByUsername(ctx, "a\x00"); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("UserByUsername(NUL) = %v", err)
	}
	// A pattern Go accepts but PostgreSQL's regex engine does not.
	_, _, err = db.ListUsers(ctx, store.Query{Filters: []store.Filter{{Field: "username", Lookup: "regex", Value: `\pL`}}})
	if store.ErrorCode(err) != store.EINVALID || !strings.HasPrefix(err.(*store.Error).Message, "Invalid regular expression: ") {
		t.Fatalf("regex PostgreSQL rejects: %v", err)
	}
}

func TestInvalidDSNHidesPassword(t *testing.T) {
	_, err := postgres.Open(ctx, "postgres://u:hunter2@127.0.0.1:1/x?sslmode=disable&connect_timeout=1", postgres.Options{})
	if err == nil {
		t.Fatal("Open on a closed port succeeded")
	}
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error shows the password: %v", err)
	}
	_, err = postgres.Open(ctx, "postgres://u:hunter2@host:notaport/x", postgres.Options{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("bad DSN: %v", err)
	}
}

// recv waits for the next invalidation matching ok.
func recv(t *testing.T, ch <-chan store.Invalidation, what string, ok func(store.Invalidation) bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case inv, open := <-ch:
			if !open {
				t.Fatalf("%s: feed closed", what)
			}
			if ok(inv) {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no invalidation within 5s", what)
		}
	}
}

func hasToken(id int64) func(store.Invalidation) bool {
	return func(inv store.Invalidation) bool { return slices.Contains(inv.TokenIDs, id) }
}

// TestInvalidations: every change that must reach other replicas' caches
// arrives on the feed of another store on the same database, including
// cascades and changes made by plain SQL, and nothing is sent for the
// frequent writes that change nothing a cache holds (last_used,
// last_login). A killed listener connection reconnects and says All.
func TestInvalidations(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	a := open(t, dsn)
	b, err := postgres.Open(ctx, dsn, postgres.Options{ApplicationName: "awxtoken-b"})
	if err != nil {
		t.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	defer stop()
	feed := b.Invalidations(lctx)

	u := &store.User{Username: "alice", IsActive: true}
	if err := a.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	o := &store.Organization{Name: "O"}
	if err := a.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	app := &store.Application{Name: "app", ClientID: "cid", ClientType: "public", AuthorizationGrantType: "password", OrganizationID: o.ID}
	if err := a.CreateApplication(ctx, app); err != nil {
		t.Fatal(err)
	}
	mk := func(appID *int64) *store.AccessToken {
		tok := &store.AccessToken{UserID: u.ID, ApplicationID: appID, Digest: []byte(time.Now().String() + u.Username), Expires: time.Now().Add(time.Hour), Scope: "write"}
		time.Sleep(time.Microsecond)
		var r *store.RefreshToken
		if appID != nil {
			r = &store.RefreshToken{Digest: append([]byte("r"), tok.Digest...)}
		}
		if err := a.CreateAccessToken(ctx, tok, r); err != nil {
			t.Fatal(err)
		}
		return tok
	}

	// Writes that change nothing cached send nothing: touch and login
	// first, then a delete whose message must be the next one.
	t1 := mk(nil)
	if err := a.TouchAccessTokens(ctx, map[int64]time.Time{t1.ID: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := a.SetLastLogin(ctx, u.ID, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteAccessToken(ctx, t1.ID); err != nil {
		t.Fatal(err)
	}
	select {
	case inv := <-feed:
		if !slices.Equal(inv.TokenIDs, []int64{t1.ID}) || len(inv.UserIDs)+len(inv.ApplicationIDs) > 0 || inv.All {
			t.Fatalf("first invalidation = %+v, want token %d alone", inv, t1.ID)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no invalidation for DeleteAccessToken")
	}

	t2 := mk(nil)
	if _, err := a.UpdateAccessToken(ctx, t2.ID, store.TokenUpdate{Scope: ptr("read")}); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "UpdateAccessToken", hasToken(t2.ID))

	t3 := mk(&app.ID)
	r3, err := a.RefreshTokenByAccessToken(ctx, t3.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.RevokeRefreshToken(ctx, r3.ID); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "RevokeRefreshToken", hasToken(t3.ID))

	t4 := mk(&app.ID)
	if err := a.DeleteApplication(ctx, app.ID); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "DeleteApplication cascade", hasToken(t4.ID))

	if _, err := a.UpdateUser(ctx, u.ID, store.UserUpdate{IsActive: ptr(false)}); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "UpdateUser", func(inv store.Invalidation) bool { return slices.Contains(inv.UserIDs, u.ID) })

	// Plain SQL, as an operator would run it.
	t5 := mk(nil)
	if _, err := a.Pool().Exec(ctx, `DELETE FROM access_tokens WHERE id = $1`, t5.ID); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "DELETE by SQL", hasToken(t5.ID))

	// A mass deletion is one message.
	for range 301 {
		mk(nil)
	}
	if _, err := a.DeleteUserTokens(ctx, &u.ID, false); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "DeleteUserTokens of 301 tokens", func(inv store.Invalidation) bool { return inv.All })

	t6 := mk(nil)
	if err := a.DeleteUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "DeleteUser cascade", hasToken(t6.ID))

	// Kill the feed's connection: it comes back and says All.
	if _, err := a.Pool().Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
		WHERE application_name = 'awxtoken-b' AND query ILIKE 'LISTEN%'`); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "reconnect", func(inv store.Invalidation) bool { return inv.All })
	u2 := &store.User{Username: "bob", IsActive: true}
	if err := a.CreateUser(ctx, u2); err != nil {
		t.Fatal(err)
	}
	if err := a.DeleteUser(ctx, u2.ID); err != nil {
		t.Fatal(err)
	}
	recv(t, feed, "after reconnect", func(inv store.Invalidation) bool { return slices.Contains(inv.UserIDs, u2.ID) })

	// Closing the store ends the feed.
	b.Close()
	select {
	case _, open := <-feed:
		for open {
			_, open = <-feed
		}
	case <-time.After(5 * time.Second):
		t.Fatal("feed still open after Close")
	}
}

func ptr[T any](v T) *T { return &v }

// TestSurvivesTerminatedConnections: after every backend of a store is
// killed (as a database restart or failover does), the next calls work.
func TestSurvivesTerminatedConnections(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	db, err := postgres.Open(ctx, dsn, postgres.Options{ApplicationName: "awxtoken-victim", MinConns: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	u := &store.User{Username: "alice", IsActive: true}
	if err := db.CreateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
	killer, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer killer.Close(ctx)
	var n int
	if err := killer.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'awxtoken-victim'`).Scan(&n); err != nil || n == 0 {
		t.Fatalf("terminated %d backends (%v)", n, err)
	}
	time.Sleep(100 * time.Millisecond)
	for i := range 3 {
		if _, err := db.UserByID(ctx, u.ID); err != nil {
			t.Fatalf("read %d after the backends died: %v", i, err)
		}
		if err := db.SetLastLogin(ctx, u.ID, time.Now()); err != nil {
			t.Fatalf("write %d after the backends died: %v", i, err)
		}
	}
}
