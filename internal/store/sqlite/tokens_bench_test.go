package sqlite_test

import (
	"context"
	"path/filepath"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/sqlite"
)

// BenchmarkTokenCreateRequest is the store's share of one
// POST /api/v2/users/0/tokens/ at 64 concurrent clients: the server stores
// the token, then its activity stream entry, each a durable write of its
// own. "token" is the first write alone; "token+activity" both, in order,
// as a request does them. The gap is what a second commit per request costs.
func BenchmarkTokenCreateRequest(b *testing.B) {
	for _, withActivity := range []bool{false, true} {
		name := "token"
		if withActivity {
			name = "token+activity"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			u := &store.User{Username: "alice", IsActive: true}
			if err := db.CreateUser(ctx, u); err != nil {
				b.Fatal(err)
			}
			var seq atomic.Int64
			changes := []byte(`{"user":"alice-1","application":null,"description":"","scope":"write"}`)
			// 64 clients whatever GOMAXPROCS is, as the suite's load.
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					t := &store.AccessToken{UserID: u.ID, Digest: benchDigest(seq.Add(1)), Expires: time.Now().AddDate(100, 0, 0), Scope: "write"}
					if err := db.CreateAccessToken(ctx, t, nil); err != nil {
						b.Error(err)
						return
					}
					if withActivity {
						a := &store.Activity{ActorID: &u.ID, Operation: "create", ObjectType: "o_auth2_access_token", ObjectID: t.ID, Changes: changes}
						if err := db.AddActivity(ctx, a); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
		})
	}
}
