package storetest

import (
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// testActivityInTransaction checks store.WithActivity: the entry is written
// with the change it describes (a create's entry can name the new row),
// and a change that fails writes no entry.
func testActivityInTransaction(t *testing.T, open Opener) {
	s := open(t)
	alice := mustUser(t, s, "alice")
	count := func() int {
		t.Helper()
		_, n, err := s.ListActivity(ctx, store.Query{})
		noErr(t, err)
		return n
	}
	tok := &store.AccessToken{UserID: alice.ID, Digest: digest(), Expires: time.Now().Add(time.Hour), Scope: "write"}
	var built *store.Activity
	cctx := store.WithActivity(ctx, func() *store.Activity {
		built = &store.Activity{ActorID: &alice.ID, Operation: "create", ObjectType: "o_auth2_access_token", ObjectID: tok.ID, Changes: []byte(`{"token":"************"}`)}
		return built
	})
	noErr(t, s.CreateAccessToken(cctx, tok, nil))
	if built == nil || built.ID == 0 {
		t.Fatalf("the entry was not written with the token: %+v", built)
	}
	list, n, err := s.ListActivity(ctx, store.Query{})
	noErr(t, err)
	if n != 1 || list[0].ObjectID != tok.ID || tok.ID == 0 || list[0].Operation != "create" || *list[0].ActorID != alice.ID {
		t.Fatalf("entry = %+v (count %d), want the create of token %d", list, n, tok.ID)
	}

	// A failing change (no such token) must leave no entry behind.
	desc := "x"
	fail := store.WithActivity(ctx, func() *store.Activity {
		return &store.Activity{Operation: "update", ObjectType: "o_auth2_access_token", ObjectID: 999999}
	})
	if _, err := s.UpdateAccessToken(fail, 999999, store.TokenUpdate{Description: &desc}); store.ErrorCode(err) != store.ENOTFOUND {
		t.Fatalf("update of a missing token: %v", err)
	}
	if got := count(); got != 1 {
		t.Fatalf("entries after a failed change = %d, want 1", got)
	}

	// A builder returning nil writes nothing; the change still happens.
	org := &store.Organization{Name: "no entry"}
	noErr(t, s.CreateOrganization(store.WithActivity(ctx, func() *store.Activity { return nil }), org))
	if got := count(); got != 1 {
		t.Fatalf("entries after a nil builder = %d, want 1", got)
	}
	noErr(t, s.DeleteOrganization(store.WithActivity(ctx, func() *store.Activity {
		return &store.Activity{ActorID: &alice.ID, Operation: "delete", ObjectType: "organization", ObjectID: org.ID}
	}), org.ID))
	if got := count(); got != 2 {
		t.Fatalf("entries after a delete = %d, want 2", got)
	}
}
