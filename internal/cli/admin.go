package cli

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/open"
)

// NewCmdAdmin builds `awxtoken admin`: maintenance on the server's database
// directly, like awx-manage.
func NewCmdAdmin(f *Factory) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "admin <command>",
		Short: "Maintain the server's database (like awx-manage)",
		Args:  noArgs,
	}
	cmd.AddCommand(
		NewCmdAdminCreateSuperuser(f, nil),
		NewCmdAdminCreateToken(f, nil),
		NewCmdAdminRevokeTokens(f, nil),
		NewCmdAdminCleanupTokens(f, nil),
		NewCmdAdminMigrate(f, nil),
		NewCmdAdminImportAWX(f, nil),
	)
	return cmd
}

// CreateSuperuserOptions are the inputs of `awxtoken admin create-superuser`.
type CreateSuperuserOptions struct {
	IO       *IOStreams
	Database string
	Username string
	Email    string
}

// NewCmdAdminCreateSuperuser builds `awxtoken admin create-superuser`.
func NewCmdAdminCreateSuperuser(f *Factory, runF func(*CreateSuperuserOptions) error) *cobra.Command {
	opts := &CreateSuperuserOptions{IO: f.IOStreams}
	cmd := &cobra.Command{
		Use:   "create-superuser --database DSN --username U",
		Short: "Create a superuser (awx-manage createsuperuser)",
		Long: `Create a superuser in the server's database. The password is read with a
hidden prompt when standard input is a terminal, else from its first line.
It is an error if the user exists.`,
		Example: `  echo "$PASSWORD" | awxtoken admin create-superuser --database /var/lib/awxtoken/awxtoken.db --username admin`,
		Args:    noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			// --username is the global flag: the same name, the same meaning.
			opts.Username = f.Global.Username
			if err := databaseFlag(cmd, f, &opts.Database); err != nil {
				return err
			}
			if opts.Username == "" {
				return FlagErrorf("--username is required")
			}
			if runF != nil {
				return runF(opts)
			}
			return createSuperuserRun(cmd.Context(), opts)
		},
	}
	addDatabaseFlag(cmd, &opts.Database)
	cmd.Flags().StringVar(&opts.Email, "email", "", "email address")
	return cmd
}

func createSuperuserRun(ctx context.Context, opts *CreateSuperuserOptions) error {
	password, err := opts.IO.ReadSecret("Password: ")
	if errors.Is(err, errNoAnswer) || (err == nil && password == "") {
		return FlagErrorf("no password: type it at the prompt or give it on standard input")
	}
	if err != nil {
		return err
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	st, err := open.Open(ctx, opts.Database)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()
	u := &store.User{Username: opts.Username, Email: opts.Email, PasswordHash: hash, IsSuperuser: true, IsActive: true}
	if err := st.CreateUser(ctx, u); err != nil {
		if store.ErrorCode(err) == store.ECONFLICT {
			return fmt.Errorf("user %q already exists", opts.Username)
		}
		return fmt.Errorf("creating user %q: %w", opts.Username, err)
	}
	fmt.Fprintf(opts.IO.ErrOut, "Superuser %s created (id %d).\n", u.Username, u.ID)
	return nil
}
