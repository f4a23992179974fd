package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// File is AWX.psm's configuration file (~/.ansible_api_config.json), in its
// exact format: compact JSON, keys in this order, last_saved as .NET writes
// a UTC DateTime.
type File struct {
	Origin    string    `json:"origin"`
	Token     string    `json:"token"`
	LastSaved time.Time `json:"last_saved"`
	UserID    int64     `json:"user_id"`
	UserName  string    `json:"user_name"`
}

// dotnetLayout is .NET's round-trip ("o") format for a UTC DateTime:
// seven fractional digits (100 ns ticks) and a Z.
const dotnetLayout = "2006-01-02T15:04:05.0000000Z"

// wireFile fixes the key order and the last_saved format on output.
type wireFile struct {
	Origin    string     `json:"origin"`
	Token     string     `json:"token"`
	LastSaved dotnetTime `json:"last_saved"`
	UserID    int64      `json:"user_id"`
	UserName  string     `json:"user_name"`
}

type dotnetTime time.Time

func (t dotnetTime) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Time(t).UTC().Format(dotnetLayout) + `"`), nil
}

// encode is the file's bytes: compact JSON as PowerShell's ConvertTo-Json
// -Compress writes it (no HTML escaping), and a final newline.
func (f File) encode() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	err := enc.Encode(wireFile{f.Origin, f.Token, dotnetTime(f.LastSaved), f.UserID, f.UserName})
	if err != nil {
		return nil, errors.New("encoding the configuration file failed")
	}
	return buf.Bytes(), nil
}

// MarshalJSON writes the file's format (see File).
func (f File) MarshalJSON() ([]byte, error) {
	b, err := f.encode()
	return bytes.TrimRight(b, "\n"), err
}

// UnmarshalJSON reads leniently: last_saved in .NET's format, any RFC 3339
// time, a zone-less time (taken as UTC), the old "/Date(ms)/" form, or
// anything unreadable (ignored: it is informational); user_id as a number
// or a string of digits; null for any field.
func (f *File) UnmarshalJSON(b []byte) error {
	var in struct {
		Origin    *string         `json:"origin"`
		Token     *string         `json:"token"`
		LastSaved json.RawMessage `json:"last_saved"`
		UserID    json.RawMessage `json:"user_id"`
		UserName  *string         `json:"user_name"`
	}
	if err := json.Unmarshal(b, &in); err != nil {
		return err
	}
	*f = File{}
	if in.Origin != nil {
		f.Origin = *in.Origin
	}
	if in.Token != nil {
		f.Token = *in.Token
	}
	if in.UserName != nil {
		f.UserName = *in.UserName
	}
	f.LastSaved = parseLastSaved(in.LastSaved)
	if id := bytes.Trim(bytes.TrimSpace(in.UserID), `"`); len(id) > 0 && string(id) != "null" {
		n, err := strconv.ParseInt(string(id), 10, 64)
		if err != nil {
			if fl, ferr := strconv.ParseFloat(string(id), 64); ferr == nil && fl == float64(int64(fl)) {
				n = int64(fl)
			} else {
				return errors.New(`field "user_id" is not a number`)
			}
		}
		f.UserID = n
	}
	return nil
}

// msDateRE is compiled on first use: only reading a cached api file with a
// .NET date needs it, not every command's start-up.
var msDateRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^/Date\((-?\d+)([+-]\d{4})?\)/$`) })

func parseLastSaved(raw json.RawMessage) time.Time {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || s == "" {
		return time.Time{}
	}
	if m := msDateRE().FindStringSubmatch(s); m != nil {
		ms, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return time.Time{}
		}
		return time.UnixMilli(ms).UTC()
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t
	}
	for _, layout := range []string{"2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00", "2006-01-02 15:04:05.999999999"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t
		}
	}
	return time.Time{}
}

// String masks the token, so printing a File by mistake cannot leak it.
func (f File) String() string {
	tok := ""
	if f.Token != "" {
		tok = Masked
	}
	return fmt.Sprintf("{origin:%q token:%q last_saved:%s user_id:%d user_name:%q}",
		f.Origin, tok, f.LastSaved.UTC().Format(dotnetLayout), f.UserID, f.UserName)
}

// GoString keeps %#v from printing the token too.
func (f File) GoString() string { return "config.File" + f.String() }

// FilePath is where AWX.psm keeps its configuration: the file named by
// ANSIBLE_API_CONFIG, else $HOME/.ansible_api_config.json; "" when neither
// is known (no home directory), so nothing is written to the working directory.
func FilePath(env Env) string {
	if p := env.get(EnvAPIConfig); p != "" {
		return p
	}
	if env.Home == "" {
		return ""
	}
	return filepath.Join(env.Home, apiConfigName)
}

// ReadFile reads an AWX.psm configuration file. A missing file gives an
// error wrapping fs.ErrNotExist; every error names the file and none
// repeats its content.
func ReadFile(path string) (*File, error) {
	f, _, err := readFile(path)
	return f, err
}

// readFile also reports bytes after the JSON object. AWX.psm rewrites the
// file without truncating it, so a shorter save leaves the tail of the old
// one behind; the first object is the real content, and is used.
func readFile(path string) (*File, bool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("configuration file %s does not exist: %w", path, fs.ErrNotExist)
		}
		return nil, false, fmt.Errorf("configuration file %s cannot be read: %w", path, err)
	}
	// Windows PowerShell's "Out-File -Encoding utf8" writes a byte order mark.
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return nil, false, fmt.Errorf("configuration file %s is not valid JSON: %s", path, jsonErrorText(err))
	}
	if t := bytes.TrimSpace(raw); len(t) == 0 || t[0] != '{' {
		return nil, false, fmt.Errorf("configuration file %s is not valid: it must hold a JSON object", path)
	}
	var f File
	if err := json.Unmarshal(raw, &f); err != nil {
		return nil, false, fmt.Errorf("configuration file %s is not valid: %s", path, jsonErrorText(err))
	}
	trailing := len(bytes.TrimSpace(data[dec.InputOffset():])) > 0
	return &f, trailing, nil
}

// jsonErrorText describes a decoding error by position or field only: the
// messages of encoding/json can quote a character of the input, and the
// input holds a token.
func jsonErrorText(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("syntax error at byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("field %q has the wrong type", te.Field)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "the file is empty or cut short"
	case strings.HasPrefix(err.Error(), `field "`):
		return err.Error() // ours, from UnmarshalJSON: names the field only
	}
	return "malformed content"
}

// WriteFile saves f atomically with mode 0600: a temporary file in the same
// directory is written, synced, renamed over path, and the directory synced.
// Readers see the old file or the new one, never a mix, and never the tail
// of a longer old file (AWX.psm's bug). A symbolic link at path is followed,
// so a linked dotfile stays linked.
func WriteFile(path string, f *File) error {
	if path == "" {
		return fmt.Errorf("no configuration file path (no home directory); set %s", EnvAPIConfig)
	}
	if f == nil {
		return errors.New("no configuration to write")
	}
	data, err := f.encode()
	if err != nil {
		return err
	}
	target := path
	if fi, err := os.Lstat(path); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		if resolved, err := filepath.EvalSymlinks(path); err == nil {
			target = resolved
		}
	}
	if fi, err := os.Stat(target); err == nil && fi.IsDir() {
		return fmt.Errorf("configuration file %s is a directory", path)
	}
	dir, base := filepath.Split(target)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	tmpName := tmp.Name()
	done := false
	defer func() {
		if !done {
			tmp.Close()
			os.Remove(tmpName)
		}
	}()
	// CreateTemp already uses 0600; Chmod says so explicitly and survives
	// a change of that default.
	if err := tmp.Chmod(0o600); err != nil && runtime.GOOS != "windows" {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	if _, err := tmp.Write(data); err != nil {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	if err := tmp.Sync(); err != nil {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	if err := os.Rename(tmpName, target); err != nil {
		return fmt.Errorf("saving configuration file %s: %w", path, pathErr(err))
	}
	done = true
	// The rename is only durable once the directory entry is on disk.
	// Windows cannot open a directory for syncing; its rename is durable enough.
	if runtime.GOOS != "windows" {
		if d, err := os.Open(dir); err == nil {
			serr := d.Sync()
			d.Close()
			if serr != nil && !errors.Is(serr, errors.ErrUnsupported) {
				return fmt.Errorf("saved configuration file %s, but syncing its directory failed: %w", path, pathErr(serr))
			}
		}
	}
	return nil
}

// pathErr drops the *PathError wrapper so a message names the file once.
func pathErr(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	var le *os.LinkError
	if errors.As(err, &le) {
		return le.Err
	}
	return err
}

// PermissionWarning returns a warning when the file at path can be read or
// written by its group or by others: it holds credentials, and whoever can
// write it can redirect them to another host. "" when the file is private,
// missing, or on Windows (no Unix permission bits).
func PermissionWarning(path string) string {
	if runtime.GOOS == "windows" || path == "" {
		return ""
	}
	fi, err := os.Stat(path)
	if err != nil {
		return ""
	}
	mode := fi.Mode().Perm()
	if mode&0o077 == 0 {
		return ""
	}
	var what string
	switch r, w := mode&0o044 != 0, mode&0o022 != 0; {
	case r && w:
		what = "readable and writable"
	case r:
		what = "readable"
	default:
		what = "writable"
	}
	return fmt.Sprintf("warning: %s holds credentials and is %s by other users (mode %04o); restrict it with: chmod 600 %s",
		path, what, mode, path)
}

// Switch makes the AWX.psm file at from the active configuration
// ("awxtoken config switch PATH", Switch-ApiConfig): it checks that the file
// is readable and names a valid origin, then writes its content atomically,
// mode 0600, to FilePath(env). The file is rewritten from its parsed form,
// which also drops any leftover bytes an AWX.psm save left behind.
func Switch(env Env, from string) (*File, error) {
	return SwitchTo(FilePath(env), from)
}

// SwitchTo is Switch with the destination given, for a --config flag that
// names the active file (ActivePath).
func SwitchTo(dest, from string) (*File, error) {
	if dest == "" {
		return nil, fmt.Errorf("no configuration file path (no home directory); set %s", EnvAPIConfig)
	}
	f, err := ReadFile(from)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(f.Origin) == "" {
		return nil, fmt.Errorf("configuration file %s has no origin", from)
	}
	if _, err := NormalizeHost(f.Origin); err != nil {
		return nil, fmt.Errorf("configuration file %s: origin: %w", from, err)
	}
	if err := WriteFile(dest, f); err != nil {
		return nil, err
	}
	return f, nil
}
