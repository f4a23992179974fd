// Package config owns the client's settings: where the AWX host, the
// credentials, the TLS options and the request timeout come from (flags, the
// AWX tools' CONTROLLER_*/TOWER_* environment, the AWX.psm configuration file,
// the awx.awx collection's tower_cli.cfg files), and reading and atomically
// writing the AWX.psm file (~/.ansible_api_config.json).
//
// Nothing in this package logs a secret or puts one in an error message:
// tokens and passwords only ever travel in Settings and File fields.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Setting names: the keys of Settings.Sources and of Redacted.
const (
	SettingHost     = "host"
	SettingToken    = "token"
	SettingUsername = "username"
	SettingPassword = "password"
	SettingInsecure = "insecure"
	SettingCAFile   = "ca_file"
	SettingTimeout  = "timeout"
)

// settingOrder is the order settings are listed in (config get, String).
var settingOrder = []string{
	SettingHost, SettingToken, SettingUsername, SettingPassword,
	SettingInsecure, SettingCAFile, SettingTimeout,
}

// DefaultTimeout applies when no layer sets a request timeout.
const DefaultTimeout = 30 * time.Second

// SourceDefault is the source of a setting no layer set.
const SourceDefault = "default"

// EnvAPIConfig names the environment variable that points at the AWX.psm
// configuration file, as AWX.psm reads it.
const EnvAPIConfig = "ANSIBLE_API_CONFIG"

// SystemTowerCLIPath is the system-wide tower_cli.cfg the awx.awx collection reads.
const SystemTowerCLIPath = "/etc/tower/tower_cli.cfg"

const (
	apiConfigName = ".ansible_api_config.json"
	towerCLIName  = ".tower_cli.cfg"
)

// Masked stands for a secret that is set; it is AWX's own censor value.
const Masked = "************"

// Flags are the command-line settings. Empty strings, a nil Insecure and a
// zero Timeout mean "not given", so lower layers apply.
type Flags struct {
	Host, Token, Username, Password, CAFile string
	Insecure                                *bool
	Timeout                                 time.Duration // 0 = unset
	// ConfigPath names the AWX.psm file explicitly; it must then exist.
	ConfigPath string
	// SkipConfigFile leaves the AWX.psm file unread (Settings.ConfigPath is
	// still set). For the commands that replace it (config new, login): a
	// missing or broken file must not stop them, and the environment and
	// tower_cli.cfg should still apply, so they retry Load with this set.
	SkipConfigFile bool
}

// Env is the process environment Load reads. Tests build one by hand; a zero
// SystemTowerCLI keeps them from reading the machine's /etc/tower.
type Env struct {
	Getenv func(string) string
	Home   string
	// SystemTowerCLI is the system-wide tower_cli.cfg ("" reads none).
	SystemTowerCLI string
}

// DefaultEnv is the real environment: os.Getenv, the user's home directory
// ("" when there is none) and /etc/tower/tower_cli.cfg.
func DefaultEnv() Env {
	home, err := os.UserHomeDir()
	if err != nil {
		home = ""
	}
	return Env{Getenv: os.Getenv, Home: home, SystemTowerCLI: SystemTowerCLIPath}
}

func (e Env) get(name string) string {
	if e.Getenv == nil {
		return ""
	}
	return e.Getenv(name)
}

// Settings are the client settings in effect after Load.
type Settings struct {
	// Host is the AWX base URL: scheme, host, optional port and path (an AWX
	// served under /awx keeps it), without a trailing slash; the API lives
	// at Host + "/api/v2/". Empty when nothing set it (see RequireHost).
	Host string
	// Token is the OAuth2 token for "Authorization: Bearer"; it wins over
	// Username/Password, which are kept so the caller can choose.
	Token              string
	Username, Password string
	Insecure           bool
	CAFile             string
	Timeout            time.Duration
	// Sources maps each setting that has a value to where it came from:
	// "flag --host", "env CONTROLLER_HOST", "file ~/.ansible_api_config.json",
	// "file /etc/tower/tower_cli.cfg", "default".
	Sources map[string]string
	// ConfigPath is the AWX.psm file in effect: the one read, or the one
	// "config new" would write ("" when there is no home directory).
	ConfigPath string
	// File is the AWX.psm file's content when it was read, else nil.
	File *File
	// Warnings are for standard error: credentials files readable by others,
	// credentials ignored because they belong to another host.
	Warnings []string
}

// Load resolves each setting on its own from, highest first: flags, the
// environment, the AWX.psm file, the tower_cli.cfg files (home over system).
//
// Credentials from a file that also names a host are only used with that
// host: AWX.psm's file is an (origin, token) pair, and sending its token to
// a host given by --host or CONTROLLER_HOST would hand it to another server.
// Such credentials are skipped with a warning.
func Load(flags Flags, env Env) (*Settings, error) {
	s := &Settings{Sources: map[string]string{}}

	flagLayer, err := flagsLayer(flags)
	if err != nil {
		return nil, err
	}
	envL, err := envLayer(env)
	if err != nil {
		return nil, err
	}
	fileL, err := apiFileLayer(flags, env, s)
	if err != nil {
		return nil, err
	}
	towerL, err := towerCLILayer(env, s)
	if err != nil {
		return nil, err
	}
	layers := []*layer{flagLayer, envL, fileL, towerL} // highest first

	var host *sourced[string]
	for _, l := range layers {
		if l.host != nil {
			host = l.host
			break
		}
	}
	if host != nil {
		s.Host = host.v
		s.Sources[SettingHost] = host.src
	}

	// eligible reports whether l's credentials may go to the host in effect.
	eligible := func(l *layer, what string, v *sourced[string]) bool {
		if !l.bound || l.host == nil || host == nil || l.host.v == host.v {
			return true
		}
		s.Warnings = append(s.Warnings, fmt.Sprintf(
			"warning: ignoring the %s from %s: it belongs to %s, but the host in effect is %s (%s)",
			what, v.src, l.host.v, host.v, host.src))
		return false
	}
	pickCred := func(name string, get func(*layer) *sourced[string], dst *string) {
		for _, l := range layers {
			v := get(l)
			if v == nil || !eligible(l, name, v) {
				continue
			}
			*dst = v.v
			s.Sources[name] = v.src
			return
		}
	}
	pickCred(SettingToken, func(l *layer) *sourced[string] { return l.token }, &s.Token)
	pickCred(SettingUsername, func(l *layer) *sourced[string] { return l.username }, &s.Username)
	pickCred(SettingPassword, func(l *layer) *sourced[string] { return l.password }, &s.Password)

	s.Insecure = false
	s.Sources[SettingInsecure] = SourceDefault
	for _, l := range layers {
		if l.insecure != nil {
			s.Insecure = l.insecure.v
			s.Sources[SettingInsecure] = l.insecure.src
			break
		}
	}
	s.Timeout = DefaultTimeout
	s.Sources[SettingTimeout] = SourceDefault
	for _, l := range layers {
		if l.timeout != nil {
			s.Timeout = l.timeout.v
			s.Sources[SettingTimeout] = l.timeout.src
			break
		}
	}
	for _, l := range layers {
		if l.caFile != nil {
			s.CAFile = l.caFile.v
			s.Sources[SettingCAFile] = l.caFile.src
			break
		}
	}
	return s, nil
}

// sourced is a value with the place it came from.
type sourced[T any] struct {
	v   T
	src string
}

func val[T any](v T, src string) *sourced[T] { return &sourced[T]{v, src} }

// layer is what one source of settings says; nil fields say nothing.
type layer struct {
	host, token, username, password, caFile *sourced[string]
	insecure                                *sourced[bool]
	timeout                                 *sourced[time.Duration]
	// bound: this layer's credentials belong to this layer's host.
	bound bool
}

func flagsLayer(f Flags) (*layer, error) {
	l := &layer{}
	if f.Host != "" {
		h, err := NormalizeHost(f.Host)
		if err != nil {
			return nil, fmt.Errorf("flag --host: %w", err)
		}
		if h != "" {
			l.host = val(h, "flag --host")
		}
	}
	if f.Token != "" {
		l.token = val(f.Token, "flag --token")
	}
	if f.Username != "" {
		l.username = val(f.Username, "flag --username")
	}
	if f.Password != "" {
		l.password = val(f.Password, "flag --password")
	}
	if f.CAFile != "" {
		l.caFile = val(f.CAFile, "flag --ca-file")
	}
	if f.Insecure != nil {
		l.insecure = val(*f.Insecure, "flag --insecure")
	}
	if f.Timeout < 0 {
		return nil, errors.New("flag --timeout: must be positive")
	}
	if f.Timeout > 0 {
		l.timeout = val(f.Timeout, "flag --timeout")
	}
	return l, nil
}

// envNames lists, per setting, the variables the AWX tools read, first wins.
var envNames = map[string][]string{
	SettingHost:     {"CONTROLLER_HOST", "TOWER_HOST"},
	SettingToken:    {"CONTROLLER_OAUTH_TOKEN", "TOWER_OAUTH_TOKEN"},
	SettingUsername: {"CONTROLLER_USERNAME", "TOWER_USERNAME"},
	SettingPassword: {"CONTROLLER_PASSWORD", "TOWER_PASSWORD"},
	SettingInsecure: {"CONTROLLER_VERIFY_SSL", "TOWER_VERIFY_SSL"},
	SettingTimeout:  {"CONTROLLER_REQUEST_TIMEOUT", "TOWER_REQUEST_TIMEOUT"},
}

// EnvNames returns the environment variables read for a setting, in order
// (for help texts); nil for settings only a flag sets.
func EnvNames(setting string) []string {
	return append([]string(nil), envNames[setting]...)
}

// lookupEnv returns the first non-empty variable for a setting. An empty
// variable counts as unset: a shell cannot tell the two apart reliably.
func lookupEnv(env Env, setting string) (name, value string, ok bool) {
	for _, n := range envNames[setting] {
		if v := env.get(n); v != "" {
			return n, v, true
		}
	}
	return "", "", false
}

func envLayer(env Env) (*layer, error) {
	l := &layer{}
	if n, v, ok := lookupEnv(env, SettingHost); ok {
		h, err := NormalizeHost(v)
		if err != nil {
			return nil, fmt.Errorf("environment variable %s: %w", n, err)
		}
		if h != "" {
			l.host = val(h, "env "+n)
		}
	}
	// Secrets are taken verbatim: leading or trailing spaces may be part of them.
	if n, v, ok := lookupEnv(env, SettingToken); ok {
		l.token = val(v, "env "+n)
	}
	if n, v, ok := lookupEnv(env, SettingUsername); ok {
		l.username = val(v, "env "+n)
	}
	if n, v, ok := lookupEnv(env, SettingPassword); ok {
		l.password = val(v, "env "+n)
	}
	if n, v, ok := lookupEnv(env, SettingInsecure); ok {
		verify, err := ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("environment variable %s: %w", n, err)
		}
		l.insecure = val(!verify, "env "+n)
	}
	if n, v, ok := lookupEnv(env, SettingTimeout); ok {
		d, err := ParseSeconds(v)
		if err != nil {
			return nil, fmt.Errorf("environment variable %s: %w", n, err)
		}
		l.timeout = val(d, "env "+n)
	}
	return l, nil
}

// ActivePath is the AWX.psm file in effect for these flags and environment,
// whether or not it exists: what "config new" writes.
func ActivePath(flags Flags, env Env) string {
	if flags.ConfigPath != "" {
		return flags.ConfigPath
	}
	return FilePath(env)
}

// MissingFileError says that a configuration file named explicitly (by a
// flag or by ANSIBLE_API_CONFIG) does not exist. AWX.psm ignores this
// silently and then talks to no server; saying so is kinder.
// errors.Is(err, fs.ErrNotExist) holds, so "config new" can tolerate it.
type MissingFileError struct {
	Path    string
	NamedBy string // "ANSIBLE_API_CONFIG" or "flag"
}

func (e *MissingFileError) Error() string {
	if e.NamedBy == EnvAPIConfig {
		return fmt.Sprintf("%s names %s, which does not exist (create it with \"awxtoken config new\" or unset %s)",
			EnvAPIConfig, e.Path, EnvAPIConfig)
	}
	return fmt.Sprintf("configuration file %s does not exist (create it with \"awxtoken config new\")", e.Path)
}

func (e *MissingFileError) Unwrap() error { return os.ErrNotExist }

func apiFileLayer(flags Flags, env Env, s *Settings) (*layer, error) {
	l := &layer{bound: true}
	path, namedBy := flags.ConfigPath, "flag"
	if path == "" {
		path, namedBy = env.get(EnvAPIConfig), EnvAPIConfig
	}
	explicit := path != ""
	if !explicit {
		path = FilePath(env)
	}
	s.ConfigPath = path
	if path == "" || flags.SkipConfigFile {
		return l, nil
	}
	f, trailing, err := readFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if explicit {
			return nil, &MissingFileError{Path: path, NamedBy: namedBy}
		}
		return l, nil
	}
	if err != nil {
		return nil, err
	}
	s.File = f
	src := "file " + displayPath(env, path)
	if f.Origin != "" {
		h, err := NormalizeHost(f.Origin)
		if err != nil {
			return nil, fmt.Errorf("configuration file %s: origin: %w", path, err)
		}
		l.host = val(h, src)
	}
	if f.Token != "" {
		l.token = val(f.Token, src)
		if w := PermissionWarning(path); w != "" {
			s.Warnings = append(s.Warnings, w)
		}
	}
	if trailing {
		w := fmt.Sprintf("warning: %s has leftover bytes after its JSON (AWX.psm does not truncate the file when saving)", path)
		if path == FilePath(env) { // config switch writes there, so it rewrites the file in place
			w += "; rewrite it with: awxtoken config switch " + path
		}
		s.Warnings = append(s.Warnings, w)
	}
	return l, nil
}

// displayPath shortens a path under the home directory to ~/..., as sources show it.
func displayPath(env Env, p string) string {
	if env.Home == "" {
		return p
	}
	home := filepath.Clean(env.Home)
	if rel, err := filepath.Rel(home, p); err == nil && rel != "." && !strings.HasPrefix(rel, "..") && filepath.IsAbs(p) {
		return "~/" + filepath.ToSlash(rel)
	}
	return p
}

// NormalizeHost turns a host setting into the base URL the client uses, as
// the awx.awx collection does and a little more: no scheme means https://;
// the path is kept (an AWX under /awx/ works) without its trailing slash; a
// pasted ".../api/v2/" suffix is dropped; the scheme and host name are
// lowercased and a default port removed, so equal hosts compare equal.
// Errors never repeat the value: a URL may carry a password.
func NormalizeHost(raw string) (string, error) {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		return "", nil
	}
	lower := strings.ToLower(raw)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		if strings.Contains(raw, "://") {
			return "", errors.New("host must be an http:// or https:// URL")
		}
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New("host is not a valid URL")
	}
	if u.User != nil {
		return "", errors.New("host must not contain a user name or password (use --username and --password)")
	}
	if u.Hostname() == "" {
		return "", errors.New("host has no host name")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.ForceQuery {
		return "", errors.New("host must not contain a query or a fragment")
	}
	scheme := strings.ToLower(u.Scheme)
	hostport := strings.ToLower(u.Host)
	if port := u.Port(); (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		hostport = strings.TrimSuffix(hostport, ":"+port)
	}
	path := strings.TrimRight(u.EscapedPath(), "/")
	path = strings.TrimSuffix(path, "/api/v2")
	path = strings.TrimRight(path, "/")
	return scheme + "://" + hostport + path, nil
}

// RequireHost returns an error saying how to set the host when none is set.
func (s *Settings) RequireHost() error {
	if s.Host != "" {
		return nil
	}
	return errors.New("no AWX host configured: use --host, set CONTROLLER_HOST, or run \"awxtoken config new --uri URL\"")
}

// Entry is one setting for display: the value with secrets masked, and its source.
type Entry struct {
	Name, Value, Source string
}

// RedactedEntries lists every setting in a fixed order with secrets masked
// (Masked when set, "" when not) and its source ("" when unset).
func (s *Settings) RedactedEntries() []Entry {
	mask := func(v string) string {
		if v == "" {
			return ""
		}
		return Masked
	}
	values := map[string]string{
		SettingHost:     s.Host,
		SettingToken:    mask(s.Token),
		SettingUsername: s.Username,
		SettingPassword: mask(s.Password),
		SettingInsecure: fmt.Sprint(s.Insecure),
		SettingCAFile:   s.CAFile,
		SettingTimeout:  s.Timeout.String(),
	}
	out := make([]Entry, 0, len(settingOrder))
	for _, name := range settingOrder {
		out = append(out, Entry{Name: name, Value: values[name], Source: s.Sources[name]})
	}
	return out
}

// Redacted is for "awxtoken config get": each setting name maps to its value
// with secrets masked (Masked when set, "" when not), "<name>_source" to
// where it came from ("" when unset), and "config_path" to the AWX.psm file
// in effect.
func (s *Settings) Redacted() map[string]string {
	m := map[string]string{"config_path": s.ConfigPath}
	for _, e := range s.RedactedEntries() {
		m[e.Name] = e.Value
		m[e.Name+"_source"] = e.Source
	}
	return m
}

// String shows the settings with secrets masked, so printing Settings by
// mistake (%v, %+v) cannot leak a token.
func (s Settings) String() string {
	var b strings.Builder
	b.WriteString("{")
	for i, e := range s.RedactedEntries() {
		if i > 0 {
			b.WriteString(" ")
		}
		fmt.Fprintf(&b, "%s:%q", e.Name, e.Value)
	}
	b.WriteString("}")
	return b.String()
}

// GoString keeps %#v from printing secrets too.
func (s Settings) GoString() string { return "config.Settings" + s.String() }

// LogValue keeps slog from printing secrets.
func (s Settings) LogValue() slog.Value {
	var attrs []slog.Attr
	for _, e := range s.RedactedEntries() {
		attrs = append(attrs, slog.String(e.Name, e.Value))
	}
	return slog.GroupValue(attrs...)
}
