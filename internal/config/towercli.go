package config

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml"
)

// towerKeys are the tower_cli.cfg keys honoured, as the awx.awx collection
// (and tower-cli before it) named them.
var towerKeys = []string{"host", "oauth_token", "username", "password", "verify_ssl", "request_timeout"}

// towerCLILayer reads /etc/tower/tower_cli.cfg, then ~/.tower_cli.cfg, the
// latter winning key by key, as the collection does. Missing files and
// directories are skipped, as the collection skips them; a file that is
// there but unreadable or malformed is an error naming it.
//
// The collection also reads .tower_cli.cfg in the working directory and its
// parents; awxtoken does not, so a checked-out repository cannot point the
// client, with the user's credentials, at another server.
func towerCLILayer(env Env, s *Settings) (*layer, error) {
	l := &layer{bound: true}
	var paths []string
	if env.SystemTowerCLI != "" {
		paths = append(paths, env.SystemTowerCLI)
	}
	if env.Home != "" {
		paths = append(paths, filepath.Join(env.Home, towerCLIName))
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if errors.Is(err, fs.ErrNotExist) || (err == nil && fi.IsDir()) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("config file %s cannot be read: %w", path, pathErr(err))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("config file %s cannot be read: %w", path, pathErr(err))
		}
		values, err := ParseTowerCLI(data)
		if err != nil {
			return nil, fmt.Errorf("config file %s is not properly formatted: %w", path, err)
		}
		src := "file " + displayPath(env, path)
		if err := l.setTower(values, src); err != nil {
			return nil, fmt.Errorf("config file %s: %w", path, err)
		}
		if values["oauth_token"] != "" || values["password"] != "" {
			if w := PermissionWarning(path); w != "" {
				s.Warnings = append(s.Warnings, w)
			}
		}
	}
	return l, nil
}

// setTower applies one file's values over what earlier files set. Empty
// values count as unset, like an empty environment variable.
func (l *layer) setTower(values map[string]string, src string) error {
	if v := values["host"]; v != "" {
		h, err := NormalizeHost(v)
		if err != nil {
			return fmt.Errorf("host: %w", err)
		}
		l.host = val(h, src)
	}
	if v := values["oauth_token"]; v != "" {
		l.token = val(v, src)
	}
	if v := values["username"]; v != "" {
		l.username = val(v, src)
	}
	if v := values["password"]; v != "" {
		l.password = val(v, src)
	}
	if v := values["verify_ssl"]; v != "" {
		verify, err := ParseBool(v)
		if err != nil {
			return fmt.Errorf("verify_ssl: %w", err)
		}
		l.insecure = val(!verify, src)
	}
	if v := values["request_timeout"]; v != "" {
		d, err := ParseSeconds(v)
		if err != nil {
			return fmt.Errorf("request_timeout: %w", err)
		}
		l.timeout = val(d, src)
	}
	return nil
}

// ParseTowerCLI reads a tower_cli.cfg as the awx.awx collection does: first
// as YAML (which covers JSON) when that gives a mapping, else as an INI file
// read by Python's ConfigParser, the [general] section (keys outside any
// section count as [general], as tower-cli allowed). It returns the honoured
// keys that are present. Errors give a line number or a key, never a value.
func ParseTowerCLI(data []byte) (map[string]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if m, ok := parseYAMLMapping(data); ok {
		out := map[string]string{}
		for _, k := range towerKeys {
			v, present := m[k]
			if !present || v == nil {
				continue
			}
			switch x := v.(type) {
			case string:
				out[k] = x
			case bool:
				out[k] = strconv.FormatBool(x)
			case uint64, int64, int, float64:
				out[k] = fmt.Sprint(x)
			default:
				return nil, fmt.Errorf("key %q must be a single value", k)
			}
		}
		return out, nil
	}
	return parseINI(string(data))
}

// parseYAMLMapping returns the document as a mapping when it is one. An INI
// file is not: YAML reads it as one long string or fails.
func parseYAMLMapping(data []byte) (m map[string]any, ok bool) {
	defer func() {
		// A parser bug on odd input must not crash the client; INI gets its turn.
		if recover() != nil {
			m, ok = nil, false
		}
	}()
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, false
	}
	out := map[string]any{}
	switch x := v.(type) {
	case map[string]any:
		out = x
	case map[any]any:
		for k, val := range x {
			out[fmt.Sprint(k)] = val
		}
	default:
		return nil, false
	}
	// "password = a: b" is a YAML mapping with the key "password = a"; PyYAML
	// takes it so and the collection then silently reads no password. A key
	// that cannot be a setting name means the file is INI.
	for k := range out {
		if strings.ContainsAny(k, "= \t") {
			return nil, false
		}
	}
	return out, true
}

// parseINI follows Python's configparser.ConfigParser defaults: "=" or ":"
// delimits, whole-line "#" and ";" comments, lowercased keys, indented
// continuation lines, duplicate sections or keys are errors, [DEFAULT]
// supplies missing keys, and values go through BasicInterpolation ("%%" is
// a literal "%", "%(key)s" another key's value).
func parseINI(text string) (map[string]string, error) {
	type option struct {
		lines  []string
		indent int
	}
	sections := map[string]map[string]*option{}
	hasGeneral := false
	for _, line := range strings.Split(text, "\n") {
		if t := strings.TrimSpace(line); strings.HasPrefix(t, "[") && strings.HasSuffix(t, "]") && t[1:len(t)-1] == "general" {
			hasGeneral = true
		}
	}
	var cur map[string]*option
	var curOpt *option
	if !hasGeneral {
		// tower-cli prepended "[general]" to files without it; so does the collection.
		cur = map[string]*option{}
		sections["general"] = cur
	}
	for i, line := range strings.Split(text, "\n") {
		lineno := i + 1
		line = strings.TrimRight(line, "\r")
		stripped := strings.TrimSpace(line)
		if strings.HasPrefix(stripped, "#") || strings.HasPrefix(stripped, ";") {
			continue
		}
		if stripped == "" {
			if curOpt != nil {
				curOpt.lines = append(curOpt.lines, "")
			}
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " \t"))
		if curOpt != nil && indent > curOpt.indent {
			curOpt.lines = append(curOpt.lines, stripped)
			continue
		}
		if strings.HasPrefix(stripped, "[") {
			end := strings.LastIndex(stripped, "]")
			if end < 2 {
				return nil, fmt.Errorf("line %d: malformed section header", lineno)
			}
			name := stripped[1:end]
			if _, dup := sections[name]; dup {
				return nil, fmt.Errorf("line %d: section [%s] appears twice", lineno, name)
			}
			cur = map[string]*option{}
			sections[name] = cur
			curOpt = nil
			continue
		}
		if cur == nil {
			return nil, fmt.Errorf("line %d: a key before the first section header", lineno)
		}
		d := strings.IndexAny(stripped, "=:")
		if d < 0 {
			return nil, fmt.Errorf("line %d: expected \"key = value\"", lineno)
		}
		key := strings.ToLower(strings.TrimSpace(stripped[:d]))
		if key == "" {
			return nil, fmt.Errorf("line %d: a value without a key", lineno)
		}
		if _, dup := cur[key]; dup {
			return nil, fmt.Errorf("line %d: key %q appears twice in its section", lineno, key)
		}
		curOpt = &option{lines: []string{strings.TrimSpace(stripped[d+1:])}, indent: indent}
		cur[key] = curOpt
	}

	// The raw values of [general], with [DEFAULT] under them.
	raw := map[string]string{}
	for _, name := range []string{"DEFAULT", "general"} {
		for k, o := range sections[name] {
			raw[k] = strings.TrimRightFunc(strings.Join(o.lines, "\n"), func(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' })
		}
	}
	out := map[string]string{}
	for _, k := range towerKeys {
		v, ok := raw[k]
		if !ok {
			continue
		}
		iv, err := interpolate(raw, v, 1)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k, err)
		}
		out[k] = iv
	}
	return out, nil
}

// maxInterpolationDepth is configparser.MAX_INTERPOLATION_DEPTH.
const maxInterpolationDepth = 10

func interpolate(vars map[string]string, v string, depth int) (string, error) {
	if depth > maxInterpolationDepth {
		return "", errors.New("too deep a chain of %(...)s references")
	}
	var b strings.Builder
	rest := v
	for {
		p := strings.IndexByte(rest, '%')
		if p < 0 {
			b.WriteString(rest)
			return b.String(), nil
		}
		b.WriteString(rest[:p])
		rest = rest[p:]
		switch {
		case strings.HasPrefix(rest, "%%"):
			b.WriteByte('%')
			rest = rest[2:]
		case strings.HasPrefix(rest, "%("):
			end := strings.Index(rest, ")s")
			if end < 3 || strings.ContainsRune(rest[2:end], ')') {
				return "", errors.New(`a "%(" not followed by "name)s" (write a literal "%" as "%%", as Python's ConfigParser requires)`)
			}
			name := strings.ToLower(rest[2:end])
			ref, ok := vars[name]
			if !ok {
				return "", fmt.Errorf("refers to %q, which is not set", name)
			}
			rv, err := interpolate(vars, ref, depth+1)
			if err != nil {
				return "", err
			}
			b.WriteString(rv)
			rest = rest[end+2:]
		default:
			return "", errors.New(`a "%" must be written "%%" (as Python's ConfigParser requires)`)
		}
	}
}
