package server

import (
	"bytes"
	"encoding/base64"
	"io"
	"mime"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/awxtoken/awxtoken/internal/access"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
)

// Caller is the authenticated user of a request.
type Caller struct {
	User *store.User
	// Token is the access token the caller authenticated with; nil for
	// Basic authentication.
	Token *store.AccessToken

	memberships []store.Membership
	loaded      bool
	// entry is the token cache entry the caller came from (nil for Basic),
	// for what handlers may memoize per entry (handleMe).
	entry *tokenCacheEntry
}

// ViaToken reports whether the caller used a Bearer token.
func (c *Caller) ViaToken() bool { return c.Token != nil }

// TokenID is the id of the token the caller used, 0 for Basic.
func (c *Caller) TokenID() int64 {
	if c.Token == nil {
		return 0
	}
	return c.Token.ID
}

// Scope is the scope of the caller's token; Basic callers count as "write"
// (spec section 5).
func (c *Caller) Scope() string {
	if c.Token == nil {
		return "write"
	}
	return c.Token.Scope
}

// CanWrite reports whether the caller's credentials allow changes: Basic
// always, a token only when its scope holds "write".
func (c *Caller) CanWrite() bool {
	if c.Token == nil {
		return true
	}
	// FieldsSeq, not Fields: this runs on every request and allocates nothing.
	for w := range strings.FieldsSeq(c.Token.Scope) {
		if w == "write" {
			return true
		}
	}
	return false
}

// caller returns the authenticated caller, or nil for an anonymous request
// (possible only on public routes).
func caller(r *http.Request) *Caller {
	if st := state(r); st != nil {
		return st.caller
	}
	return nil
}

// actor returns the caller as the access rules see it, loading the
// caller's organization roles once per request. An anonymous request gets
// an Actor with no user, which every rule refuses.
func (s *Server) actor(r *http.Request) (access.Actor, error) {
	c := caller(r)
	if c == nil {
		return access.Actor{}, nil
	}
	if !c.loaded {
		ms, err := s.store.UserMemberships(r.Context(), c.User.ID)
		if err != nil {
			return access.Actor{}, err
		}
		c.memberships, c.loaded = ms, true
	}
	return access.NewActor(c.User, c.memberships), nil
}

// authenticate identifies the caller from the request's credentials. It
// returns nil for an anonymous request (no credentials, or a Bearer token
// that is malformed, unknown, expired, or belongs to an inactive user: AWX's
// OAuth2 authentication then simply does not authenticate, and the route
// decides whether anonymous is good enough). It writes the answer itself
// and reports handled for credentials that are refused outright: a token
// in the query string or a form field, bad Basic credentials, throttled
// logins, or a store failure.
func (s *Server) authenticate(w http.ResponseWriter, r *http.Request) (c *Caller, handled bool) {
	// Tokens in URLs end up in proxy logs and browser history; refuse them
	// even when the header carries good credentials (spec D.6).
	if r.URL.RawQuery != "" && r.URL.Query().Has("access_token") {
		writeUnauthorized(w, msgNotAuthenticated)
		return nil, true
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && r.ContentLength != 0 {
		if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt == "application/x-www-form-urlencoded" {
			// Read and put back, so the handler still sees the body (and
			// answers its 415).
			body, err := io.ReadAll(r.Body)
			if err != nil {
				writeError(w, r, err)
				return nil, true
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
			if form, _ := url.ParseQuery(string(body)); form.Has("access_token") {
				writeUnauthorized(w, msgNotAuthenticated)
				return nil, true
			}
		}
	}
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, false
	}
	scheme, cred, _ := strings.Cut(strings.TrimSpace(h), " ")
	cred = strings.TrimSpace(cred)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		c, err := s.bearer(r, cred)
		if err != nil {
			writeError(w, r, err)
			return nil, true
		}
		return c, false
	case strings.EqualFold(scheme, "Basic"):
		return s.basic(w, r, cred)
	}
	// Other schemes are not ours to judge (DRF skips them too).
	return nil, false
}

// bearer resolves a Bearer token; nil without error means "not
// authenticated".
func (s *Server) bearer(r *http.Request, tok string) (*Caller, error) {
	if !secret.LooksLikeToken(tok) {
		return nil, nil
	}
	digest := secret.Digest(tok)
	var key [32]byte
	copy(key[:], digest)
	e, ok := s.tokens.get(key)
	if !ok {
		// The token and its owner in one query: with many clients, each
		// using its token less than once a second, most requests come here.
		t, u, err := s.store.AccessTokenWithUser(r.Context(), digest)
		if store.ErrorCode(err) == store.ENOTFOUND {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		// The index lookup found the row by digest; compare anyway in
		// constant time so a store that matched loosely cannot let a
		// different token through.
		if !secret.Equal(t.Digest, digest) {
			return nil, nil
		}
		e = s.tokens.put(key, t, u)
	}
	now := s.now()
	if !now.Before(e.tok.Expires) || !e.user.IsActive {
		return nil, nil
	}
	// The entry remembers when it last reported a use, so a busy token
	// takes the batcher's lock about once a minute, not once a request.
	if ns, last := now.UnixNano(), e.noted.Load(); last == 0 || ns-last >= int64(lastUsedInterval) || ns < last {
		e.noted.Store(ns)
		s.lastUsed.note(e.tok.ID, e.tok.LastUsed, now)
	}
	// Copies, so a handler that edits its caller cannot corrupt the cache.
	t, u := *e.tok, *e.user
	return &Caller{User: &u, Token: &t, entry: e}, nil
}

// basic checks Basic credentials. Unlike a bad token, a bad password is a
// 401 even on public routes, as DRF's BasicAuthentication raises.
func (s *Server) basic(w http.ResponseWriter, r *http.Request, cred string) (*Caller, bool) {
	// DRF's BasicAuthentication messages, each with the sentence AWX's
	// APIView.finalize_response appends to every 401 detail.
	const loginHint = " To establish a login session, visit /api/login/."
	if cred == "" {
		writeUnauthorized(w, "Invalid basic header. No credentials provided."+loginHint)
		return nil, true
	}
	if strings.ContainsAny(cred, " \t") {
		writeUnauthorized(w, "Invalid basic header. Credentials string should not contain spaces."+loginHint)
		return nil, true
	}
	raw, err := base64.StdEncoding.DecodeString(cred)
	if err != nil {
		writeUnauthorized(w, "Invalid basic header. Credentials not correctly base64 encoded."+loginHint)
		return nil, true
	}
	// DRF partitions on the first colon: without one, the whole is the
	// username and the password is empty, a failed login like any other.
	username, password, _ := strings.Cut(string(raw), ":")
	addr := s.clientAddr(r)
	if wait, ok := s.throttle.allowed(username, addr, s.now()); !ok {
		s.metrics.throttledLogins.Inc()
		writeTooManyLogins(w, wait)
		return nil, true
	}
	u, err := s.store.UserByUsername(r.Context(), username)
	if err != nil && store.ErrorCode(err) != store.ENOTFOUND {
		writeError(w, r, err)
		return nil, true
	}
	hash := ""
	if u != nil {
		hash = u.PasswordHash
	}
	// CheckPassword burns the same time for a missing user, so timing does
	// not tell which usernames exist.
	match, err := secret.CheckPasswordContext(r.Context(), hash, password)
	if err != nil {
		writeError(w, r, err) // the client went away while logins queued
		return nil, true
	}
	if !match || u == nil || !u.IsActive {
		s.throttle.failed(username, addr, s.now())
		s.metrics.failedLogins.Inc()
		// The username is not logged: people type passwords into it.
		logger(r).Info("basic authentication failed")
		writeUnauthorized(w, msgBadBasic)
		return nil, true
	}
	s.throttle.succeeded(username)
	return &Caller{User: u}, false
}

// writeTooManyLogins writes the 429 of spec D.8.
func writeTooManyLogins(w http.ResponseWriter, wait time.Duration) {
	secs := int64((wait + time.Second - 1) / time.Second)
	if secs < 1 {
		secs = 1
	}
	w.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
	writeDetail(w, http.StatusTooManyRequests, msgTooManyLogins)
}

// clientAddr is the address the login throttle counts a request against:
// the peer's IP address, or, when the peer is one of the configured
// trusted proxies, the address its X-Forwarded-For names. Any client can
// write X-Forwarded-For, so it is believed only from a trusted peer, and
// read from the right: each trusted proxy appends the address it saw, and
// the first address from the right that is not a trusted proxy is the
// client. Entries to the left of it are whatever the client sent.
func (s *Server) clientAddr(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	trusted := s.cfg.LoginThrottle.TrustedProxies
	if len(trusted) == 0 {
		return host
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !isTrusted(trusted, peer) {
		return host
	}
	hops := r.Header.Values("X-Forwarded-For")
	addr := peer
	for i := len(hops) - 1; i >= 0; i-- {
		parts := strings.Split(hops[i], ",")
		for j := len(parts) - 1; j >= 0; j-- {
			hop, err := forwardedAddr(strings.TrimSpace(parts[j]))
			if err != nil {
				// Not an address ("unknown", a proxy's obfuscated
				// name): stop at the last hop a trusted proxy vouched
				// for.
				return addr.String()
			}
			addr = hop.Unmap()
			if !isTrusted(trusted, addr) {
				return addr.String()
			}
		}
	}
	return addr.String()
}

// forwardedAddr parses one X-Forwarded-For entry: an address, or an
// address with a port ("203.0.113.7:41234", "[2001:db8::1]:443"), as some
// proxies write it.
func forwardedAddr(s string) (netip.Addr, error) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, nil
	}
	ap, err := netip.ParseAddrPort(s)
	if err != nil {
		return netip.Addr{}, err
	}
	return ap.Addr(), nil
}

func isTrusted(trusted []netip.Prefix, a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// safeMethod reports whether m only reads (the methods a read-scoped token
// may use).
func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// ---- token cache ----

// tokenCacheTTL bounds how long a token and its user are trusted without
// asking the store. Deletes and updates made by this process invalidate the
// entry at once; this TTL is how fast a revocation made through another
// replica takes effect here.
const (
	tokenCacheTTL = time.Second
	tokenCacheMax = 10000
)

type tokenCacheEntry struct {
	tok   *store.AccessToken
	user  *store.User
	at    time.Time     // monotonic, not the configurable clock: a test's frozen Now must not freeze the cache
	noted *atomic.Int64 // server clock (UnixNano) of the last use handed to the batcher
	// me is the body of GET /api/v2/me/ for this token, rendered on first
	// use (handleMe).
	me *atomic.Pointer[[]byte]
}

type tokenCache struct {
	mu sync.RWMutex
	m  map[[32]byte]*tokenCacheEntry
}

func newTokenCache() *tokenCache { return &tokenCache{m: make(map[[32]byte]*tokenCacheEntry)} }

func (c *tokenCache) get(key [32]byte) (*tokenCacheEntry, bool) {
	c.mu.RLock()
	e, ok := c.m[key]
	c.mu.RUnlock()
	if !ok || time.Since(e.at) > tokenCacheTTL {
		return nil, false
	}
	return e, true
}

func (c *tokenCache) put(key [32]byte, t *store.AccessToken, u *store.User) *tokenCacheEntry {
	e := &tokenCacheEntry{tok: t, user: u, at: time.Now(), noted: new(atomic.Int64), me: new(atomic.Pointer[[]byte])}
	c.mu.Lock()
	if len(c.m) >= tokenCacheMax {
		// Everything in it is at most a second old; starting over is cheaper
		// than an eviction policy.
		clear(c.m)
	}
	c.m[key] = e
	c.mu.Unlock()
	return e
}

// forget drops the entries matching f.
func (c *tokenCache) forget(f func(tokenCacheEntry) bool) {
	c.mu.Lock()
	for k, e := range c.m {
		if f(*e) {
			delete(c.m, k)
		}
	}
	c.mu.Unlock()
}

// forgetToken must be called after a token is deleted or updated (scope,
// expiry) through this process, so the change applies to the next request.
func (s *Server) forgetToken(id int64) {
	s.tokens.forget(func(e tokenCacheEntry) bool { return e.tok.ID == id })
}

// forgetUserTokens must be called after a user is changed (deactivated,
// demoted) or deleted, or all their tokens are revoked.
func (s *Server) forgetUserTokens(userID int64) {
	s.tokens.forget(func(e tokenCacheEntry) bool { return e.user.ID == userID })
}

// ---- last_used ----

// lastUsedInterval is the resolution of last_used: at most one write per
// token per interval, so authentication stays a read.
const lastUsedInterval = time.Minute

type lastUsedBatcher struct {
	mu       sync.Mutex
	pending  map[int64]time.Time
	recorded map[int64]time.Time
}

func newLastUsedBatcher() *lastUsedBatcher {
	return &lastUsedBatcher{pending: map[int64]time.Time{}, recorded: map[int64]time.Time{}}
}

// note records a use of token id at now unless one was recorded (by this
// process, or in the store by any) within lastUsedInterval.
func (b *lastUsedBatcher) note(id int64, stored *time.Time, now time.Time) {
	if stored != nil && now.Sub(*stored) < lastUsedInterval {
		return
	}
	b.mu.Lock()
	if prev, ok := b.recorded[id]; !ok || now.Sub(prev) >= lastUsedInterval {
		b.recorded[id] = now
		b.pending[id] = now
	}
	b.mu.Unlock()
}

// take returns the pending uses and forgets the records old enough not to
// suppress anything any more.
func (b *lastUsedBatcher) take(now time.Time) map[int64]time.Time {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 {
		return nil
	}
	out := b.pending
	b.pending = map[int64]time.Time{}
	for id, at := range b.recorded {
		if now.Sub(at) >= lastUsedInterval {
			delete(b.recorded, id)
		}
	}
	return out
}

// ---- login throttle (spec D.8) ----

// ThrottleConfig sets the limits on failed logins; zero fields take the
// defaults: 10 failures per username or 100 per address within 5 minutes.
type ThrottleConfig struct {
	Disabled   bool
	PerUser    int
	PerAddress int
	Window     time.Duration
	// TrustedProxies are the peers (load balancers, reverse proxies) whose
	// X-Forwarded-For names the client the per-address limit counts
	// against; empty: the peer's own address always counts.
	TrustedProxies []netip.Prefix
}

type throttleWindow struct {
	start time.Time
	n     int
}

type loginThrottle struct {
	cfg   ThrottleConfig
	mu    sync.Mutex
	users map[string]*throttleWindow
	addrs map[string]*throttleWindow
}

func newLoginThrottle(cfg ThrottleConfig) *loginThrottle {
	if cfg.PerUser <= 0 {
		cfg.PerUser = 10
	}
	if cfg.PerAddress <= 0 {
		cfg.PerAddress = 100
	}
	if cfg.Window <= 0 {
		cfg.Window = 5 * time.Minute
	}
	return &loginThrottle{cfg: cfg, users: map[string]*throttleWindow{}, addrs: map[string]*throttleWindow{}}
}

// blockedFor reports how long key stays blocked in m (0: not blocked).
func (t *loginThrottle) blockedFor(m map[string]*throttleWindow, key string, limit int, now time.Time) time.Duration {
	w, ok := m[key]
	if !ok {
		return 0
	}
	end := w.start.Add(t.cfg.Window)
	if !now.Before(end) {
		delete(m, key)
		return 0
	}
	if w.n >= limit {
		return end.Sub(now)
	}
	return 0
}

// allowed reports whether a login for username from addr may be tried now,
// and if not, how long to wait.
func (t *loginThrottle) allowed(username, addr string, now time.Time) (time.Duration, bool) {
	if t.cfg.Disabled {
		return 0, true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	wait := max(t.blockedFor(t.users, username, t.cfg.PerUser, now), t.blockedFor(t.addrs, addr, t.cfg.PerAddress, now))
	return wait, wait == 0
}

// failed counts a failed login.
func (t *loginThrottle) failed(username, addr string, now time.Time) {
	if t.cfg.Disabled {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.count(t.users, username, now)
	t.count(t.addrs, addr, now)
}

func (t *loginThrottle) count(m map[string]*throttleWindow, key string, now time.Time) {
	if len(m) > 100000 {
		// Bound the memory an attacker spraying usernames can take.
		for k, w := range m {
			if !now.Before(w.start.Add(t.cfg.Window)) {
				delete(m, k)
			}
		}
	}
	w, ok := m[key]
	if !ok || !now.Before(w.start.Add(t.cfg.Window)) {
		m[key] = &throttleWindow{start: now, n: 1}
		return
	}
	w.n++
}

// succeeded clears the username's failures: a user who finally typed the
// right password should not stay one typo from a lockout.
func (t *loginThrottle) succeeded(username string) {
	if t.cfg.Disabled {
		return
	}
	t.mu.Lock()
	delete(t.users, username)
	t.mu.Unlock()
}

// loginAllowed, loginFailed and loginSucceeded expose the throttle to the
// password grant (/api/o/token/), which D.8 covers too.
func (s *Server) loginAllowed(r *http.Request, username string) (retryAfter time.Duration, ok bool) {
	retryAfter, ok = s.throttle.allowed(username, s.clientAddr(r), s.now())
	if !ok {
		s.metrics.throttledLogins.Inc()
	}
	return retryAfter, ok
}

func (s *Server) loginFailed(r *http.Request, username string) {
	s.throttle.failed(username, s.clientAddr(r), s.now())
	s.metrics.failedLogins.Inc()
}

func (s *Server) loginSucceeded(username string) { s.throttle.succeeded(username) }
