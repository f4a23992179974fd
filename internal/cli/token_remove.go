package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// RemoveOptions are the inputs of `awxtoken remove` (Remove-Token).
type RemoveOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)

	IDs    []int64
	Force  bool
	WhatIf bool
}

// NewCmdRemove builds `awxtoken remove ID...` (alias revoke).
func NewCmdRemove(f *Factory, runF func(*RemoveOptions) error) *cobra.Command {
	opts := &RemoveOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "remove ID... [--force]",
		Aliases: []string{"revoke"},
		Short:   "Revoke tokens (Remove-Token)",
		Long: `Revoke tokens: DELETE /api/v2/tokens/{id}/ for each id. A revoked token stops
working at once; its refresh token is revoked too.

Asks first (answer y or yes on standard input, a terminal or a pipe) unless
--force is given.`,
		Example: `  awxtoken remove 5
  awxtoken revoke 5 6 --force
  echo y | awxtoken remove 5`,
		Args: minArgs(1, "token id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args, "token")
			if err != nil {
				return err
			}
			opts.IDs = ids
			if f.Global.Output != "" || f.Global.JQ != "" {
				return FlagErrorf("remove prints nothing on standard output; -o and --jq do not apply")
			}
			if runF != nil {
				return runF(opts)
			}
			return removeRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVarP(&opts.Force, "force", "f", false, "do not ask for confirmation")
	cmd.Flags().BoolVar(&opts.WhatIf, "what-if", false, "show what would be removed and remove nothing")
	cmd.Flags().BoolVar(&opts.WhatIf, "dry-run", false, "same as --what-if")
	_ = cmd.Flags().MarkHidden("dry-run")
	return cmd
}

func removeRun(ctx context.Context, opts *RemoveOptions) error {
	return removeObjects(ctx, opts.IO, opts.Client, "Token", opts.IDs, opts.Force, opts.WhatIf,
		func(ctx context.Context, c *awx.Client, id int64) error {
			_, err := c.Tokens.Delete(ctx, id)
			return err
		})
}

// removeObjects is the shared body of the remove commands: what-if, one
// question for all ids unless forced, then one DELETE per id. It stops at the
// first failure so the error names the id it failed on.
func removeObjects(ctx context.Context, ios *IOStreams, client func() (*awx.Client, error), kind string,
	ids []int64, force, whatIf bool, del func(context.Context, *awx.Client, int64) error) error {
	targets := make([]string, len(ids))
	for i, id := range ids {
		targets[i] = fmt.Sprintf("%s [%d]", kind, id)
	}
	op := "Remove " + kind
	if whatIf {
		for _, t := range targets {
			writeWhatIf(ios.Out, op, t)
		}
		return nil
	}
	if !force {
		ok, err := ios.Confirm(fmt.Sprintf("%s on target \"%s\"?", op, strings.Join(targets, ", ")))
		if errors.Is(err, errNoAnswer) {
			if ios.CanPrompt() {
				return CancelError // end of input typed at the terminal
			}
			return FlagErrorf("cannot ask for confirmation: standard input is not a terminal and gave no answer; use --force")
		}
		if err != nil {
			return err
		}
		if !ok {
			return CancelError
		}
	}
	c, err := client()
	if err != nil {
		return err
	}
	for i, id := range ids {
		if err := del(ctx, c, id); err != nil {
			if i > 0 {
				return fmt.Errorf("removed %s; then: %w", strings.Join(targets[:i], ", "), err)
			}
			return err
		}
		fmt.Fprintf(ios.ErrOut, "Removed %s.\n", targets[i])
	}
	return nil
}
