package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// profileSummary is one CPU profile of the server under one load: where
// the file is and pprof's flat top list.
type profileSummary struct {
	Name string
	Path string
	Top  string
}

// takeProfiles runs the two main loads again (unmeasured) while the
// server's pprof endpoint records a CPU profile, and keeps the profiles in
// WORK/profiles for `go tool pprof`.
func takeProfiles(ctx context.Context, cfg config, ld *loader, srv *awxServer, bin, runDir string, logf func(string, ...any)) ([]profileSummary, error) {
	if srv.pprofURL == "" {
		return nil, fmt.Errorf("the server was started without --pprof")
	}
	dir, _ := filepath.Abs(filepath.Join(cfg.workDir, "profiles"))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	secs := max(1, int(cfg.dur/time.Second)-1)
	var out []profileSummary
	for _, p := range []struct {
		name string
		spec loadSpec
	}{
		{"me", srv.meLoad(cfg.conns, cfg.dur, nil)},
		{"create", srv.createLoad(cfg.conns, cfg.dur)},
	} {
		path := filepath.Join(dir, p.name+".pprof")
		loadDone := make(chan error, 1)
		go func() {
			_, err := ld.run(ctx, nil, p.spec)
			loadDone <- err
		}()
		time.Sleep(500 * time.Millisecond)
		perr := srv.profile(ctx, secs, path)
		lerr := <-loadDone
		if perr != nil {
			return out, perr
		}
		if lerr != nil {
			return out, lerr
		}
		top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-nodecount=25", bin, path).Output()
		if err != nil {
			return out, fmt.Errorf("go tool pprof: %w", err)
		}
		// Keep the table, not pprof's header about the binary's build id.
		lines := strings.Split(string(top), "\n")
		for i, l := range lines {
			if strings.HasPrefix(strings.TrimSpace(l), "flat") {
				lines = lines[max(0, i-1):]
				break
			}
		}
		logf("profile %s: %s", p.name, path)
		out = append(out, profileSummary{Name: p.name, Path: path, Top: strings.TrimRight(strings.Join(lines, "\n"), "\n")})
	}
	return out, nil
}
