package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestUserCreate(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "POST", "/api/v2/users/", s.Admin(), `{"username":"dave","password":"pw 1","first_name":"Dave","last_name":"Jones","email":"dave@example.com"}`)
	expectStatus(t, r, 201)
	var u map[string]any
	r.JSON(t, &u)
	id := int64(u["id"].(float64))
	if r.Header.Get("Location") != fmt.Sprintf("/api/v2/users/%d/", id) || u["url"] != r.Header.Get("Location") {
		t.Errorf("Location %q, url %v", r.Header.Get("Location"), u["url"])
	}
	if u["username"] != "dave" || u["first_name"] != "Dave" || u["email"] != "dave@example.com" || u["password"] != "$encrypted$" ||
		u["is_superuser"] != false || u["last_login"] != nil || u["ldap_dn"] != "" {
		t.Errorf("created user: %s", r.Body)
	}
	if strings.Contains(string(r.Body), "pw 1") {
		t.Fatal("response contains the password")
	}
	// The password is stored hashed and works for Basic.
	stored, err := s.Store.UserByID(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(stored.PasswordHash, "argon2id$") {
		t.Errorf("stored hash %q", stored.PasswordHash)
	}
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("dave", "pw 1"), nil), 200)

	for _, tc := range []struct{ body, want string }{
		{`{}`, `{"password":["Password required for new User."],"username":["This field is required."]}`},
		{`{"username":"","password":"x"}`, `{"username":["This field may not be blank."]}`},
		{`{"username":null,"password":"x"}`, `{"username":["This field may not be null."]}`},
		{`{"username":"bad name","password":"x"}`, `{"username":["Enter a valid username. This value may contain only letters, numbers, and @/./+/-/_ characters."]}`},
		{`{"username":"dave","password":"x"}`, `{"username":["A user with that username already exists."]}`},
		{`{"username":"e","password":"x","is_superuser":"maybe"}`, `{"is_superuser":["Must be a valid boolean."]}`},
		{`{"username":"e","password":"x","email":"not-an-email"}`, `{"email":["Enter a valid email address."]}`},
		{`{"username":"e","password":"x","first_name":["x"]}`, `{"first_name":["Not a valid string."]}`},
		{`{"username":"` + strings.Repeat("x", 151) + `","password":"x"}`, `{"username":["Ensure this field has no more than 150 characters."]}`},
		{`{"username":"e","password":""}`, `{"password":["Password required for new User."]}`},
	} {
		expect(t, s.Do(t, "POST", "/api/v2/users/", s.Admin(), tc.body), 400, tc.want)
	}
	// Only superusers create users.
	s.CreateUser(t, "plain", "pw", false)
	expect(t, s.Do(t, "POST", "/api/v2/users/", servertest.Basic("plain", "pw"), `{"username":"x","password":"y"}`), 403, bodyForbidden)
}

func TestUserDetailAndVisibility(t *testing.T) {
	s := servertest.Start(t)
	alice := s.CreateUser(t, "alice", "pw", false)
	bob := s.CreateUser(t, "bob", "pw", false)
	carol := s.CreateUser(t, "carol", "pw", false)
	org := s.CreateOrg(t, "Org")
	s.Grant(t, org.ID, store.RoleMember, alice.ID)
	s.Grant(t, org.ID, store.RoleMember, bob.ID)
	asAlice := servertest.Basic("alice", "pw")

	// Named URL by username equals the pk.
	byName := s.Do(t, "GET", "/api/v2/users/bob/", s.Admin(), nil)
	byID := s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/", bob.ID), s.Admin(), nil)
	expectStatus(t, byName, 200)
	if string(byName.Body) != string(byID.Body) {
		t.Errorf("named URL differs:\n%s\n%s", byName.Body, byID.Body)
	}
	// alice sees herself and bob (same organization), not carol.
	expectStatus(t, s.Do(t, "GET", "/api/v2/users/bob/", asAlice, nil), 200)
	expect(t, s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/", carol.ID), asAlice, nil), 403, bodyForbidden)
	r := s.Do(t, "GET", "/api/v2/users/", asAlice, nil)
	var p userPage
	r.JSON(t, &p)
	if fmt.Sprint(names(p)) != "[alice bob]" {
		t.Errorf("alice's user list: %v", names(p))
	}
	// carol, in no organization, sees only herself.
	r = s.Do(t, "GET", "/api/v2/users/", servertest.Basic("carol", "pw"), nil)
	r.JSON(t, &p)
	if fmt.Sprint(names(p)) != "[carol]" {
		t.Errorf("carol's user list: %v", names(p))
	}
	// An organization admin sees every user (ORG_ADMINS_CAN_SEE_ALL_USERS).
	s.Grant(t, org.ID, store.RoleAdmin, alice.ID)
	expectStatus(t, s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/", carol.ID), asAlice, nil), 200)
}

func TestUserUpdate(t *testing.T) {
	s := servertest.Start(t)
	alice := s.CreateUser(t, "alice", "pw", false)
	asAlice := servertest.Basic("alice", "pw")
	path := fmt.Sprintf("/api/v2/users/%d/", alice.ID)

	r := s.Do(t, "PATCH", path, asAlice, `{"first_name":"Alice","email":"a@example.org","password":"$encrypted$"}`)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.Body), `"first_name":"Alice","last_name":"","email":"a@example.org"`) {
		t.Errorf("patched: %s", r.Body)
	}
	// "$encrypted$" left the password alone.
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", asAlice, nil), 200)
	// Self may not promote themselves nor rename.
	expect(t, s.Do(t, "PATCH", path, asAlice, `{"is_superuser":true}`), 403, `{"detail":"Cannot change is_superuser."}`)
	expect(t, s.Do(t, "PATCH", path, asAlice, `{"is_superuser":true,"is_system_auditor":true,"username":"queen"}`), 403,
		`{"detail":"Cannot change is_superuser, is_system_auditor, username."}`)
	// Sending the current values is not a change.
	expectStatus(t, s.Do(t, "PATCH", path, asAlice, `{"is_superuser":false,"username":"alice"}`), 200)
	// Self changes the password.
	expectStatus(t, s.Do(t, "PATCH", path, asAlice, `{"password":"new pw"}`), 200)
	expect(t, s.Do(t, "GET", "/api/v2/me/", asAlice, nil), 401, bodyBadBasic)
	asAlice = servertest.Basic("alice", "new pw")
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", asAlice, nil), 200)
	// PUT needs the username.
	expect(t, s.Do(t, "PUT", path, asAlice, `{"first_name":"A"}`), 400, `{"username":["This field is required."]}`)
	expectStatus(t, s.Do(t, "PUT", path, asAlice, `{"username":"alice","first_name":"A"}`), 200)
	// The admin renames and promotes.
	r = s.Do(t, "PATCH", path, s.Admin(), `{"username":"alicia","is_system_auditor":true}`)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.Body), `"username":"alicia"`) || !strings.Contains(string(r.Body), `"is_system_auditor":true`) {
		t.Errorf("admin patch: %s", r.Body)
	}
	expect(t, s.Do(t, "PATCH", path, s.Admin(), `{"username":"admin"}`), 400, `{"username":["A user with that username already exists."]}`)
	// Others may not change alice.
	s.CreateUser(t, "bob", "pw", false)
	expect(t, s.Do(t, "PATCH", path, servertest.Basic("bob", "pw"), `{"first_name":"x"}`), 403, bodyForbidden)
}

func TestUserDelete(t *testing.T) {
	s := servertest.Start(t)
	bob := s.CreateUser(t, "bob", "pw", false)
	expect(t, s.Do(t, "DELETE", fmt.Sprintf("/api/v2/users/%d/", s.AdminID), s.Admin(), nil), 403, `{"detail":"Cannot delete user."}`)
	expect(t, s.Do(t, "DELETE", fmt.Sprintf("/api/v2/users/%d/", bob.ID), servertest.Basic("bob", "pw"), nil), 403, `{"detail":"Cannot delete user."}`)
	r := s.Do(t, "DELETE", fmt.Sprintf("/api/v2/users/%d/", bob.ID), s.Admin(), nil)
	if r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("delete: %d %q", r.Status, r.Body)
	}
	expect(t, s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/", bob.ID), s.Admin(), nil), 404, `{"detail":"No User matches the given query."}`)
}
