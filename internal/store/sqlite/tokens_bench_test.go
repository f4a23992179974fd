package sqlite_test

import (
	"context"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// BenchmarkTokenCreateRequest is the store's share of one
// POST /api/v2/users/0/tokens/ at 64 concurrent clients, in three shapes:
//
//   - token: the token alone;
//   - token+activity/one-commit: the token and its activity stream entry in
//     one transaction (store.WithActivity), as the server does;
//   - token+activity/two-commits: the token, then the entry with
//     AddActivity, each a durable commit of its own.
//
// The gap between the last two is what a second commit per request costs.
func BenchmarkTokenCreateRequest(b *testing.B) {
	for _, shape := range []string{"token", "token+activity/one-commit", "token+activity/two-commits"} {
		b.Run(shape, func(b *testing.B) {
			ctx := context.Background()
			db, u := benchDB(b)
			var seq atomic.Int64
			changes := []byte(`{"user":"alice-1","application":null,"description":"","scope":"write"}`)
			activity := func(t *store.AccessToken) *store.Activity {
				return &store.Activity{ActorID: &u.ID, Operation: "create", ObjectType: "o_auth2_access_token", ObjectID: t.ID, Changes: changes}
			}
			// 64 clients whatever GOMAXPROCS is, as the suite's load.
			b.SetParallelism(max(1, 64/runtime.GOMAXPROCS(0)))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					t := &store.AccessToken{UserID: u.ID, Digest: benchDigest(seq.Add(1)), Expires: time.Now().AddDate(100, 0, 0), Scope: "write"}
					cctx := ctx
					if shape == "token+activity/one-commit" {
						cctx = store.WithActivity(ctx, func() *store.Activity { return activity(t) })
					}
					if err := db.CreateAccessToken(cctx, t, nil); err != nil {
						b.Error(err)
						return
					}
					if shape == "token+activity/two-commits" {
						if err := db.AddActivity(ctx, activity(t)); err != nil {
							b.Error(err)
							return
						}
					}
				}
			})
		})
	}
}
