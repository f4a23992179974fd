package cli

import (
	"context"
	"io"
	"iter"
	"strings"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
)

// Token types of --type: AWX.psm's -TokenType Personal|Authorized|Both.
var tokenTypes = []string{"personal", "authorized", "both"}

// Page sizes: AWX.psm's default count, and AWX's MAX_PAGE_SIZE.
const (
	defaultPageSize = 20
	maxPageSize     = 200
)

// ListFlags are the paging and filtering flags every find command shares.
type ListFlags struct {
	Search   string
	Filters  []string
	OrderBy  string
	PageSize int
	Page     int
	All      bool
}

func addListFlags(cmd *cobra.Command, l *ListFlags) {
	fl := cmd.Flags()
	fl.StringVar(&l.Search, "search", "", "search text (AWX's search= parameter)")
	fl.StringArrayVar(&l.Filters, "filter", nil, "AWX filter `field[__lookup]=value`, repeatable (e.g. description__icontains=ci)")
	fl.StringVar(&l.OrderBy, "order-by", "", "order by fields, comma-separated; -field (or !field) descending")
	fl.IntVar(&l.PageSize, "page-size", defaultPageSize, "objects per page, at most 200")
	fl.IntVar(&l.Page, "page", 1, "page to show")
	fl.BoolVar(&l.All, "all", false, "follow the pages to the end")
}

// check validates the list flags before any request.
func (l *ListFlags) check() error {
	if l.PageSize < 1 || l.PageSize > maxPageSize {
		return FlagErrorf("invalid value %d for --page-size: it must be between 1 and %d", l.PageSize, maxPageSize)
	}
	if l.Page < 1 {
		return FlagErrorf("invalid value %d for --page: pages start at 1", l.Page)
	}
	if l.All && l.Page != 1 {
		return FlagErrorf("--all starts at the first page; leave out --page")
	}
	for _, f := range l.Filters {
		if k, _, ok := strings.Cut(f, "="); !ok || k == "" {
			return FlagErrorf("invalid --filter %q: expected field=value", f)
		}
	}
	return nil
}

// options converts the flags to the library's list options. AWX.psm writes
// a descending order as !field; AWX wants -field.
func (l *ListFlags) options() awx.ListOptions {
	var order []string
	for _, o := range strings.Split(l.OrderBy, ",") {
		o = strings.TrimSpace(o)
		if o == "" {
			continue
		}
		if strings.HasPrefix(o, "!") {
			o = "-" + o[1:]
		}
		order = append(order, o)
	}
	return awx.ListOptions{Page: l.Page, PageSize: l.PageSize, Search: l.Search,
		OrderBy: strings.Join(order, ","), Filters: l.Filters}
}

// FindOptions are the inputs of `awxtoken find` (Find-Token).
type FindOptions struct {
	IO     *IOStreams
	Client func() (*awx.Client, error)
	Output OutputOptions
	List   ListFlags

	Application string // id or name
	User        string // id or username
	Type        string // personal | authorized | both
}

// NewCmdFind builds `awxtoken find` (alias list).
func NewCmdFind(f *Factory, runF func(*FindOptions) error) *cobra.Command {
	opts := &FindOptions{IO: f.IOStreams, Client: f.Client}
	cmd := &cobra.Command{
		Use:     "find [flags]",
		Aliases: []string{"list"},
		Short:   "List tokens (Find-Token)",
		Long: `List the tokens you may see: GET /api/v2/tokens/, or the tokens of one
application (/api/v2/applications/{id}/tokens/) or one user
(/api/v2/users/{id}/tokens/). Token values are never shown.

With -o json the output is one JSON array.`,
		Example: `  awxtoken find
  awxtoken find --type personal --order-by -created
  awxtoken find --application 2 --all -o json
  awxtoken find --filter description__icontains=ci --jq '.[].id'`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Output = f.Output()
			if err := opts.Output.check(FormatTable, FormatJSON, FormatYAML); err != nil {
				return err
			}
			if err := opts.List.check(); err != nil {
				return err
			}
			if opts.Type != "" {
				if err := checkChoice("type", strings.ToLower(opts.Type), tokenTypes...); err != nil {
					return err
				}
				opts.Type = strings.ToLower(opts.Type)
			}
			if opts.Application != "" && opts.User != "" {
				return FlagErrorf("give --application or --user, not both")
			}
			if runF != nil {
				return runF(opts)
			}
			return findRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVarP(&opts.Application, "application", "a", "", "only the tokens of this application (id or name)")
	fl.StringVar(&opts.User, "user", "", "only the tokens of this user (id or username)")
	fl.StringVar(&opts.Type, "type", "", "personal, authorized (application tokens) or both")
	addListFlags(cmd, &opts.List)
	_ = cmd.RegisterFlagCompletionFunc("type", cobra.FixedCompletions(tokenTypes, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

func findRun(ctx context.Context, opts *FindOptions) error {
	lo := &awx.TokenListOptions{ListOptions: opts.List.options(), Type: opts.Type}
	if opts.Application != "" {
		id, err := resolveApplication(ctx, opts.IO, opts.Client, opts.Application)
		if err != nil {
			return err
		}
		lo.Application = id
	}
	if opts.User != "" {
		id, err := resolveUser(ctx, opts.Client, opts.User)
		if err != nil {
			return err
		}
		lo.User = id
	}
	c, err := opts.Client()
	if err != nil {
		return err
	}
	toks, err := fetchList(ctx, opts.List.All, lo, c.Tokens.List, c.Tokens.All)
	if err != nil {
		return err
	}
	return writeList(opts.IO, opts.Output, toks, "tokens", writeTokenTable)
}

// fetchList reads one page with list, or with all every page (--all).
func fetchList[T, O any](ctx context.Context, every bool, opts O,
	list func(context.Context, O) ([]T, *awx.Response, error),
	all func(context.Context, O) iter.Seq2[T, error]) ([]T, error) {
	if !every {
		items, _, err := list(ctx, opts)
		return items, err
	}
	var items []T
	for v, err := range all(ctx, opts) {
		if err != nil {
			return nil, err
		}
		items = append(items, v)
	}
	return items, nil
}

// writeList prints a list: one JSON array (never null) or a table.
func writeList[T any](ios *IOStreams, o OutputOptions, items []T, what string, tableF func(w io.Writer, items []T) error) error {
	if items == nil {
		items = []T{}
	}
	if done, err := export(ios.Out, o, items); done {
		return err
	}
	if len(items) == 0 {
		ios.ErrOut.Write([]byte("No " + what + " found.\n"))
		return nil
	}
	return tableF(ios.Out, items)
}
