package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/spf13/cobra"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/secret"
	"github.com/awxtoken/awxtoken/internal/server"
	"github.com/awxtoken/awxtoken/internal/store"
	"github.com/awxtoken/awxtoken/internal/store/open"
)

// Environment variables of the server, matching its flags.
const (
	envAccessExpire  = "AWXTOKEN_ACCESS_TOKEN_EXPIRE_SECONDS"
	envRefreshExpire = "AWXTOKEN_REFRESH_TOKEN_EXPIRE_SECONDS"
	envAdminUsername = "AWXTOKEN_ADMIN_USERNAME"
	envAdminPassword = "AWXTOKEN_ADMIN_PASSWORD"
	envListen        = "AWXTOKEN_LISTEN"
	envDatabase      = "AWXTOKEN_DATABASE"
)

const defaultListen = "127.0.0.1:8052"

// shutdownGrace bounds how long in-flight requests may take at shutdown.
const shutdownGrace = 30 * time.Second

// ServerOptions are the inputs of `awxtoken server`.
type ServerOptions struct {
	IO     *IOStreams
	Getenv func(string) string

	Listen   string
	Database string
	// Token lifetimes in seconds: AWX's default access lifetime (about
	// 1000 years) does not fit a time.Duration.
	AccessExpireSeconds  int64
	RefreshExpireSeconds int64
	LogFormat            string
	Dev                  bool
}

// NewCmdServer builds `awxtoken server`: wiring only; the API is internal/server.
func NewCmdServer(f *Factory, runF func(*ServerOptions) error) *cobra.Command {
	opts := &ServerOptions{IO: f.IOStreams, Getenv: f.Getenv}
	var accessSeconds, refreshSeconds int64
	cmd := &cobra.Command{
		Use:   "server [--listen HOST:PORT] (--database DSN | --dev)",
		Short: "Run an AWX-compatible token server",
		Long: `Run an AWX-compatible OAuth2 token server: /api/v2/ (users, organizations,
applications, tokens) and /api/o/ (password and refresh grants, revocation).

DSN is a file path or sqlite:PATH (embedded SQLite). The server is ready when
GET /api/v2/ping/ answers. SIGINT or SIGTERM: in-flight requests finish, the
store is closed, and the server exits 0.

AWXTOKEN_ADMIN_USERNAME and AWXTOKEN_ADMIN_PASSWORD create that superuser at
start unless a user of that name exists (an existing user is never changed).

--dev runs a throwaway server: a SQLite file in a temporary directory
(removed on exit), a superuser "admin" with a random password (or the
AWXTOKEN_ADMIN_* user when set), a personal access token for it, and the
lines to point the client at it.

Every flag has an environment variable: AWXTOKEN_LISTEN, AWXTOKEN_DATABASE,
AWXTOKEN_ACCESS_TOKEN_EXPIRE_SECONDS, AWXTOKEN_REFRESH_TOKEN_EXPIRE_SECONDS.`,
		Example: `  # Try it: a throwaway server, then create a token through the client
  awxtoken server --dev
  export CONTROLLER_HOST=http://127.0.0.1:8052 CONTROLLER_OAUTH_TOKEN=...   # as printed
  awxtoken new --for-me -o token

  # A lasting server
  AWXTOKEN_ADMIN_USERNAME=admin AWXTOKEN_ADMIN_PASSWORD=... \
      awxtoken server --listen 0.0.0.0:8052 --database /var/lib/awxtoken/awxtoken.db`,
		Args: noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			getenv := f.Getenv
			if !fl.Changed("listen") {
				if v := getenv(envListen); v != "" {
					opts.Listen = v
				}
			}
			if !fl.Changed("database") {
				if v := getenv(envDatabase); v != "" && !opts.Dev {
					opts.Database = v
				}
			}
			var err error
			if opts.AccessExpireSeconds, err = secondsSetting(fl.Changed("access-token-expire-seconds"), accessSeconds, getenv, envAccessExpire, "access-token-expire-seconds"); err != nil {
				return err
			}
			if opts.RefreshExpireSeconds, err = secondsSetting(fl.Changed("refresh-token-expire-seconds"), refreshSeconds, getenv, envRefreshExpire, "refresh-token-expire-seconds"); err != nil {
				return err
			}
			if err := checkChoice("log-format", opts.LogFormat, "text", "json"); err != nil {
				return err
			}
			switch {
			case opts.Dev && fl.Changed("database"):
				return FlagErrorf("--dev uses a throwaway database; leave out --database")
			case !opts.Dev && opts.Database == "":
				return FlagErrorf("give --database DSN (a SQLite file path), or --dev for a throwaway server")
			}
			if runF != nil {
				return runF(opts)
			}
			return serverRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", defaultListen, "address to listen on, HOST:PORT")
	fl.StringVar(&opts.Database, "database", "", "database: a SQLite file path or sqlite:PATH")
	fl.Int64Var(&accessSeconds, "access-token-expire-seconds", server.DefaultAccessTokenExpireSeconds, "lifetime of access tokens")
	fl.Int64Var(&refreshSeconds, "refresh-token-expire-seconds", server.DefaultRefreshTokenExpireSeconds, "lifetime of refresh tokens")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log format on standard error: text or json")
	fl.BoolVar(&opts.Dev, "dev", false, "run a throwaway development server")
	_ = cmd.RegisterFlagCompletionFunc("log-format", cobra.FixedCompletions([]string{"text", "json"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// secondsSetting is a flag in seconds, else its environment variable, else
// the flag's default.
func secondsSetting(changed bool, flagValue int64, getenv func(string) string, env, flag string) (int64, error) {
	v := flagValue
	if !changed {
		if s := getenv(env); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil {
				return 0, FlagErrorf("%s=%q: expected a whole number of seconds", env, s)
			}
			v = n
		}
	}
	if v <= 0 {
		return 0, FlagErrorf("invalid value %d for --%s: it must be a positive number of seconds", v, flag)
	}
	return v, nil
}

func serverRun(ctx context.Context, opts *ServerOptions) error {
	logger := newLogger(opts.IO, opts.LogFormat)

	dsn := opts.Database
	if opts.Dev {
		dir, err := os.MkdirTemp("", "awxtoken-dev-")
		if err != nil {
			return fmt.Errorf("dev server: %w", err)
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "awxtoken.db")
	}
	st, err := open.Open(ctx, dsn)
	if err != nil {
		return fmt.Errorf("opening the database: %w", err)
	}
	defer st.Close()

	adminUser, adminPass := opts.Getenv(envAdminUsername), opts.Getenv(envAdminPassword)
	if opts.Dev && adminUser == "" && adminPass == "" {
		adminUser, adminPass = "admin", secret.NewToken()
	}
	if err := ensureAdmin(ctx, st, logger, adminUser, adminPass); err != nil {
		return err
	}

	srv := server.New(server.Config{
		Store:                     st,
		Logger:                    logger,
		AccessTokenExpireSeconds:  opts.AccessExpireSeconds,
		RefreshTokenExpireSeconds: opts.RefreshExpireSeconds,
	})
	defer srv.Close()

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return err
	}
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	url := "http://" + clientAddr(ln.Addr())
	logger.Info("awxtoken server listening", "url", url, "version", Version)

	if opts.Dev {
		if err := printDevBlock(ctx, opts.IO, url, adminUser, adminPass, dsn); err != nil {
			hs.Close()
			return err
		}
	}

	select {
	case err := <-serveErr:
		return fmt.Errorf("serving: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		logger.Warn("shutdown: requests still running were cut", "err", err)
	}
	if err := srv.Close(); err != nil {
		logger.Warn("shutdown: recording token use failed", "err", err)
	}
	logger.Info("stopped")
	return nil
}

func newLogger(ios *IOStreams, format string) *slog.Logger {
	if format == "json" {
		return slog.New(slog.NewJSONHandler(ios.ErrOut, nil))
	}
	return slog.New(slog.NewTextHandler(ios.ErrOut, nil))
}

// ensureAdmin creates the bootstrap superuser unless that username exists.
func ensureAdmin(ctx context.Context, st store.Store, logger *slog.Logger, username, password string) error {
	switch {
	case username == "" && password == "":
		return nil
	case username == "" || password == "":
		return FlagErrorf("set both %s and %s, or neither", envAdminUsername, envAdminPassword)
	}
	hash, err := secret.HashPassword(password)
	if err != nil {
		return err
	}
	created, err := st.EnsureUser(ctx, &store.User{Username: username, PasswordHash: hash, IsSuperuser: true, IsActive: true})
	if err != nil {
		return fmt.Errorf("creating superuser %q: %w", username, err)
	}
	if created {
		logger.Info("created superuser", "username", username)
	} else {
		logger.Info("superuser bootstrap: user exists, left unchanged", "username", username)
	}
	return nil
}

// clientAddr is where a client on this machine reaches addr: a wildcard
// listen address (0.0.0.0, ::) becomes loopback.
func clientAddr(addr net.Addr) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok {
		return addr.String()
	}
	ip := tcp.IP
	if ip == nil || ip.IsUnspecified() {
		ip = net.IPv4(127, 0, 0, 1)
	}
	return net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
}

// printDevBlock makes the dev superuser a personal access token, through the
// API as any client would, and prints how to use the server (like
// `vault server -dev`). The secrets go to standard output on purpose: this
// server and everything in it disappear when it stops.
func printDevBlock(ctx context.Context, ios *IOStreams, url, username, password, dsn string) error {
	c, err := awx.NewClient(url, awx.WithBasicAuth(username, password), awx.WithTimeout(30*time.Second))
	if err != nil {
		return err
	}
	desc := "awxtoken server --dev"
	tok, _, err := c.Tokens.CreatePersonal(ctx, username, awx.TokenCreateRequest{Description: &desc, Scope: defaultScope})
	if err != nil {
		return fmt.Errorf("dev server: creating the superuser's token: %w", err)
	}
	// Like a fresh AWX install, the dev server has an organization named
	// Default, so applications can be made at once.
	orgName := "Default"
	if _, _, err := c.Organizations.Create(ctx, awx.OrganizationRequest{Name: &orgName}); err != nil && !errors.Is(err, awx.ErrBadRequest) {
		return fmt.Errorf("dev server: creating the Default organization: %w", err)
	}
	if errors.Is(ctx.Err(), context.Canceled) {
		return nil
	}
	fmt.Fprintf(ios.Out, `WARNING: dev mode. The database %s is deleted when the server stops;
do not keep real tokens here.

The server is at %s. Point the client at it with:

    export CONTROLLER_HOST=%s
    export CONTROLLER_USERNAME=%s
    export CONTROLLER_PASSWORD=%s
    export CONTROLLER_OAUTH_TOKEN=%s

Then, for example:

    awxtoken new --for-me --scope write --description "my first token"
    awxtoken app new --name my-app --organization Default --client-type confidential --grant-type password
    awxtoken find

`, dsn, url, url, shellQuote(username), shellQuote(password), shellQuote(tok.Token))
	return nil
}
