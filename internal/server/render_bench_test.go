package server

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/store"
)

// benchTokenPage is a default-sized page (25) of tokens of one user, every
// other one of an application, as GET /api/v2/tokens/ renders it.
func benchTokenPage() ([]*store.AccessToken, *store.User, *store.Application) {
	now := time.Date(2026, 11, 30, 12, 0, 0, 123456000, time.UTC)
	last := now.Add(-time.Hour)
	u := &store.User{ID: 7, Username: "alice", FirstName: "Alice", LastName: "Liddell", IsActive: true, Created: now, Modified: now}
	app := &store.Application{ID: 3, Name: "Jenkins <CI> & deploys", OrganizationID: 1, Created: now, Modified: now}
	toks := make([]*store.AccessToken, defaultPageSize)
	for i := range toks {
		t := &store.AccessToken{ID: int64(1000 + i), UserID: u.ID, Expires: now.AddDate(1000, 0, 0), Scope: "write",
			Description: "deploy token for the staging cluster", Created: now, Modified: now}
		if i%2 == 1 {
			t.ApplicationID = &app.ID
			t.LastUsed = &last
		}
		toks[i] = t
	}
	return toks, u, app
}

// BenchmarkRenderTokenPage renders a page of 25 tokens into AWX's list
// envelope and JSON, the read side's hot path (no store: owner and
// application are already known, as after the handler's prefetch).
func BenchmarkRenderTokenPage(b *testing.B) {
	toks, u, app := benchTokenPage()
	s := &Server{}
	r := httptest.NewRequest(http.MethodGet, "/api/v2/tokens/?order_by=-created&page=2", nil)
	q := store.Query{Limit: defaultPageSize, Offset: defaultPageSize}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		tr := s.newTokenRenderer()
		tr.remember(u, app)
		out := make([]awx.Token, 0, len(toks))
		for _, t := range toks {
			v, err := tr.render(ctx, t, nil)
			if err != nil {
				b.Fatal(err)
			}
			out = append(out, v)
		}
		w := httptest.NewRecorder()
		writePage(w, r, q, out, 1000)
		if w.Code != http.StatusOK {
			b.Fatalf("writePage: %d", w.Code)
		}
	}
}

// BenchmarkRenderMe renders GET /api/v2/me/'s body: one user in a page
// envelope, as handleMe does.
func BenchmarkRenderMe(b *testing.B) {
	_, u, _ := benchTokenPage()
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		v := renderUser(u, awx.UserCapabilities{Edit: true})
		writeUserPage(w, http.StatusOK, &v)
	}
}
