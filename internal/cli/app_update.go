package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// AppUpdateOptions are the inputs of `awxtoken app update` (Update-Application).
type AppUpdateOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	App               string // id or name
	Name              *string
	Description       *string
	ClientType        *string
	RedirectURIs      *string
	SkipAuthorization *bool
	Organization      *string // id or name
	WhatIf            bool
	Confirm           bool
}

// NewCmdAppUpdate builds `awxtoken app update ID|NAME`.
func NewCmdAppUpdate(f *Factory, runF func(*AppUpdateOptions) error) *cobra.Command {
	opts := &AppUpdateOptions{IO: f.IOStreams, Client: f.Client}
	var name, description, clientType, redirectURIs, org string
	var skip bool
	cmd := &cobra.Command{
		Use:   "update ID|NAME [flags]",
		Short: "Change an OAuth2 application (Update-Application)",
		Long: `Change an application: PATCH /api/v2/applications/{id}/ with only the fields
given. The grant type cannot change. With no field flag nothing is sent.`,
		Example: `  awxtoken app update 2 --description "CI pipelines"
  awxtoken app update ci --redirect-uris "https://a.example.com/cb https://b.example.com/cb"`,
		Args: exactArgs(1, "application id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.App = args[0]
			fl := cmd.Flags()
			set := func(flag string, v *string) *string {
				if fl.Changed(flag) {
					return v
				}
				return nil
			}
			opts.Name = set("name", &name)
			opts.Description = set("description", &description)
			opts.RedirectURIs = set("redirect-uris", &redirectURIs)
			opts.Organization = set("organization", &org)
			if opts.ClientType = set("client-type", &clientType); opts.ClientType != nil {
				if err := checkChoice("client-type", clientType, clientTypes...); err != nil {
					return err
				}
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
			return appUpdateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&name, "name", "", "new name")
	fl.StringVar(&description, "description", "", "new description (may be empty)")
	fl.StringVar(&clientType, "client-type", "", "confidential or public")
	fl.StringVar(&redirectURIs, "redirect-uris", "", "allowed redirect URIs, space-separated")
	fl.BoolVar(&skip, "skip-authorization", false, "skip the user's authorization step (--skip-authorization=false to ask again)")
	fl.StringVar(&org, "organization", "", "move to this organization (id or name)")
	addWhatIfFlags(cmd, &opts.WhatIf, &opts.Confirm)
	_ = cmd.RegisterFlagCompletionFunc("client-type", cobra.FixedCompletions(clientTypes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func appUpdateRun(ctx context.Context, opts *AppUpdateOptions) error {
	req := awx.ApplicationRequest{Name: opts.Name, Description: opts.Description, ClientType: opts.ClientType,
		RedirectURIs: opts.RedirectURIs, SkipAuthorization: opts.SkipAuthorization}
	if req == (awx.ApplicationRequest{}) && opts.Organization == nil {
		fmt.Fprintln(opts.IO.ErrOut, "Warning: nothing to update; give at least one of --name, --description, --client-type, --redirect-uris, --skip-authorization, --organization.")
		return nil
	}
	if opts.Organization != nil {
		id, err := resolveOrganization(ctx, opts.Client, *opts.Organization)
		if err != nil {
			return err
		}
		req.Organization = &id
	}
	appID, err := resolveAppID(ctx, opts.Client, opts.App)
	if err != nil {
		return err
	}
	op, err := operation("Update Application", req)
	if err != nil {
		return err
	}
	if ok, err := shouldProcess(opts.IO, opts.WhatIf, opts.Confirm, op, fmt.Sprintf("Application [%d]", appID)); !ok {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	app, _, err := c.Applications.Update(ctx, appID, req)
	if err != nil {
		return err
	}
	if done, err := export(opts.IO.Out, opts.Output, app); done {
		return err
	}
	return writeApplicationTable(opts.IO.Out, []*awx.Application{app})
}

// resolveAppID is resolveApplication without the standard-input form.
func resolveAppID(ctx context.Context, client func() (*awx.Client, error), value string) (int64, error) {
	if id, ok := parseID(value); ok {
		return id, nil
	}
	c, err := client()
	if err != nil {
		return 0, err
	}
	app, _, err := c.Applications.GetByName(ctx, value)
	if err != nil {
		return 0, err
	}
	return app.ID, nil
}

// AppRemoveOptions are the inputs of `awxtoken app remove`.
type AppRemoveOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)

	Apps   []string // ids or names
	Force  bool
	WhatIf bool
}

// NewCmdAppRemove builds `awxtoken app remove ID|NAME...`.
func NewCmdAppRemove(f *Factory, runF func(*AppRemoveOptions) error) *cobra.Command {
	opts := &AppRemoveOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "remove ID|NAME... [--force]",
		Aliases: []string{"delete"},
		Short:   "Delete OAuth2 applications and their tokens (Remove-Application)",
		Long: `Delete applications: DELETE /api/v2/applications/{id}/. Their tokens stop
working at once. Asks first unless --force is given.`,
		Example: `  awxtoken app remove 2
  awxtoken app remove ci --force`,
		Args: minArgs(1, "application id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Apps = args
			if f.Global.Output != "" || f.Global.JQ != "" {
				return FlagErrorf("app remove prints nothing on standard output; -o and --jq do not apply")
			}
			if runF != nil {
				return runF(opts)
			}
			return appRemoveRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.WhatIf, "what-if", false, "show what would be removed and remove nothing")
	cmd.Flags().BoolVar(&opts.WhatIf, "dry-run", false, "same as --what-if")
	_ = cmd.Flags().MarkHidden("dry-run")
	return cmd
}

func appRemoveRun(ctx context.Context, opts *AppRemoveOptions) error {
	ids := make([]int64, 0, len(opts.Apps))
	for _, a := range opts.Apps {
		id, err := resolveAppID(ctx, opts.Client, a)
		if err != nil {
			return err
		}
		ids = append(ids, id)
	}
	return removeObjects(ctx, opts.IO, opts.Client, "Application", ids, opts.Force, opts.WhatIf,
		func(ctx context.Context, c *awx.Client, id int64) error {
			_, err := c.Applications.Delete(ctx, id)
			return err
		})
}
