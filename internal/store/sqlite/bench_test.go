package sqlite_test

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

func benchDigest(n int64) []byte {
	var b [8]byte
	binary.LittleEndian.PutUint64(b[:], uint64(n))
	d := sha256.Sum256(b[:])
	return d[:]
}

// benchDB opens a fresh store in b's temporary directory, closed when b
// ends, with one user to own the tokens.
func benchDB(b *testing.B) (*sqlite.DB, *store.User) {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	u := &store.User{Username: "alice", IsActive: true}
	if err := db.CreateUser(ctx, u); err != nil {
		b.Fatal(err)
	}
	return db, u
}

// seedBenchTokens stores n tokens of u, with the digests benchDigest(0..n-1).
func seedBenchTokens(b *testing.B, db *sqlite.DB, u *store.User, n int) {
	b.Helper()
	for i := range n {
		t := &store.AccessToken{UserID: u.ID, Digest: benchDigest(int64(i)), Expires: time.Now().Add(time.Hour), Scope: "write"}
		if err := db.CreateAccessToken(context.Background(), t, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateAccessTokenParallel measures durable token creation with
// many concurrent clients (run with -cpu and -benchtime to taste).
func BenchmarkCreateAccessTokenParallel(b *testing.B) {
	ctx := context.Background()
	db, u := benchDB(b)
	var seq atomic.Int64
	b.SetParallelism(16)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			t := &store.AccessToken{UserID: u.ID, Digest: benchDigest(seq.Add(1)), Expires: time.Now().Add(time.Hour), Scope: "write"}
			if err := db.CreateAccessToken(ctx, t, nil); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAccessTokenByDigest measures the authentication lookup.
func BenchmarkAccessTokenByDigest(b *testing.B) {
	ctx := context.Background()
	db, u := benchDB(b)
	const n = 1000
	seedBenchTokens(b, db, u, n)
	var seq atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := db.AccessTokenByDigest(ctx, benchDigest(seq.Add(1)%n)); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkAccessTokenWithUser measures authentication's store path when
// the server's cache misses: a known token with its owner, and an unknown
// token (never cached, so every request with one comes here).
func BenchmarkAccessTokenWithUser(b *testing.B) {
	ctx := context.Background()
	db, u := benchDB(b)
	const n = 1000
	seedBenchTokens(b, db, u, n)
	for _, known := range []bool{true, false} {
		name := map[bool]string{true: "known", false: "unknown"}[known]
		b.Run(name, func(b *testing.B) {
			var seq atomic.Int64
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := seq.Add(1) % n
					if !known {
						i += n
					}
					_, _, err := db.AccessTokenWithUser(ctx, benchDigest(i))
					if (err == nil) != known {
						b.Errorf("token %d: %v", i, err)
						return
					}
				}
			})
		})
	}
}
