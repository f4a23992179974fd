package server_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

// world is the cast of AWX's OAuth2 access tests (spec section 6), on a
// real server: organization O holding application App (made by the admin
// through the API); org_admin is admin and member of O; org_member a member;
// alice belongs to no organization; auditor is a system auditor; and
// org_auditor holds O's auditor role. Each has a password and a write PAT.
type world struct {
	*servertest.Server
	O     *store.Organization
	AppID int64
	Users map[string]*actor
	Admin *actor
}

type actor struct {
	User     *store.User
	Password string
	PAT      string
}

func (a *actor) auth() servertest.Auth { return servertest.Bearer(a.PAT) }

func (a *actor) basic() servertest.Auth { return servertest.Basic(a.User.Username, a.Password) }

func newWorld(t *testing.T) *world {
	t.Helper()
	s := servertest.Start(t)
	w := &world{Server: s, Users: map[string]*actor{}}
	admin, err := s.Store.UserByID(context.Background(), s.AdminID)
	if err != nil {
		t.Fatal(err)
	}
	w.Admin = &actor{User: admin, Password: s.AdminPassword, PAT: s.AdminToken}
	w.Users["admin"] = w.Admin
	w.O = s.CreateOrg(t, "O")
	for _, name := range []string{"org_admin", "org_member", "alice", "auditor", "org_auditor"} {
		pw := "pw-" + name
		u := s.CreateUser(t, name, pw, false)
		w.Users[name] = &actor{User: u, Password: pw, PAT: s.CreatePAT(t, u.ID, "write")}
	}
	s.Grant(t, w.O.ID, store.RoleAdmin, w.Users["org_admin"].User.ID)
	s.Grant(t, w.O.ID, store.RoleMember, w.Users["org_admin"].User.ID)
	s.Grant(t, w.O.ID, store.RoleMember, w.Users["org_member"].User.ID)
	s.Grant(t, w.O.ID, store.RoleAuditor, w.Users["org_auditor"].User.ID)
	yes := true
	u, err := s.Store.UpdateUser(context.Background(), w.Users["auditor"].User.ID, store.UserUpdate{IsSystemAuditor: &yes})
	if err != nil {
		t.Fatal(err)
	}
	w.Users["auditor"].User = u

	var app map[string]any
	w.expect(t, "POST", "/api/v2/applications/", w.Admin.auth(), map[string]any{
		"name": "App", "organization": w.O.ID, "client_type": "confidential", "authorization_grant_type": "password",
	}, http.StatusCreated).JSON(t, &app)
	w.AppID = int64(app["id"].(float64))
	return w
}

// expect sends a request and fails the test unless the status is want.
func (w *world) expect(t *testing.T, method, path string, auth servertest.Auth, body any, want int) *servertest.Response {
	t.Helper()
	resp := w.Do(t, method, path, auth, body)
	if resp.Status != want {
		t.Fatalf("%s %s: status %d, want %d; body %s", method, path, resp.Status, want, resp.Body)
	}
	return resp
}

// createToken POSTs body to path as auth and returns the created token.
func (w *world) createToken(t *testing.T, path string, auth servertest.Auth, body any) tokenJSON {
	t.Helper()
	var tok tokenJSON
	w.expect(t, "POST", path, auth, body, http.StatusCreated).JSON(t, &tok)
	return tok
}

// tokenJSON is a token as the tests read it; pointers tell null from absent.
type tokenJSON struct {
	ID      int64  `json:"id"`
	Type    string `json:"type"`
	URL     string `json:"url"`
	Related struct {
		User           string `json:"user"`
		Application    string `json:"application"`
		ActivityStream string `json:"activity_stream"`
	} `json:"related"`
	SummaryFields struct {
		User *struct {
			ID        int64  `json:"id"`
			Username  string `json:"username"`
			FirstName string `json:"first_name"`
			LastName  string `json:"last_name"`
		} `json:"user"`
		Application *struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"application"`
	} `json:"summary_fields"`
	Created      string  `json:"created"`
	Modified     string  `json:"modified"`
	Description  *string `json:"description"`
	User         int64   `json:"user"`
	Token        string  `json:"token"`
	RefreshToken *string `json:"refresh_token"`
	Application  *int64  `json:"application"`
	Expires      string  `json:"expires"`
	Scope        string  `json:"scope"`
}

type pageJSON[T any] struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// topKeys returns the keys of a JSON object in the order they appear.
func topKeys(t *testing.T, body []byte) []string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %s", body)
	}
	var keys []string
	for dec.More() {
		k, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, k.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			t.Fatal(err)
		}
	}
	return keys
}

// objectKeys returns the key order of the object at key in body.
func objectKeys(t *testing.T, body []byte, key string) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	return topKeys(t, m[key])
}

// wantBody compares a response body with the JSON want, key order aside.
func wantBody(t *testing.T, resp *servertest.Response, status int, want string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status %d, want %d; body %s", resp.Status, status, resp.Body)
	}
	var got, exp any
	if err := json.Unmarshal(resp.Body, &got); err != nil {
		t.Fatalf("body is not JSON: %s", resp.Body)
	}
	if err := json.Unmarshal([]byte(want), &exp); err != nil {
		t.Fatalf("bad test JSON %s: %v", want, err)
	}
	g, _ := json.Marshal(got)
	e, _ := json.Marshal(exp)
	if !bytes.Equal(g, e) {
		t.Fatalf("body %s, want %s", resp.Body, want)
	}
}

func wantKeys(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Errorf("%s keys %v, want %v", what, got, want)
	}
}

func tokenPath(id int64) string { return fmt.Sprintf("/api/v2/tokens/%d/", id) }

func appPath(id int64) string { return fmt.Sprintf("/api/v2/applications/%d/", id) }
