package server_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestPeriodicCleanup(t *testing.T) {
	start := time.Now().UTC()
	var offset atomic.Int64 // the test clock's advance, in nanoseconds
	now := func() time.Time { return start.Add(time.Duration(offset.Load())) }
	srv := servertest.Start(t, servertest.WithNow(now), servertest.WithConfig(func(c *server.Config) {
		c.CleanupInterval = 20 * time.Millisecond
	}))
	ctx := context.Background()
	short := &store.AccessToken{UserID: srv.AdminID, Digest: secret.Digest(secret.NewToken()), Scope: "write", Expires: start.Add(time.Hour)}
	if err := srv.Store.CreateAccessToken(ctx, short, nil); err != nil {
		t.Fatal(err)
	}
	// Several cleanup runs happen before the clock moves: nothing valid goes.
	time.Sleep(100 * time.Millisecond)
	if _, err := srv.Store.AccessTokenByID(ctx, short.ID); err != nil {
		t.Fatalf("an unexpired token was cleaned up: %v", err)
	}
	offset.Store(int64(2 * time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := srv.Store.AccessTokenByID(ctx, short.ID)
		if store.ErrorCode(err) == store.ENOTFOUND {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the expired token is still there: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
	// The admin's token (a day long) survives, and the counter moved.
	if res := srv.Do(t, "GET", "/api/v2/me/", srv.Admin(), nil); res.Status != 200 {
		t.Errorf("the admin's unexpired token: %d", res.Status)
	}
	if got := scrape(t, srv)[`awxtoken_tokens_cleaned_up_total{type="access"}`]; got < 1 {
		t.Errorf("cleaned-up counter = %v", got)
	}
}

func TestCleanupDisabledByDefault(t *testing.T) {
	start := time.Now().UTC()
	var offset atomic.Int64
	srv := servertest.Start(t, servertest.WithNow(func() time.Time { return start.Add(time.Duration(offset.Load())) }))
	ctx := context.Background()
	tok := &store.AccessToken{UserID: srv.AdminID, Digest: secret.Digest(secret.NewToken()), Scope: "write", Expires: start.Add(time.Minute)}
	if err := srv.Store.CreateAccessToken(ctx, tok, nil); err != nil {
		t.Fatal(err)
	}
	offset.Store(int64(time.Hour))
	time.Sleep(50 * time.Millisecond)
	if _, err := srv.Store.AccessTokenByID(ctx, tok.ID); err != nil {
		t.Fatalf("cleanup ran although CleanupInterval is zero: %v", err)
	}
	// Cleanup on demand still works and reports what it deleted.
	access, _, err := srv.Srv.Cleanup(ctx)
	if err != nil || access != 1 {
		t.Fatalf("Cleanup = %d, %v; want 1 access token", access, err)
	}
}
