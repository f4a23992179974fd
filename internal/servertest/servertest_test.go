package servertest_test

import (
	"strings"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
	"github.com/awxtoken/awxtoken/internal/store"
)

func TestStart(t *testing.T) {
	s := servertest.Start(t)
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URL %q is not loopback", s.URL)
	}
	for _, auth := range []servertest.Auth{s.Admin(), servertest.Basic(s.AdminUsername, s.AdminPassword)} {
		r := s.Do(t, "GET", "/api/v2/me/", auth, nil)
		if r.Status != 200 || !strings.Contains(string(r.Body), `"username":"admin"`) || !strings.Contains(string(r.Body), `"is_superuser":true`) {
			t.Fatalf("me: %d %s", r.Status, r.Body)
		}
	}
	u := s.CreateUser(t, "u", "pw", false)
	o := s.CreateOrg(t, "O")
	s.Grant(t, o.ID, store.RoleAdmin, u.ID)
	read := s.CreatePAT(t, u.ID, "read")
	r := s.Do(t, "GET", "/api/v2/organizations/O/", servertest.Bearer(read), nil)
	if r.Status != 200 {
		t.Fatalf("org admin reads own org: %d %s", r.Status, r.Body)
	}
	if r := s.Do(t, "PATCH", "/api/v2/organizations/O/", servertest.Bearer(read), map[string]string{"description": "x"}); r.Status != 403 {
		t.Fatalf("read token wrote: %d", r.Status)
	}
	if r := s.Do(t, "PATCH", "/api/v2/organizations/O/", servertest.Basic("u", "pw"), map[string]string{"description": "x"}); r.Status != 200 {
		t.Fatalf("org admin with Basic: %d %s", r.Status, r.Body)
	}
	// Two servers in one test are independent.
	s2 := servertest.Start(t)
	if s2.URL == s.URL {
		t.Fatal("two servers share a URL")
	}
	if r := s2.Do(t, "GET", "/api/v2/me/", servertest.Bearer(read), nil); r.Status != 401 {
		t.Fatalf("token of one server works on another: %d", r.Status)
	}
}
