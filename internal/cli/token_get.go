package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// GetOptions are the inputs of `awxtoken get` (Get-Token).
type GetOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions

	IDs []int64
}

// NewCmdGet builds `awxtoken get ID...`.
func NewCmdGet(f *Factory, runF func(*GetOptions) error) *cobra.Command {
	opts := &GetOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:   "get ID...",
		Short: "Show tokens by id (Get-Token)",
		Long: `Show one or more tokens by id. One id: GET /api/v2/tokens/{id}/ (a missing
token is an error); several: one request for all (id__in). The token value
itself is never shown: the server shows it only when it is created.

With -o json, one id prints the object and several print an array.`,
		Example: `  awxtoken get 5
  awxtoken get 5 6 7 -o json
  awxtoken get 5 --jq .expires`,
		Args: minArgs(1, "token id"),
		RunE: func(cmd *cobra.Command, args []string) error {
			ids, err := parseIDs(args, "token")
			if err != nil {
				return err
			}
			opts.IDs = ids
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return getRun(cmd.Context(), opts)
		},
	}
	return cmd
}

func getRun(ctx context.Context, opts *GetOptions) error {
	c, err := opts.Client()
	if err != nil {
		return err
	}
	if len(opts.IDs) == 1 {
		tok, _, err := c.Tokens.Get(ctx, opts.IDs[0])
		if err != nil {
			return err
		}
		if done, err := export(opts.IO.Out, opts.Output, tok); done {
			return err
		}
		return writeTokenTable(opts.IO.Out, []*awx.Token{tok})
	}
	toks, _, err := c.Tokens.GetMany(ctx, opts.IDs)
	if err != nil {
		return err
	}
	done, err := export(opts.IO.Out, opts.Output, toks)
	if err != nil {
		return err
	}
	if !done {
		if err := writeTokenTable(opts.IO.Out, toks); err != nil {
			return err
		}
	}
	return missingIDs("token", opts.IDs, toks, func(t *awx.Token) int64 { return t.ID })
}

// missingIDs reports the ids asked for that a list did not return, after
// the ones found were printed: like a single get, a missing one fails.
func missingIDs[T any](what string, want []int64, got []T, id func(T) int64) error {
	found := make(map[int64]bool, len(got))
	for _, g := range got {
		found[id(g)] = true
	}
	var missing []string
	for _, w := range want {
		if !found[w] {
			missing = append(missing, fmt.Sprint(w))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("no %s with id %s (or you may not see it)", what, strings.Join(missing, ", "))
}
