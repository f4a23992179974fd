package server

import (
	"context"
	"time"
)

// The periodic cleanup is awx-manage cleanup_tokens run by the server
// itself: expired access tokens can never authenticate again and refresh
// tokens older than REFRESH_TOKEN_EXPIRE_SECONDS can never be redeemed, so
// keeping them only slows lookups and grows the database. Several replicas
// sharing one PostgreSQL may all run it: the deletes are idempotent.

// cleanupTimeout bounds one cleanup run.
const cleanupTimeout = 5 * time.Minute

// cleanupLoop runs Cleanup every interval until stopped.
type cleanupLoop struct {
	quit   chan struct{}
	done   chan struct{}
	cancel context.CancelFunc // ends a run in progress at stop
}

// startCleanup starts the loop; an interval of zero or less starts nothing
// (the returned loop's stop is then a no-op).
func (s *Server) startCleanup(interval time.Duration) *cleanupLoop {
	base, cancel := context.WithCancel(context.Background())
	l := &cleanupLoop{quit: make(chan struct{}), done: make(chan struct{}), cancel: cancel}
	if interval <= 0 {
		close(l.done)
		return l
	}
	go func() {
		defer close(l.done)
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-l.quit:
				return
			case <-t.C:
				// Runs are sequential, so they never pile up; the timeout
				// only keeps a stuck database from stalling the loop (and
				// Close) forever. Not tied to interval: a short interval
				// must not cut a slow delete short.
				ctx, cancel := context.WithTimeout(base, cleanupTimeout)
				_, _, _ = s.Cleanup(ctx) // logged and counted by Cleanup
				cancel()
			}
		}
	}()
	return l
}

// stop ends the loop, canceling a run in progress, and waits for it.
func (l *cleanupLoop) stop() {
	select {
	case <-l.quit:
	default:
		close(l.quit)
	}
	l.cancel()
	<-l.done
}

// Cleanup deletes the access tokens expired at the server's now and the
// refresh tokens created, or revoked, longer than REFRESH_TOKEN_EXPIRE_SECONDS
// ago, and reports how many of each it deleted. The server calls it every
// Config.CleanupInterval.
func (s *Server) Cleanup(ctx context.Context) (access, refresh int, err error) {
	access, refresh, err = s.store.DeleteExpiredTokens(ctx, s.now(), s.refreshTokenMaxAge())
	if err != nil {
		s.metrics.storeErrors.Inc()
		s.log.Warn("token cleanup failed", "err", err)
		return 0, 0, err
	}
	s.metrics.cleanedUp.WithLabelValues("access").Add(float64(access))
	s.metrics.cleanedUp.WithLabelValues("refresh").Add(float64(refresh))
	if access > 0 || refresh > 0 {
		s.log.Info("token cleanup", "access_tokens_deleted", access, "refresh_tokens_deleted", refresh)
	}
	return access, refresh, nil
}
