package server_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestOrganizationCRUD(t *testing.T) {
	s := servertest.Start(t)
	r := s.Do(t, "POST", "/api/v2/organizations/", s.Admin(), `{"name":"Engineering","description":"builds things"}`)
	expectStatus(t, r, 201)
	var o struct {
		ID            int64  `json:"id"`
		URL           string `json:"url"`
		Name          string `json:"name"`
		SummaryFields struct {
			ObjectRoles map[string]struct {
				ID          int64  `json:"id"`
				Name        string `json:"name"`
				Description string `json:"description"`
			} `json:"object_roles"`
			UserCapabilities map[string]bool `json:"user_capabilities"`
		} `json:"summary_fields"`
	}
	r.JSON(t, &o)
	if r.Header.Get("Location") != o.URL || o.URL != fmt.Sprintf("/api/v2/organizations/%d/", o.ID) {
		t.Errorf("Location %q url %q", r.Header.Get("Location"), o.URL)
	}
	roles := o.SummaryFields.ObjectRoles
	if roles["admin_role"].Name != "Admin" || roles["member_role"].Name != "Member" || roles["auditor_role"].Name != "Auditor" ||
		roles["admin_role"].Description != "Can manage all aspects of the organization" || roles["member_role"].ID == 0 {
		t.Errorf("object_roles: %+v", roles)
	}
	if !o.SummaryFields.UserCapabilities["edit"] || !o.SummaryFields.UserCapabilities["delete"] {
		t.Errorf("admin capabilities: %v", o.SummaryFields.UserCapabilities)
	}
	if !strings.Contains(string(r.Body), `"type":"organization"`) || !strings.Contains(string(r.Body), `"named_url":"/api/v2/organizations/Engineering/"`) {
		t.Errorf("org body: %s", r.Body)
	}

	for _, tc := range []struct{ body, want string }{
		{`{}`, `{"name":["This field is required."]}`},
		{`{"name":""}`, `{"name":["This field may not be blank."]}`},
		{`{"name":"Engineering"}`, `{"name":["Organization with this Name already exists."]}`},
		{`{"name":"x","max_hosts":-1}`, `{"max_hosts":["Ensure this value is greater than or equal to 0."]}`},
		{`{"name":"x","max_hosts":"many"}`, `{"max_hosts":["A valid integer is required."]}`},
	} {
		expect(t, s.Do(t, "POST", "/api/v2/organizations/", s.Admin(), tc.body), 400, tc.want)
	}

	path := o.URL
	expectStatus(t, s.Do(t, "GET", "/api/v2/organizations/Engineering/", s.Admin(), nil), 200)
	r = s.Do(t, "PATCH", path, s.Admin(), `{"description":"new"}`)
	expectStatus(t, r, 200)
	if !strings.Contains(string(r.Body), `"name":"Engineering","description":"new"`) {
		t.Errorf("patched: %s", r.Body)
	}
	expect(t, s.Do(t, "PUT", path, s.Admin(), `{"description":"x"}`), 400, `{"name":["This field is required."]}`)

	// Members read, only admins change, only superusers create and delete.
	alice := s.CreateUser(t, "alice", "pw", false)
	bob := s.CreateUser(t, "bob", "pw", false)
	s.CreateUser(t, "carol", "pw", false)
	s.Grant(t, o.ID, store.RoleMember, alice.ID)
	s.Grant(t, o.ID, store.RoleAdmin, bob.ID)
	asAlice, asBob, asCarol := servertest.Basic("alice", "pw"), servertest.Basic("bob", "pw"), servertest.Basic("carol", "pw")
	expectStatus(t, s.Do(t, "GET", path, asAlice, nil), 200)
	expect(t, s.Do(t, "GET", path, asCarol, nil), 403, bodyForbidden)
	expect(t, s.Do(t, "PATCH", path, asAlice, `{"description":"x"}`), 403, bodyForbidden)
	expectStatus(t, s.Do(t, "PATCH", path, asBob, `{"description":"by bob"}`), 200)
	expect(t, s.Do(t, "DELETE", path, asBob, nil), 403, bodyForbidden)
	expect(t, s.Do(t, "POST", "/api/v2/organizations/", asBob, `{"name":"Mine"}`), 403, bodyForbidden)

	var list struct {
		Count   int `json:"count"`
		Results []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	s.Do(t, "GET", "/api/v2/organizations/", asCarol, nil).JSON(t, &list)
	if list.Count != 0 {
		t.Errorf("carol sees %d organizations", list.Count)
	}
	s.Do(t, "GET", "/api/v2/organizations/", asAlice, nil).JSON(t, &list)
	if list.Count != 1 || list.Results[0].Name != "Engineering" {
		t.Errorf("alice's organizations: %+v", list)
	}

	r = s.Do(t, "DELETE", path, s.Admin(), nil)
	if r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	expect(t, s.Do(t, "GET", path, s.Admin(), nil), 404, `{"detail":"No Organization matches the given query."}`)
}

func TestOrganizationMembership(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "Org")
	other := s.CreateOrg(t, "Other")
	alice := s.CreateUser(t, "alice", "pw", false)
	bob := s.CreateUser(t, "bob", "pw", false)
	asAlice, asBob := servertest.Basic("alice", "pw"), servertest.Basic("bob", "pw")
	users := fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID)
	admins := fmt.Sprintf("/api/v2/organizations/%d/admins/", org.ID)

	r := s.Do(t, "POST", admins, s.Admin(), fmt.Sprintf(`{"id":%d}`, alice.ID))
	if r.Status != 204 || len(r.Body) != 0 {
		t.Fatalf("associate admin: %d %s", r.Status, r.Body)
	}
	// alice, now admin, adds bob as a member; bob may not add anyone.
	expectStatus(t, s.Do(t, "POST", users, asAlice, fmt.Sprintf(`{"id":%d}`, bob.ID)), 204)
	expect(t, s.Do(t, "POST", users, asBob, fmt.Sprintf(`{"id":%d}`, s.AdminID)), 403, bodyForbidden)
	// Admin of one organization is nobody in another.
	expect(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", other.ID), asAlice, fmt.Sprintf(`{"id":%d}`, bob.ID)), 403, bodyForbidden)

	var p userPage
	s.Do(t, "GET", users, asBob, nil).JSON(t, &p)
	if fmt.Sprint(names(p)) != "[bob]" {
		t.Errorf("members: %v", names(p))
	}
	s.Do(t, "GET", admins, asBob, nil).JSON(t, &p)
	if fmt.Sprint(names(p)) != "[alice]" {
		t.Errorf("admins: %v", names(p))
	}
	// Admins count as members for what they see: alice's organizations.
	var orgs struct {
		Count   int `json:"count"`
		Results []struct {
			Name string `json:"name"`
		} `json:"results"`
	}
	s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/organizations/", alice.ID), s.Admin(), nil).JSON(t, &orgs)
	if orgs.Count != 1 || orgs.Results[0].Name != "Org" {
		t.Errorf("alice's organizations: %+v", orgs)
	}
	s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/admin_of_organizations/", bob.ID), s.Admin(), nil).JSON(t, &orgs)
	if orgs.Count != 0 {
		t.Errorf("bob admin of %+v", orgs)
	}
	r = s.Do(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/", org.ID), s.Admin(), nil)
	if !strings.Contains(string(r.Body), `"related_field_counts":{"admins":1,"users":1}`) {
		t.Errorf("counts: %s", r.Body)
	}

	// Bad association bodies.
	for _, tc := range []struct{ body, want string }{
		// No id asks to create a user (AWX's sub-list create): its validation.
		{`{}`, `{"password":["Password required for new User."],"username":["This field is required."]}`},
		{`{"id":"x"}`, `{"msg":"\"id\" field must be an integer."}`},
		{`{"disassociate":true}`, `{"msg":"\"id\" is required to disassociate"}`},
	} {
		expect(t, s.Do(t, "POST", users, s.Admin(), tc.body), 400, tc.want)
	}
	expect(t, s.Do(t, "POST", users, s.Admin(), `{"id":999999}`), 400, `{"detail":"User matching query does not exist."}`)

	// Disassociate.
	expectStatus(t, s.Do(t, "POST", users, asAlice, fmt.Sprintf(`{"id":%d,"disassociate":true}`, bob.ID)), 204)
	s.Do(t, "GET", users, s.Admin(), nil).JSON(t, &p)
	if p.Count != 0 {
		t.Errorf("members after disassociate: %v", names(p))
	}
	expect(t, s.Do(t, "GET", users, asBob, nil), 403, bodyForbidden)
}

func TestRoles(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "Org")
	s.CreateOrg(t, "Hidden")
	alice := s.CreateUser(t, "alice", "pw", false)
	bob := s.CreateUser(t, "bob", "pw", false)
	asAlice, asBob := servertest.Basic("alice", "pw"), servertest.Basic("bob", "pw")
	memberRole := s.Role(t, org.ID, store.RoleMember)
	adminRole := s.Role(t, org.ID, store.RoleAdmin)

	r := s.Do(t, "GET", fmt.Sprintf("/api/v2/roles/%d/", adminRole), s.Admin(), nil)
	expect(t, r, 200, fmt.Sprintf(`{"id":%d,"type":"role","url":"/api/v2/roles/%d/","related":{"users":"/api/v2/roles/%d/users/","teams":"/api/v2/roles/%d/teams/","organization":"/api/v2/organizations/%d/"},"summary_fields":{"resource_name":"Org","resource_type":"organization","resource_type_display_name":"Organization","resource_id":%d},"name":"Admin","description":"Can manage all aspects of the organization"}`,
		adminRole, adminRole, adminRole, adminRole, org.ID, org.ID))

	var roles struct {
		Count   int `json:"count"`
		Results []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"results"`
	}
	s.Do(t, "GET", "/api/v2/roles/", s.Admin(), nil).JSON(t, &roles)
	if roles.Count != 6 {
		t.Errorf("admin sees %d roles", roles.Count)
	}
	s.Do(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/object_roles/", org.ID), s.Admin(), nil).JSON(t, &roles)
	if roles.Count != 3 {
		t.Errorf("object_roles: %+v", roles)
	}

	// Grant through /users/{id}/roles/ and /roles/{id}/users/.
	expectStatus(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/users/%d/roles/", alice.ID), s.Admin(), fmt.Sprintf(`{"id":%d}`, adminRole)), 204)
	expectStatus(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/roles/%d/users/", memberRole), asAlice, fmt.Sprintf(`{"id":%d}`, bob.ID)), 204)
	expect(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/roles/%d/users/", adminRole), asBob, fmt.Sprintf(`{"id":%d}`, bob.ID)), 403, bodyForbidden)
	expect(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/users/%d/roles/", bob.ID), s.Admin(), `{"id":999999}`), 400, `{"detail":"Role matching query does not exist."}`)

	s.Do(t, "GET", "/api/v2/roles/", asBob, nil).JSON(t, &roles)
	if roles.Count != 3 {
		t.Errorf("bob sees %d roles", roles.Count)
	}
	s.Do(t, "GET", fmt.Sprintf("/api/v2/users/%d/roles/", bob.ID), asBob, nil).JSON(t, &roles)
	if roles.Count != 1 || roles.Results[0].ID != memberRole || roles.Results[0].Name != "Member" {
		t.Errorf("bob's roles: %+v", roles)
	}
	var p userPage
	s.Do(t, "GET", fmt.Sprintf("/api/v2/roles/%d/users/", memberRole), asBob, nil).JSON(t, &p)
	if fmt.Sprint(names(p)) != "[bob]" {
		t.Errorf("member role users: %v", names(p))
	}
	// Revoke.
	expectStatus(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/users/%d/roles/", bob.ID), asAlice, fmt.Sprintf(`{"id":%d,"disassociate":true}`, memberRole)), 204)
	expect(t, s.Do(t, "GET", fmt.Sprintf("/api/v2/roles/%d/", memberRole), asBob, nil), 403, bodyForbidden)
}

// The awx.awx user module with organization: creates the user through the
// organization's sub-list, with no "id" in the body (AWX's
// SubListCreateAttachDetachAPIView): 201, the user, and the role granted.
func TestOrganizationSubListCreatesUser(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "Ops")
	r := s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), s.Admin(),
		`{"username":"ansible-bob","first_name":"Bob","password":"s3cret-pass"}`)
	expectStatus(t, r, 201)
	var u struct {
		ID        int64  `json:"id"`
		URL       string `json:"url"`
		Username  string `json:"username"`
		FirstName string `json:"first_name"`
		Password  string `json:"password"`
	}
	r.JSON(t, &u)
	if u.Username != "ansible-bob" || u.FirstName != "Bob" || u.Password != "$encrypted$" || r.Header.Get("Location") != u.URL {
		t.Fatalf("created %+v, Location %q", u, r.Header.Get("Location"))
	}
	if strings.Contains(string(r.Body), "s3cret-pass") {
		t.Fatal("the password came back")
	}
	// Member now, and the password works.
	r = s.Do(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/users/?username=ansible-bob", org.ID), s.Admin(), nil)
	expectContains(t, r, 200, `"count":1,`)
	expectStatus(t, s.Do(t, "GET", "/api/v2/me/", servertest.Basic("ansible-bob", "s3cret-pass"), nil), 200)

	// The admins sub-list creates an admin the same way.
	r = s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/admins/", org.ID), s.Admin(), `{"id":null,"username":"carol","password":"pw-carol-1"}`)
	expectStatus(t, r, 201)
	r = s.Do(t, "GET", fmt.Sprintf("/api/v2/organizations/%d/admins/?username=carol", org.ID), s.Admin(), nil)
	expectContains(t, r, 200, `"count":1,`)

	// Validation is the user create's; a duplicate is a field error.
	expectContains(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), s.Admin(), `{"first_name":"x"}`), 400, `"username":["This field is required."]`)
	expectContains(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), s.Admin(), `{"username":"carol","password":"x"}`), 400, `"username":[`)
	// Disassociate without an id, and a non-integer id, keep AWX's messages.
	expect(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), s.Admin(), `{"disassociate":true}`), 400, `{"msg":"\"id\" is required to disassociate"}`)
	expect(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), s.Admin(), `{"id":"bob"}`), 400, `{"msg":"\"id\" field must be an integer."}`)

	// A plain member may not create users through the sub-list.
	member := s.CreateUser(t, "plain", "plain-pw-1", false)
	s.Grant(t, org.ID, store.RoleMember, member.ID)
	expectStatus(t, s.Do(t, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", org.ID), servertest.Basic("plain", "plain-pw-1"), `{"username":"eve","password":"pw"}`), 403)
}

// expectContains checks status and that the body holds want.
func expectContains(t *testing.T, r *servertest.Response, status int, want string) {
	t.Helper()
	if r.Status != status || !strings.Contains(string(r.Body), want) {
		t.Fatalf("got %d %s\nwant %d with %s", r.Status, r.Body, status, want)
	}
}
