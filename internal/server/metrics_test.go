package server_test

import (
	"bufio"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
)

// scrape reads the server's metrics as Prometheus would: sample line
// (name{labels}) to value.
func scrape(t *testing.T, srv *servertest.Server) map[string]float64 {
	t.Helper()
	rec := httptest.NewRecorder()
	srv.Srv.MetricsHandler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != 200 {
		t.Fatalf("metrics: %d", rec.Code)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(rec.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

func TestMetrics(t *testing.T) {
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.LoginThrottle = server.ThrottleConfig{PerUser: 2, PerAddress: 100, Window: time.Minute}
	}))
	before := scrape(t, srv)
	if v, ok := before[`awxtoken_tokens_issued_total{kind="grant"}`]; !ok || v != 0 {
		t.Errorf("grant counter missing before the first grant: %v %v", v, ok)
	}

	var tok awx.Token
	res := srv.Do(t, "POST", "/api/v2/tokens/", srv.Admin(), map[string]any{"description": "m"})
	if res.Status != 201 {
		t.Fatalf("create: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &tok)
	for i := 0; i < 3; i++ {
		srv.Do(t, "GET", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), srv.Admin(), nil)
	}
	srv.Do(t, "DELETE", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), srv.Admin(), nil)
	srv.Do(t, "GET", "/no/such/path/12345/", nil, nil)
	// Two failures reach the per-user limit; the third attempt is throttled.
	for i := 0; i < 3; i++ {
		srv.Do(t, "GET", "/api/v2/me/", servertest.Basic("admin", "wrong"), nil)
	}

	m := scrape(t, srv)
	want := map[string]float64{
		`awxtoken_tokens_issued_total{kind="personal"}`:                                           1,
		`awxtoken_tokens_issued_total{kind="application"}`:                                        0,
		`awxtoken_tokens_revoked_total`:                                                           1,
		`awxtoken_http_requests_total{code="201",method="POST",route="/api/v2/tokens/"}`:          1,
		`awxtoken_http_requests_total{code="200",method="GET",route="/api/v2/tokens/{id}/"}`:      3,
		`awxtoken_http_requests_total{code="204",method="DELETE",route="/api/v2/tokens/{id}/"}`:   1,
		`awxtoken_http_requests_total{code="404",method="GET",route="unmatched"}`:                 1,
		`awxtoken_http_requests_total{code="401",method="GET",route="/api/v2/me/"}`:               2,
		`awxtoken_http_requests_total{code="429",method="GET",route="/api/v2/me/"}`:               1,
		`awxtoken_login_failures_total`:                                                           2,
		`awxtoken_logins_throttled_total`:                                                         1,
		`awxtoken_store_errors_total`:                                                             0,
		`awxtoken_http_request_duration_seconds_count{method="GET",route="/api/v2/tokens/{id}/"}`: 3,
	}
	for k, v := range want {
		if got, ok := m[k]; !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	// Bounded cardinality: raw paths never become labels.
	for k := range m {
		if strings.Contains(k, fmt.Sprintf("/tokens/%d/", tok.ID)) || strings.Contains(k, "12345") {
			t.Errorf("a raw path became a label: %s", k)
		}
	}
	// /metrics is not on the API listener.
	if res := srv.Do(t, "GET", "/metrics", srv.Admin(), nil); res.Status != http.StatusNotFound {
		t.Errorf("/metrics on the API listener: %d", res.Status)
	}
}

// Grants at /api/o/token/ count as issued tokens of kind "grant"; a refresh
// rotation and /api/o/revoke_token/ count as revocations.
func TestMetricsGrants(t *testing.T) {
	srv := servertest.Start(t)
	org := srv.CreateOrg(t, "m-org")
	res := srv.Do(t, "POST", "/api/v2/applications/", srv.Admin(), map[string]any{
		"name": "m-app", "organization": org.ID, "client_type": "public", "authorization_grant_type": "password"})
	if res.Status != 201 {
		t.Fatalf("app: %d %s", res.Status, res.Body)
	}
	var app awx.Application
	res.JSON(t, &app)
	form := func(path string, v url.Values) *servertest.Response {
		return srv.Request(t, "POST", path, nil, "application/x-www-form-urlencoded", strings.NewReader(v.Encode()))
	}
	res = form("/api/o/token/", url.Values{"grant_type": {"password"}, "client_id": {app.ClientID},
		"username": {srv.AdminUsername}, "password": {srv.AdminPassword}})
	if res.Status != 200 {
		t.Fatalf("password grant: %d %s", res.Status, res.Body)
	}
	var g awx.OAuth2Token
	res.JSON(t, &g)
	res = form("/api/o/token/", url.Values{"grant_type": {"refresh_token"}, "client_id": {app.ClientID}, "refresh_token": {g.RefreshToken}})
	if res.Status != 200 {
		t.Fatalf("refresh grant: %d %s", res.Status, res.Body)
	}
	res.JSON(t, &g)
	if res = form("/api/o/revoke_token/", url.Values{"client_id": {app.ClientID}, "token": {g.AccessToken}}); res.Status != 200 {
		t.Fatalf("revoke: %d %s", res.Status, res.Body)
	}
	m := scrape(t, srv)
	if got := m[`awxtoken_tokens_issued_total{kind="grant"}`]; got != 2 {
		t.Errorf("grants issued = %v, want 2", got)
	}
	if got := m[`awxtoken_tokens_revoked_total`]; got != 2 {
		t.Errorf("revoked = %v, want 2 (the rotated token and the revoked one)", got)
	}
}
