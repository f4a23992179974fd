package access

import (
	"slices"
	"testing"

	"github.com/awxtoken/awxtoken/internal/store"
)

// The cast of AWX's tests (spec section 6): an application in organization
// O (id 1); org_admin is admin and member of O; org_member a member of O;
// alice has no organization. Two actors the table implies are added: a
// system auditor, and org_auditor who holds O's auditor role. Organization
// P (id 2) is where org_admin is merely a member, for moves between
// organizations.
const orgO, orgP int64 = 1, 2

var (
	admin      = NewActor(&store.User{ID: 1, Username: "admin", IsSuperuser: true}, nil)
	orgAdmin   = NewActor(&store.User{ID: 2, Username: "org_admin"}, []store.Membership{{OrganizationID: orgO, Role: store.RoleAdmin}, {OrganizationID: orgO, Role: store.RoleMember}, {OrganizationID: orgP, Role: store.RoleMember}})
	orgMember  = NewActor(&store.User{ID: 3, Username: "org_member"}, []store.Membership{{OrganizationID: orgO, Role: store.RoleMember}})
	alice      = NewActor(&store.User{ID: 4, Username: "alice"}, nil)
	auditor    = NewActor(&store.User{ID: 5, Username: "auditor", IsSystemAuditor: true}, nil)
	orgAuditor = NewActor(&store.User{ID: 6, Username: "org_auditor"}, []store.Membership{{OrganizationID: orgO, Role: store.RoleAuditor}})
	nobody     = Actor{}

	appO = &store.Application{ID: 10, Name: "app", OrganizationID: orgO}
)

func ptr[T any](v T) *T { return &v }

// token returns a token owned by owner, of app (nil: a PAT).
func token(id int64, owner Actor, app *store.Application) *store.AccessToken {
	t := &store.AccessToken{ID: id, UserID: owner.User.ID, Scope: "write"}
	if app != nil {
		t.ApplicationID = ptr(app.ID)
	}
	return t
}

func TestApplicationRules(t *testing.T) {
	cases := []struct {
		name                      string
		actor                     Actor
		read, create, change, del bool
	}{
		// Rows: "read app in O", "change/delete app", "add app in O".
		{"admin", admin, true, true, true, true},
		{"org_admin", orgAdmin, true, true, true, true},
		{"org_member", orgMember, true, false, false, false},
		{"alice", alice, false, false, false, false},
		// System auditors read everything and change nothing.
		{"system auditor", auditor, true, false, false, false},
		// AWX lists applications by member_role, which the auditor role
		// does not imply.
		{"org_auditor", orgAuditor, false, false, false, false},
		{"no user", nobody, false, false, false, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := CanReadApplication(c.actor, appO); got != c.read {
				t.Errorf("read = %v, want %v", got, c.read)
			}
			if got := CanCreateApplication(c.actor, orgO); got != c.create {
				t.Errorf("create = %v, want %v", got, c.create)
			}
			if got := CanChangeApplication(c.actor, appO, nil); got != c.change {
				t.Errorf("change = %v, want %v", got, c.change)
			}
			if got := CanChangeApplication(c.actor, appO, ptr(orgO)); got != c.change {
				t.Errorf("change (same org) = %v, want %v", got, c.change)
			}
			if got := CanDeleteApplication(c.actor, appO); got != c.del {
				t.Errorf("delete = %v, want %v", got, c.del)
			}
		})
	}
}

func TestApplicationMoveNeedsBothAdmins(t *testing.T) {
	// org_admin is only a member of P: moving O's app there is denied, and
	// creating in P too.
	if CanChangeApplication(orgAdmin, appO, ptr(orgP)) {
		t.Error("org_admin moved an application into an organization they do not administer")
	}
	if CanCreateApplication(orgAdmin, orgP) {
		t.Error("org_admin created an application in an organization they do not administer")
	}
	if !CanChangeApplication(admin, appO, ptr(orgP)) {
		t.Error("superuser could not move an application")
	}
	appP := &store.Application{ID: 11, OrganizationID: orgP}
	if CanChangeApplication(orgAdmin, appP, ptr(orgO)) {
		t.Error("org_admin took an application from an organization they only belong to")
	}
	if !CanReadApplication(orgAdmin, appP) {
		t.Error("org_admin, a member of P, cannot see P's application")
	}
}

func TestCreateTokenForApplication(t *testing.T) {
	// Row "POST /applications/{id}/tokens/": 201 for those who see the app.
	for _, c := range []struct {
		name  string
		actor Actor
		want  bool
	}{
		{"admin", admin, true},
		{"org_admin", orgAdmin, true},
		{"org_member", orgMember, true},
		{"alice", alice, false},
		{"system auditor", auditor, true},
		{"org_auditor", orgAuditor, false},
		{"no user", nobody, false},
	} {
		if got := CanCreateToken(c.actor, appO); got != c.want {
			t.Errorf("%s: CanCreateToken(app) = %v, want %v", c.name, got, c.want)
		}
		// Row "each user: POST own personal_tokens": anyone may make a PAT.
		if got, want := CanCreateToken(c.actor, nil), c.actor.User != nil; got != want {
			t.Errorf("%s: CanCreateToken(nil) = %v, want %v", c.name, got, want)
		}
	}
}

func TestTokenRules(t *testing.T) {
	adminAppToken := token(100, admin, appO)
	memberPAT := token(101, orgMember, nil)
	type want struct{ read, change, del bool }
	type tokenCase struct {
		name  string
		actor Actor
		tok   *store.AccessToken
		app   *store.Application
		want  want
	}
	cases := []tokenCase{
		// Row "read/change/delete admin's app token".
		{"admin on admin's app token", admin, adminAppToken, appO, want{true, true, true}},
		{"org_admin on admin's app token", orgAdmin, adminAppToken, appO, want{true, true, true}},
		{"org_member on admin's app token", orgMember, adminAppToken, appO, want{false, false, false}},
		{"alice on admin's app token", alice, adminAppToken, appO, want{false, false, false}},
		// Row "system auditor: app tokens of others".
		{"system auditor on admin's app token", auditor, adminAppToken, appO, want{true, false, false}},
		{"system auditor on org_member's PAT", auditor, memberPAT, nil, want{true, false, false}},
		// An organization auditor reads the app's tokens but changes nothing.
		{"org_auditor on admin's app token", orgAuditor, adminAppToken, appO, want{true, false, false}},
		{"org_auditor on org_member's PAT", orgAuditor, memberPAT, nil, want{false, false, false}},
		// Row "org_member's PAT".
		{"admin on org_member's PAT", admin, memberPAT, nil, want{true, true, true}},
		{"org_admin on org_member's PAT", orgAdmin, memberPAT, nil, want{false, false, false}},
		{"org_member on own PAT", orgMember, memberPAT, nil, want{true, true, true}},
		{"alice on org_member's PAT", alice, memberPAT, nil, want{false, false, false}},
		{"no user on org_member's PAT", nobody, memberPAT, nil, want{false, false, false}},
		// An application that is not the token's gives no organization rights.
		{"org_admin with the wrong app", orgAdmin, token(102, admin, &store.Application{ID: 99, OrganizationID: orgP}), appO, want{false, false, false}},
	}
	// Row "each user: POST own personal_tokens ... full control of it".
	for _, a := range []Actor{admin, orgAdmin, orgMember, alice, auditor, orgAuditor} {
		cases = append(cases,
			tokenCase{a.User.Username + " on own PAT", a, token(200+a.User.ID, a, nil), nil, want{true, true, true}},
			tokenCase{a.User.Username + " on own app token", a, token(300+a.User.ID, a, appO), appO, want{true, true, true}})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := want{CanReadToken(c.actor, c.tok, c.app), CanChangeToken(c.actor, c.tok, c.app), CanDeleteToken(c.actor, c.tok, c.app)}
			if got != c.want {
				t.Errorf("read/change/delete = %+v, want %+v", got, c.want)
			}
		})
	}
}

func TestRestrictions(t *testing.T) {
	if r := TokenRestriction(admin); r != nil {
		t.Errorf("superuser token restriction = %+v, want nil", r)
	}
	if r := TokenRestriction(auditor); r != nil {
		t.Errorf("system auditor token restriction = %+v, want nil", r)
	}
	if r := ApplicationRestriction(admin); r != nil {
		t.Errorf("superuser application restriction = %+v, want nil", r)
	}
	if r := ApplicationRestriction(auditor); r != nil {
		t.Errorf("system auditor application restriction = %+v, want nil", r)
	}
	cases := []struct {
		name          string
		actor         Actor
		tokOrgs, apps []int64
	}{
		{"org_admin", orgAdmin, []int64{orgO}, []int64{orgO, orgP}},
		{"org_member", orgMember, []int64{}, []int64{orgO}},
		{"org_auditor", orgAuditor, []int64{orgO}, []int64{}},
		{"alice", alice, []int64{}, []int64{}},
	}
	for _, c := range cases {
		tr := TokenRestriction(c.actor)
		if tr == nil || tr.UserID != c.actor.User.ID || !slices.Equal(tr.OrgIDs, c.tokOrgs) || tr.OrgIDs == nil {
			t.Errorf("%s: TokenRestriction = %+v, want user %d orgs %v", c.name, tr, c.actor.User.ID, c.tokOrgs)
		}
		ar := ApplicationRestriction(c.actor)
		if ar == nil || !slices.Equal(ar.OrgIDs, c.apps) || ar.OrgIDs == nil {
			t.Errorf("%s: ApplicationRestriction = %+v, want orgs %v", c.name, ar, c.apps)
		}
	}
}

// The restrictions and the single-object rules must agree, or a token could
// be listed but not fetched (or the reverse).
func TestRestrictionMatchesRules(t *testing.T) {
	apps := []*store.Application{appO, {ID: 11, OrganizationID: orgP}, {ID: 12, OrganizationID: 3}}
	actors := []Actor{orgAdmin, orgMember, alice, orgAuditor}
	for _, viewer := range actors {
		ar := ApplicationRestriction(viewer)
		for _, app := range apps {
			if got, want := slices.Contains(ar.OrgIDs, app.OrganizationID), CanReadApplication(viewer, app); got != want {
				t.Errorf("%s, app in org %d: restriction %v, rule %v", viewer.User.Username, app.OrganizationID, got, want)
			}
		}
		tr := TokenRestriction(viewer)
		for _, owner := range append(actors, admin) {
			for _, app := range append(apps, nil) {
				tok := token(1, owner, app)
				listed := tok.UserID == tr.UserID || app != nil && slices.Contains(tr.OrgIDs, app.OrganizationID)
				if rule := CanReadToken(viewer, tok, app); listed != rule {
					t.Errorf("%s viewing %s's token of %+v: restriction %v, rule %v", viewer.User.Username, owner.User.Username, app, listed, rule)
				}
			}
		}
	}
}

func TestOrgIDsDeduplicates(t *testing.T) {
	a := NewActor(&store.User{ID: 9}, []store.Membership{
		{OrganizationID: 3, Role: store.RoleMember}, {OrganizationID: 3, Role: store.RoleAdmin},
		{OrganizationID: 1, Role: store.RoleAdmin}, {OrganizationID: 2, Role: store.RoleAuditor},
	})
	if got := a.OrgIDs(store.RoleMember, store.RoleAdmin); !slices.Equal(got, []int64{3, 1}) {
		t.Errorf("OrgIDs = %v, want [3 1]", got)
	}
}
