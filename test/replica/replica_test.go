// Package replica tests awxtoken's multi-replica deployment: several server
// replicas, each with a store connection pool of its own, on one fresh
// PostgreSQL database (AWXTOKEN_TEST_POSTGRES), talking real HTTP. It
// checks what the deployment promises: a token created on one replica
// works on every other at once; a token revoked on one is refused by every
// other within a second at worst (the lag is measured and printed);
// concurrent creates through all replicas are all kept, with unique ids;
// the bootstrap superuser is created once however many replicas start
// together; and a replica that dies abruptly disturbs nobody, while a new
// one starts cleanly on the same database.
package replica

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/pgtest"
	"github.com/awxtoken/awxtoken/internal/store/postgres"
)

// maxRevocationLag is the bound: a token revoked on one replica is
// refused by every other within this, at worst.
const maxRevocationLag = time.Second

var ctx = context.Background()

// replica is one server process: its own pool, its own server, its own
// listener.
type replica struct {
	name string
	db   *postgres.DB
	srv  *server.Server
	ts   *httptest.Server
	dead bool
}

type cluster struct {
	t       *testing.T
	dsn     string
	http    *http.Client
	adminID int64
	admin   string // a write PAT of the bootstrap superuser, in clear
}

// start starts a replica the way `awxtoken server` does: open the store
// (migrating under the advisory lock), ensure the bootstrap superuser, and
// serve. It reports whether this replica created the superuser.
func (c *cluster) start(name string) (*replica, bool) {
	t := c.t
	db, err := postgres.Open(ctx, c.dsn, postgres.Options{MaxConns: 8, ApplicationName: "awxtoken-" + name})
	if err != nil {
		t.Errorf("replica %s: open: %v", name, err)
		return nil, false
	}
	hash, err := secret.HashPassword("bootstrap-password")
	if err != nil {
		t.Fatal(err)
	}
	created, err := db.EnsureUser(ctx, &store.User{Username: "admin", PasswordHash: hash, IsSuperuser: true, IsActive: true})
	if err != nil {
		t.Errorf("replica %s: ensure admin: %v", name, err)
	}
	srv := server.New(server.Config{Store: db})
	r := &replica{name: name, db: db, srv: srv, ts: httptest.NewServer(srv.Handler())}
	t.Cleanup(func() { r.stop() })
	return r, created
}

// stop shuts a replica down in order (what SIGTERM does).
func (r *replica) stop() {
	if r.dead {
		return
	}
	r.dead = true
	r.ts.Close()
	r.srv.Close()
	r.db.Close()
}

// kill ends a replica the way SIGKILL does: its connections to clients and
// to the database are cut, nothing is flushed or closed in order.
func (c *cluster) kill(r *replica) {
	c.t.Helper()
	r.ts.CloseClientConnections()
	r.ts.Listener.Close()
	conn, err := pgx.Connect(ctx, c.dsn)
	if err != nil {
		c.t.Fatal(err)
	}
	defer conn.Close(ctx)
	var n int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = $1`, "awxtoken-"+r.name).Scan(&n); err != nil {
		c.t.Fatal(err)
	}
	c.t.Logf("killed replica %s: %d database connections terminated", r.name, n)
	// The process is gone: what remains in memory here is only released
	// at the end of the test (the pool's connections are already dead).
	r.dead = true
	c.t.Cleanup(func() { r.srv.Close(); r.db.Close() })
}

type response struct {
	status int
	body   []byte
}

func (c *cluster) do(r *replica, method, path, token string, body any) (*response, error) {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, r.ts.URL+path, rd)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	return &response{resp.StatusCode, b}, nil
}

// me answers the status of GET /api/v2/me/ with token on r.
func (c *cluster) me(r *replica, token string) int {
	c.t.Helper()
	resp, err := c.do(r, "GET", "/api/v2/me/", token, nil)
	if err != nil {
		c.t.Fatalf("%s: GET /api/v2/me/: %v", r.name, err)
	}
	return resp.status
}

type createdToken struct {
	ID    int64  `json:"id"`
	Token string `json:"token"`
}

// createToken creates a personal access token of the admin through r's API.
func (c *cluster) createToken(r *replica, desc string) (createdToken, error) {
	resp, err := c.do(r, "POST", "/api/v2/tokens/", c.admin, map[string]string{"description": desc, "scope": "write"})
	if err != nil {
		return createdToken{}, err
	}
	if resp.status != http.StatusCreated {
		return createdToken{}, fmt.Errorf("%s: POST /api/v2/tokens/: %d %s", r.name, resp.status, resp.body)
	}
	var tok createdToken
	if err := json.Unmarshal(resp.body, &tok); err != nil || tok.ID == 0 || tok.Token == "" {
		return createdToken{}, fmt.Errorf("%s: token response %s: %v", r.name, resp.body, err)
	}
	return tok, nil
}

func TestReplicas(t *testing.T) {
	c := &cluster{t: t, dsn: pgtest.NewDatabase(t), http: &http.Client{Timeout: 30 * time.Second}}

	// Three replicas start at the same moment on an empty database: the
	// migrations run once, the bootstrap superuser is created once.
	names := []string{"a", "b", "c"}
	reps := make([]*replica, len(names))
	created := make([]bool, len(names))
	var wg sync.WaitGroup
	for i, n := range names {
		wg.Add(1)
		go func() { defer wg.Done(); reps[i], created[i] = c.start(n) }()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	a, b, rc := reps[0], reps[1], reps[2]
	wins := 0
	for _, cr := range created {
		if cr {
			wins++
		}
	}
	if wins != 1 {
		t.Fatalf("%d replicas created the bootstrap superuser, want exactly 1", wins)
	}
	admins, total, err := a.db.ListUsers(ctx, store.Query{})
	if err != nil || total != 1 || admins[0].Username != "admin" {
		t.Fatalf("users after the start: %d (%v)", total, err)
	}
	c.adminID = admins[0].ID
	c.admin = secret.NewToken()
	if err := a.db.CreateAccessToken(ctx, &store.AccessToken{UserID: c.adminID, Digest: secret.Digest(c.admin),
		Expires: time.Now().Add(time.Hour), Scope: "write"}, nil); err != nil {
		t.Fatal(err)
	}

	t.Run("CreatedOnOneWorksOnAllAtOnce", func(t *testing.T) {
		for i := range 5 {
			src := reps[i%3]
			tok, err := c.createToken(src, "everywhere")
			if err != nil {
				t.Fatal(err)
			}
			// No waiting, no retry: the create's commit is what the others read.
			for _, r := range reps {
				if st := c.me(r, tok.Token); st != http.StatusOK {
					t.Fatalf("token created on %s: GET /me/ on %s = %d, want 200 at once", src.name, r.name, st)
				}
			}
		}
	})

	t.Run("RevocationLag", func(t *testing.T) {
		var worst time.Duration
		const rounds = 5
		for i := range rounds {
			src, others := reps[i%3], []*replica{reps[(i+1)%3], reps[(i+2)%3]}
			tok, err := c.createToken(src, "doomed")
			if err != nil {
				t.Fatal(err)
			}
			// Every replica has just used it: a lookup cache, if any, holds it.
			for _, r := range reps {
				if st := c.me(r, tok.Token); st != http.StatusOK {
					t.Fatalf("before revocation: %s answered %d", r.name, st)
				}
			}
			resp, err := c.do(src, "DELETE", fmt.Sprintf("/api/v2/tokens/%d/", tok.ID), c.admin, nil)
			if err != nil || resp.status != http.StatusNoContent {
				t.Fatalf("DELETE on %s: %v %v", src.name, resp, err)
			}
			revoked := time.Now()
			if st := c.me(src, tok.Token); st != http.StatusUnauthorized {
				t.Fatalf("the replica that deleted the token still accepts it: %d", st)
			}
			for _, r := range others {
				// A tight loop: the lag is measured to the request.
				for {
					st := c.me(r, tok.Token)
					lag := time.Since(revoked)
					if st == http.StatusUnauthorized {
						t.Logf("round %d: token deleted on %s refused by %s after %v", i+1, src.name, r.name, lag.Round(time.Microsecond))
						worst = max(worst, lag)
						break
					}
					if st != http.StatusOK {
						t.Fatalf("%s answered %d", r.name, st)
					}
					if lag > 5*maxRevocationLag {
						t.Fatalf("%s still accepts a token deleted on %s %v ago", r.name, src.name, lag)
					}
				}
			}
		}
		t.Logf("revocation lag across replicas: worst %v over %d rounds (bound %v)", worst.Round(time.Microsecond), rounds, maxRevocationLag)
		fmt.Printf("replica revocation lag: worst %v over %d rounds x 2 replicas\n", worst.Round(time.Microsecond), rounds)
		if worst > maxRevocationLag {
			t.Fatalf("revocation took %v to reach every replica, want at most %v", worst, maxRevocationLag)
		}
	})

	t.Run("ConcurrentCreates", func(t *testing.T) {
		const perReplica, workers = 50, 5
		var mu sync.Mutex
		var toks []createdToken
		var failures atomic.Int64
		var wg sync.WaitGroup
		for _, r := range reps {
			for w := range workers {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range perReplica / workers {
						tok, err := c.createToken(r, fmt.Sprintf("%s-%d-%d", r.name, w, i))
						if err != nil {
							failures.Add(1)
							t.Error(err)
							return
						}
						mu.Lock()
						toks = append(toks, tok)
						mu.Unlock()
					}
				}()
			}
		}
		wg.Wait()
		if failures.Load() > 0 {
			t.FailNow()
		}
		if len(toks) != 3*perReplica {
			t.Fatalf("%d tokens created, want %d", len(toks), 3*perReplica)
		}
		ids := map[int64]bool{}
		for _, tok := range toks {
			if ids[tok.ID] {
				t.Fatalf("id %d given twice", tok.ID)
			}
			ids[tok.ID] = true
		}
		// All of them are stored and work on every replica.
		for i, tok := range toks {
			if st := c.me(reps[i%3], tok.Token); st != http.StatusOK {
				t.Fatalf("token %d: %d on %s", tok.ID, st, reps[i%3].name)
			}
		}
		list, n, err := b.db.ListAccessTokens(ctx, store.Query{Filters: []store.Filter{{Field: "description", Lookup: "regex", Value: "^[abc]-[0-9]+-[0-9]+$"}}})
		if err != nil || n != 3*perReplica || len(list) != n {
			t.Fatalf("stored: %d (%v), want %d", n, err, 3*perReplica)
		}
	})

	t.Run("KilledReplicaDisturbsNobody", func(t *testing.T) {
		tok, err := c.createToken(a, "survivor")
		if err != nil {
			t.Fatal(err)
		}
		// Load on a and b while c dies.
		stop := make(chan struct{})
		var errs atomic.Int64
		var reqs atomic.Int64
		var lwg sync.WaitGroup
		for _, r := range []*replica{a, b} {
			lwg.Add(1)
			go func() {
				defer lwg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					resp, err := c.do(r, "GET", "/api/v2/me/", tok.Token, nil)
					reqs.Add(1)
					if err != nil || resp.status != http.StatusOK {
						errs.Add(1)
						t.Errorf("%s during the kill: %v %v", r.name, resp, err)
						return
					}
				}
			}()
		}
		time.Sleep(100 * time.Millisecond)
		c.kill(rc)
		if _, err := c.do(rc, "GET", "/api/v2/ping/", "", nil); err == nil {
			t.Fatal("the killed replica still answers")
		}
		// Writes through the survivors go on too.
		for _, r := range []*replica{a, b} {
			if _, err := c.createToken(r, "after the kill"); err != nil {
				t.Fatal(err)
			}
		}
		time.Sleep(200 * time.Millisecond)
		close(stop)
		lwg.Wait()
		t.Logf("%d requests on the surviving replicas during the kill, %d failed", reqs.Load(), errs.Load())

		// A replica started on the same database after the kill: the
		// schema is current, the superuser exists, tokens work both ways.
		d, createdAdmin := c.start("d")
		if d == nil {
			t.FailNow()
		}
		if createdAdmin {
			t.Fatal("the restarted replica created a second bootstrap superuser")
		}
		if st := c.me(d, tok.Token); st != http.StatusOK {
			t.Fatalf("existing token on the new replica: %d", st)
		}
		fresh, err := c.createToken(d, "from the new replica")
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range []*replica{a, b, d} {
			if st := c.me(r, fresh.Token); st != http.StatusOK {
				t.Fatalf("token from the new replica on %s: %d", r.name, st)
			}
		}
		var migrations int
		if err := d.db.Pool().QueryRow(ctx, `SELECT count(*) FROM schema_migrations`).Scan(&migrations); err != nil || migrations != 1 {
			t.Fatalf("schema_migrations has %d rows (%v), want 1", migrations, err)
		}
	})

	// Every id in the database is unique and increasing: nothing collided.
	var ids []int64
	rows, err := a.db.Pool().Query(ctx, `SELECT id FROM access_tokens`)
	if err != nil {
		t.Fatal(err)
	}
	ids, err = pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for i := 1; i < len(ids); i++ {
		if ids[i] == ids[i-1] {
			t.Fatalf("duplicate token id %d", ids[i])
		}
	}
}
