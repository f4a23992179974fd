package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// AppNewOptions are the inputs of `awxtoken app new` (New-Application).
type AppNewOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	Name              string
	Organization      string // id or name
	ClientType        string
	GrantType         string
	Description       *string
	RedirectURIs      *string
	SkipAuthorization *bool
	WhatIf            bool
	Confirm           bool
}

// NewCmdAppNew builds `awxtoken app new`.
func NewCmdAppNew(f *Factory, runF func(*AppNewOptions) error) *cobra.Command {
	opts := &AppNewOptions{IO: f.IOStreams, Client: f.Client}
	var description, redirectURIs string
	var skip bool
	cmd := &cobra.Command{
		Use:   "new --name NAME --organization ORG --client-type TYPE --grant-type GRANT [flags]",
		Short: "Create an OAuth2 application (New-Application)",
		Long: `Create an OAuth2 application: POST /api/v2/applications/.

A confidential application's client secret is in clear in this command's
output only. Store it now; it cannot be shown again.`,
		Example: `  awxtoken app new --name ci --organization Default --client-type confidential --grant-type password
  awxtoken app new --name web --organization 1 --client-type public \
      --grant-type authorization-code --redirect-uris https://app.example.com/callback`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			for _, name := range []string{"name", "organization", "client-type", "grant-type"} {
				if !fl.Changed(name) {
					return FlagErrorf("--%s is required", name)
				}
			}
			if err := checkChoice("client-type", opts.ClientType, clientTypes...); err != nil {
				return err
			}
			if err := checkChoice("grant-type", opts.GrantType, grantTypes...); err != nil {
				return err
			}
			if fl.Changed("description") {
				opts.Description = &description
			}
			if fl.Changed("redirect-uris") {
				opts.RedirectURIs = &redirectURIs
			}
			if fl.Changed("skip-authorization") {
				opts.SkipAuthorization = &skip
			}
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return appNewRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Name, "name", "", "name of the application (unique in its organization)")
	fl.StringVar(&opts.Organization, "organization", "", "organization: id or name")
	fl.StringVar(&opts.ClientType, "client-type", "", "confidential or public")
	fl.StringVar(&opts.GrantType, "grant-type", "", "authorization grant type: authorization-code or password")
	fl.StringVar(&description, "description", "", "description")
	fl.StringVar(&redirectURIs, "redirect-uris", "", "allowed redirect URIs, space-separated (needed for authorization-code)")
	fl.BoolVar(&skip, "skip-authorization", false, "skip the user's authorization step")
	addWhatIfFlags(cmd, &opts.WhatIf, &opts.Confirm)
	_ = cmd.RegisterFlagCompletionFunc("client-type", cobra.FixedCompletions(clientTypes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("grant-type", cobra.FixedCompletions(grantTypes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func appNewRun(ctx context.Context, opts *AppNewOptions) error {
	orgID, err := resolveOrganization(ctx, opts.Client, opts.Organization)
	if err != nil {
		return err
	}
	req := awx.ApplicationRequest{
		Name:                   &opts.Name,
		Description:            opts.Description,
		ClientType:             &opts.ClientType,
		AuthorizationGrantType: &opts.GrantType,
		RedirectURIs:           opts.RedirectURIs,
		SkipAuthorization:      opts.SkipAuthorization,
		Organization:           &orgID,
	}
	op, err := operation("Create Application", req)
	if err != nil {
		return err
	}
	if ok, err := shouldProcess(opts.IO, opts.WhatIf, opts.Confirm, op, fmt.Sprintf("Organization [%d]", orgID)); !ok {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	app, _, err := c.Applications.Create(ctx, req)
	if err != nil {
		return err
	}
	if done, err := export(opts.IO.Out, opts.Output, app); done {
		return err
	}
	if err := writeNewApplication(opts.IO.Out, app); err != nil {
		return err
	}
	if app.ClientSecret != "" && app.ClientSecret != awx.Censored {
		fmt.Fprintln(opts.IO.ErrOut, "Warning: store the client secret now; it cannot be shown again.")
	}
	return nil
}
