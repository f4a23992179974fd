package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"
)

// budget is one line of DESIGN.md's performance budgets, judged.
type budget struct {
	Name, Target, Measured, Status string
}

const (
	statusMet     = "met"
	statusMissed  = "MISSED"
	statusUnknown = "not measured"
)

func judge(ok bool) string {
	if ok {
		return statusMet
	}
	return statusMissed
}

func (r *report) find(backend string, tokens int) *scenario {
	for _, sc := range r.scenarios {
		if sc.Backend == backend && sc.Tokens == tokens && sc.Err == nil {
			return sc
		}
	}
	return nil
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

func durRatio(a, b time.Duration) float64 { return ratio(float64(a), float64(b)) }

// meRatio is /me's requests per second over the ceiling's, median of the
// per-round ratios (each round measures the two back to back).
func meRatio(sc *scenario) float64 {
	return medianRatio(min(len(sc.MeHotR), len(sc.CeilingR)), func(i int) float64 {
		return ratio(sc.MeHotR[i].RPS, sc.CeilingR[i].RPS)
	})
}

// pairRatio is the median over rounds of v(large)/v(small).
func pairRatio(small, large []loadResult, v func(loadResult) float64) float64 {
	return medianRatio(min(len(small), len(large)), func(i int) float64 { return ratio(v(large[i]), v(small[i])) })
}

func (r *report) budgets() []budget {
	out := r.judgeBudgets()
	if r.cfg.quick {
		// Short loads on a small store prove the suite runs; they are too
		// noisy to call a budget met or missed.
		for i := range out {
			if out[i].Status != statusUnknown {
				out[i].Status = "not judged (--quick)"
			}
		}
	}
	return out
}

func (r *report) judgeBudgets() []budget {
	var out []budget
	small, large := r.cfg.small, r.cfg.large
	if sc := r.find("sqlite", small); sc != nil {
		q := meRatio(sc)
		out = append(out, budget{"Bearer GET /api/v2/me/ vs bare net/http (SQLite)", "≥ 0.50×",
			fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", q, sc.MeHot.RPS, sc.Ceiling.RPS), judge(q >= 0.5)})
		out = append(out, budget{"Durable token creation, 64 clients (SQLite)", "≥ 2,000/s",
			fmt.Sprintf("%.0f/s", sc.Create.RPS), judge(sc.Create.RPS >= 2000)})
	} else {
		out = append(out, budget{"Bearer GET /api/v2/me/ vs bare net/http (SQLite)", "≥ 0.50×", "-", statusUnknown},
			budget{"Durable token creation, 64 clients (SQLite)", "≥ 2,000/s", "-", statusUnknown})
	}
	for _, b := range r.cfg.backends {
		s, l := r.find(b, small), r.find(b, large)
		name := fmt.Sprintf("Auth latency, %s tokens vs %s (%s)", thousands(large), thousands(small), b)
		if s == nil || l == nil {
			out = append(out, budget{name, "≤ 1.20×", "-", statusUnknown})
			continue
		}
		hot := pairRatio(s.MeHotR, l.MeHotR, func(r loadResult) float64 { return float64(r.P50) })
		miss := pairRatio(s.MeMissR, l.MeMissR, func(r loadResult) float64 { return float64(r.P50) })
		out = append(out, budget{name, "≤ 1.20×",
			fmt.Sprintf("p50 %.2f× (a client's token, cached), %.2f× (store lookup of unknown tokens)", hot, miss), judge(hot <= 1.2 && miss <= 1.2)})
	}
	if r.CLIErr == nil && r.CLI.Runs > 0 {
		out = append(out, budget{"`awxtoken new --for-me -o token` vs curl", "≤ 1.50×",
			fmt.Sprintf("%.2f× (median %s vs %s)", r.CLI.Ratio, fmtDur(r.CLI.CLIMed), fmtDur(r.CLI.CurlM)), judge(r.CLI.Ratio <= 1.5)})
	} else {
		out = append(out, budget{"`awxtoken new --for-me -o token` vs curl", "≤ 1.50×", "-", statusUnknown})
	}
	if r.HydraErr == nil && r.HydraIntrospect.RPS > 0 {
		q := ratio(r.OurMeForHydra.RPS, r.HydraIntrospect.RPS)
		out = append(out, budget{"Token validation vs Hydra v2.3.0 introspection", "≥ 2.00×",
			fmt.Sprintf("%.2f× (%.0f vs %.0f req/s)", q, r.OurMeForHydra.RPS, r.HydraIntrospect.RPS), judge(q >= 2)})
	} else {
		out = append(out, budget{"Token validation vs Hydra v2.3.0 introspection", "≥ 2.00×", "-", statusUnknown})
	}
	return out
}

func thousands(n int) string {
	s := fmt.Sprint(n)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

func mib(n int64) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
}

func printTable(w io.Writer, r *report) {
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "\nstore\ttokens\tceiling req/s\t/me req/s\tratio\tp50\tp99\tunknown req/s\tunknown p50\tcreate/s\tcreate p50\tcreate p99\tRSS idle\tRSS load")
	for _, sc := range r.scenarios {
		if sc.Err != nil {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", sc.Backend, thousands(sc.Tokens), "not measured: "+sc.Err.Error())
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%.0f\t%.0f\t%.2f\t%s\t%s\t%.0f\t%s\t%.0f\t%s\t%s\t%s\t%s\n", sc.Backend, thousands(sc.Tokens),
			sc.Ceiling.RPS, sc.MeHot.RPS, meRatio(sc), fmtDur(sc.MeHot.P50), fmtDur(sc.MeHot.P99),
			sc.MeMiss.RPS, fmtDur(sc.MeMiss.P50), sc.Create.RPS, fmtDur(sc.Create.P50), fmtDur(sc.Create.P99),
			mib(sc.RSSIdle), mib(sc.RSSLoad))
	}
	tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "budget\ttarget\tmeasured\tstatus")
	for _, b := range r.budgets() {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", b.Name, b.Target, b.Measured, b.Status)
	}
	tw.Flush()
}

// writeReport writes BENCHMARKS.md: machine, date, commands, raw numbers and
// ratios, then bench/NOTES.md (the hand-written analysis) verbatim.
func writeReport(path string, r *report) error {
	var b strings.Builder
	c := r.cfg
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	mode := "full run"
	if c.quick {
		mode = "quick smoke run (`--quick`): short loads, small store; not for judging budgets"
	}
	p("# Benchmarks\n\n")
	p("Written by `go run ./bench%s` (%s) on %s, taking %s. Do not edit by hand: run the suite again; the analysis at the end comes from `bench/NOTES.md`.\n\n",
		argsNote(c), mode, r.started.UTC().Format("2006-01-02 15:04 MST"), r.finished.Sub(r.started).Round(time.Second))
	p("**Read these numbers as ratios.** They were taken on a shared, noisy machine (2 cores that other engineers' builds and tests were using at the same time; load average %s at the start, %s at the end). Absolute requests per second move from run to run; every ratio below compares two loads measured back to back in the same run, so the noise largely cancels. The load generator runs on the same 2 cores as the server it measures, as it does for the ceiling and for Hydra.\n\n",
		r.machine.LoadAvgStart, loadAvgNow())

	p("## Budgets (docs: ../shared/DESIGN.md)\n\n| budget | target | measured | status |\n|---|---|---|---|\n")
	for _, bg := range r.budgets() {
		st := bg.Status
		if st == statusMet {
			st = "met"
		} else if st == statusMissed {
			st = "**missed**"
		}
		p("| %s | %s | %s | %s |\n", bg.Name, bg.Target, bg.Measured, st)
	}

	m := r.machine
	p("\n## Machine\n\n")
	p("- host %s, %s\n- CPU: %s, %d cores visible; memory %s\n- %s; load generator: %s\n", m.Host, m.Kernel, m.CPU, m.Cores, m.MemTotal, m.GoVersion, m.Loader)
	if m.Postgres != "" {
		p("- %s, on this machine over loopback TCP\n", m.Postgres)
	}
	p("- SQLite: modernc.org/sqlite (pure Go) in WAL mode with synchronous=FULL: every acknowledged write is fsynced (group commit shares one fsync among concurrent writers)\n")

	p("\n## Commands\n\n")
	p("- suite: `bash bench/setup.sh` (installs wrk and curl from Debian when missing), then `go run ./bench%s` from the repository root (it builds `go build -o %s/awxtoken ./cmd/awxtoken`", argsNote(c), c.workDir)
	if c.hydra == "on" {
		p(" and, in `bench/hydra` (its own module), `go build -tags sqlite -o %s/hydra github.com/ory/hydra/v2`", c.workDir)
	}
	p(")\n- server: `awxtoken server --listen 127.0.0.1:PORT --database DSN` with `AWXTOKEN_ADMIN_USERNAME`/`AWXTOKEN_ADMIN_PASSWORD`; its default access log (one line per request) goes to a file\n")
	p("- ceiling: the suite's own `bench ceiling ADDR BODY`, a bare `net/http` handler writing the exact bytes `GET /api/v2/me/` returned, with `Content-Type: application/json`\n")
	if r.machine.Loader != "go" {
		p("- load: `wrk -t %d -c %d -d %s --timeout 10s -s SCRIPT URL`; the Lua script sets method, headers and body, rotates tokens for the store-lookup loads, and prints exact request counts and p50/p99 from wrk's histogram\n",
			min(c.threads, c.conns), c.conns, c.dur)
	} else {
		p("- load: the suite's Go generator, %d keep-alive connections in a closed loop for %s\n", c.conns, c.dur)
	}
	p("- token creation: `POST /api/v2/users/0/tokens/` with `Authorization: Bearer …` and `%s`, what `awxtoken new --for-me` sends\n", tokenCreateBody)
	p("- stores: %s tokens and %s tokens of one user, seeded straight into the database (multi-row INSERT on SQLite, COPY on PostgreSQL) as SHA-256 digests, as the store writes them; in the large store %s of them have known clear values for the store-hit load\n",
		thousands(c.small), thousands(c.large), thousands(min(c.known, c.large)))
	p("- the server caches a token lookup for 1 second (at most %s entries), so a client repeating its token is answered from memory; the \"unknown tokens\" load rotates over %s well-formed tokens that do not exist (every request is an index lookup in the store, answered 401, as misses are never cached); the \"store hits\" load rotates over the %s known tokens, more than the cache holds, so every request reads its token and user from the store\n",
		thousands(lookupCacheEntries), thousands(len(unknownTokens)), thousands(min(c.known, c.large)))
	p("- each measured load: %s after a %s warm-up of the same load on each server (so the store's pages that load reads are cached, as on a server that has been running), %d connections; the authentication loads in %d alternating round(s) with both store sizes served at once, token creation once per store at the end (it grows the store)\n", c.dur, c.warm, c.conns, c.reps)

	p("\n## 1. Bearer `GET /api/v2/me/` against the ceiling\n\n")
	p("Each round runs the ceiling's load, then each server's, back to back; the ratio is the median of the per-round ratios, the other columns are the median round. \"one token\" is the usual client: one token over and over, answered from the server's lookup cache after the first request.\n\n")
	p("Server CPU per request is the CPU time the server process used during the load (from /proc) divided by the requests answered: a cost the machine's noise moves far less than requests per second. Its ratio is what the throughput ratio would approach with the load generator on another machine.\n\n")
	p("| store | tokens stored | ceiling req/s | ceiling p50 | /me req/s | **ratio** | /me p50 | /me p99 | ceiling CPU/req | /me CPU/req | ceiling/me CPU |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, sc := range r.scenarios {
		if sc.Err != nil {
			p("| %s | %s | not measured: %s |||||||||\n", sc.Backend, thousands(sc.Tokens), mdEscape(sc.Err.Error()))
			continue
		}
		p("| %s | %s | %.0f | %s | %.0f | **%.2f×** | %s | %s | %s | %s | %.2f× |\n", sc.Backend, thousands(sc.Tokens), sc.Ceiling.RPS, fmtDur(sc.Ceiling.P50), sc.MeHot.RPS,
			meRatio(sc), fmtDur(sc.MeHot.P50), fmtDur(sc.MeHot.P99),
			fmtDur(sc.Ceiling.CPUPerRequest()), fmtDur(sc.MeHot.CPUPerRequest()),
			medianRatio(min(len(sc.MeHotR), len(sc.CeilingR)), func(i int) float64 {
				return durRatio(sc.CeilingR[i].CPUPerRequest(), sc.MeHotR[i].CPUPerRequest())
			}))
	}
	p("\nAuthentication that reaches the store:\n\n| store | tokens stored | unknown tokens (401) req/s | p50 | p99 | store hits req/s | p50 | p99 |\n|---|---|---|---|---|---|---|---|\n")
	for _, sc := range r.scenarios {
		if sc.Err != nil {
			continue
		}
		hits := "| - | - | -"
		if sc.MeStore.Requests > 0 {
			hits = fmt.Sprintf("| %.0f | %s | %s", sc.MeStore.RPS, fmtDur(sc.MeStore.P50), fmtDur(sc.MeStore.P99))
		}
		p("| %s | %s | %.0f | %s | %s %s |\n", sc.Backend, thousands(sc.Tokens), sc.MeMiss.RPS, fmtDur(sc.MeMiss.P50), fmtDur(sc.MeMiss.P99), hits)
	}

	p("\n## 2. Token creation (durable), %d connections\n\n", c.conns)
	p("| store | tokens stored before | tokens/s | p50 | p99 | requests | server CPU/req |\n|---|---|---|---|---|---|---|\n")
	for _, sc := range r.scenarios {
		if sc.Err != nil {
			continue
		}
		p("| %s | %s | **%.0f** | %s | %s | %d | %s |\n", sc.Backend, thousands(sc.Tokens), sc.Create.RPS, fmtDur(sc.Create.P50), fmtDur(sc.Create.P99), sc.Create.Requests, fmtDur(sc.Create.CPUPerRequest()))
	}

	p("\n## 3. %s tokens against %s\n\n", thousands(c.large), thousands(c.small))
	p("Ratios large/small (1.00 = no slower; the budget is ≤ 1.20 for authentication latency). The two servers ran side by side and their loads alternated, %d round(s); each ratio is the median of the per-round ratios. Server CPU per request is the least noisy of these.\n\n", c.reps)
	p("| store | seeding %s tokens took | /me p50 | /me p99 | /me CPU/req | unknown-token p50 | unknown-token p99 | unknown-token CPU/req | create p50 | create p99 | create CPU/req |\n|---|---|---|---|---|---|---|---|---|---|---|\n", thousands(c.large))
	p50 := func(r loadResult) float64 { return float64(r.P50) }
	p99 := func(r loadResult) float64 { return float64(r.P99) }
	cpu := func(r loadResult) float64 { return float64(r.CPUPerRequest()) }
	for _, bk := range c.backends {
		s, l := r.find(bk, c.small), r.find(bk, c.large)
		if s == nil || l == nil {
			p("| %s | not measured ||||||||||\n", bk)
			continue
		}
		p("| %s | %s | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× | %.2f× |\n", bk, l.Seed.Took.Round(100*time.Millisecond),
			pairRatio(s.MeHotR, l.MeHotR, p50), pairRatio(s.MeHotR, l.MeHotR, p99), pairRatio(s.MeHotR, l.MeHotR, cpu),
			pairRatio(s.MeMissR, l.MeMissR, p50), pairRatio(s.MeMissR, l.MeMissR, p99), pairRatio(s.MeMissR, l.MeMissR, cpu),
			pairRatio(s.CreateR, l.CreateR, p50), pairRatio(s.CreateR, l.CreateR, p99), pairRatio(s.CreateR, l.CreateR, cpu))
	}
	p("\nIn the large store, %s known tokens rotated (more than the cache holds, so each request reads its token and user from the store):\n\n", thousands(min(c.known, c.large)))
	for _, bk := range c.backends {
		if l := r.find(bk, c.large); l != nil && l.MeStore.Requests > 0 {
			p("- %s: %.0f req/s, p50 %s, p99 %s, server CPU %s/req (median round)\n", bk, l.MeStore.RPS, fmtDur(l.MeStore.P50), fmtDur(l.MeStore.P99), fmtDur(l.MeStore.CPUPerRequest()))
		}
	}

	p("\n## 4. Ory Hydra v2.3.0 (the peer)\n\n")
	switch {
	case c.hydra != "on":
		p("Not measured in this run (`--hydra=off`, the default of `--quick`).\n")
	case r.HydraErr != nil:
		p("Not measured: %s\n", mdEscape(r.HydraErr.Error()))
	default:
		p("`hydra serve all --dev` with `DSN=memory` (its in-memory SQLite store, built with `-tags sqlite`), `LOG_LEVEL=warn` (no per-request log line: the peer at its best, while awxtoken keeps its access log). One `client_credentials` client (`client_secret_basic`), one opaque access token. Each Hydra load is followed at once by the matching awxtoken load on the SQLite store with %s tokens.\n\n", thousands(c.small))
		p("| operation | Hydra req/s | Hydra p50 / p99 | Hydra CPU/req | awxtoken req/s | awxtoken p50 / p99 | awxtoken CPU/req | awxtoken / Hydra (req/s) |\n|---|---|---|---|---|---|---|---|\n")
		p("| validate a token: Hydra `POST /admin/oauth2/introspect` vs awxtoken Bearer `GET /api/v2/me/` | %.0f | %s / %s | %s | %.0f | %s / %s | %s | **%.2f×** |\n",
			r.HydraIntrospect.RPS, fmtDur(r.HydraIntrospect.P50), fmtDur(r.HydraIntrospect.P99), fmtDur(r.HydraIntrospect.CPUPerRequest()),
			r.OurMeForHydra.RPS, fmtDur(r.OurMeForHydra.P50), fmtDur(r.OurMeForHydra.P99), fmtDur(r.OurMeForHydra.CPUPerRequest()), ratio(r.OurMeForHydra.RPS, r.HydraIntrospect.RPS))
		p("| issue a token: Hydra `client_credentials` (secret hashed with PBKDF2, 25,000 iterations, its default) vs awxtoken `POST /api/v2/users/0/tokens/` | %.0f | %s / %s | %s | %.0f | %s / %s | %s | **%.2f×** |\n",
			r.HydraIssue.RPS, fmtDur(r.HydraIssue.P50), fmtDur(r.HydraIssue.P99), fmtDur(r.HydraIssue.CPUPerRequest()),
			r.OurCreateForHyd.RPS, fmtDur(r.OurCreateForHyd.P50), fmtDur(r.OurCreateForHyd.P99), fmtDur(r.OurCreateForHyd.CPUPerRequest()), ratio(r.OurCreateForHyd.RPS, r.HydraIssue.RPS))
		if r.HydraCheapErr == nil {
			p("| Hydra `client_credentials` with `OAUTH2_HASHERS_PBKDF2_ITERATIONS=1` (no hashing cost; not a safe setting) | %.0f | %s / %s | %s | | | | %.2f× |\n",
				r.HydraIssueCheap.RPS, fmtDur(r.HydraIssueCheap.P50), fmtDur(r.HydraIssueCheap.P99), fmtDur(r.HydraIssueCheap.CPUPerRequest()), ratio(r.OurCreateForHyd.RPS, r.HydraIssueCheap.RPS))
		} else {
			p("\nHydra with one PBKDF2 iteration: not measured: %s\n", mdEscape(r.HydraCheapErr.Error()))
		}
		p("\nThe two are not the same durability: Hydra's store here is in memory; awxtoken's token is fsynced to its SQLite file before the answer. Hydra's RSS idle: %s.\n", mib(r.HydraRSSIdle))
	}

	p("\n## 5. The CLI: `awxtoken new --for-me -o token` against curl\n\n")
	if r.CLIErr != nil {
		p("Not measured: %s\n", mdEscape(r.CLIErr.Error()))
	} else if r.CLI.Runs > 0 {
		p("Both make the same request (`POST /api/v2/users/0/tokens/`, Bearer, `%s`) to the SQLite server with %s tokens, %d runs each, alternating, each a fresh process (settings from `CONTROLLER_HOST`/`CONTROLLER_OAUTH_TOKEN`, an empty HOME); wall time from fork to exit. Every run creates a token, fsync included. %s.\n\n",
			tokenCreateBody, thousands(c.small), r.CLI.Runs, r.CLI.CurlVersion)
		p("| | wall median | wall min | wall max | CPU (user+sys) median |\n|---|---|---|---|---|\n")
		p("| `awxtoken new --for-me -o token` | %s | %s | %s | %s |\n", fmtDur(r.CLI.CLIMed), fmtDur(minDur(r.CLI.CLI)), fmtDur(maxDur(r.CLI.CLI)), fmtDur(r.CLI.CLICPUMed))
		p("| curl | %s | %s | %s | %s |\n", fmtDur(r.CLI.CurlM), fmtDur(minDur(r.CLI.Curl)), fmtDur(maxDur(r.CLI.Curl)), fmtDur(r.CLI.CurlCPUMed))
		p("\nRatio of wall-time medians (the budget): **%.2f×**; of CPU-time medians: %.2f× (each process's own work, from wait4's rusage, which the machine's load moves least).\n",
			r.CLI.Ratio, durRatio(r.CLI.CLICPUMed, r.CLI.CurlCPUMed))
	}

	p("\n## 6. Server memory (RSS of the `awxtoken server` process)\n\n")
	p("| store | tokens stored | just after start | idle (%s later) | peak during the /me load | after all loads |\n|---|---|---|---|---|---|\n", c.settle)
	for _, sc := range r.scenarios {
		if sc.Err != nil {
			continue
		}
		p("| %s | %s | %s | %s | %s | %s |\n", sc.Backend, thousands(sc.Tokens), mib(sc.RSSStart), mib(sc.RSSIdle), mib(sc.RSSLoad), mib(sc.RSSAfter))
	}
	p("\n\"Just after start\" and \"idle\" include the argon2id working memory (19 MiB per hash) of hashing the bootstrap password and of the one Basic login that made the benchmark's token: an idle server runs no garbage collection, so it keeps that memory until load starts GC cycles, after which RSS settles near the \"peak during the /me load\" figure. For PostgreSQL this is the awxtoken process only, not the database server's.\n")

	p("\n## Raw results\n\n(The unknown-token loads are answered 401 by design; their non-2xx count is every request.)\n\n| scenario | load | requests | seconds | req/s | p50 | p99 | non-2xx | socket errors | server CPU | CPU/req |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	raw := func(name, load string, lr loadResult) {
		if lr.Requests == 0 {
			return
		}
		p("| %s | %s | %d | %.2f | %.1f | %s | %s | %d | %d | %.2fs | %s |\n", name, load, lr.Requests, lr.Duration.Seconds(), lr.RPS, fmtDur(lr.P50), fmtDur(lr.P99), lr.Non2xx, lr.Errors, lr.ServerCPU.Seconds(), fmtDur(lr.CPUPerRequest()))
	}
	for _, sc := range r.scenarios {
		n := sc.Backend + " " + thousands(sc.Tokens)
		for i := range sc.MeHotR {
			round := fmt.Sprintf(" [round %d]", i+1)
			if i < len(sc.CeilingR) {
				raw(n, "ceiling (paired)"+round, sc.CeilingR[i])
			}
			raw(n, "/me one token"+round, sc.MeHotR[i])
			if i < len(sc.MeMissR) {
				raw(n, "/me unknown tokens (401)"+round, sc.MeMissR[i])
			}
			if i < len(sc.MeStoreR) {
				raw(n, "/me store hits"+round, sc.MeStoreR[i])
			}
		}
		for _, c := range sc.CreateR {
			raw(n, "create", c)
		}
	}
	raw("hydra", "introspect", r.HydraIntrospect)
	raw("sqlite "+thousands(c.small), "/me beside Hydra", r.OurMeForHydra)
	raw("hydra", "client_credentials", r.HydraIssue)
	raw("sqlite "+thousands(c.small), "create beside Hydra", r.OurCreateForHyd)
	raw("hydra (1 iteration)", "client_credentials", r.HydraIssueCheap)

	if len(r.Profiles) > 0 || r.ProfileErr != nil {
		p("\n## CPU profiles (`--profile`)\n\n")
		if r.ProfileErr != nil {
			p("Incomplete: %s\n\n", mdEscape(r.ProfileErr.Error()))
		}
		for _, pr := range r.Profiles {
			p("<details><summary>%s: <code>go tool pprof %s/awxtoken %s</code></summary>\n\n```\n%s\n```\n</details>\n\n", pr.Name, c.workDir, pr.Path, pr.Top)
		}
	}

	p("\n## Go benchmarks of the hot paths\n\n")
	p("`go test -run '^$' -bench . -benchmem ./internal/server/ ./internal/store/sqlite/` (token digest and lookup, the auth middleware, rendering a token page, filter parsing, store lookups and durable creation). They measure code, not the machine's HTTP stack; see `bench/NOTES.md` for numbers taken with them.\n")

	return os.WriteFile(path, []byte(withNotes(b.String())), 0o644)
}

// notesMarker separates the measured part of BENCHMARKS.md from the
// hand-written analysis (bench/NOTES.md) that follows it.
const notesMarker = "\n<!-- bench/NOTES.md follows; `go run ./bench --notes-only` refreshes it -->\n"

func withNotes(measured string) string {
	notes, err := os.ReadFile("bench/NOTES.md")
	if err != nil {
		return measured
	}
	return measured + notesMarker + "\n---\n\n" + strings.TrimLeft(string(notes), "\n")
}

// refreshNotes rewrites the analysis part of an existing report with the
// current bench/NOTES.md, keeping its measurements.
func refreshNotes(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	measured, _, _ := strings.Cut(string(b), notesMarker)
	return os.WriteFile(path, []byte(withNotes(measured)), 0o644)
}

func argsNote(c config) string {
	var a []string
	if c.quick {
		a = append(a, "--quick")
	}
	if c.profile {
		a = append(a, "--profile")
	}
	if len(a) == 0 {
		return ""
	}
	return " " + strings.Join(a, " ")
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "\n", " ")
}

func minDur(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	m := ds[0]
	for _, d := range ds {
		m = min(m, d)
	}
	return m
}

func maxDur(ds []time.Duration) time.Duration {
	m := time.Duration(0)
	for _, d := range ds {
		m = max(m, d)
	}
	return m
}
