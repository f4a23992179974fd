package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

// These benchmarks measure the authentication hot path below the network:
// the digest, the lookup (cached and from the store), and the whole
// middleware chain in front of GET /api/v2/me/. The HTTP stack and the
// load generator are bench/'s business (go run ./bench).

// benchEnv is a server on a temporary SQLite store with one active user and
// tokens whose clear values are known.
type benchEnv struct {
	s      *Server
	st     store.Store
	user   *store.User
	tokens []string
}

func newBenchEnv(b *testing.B, tokens int, logger *slog.Logger) *benchEnv {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	u := &store.User{Username: "alice", IsActive: true, IsSuperuser: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	e := &benchEnv{st: db, user: u}
	// Concurrent creates share commits (group commit), which keeps the
	// setup of thousands of tokens short.
	const workers = 64
	e.tokens = make([]string, tokens)
	errs := make(chan error, workers)
	var next atomic.Int64
	for range workers {
		go func() {
			for {
				i := int(next.Add(1)) - 1
				if i >= tokens {
					errs <- nil
					return
				}
				tok := secret.NewToken()
				t := &store.AccessToken{UserID: u.ID, Digest: secret.Digest(tok), Expires: time.Now().AddDate(100, 0, 0), Scope: "write"}
				if err := db.CreateAccessToken(ctx, t, nil); err != nil {
					errs <- err
					return
				}
				e.tokens[i] = tok
			}
		}()
	}
	for range workers {
		if err := <-errs; err != nil {
			b.Fatal(err)
		}
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	e.s = New(Config{Store: db, Logger: logger})
	b.Cleanup(func() {
		e.s.Close()
		db.Close()
	})
	return e
}

// BenchmarkTokenDigest is the per-request work before any lookup: the shape
// check and the SHA-256 digest.
func BenchmarkTokenDigest(b *testing.B) {
	tok := secret.NewToken()
	b.ReportAllocs()
	for b.Loop() {
		if !secret.LooksLikeToken(tok) {
			b.Fatal("token refused")
		}
		if len(secret.Digest(tok)) != 32 {
			b.Fatal("bad digest")
		}
	}
}

// BenchmarkBearerCached resolves the same token again and again: after the
// first request the lookup cache answers (the common client).
func BenchmarkBearerCached(b *testing.B) {
	e := newBenchEnv(b, 1, nil)
	r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c, err := e.s.bearer(r, e.tokens[0])
			if err != nil || c == nil {
				b.Errorf("bearer: %v, %v", c, err)
				return
			}
		}
	})
}

// BenchmarkBearerStore resolves tokens with the lookup cache emptied before
// each one, so every resolution reaches the store: two indexed reads, the
// token by digest and its user by id.
func BenchmarkBearerStore(b *testing.B) {
	e := newBenchEnv(b, 1000, nil)
	r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
	i := 0
	b.ReportAllocs()
	for b.Loop() {
		e.s.tokens.mu.Lock()
		clear(e.s.tokens.m)
		e.s.tokens.mu.Unlock()
		i = (i + 1) % len(e.tokens)
		c, err := e.s.bearer(r, e.tokens[i])
		if err != nil || c == nil {
			b.Fatalf("bearer: %v, %v", c, err)
		}
	}
}

// BenchmarkBearerUnknown is the price of a well-formed token that does not
// exist: always a store lookup (misses are not cached).
func BenchmarkBearerUnknown(b *testing.B) {
	e := newBenchEnv(b, 1, nil)
	r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
	tok := secret.NewToken()
	b.ReportAllocs()
	for b.Loop() {
		if c, err := e.s.bearer(r, tok); err != nil || c != nil {
			b.Fatalf("bearer: %v, %v", c, err)
		}
	}
}

// BenchmarkMeHandler runs GET /api/v2/me/ through the whole handler (request
// id, AWX headers, body limit, routing, authentication, rendering) into a
// recorder: everything the server adds over a bare handler, without the
// network. "log=discard" is the chain alone; "log=text" adds the access log
// line the server writes by default (to io.Discard, so without the write);
// "log=file" writes each line to a file, a write(2) per request as the
// server did before LogBuffer; "log=file-buffered" is what `awxtoken
// server` does now: the same lines through a LogBuffer.
func BenchmarkMeHandler(b *testing.B) {
	logFile := func(b *testing.B) *os.File {
		f, err := os.Create(filepath.Join(b.TempDir(), "access.log"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { f.Close() })
		return f
	}
	for _, tc := range []struct {
		name   string
		logger func(b *testing.B) *slog.Logger
	}{
		{"log=discard", func(*testing.B) *slog.Logger { return nil }},
		{"log=text", func(*testing.B) *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }},
		{"log=file", func(b *testing.B) *slog.Logger { return slog.New(slog.NewTextHandler(logFile(b), nil)) }},
		{"log=file-buffered", func(b *testing.B) *slog.Logger {
			lb := NewLogBuffer(logFile(b), DefaultLogFlushInterval)
			b.Cleanup(func() { lb.Close() })
			return slog.New(lb.Handler(slog.NewTextHandler(lb, nil)))
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			e := newBenchEnv(b, 1, tc.logger(b))
			h := e.s.Handler()
			b.ReportAllocs()
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
					r.Header.Set("Authorization", "Bearer "+e.tokens[0])
					w := httptest.NewRecorder()
					h.ServeHTTP(w, r)
					if w.Code != http.StatusOK {
						b.Errorf("GET /api/v2/me/: %d %s", w.Code, w.Body)
						return
					}
				}
			})
		})
	}
}

// BenchmarkBareHandler is the ceiling of BenchmarkMeHandler: the same bytes
// from a handler that does nothing else, through the same recorder.
func BenchmarkBareHandler(b *testing.B) {
	e := newBenchEnv(b, 1, nil)
	r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
	r.Header.Set("Authorization", "Bearer "+e.tokens[0])
	w := httptest.NewRecorder()
	e.s.Handler().ServeHTTP(w, r)
	body := w.Body.Bytes()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r := httptest.NewRequest(http.MethodGet, "/api/v2/me/", nil)
			r.Header.Set("Authorization", "Bearer "+e.tokens[0])
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
		}
	})
}
