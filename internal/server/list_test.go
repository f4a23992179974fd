package server_test

import (
	"fmt"
	"testing"

	"github.com/awxtoken/awxtoken/internal/servertest"
)

type userPage struct {
	Count    int     `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []struct {
		ID       int64  `json:"id"`
		Username string `json:"username"`
	} `json:"results"`
}

func getUsers(t *testing.T, s *servertest.Server, query string) userPage {
	t.Helper()
	r := s.Do(t, "GET", "/api/v2/users/"+query, s.Admin(), nil)
	expectStatus(t, r, 200)
	var p userPage
	r.JSON(t, &p)
	return p
}

func str(p *string) string {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func names(p userPage) []string {
	var out []string
	for _, u := range p.Results {
		out = append(out, u.Username)
	}
	return out
}

func TestPagination(t *testing.T) {
	s := servertest.Start(t)
	// 60 users + admin = 61, ordered by username: admin, u00..u59.
	for i := range 60 {
		s.CreateUser(t, fmt.Sprintf("u%02d", i), "", false)
	}
	p := getUsers(t, s, "")
	if p.Count != 61 || len(p.Results) != 25 || str(p.Next) != "/api/v2/users/?page=2" || p.Previous != nil {
		t.Fatalf("page 1: count %d, %d results, next %s, previous %s", p.Count, len(p.Results), str(p.Next), str(p.Previous))
	}
	if p.Results[0].Username != "admin" || p.Results[1].Username != "u00" {
		t.Errorf("default order: %v", names(p))
	}
	p = getUsers(t, s, "?page=2")
	if str(p.Previous) != "/api/v2/users/?page=1" || str(p.Next) != "/api/v2/users/?page=3" {
		t.Errorf("page 2 links: %s %s", str(p.Previous), str(p.Next))
	}
	p = getUsers(t, s, "?page=3")
	if len(p.Results) != 11 || p.Next != nil || str(p.Previous) != "/api/v2/users/?page=2" {
		t.Errorf("page 3: %d results, next %s, previous %s", len(p.Results), str(p.Next), str(p.Previous))
	}
	// Query keys are kept and sorted; page replaced.
	p = getUsers(t, s, "?username__startswith=u&page_size=10&page=2&order_by=-username")
	if p.Count != 60 || str(p.Next) != "/api/v2/users/?order_by=-username&page=3&page_size=10&username__startswith=u" ||
		str(p.Previous) != "/api/v2/users/?order_by=-username&page=1&page_size=10&username__startswith=u" {
		t.Errorf("links: %s %s", str(p.Next), str(p.Previous))
	}
	if p.Results[0].Username != "u49" {
		t.Errorf("order_by=-username page 2 starts with %s", p.Results[0].Username)
	}
	// page_size over the cap shows as 200 in the links.
	for i := 60; i < 210; i++ {
		s.CreateUser(t, fmt.Sprintf("u%03d", i), "", false)
	}
	p = getUsers(t, s, "?page_size=500")
	if len(p.Results) != 200 || str(p.Next) != "/api/v2/users/?page=2&page_size=200" {
		t.Errorf("page_size=500: %d results, next %s", len(p.Results), str(p.Next))
	}
	p = getUsers(t, s, "?page_size=500&page=2")
	if len(p.Results) != 11 || str(p.Previous) != "/api/v2/users/?page=1&page_size=200" {
		t.Errorf("page_size=500 page 2: %d results, previous %s", len(p.Results), str(p.Previous))
	}
	// A repeated page or page_size counts by its last value, as Django's
	// QueryDict.get reads it; the links keep every value of page_size.
	p = getUsers(t, s, "?page_size=2&page_size=3&page=1&page=2")
	if len(p.Results) != 3 || p.Results[0].Username != "u02" ||
		str(p.Next) != "/api/v2/users/?page=3&page_size=2&page_size=3" {
		t.Errorf("repeated page and page_size: %v, next %s", names(p), str(p.Next))
	}
	// A page_size too large for an int is over the cap too (DRF's int has no
	// overflow): 200 results and 200 in the links, not the default 25.
	p = getUsers(t, s, "?page_size=99999999999999999999")
	if len(p.Results) != 200 || str(p.Next) != "/api/v2/users/?page=2&page_size=200" {
		t.Errorf("page_size=99999999999999999999: %d results, next %s", len(p.Results), str(p.Next))
	}
	// Non-numeric or non-positive page_size means 25.
	for _, q := range []string{"?page_size=0", "?page_size=-3", "?page_size=abc", "?page_size="} {
		if p := getUsers(t, s, q); len(p.Results) != 25 {
			t.Errorf("%s: %d results", q, len(p.Results))
		}
	}
	// Bad pages.
	for _, q := range []string{"?page=0", "?page=-1", "?page=abc", "?page=12", "?page=99999999999999999999", "?page=9223372036854775807", "?page=1.5"} {
		expect(t, s.Do(t, "GET", "/api/v2/users/"+q, s.Admin(), nil), 404, bodyInvalidPage)
	}
	// An empty first page is fine.
	if p := getUsers(t, s, "?username=nobody"); p.Count != 0 || p.Results == nil || p.Next != nil {
		t.Errorf("empty list: %+v", p)
	}
	expect(t, s.Do(t, "GET", "/api/v2/users/?username=nobody", s.Admin(), nil), 200, `{"count":0,"next":null,"previous":null,"results":[]}`)
	expect(t, s.Do(t, "GET", "/api/v2/users/?username=nobody&page=2", s.Admin(), nil), 404, bodyInvalidPage)
}

func TestFilters(t *testing.T) {
	s := servertest.Start(t)
	ids := map[string]int64{}
	for _, n := range []string{"alice", "albert", "bob", "carol"} {
		ids[n] = s.CreateUser(t, n, "", false).ID
	}
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"?username=bob", "[bob]"},
		{"?username__startswith=al", "[albert alice]"},
		{"?username__istartswith=AL", "[albert alice]"},
		{"?username__icontains=O", "[bob carol]"},
		{"?not__username=admin&order_by=-username", "[carol bob alice albert]"},
		{"?or__username=bob&or__username=carol", "[bob carol]"},
		{fmt.Sprintf("?id__in=%d,%d", ids["alice"], ids["carol"]), "[alice carol]"},
		{"?username__regex=^a.*t$", "[albert]"},
		{"?is_superuser=true", "[admin]"},
		{"?last_login__isnull=true&username__endswith=ce", "[alice]"},
		{"?search=car", "[carol]"},
		{"?search=car&search=bo", "[bob]"}, // the last value, as DRF's SearchFilter reads it
		{"?order=-id&username__in=alice,bob", "[bob alice]"},
		{"?format=json&type=user&username=bob", "[bob]"},
	} {
		p := getUsers(t, s, tc.query)
		if got := fmt.Sprint(names(p)); got != tc.want {
			t.Errorf("%s: got %s, want %s", tc.query, got, tc.want)
		}
	}
	for _, tc := range []struct {
		query, status, body string
	}{
		{"?password=x", "403", `{"detail":"Filtering on password is not allowed."}`},
		{"?password__startswith=pbkdf2", "403", `{"detail":"Filtering on password is not allowed."}`},
		{"?not__password_hash=x", "403", `{"detail":"Filtering on password_hash is not allowed."}`},
		{"?order_by=password", "403", `{"detail":"Filtering on password is not allowed."}`},
		{"?foo=1", "400", `{"detail":"User has no field named 'foo'"}`},
		{"?order_by=foo", "400", `{"detail":"User has no field named 'foo'"}`},
		{"?last_login__isnull=maybe", "400", `{"detail":"Unable to convert \"maybe\" to boolean"}`},
	} {
		r := s.Do(t, "GET", "/api/v2/users/"+tc.query, s.Admin(), nil)
		if fmt.Sprint(r.Status) != tc.status || string(r.Body) != tc.body {
			t.Errorf("%s: %d %s, want %s %s", tc.query, r.Status, r.Body, tc.status, tc.body)
		}
	}
}

func TestNonNumericIDs(t *testing.T) {
	s := servertest.Start(t)
	for _, p := range []string{"/api/v2/roles/abc/", "/api/v2/roles/-1/", "/api/v2/roles/1.0/", "/api/v2/roles/99999999999999999999999/", "/api/v2/users/no-such-user/", "/api/v2/organizations/nope/"} {
		expect(t, s.Do(t, "GET", p, s.Admin(), nil), 404, bodyNotFound)
	}
	expect(t, s.Do(t, "GET", "/api/v2/users/999999/", s.Admin(), nil), 404, `{"detail":"No User matches the given query."}`)
	expect(t, s.Do(t, "GET", "/api/v2/organizations/999999/", s.Admin(), nil), 404, `{"detail":"No Organization matches the given query."}`)
	expect(t, s.Do(t, "GET", "/api/v2/roles/999999/", s.Admin(), nil), 404, `{"detail":"No Role matches the given query."}`)
}
