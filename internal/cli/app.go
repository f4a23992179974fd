package cli

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// NewCmdApp builds `awxtoken app`, the OAuth2 application commands
// (AWX.psm's Get-/Find-/New-/Update-/Remove-Application).
func NewCmdApp(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "app <command>",
		Aliases: []string{"application"},
		Short:   "Manage OAuth2 applications",
		Long: `Manage the OAuth2 applications tokens can belong to:
/api/v2/applications/ and /api/v2/organizations/{id}/applications/.`,
		Example: `  awxtoken app find
  awxtoken app new --name "My App" --organization Default --client-type confidential --grant-type password
  awxtoken app get 2 -o json | awxtoken new --application -`,
		Args: noArgs,
	}
	cmd.AddCommand(NewCmdAppGet(f, nil), NewCmdAppFind(f, nil), NewCmdAppNew(f, nil),
		NewCmdAppUpdate(f, nil), NewCmdAppRemove(f, nil))
	return cmd
}

// Choices AWX accepts for an application.
var (
	clientTypes = []string{awx.ClientConfidential, awx.ClientPublic}
	grantTypes  = []string{awx.GrantAuthorizationCode, awx.GrantPassword}
)

// resolveOrganization turns an organization id or name into an id.
func resolveOrganization(ctx context.Context, client func() (*awx.Client, error), value string) (int64, error) {
	if id, ok := parseID(value); ok {
		return id, nil
	}
	c, err := client()
	if err != nil {
		return 0, err
	}
	o, _, err := c.Organizations.GetByName(ctx, value)
	if err != nil {
		return 0, err
	}
	return o.ID, nil
}

// AppGetOptions are the inputs of `awxtoken app get`.
type AppGetOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	Apps []string // ids or names
}

// NewCmdAppGet builds `awxtoken app get ID|NAME...`.
func NewCmdAppGet(f *Factory, runF func(*AppGetOptions) error) *cobra.Command {
	opts := &AppGetOptions{IO: f.IOStreams, Client: f.Client}
	return &cobra.Command{
		Use:   "get ID|NAME...",
		Short: "Show applications by id or name (Get-Application)",
		Long: `Show applications by id (GET /api/v2/applications/{id}/) or by name (which
must match exactly one). With -o json, one application prints the object and
several print an array; the object can be piped to 'awxtoken new --application -'.`,
		Example: `  awxtoken app get 2
  awxtoken app get "My App" -o json
  awxtoken app get 2 -o json | awxtoken new --application -`,
		Args: minArgs(1, "application id or name"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Apps = args
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return appGetRun(cmd.Context(), opts)
		},
	}
}

func appGetRun(ctx context.Context, opts *AppGetOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	apps := make([]*awx.Application, 0, len(opts.Apps))
	for _, a := range opts.Apps {
		var app *awx.Application
		if id, ok := parseID(a); ok {
			app, _, err = c.Applications.Get(ctx, id)
		} else {
			app, _, err = c.Applications.GetByName(ctx, a)
		}
		if err != nil {
			return err
		}
		apps = append(apps, app)
	}
	var v any = apps
	if len(apps) == 1 {
		v = apps[0]
	}
	if done, err := export(opts.IO.Out, opts.Output, v); done {
		return err
	}
	return writeApplicationTable(opts.IO.Out, apps)
}

// AppFindOptions are the inputs of `awxtoken app find`.
type AppFindOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions
	List   ListFlags

	Organization string // id or name
}

// NewCmdAppFind builds `awxtoken app find` (alias list).
func NewCmdAppFind(f *Factory, runF func(*AppFindOptions) error) *cobra.Command {
	opts := &AppFindOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "find [flags]",
		Aliases: []string{"list"},
		Short:   "List applications (Find-Application)",
		Long: `List the applications you may see: /api/v2/applications/, or one
organization's (/api/v2/organizations/{id}/applications/).`,
		Example: `  awxtoken app find
  awxtoken app find --organization Default --search ci -o json`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if err := opts.List.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return appFindRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Organization, "organization", "", "only this organization's applications (id or name)")
	addListFlags(cmd, &opts.List)
	return cmd
}

func appFindRun(ctx context.Context, opts *AppFindOptions) error {
	lo := &awx.ApplicationListOptions{ListOptions: opts.List.options()}
	if opts.Organization != "" {
		id, err := resolveOrganization(ctx, opts.Client, opts.Organization)
		if err != nil {
			return err
		}
		lo.Organization = id
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	apps, err := fetchList(ctx, opts.List.All, lo, c.Applications.List, c.Applications.All)
	if err != nil {
		return err
	}
	return writeList(opts.IO, opts.Output, apps, "applications", writeApplicationTable)
}
