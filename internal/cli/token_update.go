package cli

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// UpdateOptions are the inputs of `awxtoken update` (Update-Token).
type UpdateOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	ID          int64
	Description *string // nil: unchanged
	Scope       *string // nil: unchanged
	WhatIf      bool
	Confirm     bool
}

// NewCmdUpdate builds `awxtoken update ID`.
func NewCmdUpdate(f *Factory, runF func(*UpdateOptions) error) *cobra.Command {
	opts := &UpdateOptions{IO: f.IOStreams, Client: f.Client}
	var description, scope string
	cmd := &cobra.Command{
		Use:   "update ID [--description TEXT] [--scope read|write]",
		Short: "Change a token's description or scope (Update-Token)",
		Long: `Change a token's description or scope: PATCH /api/v2/tokens/{id}/ with only
the fields given. With neither flag nothing is sent.`,
		Example: `  awxtoken update 5 --description "CI, read only" --scope read
  awxtoken update 5 --scope read --what-if`,
		Args: exactArgs(1, "token id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args, "token")
			if err != nil {
				return err
			}
			opts.ID = ids[0]
			if cmd.Flags().Changed("description") {
				opts.Description = &description
			}
			if cmd.Flags().Changed("scope") {
				if err := checkChoice("scope", scope, tokenScopes...); err != nil {
					return err
				}
				opts.Scope = &scope
			}
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return updateRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&description, "description", "", "new description (may be empty)")
	fl.StringVar(&scope, "scope", "", "new scope: read or write")
	addWhatIfFlags(cmd, &opts.WhatIf, &opts.Confirm)
	_ = cmd.RegisterFlagCompletionFunc("scope", cobra.FixedCompletions(tokenScopes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func updateRun(ctx context.Context, opts *UpdateOptions) error {
	if opts.Description == nil && opts.Scope == nil {
		// AWX.psm warns and sends nothing; not an error.
		fmt.Fprintln(opts.IO.ErrOut, "Warning: nothing to update; give --description or --scope.")
		return nil
	}
	req := awx.TokenUpdateRequest{Description: opts.Description, Scope: opts.Scope}
	op, err := operation("Update Token", req)
	if err != nil {
		return err
	}
	if ok, err := shouldProcess(opts.IO, opts.WhatIf, opts.Confirm, op, fmt.Sprintf("Token [%d]", opts.ID)); !ok {
		return err
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	tok, _, err := c.Tokens.Update(ctx, opts.ID, req)
	if err != nil {
		return err
	}
	if done, err := export(opts.IO.Out, opts.Output, tok); done {
		return err
	}
	return writeTokenTable(opts.IO.Out, []*awx.Token{tok})
}
