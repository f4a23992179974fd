package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

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

	envLogFormat          = "AWXTOKEN_LOG_FORMAT"
	envLogLevel           = "AWXTOKEN_LOG_LEVEL"
	envMetricsListen      = "AWXTOKEN_METRICS_LISTEN"
	envCleanupInterval    = "AWXTOKEN_CLEANUP_INTERVAL"
	envProductVersion     = "AWXTOKEN_PRODUCT_VERSION"
	envThrottlePerUser    = "AWXTOKEN_LOGIN_THROTTLE_PER_USER"
	envThrottlePerAddress = "AWXTOKEN_LOGIN_THROTTLE_PER_ADDRESS"
	envThrottleWindow     = "AWXTOKEN_LOGIN_THROTTLE_WINDOW"
	envTrustedProxies     = "AWXTOKEN_TRUSTED_PROXIES"
	envDBMaxConns         = "AWXTOKEN_DB_MAX_CONNS"
	envDBMinConns         = "AWXTOKEN_DB_MIN_CONNS"
	envDBMaxConnLifetime  = "AWXTOKEN_DB_MAX_CONN_LIFETIME"
	envDBMaxConnIdleTime  = "AWXTOKEN_DB_MAX_CONN_IDLE_TIME"
)

// Defaults of the operational settings (docs/operations.md).
const (
	defaultCleanupInterval    = time.Hour
	defaultThrottlePerUser    = 10
	defaultThrottlePerAddress = 100
	defaultThrottleWindow     = 5 * time.Minute
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
	// PprofListen, when set, serves Go's profiles (at net/http/pprof's
	// paths) on this separate address, never on the API listener, for
	// profiling under load (go run ./bench --profile).
	PprofListen string
	LogLevel    string
	// MetricsListen, when set, serves Prometheus metrics at /metrics on
	// this separate address (off by default).
	MetricsListen string
	// CleanupInterval: how often expired tokens are deleted; 0 never.
	CleanupInterval time.Duration
	ProductVersion  string
	// Throttle limits failed logins (spec D.8); a zero window disables it.
	Throttle server.ThrottleConfig
	// Pool sizes the PostgreSQL connection pool (ignored for SQLite).
	Pool open.Options
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

DSN may also be postgres://... or postgresql://... : any number of servers
may share one PostgreSQL database (docs/postgresql.md).

Every flag but --dev and --pprof has an environment variable: the flag's
name in capitals with AWXTOKEN_ in front (--db-max-conns:
AWXTOKEN_DB_MAX_CONNS). A flag given wins over its variable. See
docs/operations.md for logs, metrics, cleanup and the login throttle.`,
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
			if err := serverSettings(fl, getenv, opts); err != nil {
				return err
			}
			switch {
			case opts.Dev && fl.Changed("database"):
				return FlagErrorf("--dev uses a throwaway database; leave out --database")
			case !opts.Dev && opts.Database == "":
				return FlagErrorf("give --database DSN (a SQLite file path or postgres://...), or --dev for a throwaway server")
			}
			if runF != nil {
				return runF(opts)
			}
			return serverRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&opts.Listen, "listen", defaultListen, "address to listen on, HOST:PORT")
	fl.StringVar(&opts.Database, "database", "", "database: a SQLite file path, sqlite:PATH, or postgres://...")
	fl.Int64Var(&accessSeconds, "access-token-expire-seconds", server.DefaultAccessTokenExpireSeconds, "lifetime of access tokens")
	fl.Int64Var(&refreshSeconds, "refresh-token-expire-seconds", server.DefaultRefreshTokenExpireSeconds, "lifetime of refresh tokens")
	fl.StringVar(&opts.LogFormat, "log-format", "text", "log format on standard error: text or json")
	fl.BoolVar(&opts.Dev, "dev", false, "run a throwaway development server")
	fl.StringVar(&opts.PprofListen, "pprof", "", "serve Go's pprof profiles on this separate address, HOST:PORT (keep it on loopback)")
	fl.StringVar(&opts.LogLevel, "log-level", "info", "least severe log level shown: debug, info, warn or error")
	fl.StringVar(&opts.MetricsListen, "metrics-listen", "", "serve Prometheus metrics at /metrics on this separate address, HOST:PORT (default: off)")
	fl.Duration("cleanup-interval", defaultCleanupInterval, "how often expired tokens are deleted; 0 never")
	fl.StringVar(&opts.ProductVersion, "product-version", server.DefaultProductVersion, "AWX version reported in X-API-Product-Version and /api/v2/ping/")
	fl.Int("login-throttle-per-user", defaultThrottlePerUser, "failed logins for one username, within the window, before 429")
	fl.Int("login-throttle-per-address", defaultThrottlePerAddress, "failed logins from one address, within the window, before 429")
	fl.Duration("login-throttle-window", defaultThrottleWindow, "the failed-login window; 0 turns the throttle off")
	fl.String("trusted-proxies", "", "comma-separated addresses or CIDR ranges of load balancers whose X-Forwarded-For names the client the login throttle counts (default: none)")
	fl.Int32("db-max-conns", 0, "PostgreSQL: most connections this server opens (default 16)")
	fl.Int32("db-min-conns", 0, "PostgreSQL: connections kept open when idle")
	fl.Duration("db-max-conn-lifetime", 0, "PostgreSQL: replace a connection after this long (default 1h)")
	fl.Duration("db-max-conn-idle-time", 0, "PostgreSQL: close a connection idle this long (default 30m)")
	_ = cmd.RegisterFlagCompletionFunc("log-level", cobra.FixedCompletions([]string{"debug", "info", "warn", "error"}, cobra.ShellCompDirectiveNoFileComp))
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
	logger, logBuf := newLogger(opts.IO, opts.LogFormat, opts.LogLevel)
	// Deferred first, so it runs last: the access log lines still in
	// memory, and "stopped", are written on every return.
	defer logBuf.Close()

	dsn := opts.Database
	if opts.Dev {
		dir, err := os.MkdirTemp("", "awxtoken-dev-")
		if err != nil {
			return fmt.Errorf("dev server: %w", err)
		}
		defer os.RemoveAll(dir)
		dsn = filepath.Join(dir, "awxtoken.db")
	}
	st, err := open.OpenWith(ctx, dsn, opts.Pool)
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
		ProductVersion:            opts.ProductVersion,
		LoginThrottle:             opts.Throttle,
		CleanupInterval:           opts.CleanupInterval,
	})
	defer srv.Close()

	ln, err := net.Listen("tcp", opts.Listen)
	if err != nil {
		return err
	}
	// Every phase of a connection is bounded, so slow or stalled clients
	// (slowloris, a body trickled a byte at a time, a response never read)
	// cannot hold connections and goroutines forever. Bodies are at most
	// 1 MiB; WriteTimeout counts from the end of the headers and must cover
	// the slowest handler (a store waiting out a lock, a password hash).
	hs := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- hs.Serve(ln) }()
	if opts.PprofListen != "" {
		stopPprof, err := servePprof(opts.PprofListen, logger)
		if err != nil {
			hs.Close()
			return err
		}
		defer stopPprof()
	}
	if opts.MetricsListen != "" {
		stopMetrics, err := serveMetrics(opts.MetricsListen, srv.MetricsHandler(), logger)
		if err != nil {
			hs.Close()
			return err
		}
		defer stopMetrics()
	}
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

// servePprof serves CPU and runtime profiles (the paths net/http/pprof
// uses, so `go tool pprof http://ADDR/debug/pprof/profile` works) on their
// own listener, never on the API's address: they reveal memory contents.
// It uses runtime/pprof directly: importing net/http/pprof would register
// on http.DefaultServeMux and add to every command's start-up time.
func servePprof(addr string, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--pprof: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /debug/pprof/profile", func(w http.ResponseWriter, r *http.Request) {
		secs, err := strconv.Atoi(r.URL.Query().Get("seconds"))
		if err != nil || secs <= 0 || secs > 600 {
			secs = 30
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if err := pprof.StartCPUProfile(w); err != nil {
			// Another profile is running.
			http.Error(w, err.Error(), http.StatusConflict)
			return
		}
		select {
		case <-time.After(time.Duration(secs) * time.Second):
		case <-r.Context().Done():
		}
		pprof.StopCPUProfile()
	})
	mux.HandleFunc("GET /debug/pprof/{name}", func(w http.ResponseWriter, r *http.Request) {
		p := pprof.Lookup(r.PathValue("name")) // heap, allocs, goroutine, block, mutex, threadcreate
		if p == nil {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		p.WriteTo(w, 0)
	})
	ps := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go ps.Serve(ln)
	logger.Info("pprof listening", "url", "http://"+clientAddr(ln.Addr())+"/debug/pprof/")
	return func() { ps.Close() }, nil
}

// newLogger builds the server's logger on standard error. Access log lines
// (one per request) are written in batches through a server.LogBuffer,
// which the caller must Close; every other line is written at once. A
// process killed without Close loses at most the last ~100 ms of access
// log lines, never a warning or an error.
func newLogger(ios *IOStreams, format, level string) (*slog.Logger, *server.LogBuffer) {
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(level)); err != nil {
		lv = slog.LevelInfo
	}
	ho := &slog.HandlerOptions{Level: lv}
	lb := server.NewLogBuffer(ios.ErrOut, server.DefaultLogFlushInterval)
	var h slog.Handler
	if format == "json" {
		h = slog.NewJSONHandler(lb, ho)
	} else {
		h = slog.NewTextHandler(lb, ho)
	}
	return slog.New(lb.Handler(h)), lb
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

// serverSettings reads the operational flags into opts: each from its flag
// when given, else from its environment variable, else the default.
func serverSettings(fl *pflag.FlagSet, getenv func(string) string, opts *ServerOptions) error {
	str := func(flag, env string, dst *string) {
		if !fl.Changed(flag) {
			if v := getenv(env); v != "" {
				*dst = v
			}
		}
	}
	str("log-format", envLogFormat, &opts.LogFormat)
	str("log-level", envLogLevel, &opts.LogLevel)
	str("metrics-listen", envMetricsListen, &opts.MetricsListen)
	str("product-version", envProductVersion, &opts.ProductVersion)
	if err := checkChoice("log-format", opts.LogFormat, "text", "json"); err != nil {
		return err
	}
	if err := checkChoice("log-level", strings.ToLower(opts.LogLevel), "debug", "info", "warn", "error"); err != nil {
		return err
	}
	if strings.TrimSpace(opts.ProductVersion) == "" {
		return FlagErrorf("--product-version must not be empty")
	}

	var err error
	if opts.CleanupInterval, err = durationSetting(fl, getenv, "cleanup-interval", envCleanupInterval); err != nil {
		return err
	}
	window, err := durationSetting(fl, getenv, "login-throttle-window", envThrottleWindow)
	if err != nil {
		return err
	}
	perUser, err := intSetting(fl, getenv, "login-throttle-per-user", envThrottlePerUser, 1)
	if err != nil {
		return err
	}
	perAddr, err := intSetting(fl, getenv, "login-throttle-per-address", envThrottlePerAddress, 1)
	if err != nil {
		return err
	}
	proxies, err := trustedProxies(fl, getenv)
	if err != nil {
		return err
	}
	opts.Throttle = server.ThrottleConfig{Disabled: window == 0, PerUser: perUser, PerAddress: perAddr, Window: window,
		TrustedProxies: proxies}

	maxConns, err := intSetting(fl, getenv, "db-max-conns", envDBMaxConns, 0)
	if err != nil {
		return err
	}
	minConns, err := intSetting(fl, getenv, "db-min-conns", envDBMinConns, 0)
	if err != nil {
		return err
	}
	if maxConns > 0 && minConns > maxConns {
		return FlagErrorf("--db-min-conns (%d) is more than --db-max-conns (%d)", minConns, maxConns)
	}
	lifetime, err := durationSetting(fl, getenv, "db-max-conn-lifetime", envDBMaxConnLifetime)
	if err != nil {
		return err
	}
	idle, err := durationSetting(fl, getenv, "db-max-conn-idle-time", envDBMaxConnIdleTime)
	if err != nil {
		return err
	}
	// Zero leaves the backend's default (or the DSN's pool_* setting).
	opts.Pool.Postgres.MaxConns = int32(maxConns)
	opts.Pool.Postgres.MinConns = int32(minConns)
	opts.Pool.Postgres.MaxConnLifetime = lifetime
	opts.Pool.Postgres.MaxConnIdleTime = idle
	return nil
}

// trustedProxies reads --trusted-proxies (or AWXTOKEN_TRUSTED_PROXIES): a
// comma-separated list of addresses ("10.0.0.5") and CIDR ranges
// ("10.0.0.0/8").
func trustedProxies(fl *pflag.FlagSet, getenv func(string) string) ([]netip.Prefix, error) {
	v, _ := fl.GetString("trusted-proxies")
	from := "--trusted-proxies"
	if !fl.Changed("trusted-proxies") {
		v, from = getenv(envTrustedProxies), envTrustedProxies
	}
	var out []netip.Prefix
	for _, item := range strings.Split(v, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if p, err := netip.ParsePrefix(item); err == nil {
			if p.Addr().Is4In6() && p.Bits() >= 96 {
				// Addresses are compared unmapped, so the range must be too.
				p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
			}
			if p.Bits() == 0 {
				return nil, FlagErrorf("%s: %q would trust every client to name its own address; list the proxies' addresses", from, item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil {
			return nil, FlagErrorf("%s: %q is neither an IP address nor a CIDR range such as 10.0.0.0/8", from, item)
		}
		out = append(out, netip.PrefixFrom(a.Unmap(), a.Unmap().BitLen()))
	}
	return out, nil
}

// durationSetting is a duration flag, else its variable ("90s", "1h"),
// else the flag's default; never negative.
func durationSetting(fl *pflag.FlagSet, getenv func(string) string, flag, env string) (time.Duration, error) {
	d, err := fl.GetDuration(flag)
	if err != nil {
		return 0, err
	}
	if !fl.Changed(flag) {
		if v := getenv(env); v != "" {
			if d, err = time.ParseDuration(v); err != nil {
				return 0, FlagErrorf("%s=%q: expected a duration such as 90s, 5m or 1h", env, v)
			}
		}
	}
	if d < 0 {
		return 0, FlagErrorf("invalid value %s for --%s: it must not be negative", d, flag)
	}
	return d, nil
}

// intSetting is an integer flag (int or int32), else its variable, else
// the flag's default; at least least.
func intSetting(fl *pflag.FlagSet, getenv func(string) string, flag, env string, least int) (int, error) {
	f := fl.Lookup(flag)
	n, err := strconv.Atoi(f.Value.String())
	if err != nil {
		return 0, err
	}
	if !fl.Changed(flag) {
		if v := getenv(env); v != "" {
			if n, err = strconv.Atoi(v); err != nil {
				return 0, FlagErrorf("%s=%q: expected a whole number", env, v)
			}
		}
	}
	if n < least || n > 1<<30 {
		return 0, FlagErrorf("invalid value %d for --%s: it must be at least %d", n, flag, least)
	}
	return n, nil
}

// serveMetrics serves Prometheus metrics at /metrics on their own listener:
// they need no credentials there, and the API's address never shows them.
func serveMetrics(addr string, h http.Handler, logger *slog.Logger) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("--metrics-listen: %w", err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h)
	ms := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go ms.Serve(ln)
	logger.Info("metrics listening", "url", "http://"+clientAddr(ln.Addr())+"/metrics")
	return func() { ms.Close() }, nil
}
