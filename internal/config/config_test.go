package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// testEnv is a hermetic environment: the given variables, a temporary HOME,
// and a system tower_cli.cfg path inside a temporary directory (absent
// until a test writes it).
func testEnv(t *testing.T, vars map[string]string) Env {
	t.Helper()
	home := t.TempDir()
	return Env{
		Getenv:         func(k string) string { return vars[k] },
		Home:           home,
		SystemTowerCLI: filepath.Join(t.TempDir(), "etc", "tower", "tower_cli.cfg"),
	}
}

func writeTestFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil { // umask must not change the mode under test
		t.Fatal(err)
	}
}

func boolp(b bool) *bool { return &b }

// files a test case places before Load.
type testFiles struct {
	apiConfig   string // ~/.ansible_api_config.json
	towerHome   string // ~/.tower_cli.cfg
	towerSystem string // the system tower_cli.cfg
}

func (f testFiles) write(t *testing.T, env Env) {
	t.Helper()
	if f.apiConfig != "" {
		writeTestFile(t, filepath.Join(env.Home, ".ansible_api_config.json"), f.apiConfig, 0o600)
	}
	if f.towerHome != "" {
		writeTestFile(t, filepath.Join(env.Home, ".tower_cli.cfg"), f.towerHome, 0o600)
	}
	if f.towerSystem != "" {
		writeTestFile(t, env.SystemTowerCLI, f.towerSystem, 0o600)
	}
}

// want is the part of Settings a precedence case checks.
type want struct {
	host, token, username, password, caFile string
	insecure                                bool
	timeout                                 time.Duration
	sources                                 map[string]string
	warnings                                []string // substrings, one per warning
}

func TestLoadPrecedence(t *testing.T) {
	const apiA = `{"origin":"https://a.example.com","token":"file-token","last_saved":"2024-10-09T02:23:08.1234567Z","user_id":1,"user_name":"admin"}`
	tests := []struct {
		name  string
		flags Flags
		vars  map[string]string
		files testFiles
		want  want
	}{
		{
			name: "nothing set: defaults only",
			want: want{timeout: 30 * time.Second, sources: map[string]string{
				"insecure": "default", "timeout": "default",
			}},
		},
		{
			name: "flags only",
			flags: Flags{Host: "https://f.example.com", Token: "ft", Username: "fu", Password: "fp",
				CAFile: "/ca.pem", Insecure: boolp(true), Timeout: 5 * time.Second},
			want: want{host: "https://f.example.com", token: "ft", username: "fu", password: "fp", caFile: "/ca.pem",
				insecure: true, timeout: 5 * time.Second, sources: map[string]string{
					"host": "flag --host", "token": "flag --token", "username": "flag --username",
					"password": "flag --password", "ca_file": "flag --ca-file", "insecure": "flag --insecure",
					"timeout": "flag --timeout",
				}},
		},
		{
			name: "CONTROLLER_* wins over TOWER_*",
			vars: map[string]string{
				"CONTROLLER_HOST": "https://c.example.com", "TOWER_HOST": "https://t.example.com",
				"CONTROLLER_OAUTH_TOKEN": "ct", "TOWER_OAUTH_TOKEN": "tt",
				"CONTROLLER_USERNAME": "cu", "TOWER_USERNAME": "tu",
				"CONTROLLER_PASSWORD": "cp", "TOWER_PASSWORD": "tp",
				"CONTROLLER_VERIFY_SSL": "false", "TOWER_VERIFY_SSL": "true",
				"CONTROLLER_REQUEST_TIMEOUT": "2.5", "TOWER_REQUEST_TIMEOUT": "9",
			},
			want: want{host: "https://c.example.com", token: "ct", username: "cu", password: "cp",
				insecure: true, timeout: 2500 * time.Millisecond, sources: map[string]string{
					"host": "env CONTROLLER_HOST", "token": "env CONTROLLER_OAUTH_TOKEN",
					"username": "env CONTROLLER_USERNAME", "password": "env CONTROLLER_PASSWORD",
					"insecure": "env CONTROLLER_VERIFY_SSL", "timeout": "env CONTROLLER_REQUEST_TIMEOUT",
				}},
		},
		{
			name: "TOWER_* alone",
			vars: map[string]string{
				"TOWER_HOST": "t.example.com", "TOWER_OAUTH_TOKEN": "tt", "TOWER_VERIFY_SSL": "no",
				"TOWER_REQUEST_TIMEOUT": "7",
			},
			want: want{host: "https://t.example.com", token: "tt", insecure: true, timeout: 7 * time.Second,
				sources: map[string]string{
					"host": "env TOWER_HOST", "token": "env TOWER_OAUTH_TOKEN",
					"insecure": "env TOWER_VERIFY_SSL", "timeout": "env TOWER_REQUEST_TIMEOUT",
				}},
		},
		{
			name:  "flags win over the environment, per setting",
			flags: Flags{Host: "https://f.example.com", Insecure: boolp(false)},
			vars: map[string]string{
				"CONTROLLER_HOST": "https://c.example.com", "CONTROLLER_OAUTH_TOKEN": "ct",
				"CONTROLLER_VERIFY_SSL": "off",
			},
			want: want{host: "https://f.example.com", token: "ct", timeout: 30 * time.Second,
				sources: map[string]string{
					"host": "flag --host", "token": "env CONTROLLER_OAUTH_TOKEN",
					"insecure": "flag --insecure", "timeout": "default",
				}},
		},
		{
			name:  "the AWX.psm file alone",
			files: testFiles{apiConfig: apiA},
			want: want{host: "https://a.example.com", token: "file-token", timeout: 30 * time.Second,
				sources: map[string]string{
					"host": "file ~/.ansible_api_config.json", "token": "file ~/.ansible_api_config.json",
					"insecure": "default", "timeout": "default",
				}},
		},
		{
			name:  "environment token over the file's, same host",
			vars:  map[string]string{"CONTROLLER_HOST": "a.example.com", "CONTROLLER_OAUTH_TOKEN": "ct"},
			files: testFiles{apiConfig: apiA},
			want: want{host: "https://a.example.com", token: "ct", timeout: 30 * time.Second,
				sources: map[string]string{
					"host": "env CONTROLLER_HOST", "token": "env CONTROLLER_OAUTH_TOKEN",
					"insecure": "default", "timeout": "default",
				}},
		},
		{
			name:  "the file's token goes with an equal host spelled otherwise",
			flags: Flags{Host: "HTTPS://A.example.com:443/"},
			files: testFiles{apiConfig: apiA},
			want: want{host: "https://a.example.com", token: "file-token", timeout: 30 * time.Second,
				sources: map[string]string{
					"host": "flag --host", "token": "file ~/.ansible_api_config.json",
					"insecure": "default", "timeout": "default",
				}},
		},
		{
			name:  "the file's token is not sent to another host",
			flags: Flags{Host: "https://b.example.com"},
			files: testFiles{apiConfig: apiA},
			want: want{host: "https://b.example.com", timeout: 30 * time.Second,
				sources:  map[string]string{"host": "flag --host", "insecure": "default", "timeout": "default"},
				warnings: []string{"ignoring the token from file ~/.ansible_api_config.json: it belongs to https://a.example.com, but the host in effect is https://b.example.com (flag --host)"},
			},
		},
		{
			name: "AWX.psm file over tower_cli.cfg, username and password kept beside the token",
			files: testFiles{
				apiConfig: apiA,
				towerHome: "[general]\nhost = https://a.example.com\nusername = cu\npassword = cp\nverify_ssl = false\nrequest_timeout = 12\n",
			},
			want: want{host: "https://a.example.com", token: "file-token", username: "cu", password: "cp",
				insecure: true, timeout: 12 * time.Second, sources: map[string]string{
					"host": "file ~/.ansible_api_config.json", "token": "file ~/.ansible_api_config.json",
					"username": "file ~/.tower_cli.cfg", "password": "file ~/.tower_cli.cfg",
					"insecure": "file ~/.tower_cli.cfg", "timeout": "file ~/.tower_cli.cfg",
				}},
		},
		{
			name:  "environment token and tower_cli.cfg basic credentials: both kept",
			vars:  map[string]string{"CONTROLLER_OAUTH_TOKEN": "ct"},
			files: testFiles{towerHome: "host = awx.example.com\nusername = cu\npassword = cp\n"},
			want: want{host: "https://awx.example.com", token: "ct", username: "cu", password: "cp",
				timeout: 30 * time.Second, sources: map[string]string{
					"host": "file ~/.tower_cli.cfg", "token": "env CONTROLLER_OAUTH_TOKEN",
					"username": "file ~/.tower_cli.cfg", "password": "file ~/.tower_cli.cfg",
					"insecure": "default", "timeout": "default",
				}},
		},
		{
			name: "home tower_cli.cfg wins over the system one, key by key",
			files: testFiles{
				towerSystem: "[general]\nhost = https://sys.example.com\nusername = su\npassword = sp\nrequest_timeout = 3\n",
				towerHome:   "[general]\nhost = https://sys.example.com\nusername = hu\noauth_token = ht\n",
			},
			want: want{host: "https://sys.example.com", token: "ht", username: "hu", password: "sp",
				timeout: 3 * time.Second, sources: map[string]string{
					"host": "file ~/.tower_cli.cfg", "token": "file ~/.tower_cli.cfg",
					"username": "file ~/.tower_cli.cfg", "password": "file SYSTEM",
					"insecure": "default", "timeout": "file SYSTEM",
				}},
		},
		{
			name:  "tower_cli.cfg without a host: its credentials go to the host in effect",
			vars:  map[string]string{"CONTROLLER_HOST": "https://c.example.com"},
			files: testFiles{towerHome: "username = cu\npassword = cp\n"},
			want: want{host: "https://c.example.com", username: "cu", password: "cp", timeout: 30 * time.Second,
				sources: map[string]string{
					"host": "env CONTROLLER_HOST", "username": "file ~/.tower_cli.cfg",
					"password": "file ~/.tower_cli.cfg", "insecure": "default", "timeout": "default",
				}},
		},
		{
			name:  "tower_cli.cfg credentials for another host are skipped",
			vars:  map[string]string{"CONTROLLER_HOST": "https://c.example.com"},
			files: testFiles{towerHome: "host = https://t.example.com\nusername = cu\npassword = cp\n"},
			want: want{host: "https://c.example.com", timeout: 30 * time.Second,
				sources: map[string]string{"host": "env CONTROLLER_HOST", "insecure": "default", "timeout": "default"},
				warnings: []string{
					"ignoring the username from file ~/.tower_cli.cfg",
					"ignoring the password from file ~/.tower_cli.cfg",
				},
			},
		},
		{
			name: "the path of the host is kept, its trailing slash and a pasted /api/v2/ dropped",
			vars: map[string]string{"CONTROLLER_HOST": "awx.example.com:8043/awx/api/v2/"},
			want: want{host: "https://awx.example.com:8043/awx", timeout: 30 * time.Second,
				sources: map[string]string{"host": "env CONTROLLER_HOST", "insecure": "default", "timeout": "default"}},
		},
		{
			name: "http is kept",
			vars: map[string]string{"CONTROLLER_HOST": "http://127.0.0.1:8052/"},
			want: want{host: "http://127.0.0.1:8052", timeout: 30 * time.Second,
				sources: map[string]string{"host": "env CONTROLLER_HOST", "insecure": "default", "timeout": "default"}},
		},
		{
			name:  "verify_ssl true keeps verification; the flag can still turn it off",
			flags: Flags{Insecure: boolp(true)},
			vars:  map[string]string{"CONTROLLER_VERIFY_SSL": "yes"},
			want: want{insecure: true, timeout: 30 * time.Second,
				sources: map[string]string{"insecure": "flag --insecure", "timeout": "default"}},
		},
		{
			name:  "YAML tower_cli.cfg",
			files: testFiles{towerHome: "host: awx.example.com\nverify_ssl: false\nrequest_timeout: 4.5\n"},
			want: want{host: "https://awx.example.com", insecure: true, timeout: 4500 * time.Millisecond,
				sources: map[string]string{
					"host": "file ~/.tower_cli.cfg", "insecure": "file ~/.tower_cli.cfg", "timeout": "file ~/.tower_cli.cfg",
				}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, tc.vars)
			tc.files.write(t, env)
			s, err := Load(tc.flags, env)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			for k, v := range tc.want.sources {
				if v == "file SYSTEM" {
					tc.want.sources[k] = "file " + env.SystemTowerCLI
				}
			}
			got := want{s.Host, s.Token, s.Username, s.Password, s.CAFile, s.Insecure, s.Timeout, s.Sources, nil}
			exp := tc.want
			exp.warnings = nil
			if !reflect.DeepEqual(got, exp) {
				t.Errorf("settings:\n got %+v\nwant %+v", got, exp)
			}
			if len(s.Warnings) != len(tc.want.warnings) {
				t.Fatalf("warnings = %q, want %d matching %q", s.Warnings, len(tc.want.warnings), tc.want.warnings)
			}
			for i, w := range tc.want.warnings {
				if !strings.Contains(s.Warnings[i], w) {
					t.Errorf("warning %d = %q, want it to contain %q", i, s.Warnings[i], w)
				}
			}
			if wantPath := filepath.Join(env.Home, ".ansible_api_config.json"); s.ConfigPath != wantPath {
				t.Errorf("ConfigPath = %q, want %q", s.ConfigPath, wantPath)
			}
			if (tc.files.apiConfig != "") != (s.File != nil) {
				t.Errorf("File = %v, want it read: %v", s.File, tc.files.apiConfig != "")
			}
		})
	}
}

func TestLoadConfigFileChoice(t *testing.T) {
	dir := t.TempDir()
	named := filepath.Join(dir, "other.json")
	writeTestFile(t, named, `{"origin":"https://named.example.com","token":"nt"}`, 0o600)
	explicit := filepath.Join(dir, "explicit.json")
	writeTestFile(t, explicit, `{"origin":"https://explicit.example.com","token":"et"}`, 0o600)

	t.Run("ANSIBLE_API_CONFIG", func(t *testing.T) {
		env := testEnv(t, map[string]string{"ANSIBLE_API_CONFIG": named})
		writeTestFile(t, filepath.Join(env.Home, ".ansible_api_config.json"), `{"origin":"https://home.example.com","token":"ht"}`, 0o600)
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if s.Host != "https://named.example.com" || s.Token != "nt" || s.ConfigPath != named {
			t.Errorf("got host %q token %q path %q", s.Host, s.Token, s.ConfigPath)
		}
		if s.Sources["token"] != "file "+named {
			t.Errorf("token source = %q", s.Sources["token"])
		}
		if ActivePath(Flags{}, env) != named {
			t.Errorf("ActivePath = %q", ActivePath(Flags{}, env))
		}
	})
	t.Run("explicit path wins over ANSIBLE_API_CONFIG", func(t *testing.T) {
		env := testEnv(t, map[string]string{"ANSIBLE_API_CONFIG": named})
		s, err := Load(Flags{ConfigPath: explicit}, env)
		if err != nil {
			t.Fatal(err)
		}
		if s.Host != "https://explicit.example.com" || s.ConfigPath != explicit {
			t.Errorf("got host %q path %q", s.Host, s.ConfigPath)
		}
		if ActivePath(Flags{ConfigPath: explicit}, env) != explicit {
			t.Errorf("ActivePath = %q", ActivePath(Flags{ConfigPath: explicit}, env))
		}
	})
	t.Run("no home directory: no file", func(t *testing.T) {
		env := Env{Getenv: func(string) string { return "" }}
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if s.ConfigPath != "" || s.File != nil || s.Host != "" {
			t.Errorf("got %+v", s)
		}
	})
	t.Run("nil Getenv is an empty environment", func(t *testing.T) {
		s, err := Load(Flags{Host: "h.example.com"}, Env{Home: t.TempDir()})
		if err != nil {
			t.Fatal(err)
		}
		if s.Host != "https://h.example.com" {
			t.Errorf("Host = %q", s.Host)
		}
	})
}

func TestLoadErrors(t *testing.T) {
	const secret = "s3cr3t-value"
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	tests := []struct {
		name  string
		flags Flags
		vars  map[string]string
		files testFiles
		// setup runs after the environment exists, for cases that need its paths.
		setup    func(t *testing.T, env Env)
		wantErr  []string // substrings of the message
		notExist bool     // errors.Is(err, fs.ErrNotExist)
	}{
		{
			name:     "ANSIBLE_API_CONFIG names a missing file",
			vars:     map[string]string{"ANSIBLE_API_CONFIG": missing},
			wantErr:  []string{"ANSIBLE_API_CONFIG names " + missing + ", which does not exist"},
			notExist: true,
		},
		{
			name:     "explicit config path missing",
			flags:    Flags{ConfigPath: missing},
			wantErr:  []string{"configuration file " + missing + " does not exist"},
			notExist: true,
		},
		{
			name:    "malformed AWX.psm file",
			files:   testFiles{apiConfig: `{"origin":"https://a.example.com","token":"` + secret},
			wantErr: []string{".ansible_api_config.json is not valid JSON"},
		},
		{
			name:    "AWX.psm file holding an array",
			files:   testFiles{apiConfig: `["` + secret + `"]`},
			wantErr: []string{".ansible_api_config.json is not valid: it must hold a JSON object"},
		},
		{
			name:    "AWX.psm file with a wrongly typed field",
			files:   testFiles{apiConfig: `{"origin":"https://a.example.com","token":["` + secret + `"]}`},
			wantErr: []string{".ansible_api_config.json is not valid", `"token"`},
		},
		{
			name:    "AWX.psm origin with credentials in it",
			files:   testFiles{apiConfig: `{"origin":"https://admin:` + secret + `@a.example.com","token":"t"}`},
			wantErr: []string{".ansible_api_config.json: origin: host must not contain a user name or password"},
		},
		{
			name: "AWX.psm path is a directory",
			setup: func(t *testing.T, env Env) {
				if err := os.Mkdir(filepath.Join(env.Home, ".ansible_api_config.json"), 0o700); err != nil {
					t.Fatal(err)
				}
			},
			wantErr: []string{".ansible_api_config.json cannot be read"},
		},
		{
			name:    "tower_cli.cfg line without a delimiter",
			files:   testFiles{towerHome: "[general]\nhost = a.example.com\n" + secret + "\n"},
			wantErr: []string{".tower_cli.cfg is not properly formatted: line 3"},
		},
		{
			name:    "tower_cli.cfg with a bad verify_ssl",
			files:   testFiles{towerSystem: "verify_ssl = maybe\n"},
			wantErr: []string{"tower_cli.cfg: verify_ssl: \"maybe\" is not a boolean"},
		},
		{
			name:    "tower_cli.cfg with a bad request_timeout",
			files:   testFiles{towerHome: "[general]\nrequest_timeout = soon\n"},
			wantErr: []string{".tower_cli.cfg: request_timeout: \"soon\" is not a number of seconds"},
		},
		{
			name:    "tower_cli.cfg password with a lone percent sign",
			files:   testFiles{towerHome: "[general]\npassword = a%b" + secret + "\n"},
			wantErr: []string{".tower_cli.cfg is not properly formatted: key \"password\""},
		},
		{
			name:    "bad CONTROLLER_VERIFY_SSL",
			vars:    map[string]string{"CONTROLLER_VERIFY_SSL": "maybe"},
			wantErr: []string{"environment variable CONTROLLER_VERIFY_SSL", `"maybe" is not a boolean`},
		},
		{
			name:    "bad TOWER_VERIFY_SSL",
			vars:    map[string]string{"TOWER_VERIFY_SSL": "2"},
			wantErr: []string{"environment variable TOWER_VERIFY_SSL"},
		},
		{
			name:    "non-numeric CONTROLLER_REQUEST_TIMEOUT",
			vars:    map[string]string{"CONTROLLER_REQUEST_TIMEOUT": "abc"},
			wantErr: []string{"environment variable CONTROLLER_REQUEST_TIMEOUT", `"abc" is not a number of seconds`},
		},
		{
			name:    "zero TOWER_REQUEST_TIMEOUT",
			vars:    map[string]string{"TOWER_REQUEST_TIMEOUT": "0"},
			wantErr: []string{"environment variable TOWER_REQUEST_TIMEOUT", "must be a positive number"},
		},
		{
			name:    "negative CONTROLLER_REQUEST_TIMEOUT",
			vars:    map[string]string{"CONTROLLER_REQUEST_TIMEOUT": "-3"},
			wantErr: []string{"environment variable CONTROLLER_REQUEST_TIMEOUT"},
		},
		{
			name:    "CONTROLLER_HOST with a password in it",
			vars:    map[string]string{"CONTROLLER_HOST": "https://admin:" + secret + "@a.example.com"},
			wantErr: []string{"environment variable CONTROLLER_HOST: host must not contain a user name or password"},
		},
		{
			name:    "CONTROLLER_HOST with another scheme",
			vars:    map[string]string{"CONTROLLER_HOST": "ftp://a.example.com"},
			wantErr: []string{"environment variable CONTROLLER_HOST: host must be an http:// or https:// URL"},
		},
		{
			name:    "--host that is not a URL",
			flags:   Flags{Host: "https://a b%zz" + secret},
			wantErr: []string{"flag --host: host is not a valid URL"},
		},
		{
			name:    "negative --timeout",
			flags:   Flags{Timeout: -time.Second},
			wantErr: []string{"flag --timeout: must be positive"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env := testEnv(t, tc.vars)
			tc.files.write(t, env)
			if tc.setup != nil {
				tc.setup(t, env)
			}
			s, err := Load(tc.flags, env)
			if err == nil {
				t.Fatalf("Load succeeded: %v", s)
			}
			for _, w := range tc.wantErr {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q reveals the secret", err)
			}
			if got := errors.Is(err, fs.ErrNotExist); got != tc.notExist {
				t.Errorf("errors.Is(err, fs.ErrNotExist) = %v, want %v", got, tc.notExist)
			}
		})
	}
}

func TestLoadMissingDefaultFilesAreFine(t *testing.T) {
	env := testEnv(t, nil)
	// A directory where a tower_cli.cfg would be is skipped, as the collection skips it.
	if err := os.MkdirAll(env.SystemTowerCLI, 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Load(Flags{}, env)
	if err != nil {
		t.Fatal(err)
	}
	if s.File != nil || s.Host != "" || len(s.Warnings) != 0 {
		t.Errorf("got %+v, warnings %q", s, s.Warnings)
	}
}

func TestLoadWarnings(t *testing.T) {
	t.Run("AWX.psm file readable by others", func(t *testing.T) {
		env := testEnv(t, nil)
		path := filepath.Join(env.Home, ".ansible_api_config.json")
		writeTestFile(t, path, `{"origin":"https://a.example.com","token":"t"}`, 0o644)
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], path+" holds credentials and is readable by other users (mode 0644)") {
			t.Errorf("warnings = %q", s.Warnings)
		}
	})
	t.Run("tower_cli.cfg with a password, writable by the group", func(t *testing.T) {
		env := testEnv(t, nil)
		path := filepath.Join(env.Home, ".tower_cli.cfg")
		writeTestFile(t, path, "username = u\npassword = p\n", 0o620)
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "is writable by other users (mode 0620)") {
			t.Errorf("warnings = %q", s.Warnings)
		}
	})
	t.Run("tower_cli.cfg without secrets is not warned about", func(t *testing.T) {
		env := testEnv(t, nil)
		writeTestFile(t, env.SystemTowerCLI, "host = a.example.com\n", 0o644)
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Warnings) != 0 {
			t.Errorf("warnings = %q", s.Warnings)
		}
	})
	t.Run("leftover bytes after the JSON", func(t *testing.T) {
		env := testEnv(t, nil)
		path := filepath.Join(env.Home, ".ansible_api_config.json")
		writeTestFile(t, path, `{"origin":"https://a.example.com","token":"new"}`+`ken":"older-longer-token","user_id":1}`, 0o600)
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if s.Token != "new" {
			t.Errorf("Token = %q", s.Token)
		}
		if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "leftover bytes") || strings.Contains(s.Warnings[0], "older-longer-token") {
			t.Errorf("warnings = %q", s.Warnings)
		}
	})
}

func TestRedacted(t *testing.T) {
	s := &Settings{
		Host: "https://a.example.com", Token: "tok-secret", Username: "admin", Password: "pw-secret",
		Insecure: true, Timeout: 1500 * time.Millisecond, ConfigPath: "/home/u/.ansible_api_config.json",
		Sources: map[string]string{
			"host": "env CONTROLLER_HOST", "token": "file ~/.ansible_api_config.json",
			"username": "flag --username", "password": "env CONTROLLER_PASSWORD",
			"insecure": "flag --insecure", "timeout": "env CONTROLLER_REQUEST_TIMEOUT",
		},
	}
	want := map[string]string{
		"host": "https://a.example.com", "host_source": "env CONTROLLER_HOST",
		"token": "************", "token_source": "file ~/.ansible_api_config.json",
		"username": "admin", "username_source": "flag --username",
		"password": "************", "password_source": "env CONTROLLER_PASSWORD",
		"insecure": "true", "insecure_source": "flag --insecure",
		"ca_file": "", "ca_file_source": "",
		"timeout": "1.5s", "timeout_source": "env CONTROLLER_REQUEST_TIMEOUT",
		"config_path": "/home/u/.ansible_api_config.json",
	}
	if got := s.Redacted(); !reflect.DeepEqual(got, want) {
		t.Errorf("Redacted:\n got %v\nwant %v", got, want)
	}

	empty := (&Settings{}).Redacted()
	if empty["token"] != "" || empty["password"] != "" {
		t.Errorf("unset secrets show %q and %q, want empty", empty["token"], empty["password"])
	}

	entries := s.RedactedEntries()
	var names []string
	for _, e := range entries {
		names = append(names, e.Name)
	}
	if want := []string{"host", "token", "username", "password", "insecure", "ca_file", "timeout"}; !reflect.DeepEqual(names, want) {
		t.Errorf("entry order = %q, want %q", names, want)
	}

	// Printing the settings by mistake must not leak the secrets.
	var logged bytes.Buffer
	slog.New(slog.NewTextHandler(&logged, nil)).Info("settings", "s", *s)
	for _, out := range []string{fmt.Sprint(s), fmt.Sprintf("%+v", *s), fmt.Sprintf("%#v", *s), fmt.Sprintf("%v", s), logged.String()} {
		if strings.Contains(out, "tok-secret") || strings.Contains(out, "pw-secret") {
			t.Errorf("printed settings reveal a secret: %s", out)
		}
		if !strings.Contains(out, "https://a.example.com") {
			t.Errorf("printed settings lack the host: %s", out)
		}
	}
}

func TestRequireHost(t *testing.T) {
	if err := (&Settings{}).RequireHost(); err == nil || !strings.Contains(err.Error(), "CONTROLLER_HOST") {
		t.Errorf("RequireHost on empty settings = %v", err)
	}
	if err := (&Settings{Host: "https://a"}).RequireHost(); err != nil {
		t.Errorf("RequireHost = %v", err)
	}
}

func TestNormalizeHost(t *testing.T) {
	tests := []struct{ in, want, err string }{
		{"awx.example.com", "https://awx.example.com", ""},
		{" https://awx.example.com/ ", "https://awx.example.com", ""},
		{"https://awx.example.com/awx/", "https://awx.example.com/awx", ""},
		{"https://awx.example.com/awx/api/v2", "https://awx.example.com/awx", ""},
		{"HTTP://AWX.Example.com:80/", "http://awx.example.com", ""},
		{"https://awx.example.com:8443", "https://awx.example.com:8443", ""},
		{"[::1]:8052", "https://[::1]:8052", ""},
		{"localhost:8052", "https://localhost:8052", ""},
		{"https://awx.example.com/my%20awx/", "https://awx.example.com/my%20awx", ""},
		{"", "", ""},
		{"https://", "", "host has no host name"},
		{"https://a.example.com/?x=1", "", "query"},
		{"https://a.example.com/#frag", "", "query or a fragment"},
		{"ftp://a.example.com", "", "http:// or https://"},
		{"https://u:p@a.example.com", "", "user name or password"},
	}
	for _, tc := range tests {
		got, err := NormalizeHost(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("NormalizeHost(%q) = %q, %v; want error containing %q", tc.in, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("NormalizeHost(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestParseBoolAndSeconds(t *testing.T) {
	for in, want := range map[string]bool{
		"true": true, "True": true, "YES": true, "on": true, "1": true, "t": true, "y": true,
		"false": false, "0": false, "no": false, "Off": false, "f": false, "n": false, " false ": false,
	} {
		got, err := ParseBool(in)
		if err != nil || got != want {
			t.Errorf("ParseBool(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "maybe", "2", "tru"} {
		if _, err := ParseBool(in); err == nil {
			t.Errorf("ParseBool(%q) succeeded", in)
		}
	}
	for in, want := range map[string]time.Duration{
		"30": 30 * time.Second, "2.5": 2500 * time.Millisecond, "0.001": time.Millisecond,
		" 10 ": 10 * time.Second, "90s": 90 * time.Second, "1m30s": 90 * time.Second,
	} {
		got, err := ParseSeconds(in)
		if err != nil || got != want {
			t.Errorf("ParseSeconds(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "abc", "0", "-1", "NaN", "Inf", "1e300", "-5s", "0s"} {
		if d, err := ParseSeconds(in); err == nil {
			t.Errorf("ParseSeconds(%q) = %v, want an error", in, d)
		}
	}
}

func TestDefaultEnv(t *testing.T) {
	t.Setenv("AWXTOKEN_CONFIG_TEST_VAR", "x")
	env := DefaultEnv()
	if env.Getenv("AWXTOKEN_CONFIG_TEST_VAR") != "x" {
		t.Error("DefaultEnv does not read the process environment")
	}
	if env.SystemTowerCLI != "/etc/tower/tower_cli.cfg" {
		t.Errorf("SystemTowerCLI = %q", env.SystemTowerCLI)
	}
	if home, err := os.UserHomeDir(); err == nil && env.Home != home {
		t.Errorf("Home = %q, want %q", env.Home, home)
	}
}

func TestEnvNames(t *testing.T) {
	if got := EnvNames(SettingHost); !reflect.DeepEqual(got, []string{"CONTROLLER_HOST", "TOWER_HOST"}) {
		t.Errorf("EnvNames(host) = %q", got)
	}
	if got := EnvNames(SettingCAFile); got != nil {
		t.Errorf("EnvNames(ca_file) = %q, want nil", got)
	}
}

func TestLoadSkipConfigFile(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing.json")
	env := testEnv(t, map[string]string{"ANSIBLE_API_CONFIG": missing, "CONTROLLER_VERIFY_SSL": "false"})
	writeTestFile(t, filepath.Join(env.Home, ".tower_cli.cfg"), "host = t.example.com\n", 0o600)
	if _, err := Load(Flags{}, env); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Load without SkipConfigFile: %v", err)
	}
	s, err := Load(Flags{SkipConfigFile: true}, env)
	if err != nil {
		t.Fatal(err)
	}
	if s.ConfigPath != missing || s.File != nil || !s.Insecure || s.Host != "https://t.example.com" {
		t.Errorf("got path %q file %v insecure %v host %q", s.ConfigPath, s.File, s.Insecure, s.Host)
	}

	broken := testEnv(t, nil)
	writeTestFile(t, filepath.Join(broken.Home, ".ansible_api_config.json"), "{", 0o600)
	if _, err := Load(Flags{}, broken); err == nil {
		t.Fatal("a broken file loaded")
	}
	if _, err := Load(Flags{SkipConfigFile: true}, broken); err != nil {
		t.Errorf("SkipConfigFile still reads the broken file: %v", err)
	}
}
