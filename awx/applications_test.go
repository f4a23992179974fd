package awx

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
)

const appJSON = `{"id":2,"type":"o_auth2_application","url":"/api/v2/applications/2/",
"related":{"named_url":"/api/v2/applications/app++Default/","tokens":"/api/v2/applications/2/tokens/","activity_stream":"/api/v2/applications/2/activity_stream/","organization":"/api/v2/organizations/1/"},
"summary_fields":{"organization":{"id":1,"name":"Default","description":""},"user_capabilities":{"edit":true,"delete":true},"tokens":{"count":1,"results":[{"id":5,"token":"************","scope":"write"}]}},
"created":"2024-10-09T02:23:08.123456Z","modified":"2024-10-09T02:23:08.123456Z","name":"app","description":"","client_id":"abc","client_secret":"************",
"client_type":"confidential","redirect_uris":"","authorization_grant_type":"password","skip_authorization":false,"organization":1}`

func TestApplicationsGet(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/applications/2/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			writeJSON(w, 200, appJSON)
		})
		app, _, err := c.Applications.Get(ctx, 2)
		if err != nil {
			t.Fatal(err)
		}
		if app.Name != "app" || app.ClientSecret != Censored || app.SummaryFields.Tokens.Count != 1 || app.Organization != 1 {
			t.Errorf("Get = %+v", app)
		}
	})
}

func TestApplicationsGetByName(t *testing.T) {
	tests := []struct {
		name, query string
		count       int
		wantErr     string
		sentinel    error
	}{
		{"app", "name=app&page_size=2", 1, "", nil},
		{"app++Default", "name=app&organization__name=Default&page_size=2", 1, "", nil},
		{"a[+]b++Org[+]1", "name=a%2Bb&organization__name=Org%2B1&page_size=2", 1, "", nil},
		{"gone", "name=gone&page_size=2", 0, `awx: no application named "gone"`, ErrNotFound},
		{"dup", "name=dup&page_size=2", 3, `awx: 3 applications are named "dup"; use the id or NAME++ORGANIZATION`, ErrAmbiguous},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t, "/awx")
			mux.HandleFunc("/api/v2/applications/", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "GET")
				testQuery(t, r, tt.query)
				var results []string
				for range min(tt.count, 2) {
					results = append(results, appJSON)
				}
				writeJSON(w, 200, fmt.Sprintf(`{"count":%d,"next":null,"previous":null,"results":[%s]}`, tt.count, strings.Join(results, ",")))
			})
			app, _, err := c.Applications.GetByName(ctx, tt.name)
			if tt.wantErr == "" {
				if err != nil || app.ID != 2 {
					t.Fatalf("GetByName = %v, %v", app, err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr || !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want %q wrapping %v", err, tt.wantErr, tt.sentinel)
			}
		})
	}
	c, _ := NewClient("https://awx.example.com")
	if _, _, err := c.Applications.GetByName(ctx, ""); err == nil {
		t.Error("GetByName(\"\") succeeded")
	}
}

func TestApplicationsList(t *testing.T) {
	tests := []struct {
		opts      *ApplicationListOptions
		path, raw string
	}{
		{nil, "/api/v2/applications/", ""},
		{&ApplicationListOptions{ListOptions: ListOptions{Search: "ci", PageSize: 5}}, "/api/v2/applications/", "page_size=5&search=ci"},
		{&ApplicationListOptions{Organization: 4, ListOptions: ListOptions{OrderBy: "name"}}, "/api/v2/organizations/4/applications/", "order_by=name"},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t, "/awx")
		mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != tt.path {
				t.Errorf("path = %s, want %s", r.URL.Path, tt.path)
			}
			testQuery(t, r, tt.raw)
			writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[`+appJSON+`]}`)
		})
		apps, resp, err := c.Applications.List(ctx, tt.opts)
		if err != nil || len(apps) != 1 || resp.Count != 1 {
			t.Errorf("List = %v, %v", apps, err)
		}
		n := 0
		for app, err := range c.Applications.All(ctx, tt.opts) {
			if err != nil {
				t.Fatal(err)
			}
			n += int(app.ID)
		}
		if n != 2 {
			t.Errorf("All walked %d", n)
		}
	}
}

func TestApplicationsCreateUpdateDelete(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/v2/applications/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "POST")
		testBody(t, r, `{"name":"app","description":"","client_type":"confidential","authorization_grant_type":"password","skip_authorization":false,"organization":1}`)
		writeJSON(w, 201, appJSON)
	})
	mux.HandleFunc("/api/v2/applications/2/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "PATCH":
			testBody(t, r, `{"redirect_uris":"https://x/cb"}`)
			writeJSON(w, 200, appJSON)
		case "DELETE":
			w.WriteHeader(204)
		default:
			t.Errorf("method %s", r.Method)
		}
	})
	app, resp, err := c.Applications.Create(ctx, ApplicationRequest{
		Name: ptr("app"), Description: ptr(""), ClientType: ptr(ClientConfidential),
		AuthorizationGrantType: ptr(GrantPassword), SkipAuthorization: ptr(false), Organization: ptr(int64(1)),
	})
	if err != nil || app.ID != 2 || resp.StatusCode != 201 {
		t.Fatalf("Create = %v, %v", app, err)
	}
	if _, _, err := c.Applications.Update(ctx, 2, ApplicationRequest{RedirectURIs: ptr("https://x/cb")}); err != nil {
		t.Fatal(err)
	}
	if resp, err := c.Applications.Delete(ctx, 2); err != nil || resp.StatusCode != 204 {
		t.Fatalf("Delete = %v, %v", resp, err)
	}
}

func TestUsers(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	user := `{"id":3,"type":"user","username":"alice","password":"$encrypted$"}`
	mux.HandleFunc("/api/v2/users/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			switch r.URL.RawQuery {
			case "page_size=2&username=alice":
				writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[`+user+`]}`)
			case "page_size=2&username=nobody":
				writeJSON(w, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
			case "order_by=username&search=al":
				writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[`+user+`]}`)
			default:
				t.Errorf("query %q", r.URL.RawQuery)
			}
		case "POST":
			testBody(t, r, `{"username":"alice","password":"pw","is_superuser":false}`)
			writeJSON(w, 201, user)
		}
	})
	mux.HandleFunc("/api/v2/users/3/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			writeJSON(w, 200, user)
		case "PATCH":
			testBody(t, r, `{"email":"a@example.com"}`)
			writeJSON(w, 200, user)
		case "DELETE":
			w.WriteHeader(204)
		}
	})
	if u, _, err := c.Users.Get(ctx, 3); err != nil || u.Username != "alice" || u.Password != EncryptedPassword {
		t.Errorf("Get = %v, %v", u, err)
	}
	if u, _, err := c.Users.GetByName(ctx, "alice"); err != nil || u.ID != 3 {
		t.Errorf("GetByName = %v, %v", u, err)
	}
	if _, _, err := c.Users.GetByName(ctx, "nobody"); !errors.Is(err, ErrNotFound) || err.Error() != `awx: no user named "nobody"` {
		t.Errorf("GetByName(nobody) = %v", err)
	}
	if us, _, err := c.Users.List(ctx, &ListOptions{Search: "al", OrderBy: "username"}); err != nil || len(us) != 1 {
		t.Errorf("List = %v, %v", us, err)
	}
	for u, err := range c.Users.All(ctx, &ListOptions{Search: "al", OrderBy: "username"}) {
		if err != nil || u.ID != 3 {
			t.Errorf("All = %v, %v", u, err)
		}
	}
	if _, _, err := c.Users.Create(ctx, UserRequest{Username: ptr("alice"), Password: ptr("pw"), IsSuperuser: ptr(false)}); err != nil {
		t.Error(err)
	}
	if _, _, err := c.Users.Update(ctx, 3, UserRequest{Email: ptr("a@example.com")}); err != nil {
		t.Error(err)
	}
	if _, err := c.Users.Delete(ctx, 3); err != nil {
		t.Error(err)
	}
}

func TestOrganizations(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	org := `{"id":1,"type":"organization","name":"Default","description":"","max_hosts":0,"custom_virtualenv":null,"default_environment":null}`
	mux.HandleFunc("/api/v2/organizations/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			if r.URL.RawQuery == "name=Default&page_size=2" || r.URL.RawQuery == "" {
				writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[`+org+`]}`)
				return
			}
			t.Errorf("query %q", r.URL.RawQuery)
		case "POST":
			testBody(t, r, `{"name":"Default","description":"d"}`)
			writeJSON(w, 201, org)
		}
	})
	mux.HandleFunc("/api/v2/organizations/1/", func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case "GET":
			writeJSON(w, 200, org)
		case "PATCH":
			testBody(t, r, `{"description":"e"}`)
			writeJSON(w, 200, org)
		case "DELETE":
			w.WriteHeader(204)
		}
	})
	var assoc []string
	for _, sub := range []string{"users", "admins"} {
		mux.HandleFunc("/api/v2/organizations/1/"+sub+"/", func(w http.ResponseWriter, r *http.Request) {
			if r.Method == "GET" {
				writeJSON(w, 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
				return
			}
			testMethod(t, r, "POST")
			body, _ := io.ReadAll(r.Body)
			assoc = append(assoc, sub+" "+string(body))
			w.WriteHeader(204)
		})
	}
	if o, _, err := c.Organizations.Get(ctx, 1); err != nil || o.Name != "Default" {
		t.Errorf("Get = %v, %v", o, err)
	}
	if o, _, err := c.Organizations.GetByName(ctx, "Default"); err != nil || o.ID != 1 {
		t.Errorf("GetByName = %v, %v", o, err)
	}
	if os, _, err := c.Organizations.List(ctx, nil); err != nil || len(os) != 1 {
		t.Errorf("List = %v, %v", os, err)
	}
	for o, err := range c.Organizations.All(ctx, nil) {
		if err != nil || o.ID != 1 {
			t.Errorf("All = %v, %v", o, err)
		}
	}
	if _, _, err := c.Organizations.Create(ctx, OrganizationRequest{Name: ptr("Default"), Description: ptr("d")}); err != nil {
		t.Error(err)
	}
	if _, _, err := c.Organizations.Update(ctx, 1, OrganizationRequest{Description: ptr("e")}); err != nil {
		t.Error(err)
	}
	if _, err := c.Organizations.Delete(ctx, 1); err != nil {
		t.Error(err)
	}
	if _, _, err := c.Organizations.ListUsers(ctx, 1, nil); err != nil {
		t.Error(err)
	}
	if _, _, err := c.Organizations.ListAdmins(ctx, 1, nil); err != nil {
		t.Error(err)
	}
	for _, f := range []func() (*Response, error){
		func() (*Response, error) { return c.Organizations.AddUser(ctx, 1, 3) },
		func() (*Response, error) { return c.Organizations.RemoveUser(ctx, 1, 3) },
		func() (*Response, error) { return c.Organizations.AddAdmin(ctx, 1, 3) },
		func() (*Response, error) { return c.Organizations.RemoveAdmin(ctx, 1, 3) },
	} {
		if _, err := f(); err != nil {
			t.Error(err)
		}
	}
	diff(t, "associations", assoc, []string{
		`users {"id":3}`, `users {"id":3,"disassociate":true}`,
		`admins {"id":3}`, `admins {"id":3,"disassociate":true}`,
	})
}
