// Package crash is the crash-consistency test: a real `awxtoken server`
// child process under concurrent create and revoke load is killed with
// SIGKILL at random moments, restarted on the same store, and must still
// honour everything it acknowledged before the kill: every token whose
// creation was answered 201 authenticates, every token whose revocation
// was answered 204/200 does not, and the store passes an integrity check.
// It runs on SQLite, and on PostgreSQL when AWXTOKEN_TEST_POSTGRES is set.
package crash

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	_ "modernc.org/sqlite"

	"github.com/awxtoken/awxtoken/internal/proctest"
)

const rounds = 5

// ledger is what the server acknowledged, across rounds.
type ledger struct {
	mu sync.Mutex
	// live: created (201 seen) and no revocation attempted.
	live map[int64]string
	// revoked: revocation acknowledged.
	revoked map[int64]string
	// unsure: a revocation was sent but its answer was lost to the kill;
	// either outcome is correct.
	unsure map[int64]string
	// refresh maps an app token's id to its refresh token.
	refresh map[int64]string
}

func (l *ledger) pickLive(r *rand.Rand) (int64, string, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	for id, tok := range l.live { // map order is random enough
		if r.IntN(2) == 0 || len(l.live) < 4 {
			delete(l.live, id)
			l.unsure[id] = tok
			return id, tok, true
		}
	}
	return 0, "", false
}

func (l *ledger) settle(id int64, tok string, revoked bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.unsure, id)
	if revoked {
		l.revoked[id] = tok
	} else {
		l.live[id] = tok
	}
}

type client struct {
	p                  *proctest.Proc
	bearer             string
	appID              int64
	clientID, clientSc string
	http               *http.Client
}

func (c *client) do(method, path, ctype, auth string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(method, c.p.URL+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Authorization", auth)
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		// Headers without the whole body: not an acknowledgement.
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}

// worker creates and revokes tokens until the server dies or stop closes.
// It records only what was acknowledged.
func (c *client) worker(t *testing.T, seed uint64, l *ledger, stop <-chan struct{}, round int) {
	r := rand.New(rand.NewPCG(seed, uint64(round)))
	for i := 0; ; i++ {
		select {
		case <-stop:
			return
		default:
		}
		if r.IntN(3) > 0 { // create
			body := map[string]any{"description": fmt.Sprintf("round %d #%d", round, i), "scope": "read"}
			withApp := r.IntN(2) == 0
			if withApp {
				body["application"] = c.appID
			}
			b, _ := json.Marshal(body)
			st, rb, err := c.do("POST", "/api/v2/tokens/", "application/json", c.bearer, b)
			if err != nil {
				return
			}
			if st != http.StatusCreated {
				t.Errorf("create: %d %s", st, rb)
				return
			}
			var tok struct {
				ID           int64   `json:"id"`
				Token        string  `json:"token"`
				RefreshToken *string `json:"refresh_token"`
			}
			if err := json.Unmarshal(rb, &tok); err != nil {
				t.Errorf("create: %v: %s", err, rb)
				return
			}
			l.mu.Lock()
			l.live[tok.ID] = tok.Token
			if tok.RefreshToken != nil {
				l.refresh[tok.ID] = *tok.RefreshToken
			}
			l.mu.Unlock()
			continue
		}
		id, tok, ok := l.pickLive(r)
		if !ok {
			continue
		}
		l.mu.Lock()
		rt := l.refresh[id]
		l.mu.Unlock()
		var st int
		var rb []byte
		var err error
		clientAuth := "Basic " + base64.StdEncoding.EncodeToString([]byte(c.clientID+":"+c.clientSc))
		switch {
		case rt != "" && r.IntN(2) == 0:
			// Revoking the refresh token deletes its access token too.
			st, rb, err = c.do("POST", "/api/o/revoke_token/", "application/x-www-form-urlencoded", clientAuth,
				[]byte(url.Values{"token": {rt}, "token_type_hint": {"refresh_token"}}.Encode()))
		case rt != "":
			st, rb, err = c.do("POST", "/api/o/revoke_token/", "application/x-www-form-urlencoded", clientAuth,
				[]byte(url.Values{"token": {tok}}.Encode()))
		default:
			st, rb, err = c.do("DELETE", fmt.Sprintf("/api/v2/tokens/%d/", id), "", c.bearer, nil)
		}
		if err != nil {
			return // stays unsure
		}
		if st != http.StatusNoContent && st != http.StatusOK {
			t.Errorf("revoke token %d: %d %s", id, st, rb)
			return
		}
		l.settle(id, tok, true)
	}
}

func TestCrashConsistency(t *testing.T) {
	for name, newDSN := range proctest.Backends() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			dsn := newDSN(t)
			start := time.Now()
			p := startServer(t, dsn)
			c := &client{p: p, http: &http.Client{Timeout: 20 * time.Second}}
			basic := proctest.BasicAuth(adminUser, adminPass)
			var tok struct {
				Token string `json:"token"`
			}
			p.Call(t, "POST", "/api/v2/users/admin/personal_tokens/", basic, map[string]any{"scope": "write"}, 201, &tok)
			c.bearer = "Bearer " + tok.Token
			var org struct {
				ID int64 `json:"id"`
			}
			p.Call(t, "POST", "/api/v2/organizations/", c.bearer, map[string]any{"name": "CrashOrg"}, 201, &org)
			var app struct {
				ID           int64  `json:"id"`
				ClientID     string `json:"client_id"`
				ClientSecret string `json:"client_secret"`
			}
			p.Call(t, "POST", "/api/v2/applications/", c.bearer, map[string]any{"name": "crashapp", "organization": org.ID,
				"client_type": "confidential", "authorization_grant_type": "password"}, 201, &app)
			c.appID, c.clientID, c.clientSc = app.ID, app.ClientID, app.ClientSecret

			l := &ledger{live: map[int64]string{}, revoked: map[int64]string{}, unsure: map[int64]string{}, refresh: map[int64]string{}}
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
			for round := 1; round <= rounds; round++ {
				if round > 1 {
					p = startServer(t, dsn)
					c.p = p
				}
				c.verify(t, l, round)
				stop := make(chan struct{})
				var wg sync.WaitGroup
				for w := range 8 {
					wg.Add(1)
					go func() {
						defer wg.Done()
						c.worker(t, uint64(w), l, stop, round)
					}()
				}
				time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
				if err := p.Cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				<-p.Done()
				close(stop)
				wg.Wait()
				if t.Failed() {
					return
				}
				integrity(t, name, dsn)
				l.mu.Lock()
				t.Logf("round %d: killed after load; acknowledged so far: %d live, %d revoked, %d unsure",
					round, len(l.live), len(l.revoked), len(l.unsure))
				l.mu.Unlock()
			}
			p = startServer(t, dsn)
			c.p = p
			c.verify(t, l, rounds+1)
			l.mu.Lock()
			if len(l.live) == 0 || len(l.revoked) == 0 {
				t.Errorf("the load acknowledged %d creates and %d revokes: too little to test anything", len(l.live), len(l.revoked))
			}
			l.mu.Unlock()
			t.Logf("%d rounds in %v", rounds, time.Since(start).Round(time.Millisecond))
		})
	}
}

// verify checks, on a fresh process, that every acknowledged create still
// authenticates and every acknowledged revoke still refuses; tokens whose
// revocation was in flight at the kill are settled by what the server says.
func (c *client) verify(t *testing.T, l *ledger, round int) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	me := func(tok string) int {
		st, _, err := c.do("GET", "/api/v2/me/", "", "Bearer "+tok, nil)
		if err != nil {
			t.Fatalf("GET /api/v2/me/: %v", err)
		}
		return st
	}
	for id, tok := range l.live {
		if st := me(tok); st != http.StatusOK {
			t.Errorf("after restart %d: token %d, created with a 201, answers %d", round, id, st)
		}
	}
	for id, tok := range l.revoked {
		if st := me(tok); st != http.StatusUnauthorized {
			t.Errorf("after restart %d: token %d, revoked with an acknowledgement, answers %d", round, id, st)
		}
	}
	for id, tok := range l.unsure {
		delete(l.unsure, id)
		switch st := me(tok); st {
		case http.StatusOK:
			l.live[id] = tok
		case http.StatusUnauthorized:
			l.revoked[id] = tok
		default:
			t.Errorf("token %d answers %d", id, st)
		}
	}
}

// integrity checks the stopped server's store.
func integrity(t *testing.T, backend, dsn string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if backend == "sqlite" {
		db, err := sql.Open("sqlite", dsn)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var res string
		if err := db.QueryRowContext(ctx, "PRAGMA integrity_check").Scan(&res); err != nil || res != "ok" {
			t.Fatalf("PRAGMA integrity_check: %q %v", res, err)
		}
		rows, err := db.QueryContext(ctx, "PRAGMA foreign_key_check")
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		if rows.Next() {
			t.Fatal("PRAGMA foreign_key_check reports violations")
		}
		orphans(ctx, t, func(q string) (int, error) {
			var n int
			err := db.QueryRowContext(ctx, q).Scan(&n)
			return n, err
		})
		return
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	// Reading every row of every table and index proves the heap and the
	// unique indexes agree; the orphan queries check what foreign keys
	// cannot (a link kept after a revocation).
	for _, q := range []string{
		"SELECT count(*) FROM (SELECT digest FROM access_tokens GROUP BY digest HAVING count(*) > 1) d",
		"SELECT count(*) FROM (SELECT digest FROM refresh_tokens GROUP BY digest HAVING count(*) > 1) d",
	} {
		var n int
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s: %d %v", q, n, err)
		}
	}
	orphans(ctx, t, func(q string) (int, error) {
		var n int
		err := conn.QueryRow(ctx, q).Scan(&n)
		return n, err
	})
}

// orphans runs the checks both dialects share.
func orphans(_ context.Context, t *testing.T, count func(string) (int, error)) {
	t.Helper()
	for _, q := range []string{
		"SELECT count(*) FROM access_tokens t LEFT JOIN users u ON u.id = t.user_id WHERE u.id IS NULL",
		"SELECT count(*) FROM refresh_tokens r LEFT JOIN access_tokens t ON t.id = r.access_token_id WHERE r.access_token_id IS NOT NULL AND t.id IS NULL",
		// A revoked refresh token keeps no access token (spec D.5, RFC 7009).
		"SELECT count(*) FROM refresh_tokens WHERE revoked IS NOT NULL AND access_token_id IS NOT NULL",
		"SELECT count(*) FROM access_tokens WHERE length(digest) <> 32",
	} {
		n, err := count(q)
		if err != nil || n != 0 {
			t.Fatalf("integrity: %s: %d %v", strings.Join(strings.Fields(q), " "), n, err)
		}
	}
}
