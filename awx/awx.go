// Package awx is the public Go client library for the AWX REST API (/api/v2/)
// and its OAuth2 endpoints (/api/o/), in the shape of google/go-github: one
// Client with a service per resource (Tokens, Applications, Users,
// Organizations, OAuth2), list options, a Response that carries AWX's page
// envelope, and typed errors built from AWX's error bodies.
//
// It also owns the JSON wire types (types.go) that the awxtoken server renders,
// so each AWX object shape is defined once.
//
// The client never retries a request: AWX token creation is not idempotent, and
// a retried POST could mint a second secret nobody sees. Callers that want
// retries for reads can wrap the Transport themselves.
package awx

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// Version is the version reported in the default User-Agent
// ("awxtoken/<Version>"). The build sets it with -ldflags -X.
var Version = "dev"

// maxBodySize bounds how much of a response the client reads. AWX pages are at
// most 200 objects, far below this; the bound only protects against a
// misbehaving server.
const maxBodySize = 32 << 20

// maxRedirects matches net/http's default limit.
const maxRedirects = 10

type service struct{ client *Client }

// Client talks to one AWX (or awxtoken server). It is safe for concurrent use
// once built; nothing in it changes after NewClient.
type Client struct {
	httpClient *http.Client
	origin     *url.URL // scheme, host and path prefix, no trailing slash
	apiBase    *url.URL // origin + "/api/v2/"
	userAgent  string
	token      string
	username   string
	password   string
	basic      bool

	Tokens        *TokensService
	Applications  *ApplicationsService
	Users         *UsersService
	Organizations *OrganizationsService
	OAuth2        *OAuth2Service
}

// Option configures a Client in NewClient.
type Option func(*settings) error

type settings struct {
	token      string
	user, pass string
	basic      bool
	httpClient *http.Client
	timeout    *time.Duration
	userAgent  string
	tlsConfig  *tls.Config
	insecure   bool
	caFile     string
	verbose    io.Writer
	debug      io.Writer
}

// WithToken authenticates every request with "Authorization: Bearer <token>".
// An empty token sends no Authorization header. A token takes precedence over
// WithBasicAuth, as AWX itself checks Bearer first.
//
// Surrounding whitespace is dropped: tokens read from files or pasted often
// end in a newline, and AWX tokens never contain spaces.
func WithToken(token string) Option {
	return func(s *settings) error { s.token = strings.TrimSpace(token); return nil }
}

// WithBasicAuth authenticates with HTTP Basic (AWX accepts it unless an
// administrator turned it off).
func WithBasicAuth(user, pass string) Option {
	return func(s *settings) error { s.user, s.pass, s.basic = user, pass, true; return nil }
}

// WithHTTPClient uses hc for the requests. The client is copied, never
// changed: NewClient installs its own redirect policy and logging on the copy.
func WithHTTPClient(hc *http.Client) Option {
	return func(s *settings) error {
		if hc == nil {
			return errors.New("awx: WithHTTPClient: nil *http.Client")
		}
		s.httpClient = hc
		return nil
	}
}

// WithTimeout bounds each request, from dialing to reading the body.
// Zero means no timeout.
func WithTimeout(d time.Duration) Option {
	return func(s *settings) error {
		if d < 0 {
			return fmt.Errorf("awx: WithTimeout: negative timeout %v", d)
		}
		s.timeout = &d
		return nil
	}
}

// WithUserAgent replaces the default User-Agent "awxtoken/<Version>".
func WithUserAgent(ua string) Option {
	return func(s *settings) error { s.userAgent = ua; return nil }
}

// WithTLSConfig uses cfg (cloned) for HTTPS. WithInsecureSkipVerify and
// WithCAFile apply on top of it.
func WithTLSConfig(cfg *tls.Config) Option {
	return func(s *settings) error { s.tlsConfig = cfg; return nil }
}

// WithInsecureSkipVerify accepts any server certificate. Only for tests and
// throwaway servers: the token crosses the wire.
func WithInsecureSkipVerify() Option {
	return func(s *settings) error { s.insecure = true; return nil }
}

// WithCAFile trusts the PEM certificates in path, and only those, as curl's
// --cacert and Python requests' verify=path do. NewClient fails if the file
// cannot be read or holds no certificate.
func WithCAFile(path string) Option {
	return func(s *settings) error { s.caFile = path; return nil }
}

// WithVerbose writes one line per request to w:
// "GET /api/v2/me/ 200 OK (12ms)".
func WithVerbose(w io.Writer) Option {
	return func(s *settings) error { s.verbose = w; return nil }
}

// WithDebug writes each request and response, headers and bodies, to w, with
// every secret masked: the Authorization header, cookies, and the values of
// token, refresh_token, access_token, client_secret and password keys.
func WithDebug(w io.Writer) Option {
	return func(s *settings) error { s.debug = w; return nil }
}

// NewClient returns a client for the AWX at baseURL: its origin, possibly with
// a path prefix ("https://awx.example.com" or "https://host/awx"). Relative
// request paths resolve under <baseURL>/api/v2/. A trailing "/api/v2/" in
// baseURL is accepted and not doubled.
func NewClient(baseURL string, opts ...Option) (*Client, error) {
	origin, err := parseBaseURL(baseURL)
	if err != nil {
		return nil, err
	}
	var s settings
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&s); err != nil {
			return nil, err
		}
	}

	hc, err := buildHTTPClient(&s)
	if err != nil {
		return nil, err
	}

	c := &Client{
		httpClient: hc,
		origin:     origin,
		apiBase:    origin.JoinPath("api", "v2", "/"),
		userAgent:  s.userAgent,
		token:      s.token,
		username:   s.user,
		password:   s.pass,
		basic:      s.basic,
	}
	if c.userAgent == "" {
		c.userAgent = "awxtoken/" + Version
	}
	if s.verbose != nil || s.debug != nil {
		var secrets []string
		if s.token != "" {
			secrets = append(secrets, s.token)
		}
		if s.pass != "" {
			secrets = append(secrets, s.pass)
		}
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = &logTransport{base: base, verbose: s.verbose, debug: s.debug, secrets: secrets}
	}

	c.Tokens = &TokensService{client: c}
	c.Applications = &ApplicationsService{client: c}
	c.Users = &UsersService{client: c}
	c.Organizations = &OrganizationsService{client: c}
	c.OAuth2 = &OAuth2Service{client: c}
	return c, nil
}

// parseBaseURL checks baseURL and returns its origin and path prefix without
// a trailing slash.
func parseBaseURL(baseURL string) (*url.URL, error) {
	raw := strings.TrimSpace(baseURL)
	if raw == "" {
		return nil, errors.New("awx: no AWX URL given")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error repeats the input; the input has no secret we know of, but
		// keep the message short and about the cause.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("awx: invalid AWX URL %q: %v", raw, err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("awx: invalid AWX URL %q: it needs a scheme and a host, like https://awx.example.com", raw)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("awx: invalid AWX URL %q: scheme must be http or https", raw)
	}
	if u.User != nil {
		// Credentials in a URL end up in shell history, logs and error
		// messages; make the caller pass them where they are kept secret.
		return nil, errors.New("awx: invalid AWX URL: it must not hold credentials; use a token or WithBasicAuth")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("awx: invalid AWX URL %q: it must not have a query or fragment", u.Redacted())
	}
	p := strings.TrimRight(u.Path, "/")
	p = strings.TrimSuffix(p, "/api/v2")
	p = strings.TrimRight(p, "/")
	u.Path = p
	u.RawPath = ""
	return u, nil
}

func buildHTTPClient(s *settings) (*http.Client, error) {
	var hc http.Client
	if s.httpClient != nil {
		hc = *s.httpClient
	}
	if s.timeout != nil {
		hc.Timeout = *s.timeout
	}
	// Redirects are followed by Do itself, so that only GETs follow and the
	// Authorization header survives only on the same origin.
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	needTLS := s.tlsConfig != nil || s.insecure || s.caFile != ""
	if hc.Transport == nil {
		t, ok := http.DefaultTransport.(*http.Transport)
		if !ok {
			return nil, errors.New("awx: http.DefaultTransport is not an *http.Transport")
		}
		// A clone keeps ProxyFromEnvironment and the default timeouts
		// without sharing state with other users of DefaultTransport.
		hc.Transport = t.Clone()
	} else if needTLS {
		t, ok := hc.Transport.(*http.Transport)
		if !ok {
			return nil, fmt.Errorf("awx: TLS options need the HTTP client's Transport to be an *http.Transport, not %T", hc.Transport)
		}
		hc.Transport = t.Clone()
	}
	if !needTLS {
		return &hc, nil
	}
	t := hc.Transport.(*http.Transport)
	var cfg *tls.Config
	switch {
	case s.tlsConfig != nil:
		cfg = s.tlsConfig.Clone()
	case t.TLSClientConfig != nil:
		cfg = t.TLSClientConfig.Clone()
	default:
		cfg = &tls.Config{}
	}
	if cfg.MinVersion == 0 {
		cfg.MinVersion = tls.VersionTLS12
	}
	if s.insecure {
		cfg.InsecureSkipVerify = true
	}
	if s.caFile != "" {
		pem, err := os.ReadFile(s.caFile)
		if err != nil {
			return nil, fmt.Errorf("awx: reading CA file: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("awx: CA file %s holds no PEM certificate", s.caFile)
		}
		cfg.RootCAs = pool
	}
	t.TLSClientConfig = cfg
	return &hc, nil
}

// BaseURL returns a copy of the API base the client resolves relative paths
// against: the AWX URL with its path prefix, followed by "/api/v2/".
func (c *Client) BaseURL() *url.URL {
	u := *c.apiBase
	return &u
}

// Origin returns a copy of the AWX URL the client was made with (scheme, host
// and path prefix, no trailing slash).
func (c *Client) Origin() *url.URL {
	u := *c.origin
	return &u
}

// resolve turns a request path into an absolute URL:
//   - "tokens/5/" (no leading slash) resolves under the API base;
//   - "/api/..." is an AWX absolute path (as in "next" links and url keys)
//     and gets the base's path prefix unless it already starts with it;
//   - an absolute http(s) URL is accepted only on the client's own origin, so
//     a link never carries the credentials to another host.
func (c *Client) resolve(relPath string) (*url.URL, error) {
	u, err := url.Parse(relPath)
	if err != nil {
		return nil, fmt.Errorf("awx: invalid request path %q: %w", relPath, errors.Unwrap(err))
	}
	switch {
	case u.IsAbs() || u.Host != "":
		if !sameOrigin(c.origin, u) {
			return nil, fmt.Errorf("awx: refusing to send a request to %s, which is not %s", u.Redacted(), c.origin.Host)
		}
		return u, nil
	case strings.HasPrefix(u.Path, "/"):
		r := *c.origin
		// Work on the escaped form so that an encoded character in a link
		// ("%2F" in a name) stays encoded.
		prefix := c.origin.EscapedPath()
		p := u.EscapedPath()
		if prefix != "" && !strings.HasPrefix(p, prefix+"/") {
			p = prefix + p
		}
		dec, err := url.PathUnescape(p)
		if err != nil {
			return nil, fmt.Errorf("awx: invalid request path %q: %w", relPath, err)
		}
		r.Path, r.RawPath = dec, p
		r.RawQuery = u.RawQuery
		return &r, nil
	default:
		return c.apiBase.ResolveReference(u), nil
	}
}

// sameOrigin reports whether u has a's scheme, host and port, or is an
// upgrade from http to https on the same host.
func sameOrigin(a, u *url.URL) bool {
	if !strings.EqualFold(a.Hostname(), u.Hostname()) {
		return false
	}
	as, us := strings.ToLower(a.Scheme), strings.ToLower(u.Scheme)
	if as == us {
		return portOf(a) == portOf(u)
	}
	// http -> https on the same host keeps the credentials safe; the reverse
	// would send them in clear.
	return as == "http" && us == "https" && (u.Port() == "" || u.Port() == "443")
}

func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if strings.EqualFold(u.Scheme, "https") {
		return "443"
	}
	return "80"
}

// NewRequest builds a request for relPath (see BaseURL; "/api/..." paths and
// same-origin absolute URLs are accepted too). A non-nil body is sent as JSON,
// or form-encoded when it is url.Values. The request carries the client's
// credentials, Accept: application/json and the User-Agent.
func (c *Client) NewRequest(ctx context.Context, method, relPath string, body any) (*http.Request, error) {
	u, err := c.resolve(relPath)
	if err != nil {
		return nil, err
	}
	var (
		rd          io.Reader
		contentType string
	)
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd = strings.NewReader(b.Encode())
		contentType = "application/x-www-form-urlencoded"
	default:
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		// AWX descriptions may hold "<" or "&"; send them as typed.
		enc.SetEscapeHTML(false)
		if err := enc.Encode(body); err != nil {
			return nil, fmt.Errorf("awx: encoding request body: %w", err)
		}
		rd = bytes.NewReader(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
		contentType = "application/json"
	}
	if ctx == nil {
		ctx = context.Background()
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("awx: building request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", c.userAgent)
	switch {
	case c.token != "":
		req.Header.Set("Authorization", "Bearer "+c.token)
	case c.basic:
		req.SetBasicAuth(c.username, c.password)
	}
	return req, nil
}

// Response is an API response. For AWX lists it carries the page envelope:
// Count is the total number of matching objects, Next and Previous are AWX's
// links ("/api/v2/tokens/?page=2"), empty on the last or first page.
type Response struct {
	*http.Response
	Count    int
	Next     string
	Previous string
}

// envelope reads the non-result part of AWX's list body.
type envelope struct {
	Count    *int            `json:"count"`
	Next     *string         `json:"next"`
	Previous *string         `json:"previous"`
	Results  json.RawMessage `json:"results"`
}

// Do sends req and decodes a JSON response body into v (when v is non-nil; an
// io.Writer receives the raw body instead). An empty body is success. A non-2xx
// status returns an *ErrorResponse, together with the Response. A GET or HEAD
// follows 301, 302, 303, 307 and 308 redirects; the Authorization header
// follows only while the redirect stays on the same origin. Nothing is retried.
func (c *Client) Do(req *http.Request, v any) (*Response, error) {
	resp, err := c.send(req)
	if err != nil {
		return nil, err
	}
	data, err := readBody(resp)
	if err != nil {
		return &Response{Response: resp}, &RequestError{Method: req.Method, URL: redactURL(resp.Request.URL), Err: err}
	}
	r := &Response{Response: resp}
	if err := checkResponse(resp, data); err != nil {
		return r, err
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return r, nil
	}
	if isJSONObject(data) {
		var env envelope
		if json.Unmarshal(data, &env) == nil && env.Count != nil && env.Results != nil {
			r.Count = *env.Count
			if env.Next != nil {
				r.Next = *env.Next
			}
			if env.Previous != nil {
				r.Previous = *env.Previous
			}
		}
	}
	switch w := v.(type) {
	case nil:
	case io.Writer:
		if _, err := w.Write(data); err != nil {
			return r, fmt.Errorf("awx: writing response body: %w", err)
		}
	default:
		if err := json.Unmarshal(data, v); err != nil {
			return r, fmt.Errorf("awx: decoding response to %s %s: %w", req.Method, resp.Request.URL.Path, err)
		}
	}
	return r, nil
}

func isJSONObject(data []byte) bool {
	t := bytes.TrimSpace(data)
	return len(t) > 0 && t[0] == '{'
}

func readBody(resp *http.Response) ([]byte, error) {
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBodySize+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if len(data) > maxBodySize {
		return nil, fmt.Errorf("response body larger than %d bytes", maxBodySize)
	}
	// Leave the body readable for callers that want the raw bytes.
	resp.Body = io.NopCloser(bytes.NewReader(data))
	return data, nil
}

// send performs req, following redirects for GET and HEAD only.
func (c *Client) send(req *http.Request) (*http.Response, error) {
	cur := req
	for n := 0; ; n++ {
		resp, err := c.httpClient.Do(cur)
		if err != nil {
			return nil, wrapNetError(cur, err)
		}
		if !isRedirect(resp.StatusCode) || (cur.Method != http.MethodGet && cur.Method != http.MethodHead) {
			return resp, nil
		}
		loc := resp.Header.Get("Location")
		if loc == "" {
			return resp, nil
		}
		if n >= maxRedirects {
			resp.Body.Close()
			return nil, &RequestError{Method: req.Method, URL: redactURL(req.URL), Err: fmt.Errorf("stopped after %d redirects", maxRedirects)}
		}
		target, err := cur.URL.Parse(loc)
		if err != nil {
			resp.Body.Close()
			return nil, &RequestError{Method: req.Method, URL: redactURL(cur.URL), Err: errors.New("redirect to an invalid Location")}
		}
		// Drain a little so the connection can be reused.
		io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
		resp.Body.Close()

		next, err := http.NewRequestWithContext(cur.Context(), cur.Method, target.String(), nil)
		if err != nil {
			return nil, &RequestError{Method: req.Method, URL: redactURL(target), Err: err}
		}
		next.Header = cur.Header.Clone()
		if !sameOrigin(cur.URL, target) {
			next.Header.Del("Authorization")
			next.Header.Del("Cookie")
		}
		cur = next
	}
}

func isRedirect(code int) bool {
	switch code {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}

// RequestError is a failure to get a response at all: DNS, connection,
// TLS, timeout or cancellation. Its message names the method, the URL (without
// credentials or secret query values) and the cause.
type RequestError struct {
	Method string
	URL    string
	Err    error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("awx: %s %s: %v", e.Method, e.URL, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// Timeout reports whether the request failed because a deadline passed.
func (e *RequestError) Timeout() bool {
	if errors.Is(e.Err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(e.Err, &ne) && ne.Timeout()
}

func wrapNetError(req *http.Request, err error) error {
	// url.Error repeats the full URL, query included; keep only the cause and
	// print our own redacted URL.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return &RequestError{Method: req.Method, URL: redactURL(req.URL), Err: err}
}

// Me returns the authenticated user.
//
// AWX API: GET /api/v2/me/
func (c *Client) Me(ctx context.Context) (*User, *Response, error) {
	req, err := c.NewRequest(ctx, http.MethodGet, "me/", nil)
	if err != nil {
		return nil, nil, err
	}
	var page Page[*User]
	resp, err := c.Do(req, &page)
	if err != nil {
		return nil, resp, err
	}
	if len(page.Results) == 0 || page.Results[0] == nil {
		return nil, resp, fmt.Errorf("awx: GET %s returned no user", req.URL.Path)
	}
	return page.Results[0], resp, nil
}
