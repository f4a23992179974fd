package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/pflag"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/config"
)

// Version is the program's version, set at build time with
// -ldflags "-X github.com/awxtoken/awxtoken/internal/cli.Version=...".
var Version = "0.1.0-dev"

// defaultTimeout bounds every client request unless --timeout or
// CONTROLLER_REQUEST_TIMEOUT says otherwise (AWX.psm had none).
const defaultTimeout = config.DefaultTimeout

// GlobalFlags are the flags every command accepts.
type GlobalFlags struct {
	Host       string
	Token      string
	Username   string
	Password   string
	Insecure   bool
	CAFile     string
	Timeout    time.Duration
	ConfigPath string
	Verbose    bool
	Debug      bool
	Output     string
	JQ         string
}

// Factory builds what commands depend on, lazily, from the global flags
// (parsed by the time a command runs) and the environment.
type Factory struct {
	IOStreams *IOStreams
	Getenv    func(string) string
	Global    *GlobalFlags
	// ConfigEnv is where config.Load looks: the environment, the home
	// directory, the system tower_cli.cfg. Tests point it at a temporary home.
	ConfigEnv config.Env

	flags    *pflag.FlagSet // the root's persistent flags, to tell "given" from "default"
	settings *config.Settings
	client   *awx.Client
}

// NewFactory returns a factory over ios and getenv.
func NewFactory(ios *IOStreams, getenv func(string) string) *Factory {
	env := config.DefaultEnv()
	env.Getenv = getenv
	if home := getenv("HOME"); home != "" {
		env.Home = home
	}
	return &Factory{IOStreams: ios, Getenv: getenv, Global: &GlobalFlags{}, ConfigEnv: env}
}

func (f *Factory) changed(name string) bool {
	return f.flags != nil && f.flags.Changed(name)
}

// ConfigFlags are the global flags as config.Load takes them: a flag left at
// its default does not override the environment or the files.
func (f *Factory) ConfigFlags() config.Flags {
	g := f.Global
	fl := config.Flags{Host: g.Host, Token: g.Token, Username: g.Username, Password: g.Password,
		CAFile: g.CAFile, ConfigPath: g.ConfigPath}
	if f.changed("insecure") {
		v := g.Insecure
		fl.Insecure = &v
	}
	if f.changed("timeout") {
		fl.Timeout = g.Timeout
	}
	return fl
}

// Settings loads the client settings once: flags, then the environment,
// then the AWX.psm file, then tower_cli.cfg.
func (f *Factory) Settings() (*config.Settings, error) {
	if f.settings != nil {
		return f.settings, nil
	}
	s, err := config.Load(f.ConfigFlags(), f.ConfigEnv)
	if err != nil {
		return nil, err
	}
	for _, w := range s.Warnings {
		fmt.Fprintln(f.IOStreams.ErrOut, w)
	}
	f.settings = s
	return s, nil
}

// Output returns the -o/--jq flags for a command to check.
func (f *Factory) Output() OutputOptions {
	return OutputOptions{Format: f.Global.Output, JQ: f.Global.JQ}
}

// errNoHost is returned when no setting names the server.
var errNoHost = errors.New("no AWX host: give --host, set CONTROLLER_HOST, or run 'awxtoken config new --uri URL'")

// Client builds an API client from the settings: the token when there is one,
// else Basic auth with the username and password.
func (f *Factory) Client() (*awx.Client, error) {
	if f.client != nil {
		return f.client, nil
	}
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	var auth []awx.Option
	switch {
	case s.Token != "":
		auth = append(auth, awx.WithToken(s.Token))
	case s.Username != "":
		auth = append(auth, awx.WithBasicAuth(s.Username, s.Password))
	}
	c, err := f.buildClient(s, s.Host, auth...)
	if err != nil {
		return nil, err
	}
	f.client = c
	return c, nil
}

// NewClient builds a client for host with the transport settings (TLS,
// timeout, -v, --debug) and the given authentication options.
func (f *Factory) NewClient(host string, auth ...awx.Option) (*awx.Client, error) {
	s, err := f.Settings()
	if err != nil {
		return nil, err
	}
	return f.buildClient(s, host, auth...)
}

// NewClientTolerant is NewClient for the commands that write a new
// configuration (config new, login): a broken or missing configuration file
// must not stop them from replacing it, so then only flags apply.
func (f *Factory) NewClientTolerant(host string, auth ...awx.Option) (*awx.Client, error) {
	s, err := f.TolerantSettings()
	if err != nil {
		return nil, err
	}
	return f.buildClient(s, host, auth...)
}

// TolerantSettings is Settings for the commands that replace the AWX.psm
// file: when that file is missing or broken, the flags, the environment and
// tower_cli.cfg still apply (so CONTROLLER_HOST or CONTROLLER_VERIFY_SSL are
// not lost on a first `config new`).
func (f *Factory) TolerantSettings() (*config.Settings, error) {
	s, err := f.Settings()
	if err == nil {
		return s, nil
	}
	fl := f.ConfigFlags()
	fl.SkipConfigFile = true
	s, err2 := config.Load(fl, f.ConfigEnv)
	if err2 != nil {
		return nil, err2
	}
	fmt.Fprintf(f.IOStreams.ErrOut, "warning: not reading the configuration file: %v\n", err)
	return s, nil
}

func (f *Factory) buildClient(s *config.Settings, host string, auth ...awx.Option) (*awx.Client, error) {
	if host == "" {
		return nil, errNoHost
	}
	timeout := s.Timeout
	if timeout <= 0 {
		timeout = defaultTimeout
	}
	opts := []awx.Option{awx.WithTimeout(timeout), awx.WithUserAgent("awxtoken/" + Version)}
	if s.Insecure {
		opts = append(opts, awx.WithInsecureSkipVerify())
	}
	if s.CAFile != "" {
		opts = append(opts, awx.WithCAFile(s.CAFile))
	}
	if f.Global.Debug {
		opts = append(opts, awx.WithDebug(f.IOStreams.ErrOut))
	} else if f.Global.Verbose {
		opts = append(opts, awx.WithVerbose(f.IOStreams.ErrOut))
	}
	opts = append(opts, auth...)
	c, err := awx.NewClient(host, opts...)
	if err != nil {
		return nil, err
	}
	return c, nil
}
