package cli

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/config"
)

// LoginOptions are the inputs of `awxtoken login`.
type LoginOptions struct {
	IO        *IOStreams
	Settings  func() (*config.Settings, error)
	NewClient func(host string, auth ...awx.Option) (*awx.Client, error)
	Now       func() time.Time

	Username      string // from --username or the settings; asked for when empty
	Password      string // from --password or the settings
	PasswordStdin bool
	Path          string // the file to write
}

// NewCmdLogin builds `awxtoken login`.
func NewCmdLogin(f *Factory, runF func(*LoginOptions) error) *cobra.Command {
	opts := &LoginOptions{IO: f.IOStreams, Settings: f.TolerantSettings, NewClient: f.NewClientTolerant, Now: time.Now}
	cmd := &cobra.Command{
		Use:   "login [--username U] [--password-stdin]",
		Short: "Log in with a password and save a new personal access token",
		Long: `Log in with a username and password (HTTP Basic, once), create a personal
access token for yourself (POST /api/v2/users/{username}/personal_tokens/,
scope write, description "awxtoken login"), check it with GET /api/v2/me/, and
save it with the host as the configuration, as 'awxtoken config new' does.
The password is never saved.

The username and password are asked for (the password hidden) when standard
input is a terminal; --password-stdin reads the password from standard input.`,
		Example: `  awxtoken login --host https://awx.example.com --username admin
  echo "$PASSWORD" | awxtoken login --host http://127.0.0.1:8052 --username admin --password-stdin`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if f.Global.Output != "" || f.Global.JQ != "" {
				return FlagErrorf("login prints no data; -o and --jq do not apply")
			}
			opts.Path = config.ActivePath(f.ConfigFlags(), f.ConfigEnv)
			if runF != nil {
				return runF(opts)
			}
			return loginRun(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.PasswordStdin, "password-stdin", false, "read the password from standard input")
	return cmd
}

func loginRun(ctx context.Context, f *Factory, opts *LoginOptions) error {
	// The host and username may come from any layer; a broken configuration
	// file is what login replaces, so it is not fatal here.
	s, err := opts.Settings()
	if err != nil {
		return err
	}
	host := s.Host
	if opts.Username == "" {
		opts.Username = s.Username
	}
	if opts.Password == "" {
		opts.Password = s.Password
	}
	if host == "" {
		return errNoHost
	}
	if opts.Username == "" {
		if !opts.IO.CanPrompt() || opts.PasswordStdin {
			return FlagErrorf("no username: give --username")
		}
		u, err := opts.IO.Prompt("Username: ")
		if err != nil {
			return err
		}
		opts.Username = u
	}
	switch {
	case opts.PasswordStdin:
		p, err := opts.IO.ReadLine()
		if errors.Is(err, errNoAnswer) {
			return FlagErrorf("--password-stdin: standard input is empty")
		}
		if err != nil {
			return err
		}
		opts.Password = p
	case opts.Password != "":
	case opts.IO.CanPrompt():
		p, err := opts.IO.ReadSecret("Password: ")
		if err != nil {
			return err
		}
		opts.Password = p
	default:
		return FlagErrorf("no password: give --password-stdin (or type it at a terminal)")
	}

	c, err := opts.NewClient(host, awx.WithBasicAuth(opts.Username, opts.Password))
	if err != nil {
		return err
	}
	desc := "awxtoken login"
	tok, _, err := c.Tokens.CreatePersonal(ctx, opts.Username, awx.TokenCreateRequest{Description: &desc, Scope: defaultScope})
	if err != nil {
		return err
	}
	if err := saveConfig(ctx, opts.IO, opts.NewClient, host, tok.Token, opts.Path, opts.Now); err != nil {
		// Nobody will ever see this token again: revoke it rather than
		// leave a live credential behind.
		if _, derr := c.Tokens.Delete(ctx, tok.ID); derr != nil {
			return fmt.Errorf("%w (and revoking the unsaved token %d failed: %v)", err, tok.ID, derr)
		}
		return err
	}
	return nil
}
