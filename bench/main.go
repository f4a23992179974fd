// Command bench is awxtoken's benchmark suite: in one run on this machine it
// builds awxtoken (and Ory Hydra v2.3.0, the peer, from the bench/hydra
// module), starts the servers on loopback ports and measures them with a
// closed-loop load generator (wrk when installed, else a Go one):
//
//  1. Bearer GET /api/v2/me/ on SQLite and PostgreSQL against a bare
//     net/http handler returning the same bytes (the ceiling);
//  2. durable token creation (POST /api/v2/users/0/tokens/, Bearer);
//  3. both again with 1,000,000 tokens stored against 1,000;
//  4. Hydra's introspection and client_credentials issuance against 1 and 2;
//  5. `awxtoken new --for-me -o token` against curl making the same request;
//  6. the server's memory: idle, under load, with 1,000,000 tokens.
//
// It prints a table and writes BENCHMARKS.md. Run it from the repository
// root:
//
//	go run ./bench            # the full suite (several minutes)
//	go run ./bench --quick    # smoke run: short loads, 20,000 tokens, no Hydra
//
// It is not part of the tests: timing belongs here, never in a test.
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"
)

type config struct {
	quick       bool
	out         string
	workDir     string
	dur         time.Duration
	warm        time.Duration
	conns       int
	threads     int
	small       int
	large       int
	known       int
	cliRuns     int
	hydra       string // auto | on | off
	postgres    string // admin DSN, "" or "off" to skip
	backends    []string
	profile     bool
	goLoad      bool
	keepWorkDir bool
	settle      time.Duration
	notesOnly   bool
	reps        int
}

// lookupCacheEntries is the size of the server's token lookup cache
// (internal/server tokenCacheMax); loads that must reach the store rotate
// over more distinct tokens than this.
const lookupCacheEntries = 10000

// unknownTokens are well-formed tokens that no store holds.
var unknownTokens = func() []string {
	t := make([]string, 2*lookupCacheEntries)
	for i := range t {
		t[i] = randomText(30)
	}
	return t
}()

func main() {
	if len(os.Args) > 1 && os.Args[1] == "ceiling" {
		if err := ceilingMain(os.Args[2:]); err != nil {
			fmt.Fprintln(os.Stderr, "ceiling:", err)
			os.Exit(1)
		}
		return
	}
	cfg, err := parseFlags(os.Args[1:])
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(2)
	}
	if cfg.notesOnly {
		if err := refreshNotes(cfg.out); err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, cfg, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func parseFlags(args []string) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.BoolVar(&c.quick, "quick", false, "smoke run: 2s loads, 20,000 tokens instead of 1,000,000, 5 CLI runs, no Hydra unless --hydra=on")
	fs.StringVar(&c.out, "out", "", "report file (default BENCHMARKS.md; with --quick, bench/.work/BENCHMARKS-quick.md)")
	fs.StringVar(&c.workDir, "work", "bench/.work", "directory for binaries, databases, logs and profiles")
	fs.DurationVar(&c.dur, "duration", 0, "length of each measured load (default 5s, quick 2s)")
	fs.IntVar(&c.conns, "connections", 64, "connections of each load")
	fs.IntVar(&c.threads, "threads", 2, "wrk threads")
	fs.IntVar(&c.reps, "rounds", 0, "rounds of the alternating authentication loads (default 3, quick 1)")
	fs.IntVar(&c.large, "tokens", 0, "tokens in the large store (default 1000000, quick 20000)")
	fs.IntVar(&c.cliRuns, "cli-runs", 0, "runs of the CLI and of curl (default 30, quick 5)")
	fs.StringVar(&c.hydra, "hydra", "auto", "measure Ory Hydra: on, off, or auto (on unless --quick)")
	fs.StringVar(&c.postgres, "postgres", "postgres://root@127.0.0.1:5432/postgres?sslmode=disable",
		"PostgreSQL DSN of a database the suite may create its own databases from; off to skip PostgreSQL")
	backends := fs.String("backends", "sqlite,postgres", "stores to measure")
	fs.BoolVar(&c.profile, "profile", false, "take CPU profiles of the server (needs `awxtoken server --pprof`) and summarize them")
	fs.BoolVar(&c.goLoad, "go-load", false, "use the Go load generator even when wrk is installed")
	fs.BoolVar(&c.keepWorkDir, "keep", false, "keep databases and server logs of this run")
	fs.BoolVar(&c.notesOnly, "notes-only", false, "measure nothing: refresh the analysis part of the report from bench/NOTES.md")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	c.small = 1000
	c.known = 2 * lookupCacheEntries
	if c.quick {
		c.dur = cmpOr(c.dur, 2*time.Second)
		c.warm = 500 * time.Millisecond
		c.settle = time.Second
		c.large = cmpOr(c.large, 2*lookupCacheEntries)
		c.cliRuns = cmpOr(c.cliRuns, 5)
		c.reps = cmpOr(c.reps, 1)
		c.out = cmpOr(c.out, filepath.Join(c.workDir, "BENCHMARKS-quick.md"))
	} else {
		c.dur = cmpOr(c.dur, 5*time.Second)
		c.reps = cmpOr(c.reps, 3)
		c.warm = 2 * time.Second
		c.settle = 5 * time.Second
		c.large = cmpOr(c.large, 1000000)
		c.cliRuns = cmpOr(c.cliRuns, 30)
		c.out = cmpOr(c.out, "BENCHMARKS.md")
	}
	c.small = min(c.small, c.large)
	switch c.hydra {
	case "auto":
		c.hydra = map[bool]string{true: "off", false: "on"}[c.quick]
	case "on", "off":
	default:
		return c, fmt.Errorf("--hydra must be on, off or auto")
	}
	for _, b := range strings.Split(*backends, ",") {
		switch b = strings.TrimSpace(b); b {
		case "sqlite", "postgres":
			if b == "postgres" && (c.postgres == "" || c.postgres == "off") {
				continue
			}
			c.backends = append(c.backends, b)
		case "":
		default:
			return c, fmt.Errorf("unknown backend %q", b)
		}
	}
	return c, nil
}

func cmpOr[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// scenario is one store at one size, measured.
type scenario struct {
	Backend string
	Tokens  int
	SeedErr error
	Seed    seedResult
	Err     error // why the scenario did not finish

	RSSStart, RSSIdle, RSSLoad, RSSAfter int64

	// Per round, in order; the single fields below hold each one's median
	// round (by requests per second).
	CeilingR, MeHotR, MeMissR, MeStoreR, CreateR []loadResult

	Ceiling loadResult // measured right before MeHot, for the pairing
	MeHot   loadResult // one token: the server's lookup cache answers
	// MeMiss rotates over well-formed tokens that do not exist: every
	// request is an index lookup in the store (misses are never cached),
	// answered 401. It compares the store's lookup at both sizes.
	MeMiss loadResult
	// MeStore rotates over more existing tokens than the server's cache
	// holds, so every request finds its token in the store; only in a
	// store large enough to hold that many.
	MeStore loadResult
	Create  loadResult
}

// report is everything one run measured.
type report struct {
	cfg       config
	started   time.Time
	finished  time.Time
	machine   machineInfo
	scenarios []*scenario
	// Hydra, measured beside the SQLite 1,000-token scenario.
	HydraErr        error
	HydraIntrospect loadResult
	HydraIssue      loadResult
	HydraIssueCheap loadResult // client secret hashed with 1 PBKDF2 iteration
	HydraCheapErr   error
	HydraRSSIdle    int64
	OurMeForHydra   loadResult // our /me measured right after Hydra's introspection
	OurCreateForHyd loadResult
	CLI             cliResult
	CLIErr          error
	Profiles        []profileSummary
	ProfileErr      error
}

func run(ctx context.Context, cfg config, stdout io.Writer) error {
	rep := &report{cfg: cfg, started: time.Now()}
	logf := func(format string, args ...any) {
		fmt.Fprintf(os.Stderr, "%s  %s\n", time.Now().Format("15:04:05"), fmt.Sprintf(format, args...))
	}
	if err := os.MkdirAll(cfg.workDir, 0o755); err != nil {
		return err
	}
	runDir, err := os.MkdirTemp(cfg.workDir, "run-")
	if err != nil {
		return err
	}
	runDir, _ = filepath.Abs(runDir)
	if !cfg.keepWorkDir {
		defer os.RemoveAll(runDir)
	}
	self, err := os.Executable()
	if err != nil {
		return err
	}
	ld := newLoader(runDir, cfg.goLoad, cfg.threads)
	logf("load generator: %s; %d connections, %s per load; work dir %s", ld.tool(), cfg.conns, cfg.dur, runDir)
	if ld.tool() != "wrk" && !cfg.goLoad {
		logf("wrk is not installed (bash bench/setup.sh installs it): the numbers compare only with other runs of the Go generator")
	}

	// ---- build ----
	binDir, _ := filepath.Abs(cfg.workDir)
	awxBin := filepath.Join(binDir, "awxtoken")
	logf("building awxtoken")
	if err := goBuild(ctx, ".", awxBin); err != nil {
		return err
	}
	hydraBin := filepath.Join(binDir, "hydra")
	if cfg.hydra == "on" {
		logf("building Ory Hydra v2.3.0 (bench/hydra; the first build takes minutes)")
		if err := goBuild(ctx, "bench/hydra", hydraBin, "-tags", "sqlite", "github.com/ory/hydra/v2"); err != nil {
			rep.HydraErr = err
			logf("hydra: %v", err)
		}
	}
	rep.machine = readMachine(ctx, cfg, ld)

	// ---- PostgreSQL databases ----
	pg := &pgAdmin{dsn: cfg.postgres}
	defer pg.dropAll(context.WithoutCancel(ctx))

	var ceiling *ceilingServer
	defer func() {
		if ceiling != nil {
			ceiling.stop()
		}
	}()

	for _, backend := range cfg.backends {
		if err := runBackend(ctx, cfg, rep, backend, ld, awxBin, hydraBin, self, runDir, pg, &ceiling, logf); err != nil && ctx.Err() != nil {
			return ctx.Err()
		}
	}
	rep.finished = time.Now()
	printTable(stdout, rep)
	if err := writeReport(cfg.out, rep); err != nil {
		return err
	}
	logf("wrote %s", cfg.out)
	// A scenario that could not run is a failure of the suite (a smoke run
	// must notice), except PostgreSQL missing from this build or machine,
	// which the report states.
	var errs []error
	for _, sc := range rep.scenarios {
		if sc.Err != nil && !(sc.Backend == "postgres" && errors.Is(sc.Err, errUnavailable)) {
			errs = append(errs, fmt.Errorf("%s with %d tokens: %w", sc.Backend, sc.Tokens, sc.Err))
		}
	}
	if rep.CLIErr != nil {
		errs = append(errs, rep.CLIErr)
	}
	if cfg.hydra == "on" && rep.HydraErr != nil {
		errs = append(errs, fmt.Errorf("hydra: %w", rep.HydraErr))
	}
	return errors.Join(errs...)
}

var errUnavailable = errors.New("unavailable")

// liveScenario is a scenario whose server is running.
type liveScenario struct {
	*scenario
	name string
	srv  *awxServer
}

// startScenario seeds a store of sc.Tokens tokens and starts a server on it.
func startScenario(ctx context.Context, cfg config, sc *scenario, awxBin, runDir string, pg *pgAdmin, pprof bool,
	logf func(string, ...any)) (*liveScenario, error) {
	name := fmt.Sprintf("%s-%d", sc.Backend, sc.Tokens)
	var dsn string
	switch sc.Backend {
	case "sqlite":
		dsn = filepath.Join(runDir, name+".db")
	case "postgres":
		d, err := pg.create(ctx, name)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errUnavailable, err)
		}
		dsn = d
	}
	logf("%s: seeding %d tokens", name, sc.Tokens)
	// Known tokens only where there are more than the lookup cache holds:
	// rotating over fewer would measure the cache again.
	known := 0
	if sc.Tokens >= 2*lookupCacheEntries {
		known = min(cfg.known, sc.Tokens)
	}
	seed, err := seedTokens(ctx, sc.Backend, dsn, sc.Tokens, known)
	sc.Seed = seed
	if err != nil {
		return nil, err
	}
	logf("%s: seeded in %s", name, seed.Took.Round(time.Millisecond))
	srv, err := startAWX(ctx, awxBin, dsn, filepath.Join(runDir, name+"-server.log"), pprof)
	if err != nil {
		return nil, err
	}
	sc.RSSStart, _ = srv.rss()
	return &liveScenario{scenario: sc, name: name, srv: srv}, nil
}

// runBackend measures one store at both sizes. Both servers run at once
// and their loads alternate, repeated cfg.reps times, so that each ratio
// (large/small, server/ceiling) compares loads taken seconds apart: on a
// shared machine whose load drifts by the minute, that is what keeps the
// ratios meaningful. Each reported ratio is the median of its per-round
// ratios.
func runBackend(ctx context.Context, cfg config, rep *report, backend string, ld *loader, awxBin, hydraBin, self, runDir string,
	pg *pgAdmin, ceiling **ceilingServer, logf func(string, ...any)) error {
	sizes := []int{cfg.small, cfg.large}
	if cfg.small == cfg.large {
		sizes = sizes[:1]
	}
	var live []*liveScenario
	defer func() {
		for _, l := range live {
			if err := l.srv.stop(); err != nil {
				logf("%s: %v", l.name, err)
			}
		}
	}()
	fail := func(err error) error {
		for _, l := range live {
			if l.Err == nil {
				l.Err = err
			}
		}
		logf("%s: %v", backend, err)
		return err
	}
	for i, n := range sizes {
		sc := &scenario{Backend: backend, Tokens: n}
		rep.scenarios = append(rep.scenarios, sc)
		withPeers := backend == "sqlite" && i == 0
		l, err := startScenario(ctx, cfg, sc, awxBin, runDir, pg, cfg.profile && withPeers, logf)
		if err != nil {
			sc.Err = err
			logf("%s with %d tokens: %v", backend, n, err)
			// Without both sizes there is nothing to pair; the other is
			// still measured against the ceiling.
			continue
		}
		live = append(live, l)
	}
	if len(live) == 0 {
		return nil
	}
	// Start-up hashed the bootstrap password and checked one Basic login
	// (argon2id, 19 MiB each); Go hands that memory back to the OS over a
	// few seconds, and idle means after that.
	time.Sleep(cfg.settle)
	for _, l := range live {
		l.RSSIdle, _ = l.srv.rss()
	}

	measure := func(l *liveScenario, what string, spec loadSpec) (loadResult, error) {
		r, err := ld.run(ctx, l.srv.proc, spec)
		if err == nil {
			err = r.check(what, spec)
		}
		if err == nil {
			err = l.srv.alive()
		}
		if err != nil {
			return r, fmt.Errorf("%s: %s: %w", l.name, what, err)
		}
		logf("%-15s %-28s %s", l.name+":", what, r)
		return r, nil
	}
	measureCeiling := func(what string, spec loadSpec) (loadResult, error) {
		r, err := ld.run(ctx, (*ceiling).proc, spec)
		if err == nil {
			err = r.check(what, spec)
		}
		if err != nil {
			return r, fmt.Errorf("ceiling: %w", err)
		}
		logf("%-15s %-28s %s", "ceiling:", what, r)
		return r, nil
	}

	if *ceiling == nil {
		body, err := live[0].srv.me(ctx)
		if err != nil {
			return fail(err)
		}
		if *ceiling, err = startCeiling(ctx, self, runDir, body); err != nil {
			return fail(err)
		}
	}
	// Warm everything: connections, caches, the Go runtime's heap size, and
	// each load's own pages of the store. A store just seeded has its index
	// in no cache (PostgreSQL's shared buffers, SQLite's page cache or the
	// OS's), and the first round of the store-lookup loads measured that
	// instead of a running server: 1.46× against 1.11× and 1.04× in the
	// next two rounds of one run (bench/NOTES.md).
	if _, err := measureCeiling("warm-up", (*ceiling).load(cfg.conns, cfg.warm)); err != nil {
		return fail(err)
	}
	for _, l := range live {
		if _, err := measure(l, "warm-up", l.srv.meLoad(cfg.conns, cfg.warm, nil)); err != nil {
			return fail(err)
		}
		miss := l.srv.meLoad(cfg.conns, cfg.warm, unknownTokens)
		miss.expect = http.StatusUnauthorized
		if _, err := measure(l, "warm-up unknown", miss); err != nil {
			return fail(err)
		}
		if len(l.Seed.Known) > 0 {
			if _, err := measure(l, "warm-up known", l.srv.meLoad(cfg.conns, cfg.warm, l.Seed.Known)); err != nil {
				return fail(err)
			}
		}
	}

	for round := 0; round < cfg.reps; round++ {
		c, err := measureCeiling(fmt.Sprintf("GET /me/ [%d]", round+1), (*ceiling).load(cfg.conns, cfg.dur))
		if err != nil {
			return fail(err)
		}
		for _, l := range live {
			l.CeilingR = append(l.CeilingR, c)
			var rs *rssSampler
			if round == 0 {
				rs = sampleRSS(l.srv.proc)
			}
			r, err := measure(l, fmt.Sprintf("GET /me/ one token [%d]", round+1), l.srv.meLoad(cfg.conns, cfg.dur, nil))
			if rs != nil {
				l.RSSLoad = rs.finish()
			}
			if err != nil {
				return fail(err)
			}
			l.MeHotR = append(l.MeHotR, r)
		}
		for _, l := range live {
			miss := l.srv.meLoad(cfg.conns, cfg.dur, unknownTokens)
			miss.expect = http.StatusUnauthorized
			r, err := measure(l, fmt.Sprintf("GET /me/ unknown [%d]", round+1), miss)
			if err != nil {
				return fail(err)
			}
			l.MeMissR = append(l.MeMissR, r)
		}
		for _, l := range live {
			if len(l.Seed.Known) == 0 {
				continue
			}
			r, err := measure(l, fmt.Sprintf("GET /me/ %d known [%d]", len(l.Seed.Known), round+1), l.srv.meLoad(cfg.conns, cfg.dur, l.Seed.Known))
			if err != nil {
				return fail(err)
			}
			l.MeStoreR = append(l.MeStoreR, r)
		}
	}

	small := live[0]
	withPeers := backend == "sqlite" && small.Tokens == cfg.small
	if withPeers && cfg.hydra == "on" && rep.HydraErr == nil {
		runHydra(ctx, cfg, rep, ld, small.srv, hydraBin, runDir, func(what string, spec loadSpec, _ ...*proc) (loadResult, error) {
			return measure(small, what, spec)
		}, logf)
	}
	// Creation last: it grows the stores. One round each, back to back.
	for _, l := range live {
		r, err := measure(l, "POST tokens (create)", l.srv.createLoad(cfg.conns, cfg.dur))
		if err != nil {
			return fail(err)
		}
		l.CreateR = append(l.CreateR, r)
		l.RSSAfter, _ = l.srv.rss()
	}
	for _, l := range live {
		l.summarize()
	}

	if withPeers {
		logf("%s: CLI against curl, %d runs each", small.name, cfg.cliRuns)
		home, err := os.MkdirTemp(runDir, "home-")
		if err != nil {
			return fail(err)
		}
		rep.CLI, rep.CLIErr = benchCLI(ctx, awxBin, small.srv, cfg.cliRuns, home)
		if rep.CLIErr == nil {
			logf("%s: CLI median %s, curl median %s, ratio %.2f", small.name, fmtDur(rep.CLI.CLIMed), fmtDur(rep.CLI.CurlM), rep.CLI.Ratio)
		}
		if cfg.profile {
			rep.Profiles, rep.ProfileErr = takeProfiles(ctx, cfg, ld, small.srv, awxBin, runDir, logf)
		}
	}
	return nil
}

// runHydra measures the peer beside our SQLite server, each of its numbers
// right next to ours.
func runHydra(ctx context.Context, cfg config, rep *report, ld *loader, srv *awxServer, hydraBin, runDir string,
	measure func(string, loadSpec, ...*proc) (loadResult, error), logf func(string, ...any)) {
	h, err := startHydra(ctx, hydraBin, filepath.Join(runDir, "hydra.log"), "")
	if err != nil {
		rep.HydraErr = err
		return
	}
	defer h.stop()
	rep.HydraRSSIdle, _ = h.rss()
	if _, err := measurePeer(ctx, ld, h, "warm-up introspect", h.introspectLoad(cfg.conns, cfg.warm), logf); err != nil {
		rep.HydraErr = err
		return
	}
	if rep.HydraIntrospect, err = measurePeer(ctx, ld, h, "introspect", h.introspectLoad(cfg.conns, cfg.dur), logf); err != nil {
		rep.HydraErr = err
		return
	}
	if rep.OurMeForHydra, err = measure("GET /me/ (beside Hydra)", srv.meLoad(cfg.conns, cfg.dur, nil)); err != nil {
		rep.HydraErr = err
		return
	}
	if rep.HydraIssue, err = measurePeer(ctx, ld, h, "client_credentials", h.issueLoad(cfg.conns, cfg.dur), logf); err != nil {
		rep.HydraErr = err
		return
	}
	if rep.OurCreateForHyd, err = measure("POST tokens (beside Hydra)", srv.createLoad(cfg.conns, cfg.dur)); err != nil {
		rep.HydraErr = err
		return
	}
	h.stop()
	// Hydra hashes the client secret with PBKDF2 (25,000 iterations) on
	// every client_credentials request; a second instance with one
	// iteration shows what issuance costs without that.
	h2, err := startHydra(ctx, hydraBin, filepath.Join(runDir, "hydra-cheap.log"), "1")
	if err != nil {
		rep.HydraCheapErr = err
		return
	}
	defer h2.stop()
	rep.HydraIssueCheap, rep.HydraCheapErr = measurePeer(ctx, ld, h2, "client_credentials (1 iter)", h2.issueLoad(cfg.conns, cfg.dur), logf)
}

func measurePeer(ctx context.Context, ld *loader, h *hydraPeer, what string, spec loadSpec, logf func(string, ...any)) (loadResult, error) {
	r, err := ld.run(ctx, h.proc, spec)
	if err == nil {
		err = r.check(what, spec)
	}
	if err == nil {
		err = h.alive()
	}
	if err != nil {
		return r, fmt.Errorf("%s: %w", what, err)
	}
	logf("hydra: %-28s %s", what, r)
	return r, nil
}

// goBuild builds pkgs (default ./cmd/awxtoken) in dir into out.
func goBuild(ctx context.Context, dir, out string, extra ...string) error {
	args := []string{"build", "-o", out}
	pkgs := []string{"./cmd/awxtoken"}
	for i := 0; i < len(extra); i++ {
		if strings.HasPrefix(extra[i], "-") {
			args = append(args, extra[i], extra[i+1])
			i++
			continue
		}
		pkgs = []string{extra[i]}
	}
	args = append(args, pkgs...)
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s (in %s): %w", strings.Join(args, " "), dir, err)
	}
	return nil
}

func randomText(n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	b := make([]byte, n)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// summarize sets the single-result fields to the median round of each.
func (sc *scenario) summarize() {
	sc.Ceiling, sc.MeHot, sc.MeMiss = medianRun(sc.CeilingR), medianRun(sc.MeHotR), medianRun(sc.MeMissR)
	sc.MeStore, sc.Create = medianRun(sc.MeStoreR), medianRun(sc.CreateR)
}

// medianRun is the round with the median requests per second.
func medianRun(rs []loadResult) loadResult {
	if len(rs) == 0 {
		return loadResult{}
	}
	s := slices.Clone(rs)
	slices.SortFunc(s, func(a, b loadResult) int { return cmp.Compare(a.RPS, b.RPS) })
	return s[len(s)/2]
}

// medianRatio is the median over rounds of f(round).
func medianRatio(n int, f func(i int) float64) float64 {
	if n == 0 {
		return 0
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = f(i)
	}
	slices.Sort(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}
