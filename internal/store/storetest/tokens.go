package storetest

import (
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

func testAccessTokens(t *testing.T, open Opener) {
	s := open(t)
	alice := mustUser(t, s, "alice")
	o := mustOrg(t, s, "O")
	app := mustApp(t, s, o.ID, "app")

	expires := time.Date(3024, 10, 9, 2, 23, 8, 123456000, time.UTC)
	pat := &store.AccessToken{UserID: alice.ID, Digest: digest(), Expires: expires, Scope: "read", Description: "mine"}
	noErr(t, s.CreateAccessToken(ctx, pat, nil))
	if pat.ID == 0 || pat.Created.IsZero() || !pat.Created.Equal(pat.Modified) || pat.LastUsed != nil {
		t.Fatalf("CreateAccessToken = %+v", pat)
	}
	got, err := s.AccessTokenByID(ctx, pat.ID)
	noErr(t, err)
	equal(t, "AccessTokenByID", got, pat)
	if !got.Expires.Equal(expires) {
		t.Fatalf("Expires = %v, want %v", got.Expires, expires)
	}
	got, err = s.AccessTokenByDigest(ctx, pat.Digest)
	noErr(t, err)
	equal(t, "AccessTokenByDigest", got, pat)
	_, err = s.AccessTokenByDigest(ctx, digest())
	wantErr(t, err, store.ENOTFOUND, "No OAuth2AccessToken matches the given query.")
	// The cache-miss path of authentication: the token and its owner at once.
	got, owner, err := s.AccessTokenWithUser(ctx, pat.Digest)
	noErr(t, err)
	equal(t, "AccessTokenWithUser token", got, pat)
	wantUser, err := s.UserByID(ctx, alice.ID)
	noErr(t, err)
	equal(t, "AccessTokenWithUser user", owner, wantUser)
	got, owner, err = s.AccessTokenWithUser(ctx, digest())
	wantErr(t, err, store.ENOTFOUND, "No OAuth2AccessToken matches the given query.")
	if got != nil || owner != nil {
		t.Fatalf("AccessTokenWithUser of an unknown digest = %+v, %+v", got, owner)
	}
	_, err = s.AccessTokenByID(ctx, 999)
	wantErr(t, err, store.ENOTFOUND, "No OAuth2AccessToken matches the given query.")
	_, err = s.RefreshTokenByAccessToken(ctx, pat.ID)
	wantErr(t, err, store.ENOTFOUND, "")

	// An application token with its refresh token, stored together.
	tok := &store.AccessToken{UserID: alice.ID, Digest: digest(), ApplicationID: &app.ID, Expires: expires, Scope: "write"}
	r := &store.RefreshToken{Digest: digest(), UserID: alice.ID, ApplicationID: app.ID}
	noErr(t, s.CreateAccessToken(ctx, tok, r))
	if r.ID == 0 || r.AccessTokenID == nil || *r.AccessTokenID != tok.ID || r.Revoked != nil {
		t.Fatalf("refresh token = %+v", r)
	}
	gotR, err := s.RefreshTokenByDigest(ctx, r.Digest)
	noErr(t, err)
	equal(t, "RefreshTokenByDigest", gotR, r)
	gotR, err = s.RefreshTokenByAccessToken(ctx, tok.ID)
	noErr(t, err)
	equal(t, "RefreshTokenByAccessToken", gotR, r)

	// A failed create stores nothing: the duplicate refresh digest rolls the
	// access token back too.
	bad := &store.AccessToken{UserID: alice.ID, Digest: digest(), ApplicationID: &app.ID, Expires: expires, Scope: "write"}
	err = s.CreateAccessToken(ctx, bad, &store.RefreshToken{Digest: r.Digest, UserID: alice.ID, ApplicationID: app.ID})
	wantErr(t, err, store.ECONFLICT, "")
	_, err = s.AccessTokenByDigest(ctx, bad.Digest)
	wantErr(t, err, store.ENOTFOUND, "")
	err = s.CreateAccessToken(ctx, &store.AccessToken{UserID: 999, Digest: digest(), Expires: expires, Scope: "write"}, nil)
	wantErr(t, err, store.ENOTFOUND, "No User matches the given query.")
	err = s.CreateAccessToken(ctx, &store.AccessToken{UserID: alice.ID, ApplicationID: ptr(int64(999)), Digest: digest(), Expires: expires, Scope: "write"}, nil)
	wantErr(t, err, store.ENOTFOUND, "No OAuth2Application matches the given query.")

	upd, err := s.UpdateAccessToken(ctx, pat.ID, store.TokenUpdate{Description: ptr("renamed")})
	noErr(t, err)
	if upd.Description != "renamed" || upd.Scope != "read" || upd.Modified.Before(pat.Modified) || !upd.Created.Equal(pat.Created) {
		t.Fatalf("UpdateAccessToken = %+v", upd)
	}
	upd, err = s.UpdateAccessToken(ctx, pat.ID, store.TokenUpdate{Scope: ptr("read write")})
	noErr(t, err)
	got, _ = s.AccessTokenByID(ctx, pat.ID)
	equal(t, "updated token", got, upd)
	if got.Description != "renamed" || got.Scope != "read write" {
		t.Fatalf("after updates: %+v", got)
	}
	_, err = s.UpdateAccessToken(ctx, 999, store.TokenUpdate{Scope: ptr("read")})
	wantErr(t, err, store.ENOTFOUND, "No OAuth2AccessToken matches the given query.")

	// TouchAccessTokens: one write for many; missing ids are ignored;
	// last_used never goes back.
	t1 := time.Date(2025, 5, 6, 7, 8, 9, 101112000, time.UTC)
	noErr(t, s.TouchAccessTokens(ctx, map[int64]time.Time{pat.ID: t1, tok.ID: t1.Add(time.Minute), 999: t1}))
	got, _ = s.AccessTokenByID(ctx, pat.ID)
	if got.LastUsed == nil || !got.LastUsed.Equal(t1) || !got.Modified.Equal(upd.Modified) {
		t.Fatalf("LastUsed = %v (modified %v)", got.LastUsed, got.Modified)
	}
	noErr(t, s.TouchAccessTokens(ctx, map[int64]time.Time{pat.ID: t1.Add(-time.Hour)}))
	got, _ = s.AccessTokenByID(ctx, pat.ID)
	if !got.LastUsed.Equal(t1) {
		t.Fatalf("LastUsed went back to %v", got.LastUsed)
	}
	got, _ = s.AccessTokenByID(ctx, tok.ID)
	if got.LastUsed == nil || !got.LastUsed.Equal(t1.Add(time.Minute)) {
		t.Fatalf("LastUsed of second = %v", got.LastUsed)
	}
	noErr(t, s.TouchAccessTokens(ctx, nil))

	// DeleteAccessToken revokes its refresh token.
	noErr(t, s.DeleteAccessToken(ctx, tok.ID))
	_, err = s.AccessTokenByID(ctx, tok.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	gotR, err = s.RefreshTokenByDigest(ctx, r.Digest)
	noErr(t, err)
	if gotR.Revoked == nil || gotR.AccessTokenID != nil {
		t.Fatalf("refresh token after DeleteAccessToken = %+v", gotR)
	}
	wantErr(t, s.DeleteAccessToken(ctx, tok.ID), store.ENOTFOUND, "No OAuth2AccessToken matches the given query.")
	noErr(t, s.DeleteAccessToken(ctx, pat.ID))
}

func testRefreshTokens(t *testing.T, open Opener) {
	s := open(t)
	alice := mustUser(t, s, "alice")
	app := mustApp(t, s, mustOrg(t, s, "O").ID, "app")
	old, oldR := mustToken(t, s, alice.ID, app, "first")

	nt := &store.AccessToken{UserID: alice.ID, Digest: digest(), ApplicationID: &app.ID, Expires: time.Now().Add(time.Hour), Scope: "read"}
	nr := &store.RefreshToken{Digest: digest(), UserID: alice.ID, ApplicationID: app.ID}
	noErr(t, s.RotateRefreshToken(ctx, oldR.ID, nt, nr))
	if nt.ID == 0 || nr.ID == 0 || nr.AccessTokenID == nil || *nr.AccessTokenID != nt.ID {
		t.Fatalf("rotated: %+v %+v", nt, nr)
	}
	if nt.SourceRefreshTokenID == nil || *nt.SourceRefreshTokenID != oldR.ID {
		t.Fatalf("SourceRefreshTokenID = %v, want %d", nt.SourceRefreshTokenID, oldR.ID)
	}
	got, err := s.AccessTokenByDigest(ctx, nt.Digest)
	noErr(t, err)
	equal(t, "rotated access token", got, nt)
	_, err = s.AccessTokenByID(ctx, old.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	gotOld, err := s.RefreshTokenByDigest(ctx, oldR.Digest)
	noErr(t, err)
	if gotOld.Revoked == nil || gotOld.AccessTokenID != nil {
		t.Fatalf("old refresh token = %+v", gotOld)
	}
	// A second use fails and changes nothing.
	again := &store.AccessToken{UserID: alice.ID, Digest: digest(), ApplicationID: &app.ID, Expires: time.Now().Add(time.Hour), Scope: "read"}
	err = s.RotateRefreshToken(ctx, oldR.ID, again, &store.RefreshToken{Digest: digest(), UserID: alice.ID, ApplicationID: app.ID})
	wantErr(t, err, store.ECONFLICT, "")
	_, err = s.AccessTokenByDigest(ctx, again.Digest)
	wantErr(t, err, store.ENOTFOUND, "")
	err = s.RotateRefreshToken(ctx, 999, again, &store.RefreshToken{Digest: digest()})
	wantErr(t, err, store.ENOTFOUND, "")

	// RevokeRefreshToken deletes its access token; again is harmless.
	noErr(t, s.RevokeRefreshToken(ctx, nr.ID))
	_, err = s.AccessTokenByID(ctx, nt.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	gotNR, err := s.RefreshTokenByDigest(ctx, nr.Digest)
	noErr(t, err)
	if gotNR.Revoked == nil || gotNR.AccessTokenID != nil {
		t.Fatalf("revoked = %+v", gotNR)
	}
	noErr(t, s.RevokeRefreshToken(ctx, nr.ID))
	gotAgain, _ := s.RefreshTokenByDigest(ctx, nr.Digest)
	if !gotAgain.Revoked.Equal(*gotNR.Revoked) {
		t.Fatalf("second revoke moved the time: %v -> %v", gotNR.Revoked, gotAgain.Revoked)
	}
	wantErr(t, s.RevokeRefreshToken(ctx, 999), store.ENOTFOUND, "")
	_, err = s.RefreshTokenByDigest(ctx, digest())
	wantErr(t, err, store.ENOTFOUND, "")
}

// testRotateRace uses one refresh token from several goroutines at once:
// exactly one rotation wins.
func testRotateRace(t *testing.T, open Opener) {
	s := open(t)
	alice := mustUser(t, s, "alice")
	app := mustApp(t, s, mustOrg(t, s, "O").ID, "app")
	_, r := mustToken(t, s, alice.ID, app, "")
	const n = 6
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := &store.AccessToken{UserID: alice.ID, Digest: digest(), ApplicationID: &app.ID, Expires: time.Now().Add(time.Hour), Scope: "write"}
			errs[i] = s.RotateRefreshToken(ctx, r.ID, tok, &store.RefreshToken{Digest: digest(), UserID: alice.ID, ApplicationID: app.ID})
		}()
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		if err == nil {
			wins++
		} else if store.ErrorCode(err) != store.ECONFLICT {
			t.Fatalf("rotation failed with %v, want ECONFLICT", err)
		}
	}
	if wins != 1 {
		t.Fatalf("%d rotations won, want 1", wins)
	}
	_, total, err := s.ListAccessTokens(ctx, store.Query{})
	noErr(t, err)
	if total != 1 {
		t.Fatalf("%d access tokens after the race, want 1", total)
	}
}

func testCascades(t *testing.T, open Opener) {
	s := open(t)
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	o1, o2 := mustOrg(t, s, "O1"), mustOrg(t, s, "O2")
	a1, a2, a3 := mustApp(t, s, o1.ID, "a1"), mustApp(t, s, o2.ID, "a2"), mustApp(t, s, o2.ID, "a3")
	alicePAT, _ := mustToken(t, s, alice.ID, nil, "")
	aliceA2, aliceA2R := mustToken(t, s, alice.ID, a2, "")
	bobA1, bobA1R := mustToken(t, s, bob.ID, a1, "")
	bobA2, bobA2R := mustToken(t, s, bob.ID, a2, "")
	bobA3, _ := mustToken(t, s, bob.ID, a3, "")
	bobPAT, _ := mustToken(t, s, bob.ID, nil, "")

	gone := func(what string, id int64) {
		t.Helper()
		if _, err := s.AccessTokenByID(ctx, id); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("%s: token %d still there (%v)", what, id, err)
		}
	}
	there := func(what string, id int64) {
		t.Helper()
		if _, err := s.AccessTokenByID(ctx, id); err != nil {
			t.Fatalf("%s: token %d: %v", what, id, err)
		}
	}
	refreshGone := func(what string, r *store.RefreshToken) {
		t.Helper()
		if _, err := s.RefreshTokenByDigest(ctx, r.Digest); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("%s: refresh token %d still there (%v)", what, r.ID, err)
		}
	}

	// Deleting an application takes its tokens and refresh tokens.
	noErr(t, s.DeleteApplication(ctx, a2.ID))
	gone("DeleteApplication", aliceA2.ID)
	gone("DeleteApplication", bobA2.ID)
	refreshGone("DeleteApplication", aliceA2R)
	refreshGone("DeleteApplication", bobA2R)
	there("DeleteApplication", bobA3.ID)
	there("DeleteApplication", alicePAT.ID)

	// Deleting an organization takes its applications and their tokens.
	noErr(t, s.DeleteOrganization(ctx, o2.ID))
	gone("DeleteOrganization", bobA3.ID)
	if _, err := s.ApplicationByID(ctx, a3.ID); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("application of a deleted organization: %v", err)
	}
	there("DeleteOrganization", bobA1.ID)

	// Deleting a user takes its tokens and refresh tokens, not others'.
	noErr(t, s.DeleteUser(ctx, bob.ID))
	gone("DeleteUser", bobA1.ID)
	gone("DeleteUser", bobPAT.ID)
	refreshGone("DeleteUser", bobA1R)
	there("DeleteUser", alicePAT.ID)
	if _, err := s.ApplicationByID(ctx, a1.ID); err != nil {
		t.Fatalf("DeleteUser removed an application: %v", err)
	}
}

func testMaintenance(t *testing.T, open Opener) {
	s := open(t)
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	app := mustApp(t, s, mustOrg(t, s, "O").ID, "app")
	now := time.Now().UTC()
	mk := func(u *store.User, a *store.Application, expires time.Time) (*store.AccessToken, *store.RefreshToken) {
		tok := &store.AccessToken{UserID: u.ID, Digest: digest(), Expires: expires, Scope: "write"}
		var r *store.RefreshToken
		if a != nil {
			tok.ApplicationID = &a.ID
			r = &store.RefreshToken{Digest: digest(), UserID: u.ID, ApplicationID: a.ID}
		}
		noErr(t, s.CreateAccessToken(ctx, tok, r))
		return tok, r
	}
	expired, _ := mk(alice, nil, now.Add(-time.Minute))
	expiredApp, expiredAppR := mk(alice, app, now.Add(-time.Minute))
	live, _ := mk(alice, nil, now.Add(time.Hour))
	_, liveR := mk(bob, app, now.Add(time.Hour))

	// At now, with a refresh max age of an hour: only the expired access
	// tokens go; their young refresh tokens stay usable.
	access, refresh, err := s.DeleteExpiredTokens(ctx, now, time.Hour)
	noErr(t, err)
	if access != 2 || refresh != 0 {
		t.Fatalf("DeleteExpiredTokens = %d, %d, want 2, 0", access, refresh)
	}
	for _, id := range []int64{expired.ID, expiredApp.ID} {
		if _, err := s.AccessTokenByID(ctx, id); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("expired token %d survived", id)
		}
	}
	if _, err := s.AccessTokenByID(ctx, live.ID); err != nil {
		t.Fatalf("live token: %v", err)
	}
	r, err := s.RefreshTokenByDigest(ctx, expiredAppR.Digest)
	noErr(t, err)
	if r.AccessTokenID != nil {
		t.Fatalf("refresh token still points at its deleted access token: %+v", r)
	}
	// Two hours later every refresh token is older than the max age.
	access, refresh, err = s.DeleteExpiredTokens(ctx, now.Add(2*time.Hour), time.Hour)
	noErr(t, err)
	if access != 2 || refresh != 2 {
		t.Fatalf("later DeleteExpiredTokens = %d, %d, want 2, 2", access, refresh)
	}
	if _, err := s.RefreshTokenByDigest(ctx, liveR.Digest); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("old refresh token survived: %v", err)
	}

	// DeleteUserTokens: one user's, keeping refresh tokens usable.
	a1, _ := mk(alice, nil, now.Add(time.Hour))
	a2, a2R := mk(alice, app, now.Add(time.Hour))
	b1, b1R := mk(bob, app, now.Add(time.Hour))
	n, err := s.DeleteUserTokens(ctx, &alice.ID, false)
	noErr(t, err)
	if n != 2 {
		t.Fatalf("DeleteUserTokens(alice) = %d, want 2", n)
	}
	for _, id := range []int64{a1.ID, a2.ID} {
		if _, err := s.AccessTokenByID(ctx, id); store.ErrorCode(err) != store.ENOTFOUND {
			t.Fatalf("token %d of alice survived", id)
		}
	}
	if r, _ := s.RefreshTokenByDigest(ctx, a2R.Digest); r == nil || r.Revoked != nil {
		t.Fatalf("refresh token revoked without revokeRefresh: %+v", r)
	}
	// All users, revoking refresh tokens too.
	n, err = s.DeleteUserTokens(ctx, nil, true)
	noErr(t, err)
	if n != 1 {
		t.Fatalf("DeleteUserTokens(all) = %d, want 1", n)
	}
	if _, err := s.AccessTokenByID(ctx, b1.ID); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("bob's token survived")
	}
	for _, d := range [][]byte{a2R.Digest, b1R.Digest} {
		r, err := s.RefreshTokenByDigest(ctx, d)
		noErr(t, err)
		if r.Revoked == nil {
			t.Fatalf("refresh token %d not revoked", r.ID)
		}
	}
	n, err = s.DeleteUserTokens(ctx, nil, true)
	noErr(t, err)
	if n != 0 {
		t.Fatalf("nothing left to delete, deleted %d", n)
	}
}

func testActivity(t *testing.T, open Opener) {
	s := open(t)
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	base := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	changes, _ := json.Marshal(map[string]any{"token": "************", "scope": "write"})
	var entries []*store.Activity
	add := func(actor *int64, op, typ string, obj int64, at time.Time) *store.Activity {
		a := &store.Activity{ActorID: actor, Operation: op, ObjectType: typ, ObjectID: obj, Changes: changes, Timestamp: at}
		noErr(t, s.AddActivity(ctx, a))
		if a.ID == 0 {
			t.Fatalf("AddActivity did not set ID")
		}
		entries = append(entries, a)
		return a
	}
	e1 := add(&alice.ID, "create", "o_auth2_access_token", 1, base)
	e2 := add(&bob.ID, "update", "o_auth2_access_token", 1, base.Add(time.Second))
	e3 := add(&alice.ID, "delete", "o_auth2_application", 7, base.Add(2*time.Second))
	e4 := add(nil, "create", "user", 3, time.Time{}) // now

	list, total, err := s.ListActivity(ctx, store.Query{})
	noErr(t, err)
	if total != 4 {
		t.Fatalf("total = %d", total)
	}
	// AWX's ActivityStream orders by pk (Meta.ordering = ('pk',)).
	equal(t, "default order (id)", ids(list), []int64{e1.ID, e2.ID, e3.ID, e4.ID})
	equal(t, "entry round trip", list[0], e1)
	if e4.Timestamp.IsZero() || e4.ActorID != nil {
		t.Fatalf("entry without time or actor: %+v", e4)
	}

	check := func(f store.Filter, want ...int64) {
		t.Helper()
		list, total, err := s.ListActivity(ctx, store.Query{Filters: []store.Filter{f}, OrderBy: []store.Order{{Field: "id"}}})
		noErr(t, err)
		if total != len(want) {
			t.Fatalf("%+v: total %d, want %d", f, total, len(want))
		}
		equal(t, "filter "+f.Field, ids(list), sorted(want...))
	}
	check(store.Filter{Field: "object1", Value: "o_auth2_access_token"}, e1.ID, e2.ID)
	check(store.Filter{Field: "object_type", Value: "o_auth2_application"}, e3.ID)
	check(store.Filter{Field: "object_id", Value: "1"}, e1.ID, e2.ID)
	check(store.Filter{Field: "operation", Lookup: "in", Value: "create,delete"}, e1.ID, e3.ID, e4.ID)
	check(store.Filter{Field: "actor", Value: "null"}, e4.ID)
	check(store.Filter{Field: "actor__username", Value: "alice"}, e1.ID, e3.ID)
	check(store.Filter{Field: "timestamp", Lookup: "lt", Value: "2025-01-01T00:00:01Z"}, e1.ID)

	// Deleting the actor keeps the entry, without an actor.
	noErr(t, s.DeleteUser(ctx, bob.ID))
	list, _, err = s.ListActivity(ctx, store.Query{Filters: []store.Filter{{Field: "id", Value: itoa(e2.ID)}}})
	noErr(t, err)
	if len(list) != 1 || list[0].ActorID != nil {
		t.Fatalf("entry of a deleted actor: %+v", list)
	}
}

// testConcurrentWrites runs many writers at once; every acknowledged write
// must be there afterwards.
func testConcurrentWrites(t *testing.T, open Opener) {
	s := open(t)
	alice := mustUser(t, s, "alice")
	app := mustApp(t, s, mustOrg(t, s, "O").ID, "app")
	const workers, each = 8, 10
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	created := make(chan int64, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tok := &store.AccessToken{UserID: alice.ID, Digest: digest(), Expires: time.Now().Add(time.Hour), Scope: "write"}
				var r *store.RefreshToken
				if (w+i)%2 == 0 {
					tok.ApplicationID = &app.ID
					r = &store.RefreshToken{Digest: digest(), UserID: alice.ID, ApplicationID: app.ID}
				}
				if err := s.CreateAccessToken(ctx, tok, r); err != nil {
					errs <- err
					continue
				}
				created <- tok.ID
			}
			// A failing write in the middle of others must not take them down.
			errs <- s.CreateUser(ctx, &store.User{Username: "alice"})
		}()
	}
	wg.Wait()
	close(errs)
	close(created)
	conflicts := 0
	for err := range errs {
		if store.ErrorCode(err) == store.ECONFLICT {
			conflicts++
			continue
		}
		t.Fatalf("concurrent write: %v", err)
	}
	if conflicts != workers {
		t.Fatalf("%d conflicts, want %d", conflicts, workers)
	}
	seen := map[int64]bool{}
	for id := range created {
		if seen[id] {
			t.Fatalf("id %d given twice", id)
		}
		seen[id] = true
		if _, err := s.AccessTokenByID(ctx, id); err != nil {
			t.Fatalf("acknowledged token %d: %v", id, err)
		}
	}
	_, total, err := s.ListAccessTokens(ctx, store.Query{})
	noErr(t, err)
	if total != workers*each || len(seen) != total {
		t.Fatalf("%d tokens stored, %d acknowledged, want %d", total, len(seen), workers*each)
	}
}
