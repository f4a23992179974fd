// Package collection_test runs the awx.awx Ansible collection, a client
// nobody on this project wrote, against the real awxtoken server: the
// playbooks beside this file drive organizations, users, applications and
// tokens through the collection's modules and its controller_api lookup,
// and the test fails on any failed task and on any warning other than the
// collection's expected version-mismatch notice.
//
// It needs ansible-playbook (Debian: apt-get install ansible, which ships
// awx.awx 21.14). Without it the test is skipped on a developer machine and
// fails under CI=true, so CI can never pass by silently not running it.
package collection_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/servertest"
)

// versionMismatch is the only warning the collection may give against
// awxtoken: collection 21.14.0 compares its major version with the AWX
// version the server reports (24.6.1 by default) and notes the difference,
// exactly as it does against a real AWX 24.6.1. Whitespace is loose because
// Ansible wraps warnings printed to standard error.
var versionMismatch = regexp.MustCompile(`^You\s+are\s+running\s+collection\s+version\s+\S+\s+but\s+connecting\s+to\s+AWX\s+version\s+\S+$`)

// TestCollectionTokens runs tokens.yml: the whole scenario.
func TestCollectionTokens(t *testing.T) {
	playbook := ansiblePlaybook(t)
	srv := servertest.Start(t)

	run := runPlaybook(t, playbook, srv, "tokens.yml")
	run.requireSuccess(t)
	run.requireOnlyVersionWarnings(t, true)

	// The collection logs in by making a token and deletes it on exit; a
	// failed DELETE is only a warning (checked above), so check the store
	// too: the admin's own test token is the only one left.
	resp := srv.Do(t, "GET", "/api/v2/tokens/", srv.Admin(), nil)
	var page struct {
		Count   int `json:"count"`
		Results []struct {
			ID          int64  `json:"id"`
			Description string `json:"description"`
		} `json:"results"`
	}
	resp.JSON(t, &page)
	if page.Count != 1 {
		t.Errorf("tokens left after the playbook: %d, want 1 (the test admin's): %+v", page.Count, page.Results)
	}
}

// TestCollectionVersionCheck shows the collection's version check is
// silent when the server reports the collection's own major version, and
// that the setting changes what the server reports.
func TestCollectionVersionCheck(t *testing.T) {
	playbook := ansiblePlaybook(t)
	srv := servertest.Start(t, servertest.WithConfig(func(c *server.Config) { c.ProductVersion = "21.14.0" }))

	run := runPlaybook(t, playbook, srv, "version.yml")
	run.requireSuccess(t)
	if w := run.warnings(); len(w) != 0 {
		t.Errorf("warnings against a server reporting AWX 21.14.0: %q", w)
	}
}

// ansiblePlaybook finds ansible-playbook, or skips (fails under CI).
func ansiblePlaybook(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("ansible-playbook")
	if err != nil {
		if ci := os.Getenv("CI"); ci != "" && ci != "false" && ci != "0" {
			t.Fatalf("CI=%s but ansible-playbook is not installed (apt-get install -y ansible): %v", ci, err)
		}
		t.Skip("ansible-playbook is not installed (apt-get install -y ansible); CI runs this test")
	}
	return p
}

// playbookRun is one ansible-playbook run, its JSON report decoded.
type playbookRun struct {
	name   string
	err    error
	stdout []byte
	stderr []byte
	report report
}

// report is what the ansible.posix.json callback prints.
type report struct {
	Plays []struct {
		Play struct {
			Name string `json:"name"`
		} `json:"play"`
		Tasks []struct {
			Task struct {
				Name string `json:"name"`
			} `json:"task"`
			Hosts map[string]taskResult `json:"hosts"`
		} `json:"tasks"`
	} `json:"plays"`
	Stats map[string]struct {
		Ok          int `json:"ok"`
		Changed     int `json:"changed"`
		Failures    int `json:"failures"`
		Unreachable int `json:"unreachable"`
		Rescued     int `json:"rescued"`
		Ignored     int `json:"ignored"`
	} `json:"stats"`
}

// taskResult is one host's result of one task; a loop's items are in
// Results.
type taskResult struct {
	Changed  bool         `json:"changed"`
	Failed   bool         `json:"failed"`
	Skipped  bool         `json:"skipped"`
	Msg      any          `json:"msg"`
	Warnings []string     `json:"warnings"`
	Results  []taskResult `json:"results"`
}

// runPlaybook runs playbook file name (beside this test) against srv with
// the admin's username and password, as a user of the collection would.
func runPlaybook(t *testing.T, ansiblePlaybook string, srv *servertest.Server, name string) *playbookRun {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	home := filepath.Join(tmp, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, ansiblePlaybook, filepath.Join(dir, name))
	cmd.Dir = tmp
	cmd.Env = append(cleanEnv(),
		"CONTROLLER_HOST="+srv.URL,
		"CONTROLLER_USERNAME="+srv.AdminUsername,
		"CONTROLLER_PASSWORD="+srv.AdminPassword,
		// A private HOME: the collection also reads ~/.tower_cli.cfg, and
		// Ansible keeps its temporary files and caches under ~/.ansible.
		"HOME="+home,
		"ANSIBLE_CONFIG="+filepath.Join(dir, "ansible.cfg"),
		"ANSIBLE_LOCAL_TEMP="+filepath.Join(tmp, "ansible-tmp"),
		"ANSIBLE_STDOUT_CALLBACK=ansible.posix.json",
		"ANSIBLE_NOCOLOR=1",
	)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	err = cmd.Run()
	t.Logf("ansible-playbook %s: %v (%s)", name, exitText(err), time.Since(start).Round(time.Second))

	r := &playbookRun{name: name, err: err, stdout: stdout.Bytes(), stderr: stderr.Bytes()}
	if jerr := json.Unmarshal(r.stdout, &r.report); jerr != nil {
		t.Fatalf("ansible-playbook %s did not print the JSON report (%v)\nstdout:\n%s\nstderr:\n%s", name, jerr, r.stdout, r.stderr)
	}
	r.logTasks(t)
	return r
}

// cleanEnv is the test's environment without settings that would point
// the collection somewhere else or change how Ansible runs.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "CONTROLLER_") || strings.HasPrefix(k, "TOWER_") || strings.HasPrefix(k, "ANSIBLE_") || k == "HOME" {
			continue
		}
		env = append(env, kv)
	}
	return env
}

func exitText(err error) string {
	if err == nil {
		return "exit 0"
	}
	return err.Error()
}

// logTasks writes every task's outcome to the test log, so a failure (or
// `go test -v`) shows the state of the whole playbook.
func (r *playbookRun) logTasks(t *testing.T) {
	t.Helper()
	for _, p := range r.report.Plays {
		for _, task := range p.Tasks {
			for host, res := range task.Hosts {
				state := "ok"
				switch {
				case res.Failed || anyItemFailed(res):
					// Possibly expected: a task inside a block whose rescue
					// checks the error counts as "rescued" in the recap.
					state = "failed"
				case res.Skipped:
					state = "skipped"
				case res.Changed:
					state = "changed"
				}
				line := fmt.Sprintf("  %-8s %s [%s]", state, task.Task.Name, host)
				if state == "failed" {
					line += fmt.Sprintf(": %v", failureMessage(res))
				}
				t.Log(line)
			}
		}
	}
	for host, s := range r.report.Stats {
		t.Logf("  recap [%s]: ok=%d changed=%d failures=%d unreachable=%d rescued=%d ignored=%d",
			host, s.Ok, s.Changed, s.Failures, s.Unreachable, s.Rescued, s.Ignored)
	}
}

func anyItemFailed(res taskResult) bool {
	for _, item := range res.Results {
		if item.Failed || anyItemFailed(item) {
			return true
		}
	}
	return false
}

func failureMessage(res taskResult) any {
	if res.Msg != nil {
		return res.Msg
	}
	for _, item := range res.Results {
		if item.Failed {
			return failureMessage(item)
		}
	}
	return nil
}

// requireSuccess fails the test unless ansible-playbook exited 0 with no
// failed or unreachable host. A failure inside a block with a rescue (the
// playbooks' way of expecting an error) is not a failure.
func (r *playbookRun) requireSuccess(t *testing.T) {
	t.Helper()
	failed := r.err != nil
	if len(r.report.Stats) == 0 {
		t.Errorf("%s: the report has no stats: did any play run?", r.name)
	}
	for host, s := range r.report.Stats {
		if s.Failures != 0 || s.Unreachable != 0 || s.Ignored != 0 {
			t.Errorf("%s: host %s: %d failed, %d unreachable, %d ignored tasks", r.name, host, s.Failures, s.Unreachable, s.Ignored)
			failed = true
		}
	}
	if failed {
		t.Fatalf("%s failed (%s); see the task list above\nstderr:\n%s", r.name, exitText(r.err), r.stderr)
	}
}

// warnings collects every warning of the run: the modules' (in the JSON
// report) and the lookup plugin's and Ansible's own (printed to standard
// error as "[WARNING]: ...", wrapped to the terminal width).
func (r *playbookRun) warnings() []string {
	var out []string
	var walk func(taskResult)
	walk = func(res taskResult) {
		out = append(out, res.Warnings...)
		for _, item := range res.Results {
			walk(item)
		}
	}
	for _, p := range r.report.Plays {
		for _, task := range p.Tasks {
			for _, res := range task.Hosts {
				walk(res)
			}
		}
	}
	var cur []string
	flush := func() {
		if cur != nil {
			out = append(out, strings.Join(cur, " "))
			cur = nil
		}
	}
	for _, line := range strings.Split(string(r.stderr), "\n") {
		switch {
		case strings.HasPrefix(line, "[WARNING]: "):
			flush()
			cur = []string{strings.TrimPrefix(line, "[WARNING]: ")}
		case cur != nil && strings.TrimSpace(line) != "" && !strings.HasPrefix(line, "["):
			cur = append(cur, strings.TrimSpace(line))
		default:
			flush()
		}
	}
	flush()
	return out
}

// requireOnlyVersionWarnings fails the test on any warning but the version
// mismatch note: a warning is how the collection reports a server that
// sent no X-API-Product-Version, a product other than AWX, or a token it
// could not delete at logout. With mustSee, the note must have appeared:
// the check ran and read AWX and a version from the headers.
func (r *playbookRun) requireOnlyVersionWarnings(t *testing.T, mustSee bool) {
	t.Helper()
	seen := false
	for _, w := range r.warnings() {
		if versionMismatch.MatchString(w) {
			seen = true
			continue
		}
		t.Errorf("%s: unexpected warning: %s", r.name, w)
	}
	if mustSee && !seen {
		t.Errorf("%s: no version-mismatch warning: the collection did not see AWX %s in the response headers", r.name, server.DefaultProductVersion)
	}
}

// TestWarningsParsing pins how warnings are read back from a run: from the
// JSON report, loop items included, and from standard error, where Ansible
// wraps them to the terminal width.
func TestWarningsParsing(t *testing.T) {
	r := &playbookRun{
		stderr: []byte("[WARNING]: You are running collection version 21.14.0 but\nconnecting to AWX version 24.6.1\n\n" +
			"[DEPRECATION WARNING]: something else.\n" +
			"[WARNING]: Failed to release token: HTTP Error 500\n"),
	}
	if err := json.Unmarshal([]byte(`{"plays":[{"play":{"name":"p"},"tasks":[
		{"task":{"name":"a"},"hosts":{"localhost":{"changed":true,"warnings":["module warning"]}}},
		{"task":{"name":"b"},"hosts":{"localhost":{"results":[{"warnings":["item warning"]}]}}}]}],
		"stats":{"localhost":{"ok":2}}}`), &r.report); err != nil {
		t.Fatal(err)
	}
	got := r.warnings()
	want := []string{
		"module warning",
		"item warning",
		"You are running collection version 21.14.0 but connecting to AWX version 24.6.1",
		"Failed to release token: HTTP Error 500",
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("warnings:\n got %q\nwant %q", got, want)
	}
	if !versionMismatch.MatchString(got[2]) || versionMismatch.MatchString(got[3]) {
		t.Errorf("versionMismatch matches the wrong warnings")
	}
}
