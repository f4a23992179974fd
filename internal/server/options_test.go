package server_test

import (
	"encoding/json"
	"reflect"
	"slices"
	"strconv"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

type optionsBody struct {
	Name         string                               `json:"name"`
	Actions      map[string]map[string]map[string]any `json:"actions"`
	Types        []string                             `json:"types"`
	SearchFields []string                             `json:"search_fields"`
	MaxPageSize  int                                  `json:"max_page_size"`
}

func options(t *testing.T, s *servertest.Server, path string, auth servertest.Auth) (*servertest.Response, optionsBody) {
	t.Helper()
	r := s.Do(t, "OPTIONS", path, auth, nil)
	var body optionsBody
	if r.Status == 200 {
		r.JSON(t, &body)
	}
	return r, body
}

func methods(b optionsBody) []string {
	var m []string
	for k := range b.Actions {
		m = append(m, k)
	}
	slices.Sort(m)
	return m
}

// TestOptionsTokenList: the `awx` command line builds `awx tokens create`
// from actions.POST; the fields are AWX 24.6.1's, as its OPTIONS shows them.
func TestOptionsTokenList(t *testing.T) {
	s := servertest.Start(t)
	r, b := options(t, s, "/api/v2/tokens/", s.Admin())
	expectStatus(t, r, 200)
	if r.Header.Get("Allow") != "GET, HEAD, OPTIONS, POST" {
		t.Errorf("Allow = %q", r.Header.Get("Allow"))
	}
	if b.Name != "OAuth2 Tokens" || !reflect.DeepEqual(b.Types, []string{"o_auth2_access_token"}) ||
		!reflect.DeepEqual(b.SearchFields, []string{"description"}) || b.MaxPageSize != 200 {
		t.Errorf("metadata = %+v", b)
	}
	if got := methods(b); !reflect.DeepEqual(got, []string{"GET", "POST"}) {
		t.Fatalf("actions = %v", got)
	}
	scopeHelp := "Allowed scopes, further restricts user's permissions. Must be a simple space-separated string with allowed scopes ['read', 'write']."
	wantPost := map[string]map[string]any{
		"application": {"filterable": true, "hidden": false, "label": "Application", "required": false, "type": "id"},
		"description": {"default": "", "filterable": true, "help_text": "Optional description of this access token.", "hidden": false, "label": "Description", "required": false, "type": "string"},
		"scope":       {"default": "write", "filterable": true, "help_text": scopeHelp, "hidden": false, "label": "Scope", "required": false, "type": "string"},
	}
	if !reflect.DeepEqual(b.Actions["POST"], wantPost) {
		t.Errorf("POST = %v\nwant %v", b.Actions["POST"], wantPost)
	}
	get := b.Actions["GET"]
	if tf := get["type"]; tf["type"] != "choice" || !reflect.DeepEqual(tf["choices"], []any{[]any{"o_auth2_access_token", "Access Token"}}) {
		t.Errorf("GET type = %v", tf)
	}
	// A secret is never a filter here, whatever AWX's metadata says.
	if get["token"]["filterable"] != false || get["user"]["filterable"] != true {
		t.Errorf("GET token/user = %v %v", get["token"], get["user"])
	}
	for _, f := range get {
		if _, ok := f["required"]; ok {
			t.Errorf("GET field with required: %v", f)
		}
	}
}

// TestOptionsFieldsMatchObjects: actions.GET names the fields of the objects
// the list returns, in their order.
func TestOptionsFieldsMatchObjects(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "Default")
	app := s.Do(t, "POST", "/api/v2/applications/", s.Admin(), map[string]any{
		"name": "a", "organization": org.ID, "client_type": "public", "authorization_grant_type": "password"})
	expectStatus(t, app, 201)
	for _, path := range []string{"/api/v2/tokens/", "/api/v2/applications/", "/api/v2/users/", "/api/v2/organizations/"} {
		var page struct{ Results []json.RawMessage }
		list := s.Do(t, "GET", path, s.Admin(), nil)
		expectStatus(t, list, 200)
		list.JSON(t, &page)
		if len(page.Results) == 0 {
			t.Fatalf("%s: empty list", path)
		}
		r := s.Do(t, "OPTIONS", path, s.Admin(), nil)
		expectStatus(t, r, 200)
		var raw struct {
			Actions struct{ GET json.RawMessage }
		}
		r.JSON(t, &raw)
		got, want := topKeys(t, raw.Actions.GET), topKeys(t, page.Results[0])
		// The list hides client_secret; the field exists all the same.
		if path == "/api/v2/applications/" && !slices.Contains(want, "client_secret") {
			i := slices.Index(want, "client_id")
			want = slices.Insert(want, i+1, "client_secret")
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: actions.GET fields %v\nobject fields %v", path, got, want)
		}
	}
}

// TestOptionsPermissions: POST is described only to a caller who may
// create there, with a credential that may write; OPTIONS needs a login.
func TestOptionsPermissions(t *testing.T) {
	s := servertest.Start(t)
	org := s.CreateOrg(t, "O")
	other := s.CreateOrg(t, "Other")
	plain := s.CreateUser(t, "plain", "pw-plain-1", false)
	admin := s.CreateUser(t, "orgadmin", "pw-orgadmin-1", false)
	s.Grant(t, org.ID, store.RoleAdmin, admin.ID)
	plainW := servertest.Bearer(s.CreatePAT(t, plain.ID, "write"))
	adminW := servertest.Bearer(s.CreatePAT(t, admin.ID, "write"))
	superR := servertest.Bearer(s.CreatePAT(t, s.AdminID, "read"))

	for _, tc := range []struct {
		path string
		auth servertest.Auth
		want []string
	}{
		{"/api/v2/tokens/", plainW, []string{"GET", "POST"}},
		{"/api/v2/tokens/", superR, []string{"GET"}},
		{"/api/v2/applications/", plainW, []string{"GET"}},
		{"/api/v2/applications/", adminW, []string{"GET", "POST"}},
		{"/api/v2/organizations/", adminW, []string{"GET"}},
		{"/api/v2/organizations/", s.Admin(), []string{"GET", "POST"}},
		{"/api/v2/users/", adminW, []string{"GET"}},
		{"/api/v2/users/", s.Admin(), []string{"GET", "POST"}},
		{"/api/v2/tokens/1/", s.Admin(), []string{"GET"}},
		{"/api/v2/users/" + strconv.FormatInt(plain.ID, 10) + "/personal_tokens/", plainW, []string{"GET", "POST"}},
		{"/api/v2/users/plain/tokens/", plainW, []string{"GET", "POST"}},
		{"/api/v2/users/0/authorized_tokens/", plainW, []string{"GET", "POST"}},
		// A token is always the caller's: another user's lists take no POST.
		{"/api/v2/users/" + strconv.FormatInt(s.AdminID, 10) + "/personal_tokens/", plainW, []string{"GET"}},
		{"/api/v2/users/" + strconv.FormatInt(plain.ID, 10) + "/tokens/", s.Admin(), []string{"GET"}},
		// Applications in an organization: its admins and superusers.
		{"/api/v2/organizations/" + strconv.FormatInt(org.ID, 10) + "/applications/", adminW, []string{"GET", "POST"}},
		{"/api/v2/organizations/O/applications/", adminW, []string{"GET", "POST"}},
		{"/api/v2/organizations/" + strconv.FormatInt(other.ID, 10) + "/applications/", adminW, []string{"GET"}},
		{"/api/v2/organizations/" + strconv.FormatInt(other.ID, 10) + "/applications/", s.Admin(), []string{"GET", "POST"}},
	} {
		r, b := options(t, s, tc.path, tc.auth)
		expectStatus(t, r, 200)
		if got := methods(b); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: actions %v, want %v", tc.path, got, tc.want)
		}
	}
	r, _ := options(t, s, "/api/v2/tokens/", nil)
	expect(t, r, 401, bodyNotAuthenticated)
}

// TestOptionsTokenSubLists: the application is required where a token
// must have one and absent where the path names it or it cannot be set.
func TestOptionsTokenSubLists(t *testing.T) {
	s := servertest.Start(t)
	id := strconv.FormatInt(s.AdminID, 10)
	for _, tc := range []struct {
		path            string
		has, appRequire bool
	}{
		{"/api/v2/users/" + id + "/tokens/", true, false},
		{"/api/v2/users/" + id + "/authorized_tokens/", true, true},
		{"/api/v2/users/" + id + "/personal_tokens/", false, false},
		{"/api/v2/applications/1/tokens/", false, false},
	} {
		r, b := options(t, s, tc.path, s.Admin())
		expectStatus(t, r, 200)
		app, ok := b.Actions["POST"]["application"]
		if ok != tc.has || (ok && app["required"] != tc.appRequire) {
			t.Errorf("%s: POST application = %v (present %v)", tc.path, app, ok)
		}
		if _, ok := b.Actions["POST"]["scope"]; !ok {
			t.Errorf("%s: POST without scope: %v", tc.path, b.Actions["POST"])
		}
	}
}

// TestOptionsRoles: the `awx users` and `awx teams` commands read
// object_roles from OPTIONS of every role-bearing AWX collection before
// anything else; organizations list the roles this server has, the
// collections it does not have answer OPTIONS with none (and 404 otherwise).
func TestOptionsRoles(t *testing.T) {
	s := servertest.Start(t)
	var org struct {
		ObjectRoles []string `json:"object_roles"`
	}
	r := s.Do(t, "OPTIONS", "/api/v2/organizations/", s.Admin(), nil)
	expectStatus(t, r, 200)
	r.JSON(t, &org)
	if !reflect.DeepEqual(org.ObjectRoles, []string{"admin_role", "auditor_role", "member_role"}) {
		t.Errorf("organizations object_roles = %v", org.ObjectRoles)
	}
	for _, path := range []string{"/api/v2/projects/", "/api/v2/inventories/", "/api/v2/teams/", "/api/v2/credentials/",
		"/api/v2/job_templates/", "/api/v2/workflow_job_templates/", "/api/v2/instance_groups/"} {
		r := s.Do(t, "OPTIONS", path, s.Admin(), nil)
		expectStatus(t, r, 200)
		var body map[string]any
		r.JSON(t, &body)
		if roles, ok := body["object_roles"].([]any); !ok || len(roles) != 0 || body["actions"] != nil {
			t.Errorf("OPTIONS %s = %s", path, r.Body)
		}
		expect(t, s.Do(t, "GET", path, s.Admin(), nil), 404, bodyNotFound)
		expect(t, s.Do(t, "POST", path, s.Admin(), map[string]any{}), 404, bodyNotFound)
		expect(t, s.Do(t, "OPTIONS", path, nil, nil), 401, bodyNotAuthenticated)
	}
	// Only the collections: anything under them is still unknown.
	expect(t, s.Do(t, "OPTIONS", "/api/v2/projects/1/", s.Admin(), nil), 404, bodyNotFound)
}
