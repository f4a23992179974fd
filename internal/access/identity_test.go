package access

import (
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
)

// The cast for the user and organization rules: organization 1 has an
// admin, a member and an auditor; organization 2 has only idOther as a
// member. idLoner belongs nowhere.
var (
	idSuper      = &store.User{ID: 1, Username: "super", IsSuperuser: true}
	idSysAuditor = &store.User{ID: 2, Username: "sysaudit", IsSystemAuditor: true}
	idOrgAdmin   = &store.User{ID: 3, Username: "orgadmin"}
	idMember     = &store.User{ID: 4, Username: "member"}
	idAuditor    = &store.User{ID: 5, Username: "orgaudit"}
	idOther      = &store.User{ID: 6, Username: "other"}
	idLoner      = &store.User{ID: 7, Username: "loner"}
	idSuper2     = &store.User{ID: 8, Username: "super2", IsSuperuser: true}

	idMs = map[int64][]store.Membership{
		3: {{OrganizationID: 1, Role: store.RoleAdmin, RoleID: 11}},
		4: {{OrganizationID: 1, Role: store.RoleMember, RoleID: 12}},
		5: {{OrganizationID: 1, Role: store.RoleAuditor, RoleID: 13}},
		6: {{OrganizationID: 2, Role: store.RoleMember, RoleID: 22}},
		8: {{OrganizationID: 1, Role: store.RoleMember, RoleID: 12}},
	}
)

func idActor(u *store.User) Actor { return NewActor(u, idMs[u.ID]) }

func TestUserVisibility(t *testing.T) {
	all := []*store.User{idSuper, idSysAuditor, idOrgAdmin, idMember, idAuditor, idOther, idLoner}
	cases := []struct {
		actor *store.User
		sees  []int64
	}{
		{idSuper, []int64{1, 2, 3, 4, 5, 6, 7}},
		{idSysAuditor, []int64{1, 2, 3, 4, 5, 6, 7}},
		// ORG_ADMINS_CAN_SEE_ALL_USERS.
		{idOrgAdmin, []int64{1, 2, 3, 4, 5, 6, 7}},
		{idMember, []int64{3, 4, 5}},
		{idAuditor, []int64{3, 4, 5}},
		{idOther, []int64{6}},
		{idLoner, []int64{7}},
	}
	for _, c := range cases {
		a := idActor(c.actor)
		want := map[int64]bool{}
		for _, id := range c.sees {
			want[id] = true
		}
		for _, target := range all {
			if got := CanReadUser(a, target, idMs[target.ID]); got != want[target.ID] {
				t.Errorf("%s reads %s: %v, want %v", c.actor.Username, target.Username, got, want[target.ID])
			}
		}
		// The restriction the store applies agrees with the rule.
		r := UserRestriction(a)
		for _, target := range all {
			got := r == nil || r.UserID == target.ID
			if r != nil {
				for _, m := range idMs[target.ID] {
					for _, o := range r.OrgIDs {
						if m.OrganizationID == o {
							got = true
						}
					}
				}
			}
			if got != want[target.ID] {
				t.Errorf("%s: restriction %+v on %s gives %v", c.actor.Username, r, target.Username, got)
			}
		}
	}
	if CanReadUser(Actor{}, idLoner, nil) || CanReadUser(idActor(idSuper), nil, nil) {
		t.Error("no actor or no target must read nothing")
	}
}

func TestUserChangeRules(t *testing.T) {
	cases := []struct {
		actor, target          *store.User
		change, admin, delete_ bool
	}{
		{idSuper, idMember, true, true, true},
		{idSuper, idSuper, true, true, false}, // nobody deletes themselves
		{idSuper, idSuper2, true, true, true},
		{idMember, idMember, true, false, false}, // self: names, email, password only
		{idOrgAdmin, idMember, true, true, false},
		{idOrgAdmin, idOrgAdmin, true, false, false},
		{idOrgAdmin, idOther, false, false, false},    // other's organization
		{idOrgAdmin, idLoner, false, false, false},    // in no organization
		{idOrgAdmin, idAuditor, false, false, false},  // auditors are not members
		{idOrgAdmin, idSuper2, false, false, false},   // a superuser is never administered by an org admin
		{idSysAuditor, idMember, false, false, false}, // auditors read only
		{idMember, idAuditor, false, false, false},
	}
	for _, c := range cases {
		a, ms := idActor(c.actor), idMs[c.target.ID]
		if got := CanChangeUser(a, c.target, ms); got != c.change {
			t.Errorf("%s changes %s: %v", c.actor.Username, c.target.Username, got)
		}
		if got := CanAdminUser(a, c.target, ms); got != c.admin {
			t.Errorf("%s administers %s: %v", c.actor.Username, c.target.Username, got)
		}
		if got := CanDeleteUser(a, c.target); got != c.delete_ {
			t.Errorf("%s deletes %s: %v", c.actor.Username, c.target.Username, got)
		}
	}
	if !CanCreateUser(idActor(idSuper)) || CanCreateUser(idActor(idOrgAdmin)) || CanCreateUser(Actor{}) {
		t.Error("only superusers create users")
	}
}

func TestOrganizationRules(t *testing.T) {
	cases := []struct {
		actor               *store.User
		read1, change1, del bool
		read2               bool
		restriction         []int64 // nil: unrestricted
	}{
		{idSuper, true, true, true, true, nil},
		{idSysAuditor, true, false, false, true, nil},
		{idOrgAdmin, true, true, false, false, []int64{1}},
		{idMember, true, false, false, false, []int64{1}},
		{idAuditor, true, false, false, false, []int64{1}},
		{idOther, false, false, false, true, []int64{2}},
		{idLoner, false, false, false, false, []int64{}},
	}
	for _, c := range cases {
		a := idActor(c.actor)
		if CanReadOrganization(a, 1) != c.read1 || CanReadOrganization(a, 2) != c.read2 ||
			CanChangeOrganization(a, 1) != c.change1 || CanDeleteOrganization(a) != c.del {
			t.Errorf("%s: read1 %v read2 %v change1 %v delete %v", c.actor.Username,
				CanReadOrganization(a, 1), CanReadOrganization(a, 2), CanChangeOrganization(a, 1), CanDeleteOrganization(a))
		}
		r := OrganizationRestriction(a)
		switch {
		case c.restriction == nil && r != nil:
			t.Errorf("%s: restriction %+v, want none", c.actor.Username, r)
		case c.restriction != nil && (r == nil || len(r.OrgIDs) != len(c.restriction) || r.OrgIDs == nil):
			t.Errorf("%s: restriction %+v, want orgs %v", c.actor.Username, r, c.restriction)
		case c.restriction != nil:
			for i := range c.restriction {
				if r.OrgIDs[i] != c.restriction[i] {
					t.Errorf("%s: restriction %+v, want orgs %v", c.actor.Username, r, c.restriction)
				}
			}
		}
		role := &store.Role{ID: 11, OrganizationID: 1, Name: store.RoleAdmin}
		if CanReadRole(a, role) != c.read1 || CanGrantRole(a, role) != c.change1 {
			t.Errorf("%s: role read %v grant %v", c.actor.Username, CanReadRole(a, role), CanGrantRole(a, role))
		}
	}
	if !CanCreateOrganization(idActor(idSuper)) || CanCreateOrganization(idActor(idOrgAdmin)) {
		t.Error("only superusers create organizations")
	}
	if CanReadRole(idActor(idSuper), nil) || CanGrantRole(idActor(idSuper), nil) {
		t.Error("a missing role is never allowed")
	}
}
