package store

import "context"

// ActivityFunc builds the activity stream entry of a change. A store calls
// it inside the change's transaction, after the change succeeded, and
// writes the entry it returns in that same transaction (nil: no entry). By
// then the row a create made has its id set on the caller's struct, so the
// function can read it. It must not block or touch the store.
type ActivityFunc func() *Activity

type activityKey struct{}

// WithActivity returns a context that makes the change a store method
// performs with it also write the entry f builds, atomically: the change
// and its entry commit together or not at all.
//
// Why a context value rather than a parameter: every mutator (create,
// update, delete of tokens, applications, users, organizations; role
// grants) would otherwise need a second signature, and a separate
// AddActivity costs each request a second durable commit (measured: it
// halves token creation throughput on SQLite). Use the context for exactly
// one mutator call; each write made with it writes an entry.
func WithActivity(ctx context.Context, f ActivityFunc) context.Context {
	if f == nil {
		return ctx
	}
	return context.WithValue(ctx, activityKey{}, f)
}

// PendingActivity returns the entry builder WithActivity put in ctx, or
// nil. Stores call it in their write path.
func PendingActivity(ctx context.Context) ActivityFunc {
	f, _ := ctx.Value(activityKey{}).(ActivityFunc)
	return f
}
