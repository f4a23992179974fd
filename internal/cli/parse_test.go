package cli

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/internal/config"
)

// The parsing layer: argv in, options out through runF, nothing sent. Usage
// errors exit 2 with the usage hint and never reach runF.

// parseCmd runs one command (under a root with the global flags) with runF
// capturing its options. It returns the exit status and standard error.
func parseCmd(t *testing.T, stdin string, build func(f *Factory) *cobra.Command, args ...string) (int, string) {
	t.Helper()
	ios, in, _, errOut := IOTest()
	in.WriteString(stdin)
	f := NewFactory(ios, func(string) string { return "" })
	// Hermetic: never the real home directory or /etc/tower/tower_cli.cfg.
	f.ConfigEnv = config.Env{Getenv: func(string) string { return "" }, Home: t.TempDir()}
	root := &cobra.Command{Use: "awxtoken"}
	addGlobalFlags(root, f)
	root.AddCommand(build(f))
	code := execute(context.Background(), f, root, args)
	return code, errOut.String()
}

func strp(s string) *string { return &s }

func TestNewParsing(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want NewOptions // compared on the flag fields
		code int
		err  string
	}{
		{name: "positional application", args: []string{"new", "2"},
			want: NewOptions{Application: "2", Scope: "write", Output: OutputOptions{Format: FormatTable}}},
		{name: "--application", args: []string{"new", "--application", "2", "--scope", "read"},
			want: NewOptions{Application: "2", Scope: "read", Output: OutputOptions{Format: FormatTable}}},
		{name: "application by name", args: []string{"new", "--application", "My App"},
			want: NewOptions{Application: "My App", Scope: "write", Output: OutputOptions{Format: FormatTable}}},
		{name: "for me", args: []string{"new", "--for-me", "--description", "Personal Access Token", "-o", "token"},
			want: NewOptions{ForMe: true, Scope: "write", Description: strp("Personal Access Token"), Output: OutputOptions{Format: FormatToken}}},
		{name: "for me with application", args: []string{"new", "--for-me", "2"},
			want: NewOptions{ForMe: true, Application: "2", Scope: "write", Output: OutputOptions{Format: FormatTable}}},
		{name: "empty description is given", args: []string{"new", "2", "--description", ""},
			want: NewOptions{Application: "2", Scope: "write", Description: strp(""), Output: OutputOptions{Format: FormatTable}}},
		{name: "dry-run is what-if", args: []string{"new", "2", "--dry-run"},
			want: NewOptions{Application: "2", Scope: "write", WhatIf: true, Output: OutputOptions{Format: FormatTable}}},
		{name: "confirm", args: []string{"new", "2", "--confirm", "-o", "json"},
			want: NewOptions{Application: "2", Scope: "write", Confirm: true, Output: OutputOptions{Format: FormatJSON}}},
		{name: "jq means json", args: []string{"new", "2", "--jq", ".token"},
			want: NewOptions{Application: "2", Scope: "write", Output: OutputOptions{Format: FormatJSON, JQ: ".token"}}},

		{name: "no application, no for-me", args: []string{"new"}, code: 2, err: "--for-me"},
		{name: "bad scope", args: []string{"new", "2", "--scope", "admin"}, code: 2, err: `invalid value "admin" for --scope: allowed values are read, write`},
		{name: "scope case matters", args: []string{"new", "2", "--scope", "Write"}, code: 2, err: "allowed values are read, write"},
		{name: "both positional and flag", args: []string{"new", "2", "--application", "3"}, code: 2, err: "not both"},
		{name: "two positionals", args: []string{"new", "2", "3"}, code: 2, err: `unexpected argument "3"`},
		{name: "unknown flag", args: []string{"new", "2", "--bogus"}, code: 2, err: "unknown flag: --bogus"},
		{name: "bad output", args: []string{"new", "2", "-o", "xml"}, code: 2, err: `invalid value "xml" for --output`},
		{name: "jq with token output", args: []string{"new", "2", "-o", "token", "--jq", "."}, code: 2, err: "--jq works on JSON output"},
		{name: "bad jq", args: []string{"new", "2", "--jq", ".["}, code: 2, err: "invalid --jq expression"},
		{name: "stdin application with confirm", args: []string{"new", "--application", "-", "--confirm"}, code: 2, err: "--confirm cannot read its answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got *NewOptions
			code, stderr := parseCmd(t, "", func(f *Factory) *cobra.Command {
				return NewCmdNew(f, func(o *NewOptions) error { got = o; return nil })
			}, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stderr: %s", code, tt.code, stderr)
			}
			if tt.code != 0 {
				if got != nil {
					t.Fatal("runF was called for a usage error")
				}
				if !strings.Contains(stderr, tt.err) || !strings.Contains(stderr, "Run 'awxtoken new --help' for usage.") {
					t.Fatalf("stderr %q lacks %q and the usage hint", stderr, tt.err)
				}
				return
			}
			w := tt.want
			if got.Application != w.Application || got.ForMe != w.ForMe || got.Scope != w.Scope ||
				got.WhatIf != w.WhatIf || got.Confirm != w.Confirm || got.Output != w.Output ||
				(got.Description == nil) != (w.Description == nil) ||
				(got.Description != nil && *got.Description != *w.Description) {
				t.Fatalf("options %+v (description %v), want %+v (description %v)", *got, got.Description, w, w.Description)
			}
		})
	}
}

func TestFindParsing(t *testing.T) {
	var got *FindOptions
	build := func(f *Factory) *cobra.Command {
		return NewCmdFind(f, func(o *FindOptions) error { got = o; return nil })
	}
	code, stderr := parseCmd(t, "", build, "list", "--type", "Personal", "--filter", "description__icontains=ci",
		"--filter", "scope=read", "--order-by", "!created,id", "--page-size", "50", "--page", "2", "--user", "alice")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got.Type != "personal" || got.User != "alice" || got.List.PageSize != 50 || got.List.Page != 2 {
		t.Fatalf("options %+v", got)
	}
	lo := got.List.options()
	if lo.OrderBy != "-created,id" || strings.Join(lo.Filters, "&") != "description__icontains=ci&scope=read" {
		t.Fatalf("list options %+v", lo)
	}

	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"find", "--page-size", "201"}, "between 1 and 200"},
		{[]string{"find", "--page-size", "0"}, "between 1 and 200"},
		{[]string{"find", "--type", "mine"}, "allowed values are personal, authorized, both"},
		{[]string{"find", "--filter", "nonsense"}, "expected field=value"},
		{[]string{"find", "--all", "--page", "3"}, "--all starts at the first page"},
		{[]string{"find", "--application", "2", "--user", "3"}, "not both"},
		{[]string{"find", "-o", "token"}, `invalid value "token" for --output`},
		{[]string{"find", "extra"}, `unexpected argument "extra"`},
	} {
		got = nil
		code, stderr := parseCmd(t, "", build, tt.args...)
		if code != 2 || got != nil || !strings.Contains(stderr, tt.err) {
			t.Errorf("%v: exit %d, stderr %q; want 2 and %q", tt.args, code, stderr, tt.err)
		}
	}
}

func TestGetUpdateRemoveParsing(t *testing.T) {
	var g *GetOptions
	code, stderr := parseCmd(t, "", func(f *Factory) *cobra.Command {
		return NewCmdGet(f, func(o *GetOptions) error { g = o; return nil })
	}, "get", "5", "6", "-o", "yaml")
	if code != 0 || len(g.IDs) != 2 || g.IDs[1] != 6 || g.Output.Format != FormatYAML {
		t.Fatalf("get: exit %d %s %+v", code, stderr, g)
	}
	for _, args := range [][]string{{"get"}, {"get", "x"}, {"get", "0"}, {"get", "-3"}} {
		if code, _ := parseCmd(t, "", func(f *Factory) *cobra.Command { return NewCmdGet(f, nil) }, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}

	var u *UpdateOptions
	build := func(f *Factory) *cobra.Command {
		return NewCmdUpdate(f, func(o *UpdateOptions) error { u = o; return nil })
	}
	code, stderr = parseCmd(t, "", build, "update", "5", "--scope", "read", "--description", "", "--what-if")
	if code != 0 || u.ID != 5 || *u.Scope != "read" || *u.Description != "" || !u.WhatIf {
		t.Fatalf("update: exit %d %s %+v", code, stderr, u)
	}
	u = nil
	if code, _ = parseCmd(t, "", build, "update", "5"); code != 0 || u.Scope != nil || u.Description != nil {
		t.Fatalf("update with nothing: exit %d %+v", code, u)
	}
	if code, stderr = parseCmd(t, "", build, "update", "5", "--scope", "all"); code != 2 || !strings.Contains(stderr, "read, write") {
		t.Fatalf("update bad scope: exit %d %s", code, stderr)
	}

	var r *RemoveOptions
	code, stderr = parseCmd(t, "", func(f *Factory) *cobra.Command {
		return NewCmdRemove(f, func(o *RemoveOptions) error { r = o; return nil })
	}, "revoke", "5", "7", "-f")
	if code != 0 || !r.Force || len(r.IDs) != 2 {
		t.Fatalf("revoke: exit %d %s %+v", code, stderr, r)
	}
}

func TestAppAndServerParsing(t *testing.T) {
	var n *AppNewOptions
	build := func(f *Factory) *cobra.Command {
		return NewCmdAppNew(f, func(o *AppNewOptions) error { n = o; return nil })
	}
	code, stderr := parseCmd(t, "", build, "new", "--name", "ci", "--organization", "Default",
		"--client-type", "public", "--grant-type", "password", "--skip-authorization")
	if code != 0 || n.Name != "ci" || n.Organization != "Default" || n.SkipAuthorization == nil || !*n.SkipAuthorization || n.Description != nil {
		t.Fatalf("app new: exit %d %s %+v", code, stderr, n)
	}
	for _, tt := range []struct {
		args []string
		err  string
	}{
		{[]string{"new", "--organization", "1", "--client-type", "public", "--grant-type", "password"}, "--name is required"},
		{[]string{"new", "--name", "x", "--organization", "1", "--client-type", "secret", "--grant-type", "password"}, "allowed values are confidential, public"},
		{[]string{"new", "--name", "x", "--organization", "1", "--client-type", "public", "--grant-type", "implicit"}, "allowed values are authorization-code, password"},
	} {
		if code, stderr := parseCmd(t, "", build, tt.args...); code != 2 || !strings.Contains(stderr, tt.err) {
			t.Errorf("%v: exit %d %q, want 2 and %q", tt.args, code, stderr, tt.err)
		}
	}

	var s *ServerOptions
	sbuild := func(f *Factory) *cobra.Command {
		return NewCmdServer(f, func(o *ServerOptions) error { s = o; return nil })
	}
	code, stderr = parseCmd(t, "", sbuild, "server", "--database", "sqlite:/tmp/x.db", "--access-token-expire-seconds", "60")
	if code != 0 || s.Listen != defaultListen || s.Database != "sqlite:/tmp/x.db" || s.AccessExpireSeconds != 60 {
		t.Fatalf("server: exit %d %s %+v", code, stderr, s)
	}
	if code, stderr = parseCmd(t, "", sbuild, "server"); code != 2 || !strings.Contains(stderr, "--database") {
		t.Fatalf("server without database: exit %d %s", code, stderr)
	}
	if code, stderr = parseCmd(t, "", sbuild, "server", "--dev", "--database", "x.db"); code != 2 {
		t.Fatalf("server --dev --database: exit %d %s", code, stderr)
	}
	if code, stderr = parseCmd(t, "", sbuild, "server", "--dev", "--log-format", "xml"); code != 2 || !strings.Contains(stderr, "text, json") {
		t.Fatalf("server bad log format: exit %d %s", code, stderr)
	}
}

func TestServerExpiryFromEnvironment(t *testing.T) {
	var s *ServerOptions
	ios, _, _, errOut := IOTest()
	env := map[string]string{envRefreshExpire: "120", envAccessExpire: "3600"}
	f := NewFactory(ios, func(k string) string { return env[k] })
	f.ConfigEnv = config.Env{Getenv: func(k string) string { return env[k] }, Home: t.TempDir()}
	root := &cobra.Command{Use: "awxtoken"}
	addGlobalFlags(root, f)
	root.AddCommand(NewCmdServer(f, func(o *ServerOptions) error { s = o; return nil }))
	if code := execute(context.Background(), f, root, []string{"server", "--dev", "--access-token-expire-seconds", "60"}); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	// The flag wins over its variable; the variable over the default.
	if s.AccessExpireSeconds != 60 || s.RefreshExpireSeconds != 120 {
		t.Fatalf("expiry %v / %v", s.AccessExpireSeconds, s.RefreshExpireSeconds)
	}
	env[envRefreshExpire] = "soon"
	if code := execute(context.Background(), f, root, []string{"server", "--dev"}); code != 2 || !strings.Contains(errOut.String(), envRefreshExpire) {
		t.Fatalf("bad variable: exit %d %s", code, errOut)
	}
}

func TestWhatIfText(t *testing.T) {
	// AWX.psm's exact ShouldProcess text, from spec section 1.
	op, err := operation("Create Token", struct {
		Description *string `json:"description,omitempty"`
		Scope       string  `json:"scope"`
	}{strp("x"), "write"})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	writeWhatIf(&b, op, "Application [3]")
	want := "What if: Performing the operation \"Create Token {\n  \"description\": \"x\",\n  \"scope\": \"write\"\n}\" on target \"Application [3]\".\n"
	if b.String() != want {
		t.Fatalf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestApplicationFromJSON(t *testing.T) {
	for _, tt := range []struct {
		in   string
		id   int64
		errs string
	}{
		{`{"id": 7, "type": "o_auth2_application", "name": "x"}`, 7, ""},
		{`{"id": 1, "type": "user", "username": "admin"}`, 0, `of type "user", not an application`},
		{`{"id": 5, "type": "o_auth2_access_token"}`, 0, `"o_auth2_access_token"`},
		{`[{"id": 7, "type": "o_auth2_application"}]`, 0, "JSON array"},
		{`{"id": 7}`, 0, `no "type"`},
		{`not json`, 0, "not a JSON object"},
		{``, 0, "empty"},
	} {
		id, err := applicationFromJSON([]byte(tt.in))
		if tt.errs == "" {
			if err != nil || id != tt.id {
				t.Errorf("%s: %d, %v", tt.in, id, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), tt.errs) || exitCode(err) != ExitUsage {
			t.Errorf("%s: error %v, want one containing %q (exit 2)", tt.in, err, tt.errs)
		}
	}
}

func TestApplicationFromATerminalIsRefused(t *testing.T) {
	ios, _, _, _ := IOTest()
	ios.SetStdinTTY(true)
	_, err := resolveApplication(context.Background(), ios, nil, "-")
	if err == nil || exitCode(err) != ExitUsage || !strings.Contains(err.Error(), "piped") {
		t.Fatalf("error %v", err)
	}
}

func TestRemoveAtATerminalWithoutAnswerCancels(t *testing.T) {
	ios, _, _, errOut := IOTest()
	ios.SetStdinTTY(true)
	// No client and no delete function: reaching either would panic.
	err := removeObjects(context.Background(), ios, nil, "Token", []int64{5}, false, false, nil)
	if !errors.Is(err, CancelError) {
		t.Fatalf("error %v", err)
	}
	if !strings.Contains(errOut.String(), `Remove Token on target "Token [5]"? [y/N]`) {
		t.Fatalf("prompt %q", errOut.String())
	}
}
