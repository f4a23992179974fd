package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

// cliResult compares `awxtoken new --for-me -o token` with curl making the
// same request (POST /api/v2/users/0/tokens/ with the same body and
// Bearer token), each run as a fresh process, alternately.
type cliResult struct {
	Runs          int
	CLI, Curl     []time.Duration
	CLIMed, CurlM time.Duration
	Ratio         float64
	CurlVersion   string
	// CPU time (user + system) of each process: what the machine's load
	// moves least, and what start-up work shows up in.
	CLICPU, CurlCPU       []time.Duration
	CLICPUMed, CurlCPUMed time.Duration
}

func benchCLI(ctx context.Context, bin string, s *awxServer, runs int, home string) (cliResult, error) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		return cliResult{}, fmt.Errorf("curl is not installed")
	}
	res := cliResult{Runs: runs}
	if out, err := exec.Command(curl, "--version").Output(); err == nil {
		res.CurlVersion, _, _ = strings.Cut(string(out), "\n")
	}
	// An empty HOME: no AWX.psm file or tower_cli.cfg of the machine's user
	// takes part; the settings are the environment's, as in a script.
	env := append(os.Environ(), "HOME="+home, "CONTROLLER_HOST="+s.url, "CONTROLLER_OAUTH_TOKEN="+s.token,
		"XDG_CONFIG_HOME="+home)
	runCLI := func() (time.Duration, time.Duration, error) {
		cmd := exec.CommandContext(ctx, bin, "new", "--for-me", "-o", "token")
		cmd.Env = env
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil || len(strings.TrimSpace(out.String())) != 30 {
			return 0, 0, fmt.Errorf("awxtoken new --for-me -o token: %v: %s%s", err, out.String(), errb.String())
		}
		return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
	}
	runCurl := func() (time.Duration, time.Duration, error) {
		cmd := exec.CommandContext(ctx, curl, "-sS", "-f", "-o", "/dev/null", "-X", "POST",
			"-H", "Authorization: Bearer "+s.token, "-H", "Content-Type: application/json",
			"--data", tokenCreateBody, s.url+"/api/v2/users/0/tokens/")
		cmd.Env = env
		var errb bytes.Buffer
		cmd.Stderr = &errb
		t0 := time.Now()
		err := cmd.Run()
		d := time.Since(t0)
		if err != nil {
			return 0, 0, fmt.Errorf("curl: %v: %s", err, errb.String())
		}
		return d, cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime(), nil
	}
	// One untimed run each: the first exec of a binary pays for paging it in.
	if _, _, err := runCLI(); err != nil {
		return res, err
	}
	if _, _, err := runCurl(); err != nil {
		return res, err
	}
	for i := 0; i < runs; i++ {
		a, ac, err := runCLI()
		if err != nil {
			return res, err
		}
		b, bc, err := runCurl()
		if err != nil {
			return res, err
		}
		res.CLI, res.CLICPU = append(res.CLI, a), append(res.CLICPU, ac)
		res.Curl, res.CurlCPU = append(res.Curl, b), append(res.CurlCPU, bc)
	}
	res.CLIMed, res.CurlM = median(res.CLI), median(res.Curl)
	res.CLICPUMed, res.CurlCPUMed = median(res.CLICPU), median(res.CurlCPU)
	res.Ratio = float64(res.CLIMed) / float64(res.CurlM)
	return res, nil
}

func median(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
