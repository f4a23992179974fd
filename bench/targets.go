package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// httpDo makes one request and returns the status and body.
func httpDo(ctx context.Context, method, u string, header map[string]string, body string) (int, []byte, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, err
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return resp.StatusCode, b, err
}

func basicAuth(user, pass string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(user+":"+pass))
}

// awxServer is one `awxtoken server` process the suite started.
type awxServer struct {
	*proc
	url       string
	pprofURL  string // "" unless started with --pprof
	adminUser string
	adminPass string
	token     string // a write personal token of the admin, made through the API
}

// startAWX starts the built binary on dsn and makes the admin's token.
func startAWX(ctx context.Context, bin, dsn, logPath string, pprof bool) (*awxServer, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &awxServer{url: fmt.Sprintf("http://127.0.0.1:%d", port), adminUser: "bench", adminPass: randomText(24)}
	args := []string{"server", "--listen", fmt.Sprintf("127.0.0.1:%d", port), "--database", dsn}
	if pprof {
		pp, err := freePort()
		if err != nil {
			return nil, err
		}
		args = append(args, "--pprof", fmt.Sprintf("127.0.0.1:%d", pp))
		s.pprofURL = fmt.Sprintf("http://127.0.0.1:%d", pp)
	}
	p, err := startProc("awxtoken server", logPath,
		[]string{"AWXTOKEN_ADMIN_USERNAME=" + s.adminUser, "AWXTOKEN_ADMIN_PASSWORD=" + s.adminPass}, bin, args...)
	if err != nil {
		return nil, err
	}
	s.proc = p
	if err := p.waitReady(ctx, s.url+"/api/v2/ping/", 60*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	// Basic authentication (one argon2id check) only to make the token the
	// loads use; every measured request is Bearer.
	tok, err := s.createToken(ctx, basicAuth(s.adminUser, s.adminPass))
	if err != nil {
		p.stop()
		return nil, err
	}
	s.token = tok
	return s, nil
}

// tokenCreateBody is what `awxtoken new --for-me` sends (AWX.psm's
// New-Token -ForMe), so the loads and the CLI comparison do the same work.
const tokenCreateBody = `{"scope":"write"}`

func (s *awxServer) createToken(ctx context.Context, auth string) (string, error) {
	code, b, err := httpDo(ctx, http.MethodPost, s.url+"/api/v2/users/0/tokens/",
		map[string]string{"Authorization": auth, "Content-Type": "application/json"}, `{"description":"bench","scope":"write"}`)
	if err != nil {
		return "", err
	}
	if code != http.StatusCreated {
		return "", fmt.Errorf("POST /api/v2/users/0/tokens/: %d %s", code, b)
	}
	var v struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &v); err != nil || v.Token == "" {
		return "", fmt.Errorf("POST /api/v2/users/0/tokens/: no token in the answer")
	}
	return v.Token, nil
}

// me fetches GET /api/v2/me/ as the admin's token sees it.
func (s *awxServer) me(ctx context.Context) ([]byte, error) {
	code, b, err := httpDo(ctx, http.MethodGet, s.url+"/api/v2/me/", map[string]string{"Authorization": "Bearer " + s.token}, "")
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/v2/me/: %d %s", code, b)
	}
	return b, nil
}

func (s *awxServer) meLoad(conns int, dur time.Duration, tokens []string) loadSpec {
	sp := loadSpec{method: http.MethodGet, url: s.url + "/api/v2/me/", conns: conns, dur: dur, tokens: tokens,
		header: map[string]string{}}
	if len(tokens) == 0 {
		sp.header["Authorization"] = "Bearer " + s.token
	}
	return sp
}

func (s *awxServer) createLoad(conns int, dur time.Duration) loadSpec {
	return loadSpec{method: http.MethodPost, url: s.url + "/api/v2/users/0/tokens/", conns: conns, dur: dur,
		header: map[string]string{"Authorization": "Bearer " + s.token, "Content-Type": "application/json"},
		body:   tokenCreateBody}
}

// profile fetches a CPU profile of seconds from the server's pprof
// listener into path.
func (s *awxServer) profile(ctx context.Context, seconds int, path string) error {
	if s.pprofURL == "" {
		return errSkipped
	}
	code, b, err := httpDo(ctx, http.MethodGet, s.pprofURL+"/debug/pprof/profile?seconds="+strconv.Itoa(seconds), nil, "")
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("pprof: %d %s", code, b)
	}
	return os.WriteFile(path, b, 0o644)
}

// ---- the ceiling ----

// ceilingMain is `bench ceiling ADDR BODYFILE`: a bare net/http server
// answering every request with the bytes of BODYFILE as JSON. It is what
// GET /api/v2/me/ could be at best on this machine with Go's HTTP server:
// no routing, authentication, rendering or logging.
func ceilingMain(args []string) error {
	if len(args) != 2 {
		return fmt.Errorf("usage: bench ceiling ADDR BODYFILE")
	}
	body, err := os.ReadFile(args[1])
	if err != nil {
		return err
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	})
	return http.ListenAndServe(args[0], h)
}

type ceilingServer struct {
	*proc
	url string
}

func startCeiling(ctx context.Context, self, dir string, body []byte) (*ceilingServer, error) {
	bodyFile := filepath.Join(dir, "ceiling-body.json")
	if err := os.WriteFile(bodyFile, body, 0o600); err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := startProc("ceiling", filepath.Join(dir, "ceiling.log"), nil, self, "ceiling", addr, bodyFile)
	if err != nil {
		return nil, err
	}
	c := &ceilingServer{proc: p, url: "http://" + addr + "/api/v2/me/"}
	if err := p.waitReady(ctx, c.url, 30*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	code, got, err := httpDo(ctx, http.MethodGet, c.url, nil, "")
	if err != nil || code != 200 || !bytes.Equal(got, body) {
		p.stop()
		return nil, fmt.Errorf("ceiling does not answer the same bytes (%d, %v)", code, err)
	}
	return c, nil
}

func (c *ceilingServer) load(conns int, dur time.Duration) loadSpec {
	// The same Authorization header as the real request, so both carry
	// the same request bytes too.
	return loadSpec{method: http.MethodGet, url: c.url, conns: conns, dur: dur,
		header: map[string]string{"Authorization": "Bearer " + strings.Repeat("x", 30)}}
}

// ---- Ory Hydra ----

// hydraPeer is a Hydra v2.3.0 `serve all --dev` on its in-memory store,
// with one client_credentials client and one access token.
type hydraPeer struct {
	*proc
	public, admin    string
	clientID, secret string
	token            string
	pbkdf2Iterations string // "" for Hydra's default (25,000)
}

func startHydra(ctx context.Context, bin, logPath string, pbkdf2Iterations string) (*hydraPeer, error) {
	pub, err := freePort()
	if err != nil {
		return nil, err
	}
	adm, err := freePort()
	if err != nil {
		return nil, err
	}
	h := &hydraPeer{public: fmt.Sprintf("http://127.0.0.1:%d", pub), admin: fmt.Sprintf("http://127.0.0.1:%d", adm),
		pbkdf2Iterations: pbkdf2Iterations}
	env := []string{
		"DSN=memory",
		"SERVE_PUBLIC_HOST=127.0.0.1", "SERVE_PUBLIC_PORT=" + strconv.Itoa(pub),
		"SERVE_ADMIN_HOST=127.0.0.1", "SERVE_ADMIN_PORT=" + strconv.Itoa(adm),
		"URLS_SELF_ISSUER=" + h.public + "/",
		"SECRETS_SYSTEM=" + randomText(40),
		// Hydra at its best: no per-request log line (awxtoken keeps its
		// access log on, so this favours the peer).
		"LOG_LEVEL=warn",
	}
	if pbkdf2Iterations != "" {
		env = append(env, "OAUTH2_HASHERS_PBKDF2_ITERATIONS="+pbkdf2Iterations)
	}
	p, err := startProc("hydra", logPath, env, bin, "serve", "all", "--dev")
	if err != nil {
		return nil, err
	}
	h.proc = p
	if err := p.waitReady(ctx, h.admin+"/health/ready", 60*time.Second); err != nil {
		p.stop()
		return nil, err
	}
	if err := h.setup(ctx); err != nil {
		p.stop()
		return nil, err
	}
	return h, nil
}

// setup creates the client, issues a token and checks that introspection
// calls it active, so the loads measure the success path.
func (h *hydraPeer) setup(ctx context.Context) error {
	code, b, err := httpDo(ctx, http.MethodPost, h.admin+"/admin/clients", map[string]string{"Content-Type": "application/json"},
		`{"client_name":"bench","grant_types":["client_credentials"],"response_types":["token"],"token_endpoint_auth_method":"client_secret_basic","scope":"read write"}`)
	if err != nil {
		return fmt.Errorf("hydra: create client: %w", err)
	}
	if code != http.StatusCreated {
		return fmt.Errorf("hydra: create client: %d %s", code, b)
	}
	var c struct {
		ClientID     string `json:"client_id"`
		ClientSecret string `json:"client_secret"`
	}
	if err := json.Unmarshal(b, &c); err != nil || c.ClientID == "" || c.ClientSecret == "" {
		return fmt.Errorf("hydra: create client: unexpected answer")
	}
	h.clientID, h.secret = c.ClientID, c.ClientSecret
	spec := h.issueLoad(1, 0)
	code, b, err = httpDo(ctx, spec.method, spec.url, spec.header, spec.body)
	if err != nil {
		return fmt.Errorf("hydra: issue token: %w", err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("hydra: issue token: %d %s", code, b)
	}
	var t struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(b, &t); err != nil || t.AccessToken == "" {
		return fmt.Errorf("hydra: issue token: unexpected answer")
	}
	h.token = t.AccessToken
	spec = h.introspectLoad(1, 0)
	code, b, err = httpDo(ctx, spec.method, spec.url, spec.header, spec.body)
	if err != nil {
		return fmt.Errorf("hydra: introspect: %w", err)
	}
	var in struct {
		Active bool `json:"active"`
	}
	if code != http.StatusOK || json.Unmarshal(b, &in) != nil || !in.Active {
		return fmt.Errorf("hydra: introspect: %d %s", code, b)
	}
	return nil
}

func (h *hydraPeer) introspectLoad(conns int, dur time.Duration) loadSpec {
	return loadSpec{method: http.MethodPost, url: h.admin + "/admin/oauth2/introspect", conns: conns, dur: dur,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"},
		body:   "token=" + url.QueryEscape(h.token)}
}

func (h *hydraPeer) issueLoad(conns int, dur time.Duration) loadSpec {
	return loadSpec{method: http.MethodPost, url: h.public + "/oauth2/token", conns: conns, dur: dur,
		header: map[string]string{"Content-Type": "application/x-www-form-urlencoded",
			"Authorization": basicAuth(url.QueryEscape(h.clientID), url.QueryEscape(h.secret))},
		body: "grant_type=client_credentials&scope=read"}
}
