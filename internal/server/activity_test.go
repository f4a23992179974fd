package server_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

// activityWorld is a server where a few changes of every kind were made
// through the API, with the secrets they produced.
type activityWorld struct {
	srv                   *servertest.Server
	org                   int64
	alice, bob            *store.User
	alicePW, bobPW        string
	aliceTok, adminAppTok int64
	deletedTok            int64
	app                   int64
	secrets               []string
}

func (w *activityWorld) mustDo(t *testing.T, want int, method, path string, auth servertest.Auth, body any) *servertest.Response {
	t.Helper()
	res := w.srv.Do(t, method, path, auth, body)
	if res.Status != want {
		t.Fatalf("%s %s: %d, want %d: %s", method, path, res.Status, want, res.Body)
	}
	return res
}

func newActivityWorld(t *testing.T) *activityWorld {
	srv := servertest.Start(t)
	w := &activityWorld{srv: srv, alicePW: "alice-Secret-pw-1", bobPW: "bob-Secret-pw-2"}
	w.secrets = append(w.secrets, srv.AdminToken, srv.AdminPassword, w.alicePW, w.bobPW)
	admin := srv.Admin()

	var org awx.Organization
	w.mustDo(t, 201, "POST", "/api/v2/organizations/", admin, map[string]any{"name": "O"}).JSON(t, &org)
	w.org = org.ID
	var u awx.User
	w.mustDo(t, 201, "POST", "/api/v2/users/", admin, map[string]any{"username": "alice", "password": w.alicePW}).JSON(t, &u)
	w.alice = &store.User{ID: u.ID, Username: "alice"}
	w.mustDo(t, 201, "POST", "/api/v2/users/", admin, map[string]any{"username": "bob", "password": w.bobPW}).JSON(t, &u)
	w.bob = &store.User{ID: u.ID, Username: "bob"}
	w.mustDo(t, 204, "POST", fmt.Sprintf("/api/v2/organizations/%d/users/", w.org), admin, map[string]any{"id": w.alice.ID})
	// A password change must show only as "$encrypted$".
	newPW := "alice-New-pw-3"
	w.mustDo(t, 200, "PATCH", fmt.Sprintf("/api/v2/users/%d/", w.alice.ID), admin, map[string]any{"password": newPW, "first_name": "Alice"})
	w.secrets = append(w.secrets, newPW)
	w.alicePW = newPW

	var app awx.Application
	w.mustDo(t, 201, "POST", "/api/v2/applications/", admin, map[string]any{
		"name": "app", "organization": w.org, "client_type": "confidential", "authorization_grant_type": "password",
	}).JSON(t, &app)
	w.app = app.ID
	w.secrets = append(w.secrets, app.ClientSecret)
	w.mustDo(t, 200, "PATCH", fmt.Sprintf("/api/v2/applications/%d/", w.app), admin, map[string]any{"description": "changed"})

	var tok awx.Token
	alice := servertest.Basic("alice", w.alicePW)
	w.mustDo(t, 201, "POST", "/api/v2/users/alice/personal_tokens/", alice, map[string]any{"description": "mine", "scope": "write"}).JSON(t, &tok)
	w.aliceTok = tok.ID
	w.secrets = append(w.secrets, tok.Token)
	w.mustDo(t, 200, "PATCH", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), alice, map[string]any{"description": "still mine", "scope": "read"})

	w.mustDo(t, 201, "POST", fmt.Sprintf("/api/v2/applications/%d/tokens/", w.app), admin, map[string]any{"scope": "write"}).JSON(t, &tok)
	w.adminAppTok = tok.ID
	w.secrets = append(w.secrets, tok.Token, deref(tok.RefreshToken))

	w.mustDo(t, 201, "POST", "/api/v2/tokens/", admin, map[string]any{"description": "short-lived"}).JSON(t, &tok)
	w.deletedTok = tok.ID
	w.secrets = append(w.secrets, tok.Token)
	w.mustDo(t, 204, "DELETE", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), admin, nil)
	return w
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func activityPage(t *testing.T, w *activityWorld, path string, auth servertest.Auth) ([]awx.ActivityStream, []byte) {
	t.Helper()
	res := w.mustDo(t, 200, "GET", path, auth, nil)
	var page awx.Page[awx.ActivityStream]
	res.JSON(t, &page)
	if page.Count != len(page.Results) {
		t.Fatalf("%s: count %d but %d results (page too small for the test)", path, page.Count, len(page.Results))
	}
	return page.Results, res.Body
}

func hasEntry(list []awx.ActivityStream, object1, op string, id int64) *awx.ActivityStream {
	for i, e := range list {
		if e.Object1 != object1 || e.Operation != op {
			continue
		}
		if c, ok := e.Changes["id"].(float64); ok && int64(c) == id {
			return &list[i]
		}
		if refs, ok := e.SummaryFields[object1].([]any); ok && len(refs) == 1 {
			if m, ok := refs[0].(map[string]any); ok && m["id"] == float64(id) {
				return &list[i]
			}
		}
	}
	return nil
}

func TestActivityStreamRecordsChangesWithoutSecrets(t *testing.T) {
	w := newActivityWorld(t)
	all, body := activityPage(t, w, "/api/v2/activity_stream/?page_size=200", w.srv.Admin())

	for _, s := range w.secrets {
		if s == "" {
			t.Fatal("a secret of the fixture is empty")
		}
		if bytes.Contains(body, []byte(s)) {
			t.Errorf("the activity stream holds a secret in clear: %.6s...", s)
		}
	}
	for _, want := range []struct {
		object1, op string
		id          int64
	}{
		{"organization", "create", w.org},
		{"user", "create", w.alice.ID},
		{"user", "update", w.alice.ID},
		{"user", "associate", w.alice.ID},
		{"o_auth2_application", "create", w.app},
		{"o_auth2_application", "update", w.app},
		{"o_auth2_access_token", "create", w.aliceTok},
		{"o_auth2_access_token", "update", w.aliceTok},
		{"o_auth2_access_token", "create", w.adminAppTok},
		{"o_auth2_access_token", "delete", w.deletedTok},
	} {
		if hasEntry(all, want.object1, want.op, want.id) == nil {
			t.Errorf("no %s entry for %s %d in %d entries", want.op, want.object1, want.id, len(all))
		}
	}

	create := hasEntry(all, "o_auth2_access_token", "create", w.aliceTok)
	if create == nil {
		t.FailNow()
	}
	if create.Type != "activity_stream" || create.URL != fmt.Sprintf("/api/v2/activity_stream/%d/", create.ID) || create.ActionNode == "" {
		t.Errorf("entry shape: %+v", create)
	}
	if create.Changes["token"] != censored || create.Changes["description"] != "mine" || create.Changes["scope"] != "write" {
		t.Errorf("create changes = %v", create.Changes)
	}
	if create.Related["actor"] != fmt.Sprintf("/api/v2/users/%d/", w.alice.ID) {
		t.Errorf("related = %v", create.Related)
	}
	actor, _ := create.SummaryFields["actor"].(map[string]any)
	if actor["username"] != "alice" || actor["first_name"] != "Alice" {
		t.Errorf("summary_fields.actor = %v", create.SummaryFields["actor"])
	}
	if refs, _ := create.Related["o_auth2_access_token"].([]any); len(refs) != 1 || refs[0] != fmt.Sprintf("/api/v2/tokens/%d/", w.aliceTok) {
		t.Errorf("related token = %v", create.Related["o_auth2_access_token"])
	}
	// The summaries keep AWX's fields and key order, byte for byte: the
	// actor as dict(id, username, first_name, last_name), objects as
	// ActivityStreamSerializer._local_summarizable_fk_fields lists them (a
	// None field left out: a PAT has no application_id).
	for _, want := range []string{
		fmt.Sprintf(`"actor":{"id":%d,"username":"alice","first_name":"Alice","last_name":""}`, w.alice.ID),
		fmt.Sprintf(`"o_auth2_access_token":[{"id":%d,"user_id":%d,"description":"still mine","scope":"read"}]`, w.aliceTok, w.alice.ID),
		fmt.Sprintf(`"o_auth2_access_token":[{"id":%d,"user_id":%d,"description":"","application_id":%d,"scope":"write"}]`, w.adminAppTok, w.srv.AdminID, w.app),
		fmt.Sprintf(`"o_auth2_application":[{"id":%d,"name":"app","description":"changed"}]`, w.app),
		fmt.Sprintf(`"organization":[{"id":%d,"name":"O","description":""}]`, w.org),
		fmt.Sprintf(`"user":[{"id":%d,"username":"alice","first_name":"Alice","last_name":""}]`, w.alice.ID),
	} {
		if !bytes.Contains(body, []byte(want)) {
			t.Errorf("the activity stream has no %s", want)
		}
	}
	upd := hasEntry(all, "o_auth2_access_token", "update", w.aliceTok)
	if got := fmt.Sprint(upd.Changes["scope"]); got != "[write read]" {
		t.Errorf("update changes = %v", upd.Changes)
	}
	if u := hasEntry(all, "user", "update", w.alice.ID); u.Changes["password"] != "$encrypted$" {
		t.Errorf("password change = %v", u.Changes["password"])
	}
	if a := hasEntry(all, "o_auth2_application", "create", w.app); a.Changes["client_secret"] != censored {
		t.Errorf("application create changes = %v", a.Changes)
	}
	if d := hasEntry(all, "o_auth2_access_token", "delete", w.deletedTok); d.Related["o_auth2_access_token"] != nil {
		t.Errorf("a deleted token still has a related link: %v", d.Related)
	}
	if a := hasEntry(all, "user", "associate", w.alice.ID); a.Object2 != "role" || a.ObjectAssoc != "role" {
		t.Errorf("associate entry = %+v", a)
	}

	// The detail view and the per-object lists.
	var one awx.ActivityStream
	w.mustDo(t, 200, "GET", create.URL, w.srv.Admin(), nil).JSON(t, &one)
	if one.ID != create.ID || one.Operation != "create" {
		t.Errorf("detail = %+v", one)
	}
	for path, n := range map[string]int{
		fmt.Sprintf("/api/v2/tokens/%d/activity_stream/", w.aliceTok):                  2,
		fmt.Sprintf("/api/v2/applications/%d/activity_stream/", w.app):                 2,
		fmt.Sprintf("/api/v2/users/%d/activity_stream/", w.alice.ID):                   3,
		fmt.Sprintf("/api/v2/organizations/%d/activity_stream/", w.org):                1,
		fmt.Sprintf("/api/v2/tokens/%d/activity_stream/?operation=update", w.aliceTok): 1,
	} {
		list, _ := activityPage(t, w, path, w.srv.Admin())
		if len(list) != n {
			t.Errorf("%s: %d entries, want %d", path, len(list), n)
		}
	}
	if res := w.srv.Do(t, "GET", "/api/v2/activity_stream/999999/", w.srv.Admin(), nil); res.Status != 404 {
		t.Errorf("missing entry: %d", res.Status)
	}
	if res := w.srv.Do(t, "GET", "/api/v2/activity_stream/", nil, nil); res.Status != 401 {
		t.Errorf("anonymous: %d", res.Status)
	}
	if res := w.srv.Do(t, "GET", "/api/v2/activity_stream/?foo=x", w.srv.Admin(), nil); res.Status != 400 {
		t.Errorf("unknown filter field: %d %s", res.Status, res.Body)
	}
}

func TestActivityStreamVisibility(t *testing.T) {
	w := newActivityWorld(t)
	admin := w.srv.Admin()
	all, _ := activityPage(t, w, "/api/v2/activity_stream/?page_size=200", admin)

	// A system auditor sees everything.
	w.mustDo(t, 200, "PATCH", fmt.Sprintf("/api/v2/users/%d/", w.bob.ID), admin, map[string]any{"is_system_auditor": true})
	asAuditor, _ := activityPage(t, w, "/api/v2/activity_stream/?page_size=200", servertest.Basic("bob", w.bobPW))
	if len(asAuditor) != len(all)+1 { // +1: the entry of making bob an auditor
		t.Errorf("system auditor sees %d entries, superuser %d", len(asAuditor), len(all))
	}
	w.mustDo(t, 200, "PATCH", fmt.Sprintf("/api/v2/users/%d/", w.bob.ID), admin, map[string]any{"is_system_auditor": false})

	// alice, a member of O: her own actions, entries about herself, about
	// O and its applications; not the admin's token of O's application
	// (members do not see an application's tokens) nor the admin's PAT.
	alice := servertest.Basic("alice", w.alicePW)
	list, _ := activityPage(t, w, "/api/v2/activity_stream/?page_size=200", alice)
	for _, want := range []struct {
		object1, op string
		id          int64
	}{
		{"o_auth2_access_token", "create", w.aliceTok},
		{"o_auth2_application", "create", w.app},
		{"organization", "create", w.org},
		{"user", "associate", w.alice.ID},
	} {
		if hasEntry(list, want.object1, want.op, want.id) == nil {
			t.Errorf("alice does not see %s %s %d", want.op, want.object1, want.id)
		}
	}
	for _, hidden := range []int64{w.adminAppTok, w.deletedTok} {
		if e := hasEntry(list, "o_auth2_access_token", "create", hidden); e != nil {
			t.Errorf("alice sees the admin's token %d: %+v", hidden, e)
		}
	}
	// Made an admin of O, she sees the tokens of O's applications.
	w.mustDo(t, 204, "POST", fmt.Sprintf("/api/v2/organizations/%d/admins/", w.org), admin, map[string]any{"id": w.alice.ID})
	list, _ = activityPage(t, w, "/api/v2/activity_stream/?page_size=200", alice)
	if hasEntry(list, "o_auth2_access_token", "create", w.adminAppTok) == nil {
		t.Errorf("alice, admin of O, does not see the token of O's application")
	}

	// bob, in no organization: only entries about himself.
	bob := servertest.Basic("bob", w.bobPW)
	list, _ = activityPage(t, w, "/api/v2/activity_stream/?page_size=200", bob)
	for _, e := range list {
		if e.Object1 != "user" || e.SummaryFields["user"] == nil {
			t.Errorf("bob sees %s %s", e.Operation, e.Object1)
		}
	}
	if len(list) == 0 {
		t.Errorf("bob does not see the entries about himself")
	}
	create := hasEntry(all, "o_auth2_access_token", "create", w.aliceTok)
	if res := w.srv.Do(t, "GET", create.URL, bob, nil); res.Status != http.StatusNotFound {
		t.Errorf("bob reading alice's token entry: %d", res.Status)
	}
	if res := w.srv.Do(t, "GET", fmt.Sprintf("/api/v2/tokens/%d/activity_stream/", w.aliceTok), bob, nil); res.Status != http.StatusForbidden {
		t.Errorf("bob listing alice's token's activity: %d", res.Status)
	}
}
