package server_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
)

// syncBuffer is a log sink that handlers on many goroutines may share.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsHoldNoSecret runs a flow that handles every kind of secret with
// debug logging on, then checks the log: every request has a line with
// the request id its response carried, and no secret appears anywhere.
func TestLogsHoldNoSecret(t *testing.T) {
	var logs syncBuffer
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) {
		c.Logger = slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}))
	secrets := []string{srv.AdminToken, srv.AdminPassword}
	var ids []string
	do := func(method, path string, auth servertest.Auth, body any) *servertest.Response {
		t.Helper()
		res := srv.Do(t, method, path, auth, body)
		id := res.Header.Get("X-API-Request-Id")
		if len(id) != 32 {
			t.Errorf("%s %s: request id %q", method, path, id)
		}
		ids = append(ids, id)
		return res
	}

	pw := "Carol-pw-in-the-log?"
	do("POST", "/api/v2/users/", srv.Admin(), map[string]any{"username": "carol", "password": pw})
	secrets = append(secrets, pw)
	carol := servertest.Basic("carol", pw)
	var tok awx.Token
	do("POST", "/api/v2/users/carol/personal_tokens/", carol, map[string]any{"scope": "write"}).JSON(t, &tok)
	secrets = append(secrets, tok.Token)
	do("GET", "/api/v2/me/", servertest.Bearer(tok.Token), nil)
	do("GET", "/api/v2/me/?access_token="+tok.Token, nil, nil)
	do("GET", "/api/v2/me/", servertest.Basic("carol", pw+"-wrong"), nil)
	secrets = append(secrets, pw+"-wrong")
	do("GET", "/api/v2/me/", servertest.Bearer(tok.Token+"x"), nil)

	var org awx.Organization
	do("POST", "/api/v2/organizations/", srv.Admin(), map[string]any{"name": "Logs"}).JSON(t, &org)
	var app awx.Application
	do("POST", "/api/v2/applications/", srv.Admin(), map[string]any{
		"name": "logged", "organization": org.ID, "client_type": "confidential", "authorization_grant_type": "password",
	}).JSON(t, &app)
	secrets = append(secrets, app.ClientSecret)
	var appTok awx.Token
	do("POST", fmt.Sprintf("/api/v2/applications/%d/tokens/", app.ID), srv.Admin(), map[string]any{}).JSON(t, &appTok)
	secrets = append(secrets, appTok.Token, deref(appTok.RefreshToken))
	do("DELETE", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), srv.Admin(), nil)
	srv.Srv.Close() // flush what the server logs at close

	out := logs.String()
	for _, s := range secrets {
		if s == "" {
			t.Fatal("empty secret in the fixture")
		}
		if strings.Contains(out, s) {
			t.Errorf("the log holds a secret: %.6s...", s)
		}
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var rec map[string]any
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("not a JSON log line: %q", line)
		}
		if rec["msg"] == "request" {
			id, _ := rec["request_id"].(string)
			seen[id] = true
		}
	}
	for _, id := range ids {
		if !seen[id] {
			t.Errorf("no log line for request %s", id)
		}
	}
}
