package server

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// newBareServer builds a Server without a store, for middleware and error
// mapping tests that never reach one; logs go to buf.
func newBareServer(t *testing.T, buf *bytes.Buffer) *Server {
	s := New(Config{Logger: slog.New(slog.NewJSONHandler(buf, nil))})
	t.Cleanup(func() { s.Close() })
	return s
}

func TestWriteErrorMapping(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	cases := []struct {
		err    error
		status int
		body   string
	}{
		{store.NotFound(store.ModelToken), 404, `{"detail":"No OAuth2AccessToken matches the given query."}`},
		{fmt.Errorf("wrapped: %w", store.NotFound(store.ModelUser)), 404, `{"detail":"No User matches the given query."}`},
		{store.Errorf(store.EINVALID, "OAuth2AccessToken has no field named 'foo'"), 400, `{"detail":"OAuth2AccessToken has no field named 'foo'"}`},
		{&store.Error{Code: store.EINVALID, Message: "bad", Field: "scope"}, 400, `{"scope":["bad"]}`},
		{store.Errorf(store.EFORBIDDEN, "Filtering on token is not allowed."), 403, `{"detail":"Filtering on token is not allowed."}`},
		{store.Errorf(store.EFORBIDDEN, ""), 403, `{"detail":"You do not have permission to perform this action."}`},
		{&store.Error{Code: store.ECONFLICT, Message: "Application with this Name and Organization already exists."}, 400, `{"__all__":["Application with this Name and Organization already exists."]}`},
		{&store.Error{Code: store.ECONFLICT, Message: "Organization with this Name already exists.", Field: "name"}, 400, `{"name":["Organization with this Name already exists."]}`},
		{&http.MaxBytesError{Limit: 1}, 413, `{"detail":"Request body too large."}`},
	}
	for _, c := range cases {
		w := httptest.NewRecorder()
		writeError(w, httptest.NewRequest("GET", "/", nil), c.err)
		if w.Code != c.status || w.Body.String() != c.body {
			t.Errorf("%v: %d %s, want %d %s", c.err, w.Code, w.Body, c.status, c.body)
		}
	}

	// An internal error: a 500 with the request id, the cause only in the log.
	h := s.withRequestID(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, errors.New("disk on fire"))
	}))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/x/", nil))
	id := w.Header().Get("X-API-Request-Id")
	if w.Code != 500 || w.Body.String() != `{"detail":"A server error has occurred.","request_id":"`+id+`"}` {
		t.Errorf("internal error: %d %s", w.Code, w.Body)
	}
	if !strings.Contains(logs.String(), "disk on fire") || !strings.Contains(logs.String(), `"request_id":"`+id+`"`) {
		t.Errorf("log lacks the cause or the request id: %s", logs.String())
	}
}

func TestRecoverMiddleware(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	h := chain(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		panic("handler bug")
	}), s.withRequestID, s.withAWXHeaders, s.withRecover)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/x/", nil))
	id := w.Header().Get("X-API-Request-Id")
	if w.Code != 500 || w.Body.String() != `{"detail":"A server error has occurred.","request_id":"`+id+`"}` {
		t.Errorf("panic: %d %s", w.Code, w.Body)
	}
	if w.Header().Get("X-API-Product-Name") != "AWX" || w.Header().Get("X-API-Time") == "" {
		t.Errorf("headers on a 500: %v", w.Header())
	}
	if !strings.Contains(logs.String(), "handler bug") || !strings.Contains(logs.String(), id) {
		t.Errorf("panic not logged with request id: %s", logs.String())
	}
}

// The access log never holds the query string (where a careless client
// would put access_token=...).
func TestAccessLogOmitsQuery(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	w := httptest.NewRecorder()
	s.Handler().ServeHTTP(w, httptest.NewRequest("GET", "/api/v2/ping/?secretthing=abcdefghij0123456789ABCDEFGHIJ", nil))
	if w.Code != 200 {
		t.Fatalf("ping: %d", w.Code)
	}
	if !strings.Contains(logs.String(), `"path":"/api/v2/ping/"`) || strings.Contains(logs.String(), "abcdefghij0123456789ABCDEFGHIJ") {
		t.Errorf("access log: %s", logs.String())
	}
}

func TestLastUsedBatcher(t *testing.T) {
	b := newLastUsedBatcher()
	t0 := mustTime(t, "2025-01-01T00:00:00Z")
	b.note(1, nil, t0)
	b.note(1, nil, t0.Add(30e9)) // within a minute: suppressed
	b.note(2, &t0, t0.Add(10e9)) // the store saw a use 10s ago: suppressed
	got := b.take(t0.Add(31e9))
	if len(got) != 1 || !got[1].Equal(t0) {
		t.Fatalf("first batch: %v", got)
	}
	if got := b.take(t0.Add(32e9)); got != nil {
		t.Fatalf("second batch: %v", got)
	}
	b.note(1, nil, t0.Add(61e9))
	if got := b.take(t0.Add(62e9)); len(got) != 1 {
		t.Fatalf("after a minute: %v", got)
	}
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestApplyInvalidations(t *testing.T) {
	var logs bytes.Buffer
	s := newBareServer(t, &logs)
	app := int64(7)
	put := func(key byte, tokID, userID int64, appID *int64) [32]byte {
		k := [32]byte{key}
		s.tokens.put(k, &store.AccessToken{ID: tokID, UserID: userID, ApplicationID: appID}, &store.User{ID: userID})
		return k
	}
	cached := func(k [32]byte) bool { _, ok := s.tokens.get(k); return ok }
	a, b, c, d := put(1, 1, 10, nil), put(2, 2, 20, nil), put(3, 3, 30, &app), put(4, 4, 40, nil)

	feed := make(chan store.Invalidation, 4)
	feed <- store.Invalidation{TokenIDs: []int64{1}}
	feed <- store.Invalidation{UserIDs: []int64{20}}
	feed <- store.Invalidation{ApplicationIDs: []int64{7}}
	close(feed)
	s.applyInvalidations(feed)
	if cached(a) || cached(b) || cached(c) || !cached(d) {
		t.Fatalf("after targeted invalidations: %v %v %v %v", cached(a), cached(b), cached(c), cached(d))
	}
	feed = make(chan store.Invalidation, 1)
	feed <- store.Invalidation{All: true}
	close(feed)
	s.applyInvalidations(feed)
	if cached(d) {
		t.Fatal("All left an entry")
	}
}
