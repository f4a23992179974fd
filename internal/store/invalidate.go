package store

import "context"

// Invalidator is implemented by stores that several server processes share
// (PostgreSQL). A process that caches token lookups consumes Invalidations
// so that a token deleted, revoked or changed through another process (or by
// an admin command, or by a cascade) is dropped from its cache at once
// instead of when the cache entry expires. A single-process store (SQLite)
// need not implement it: the server invalidates its own changes itself.
type Invalidator interface {
	// Invalidations delivers what changed until ctx ends or the store is
	// closed; then the channel is closed. Each call has its own feed. When
	// the feed loses its connection it reconnects and sends All, since
	// changes made meanwhile were not seen.
	Invalidations(ctx context.Context) <-chan Invalidation
}

// Invalidation names cache entries to drop. It never holds a secret: only
// row ids.
type Invalidation struct {
	TokenIDs       []int64 // access tokens deleted or changed (scope, description, expiry, owner)
	UserIDs        []int64 // users deleted or changed (active, superuser, password, name...): drop their tokens
	ApplicationIDs []int64 // applications deleted or changed: drop their tokens
	All            bool    // drop everything (a mass deletion, or a reconnect)
}
