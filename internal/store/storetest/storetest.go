// Package storetest is the conformance suite every store.Store backend must
// pass: Run exercises each method against a fresh store, including the
// error codes and AWX messages, cascades, concurrency guarantees and the
// whole list filter language.
package storetest

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// Opener returns a new, empty store for one test; it registers its own
// cleanup (t.Cleanup) to close it.
type Opener func(t *testing.T) store.Store

// Run runs the whole suite.
func Run(t *testing.T, open Opener) {
	t.Run("Users", func(t *testing.T) { testUsers(t, open) })
	t.Run("EnsureUserRace", func(t *testing.T) { testEnsureUserRace(t, open) })
	t.Run("Organizations", func(t *testing.T) { testOrganizations(t, open) })
	t.Run("Roles", func(t *testing.T) { testRoles(t, open) })
	t.Run("Applications", func(t *testing.T) { testApplications(t, open) })
	t.Run("AccessTokens", func(t *testing.T) { testAccessTokens(t, open) })
	t.Run("RefreshTokens", func(t *testing.T) { testRefreshTokens(t, open) })
	t.Run("RotateRace", func(t *testing.T) { testRotateRace(t, open) })
	t.Run("Cascades", func(t *testing.T) { testCascades(t, open) })
	t.Run("Maintenance", func(t *testing.T) { testMaintenance(t, open) })
	t.Run("Activity", func(t *testing.T) { testActivity(t, open) })
	t.Run("ActivityInTransaction", func(t *testing.T) { testActivityInTransaction(t, open) })
	t.Run("TokenFilters", func(t *testing.T) { testTokenFilters(t, open) })
	t.Run("FilterErrors", func(t *testing.T) { testFilterErrors(t, open) })
	t.Run("OtherFilters", func(t *testing.T) { testOtherFilters(t, open) })
	t.Run("Search", func(t *testing.T) { testSearch(t, open) })
	t.Run("OrderingAndPaging", func(t *testing.T) { testOrderingAndPaging(t, open) })
	t.Run("Restrictions", func(t *testing.T) { testRestrictions(t, open) })
	t.Run("ConcurrentWrites", func(t *testing.T) { testConcurrentWrites(t, open) })
}

var ctx = context.Background()

var digestSeq atomic.Int64

// digest returns a fresh SHA-256 digest, as the server stores for a token.
func digest() []byte {
	s := sha256.Sum256([]byte(fmt.Sprintf("token-%d-%d", time.Now().UnixNano(), digestSeq.Add(1))))
	return s[:]
}

func mustUser(t *testing.T, s store.Store, username string) *store.User {
	t.Helper()
	u := &store.User{Username: username, IsActive: true, Email: username + "@example.com"}
	if err := s.CreateUser(ctx, u); err != nil {
		t.Fatalf("CreateUser(%s): %v", username, err)
	}
	return u
}

func mustOrg(t *testing.T, s store.Store, name string) *store.Organization {
	t.Helper()
	o := &store.Organization{Name: name}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatalf("CreateOrganization(%s): %v", name, err)
	}
	return o
}

var clientSeq atomic.Int64

func mustApp(t *testing.T, s store.Store, orgID int64, name string) *store.Application {
	t.Helper()
	a := &store.Application{
		Name: name, ClientID: fmt.Sprintf("client%036d", clientSeq.Add(1)), ClientSecretDigest: digest(),
		ClientType: "confidential", AuthorizationGrantType: "password", OrganizationID: orgID,
	}
	if err := s.CreateApplication(ctx, a); err != nil {
		t.Fatalf("CreateApplication(%s): %v", name, err)
	}
	return a
}

// mustToken creates a token of userID (a PAT when app is nil; with a refresh
// token otherwise).
func mustToken(t *testing.T, s store.Store, userID int64, app *store.Application, desc string) (*store.AccessToken, *store.RefreshToken) {
	t.Helper()
	tok := &store.AccessToken{UserID: userID, Digest: digest(), Expires: time.Now().Add(time.Hour), Scope: "write", Description: desc}
	var r *store.RefreshToken
	if app != nil {
		tok.ApplicationID = &app.ID
		r = &store.RefreshToken{Digest: digest(), UserID: userID, ApplicationID: app.ID}
	}
	if err := s.CreateAccessToken(ctx, tok, r); err != nil {
		t.Fatalf("CreateAccessToken: %v", err)
	}
	return tok, r
}

// wantErr checks err is a store error with code and, when msg is not "",
// that message.
func wantErr(t *testing.T, err error, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %s %q", code, msg)
	}
	var se *store.Error
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want a *store.Error %s", err, err, code)
	}
	if se.Code != code || (msg != "" && se.Message != msg) {
		t.Fatalf("err = %s %q, want %s %q", se.Code, se.Message, code, msg)
	}
}

func wantConflict(t *testing.T, err error, field, msg string) {
	t.Helper()
	wantErr(t, err, store.ECONFLICT, msg)
	var se *store.Error
	errors.As(err, &se)
	if se.Field != field {
		t.Fatalf("conflict field = %q, want %q", se.Field, field)
	}
}

func noErr(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// equal compares two values field by field (times with Equal, which is what
// round-tripping through a database can promise).
func equal(t *testing.T, what string, got, want any) {
	t.Helper()
	if !deepEqual(reflect.ValueOf(got), reflect.ValueOf(want)) {
		t.Fatalf("%s:\n got  %s\n want %s", what, show(got), show(want))
	}
}

var timeType = reflect.TypeOf(time.Time{})

func deepEqual(a, b reflect.Value) bool {
	if a.IsValid() != b.IsValid() {
		return false
	}
	if !a.IsValid() {
		return true
	}
	if a.Type() != b.Type() {
		return false
	}
	if a.Type() == timeType {
		return a.Interface().(time.Time).Equal(b.Interface().(time.Time))
	}
	switch a.Kind() {
	case reflect.Pointer:
		if a.IsNil() || b.IsNil() {
			return a.IsNil() == b.IsNil()
		}
		return deepEqual(a.Elem(), b.Elem())
	case reflect.Struct:
		for i := 0; i < a.NumField(); i++ {
			if !deepEqual(a.Field(i), b.Field(i)) {
				return false
			}
		}
		return true
	case reflect.Slice:
		if a.Len() != b.Len() {
			return false
		}
		for i := 0; i < a.Len(); i++ {
			if !deepEqual(a.Index(i), b.Index(i)) {
				return false
			}
		}
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

func show(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.Pointer && !rv.IsNil() {
		return fmt.Sprintf("%+v", rv.Elem().Interface())
	}
	return fmt.Sprintf("%+v", v)
}

// ids returns the IDs of a list, in order.
func ids[T any](list []T) []int64 {
	out := []int64{}
	for _, v := range list {
		out = append(out, reflect.ValueOf(v).Elem().FieldByName("ID").Int())
	}
	return out
}

func sorted(v ...int64) []int64 {
	out := append([]int64{}, v...)
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func fmtIDs(v []int64) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ",")
}
