package config

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseTowerCLI(t *testing.T) {
	tests := []struct {
		name, content string
		want          map[string]string
	}{
		{"with [general]",
			"[general]\nhost = https://awx.example.com\nusername = admin\npassword = pw\nverify_ssl = false\noauth_token = tok\nrequest_timeout = 12.5\n",
			map[string]string{"host": "https://awx.example.com", "username": "admin", "password": "pw",
				"verify_ssl": "false", "oauth_token": "tok", "request_timeout": "12.5"}},
		{"without a section header (tower-cli style)",
			"host = https://awx.example.com\nusername=admin\npassword: p:w=x\n",
			map[string]string{"host": "https://awx.example.com", "username": "admin", "password": "p:w=x"}},
		{"other sections ignored, keys lowercased, CRLF, comments",
			"; written on Windows\r\n[general]\r\nHOST = a.example.com\r\n# a comment\r\n  ; an indented comment\r\n[other]\r\nusername = nobody\r\n",
			map[string]string{"host": "a.example.com"}},
		{"keys before other sections count as [general]",
			"host = a.example.com\n\n[other]\nusername = nobody\n",
			map[string]string{"host": "a.example.com"}},
		{"[DEFAULT] fills in",
			"[DEFAULT]\nusername = d\nhost = default.example.com\n[general]\nhost = a.example.com\n",
			map[string]string{"host": "a.example.com", "username": "d"}},
		{"unknown keys ignored", "[general]\nhost = a\ncolor = on\n", map[string]string{"host": "a"}},
		{"interpolation as ConfigParser does it",
			"[general]\nserver = awx.example.com\nhost = https://%(server)s/awx\npassword = 100%%sure\n",
			map[string]string{"host": "https://awx.example.com/awx", "password": "100%sure"}},
		{"continuation lines",
			"[general]\npassword = first\n  second\nusername = u\n",
			map[string]string{"password": "first\nsecond", "username": "u"}},
		{"empty values", "[general]\nhost =\nusername = u\n", map[string]string{"host": "", "username": "u"}},
		{"empty file", "", map[string]string{}},
		{"YAML", "host: https://awx.example.com\nusername: admin\nverify_ssl: no\nrequest_timeout: 5\n",
			map[string]string{"host": "https://awx.example.com", "username": "admin", "verify_ssl": "no", "request_timeout": "5"}},
		{"YAML with typed values and quotes", "host: \"a.example.com\"\nverify_ssl: false\nrequest_timeout: 2.5\npassword: null\n",
			map[string]string{"host": "a.example.com", "verify_ssl": "false", "request_timeout": "2.5"}},
		{"JSON", `{"host": "a.example.com", "verify_ssl": true, "oauth_token": "t"}`,
			map[string]string{"host": "a.example.com", "verify_ssl": "true", "oauth_token": "t"}},
		{"an INI line that is also YAML is read as INI", "password = a: b\n",
			map[string]string{"password": "a: b"}},
		{"a BOM", "\xef\xbb\xbf[general]\nhost = a\n", map[string]string{"host": "a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseTowerCLI([]byte(tc.content))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseTowerCLIErrors(t *testing.T) {
	const secret = "pw-SECRET"
	tests := []struct{ name, content, want string }{
		{"no delimiter", "[general]\nhost = a\n" + secret + "\n", "line 3: expected \"key = value\""},
		{"no key", "[general]\n= " + secret + "\n", "line 2: a value without a key"},
		{"duplicate key", "[general]\npassword = " + secret + "\nPassword = x\n", `line 3: key "password" appears twice`},
		{"duplicate section", "[general]\nhost = a\n[general]\nusername = u\n", "line 3: section [general] appears twice"},
		{"key before [general]", "host = a\n[general]\npassword = " + secret + "\n", "line 1: a key before the first section header"},
		{"lone percent", "password = ab%" + secret + "\n", `key "password": a "%" must be written "%%"`},
		{"bad reference", "password = %(" + secret + "\n", `key "password": a "%(" not followed by "name)s"`},
		{"missing reference", "password = %(nothere)s\n", `key "password": refers to "nothere", which is not set`},
		{"reference loop", "host = %(username)s\nusername = %(host)s\n", "too deep"},
		{"malformed header", "[\nhost = a\n", "line 1: malformed section header"},
		{"YAML with a nested value", "host:\n  name: a\n", `key "host" must be a single value`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseTowerCLI([]byte(tc.content))
			if err == nil {
				t.Fatal("parsed without error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q reveals the secret", err)
			}
		})
	}
}
