package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/config"
)

// NewCmdConfig builds `awxtoken config` (AWX.psm's New-/Get-/Switch-ApiConfig).
func NewCmdConfig(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "config <command>",
		Short: "Manage the connection settings (AWX.psm's ApiConfig)",
		Long: `Manage the AWX.psm configuration file: $ANSIBLE_API_CONFIG, or
~/.ansible_api_config.json (or the file named by --config). It holds an origin
and a personal access token; awxtoken writes it atomically with mode 0600.`,
		Args: noArgs,
	}
	cmd.AddCommand(NewCmdConfigNew(f, nil), NewCmdConfigGet(f, nil), NewCmdConfigSwitch(f, nil))
	return cmd
}

// ConfigNewOptions are the inputs of `awxtoken config new` (New-ApiConfig).
type ConfigNewOptions struct {
	IO *IOStreams
	// NewClient builds a client for host with the given authentication.
	NewClient func(host string, auth ...awx.Option) (*awx.Client, error)
	Now       func() time.Time

	URI   string // the AWX origin, path kept
	Token string // from --token; empty: asked for
	Path  string // the file to write
}

// NewCmdConfigNew builds `awxtoken config new --uri URL`.
func NewCmdConfigNew(f *Factory, runF func(*ConfigNewOptions) error) *cobra.Command {
	opts := &ConfigNewOptions{IO: f.IOStreams, NewClient: f.NewClientTolerant, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "new --uri URL",
		Short: "Save an AWX URL and personal access token (New-ApiConfig)",
		Long: `Save the AWX URL and a personal access token as the configuration.

The token is read with a hidden prompt when standard input is a terminal,
else from the first line of standard input. It is checked with
GET /api/v2/me/ before anything is saved; when the check fails the existing
file is left as it was.`,
		Example: `  awxtoken config new --uri https://awx.example.com
  echo "$PAT" | awxtoken config new --uri https://awx.example.com/awx/
  awxtoken new --for-me -o token --host http://127.0.0.1:8052 --username admin --password secret \
      | awxtoken config new --uri http://127.0.0.1:8052`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.URI == "" {
				// --host names the same thing; accept it so both spellings work.
				opts.URI = f.Global.Host
			}
			if opts.URI == "" {
				return FlagErrorf("--uri is required")
			}
			host, err := config.NormalizeHost(opts.URI)
			if err != nil {
				return FlagErrorf("--uri: %v", err)
			}
			opts.URI = host
			opts.Token = f.Global.Token
			opts.Path = config.ActivePath(f.ConfigFlags(), f.ConfigEnv)
			if f.Global.Output != "" || f.Global.JQ != "" {
				return FlagErrorf("config new prints no data; -o and --jq do not apply")
			}
			if runF != nil {
				return runF(opts)
			}
			return configNewRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.URI, "uri", "", "AWX URL, path kept (https://awx.example.com or https://host/awx/)")
	return cmd
}

func configNewRun(ctx context.Context, opts *ConfigNewOptions) error {
	token := opts.Token
	if token == "" {
		t, err := opts.IO.ReadSecret("Personal access token: ")
		if errors.Is(err, errNoAnswer) {
			return FlagErrorf("no token: type it at the prompt or give it on standard input")
		}
		if err != nil {
			return err
		}
		token = t
	}
	if token == "" {
		return FlagErrorf("no token: type it at the prompt or give it on standard input")
	}
	return saveConfig(ctx, opts.IO, opts.NewClient, opts.URI, token, opts.Path, opts.Now)
}

// saveConfig checks token against host with GET /api/v2/me/ and, only if it
// works, writes the AWX.psm file. "Success: user(email)" as AWX.psm says it.
func saveConfig(ctx context.Context, ios *IOStreams, newClient func(string, ...awx.Option) (*awx.Client, error),
	host, token, path string, now func() time.Time) error {
	if path == "" {
		return fmt.Errorf("no configuration file path (no home directory); set %s or give --config", config.EnvAPIConfig)
	}
	c, err := newClient(host, awx.WithToken(token))
	if err != nil {
		return err
	}
	me, _, err := c.Me(ctx)
	if err != nil {
		return fmt.Errorf("the token was not accepted; %s is unchanged: %w", path, err)
	}
	file := &config.File{Origin: host, Token: token, LastSaved: now().UTC(), UserID: me.ID, UserName: me.Username}
	if err := config.WriteFile(path, file); err != nil {
		return err
	}
	fmt.Fprintf(ios.ErrOut, "Success: %s(%s)\n", me.Username, me.Email)
	fmt.Fprintf(ios.ErrOut, "Saved %s to %s.\n", host, path)
	return nil
}

// ConfigGetOptions are the inputs of `awxtoken config get` (Get-ApiConfig).
type ConfigGetOptions struct {
	IO       *IOStreams
	Settings func() (*config.Settings, error)
	Output   OutputOptions
}

// NewCmdConfigGet builds `awxtoken config get`.
func NewCmdConfigGet(f *Factory, runF func(*ConfigGetOptions) error) *cobra.Command {
	opts := &ConfigGetOptions{IO: f.IOStreams, Settings: f.Settings}
	return &cobra.Command{
		Use:   "get",
		Short: "Show the settings in effect and where each comes from (Get-ApiConfig)",
		Long: `Show the settings in effect (flags, environment, the AWX.psm file,
tower_cli.cfg) and where each one comes from. Secrets are masked.`,
		Example: `  awxtoken config get
  CONTROLLER_HOST=https://awx.example.com awxtoken config get -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return configGetRun(opts)
		},
	}
}

func configGetRun(opts *ConfigGetOptions) error {
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	// Load warns about an open file only when it holds a token; an open
	// file is worth a word whatever it holds.
	if w := config.PermissionWarning(s.ConfigPath); w != "" && !slices.Contains(s.Warnings, w) {
		fmt.Fprintln(opts.IO.ErrOut, w)
	}
	if done, err := export(opts.IO.Out, opts.Output, s.Redacted()); done {
		return err
	}
	t := newTable(opts.IO.Out, "Setting", "Value", "Source")
	for _, e := range s.RedactedEntries() {
		t.row(e.Name, e.Value, e.Source)
	}
	if err := t.flush(); err != nil {
		return err
	}
	path := s.ConfigPath
	switch {
	case path == "":
		path = "(none: no home directory)"
	case s.File == nil:
		path += " (not present)"
	}
	fmt.Fprintf(opts.IO.Out, "\nConfiguration file: %s\n", path)
	return nil
}

// ConfigSwitchOptions are the inputs of `awxtoken config switch` (Switch-ApiConfig).
type ConfigSwitchOptions struct {
	IO   *IOStreams
	Env  config.Env
	Path string
	// Dest is the active configuration file (--config, ANSIBLE_API_CONFIG
	// or the default), which switch overwrites.
	Dest string
}

// NewCmdConfigSwitch builds `awxtoken config switch PATH`.
func NewCmdConfigSwitch(f *Factory, runF func(*ConfigSwitchOptions) error) *cobra.Command {
	opts := &ConfigSwitchOptions{IO: f.IOStreams}
	return &cobra.Command{
		Use:   "switch PATH",
		Short: "Make another AWX.psm file the active configuration (Switch-ApiConfig)",
		Long: `Copy the AWX.psm configuration file at PATH to the active location
($ANSIBLE_API_CONFIG or ~/.ansible_api_config.json), atomically and with mode
0600, after checking that it is valid.`,
		Example: `  awxtoken config switch ~/awx-staging.json`,
		Args:    exactArgs(1, "configuration file path"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Path = args[0]
			opts.Env = f.ConfigEnv
			opts.Dest = config.ActivePath(f.ConfigFlags(), f.ConfigEnv)
			if runF != nil {
				return runF(opts)
			}
			return configSwitchRun(opts)
		},
	}
}

func configSwitchRun(opts *ConfigSwitchOptions) error {
	dest := opts.Dest
	if dest == "" {
		dest = config.FilePath(opts.Env)
	}
	file, err := config.SwitchTo(dest, opts.Path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("%w (nothing changed)", err)
		}
		return err
	}
	who := ""
	if file.UserName != "" {
		who = " as " + file.UserName
	}
	fmt.Fprintf(opts.IO.ErrOut, "Switched to %s%s (saved to %s).\n", strings.TrimSpace(file.Origin), who, dest)
	return nil
}
