// Package server owns the HTTP half of awxtoken: an AWX-compatible REST API
// (/api/, /api/v2/, /api/o/) over a store.Store. routes.go lists every route;
// the middleware (request id, AWX headers, panics, body limits,
// authentication, the read-scope rule) sits in front of one file per
// resource; list.go parses AWX's list query strings and writes its page
// envelope; respond.go and decode.go hold the AWX error bodies. Handlers
// decide with the access package and never build SQL.
package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/awxtoken/awxtoken/internal/store"
)

// AWX's defaults (settings ACCESS_TOKEN_EXPIRE_SECONDS and
// REFRESH_TOKEN_EXPIRE_SECONDS). They are seconds, not a time.Duration:
// AWX's default access token lifetime, about 1000 years, overflows one.
const (
	DefaultAccessTokenExpireSeconds  int64 = 31536000000
	DefaultRefreshTokenExpireSeconds int64 = 2628000
	DefaultProductName                     = "AWX"
	DefaultProductVersion                  = "24.6.1"
)

// Config is everything the server needs; the zero value of each field but
// Store means AWX's default.
type Config struct {
	Store  store.Store
	Logger *slog.Logger

	// Token lifetimes in seconds; zero or less means AWX's default.
	AccessTokenExpireSeconds  int64
	RefreshTokenExpireSeconds int64

	ProductName    string // X-API-Product-Name, "AWX"
	ProductVersion string // X-API-Product-Version and /ping/'s version, "24.6.1"

	// InstallUUID is what /api/v2/ping/ reports; empty: a random one per
	// process.
	InstallUUID string

	// Now is the clock for token expiry and timestamps; nil: time.Now.
	Now func() time.Time

	// LastUsedFlushInterval is how often recorded token uses are written in
	// one batch; zero: 10 seconds. Close flushes whatever is pending.
	LastUsedFlushInterval time.Duration

	// LoginThrottle limits failed Basic logins (spec D.8); the zero value
	// means the defaults, Disabled turns it off.
	LoginThrottle ThrottleConfig

	// CleanupInterval is how often expired access tokens and old refresh
	// tokens are deleted (cleanup.go); zero or less: never.
	CleanupInterval time.Duration
}

// Server serves the AWX API. Create it with New, serve Handler, and call
// Close at shutdown so recorded token uses reach the store.
type Server struct {
	cfg     Config
	store   store.Store
	log     *slog.Logger
	handler http.Handler

	tokens   *tokenCache
	lastUsed *lastUsedBatcher
	throttle *loginThrottle
	metrics  *metrics
	cleanup  *cleanupLoop

	// productName and productVersion are the values of
	// X-API-Product-Name and X-API-Product-Version, built once so each
	// response assigns them without allocating. Their capacity is their
	// length (an Add copies); nothing may write into their element.
	productName, productVersion []string

	closeOnce sync.Once
	stop      chan struct{}
	done      chan struct{}
	// stopInvalidations ends the feed of a shared store's cache
	// invalidations; invalidationsDone closes when its reader has stopped.
	stopInvalidations context.CancelFunc
	invalidationsDone chan struct{}
}

// New builds a server from cfg and starts its background writer.
func New(cfg Config) *Server {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AccessTokenExpireSeconds <= 0 {
		cfg.AccessTokenExpireSeconds = DefaultAccessTokenExpireSeconds
	}
	if cfg.RefreshTokenExpireSeconds <= 0 {
		cfg.RefreshTokenExpireSeconds = DefaultRefreshTokenExpireSeconds
	}
	if cfg.ProductName == "" {
		cfg.ProductName = DefaultProductName
	}
	if cfg.ProductVersion == "" {
		cfg.ProductVersion = DefaultProductVersion
	}
	if cfg.InstallUUID == "" {
		cfg.InstallUUID = newUUID()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.LastUsedFlushInterval <= 0 {
		cfg.LastUsedFlushInterval = 10 * time.Second
	}
	s := &Server{
		cfg:      cfg,
		store:    cfg.Store,
		log:      cfg.Logger,
		tokens:   newTokenCache(),
		lastUsed: newLastUsedBatcher(),
		throttle: newLoginThrottle(cfg.LoginThrottle),
		metrics:  newMetrics(),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),

		productName:    []string{cfg.ProductName}[:1:1],
		productVersion: []string{cfg.ProductVersion}[:1:1],
	}
	s.handler = s.routes()
	go s.flushLoop()
	s.cleanup = s.startCleanup(cfg.CleanupInterval)
	s.invalidationsDone = make(chan struct{})
	if inv, ok := cfg.Store.(store.Invalidator); ok {
		ctx, cancel := context.WithCancel(context.Background())
		s.stopInvalidations = cancel
		feed := inv.Invalidations(ctx)
		go func() {
			defer close(s.invalidationsDone)
			s.applyInvalidations(feed)
		}()
	} else {
		s.stopInvalidations = func() {}
		close(s.invalidationsDone)
	}
	return s
}

// applyInvalidations drops the cache entries another process (sharing the
// store) changed, so a revocation there applies here at once rather than
// when the entry's short TTL runs out. It returns when feed closes.
func (s *Server) applyInvalidations(feed <-chan store.Invalidation) {
	for inv := range feed {
		if inv.All {
			s.tokens.forget(func(tokenCacheEntry) bool { return true })
			continue
		}
		tokens := make(map[int64]bool, len(inv.TokenIDs))
		for _, id := range inv.TokenIDs {
			tokens[id] = true
		}
		users := make(map[int64]bool, len(inv.UserIDs))
		for _, id := range inv.UserIDs {
			users[id] = true
		}
		apps := make(map[int64]bool, len(inv.ApplicationIDs))
		for _, id := range inv.ApplicationIDs {
			apps[id] = true
		}
		s.tokens.forget(func(e tokenCacheEntry) bool {
			return tokens[e.tok.ID] || users[e.tok.UserID] ||
				(e.tok.ApplicationID != nil && apps[*e.tok.ApplicationID])
		})
	}
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// Close stops the background writer and writes the pending last_used
// times. It does not close the store, which the caller opened.
func (s *Server) Close() error {
	var err error
	s.closeOnce.Do(func() {
		close(s.stop)
		<-s.done
		s.cleanup.stop()
		s.stopInvalidations()
		<-s.invalidationsDone
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		err = s.flushLastUsed(ctx)
	})
	return err
}

// now is the server's clock, in UTC.
func (s *Server) now() time.Time { return s.cfg.Now().UTC() }

// addSeconds returns t plus secs seconds without going through
// time.Duration, which cannot hold AWX's default token lifetime.
func addSeconds(t time.Time, secs int64) time.Time {
	const day = 86400
	return t.AddDate(0, 0, int(secs/day)).Add(time.Duration(secs%day) * time.Second)
}

// accessTokenExpires is the expiry of an access token issued at now.
func (s *Server) accessTokenExpires(now time.Time) time.Time {
	return addSeconds(now, s.cfg.AccessTokenExpireSeconds)
}

// accessTokenExpiresIn is the expires_in of an OAuth2 token response.
func (s *Server) accessTokenExpiresIn() int64 { return s.cfg.AccessTokenExpireSeconds }

// refreshTokenExpired reports whether a refresh token created at created
// is too old to use at now.
func (s *Server) refreshTokenExpired(created, now time.Time) bool {
	return !now.Before(addSeconds(created, s.cfg.RefreshTokenExpireSeconds))
}

// refreshTokenMaxAge is REFRESH_TOKEN_EXPIRE_SECONDS as a duration (capped
// at the largest duration), for store.DeleteExpiredTokens.
func (s *Server) refreshTokenMaxAge() time.Duration {
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	return time.Duration(min(s.cfg.RefreshTokenExpireSeconds, maxSecs)) * time.Second
}

// flushLoop writes recorded token uses periodically until Close.
func (s *Server) flushLoop() {
	defer close(s.done)
	t := time.NewTicker(s.cfg.LastUsedFlushInterval)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			if err := s.flushLastUsed(ctx); err != nil {
				s.log.Warn("recording token last_used failed", "err", err)
			}
			cancel()
		}
	}
}

func (s *Server) flushLastUsed(ctx context.Context) error {
	batch := s.lastUsed.take(s.now())
	if len(batch) == 0 {
		return nil
	}
	return s.store.TouchAccessTokens(ctx, batch)
}

// newUUID returns a random RFC 4122 version 4 UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// hostname is /ping/'s active_node.
func hostname() string {
	h, err := os.Hostname()
	if err != nil || h == "" {
		return "localhost"
	}
	return h
}
