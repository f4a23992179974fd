package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

func ptr[T any](v T) *T { return &v }

func testUsers(t *testing.T, open Opener) {
	s := open(t)
	login := time.Date(2024, 10, 9, 2, 23, 8, 123456789, time.UTC)
	u := &store.User{Username: "alice", PasswordHash: "argon2id$x", FirstName: "Alice", LastName: "Liddell",
		Email: "alice@example.com", IsSuperuser: true, IsActive: true, LastLogin: &login}
	before := time.Now().Add(-time.Second)
	noErr(t, s.CreateUser(ctx, u))
	if u.ID == 0 || u.Created.Before(before) || !u.Created.Equal(u.Modified) {
		t.Fatalf("CreateUser did not set ID, Created, Modified: %+v", u)
	}
	if u.Created.Nanosecond()%1000 != 0 || u.LastLogin.Nanosecond()%1000 != 0 {
		t.Fatalf("times are not kept to the microsecond: %v %v", u.Created, *u.LastLogin)
	}
	got, err := s.UserByID(ctx, u.ID)
	noErr(t, err)
	equal(t, "UserByID", got, u)
	got, err = s.UserByUsername(ctx, "alice")
	noErr(t, err)
	equal(t, "UserByUsername", got, u)

	_, err = s.UserByID(ctx, u.ID+100)
	wantErr(t, err, store.ENOTFOUND, "No User matches the given query.")
	_, err = s.UserByUsername(ctx, "nobody")
	wantErr(t, err, store.ENOTFOUND, "No User matches the given query.")

	wantConflict(t, s.CreateUser(ctx, &store.User{Username: "alice"}), "username", "A user with that username already exists.")

	bob := mustUser(t, s, "bob")
	upd, err := s.UpdateUser(ctx, bob.ID, store.UserUpdate{FirstName: ptr("Bob"), IsSystemAuditor: ptr(true), IsActive: ptr(false)})
	noErr(t, err)
	if upd.FirstName != "Bob" || !upd.IsSystemAuditor || upd.IsActive || upd.Username != "bob" || upd.Email != "bob@example.com" {
		t.Fatalf("UpdateUser = %+v", upd)
	}
	got, err = s.UserByID(ctx, bob.ID)
	noErr(t, err)
	equal(t, "updated user", got, upd)
	_, err = s.UpdateUser(ctx, bob.ID, store.UserUpdate{Username: ptr("alice")})
	wantConflict(t, err, "username", "A user with that username already exists.")
	_, err = s.UpdateUser(ctx, 9999, store.UserUpdate{FirstName: ptr("x")})
	wantErr(t, err, store.ENOTFOUND, "No User matches the given query.")

	at := time.Date(2025, 1, 2, 3, 4, 5, 678901000, time.UTC)
	noErr(t, s.SetLastLogin(ctx, bob.ID, at))
	got, err = s.UserByID(ctx, bob.ID)
	noErr(t, err)
	if got.LastLogin == nil || !got.LastLogin.Equal(at) {
		t.Fatalf("LastLogin = %v, want %v", got.LastLogin, at)
	}
	wantErr(t, s.SetLastLogin(ctx, 9999, at), store.ENOTFOUND, "No User matches the given query.")

	// EnsureUser never changes an existing user.
	created, err := s.EnsureUser(ctx, &store.User{Username: "alice", FirstName: "Other"})
	noErr(t, err)
	if created {
		t.Fatal("EnsureUser created an existing user")
	}
	got, _ = s.UserByUsername(ctx, "alice")
	if got.FirstName != "Alice" {
		t.Fatalf("EnsureUser changed the existing user: %+v", got)
	}
	carol := &store.User{Username: "carol", IsActive: true}
	created, err = s.EnsureUser(ctx, carol)
	noErr(t, err)
	if !created || carol.ID == 0 {
		t.Fatalf("EnsureUser(carol) = %v, %+v", created, carol)
	}

	noErr(t, s.DeleteUser(ctx, bob.ID))
	_, err = s.UserByID(ctx, bob.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	wantErr(t, s.DeleteUser(ctx, bob.ID), store.ENOTFOUND, "No User matches the given query.")
}

func testEnsureUserRace(t *testing.T, open Opener) {
	s := open(t)
	const n = 8
	var wg sync.WaitGroup
	results := make([]bool, n)
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = s.EnsureUser(ctx, &store.User{Username: "admin", IsSuperuser: true, IsActive: true})
		}()
	}
	wg.Wait()
	createdCount := 0
	for i := range n {
		noErr(t, errs[i])
		if results[i] {
			createdCount++
		}
	}
	if createdCount != 1 {
		t.Fatalf("%d goroutines created the user, want exactly 1", createdCount)
	}
	_, total, err := s.ListUsers(ctx, store.Query{})
	noErr(t, err)
	if total != 1 {
		t.Fatalf("%d users, want 1", total)
	}
}

func testOrganizations(t *testing.T, open Opener) {
	s := open(t)
	o := &store.Organization{Name: "Default", Description: "the default", MaxHosts: 5}
	noErr(t, s.CreateOrganization(ctx, o))
	if o.ID == 0 || o.Created.IsZero() || !o.Created.Equal(o.Modified) {
		t.Fatalf("CreateOrganization = %+v", o)
	}
	got, err := s.OrganizationByID(ctx, o.ID)
	noErr(t, err)
	equal(t, "OrganizationByID", got, o)
	got, err = s.OrganizationByName(ctx, "Default")
	noErr(t, err)
	equal(t, "OrganizationByName", got, o)
	_, err = s.OrganizationByName(ctx, "default")
	wantErr(t, err, store.ENOTFOUND, "No Organization matches the given query.")
	_, err = s.OrganizationByID(ctx, 999)
	wantErr(t, err, store.ENOTFOUND, "No Organization matches the given query.")

	wantConflict(t, s.CreateOrganization(ctx, &store.Organization{Name: "Default"}), "name", "Organization with this Name already exists.")

	other := mustOrg(t, s, "Other")
	upd, err := s.UpdateOrganization(ctx, other.ID, store.OrganizationUpdate{Description: ptr("d"), MaxHosts: ptr(int64(7))})
	noErr(t, err)
	if upd.Name != "Other" || upd.Description != "d" || upd.MaxHosts != 7 {
		t.Fatalf("UpdateOrganization = %+v", upd)
	}
	got, _ = s.OrganizationByID(ctx, other.ID)
	equal(t, "updated organization", got, upd)
	_, err = s.UpdateOrganization(ctx, other.ID, store.OrganizationUpdate{Name: ptr("Default")})
	wantConflict(t, err, "name", "Organization with this Name already exists.")
	_, err = s.UpdateOrganization(ctx, 999, store.OrganizationUpdate{Name: ptr("x")})
	wantErr(t, err, store.ENOTFOUND, "No Organization matches the given query.")

	roles, err := s.OrganizationRoles(ctx, o.ID)
	noErr(t, err)
	if len(roles) != 3 || roles[0].Name != store.RoleAdmin || roles[1].Name != store.RoleMember || roles[2].Name != store.RoleAuditor {
		t.Fatalf("OrganizationRoles = %+v, want admin, member, auditor", roles)
	}
	for _, r := range roles {
		if r.OrganizationID != o.ID || r.ID == 0 {
			t.Fatalf("role %+v", r)
		}
		got, err := s.RoleByID(ctx, r.ID)
		noErr(t, err)
		equal(t, "RoleByID", got, &r)
	}
	_, err = s.OrganizationRoles(ctx, 999)
	wantErr(t, err, store.ENOTFOUND, "No Organization matches the given query.")

	noErr(t, s.DeleteOrganization(ctx, o.ID))
	_, err = s.OrganizationByID(ctx, o.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	_, err = s.RoleByID(ctx, roles[0].ID)
	wantErr(t, err, store.ENOTFOUND, "No Role matches the given query.")
	wantErr(t, s.DeleteOrganization(ctx, o.ID), store.ENOTFOUND, "No Organization matches the given query.")
}

func testRoles(t *testing.T, open Opener) {
	s := open(t)
	o1, o2 := mustOrg(t, s, "O1"), mustOrg(t, s, "O2")
	alice, bob := mustUser(t, s, "alice"), mustUser(t, s, "bob")
	r1, err := s.OrganizationRoles(ctx, o1.ID)
	noErr(t, err)
	r2, err := s.OrganizationRoles(ctx, o2.ID)
	noErr(t, err)
	admin1, member1, auditor2 := r1[0], r1[1], r2[2]

	noErr(t, s.GrantRole(ctx, admin1.ID, alice.ID))
	noErr(t, s.GrantRole(ctx, admin1.ID, alice.ID)) // idempotent
	noErr(t, s.GrantRole(ctx, member1.ID, alice.ID))
	noErr(t, s.GrantRole(ctx, auditor2.ID, alice.ID))
	noErr(t, s.GrantRole(ctx, member1.ID, bob.ID))

	ms, err := s.UserMemberships(ctx, alice.ID)
	noErr(t, err)
	want := []store.Membership{
		{OrganizationID: o1.ID, Role: store.RoleAdmin, RoleID: admin1.ID},
		{OrganizationID: o1.ID, Role: store.RoleMember, RoleID: member1.ID},
		{OrganizationID: o2.ID, Role: store.RoleAuditor, RoleID: auditor2.ID},
	}
	equal(t, "UserMemberships", ms, want)

	users, total, err := s.ListRoleUsers(ctx, member1.ID, store.Query{})
	noErr(t, err)
	if total != 2 || len(users) != 2 || users[0].Username != "alice" || users[1].Username != "bob" {
		t.Fatalf("ListRoleUsers = %d %v", total, ids(users))
	}
	users, total, err = s.ListRoleUsers(ctx, member1.ID, store.Query{Filters: []store.Filter{{Field: "username", Lookup: "exact", Value: "bob"}}})
	noErr(t, err)
	if total != 1 || users[0].ID != bob.ID {
		t.Fatalf("filtered ListRoleUsers = %d %v", total, ids(users))
	}
	_, _, err = s.ListRoleUsers(ctx, 9999, store.Query{})
	wantErr(t, err, store.ENOTFOUND, "No Role matches the given query.")

	noErr(t, s.RevokeRole(ctx, admin1.ID, alice.ID))
	noErr(t, s.RevokeRole(ctx, admin1.ID, alice.ID)) // idempotent
	ms, err = s.UserMemberships(ctx, alice.ID)
	noErr(t, err)
	if len(ms) != 2 {
		t.Fatalf("after revoke: %+v", ms)
	}
	wantErr(t, s.GrantRole(ctx, 9999, alice.ID), store.ENOTFOUND, "No Role matches the given query.")
	wantErr(t, s.GrantRole(ctx, admin1.ID, 9999), store.ENOTFOUND, "No User matches the given query.")
	wantErr(t, s.RevokeRole(ctx, 9999, alice.ID), store.ENOTFOUND, "No Role matches the given query.")

	// Memberships go with the user and with the organization.
	noErr(t, s.DeleteUser(ctx, bob.ID))
	users, total, err = s.ListRoleUsers(ctx, member1.ID, store.Query{})
	noErr(t, err)
	if total != 1 || users[0].ID != alice.ID {
		t.Fatalf("after DeleteUser: %v", ids(users))
	}
	noErr(t, s.DeleteOrganization(ctx, o1.ID))
	ms, err = s.UserMemberships(ctx, alice.ID)
	noErr(t, err)
	equal(t, "memberships after DeleteOrganization", ms, []store.Membership{{OrganizationID: o2.ID, Role: store.RoleAuditor, RoleID: auditor2.ID}})
	ms, err = s.UserMemberships(ctx, 9999)
	noErr(t, err)
	if len(ms) != 0 {
		t.Fatalf("memberships of a missing user: %+v", ms)
	}
}

func testApplications(t *testing.T, open Opener) {
	s := open(t)
	o1, o2 := mustOrg(t, s, "O1"), mustOrg(t, s, "O2")
	a := &store.Application{Name: "app", Description: "desc", ClientID: "abcdefghijabcdefghijabcdefghijabcdefghij",
		ClientSecretDigest: digest(), ClientType: "confidential", AuthorizationGrantType: "authorization-code",
		RedirectURIs: "https://example.com/cb", SkipAuthorization: true, OrganizationID: o1.ID}
	noErr(t, s.CreateApplication(ctx, a))
	if a.ID == 0 || a.Created.IsZero() {
		t.Fatalf("CreateApplication = %+v", a)
	}
	got, err := s.ApplicationByID(ctx, a.ID)
	noErr(t, err)
	equal(t, "ApplicationByID", got, a)
	got, err = s.ApplicationByClientID(ctx, a.ClientID)
	noErr(t, err)
	equal(t, "ApplicationByClientID", got, a)
	got, err = s.ApplicationByName(ctx, o1.ID, "app")
	noErr(t, err)
	equal(t, "ApplicationByName", got, a)
	_, err = s.ApplicationByName(ctx, o2.ID, "app")
	wantErr(t, err, store.ENOTFOUND, "No OAuth2Application matches the given query.")
	_, err = s.ApplicationByID(ctx, 999)
	wantErr(t, err, store.ENOTFOUND, "No OAuth2Application matches the given query.")
	_, err = s.ApplicationByClientID(ctx, "nope")
	wantErr(t, err, store.ENOTFOUND, "No OAuth2Application matches the given query.")

	// Public clients have no secret.
	pub := &store.Application{Name: "pub", ClientID: "pubclient", ClientType: "public", AuthorizationGrantType: "password", OrganizationID: o1.ID}
	noErr(t, s.CreateApplication(ctx, pub))
	got, _ = s.ApplicationByID(ctx, pub.ID)
	if got.ClientSecretDigest != nil {
		t.Fatalf("public client digest = %x", got.ClientSecretDigest)
	}

	dup := &store.Application{Name: "app", ClientID: "other", ClientType: "public", AuthorizationGrantType: "password", OrganizationID: o1.ID}
	wantConflict(t, s.CreateApplication(ctx, dup), "__all__", "Application with this Name and Organization already exists.")
	dup.OrganizationID = o2.ID
	noErr(t, s.CreateApplication(ctx, dup)) // same name, other organization
	sameClient := &store.Application{Name: "x", ClientID: "other", ClientType: "public", AuthorizationGrantType: "password", OrganizationID: o1.ID}
	wantErr(t, s.CreateApplication(ctx, sameClient), store.ECONFLICT, "")
	noOrg := &store.Application{Name: "y", ClientID: "y", ClientType: "public", AuthorizationGrantType: "password", OrganizationID: 999}
	wantErr(t, s.CreateApplication(ctx, noOrg), store.ENOTFOUND, "No Organization matches the given query.")

	upd, err := s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{Description: ptr("new"), ClientType: ptr("public"), ClientSecretDigest: []byte{}})
	noErr(t, err)
	if upd.Description != "new" || upd.ClientType != "public" || upd.ClientSecretDigest != nil || upd.Name != "app" {
		t.Fatalf("UpdateApplication = %+v", upd)
	}
	got, _ = s.ApplicationByID(ctx, a.ID)
	equal(t, "updated application", got, upd)
	newSecret := digest()
	_, err = s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{ClientType: ptr("confidential"), ClientSecretDigest: newSecret})
	noErr(t, err)
	got, _ = s.ApplicationByID(ctx, a.ID)
	equal(t, "new secret", got.ClientSecretDigest, newSecret)
	// Moving into an organization that has the name already conflicts.
	_, err = s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{OrganizationID: &o2.ID})
	wantConflict(t, err, "__all__", "Application with this Name and Organization already exists.")
	_, err = s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{OrganizationID: ptr(int64(999))})
	wantErr(t, err, store.ENOTFOUND, "No Organization matches the given query.")
	_, err = s.UpdateApplication(ctx, 999, store.ApplicationUpdate{Name: ptr("z")})
	wantErr(t, err, store.ENOTFOUND, "No OAuth2Application matches the given query.")
	upd, err = s.UpdateApplication(ctx, a.ID, store.ApplicationUpdate{Name: ptr("renamed"), OrganizationID: &o2.ID})
	noErr(t, err)
	if upd.OrganizationID != o2.ID || upd.Name != "renamed" {
		t.Fatalf("move = %+v", upd)
	}

	noErr(t, s.DeleteApplication(ctx, a.ID))
	_, err = s.ApplicationByID(ctx, a.ID)
	wantErr(t, err, store.ENOTFOUND, "")
	wantErr(t, s.DeleteApplication(ctx, a.ID), store.ENOTFOUND, "No OAuth2Application matches the given query.")
}
