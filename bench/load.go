package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// loadSpec is one closed-loop load: conns connections, each sending the
// next request as soon as the previous answer arrived, for dur.
type loadSpec struct {
	method string
	url    string
	header map[string]string
	body   string
	// tokens, when set, rotates the Bearer token per request over these
	// values (the "cold" lookups: more distinct tokens than the server's
	// cache holds).
	tokens []string
	conns  int
	dur    time.Duration
	// expect is the status every answer must have; 0 means any 2xx.
	expect int
}

// loadResult is what one load measured.
type loadResult struct {
	Requests int64
	Duration time.Duration
	RPS      float64
	P50, P99 time.Duration
	Non2xx   int64
	// Unexpected counts answers other than loadSpec.expect, when set.
	Unexpected int64
	Errors     int64 // socket errors (connect, read, write, timeout)
	Tool       string
	// ServerCPU is the CPU time the measured server used during the load:
	// per request, it is a cost that the machine's noise moves far less
	// than requests per second.
	ServerCPU time.Duration
}

// CPUPerRequest is the server's CPU time per answered request.
func (r loadResult) CPUPerRequest() time.Duration {
	if r.Requests == 0 {
		return 0
	}
	return r.ServerCPU / time.Duration(r.Requests)
}

func (r loadResult) String() string {
	return fmt.Sprintf("%.0f req/s  p50 %s  p99 %s  server CPU %s/req  (%d requests, %d non-2xx, %d errors, %s)",
		r.RPS, fmtDur(r.P50), fmtDur(r.P99), fmtDur(r.CPUPerRequest()), r.Requests, r.Non2xx, r.Errors, r.Tool)
}

// check fails a load that did not measure what it claims: every answer
// must be a success (or, for a load that expects an error status, that
// status), or the numbers describe another path.
func (r loadResult) check(name string, spec loadSpec) error {
	if r.Requests == 0 {
		return fmt.Errorf("%s: no request completed", name)
	}
	if spec.expect != 0 {
		if r.Unexpected > 0 || r.Errors > r.Requests/1000 {
			return fmt.Errorf("%s: %d of %d answers were not %d, %d socket errors", name, r.Unexpected, r.Requests, spec.expect, r.Errors)
		}
		return nil
	}
	if r.Non2xx > 0 || r.Errors > r.Requests/1000 {
		return fmt.Errorf("%s: %d of %d answers were not 2xx, %d socket errors", name, r.Non2xx, r.Requests, r.Errors)
	}
	return nil
}

// loader runs loads with wrk when it is installed, else with the Go
// generator below. Both are closed-loop, so numbers compare only with
// numbers from the same tool; the report names the tool.
type loader struct {
	wrk     string // path of wrk, "" to use the Go generator
	threads int
	dir     string // where wrk's Lua scripts go
	seq     int
}

func newLoader(dir string, forceGo bool, threads int) *loader {
	l := &loader{dir: dir, threads: threads}
	if !forceGo {
		if p, err := exec.LookPath("wrk"); err == nil {
			l.wrk = p
		}
	}
	return l
}

func (l *loader) tool() string {
	if l.wrk != "" {
		return "wrk"
	}
	return "go"
}

// run runs the load against the server process target (nil: do not
// account CPU).
func (l *loader) run(ctx context.Context, target *proc, s loadSpec) (loadResult, error) {
	var before time.Duration
	if target != nil {
		before, _ = target.cpu()
	}
	var r loadResult
	var err error
	if l.wrk != "" {
		r, err = l.runWrk(ctx, s)
	} else {
		r, err = runGoLoad(ctx, s)
	}
	if target != nil && err == nil {
		if after, e := target.cpu(); e == nil {
			r.ServerCPU = after - before
		}
	}
	return r, err
}

// luaString quotes s for Lua.
func luaString(s string) string { return strconv.Quote(s) }

// runWrk runs wrk with a Lua script that sets the request and prints the
// exact counts and percentiles (in microseconds) in one parsable line.
func (l *loader) runWrk(ctx context.Context, s loadSpec) (loadResult, error) {
	l.seq++
	var sc strings.Builder
	fmt.Fprintf(&sc, "wrk.method = %s\n", luaString(s.method))
	if s.body != "" {
		fmt.Fprintf(&sc, "wrk.body = %s\n", luaString(s.body))
	}
	for k, v := range s.header {
		fmt.Fprintf(&sc, "wrk.headers[%s] = %s\n", luaString(k), luaString(v))
	}
	if len(s.tokens) > 0 {
		tf := filepath.Join(l.dir, fmt.Sprintf("tokens-%d.txt", l.seq))
		if err := os.WriteFile(tf, []byte(strings.Join(s.tokens, "\n")+"\n"), 0o600); err != nil {
			return loadResult{}, err
		}
		// Each wrk thread has its own Lua state; threads start at different
		// offsets so they do not walk the list in step.
		fmt.Fprintf(&sc, `local toks = {}
for line in io.lines(%s) do toks[#toks + 1] = line end
local i = 0
local hdrs = {}
for k, v in pairs(wrk.headers) do hdrs[k] = v end
init = function(args) i = math.random(#toks) end
request = function()
  i = i %% #toks + 1
  hdrs["Authorization"] = "Bearer " .. toks[i]
  return wrk.format(nil, nil, hdrs)
end
`, luaString(tf))
	}
	sc.WriteString(`done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("BENCHRESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout))
end
`)
	script := filepath.Join(l.dir, fmt.Sprintf("load-%d.lua", l.seq))
	if err := os.WriteFile(script, []byte(sc.String()), 0o600); err != nil {
		return loadResult{}, err
	}
	defer os.Remove(script)
	secs := max(1, int(s.dur.Round(time.Second)/time.Second))
	args := []string{"-t", strconv.Itoa(min(l.threads, s.conns)), "-c", strconv.Itoa(s.conns),
		"-d", strconv.Itoa(secs) + "s", "--timeout", "10s", "-s", script, s.url}
	cmd := exec.CommandContext(ctx, l.wrk, args...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return loadResult{}, fmt.Errorf("wrk: %w: %s", err, out.String())
	}
	for line := range strings.Lines(out.String()) {
		f := strings.Fields(line)
		if len(f) != 7 || f[0] != "BENCHRESULT" {
			continue
		}
		var n [6]int64
		for i := range n {
			v, err := strconv.ParseInt(f[i+1], 10, 64)
			if err != nil {
				return loadResult{}, fmt.Errorf("wrk: bad result line %q", line)
			}
			n[i] = v
		}
		d := time.Duration(n[1]) * time.Microsecond
		unexpected := int64(0)
		if s.expect != 0 {
			// wrk counts statuses >= 400 only; an expected 4xx load is
			// right when every answer was one (Non2xx = requests).
			unexpected = n[0] - n[4]
		}
		return loadResult{
			Unexpected: unexpected,
			Requests:   n[0], Duration: d, RPS: float64(n[0]) / d.Seconds(),
			P50: time.Duration(n[2]) * time.Microsecond, P99: time.Duration(n[3]) * time.Microsecond,
			Non2xx: n[4], Errors: n[5], Tool: "wrk",
		}, nil
	}
	return loadResult{}, fmt.Errorf("wrk printed no result: %s", out.String())
}

// runGoLoad is the fallback generator: s.conns goroutines, each with its
// own keep-alive connection, in a closed loop for s.dur.
func runGoLoad(ctx context.Context, s loadSpec) (loadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: s.conns, MaxConnsPerHost: s.conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 10 * time.Second}
	ctx, cancel := context.WithTimeout(ctx, s.dur)
	defer cancel()
	var (
		mu         sync.Mutex
		all        []time.Duration
		non2xx     atomic.Int64
		unexpected atomic.Int64
		errs       atomic.Int64
		wg         sync.WaitGroup
		tokenSeq   atomic.Int64
		startWall  = time.Now()
	)
	for w := 0; w < s.conns; w++ {
		wg.Go(func() {
			lat := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil {
				var body io.Reader
				if s.body != "" {
					body = strings.NewReader(s.body)
				}
				req, err := http.NewRequestWithContext(ctx, s.method, s.url, body)
				if err != nil {
					errs.Add(1)
					return
				}
				for k, v := range s.header {
					req.Header.Set(k, v)
				}
				if len(s.tokens) > 0 {
					i := tokenSeq.Add(1)
					req.Header.Set("Authorization", "Bearer "+s.tokens[int(i)%len(s.tokens)])
				}
				t0 := time.Now()
				resp, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						errs.Add(1)
					}
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				lat = append(lat, time.Since(t0))
				if resp.StatusCode < 200 || resp.StatusCode > 299 {
					non2xx.Add(1)
				}
				if s.expect != 0 && resp.StatusCode != s.expect {
					unexpected.Add(1)
				}
			}
			mu.Lock()
			all = append(all, lat...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(startWall)
	if len(all) == 0 {
		return loadResult{Tool: "go"}, errors.New("go load: no request completed")
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	return loadResult{
		Requests: int64(len(all)), Duration: elapsed, RPS: float64(len(all)) / elapsed.Seconds(),
		P50: pct(0.50), P99: pct(0.99), Non2xx: non2xx.Load(), Unexpected: unexpected.Load(), Errors: errs.Load(), Tool: "go",
	}, nil
}

func fmtDur(d time.Duration) string {
	switch {
	case d >= 10*time.Millisecond:
		return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond))
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%dµs", d/time.Microsecond)
	}
}
