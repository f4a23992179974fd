package awx

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

const tokenJSON = `{"id":5,"type":"o_auth2_access_token","url":"/api/v2/tokens/5/",
"related":{"user":"/api/v2/users/1/","application":"/api/v2/applications/2/","activity_stream":"/api/v2/tokens/5/activity_stream/"},
"summary_fields":{"user":{"id":1,"username":"admin","first_name":"","last_name":""},"application":{"id":2,"name":"app"}},
"created":"2024-10-09T02:23:08.123456Z","modified":"2024-10-09T02:23:08.123456Z","description":"x","user":1,
"token":"************","refresh_token":"************","application":2,"expires":"3024-02-10T02:23:08.123456Z","scope":"write"}`

func TestTokenCreateRequestBodies(t *testing.T) {
	app := int64(3)
	tests := []struct {
		name string
		req  TokenCreateRequest
		want string
	}{
		{"scope only", TokenCreateRequest{Scope: "write"}, `{"scope":"write"}`},
		{"empty description is sent", TokenCreateRequest{Description: ptr(""), Scope: "read"}, `{"description":"","scope":"read"}`},
		{"all, in AWX.psm's order", TokenCreateRequest{Application: &app, Scope: "write", Description: ptr("x")}, `{"description":"x","scope":"write","application":3}`},
		{"nothing", TokenCreateRequest{}, `{}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, mux, _ := setup(t, "/awx")
			mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
				testMethod(t, r, "POST")
				testHeader(t, r, "Content-Type", "application/json")
				testBody(t, r, tt.want)
				writeJSON(w, 201, tokenJSON)
			})
			tok, resp, err := c.Tokens.Create(ctx, tt.req)
			if err != nil {
				t.Fatal(err)
			}
			if tok.ID != 5 || resp.StatusCode != 201 {
				t.Errorf("Create = %+v, %d", tok, resp.StatusCode)
			}
		})
	}
}

func TestTokensGet(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/tokens/5/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "GET")
			testQuery(t, r, "")
			writeJSON(w, 200, tokenJSON)
		})
		tok, _, err := c.Tokens.Get(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := &Token{
			ID: 5, Type: TypeToken, URL: "/api/v2/tokens/5/",
			Related: TokenRelated{User: "/api/v2/users/1/", Application: "/api/v2/applications/2/", ActivityStream: "/api/v2/tokens/5/activity_stream/"},
			SummaryFields: TokenSummary{
				User:        &UserSummary{ID: 1, Username: "admin"},
				Application: &ApplicationSummary{ID: 2, Name: "app"},
			},
			Created: tok.Created, Modified: tok.Modified, Expires: tok.Expires,
			Description: "x", User: 1, Token: Censored, RefreshToken: ptr(Censored),
			Application: ptr(int64(2)), Scope: "write",
		}
		diff(t, "token", tok, want)
		if got := tok.Created.String(); got != "2024-10-09T02:23:08.123456Z" {
			t.Errorf("created = %s", got)
		}
	})
}

func TestTokensGetNotFound(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/v2/tokens/9/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 404, `{"detail":"No OAuth2AccessToken matches the given query."}`)
	})
	_, resp, err := c.Tokens.Get(ctx, 9)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if resp == nil || resp.StatusCode != 404 {
		t.Errorf("resp = %v, want the 404 response", resp)
	}
	if want := "404 Not Found on GET /api/v2/tokens/9/: No OAuth2AccessToken matches the given query."; err.Error() != want {
		t.Errorf("err = %q, want %q", err, want)
	}
}

func TestTokensGetMany(t *testing.T) {
	c, mux, _ := setup(t, "/awx")
	var queries []string
	mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "GET")
		queries = append(queries, r.URL.RawQuery)
		ids := strings.Split(r.URL.Query().Get("id__in"), ",")
		var results []string
		for _, id := range ids {
			if id != "2" { // id 2 does not exist
				results = append(results, `{"id":`+id+`}`)
			}
		}
		writeJSON(w, 200, fmt.Sprintf(`{"count":%d,"next":null,"previous":null,"results":[%s]}`, len(results), strings.Join(results, ",")))
	})

	toks, _, err := c.Tokens.GetMany(ctx, []int64{1, 2, 3, 1})
	if err != nil {
		t.Fatal(err)
	}
	diff(t, "queries", queries, []string{"id__in=1,2,3&page_size=3"})
	var got []int64
	for _, tk := range toks {
		got = append(got, tk.ID)
	}
	diff(t, "ids", got, []int64{1, 3})

	// 450 ids take three requests of 200, 200 and 50.
	queries = nil
	var many []int64
	for i := int64(1); i <= 450; i++ {
		many = append(many, i)
	}
	toks, _, err = c.Tokens.GetMany(ctx, many)
	if err != nil {
		t.Fatal(err)
	}
	if len(queries) != 3 {
		t.Fatalf("%d requests, want 3", len(queries))
	}
	for i, want := range []int{200, 200, 50} {
		if !strings.HasSuffix(queries[i], "&page_size="+strconv.Itoa(want)) {
			t.Errorf("request %d query ends %q, want page_size=%d", i, queries[i][max(0, len(queries[i])-20):], want)
		}
	}
	if !strings.HasPrefix(queries[2], "id__in=401,402,") {
		t.Errorf("third batch starts %q", queries[2][:20])
	}
	if len(toks) != 449 {
		t.Errorf("%d tokens, want 449", len(toks))
	}

	queries = nil
	toks, _, err = c.Tokens.GetMany(ctx, nil)
	if err != nil || len(toks) != 0 || len(queries) != 0 {
		t.Errorf("GetMany(nil) = %v, %v after %d requests", toks, err, len(queries))
	}
}

func TestTokensListQuery(t *testing.T) {
	tests := []struct {
		name      string
		opts      *TokenListOptions
		path, raw string
	}{
		{"nil", nil, "/api/v2/tokens/", ""},
		{"list options", &TokenListOptions{ListOptions: ListOptions{Page: 2, PageSize: 50, Search: "ci job", OrderBy: "-id"}},
			"/api/v2/tokens/", "order_by=-id&page=2&page_size=50&search=ci+job"},
		{"filters", &TokenListOptions{ListOptions: ListOptions{Filters: []string{"user__username=alice", "id__in=1,2", "description__icontains=a&b"}}},
			"/api/v2/tokens/", "description__icontains=a%26b&id__in=1,2&user__username=alice"},
		{"personal", &TokenListOptions{Type: "personal"}, "/api/v2/tokens/", "application=null"},
		{"authorized", &TokenListOptions{Type: "Authorized"}, "/api/v2/tokens/", "not__application=null"},
		{"both", &TokenListOptions{Type: "both"}, "/api/v2/tokens/", ""},
		{"user", &TokenListOptions{User: 4, Type: "personal", ListOptions: ListOptions{PageSize: 20}}, "/api/v2/users/4/tokens/", "application=null&page_size=20"},
		{"application ignores type", &TokenListOptions{Application: 2, Type: "personal", ListOptions: ListOptions{OrderBy: "id"}}, "/api/v2/applications/2/tokens/", "order_by=id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			forEachPrefix(t, func(t *testing.T, prefix string) {
				c, mux, _ := setup(t, prefix)
				called := false
				mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
					called = true
					testMethod(t, r, "GET")
					if r.URL.Path != tt.path {
						t.Errorf("path = %s, want %s", r.URL.Path, tt.path)
					}
					testQuery(t, r, tt.raw)
					writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[`+tokenJSON+`]}`)
				})
				toks, resp, err := c.Tokens.List(ctx, tt.opts)
				if err != nil {
					t.Fatal(err)
				}
				if !called || len(toks) != 1 || resp.Count != 1 {
					t.Errorf("List = %d tokens, count %d", len(toks), resp.Count)
				}
			})
		})
	}
}

func TestTokensListBadOptions(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		t.Errorf("unexpected request %s", r.URL)
	})
	tests := []struct {
		opts *TokenListOptions
		want string
	}{
		{&TokenListOptions{Type: "pat"}, `token type "pat" is not personal, authorized or both`},
		{&TokenListOptions{Application: 1, User: 2}, "not both"},
		{&TokenListOptions{ListOptions: ListOptions{Filters: []string{"novalue"}}}, `filter "novalue" is not of the form key=value`},
		{&TokenListOptions{ListOptions: ListOptions{Filters: []string{"=x"}}}, `filter "=x"`},
	}
	for _, tt := range tests {
		if _, _, err := c.Tokens.List(ctx, tt.opts); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("List(%+v) err = %v, want %q", tt.opts, err, tt.want)
		}
		n := 0
		for _, err := range c.Tokens.All(ctx, tt.opts) {
			n++
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("All(%+v) err = %v, want %q", tt.opts, err, tt.want)
			}
		}
		if n != 1 {
			t.Errorf("All(%+v) yielded %d times, want 1", tt.opts, n)
		}
	}
}

// pagedTokens serves 5 tokens, 2 per page, with AWX's links (prefixed with
// linkPrefix, as an AWX behind a path prefix may write them).
func pagedTokens(t *testing.T, mux *http.ServeMux, linkPrefix string, requests *atomic.Int32) {
	mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		testHeader(t, r, "Authorization", "Bearer "+testToken)
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 0 {
			page = 1
		}
		if r.URL.Query().Get("search") != "ci" {
			t.Errorf("page %d lost the search: %s", page, r.URL.RawQuery)
		}
		if page > 3 {
			writeJSON(w, 404, `{"detail":"Invalid page."}`)
			return
		}
		link := func(p int) string {
			if p < 1 || p > 3 {
				return "null"
			}
			return fmt.Sprintf(`"%s/api/v2/tokens/?page=%d&page_size=2&search=ci"`, linkPrefix, p)
		}
		var results []string
		for id := (page-1)*2 + 1; id <= min(page*2, 5); id++ {
			results = append(results, fmt.Sprintf(`{"id":%d}`, id))
		}
		writeJSON(w, 200, fmt.Sprintf(`{"count":5,"next":%s,"previous":%s,"results":[%s]}`,
			link(page+1), link(page-1), strings.Join(results, ",")))
	})
}

func TestTokensAll(t *testing.T) {
	for _, linkPrefix := range []string{"", "/awx"} {
		t.Run("links "+linkPrefix, func(t *testing.T) {
			c, mux, _ := setup(t, "/awx")
			var requests atomic.Int32
			pagedTokens(t, mux, linkPrefix, &requests)

			var ids []int64
			for tok, err := range c.Tokens.All(ctx, &TokenListOptions{ListOptions: ListOptions{PageSize: 2, Search: "ci"}}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tok.ID)
			}
			diff(t, "ids", ids, []int64{1, 2, 3, 4, 5})
			if requests.Load() != 3 {
				t.Errorf("%d requests, want 3", requests.Load())
			}

			// Stopping early stops fetching.
			requests.Store(0)
			for tok, err := range c.Tokens.All(ctx, &TokenListOptions{ListOptions: ListOptions{PageSize: 2, Search: "ci"}}) {
				if err != nil || tok.ID == 2 {
					break
				}
			}
			if requests.Load() != 1 {
				t.Errorf("%d requests after breaking on page 1, want 1", requests.Load())
			}

			// Starting on a page.
			ids = nil
			for tok, err := range c.Tokens.All(ctx, &TokenListOptions{ListOptions: ListOptions{Page: 3, PageSize: 2, Search: "ci"}}) {
				if err != nil {
					t.Fatal(err)
				}
				ids = append(ids, tok.ID)
			}
			diff(t, "ids from page 3", ids, []int64{5})
		})
	}
}

func TestTokensListPageEnvelope(t *testing.T) {
	c, mux, _ := setup(t, "")
	var requests atomic.Int32
	pagedTokens(t, mux, "", &requests)
	toks, resp, err := c.Tokens.List(ctx, &TokenListOptions{ListOptions: ListOptions{Page: 2, PageSize: 2, Search: "ci"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(toks) != 2 || resp.Count != 5 ||
		resp.Next != "/api/v2/tokens/?page=3&page_size=2&search=ci" ||
		resp.Previous != "/api/v2/tokens/?page=1&page_size=2&search=ci" {
		t.Errorf("List = %d tokens, count %d, next %q, previous %q", len(toks), resp.Count, resp.Next, resp.Previous)
	}
	_, _, err = c.Tokens.List(ctx, &TokenListOptions{ListOptions: ListOptions{Page: 9, Search: "ci"}})
	if !errors.Is(err, ErrNotFound) || !strings.HasSuffix(err.Error(), ": Invalid page.") {
		t.Errorf("page past the end: err = %v", err)
	}
}

func TestTokensAllStopsOnErrorAndLoops(t *testing.T) {
	c, mux, _ := setup(t, "")
	mux.HandleFunc("/api/v2/tokens/", func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("page") {
		case "":
			writeJSON(w, 200, `{"count":3,"next":"/api/v2/tokens/?page=2","previous":null,"results":[{"id":1}]}`)
		case "2":
			writeJSON(w, 500, `<html><head><title>Server Error (500)</title></head></html>`)
		}
	})
	mux.HandleFunc("/api/v2/users/1/tokens/", func(w http.ResponseWriter, r *http.Request) {
		// A broken server whose next link points back at the same page.
		writeJSON(w, 200, `{"count":3,"next":"/api/v2/users/1/tokens/","previous":null,"results":[{"id":1}]}`)
	})

	var ids []int64
	var errs []error
	for tok, err := range c.Tokens.All(ctx, nil) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, tok.ID)
	}
	diff(t, "ids", ids, []int64{1})
	if len(errs) != 1 || errs[0].Error() != "500 Internal Server Error on GET /api/v2/tokens/: Server Error (500)" {
		t.Errorf("errors = %v", errs)
	}

	ids, errs = nil, nil
	for tok, err := range c.Tokens.All(ctx, &TokenListOptions{User: 1}) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ids = append(ids, tok.ID)
	}
	if len(ids) != 1 || len(errs) != 1 || !strings.Contains(errs[0].Error(), "repeats a page") {
		t.Errorf("loop: ids %v, errors %v", ids, errs)
	}
}

func TestTokensCreateForApplication(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/applications/3/tokens/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			// The application is in the URL; AWX.psm does not repeat it.
			testBody(t, r, `{"description":"x","scope":"write"}`)
			writeJSON(w, 201, tokenJSON)
		})
		other := int64(9)
		if _, _, err := c.Tokens.CreateForApplication(ctx, 3, TokenCreateRequest{Description: ptr("x"), Scope: "write", Application: &other}); err != nil {
			t.Fatal(err)
		}
	})
}

func TestTokensCreateForMe(t *testing.T) {
	t.Run("users/0 works", func(t *testing.T) {
		c, mux, _ := setup(t, "/awx")
		var calls []string
		mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
			calls = append(calls, r.Method+" "+r.URL.Path)
			testBody(t, r, `{"scope":"write","application":2}`)
			writeJSON(w, 201, tokenJSON)
		})
		app := int64(2)
		if _, _, err := c.Tokens.CreateForMe(ctx, TokenCreateRequest{Scope: "write", Application: &app}); err != nil {
			t.Fatal(err)
		}
		diff(t, "calls", calls, []string{"POST /api/v2/users/0/tokens/"})
	})

	t.Run("falls back on 404", func(t *testing.T) {
		c, mux, _ := setup(t, "/awx")
		var calls []string
		mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
			calls = append(calls, r.Method+" "+r.URL.Path)
			switch r.URL.Path {
			case "/api/v2/users/0/tokens/":
				writeJSON(w, 404, `{"detail":"No User matches the given query."}`)
			case "/api/v2/me/":
				testMethod(t, r, "GET")
				writeJSON(w, 200, `{"count":1,"next":null,"previous":null,"results":[{"id":42,"username":"bob"}]}`)
			case "/api/v2/users/42/tokens/":
				testMethod(t, r, "POST")
				testBody(t, r, `{"description":"","scope":"read"}`)
				writeJSON(w, 201, tokenJSON)
			default:
				t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
			}
		})
		tok, resp, err := c.Tokens.CreateForMe(ctx, TokenCreateRequest{Description: ptr(""), Scope: "read"})
		if err != nil {
			t.Fatal(err)
		}
		if tok.ID != 5 || resp.StatusCode != 201 {
			t.Errorf("CreateForMe = %+v, %d", tok, resp.StatusCode)
		}
		diff(t, "calls", calls, []string{"POST /api/v2/users/0/tokens/", "GET /api/v2/me/", "POST /api/v2/users/42/tokens/"})
	})

	for _, status := range []int{400, 401, 403, 500} {
		t.Run(fmt.Sprintf("no fallback on %d", status), func(t *testing.T) {
			c, mux, _ := setup(t, "")
			var calls int
			mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
				calls++
				writeJSON(w, status, `{"detail":"nope"}`)
			})
			_, resp, err := c.Tokens.CreateForMe(ctx, TokenCreateRequest{Scope: "write"})
			var er *ErrorResponse
			if !errors.As(err, &er) || er.StatusCode != status || resp.StatusCode != status {
				t.Errorf("err = %v, want a %d ErrorResponse", err, status)
			}
			if calls != 1 {
				t.Errorf("%d requests, want 1", calls)
			}
		})
	}

	t.Run("lookup fails", func(t *testing.T) {
		c, mux, _ := setup(t, "")
		mux.HandleFunc("/api/v2/", func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/api/v2/users/0/tokens/":
				writeJSON(w, 404, `{"detail":"No User matches the given query."}`)
			default:
				writeJSON(w, 401, `{"detail":"Authentication credentials were not provided."}`)
			}
		})
		_, _, err := c.Tokens.CreateForMe(ctx, TokenCreateRequest{Scope: "write"})
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "looking up the current user") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestTokensCreatePersonal(t *testing.T) {
	forEachPrefix(t, func(t *testing.T, prefix string) {
		c, mux, _ := setup(t, prefix)
		mux.HandleFunc("/api/v2/users/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "POST")
			if got := r.URL.EscapedPath(); got != "/api/v2/users/j%20doe/personal_tokens/" && got != "/api/v2/users/7/personal_tokens/" {
				t.Errorf("path = %s", got)
			}
			testBody(t, r, `{"description":"awxkit","scope":"write"}`)
			writeJSON(w, 201, tokenJSON)
		})
		for _, u := range []string{"j doe", "7"} {
			if _, _, err := c.Tokens.CreatePersonal(ctx, u, TokenCreateRequest{Description: ptr("awxkit"), Scope: "write"}); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := c.Tokens.CreatePersonal(ctx, "", TokenCreateRequest{}); err == nil {
			t.Error("CreatePersonal with no user succeeded")
		}
	})
}

func TestTokensUpdateDelete(t *testing.T) {
	tests := []struct {
		req  TokenUpdateRequest
		want string
	}{
		{TokenUpdateRequest{Scope: ptr("read")}, `{"scope":"read"}`},
		{TokenUpdateRequest{Description: ptr("")}, `{"description":""}`},
		{TokenUpdateRequest{Description: ptr("d"), Scope: ptr("write")}, `{"description":"d","scope":"write"}`},
	}
	for _, tt := range tests {
		c, mux, _ := setup(t, "/awx")
		mux.HandleFunc("/api/v2/tokens/5/", func(w http.ResponseWriter, r *http.Request) {
			testMethod(t, r, "PATCH")
			testBody(t, r, tt.want)
			writeJSON(w, 200, tokenJSON)
		})
		if _, _, err := c.Tokens.Update(ctx, 5, tt.req); err != nil {
			t.Fatal(err)
		}
	}

	c, mux, _ := setup(t, "/awx")
	mux.HandleFunc("/api/v2/tokens/5/", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, "DELETE")
		w.WriteHeader(204)
	})
	mux.HandleFunc("/api/v2/tokens/6/", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, `{"detail":"You do not have permission to perform this action."}`)
	})
	if resp, err := c.Tokens.Delete(ctx, 5); err != nil || resp.StatusCode != 204 {
		t.Errorf("Delete(5) = %v, %v", resp, err)
	}
	_, err := c.Tokens.Delete(ctx, 6)
	if !errors.Is(err, ErrForbidden) || err.Error() != "403 Forbidden on DELETE /awx/api/v2/tokens/6/: You do not have permission to perform this action." {
		t.Errorf("Delete(6) err = %v", err)
	}
}
