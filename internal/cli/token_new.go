package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// Scopes AWX accepts on a token, and the default (AWX.psm's and AWX's).
var tokenScopes = []string{"read", "write"}

const defaultScope = "write"

// NewOptions are the inputs of `awxtoken new` (AWX.psm's New-Token).
type NewOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	// Application is an id, a name, or "-" (an application object on
	// standard input); empty with ForMe means a plain personal token.
	Application string
	ForMe       bool
	Scope       string
	Description *string // nil: not given, and not sent
	WhatIf      bool
	Confirm     bool
}

// NewCmdNew builds `awxtoken new`. runF, when not nil, replaces the run
// function (parsing tests).
func NewCmdNew(f *Factory, runF func(*NewOptions) error) *cobra.Command {
	opts := &NewOptions{IO: f.IOStreams, Client: f.Client}
	var description string
	cmd := &cobra.Command{
		Use:   "new [APPLICATION] [flags]",
		Short: "Create an OAuth2 access token (New-Token)",
		Long: `Create an OAuth2 access token, for an application or for yourself.

With APPLICATION (or --application): POST /api/v2/applications/{id}/tokens/.
APPLICATION is an id, a name, or - to read an application object as JSON from
standard input, as 'awxtoken app get ID -o json' prints it.

With --for-me: a personal access token, POST /api/v2/users/0/tokens/ (on an
AWX that answers 404 there, /api/v2/users/{your id}/tokens/); an application
given as well goes in the body.

The token is in clear in this command's output only: the server keeps a
digest. Store it now; it cannot be shown again.`,
		Example: `  # Create a token for the application of id 2, keep only the token
  T=$(awxtoken new 2 --scope write -o token)

  # The same by name, or from the application object
  awxtoken new --application "My App"
  awxtoken app get 2 -o json | awxtoken new --application -

  # A personal access token
  awxtoken new --for-me --scope write --description "Personal Access Token"

  # For a shell: export CONTROLLER_OAUTH_TOKEN=...
  eval "$(awxtoken new --for-me -o env)"

  # Show what would be sent, send nothing
  awxtoken new 3 --description x --what-if`,
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return FlagErrorf("unexpected argument %q", args[1])
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if cmd.Flags().Changed("application") {
					return FlagErrorf("give the application either as an argument or with --application, not both")
				}
				opts.Application = args[0]
			}
			if cmd.Flags().Changed("description") {
				opts.Description = &description
			}
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML, FormatToken, FormatEnv); err != nil {
				return err
			}
			if err := checkChoice("scope", opts.Scope, tokenScopes...); err != nil {
				return err
			}
			if opts.Application == "" && !opts.ForMe {
				return FlagErrorf("give an application (awxtoken new APPLICATION) or --for-me for a personal access token")
			}
			if opts.Application == "" && cmd.Flags().Changed("application") {
				return FlagErrorf("--application needs an id, a name, or -")
			}
			if opts.Application == "-" && opts.Confirm && !opts.WhatIf {
				return FlagErrorf("--application - reads standard input, so --confirm cannot read its answer there; leave out one of them")
			}
			if runF != nil {
				return runF(opts)
			}
			return newRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Application, "application", "a", "", "application: id, name, or - for an application object (JSON) on standard input")
	fl.BoolVar(&opts.ForMe, "for-me", false, "create a personal access token for yourself")
	fl.StringVar(&opts.Scope, "scope", defaultScope, "scope of the token: read or write")
	fl.StringVar(&description, "description", "", "description of the token (sent only when given; may be empty)")
	addWhatIfFlags(cmd, &opts.WhatIf, &opts.Confirm)
	_ = cmd.RegisterFlagCompletionFunc("scope", cobra.FixedCompletions(tokenScopes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// addWhatIfFlags adds --what-if (alias --dry-run) and --confirm.
func addWhatIfFlags(cmd *cobra.Command, whatIf, confirm *bool) {
	fl := cmd.Flags()
	fl.BoolVar(whatIf, "what-if", false, "show what would be sent and send nothing")
	fl.BoolVar(whatIf, "dry-run", false, "same as --what-if")
	fl.BoolVar(confirm, "confirm", false, "ask before sending (answer y or yes on standard input)")
	_ = fl.MarkHidden("dry-run")
}

func newRun(ctx context.Context, opts *NewOptions) error {
	var appID int64
	if opts.Application != "" {
		id, err := resolveApplication(ctx, opts.IO, opts.Client, opts.Application)
		if err != nil {
			return err
		}
		appID = id
	}

	// The body in AWX.psm's order: description only when given, scope
	// always, and the application only for --for-me (else it is in the URL).
	req := awx.TokenCreateRequest{Description: opts.Description, Scope: opts.Scope}
	target := fmt.Sprintf("Application [%d]", appID)
	if opts.ForMe {
		target = "PersonalAccessToken"
		if appID != 0 {
			req.Application = &appID
		}
	}
	op, err := operation("Create Token", req)
	if err != nil {
		return err
	}
	if ok, err := shouldProcess(opts.IO, opts.WhatIf, opts.Confirm, op, target); !ok {
		return err
	}

	c, err := opts.Client()
	if err != nil {
		return err
	}
	var tok *awx.Token
	if opts.ForMe {
		tok, _, err = c.Tokens.CreateForMe(ctx, req)
	} else {
		tok, _, err = c.Tokens.CreateForApplication(ctx, appID, req)
	}
	if err != nil {
		return err
	}
	return writeCreatedToken(opts.IO, opts.Output, tok)
}

// writeCreatedToken prints a token that was just created, the one time its
// secret exists.
func writeCreatedToken(ios *IOStreams, o OutputOptions, tok *awx.Token) error {
	switch o.Format {
	case FormatToken:
		_, err := fmt.Fprintln(ios.Out, tok.Token)
		return err
	case FormatEnv:
		_, err := fmt.Fprintf(ios.Out, "export CONTROLLER_OAUTH_TOKEN=%s\n", shellQuote(tok.Token))
		return err
	}
	if done, err := export(ios.Out, o, tok); done {
		return err
	}
	if err := writeNewToken(ios.Out, tok); err != nil {
		return err
	}
	fmt.Fprintln(ios.ErrOut, "Warning: store the token now; it cannot be shown again.")
	return nil
}
