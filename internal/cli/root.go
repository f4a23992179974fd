// Package cli owns the awxtoken command line: every command (new, get, find,
// update, remove, app, config, login, server, admin), their flags and help,
// output formats (table, json, yaml, jq, token, env), prompts, and the
// mapping of errors to exit codes. Client commands reach the API only through
// the public awx package; server commands only wire internal/server and a store.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"
)

// Main runs the awxtoken command line with args (without the program name)
// and returns the exit status.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	ios := &IOStreams{In: stdin, Out: stdout, ErrOut: stderr}
	return run(ctx, NewFactory(ios, getenv), args)
}

func run(ctx context.Context, f *Factory, args []string) int {
	return execute(ctx, f, NewCmdRoot(f), args)
}

// execute runs a command tree with f's streams and maps the result to an
// exit status; tests use it with a tree of their own.
func execute(ctx context.Context, f *Factory, root *cobra.Command, args []string) int {
	root.SetArgs(args)
	root.SetIn(f.IOStreams.In)
	root.SetOut(f.IOStreams.Out)
	root.SetErr(f.IOStreams.ErrOut)
	cmd, err := root.ExecuteContextC(ctx)
	return reportError(f.IOStreams, cmd, err)
}

// reportError prints err the way its type asks and returns the exit status.
func reportError(ios *IOStreams, cmd *cobra.Command, err error) int {
	if err == nil {
		return ExitOK
	}
	// Cobra's own usage errors are plain errors; they are usage errors too.
	msg := err.Error()
	var fe *FlagError
	if !errors.As(err, &fe) && (strings.HasPrefix(msg, "unknown command") ||
		strings.HasPrefix(msg, "unknown flag") || strings.HasPrefix(msg, "unknown shorthand flag") ||
		strings.HasPrefix(msg, "invalid argument") || strings.Contains(msg, "flag needs an argument")) {
		err = &FlagError{err}
	}
	switch {
	case errors.Is(err, SilentError):
	case errors.Is(err, CancelError):
		fmt.Fprintln(ios.ErrOut, CancelError.Error())
	case errors.As(err, &fe):
		fmt.Fprintf(ios.ErrOut, "error: %v\n", err)
		if cmd != nil {
			fmt.Fprintf(ios.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
		}
	default:
		fmt.Fprintf(ios.ErrOut, "error: %v\n", err)
	}
	return exitCode(err)
}

// NewCmdRoot builds the whole command tree.
func NewCmdRoot(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "awxtoken <command>",
		Short: "Create, list, update and revoke AWX OAuth2 tokens",
		Long: `awxtoken creates, lists, updates and revokes AWX OAuth2 access tokens, as the
PowerShell module AWX.psm's New-Token and its family do, against any AWX or
Ansible Automation Platform controller. 'awxtoken server' runs an
AWX-compatible token authority of its own.

Settings come from, highest first: flags; the environment (CONTROLLER_HOST,
CONTROLLER_OAUTH_TOKEN, CONTROLLER_USERNAME, CONTROLLER_PASSWORD,
CONTROLLER_VERIFY_SSL, CONTROLLER_REQUEST_TIMEOUT, and the TOWER_* names); the
AWX.psm file (ANSIBLE_API_CONFIG or ~/.ansible_api_config.json); tower_cli.cfg.`,
		Example: `  # Try it on a throwaway server
  awxtoken server --dev

  # Create a personal access token and keep it
  T=$(awxtoken new --for-me --scope write -o token)

  # Create a token for the application of id 2
  awxtoken new 2 --scope write

  # List your tokens, revoke one
  awxtoken find --type personal
  awxtoken remove 5`,
		Version: Version,
	}
	addGlobalFlags(cmd, f)

	cmd.AddGroup(&cobra.Group{ID: "token", Title: "Token commands:"},
		&cobra.Group{ID: "more", Title: "More commands:"},
		&cobra.Group{ID: "server", Title: "Server commands:"})
	for _, c := range []*cobra.Command{
		NewCmdNew(f, nil), NewCmdGet(f, nil), NewCmdFind(f, nil), NewCmdUpdate(f, nil), NewCmdRemove(f, nil),
	} {
		c.GroupID = "token"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{NewCmdApp(f), NewCmdConfig(f), NewCmdLogin(f, nil)} {
		c.GroupID = "more"
		cmd.AddCommand(c)
	}
	for _, c := range []*cobra.Command{NewCmdServer(f, nil), NewCmdAdmin(f)} {
		c.GroupID = "server"
		cmd.AddCommand(c)
	}
	cmd.SetHelpCommandGroupID("more")
	cmd.SetCompletionCommandGroupID("more")
	return cmd
}

// addGlobalFlags makes cmd a root: the global flags, and errors left to
// execute, which prints them once and picks the exit status.
func addGlobalFlags(cmd *cobra.Command, f *Factory) {
	cmd.SilenceErrors = true
	cmd.SilenceUsage = true
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{err} })
	g := f.Global
	pf := cmd.PersistentFlags()
	pf.StringVar(&g.Host, "host", "", "AWX URL, path kept (https://awx.example.com/awx/)")
	pf.StringVar(&g.Token, "token", "", "OAuth2 token to authenticate with")
	pf.StringVar(&g.Username, "username", "", "username for Basic authentication")
	pf.StringVar(&g.Password, "password", "", "password for Basic authentication")
	pf.BoolVar(&g.Insecure, "insecure", false, "do not verify the server's TLS certificate")
	pf.StringVar(&g.CAFile, "ca-file", "", "PEM file of CA certificates to trust")
	pf.DurationVar(&g.Timeout, "timeout", defaultTimeout, "time limit of each request")
	pf.StringVar(&g.ConfigPath, "config", "", "AWX.psm configuration file (default $ANSIBLE_API_CONFIG or ~/.ansible_api_config.json)")
	pf.BoolVarP(&g.Verbose, "verbose", "v", false, "print each request's method, path and status to standard error")
	pf.BoolVar(&g.Debug, "debug", false, "print requests and responses with headers to standard error (secrets masked)")
	pf.StringVarP(&g.Output, "output", "o", "", "output format: table, json, yaml; token and env where a token is created")
	pf.StringVar(&g.JQ, "jq", "", "filter the JSON output with a jq expression")
	f.flags = pf
}

// noArgs, exactArgs and minArgs are cobra's argument checks returning
// FlagError, so they exit 2 with the usage hint.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return FlagErrorf("unexpected argument %q", args[0])
	}
	return nil
}

func minArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("missing %s", what)
		}
		return nil
	}
}

func exactArgs(n int, what string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) < n {
			return FlagErrorf("missing %s", what)
		}
		if len(args) > n {
			return FlagErrorf("unexpected argument %q", args[n])
		}
		return nil
	}
}
