package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/awximport"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/open"
)

// The awx-manage equivalents (spec section 3): they work on the database
// directly, so they run where the server's database is reachable, with or
// without a server running. With PostgreSQL, running replicas learn of
// deleted tokens through the store's invalidation feed.

const databaseHelp = "database: a SQLite file path, sqlite:PATH, or postgres://... (default $" + envDatabase + ")"

// addDatabaseFlag binds --database, which every admin command takes.
func addDatabaseFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "database", "", databaseHelp)
}

// databaseFlag fills *dst from AWXTOKEN_DATABASE when --database was not
// given, and requires one of them.
func databaseFlag(cmd *cobra.Command, f *Factory, dst *string) error {
	if !cmd.Flags().Changed("database") {
		*dst = f.Getenv(envDatabase)
	}
	if *dst == "" {
		return FlagErrorf("--database is required (or set %s)", envDatabase)
	}
	return nil
}

// openAdminStore opens the store; the DSN may hold a password, and open's
// errors never repeat it.
func openAdminStore(ctx context.Context, dsn string) (store.Store, error) {
	st, err := open.Open(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("opening the database: %w", err)
	}
	return st, nil
}

// CreateTokenOptions are the inputs of `awxtoken admin create-token`.
type CreateTokenOptions struct {
	IO                  *IOStreams
	Database            string
	User                string
	Scope               string
	Description         string
	AccessExpireSeconds int64
	Now                 func() time.Time
}

// NewCmdAdminCreateToken builds `awxtoken admin create-token`
// (awx-manage create_oauth2_token).
func NewCmdAdminCreateToken(f *Factory, runF func(*CreateTokenOptions) error) *cobra.Command {
	opts := &CreateTokenOptions{IO: f.IOStreams, Now: time.Now}
	var expire int64
	cmd := &cobra.Command{
		Use:   "create-token --database DSN --user USERNAME",
		Short: "Create a personal access token for a user (awx-manage create_oauth2_token)",
		Long: `Create a personal access token for a user directly in the database and
print it, once, on standard output. Nothing else can show it again: only its
digest is stored.`,
		Example: `  TOKEN=$(awxtoken admin create-token --database /var/lib/awxtoken/awxtoken.db --user admin)`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			if err := checkChoice("scope", opts.Scope, "read", "write"); err != nil {
				return err
			}
			var err error
			if opts.AccessExpireSeconds, err = secondsSetting(cmd.Flags().Changed("access-token-expire-seconds"), expire, f.Getenv, envAccessExpire, "access-token-expire-seconds"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return createTokenRun(cmd.Context(), opts)
		},
	}
	addDatabaseFlag(cmd, &opts.Database)
	cmd.Flags().StringVar(&opts.User, "user", "", "username of the token's owner")
	cmd.Flags().StringVar(&opts.Scope, "scope", defaultScope, "scope of the token: read or write")
	cmd.Flags().StringVar(&opts.Description, "description", "", "description of the token")
	cmd.Flags().Int64Var(&expire, "access-token-expire-seconds", server.DefaultAccessTokenExpireSeconds, "lifetime of the token (default $"+envAccessExpire+" or AWX's)")
	return cmd
}

func createTokenRun(ctx context.Context, opts *CreateTokenOptions) error {
	// AWX's messages, word for word.
	if opts.User == "" {
		return errors.New("Username not supplied.")
	}
	st, err := openAdminStore(ctx, opts.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	u, err := st.UserByUsername(ctx, opts.User)
	if store.ErrorCode(err) == store.ENOTFOUND {
		return errors.New("The user does not exist.")
	}
	if err != nil {
		return fmt.Errorf("looking up user %q: %w", opts.User, err)
	}
	now := opts.Now().UTC()
	clear := secret.NewToken()
	t := &store.AccessToken{
		UserID:      u.ID,
		Digest:      secret.Digest(clear),
		Expires:     now.AddDate(0, 0, int(opts.AccessExpireSeconds/86400)).Add(time.Duration(opts.AccessExpireSeconds%86400) * time.Second),
		Scope:       opts.Scope,
		Description: opts.Description,
	}
	// The entry has no actor: like awx-manage, nobody logged in made it.
	actx := store.WithActivity(ctx, func() *store.Activity {
		changes, _ := json.Marshal(map[string]any{
			"id": t.ID, "user": t.UserID, "token": awx.Censored, "application": nil,
			"expires": awx.NewTime(t.Expires), "scope": t.Scope, "description": t.Description,
		})
		return &store.Activity{Operation: "create", ObjectType: awx.TypeToken, ObjectID: t.ID, Changes: changes}
	})
	if err := st.CreateAccessToken(actx, t, nil); err != nil {
		return fmt.Errorf("creating the token: %w", err)
	}
	fmt.Fprintln(opts.IO.Out, clear)
	return nil
}

// RevokeTokensOptions are the inputs of `awxtoken admin revoke-tokens`.
type RevokeTokensOptions struct {
	IO       *IOStreams
	Database string
	User     string
	All      bool
}

// NewCmdAdminRevokeTokens builds `awxtoken admin revoke-tokens`
// (awx-manage revoke_oauth2_tokens).
func NewCmdAdminRevokeTokens(f *Factory, runF func(*RevokeTokensOptions) error) *cobra.Command {
	opts := &RevokeTokensOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "revoke-tokens --database DSN [--user USERNAME] [--all]",
		Short: "Delete access tokens (awx-manage revoke_oauth2_tokens)",
		Long: `Delete the access tokens of one user, or of every user when --user is not
given, as awx-manage revoke_oauth2_tokens does. With --all their refresh
tokens are revoked too, so nothing can mint a replacement.`,
		Example: `  awxtoken admin revoke-tokens --database /var/lib/awxtoken/awxtoken.db --user alice --all`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			if cmd.Flags().Changed("user") && opts.User == "" {
				return FlagErrorf("--user needs a username")
			}
			if runF != nil {
				return runF(opts)
			}
			return revokeTokensRun(cmd.Context(), opts)
		},
	}
	addDatabaseFlag(cmd, &opts.Database)
	cmd.Flags().StringVar(&opts.User, "user", "", "only this user's tokens (default: every user's)")
	cmd.Flags().BoolVar(&opts.All, "all", false, "also revoke the refresh tokens")
	return cmd
}

func revokeTokensRun(ctx context.Context, opts *RevokeTokensOptions) error {
	st, err := openAdminStore(ctx, opts.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	var userID *int64
	if opts.User != "" {
		u, err := st.UserByUsername(ctx, opts.User)
		if store.ErrorCode(err) == store.ENOTFOUND {
			return errors.New("The user does not exist.")
		}
		if err != nil {
			return fmt.Errorf("looking up user %q: %w", opts.User, err)
		}
		userID = &u.ID
	}
	n, err := st.DeleteUserTokens(ctx, userID, opts.All)
	if err != nil {
		return fmt.Errorf("revoking tokens: %w", err)
	}
	fmt.Fprintf(opts.IO.Out, "Deleted %d access %s.\n", n, plural(n, "token", "tokens"))
	if opts.All {
		fmt.Fprintln(opts.IO.Out, "Revoked their refresh tokens.")
	}
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// CleanupTokensOptions are the inputs of `awxtoken admin cleanup-tokens`.
type CleanupTokensOptions struct {
	IO                   *IOStreams
	Database             string
	RefreshExpireSeconds int64
	Now                  func() time.Time
}

// NewCmdAdminCleanupTokens builds `awxtoken admin cleanup-tokens`
// (awx-manage cleanup_tokens).
func NewCmdAdminCleanupTokens(f *Factory, runF func(*CleanupTokensOptions) error) *cobra.Command {
	opts := &CleanupTokensOptions{IO: f.IOStreams, Now: time.Now}
	var refresh int64
	cmd := &cobra.Command{
		Use:   "cleanup-tokens --database DSN",
		Short: "Delete expired tokens (awx-manage cleanup_tokens)",
		Long: `Delete expired access tokens, and refresh tokens created or revoked longer
ago than the refresh token lifetime (they can no longer be redeemed). The
server does the same every --cleanup-interval; this runs it once.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			var err error
			if opts.RefreshExpireSeconds, err = secondsSetting(cmd.Flags().Changed("refresh-token-expire-seconds"), refresh, f.Getenv, envRefreshExpire, "refresh-token-expire-seconds"); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return cleanupTokensRun(cmd.Context(), opts)
		},
	}
	addDatabaseFlag(cmd, &opts.Database)
	cmd.Flags().Int64Var(&refresh, "refresh-token-expire-seconds", server.DefaultRefreshTokenExpireSeconds, "refresh token lifetime, as the server's (default $"+envRefreshExpire+" or AWX's)")
	return cmd
}

func cleanupTokensRun(ctx context.Context, opts *CleanupTokensOptions) error {
	st, err := openAdminStore(ctx, opts.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	const maxSecs = int64(1<<63-1) / int64(time.Second)
	maxAge := time.Duration(min(opts.RefreshExpireSeconds, maxSecs)) * time.Second
	access, refresh, err := st.DeleteExpiredTokens(ctx, opts.Now().UTC(), maxAge)
	if err != nil {
		return fmt.Errorf("cleaning up tokens: %w", err)
	}
	fmt.Fprintf(opts.IO.Out, "Deleted %d expired access %s and %d refresh %s.\n",
		access, plural(access, "token", "tokens"), refresh, plural(refresh, "token", "tokens"))
	return nil
}

// MigrateOptions are the inputs of `awxtoken admin migrate`.
type MigrateOptions struct {
	IO       *IOStreams
	Database string
}

// NewCmdAdminMigrate builds `awxtoken admin migrate` (awx-manage migrate).
func NewCmdAdminMigrate(f *Factory, runF func(*MigrateOptions) error) *cobra.Command {
	opts := &MigrateOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "migrate --database DSN",
		Short: "Bring the database schema up to date (awx-manage migrate)",
		Long: `Apply the schema migrations the database lacks and list them. The server
also migrates at start; run this first to upgrade a PostgreSQL database shared
by several replicas before restarting them.`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			if runF != nil {
				return runF(opts)
			}
			return migrateRun(cmd.Context(), opts)
		},
	}
	addDatabaseFlag(cmd, &opts.Database)
	return cmd
}

func migrateRun(ctx context.Context, opts *MigrateOptions) error {
	applied, err := open.Migrate(ctx, opts.Database)
	if err != nil {
		return fmt.Errorf("migrating: %w", err)
	}
	if len(applied) == 0 {
		fmt.Fprintln(opts.IO.Out, "No migrations to apply: the schema is current.")
		return nil
	}
	for _, m := range applied {
		fmt.Fprintf(opts.IO.Out, "Applied %s\n", m)
	}
	return nil
}

// ImportAWXOptions are the inputs of `awxtoken admin import-awx`.
type ImportAWXOptions struct {
	IO            *IOStreams
	From          string
	Database      string
	SecretKeyFile string
}

// NewCmdAdminImportAWX builds `awxtoken admin import-awx`.
func NewCmdAdminImportAWX(f *Factory, runF func(*ImportAWXOptions) error) *cobra.Command {
	opts := &ImportAWXOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "import-awx --from AWX_DSN --database DSN [--awx-secret-key-file PATH]",
		Short: "Copy users, organizations, applications and tokens from an AWX database",
		Long: `Copy users (with their password hashes), organizations and their roles,
OAuth2 applications, and unexpired access and refresh tokens from an AWX
PostgreSQL database. Tokens are stored as digests and keep working. Rows
already present are skipped, so the import can run again.

AWX encrypts client secrets with its SECRET_KEY: give the file
(/etc/tower/SECRET_KEY) to carry them over; without it confidential
applications come over with a secret nobody knows, and the report says so.`,
		Example: `  awxtoken admin import-awx --from 'postgres://awx:...@awx-db:5432/awx' \
      --database /var/lib/awxtoken/awxtoken.db --awx-secret-key-file /etc/tower/SECRET_KEY`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			if opts.From == "" {
				return FlagErrorf("--from is required: the AWX database, postgres://...")
			}
			if !open.IsPostgres(opts.From) {
				return FlagErrorf("--from must be a PostgreSQL DSN, postgres://... (AWX runs on PostgreSQL)")
			}
			if runF != nil {
				return runF(opts)
			}
			return importAWXRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.From, "from", "", "the AWX database, postgres://...")
	addDatabaseFlag(cmd, &opts.Database)
	cmd.Flags().StringVar(&opts.SecretKeyFile, "awx-secret-key-file", "", "AWX's SECRET_KEY file, to carry client secrets over")
	return cmd
}

func importAWXRun(ctx context.Context, opts *ImportAWXOptions) error {
	var io awximport.Options
	if opts.SecretKeyFile != "" {
		b, err := os.ReadFile(opts.SecretKeyFile)
		if err != nil {
			return fmt.Errorf("reading --awx-secret-key-file: %w", err)
		}
		io.SecretKey = strings.TrimSpace(string(b))
	}
	st, err := openAdminStore(ctx, opts.Database)
	if err != nil {
		return err
	}
	defer st.Close()
	rep, err := awximport.ImportDSN(ctx, opts.From, st, io)
	printImportReport(opts.IO, rep)
	if err != nil {
		return err
	}
	return nil
}

func printImportReport(ios *IOStreams, rep awximport.Report) {
	row := func(name string, c awximport.Counts) {
		fmt.Fprintf(ios.Out, "%-15s %d imported, %d already present\n", name+":", c.Created, c.Skipped)
	}
	row("users", rep.Users)
	row("organizations", rep.Organizations)
	fmt.Fprintf(ios.Out, "%-15s %d applied\n", "role grants:", rep.RoleGrants)
	row("applications", rep.Applications)
	row("tokens", rep.Tokens)
	row("refresh tokens", rep.RefreshTokens)
	fmt.Fprintf(ios.Out, "%-15s %d not imported\n", "expired tokens:", rep.ExpiredTokens)
	for _, w := range rep.Warnings {
		fmt.Fprintf(ios.ErrOut, "warning: %s\n", w)
	}
}
