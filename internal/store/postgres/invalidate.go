package postgres

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/awxtoken/awxtoken/internal/store"
)

// How the invalidation feed watches its connection: silence longer than
// listenPing is answered with a ping, so a connection lost without a word
// (a network partition) is noticed in seconds, not at the next TCP timeout.
const (
	listenPing       = 15 * time.Second
	listenPingWait   = 5 * time.Second
	listenBackoffMin = 100 * time.Millisecond
	listenBackoffMax = 5 * time.Second
)

// Invalidations delivers the invalidations the schema's triggers publish
// (see migrations/0001_init.sql), from every process that writes to the
// database, this one included. It LISTENs on a dedicated connection (not
// one of the pool's). The first connection is made before it returns, so a
// change committed after Invalidations returns is delivered; if that
// connection fails, or later drops, it reconnects with backoff and sends
// All once it listens again, since changes made meanwhile were missed. The
// channel is closed when ctx ends or the store is closed. A consumer must
// keep reading: the feed waits for it (PostgreSQL queues meanwhile).
func (d *DB) Invalidations(ctx context.Context) <-chan store.Invalidation {
	out := make(chan store.Invalidation, 16)
	ctx, cancel := context.WithCancel(ctx)
	if d.closed() {
		cancel()
		close(out)
		return out
	}
	d.listeners.Add(1)
	go func() {
		select {
		case <-d.closing:
		case <-ctx.Done():
		}
		cancel()
	}()
	conn, err := d.listen(ctx)
	go func() {
		defer d.listeners.Done()
		defer close(out)
		d.listenLoop(ctx, conn, err != nil, out)
	}()
	return out
}

func (d *DB) listen(ctx context.Context) (*pgx.Conn, error) {
	conn, err := pgx.ConnectConfig(ctx, d.cfg.ConnConfig.Copy())
	if err != nil {
		return nil, err
	}
	if _, err := conn.Exec(ctx, "LISTEN "+InvalidationChannel); err != nil {
		conn.Close(context.WithoutCancel(ctx))
		return nil, err
	}
	return conn, nil
}

func (d *DB) listenLoop(ctx context.Context, conn *pgx.Conn, missed bool, out chan<- store.Invalidation) {
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	send := func(inv store.Invalidation) bool {
		select {
		case out <- inv:
			return true
		case <-ctx.Done():
			return false
		}
	}
	backoff := listenBackoffMin
	for {
		if conn == nil {
			select {
			case <-time.After(backoff):
			case <-ctx.Done():
				return
			}
			var err error
			if conn, err = d.listen(ctx); err != nil {
				conn = nil
				backoff = min(2*backoff, listenBackoffMax)
				continue
			}
			backoff = listenBackoffMin
			missed = true
		}
		if missed {
			if !send(store.Invalidation{All: true}) {
				return
			}
			missed = false
		}
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if !send(parseInvalidation(n.Payload)) {
				return
			}
			continue
		case ctx.Err() != nil:
			return
		case pgconn.Timeout(err) || errors.Is(err, context.DeadlineExceeded):
			pctx, cancel := context.WithTimeout(ctx, listenPingWait)
			err = conn.Ping(pctx)
			cancel()
			if err == nil {
				continue
			}
		}
		conn.Close(context.Background())
		conn = nil
		missed = true
	}
}

// parseInvalidation reads a trigger's payload: "t:1,2", "u:3", "a:4" or
// "*". Anything unexpected invalidates everything: dropping too much only
// costs a lookup.
func parseInvalidation(p string) store.Invalidation {
	kind, list, ok := strings.Cut(p, ":")
	if !ok {
		return store.Invalidation{All: true}
	}
	var ids []int64
	for _, s := range strings.Split(list, ",") {
		id, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return store.Invalidation{All: true}
		}
		ids = append(ids, id)
	}
	switch kind {
	case "t":
		return store.Invalidation{TokenIDs: ids}
	case "u":
		return store.Invalidation{UserIDs: ids}
	case "a":
		return store.Invalidation{ApplicationIDs: ids}
	}
	return store.Invalidation{All: true}
}
