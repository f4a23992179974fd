package config

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var sampleFile = File{
	Origin:    "https://awx.example.com",
	Token:     "abcDEF123",
	LastSaved: time.Date(2024, 10, 9, 2, 23, 8, 123456700, time.UTC),
	UserID:    1,
	UserName:  "admin",
}

const sampleJSON = `{"origin":"https://awx.example.com","token":"abcDEF123","last_saved":"2024-10-09T02:23:08.1234567Z","user_id":1,"user_name":"admin"}`

func TestFileFormat(t *testing.T) {
	b, err := json.Marshal(sampleFile)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != sampleJSON {
		t.Errorf("json.Marshal:\n got %s\nwant %s", b, sampleJSON)
	}
	path := filepath.Join(t.TempDir(), "c.json")
	if err := WriteFile(path, &sampleFile); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(data) != sampleJSON+"\n" {
		t.Errorf("file bytes:\n got %q\nwant %q", data, sampleJSON+"\n")
	}

	// PowerShell does not HTML-escape; neither do we.
	f := File{Origin: "https://a.example.com/x?<&>"}
	b, _ = f.encode()
	if !strings.Contains(string(b), `"origin":"https://a.example.com/x?<&>"`) {
		t.Errorf("encode escaped HTML: %s", b)
	}
	// A zero time is written as .NET writes DateTime.MinValue in UTC.
	b, _ = File{}.encode()
	if !strings.Contains(string(b), `"last_saved":"0001-01-01T00:00:00.0000000Z"`) {
		t.Errorf("zero last_saved: %s", b)
	}
}

func TestDotNetTimestampRoundTrip(t *testing.T) {
	for _, ts := range []time.Time{
		sampleFile.LastSaved,
		time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC),
		// Nanoseconds beyond .NET's 100 ns ticks are dropped; a local time is written in UTC.
		time.Date(2024, 2, 29, 23, 59, 59, 999999999, time.FixedZone("JST", 9*3600)),
	} {
		path := filepath.Join(t.TempDir(), "c.json")
		in := sampleFile
		in.LastSaved = ts
		if err := WriteFile(path, &in); err != nil {
			t.Fatal(err)
		}
		out, err := ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		want := ts.UTC().Truncate(100 * time.Nanosecond)
		if !out.LastSaved.Equal(want) {
			t.Errorf("round trip of %v gave %v, want %v", ts, out.LastSaved, want)
		}
		data, _ := os.ReadFile(path)
		if !strings.Contains(string(data), `"last_saved":"`+want.Format("2006-01-02T15:04:05.0000000Z")+`"`) {
			t.Errorf("file %s lacks the .NET timestamp of %v", data, want)
		}
		out.LastSaved, in.LastSaved = time.Time{}, time.Time{}
		if *out != in {
			t.Errorf("round trip: got %v, want %v", out, in)
		}
	}
}

func TestReadFileLenient(t *testing.T) {
	utc := func(s string) time.Time {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			panic(err)
		}
		return t
	}
	tests := []struct {
		name, content string
		want          File
	}{
		{"AWX.psm's format", sampleJSON, sampleFile},
		{"offset instead of Z",
			`{"origin":"o","token":"t","last_saved":"2024-10-09T11:23:08.1234567+09:00","user_id":2,"user_name":"u"}`,
			File{"o", "t", utc("2024-10-09T02:23:08.1234567Z"), 2, "u"}},
		{"no zone: read as UTC",
			`{"origin":"o","last_saved":"2024-10-09T02:23:08.12"}`,
			File{Origin: "o", LastSaved: utc("2024-10-09T02:23:08.12Z")}},
		{"no fraction", `{"origin":"o","last_saved":"2024-10-09T02:23:08Z"}`,
			File{Origin: "o", LastSaved: utc("2024-10-09T02:23:08Z")}},
		{"Windows PowerShell's /Date(ms)/", `{"origin":"o","last_saved":"/Date(1728440588123)/"}`,
			File{Origin: "o", LastSaved: time.UnixMilli(1728440588123).UTC()}},
		{"/Date(ms+offset)/", `{"origin":"o","last_saved":"/Date(1728440588123+0900)/"}`,
			File{Origin: "o", LastSaved: time.UnixMilli(1728440588123).UTC()}},
		{"unreadable last_saved is ignored", `{"origin":"o","last_saved":"yesterday"}`, File{Origin: "o"}},
		{"last_saved a number is ignored", `{"origin":"o","last_saved":12}`, File{Origin: "o"}},
		{"nulls", `{"origin":null,"token":null,"last_saved":null,"user_id":null,"user_name":null}`, File{}},
		{"user_id as a string", `{"user_id":"42"}`, File{UserID: 42}},
		{"user_id as 42.0", `{"user_id":42.0}`, File{UserID: 42}},
		{"byte order mark and spaces", "\xef\xbb\xbf {\n \"origin\": \"o\",\n \"token\": \"t\"\n}\r\n", File{Origin: "o", Token: "t"}},
		{"unknown keys ignored", `{"origin":"o","extra":{"a":1}}`, File{Origin: "o"}},
		{"leftover tail of an older save", `{"origin":"o","token":"t"}` + `en":"old"}`, File{Origin: "o", Token: "t"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.json")
			writeTestFile(t, path, tc.content, 0o600)
			got, err := ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !got.LastSaved.Equal(tc.want.LastSaved) {
				t.Errorf("LastSaved = %v, want %v", got.LastSaved, tc.want.LastSaved)
			}
			got.LastSaved, tc.want.LastSaved = time.Time{}, time.Time{}
			if *got != tc.want {
				t.Errorf("got %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestReadFileErrors(t *testing.T) {
	const secret = "tok-SECRET-1"
	dir := t.TempDir()
	tests := []struct{ name, content, want string }{
		{"empty", "", "is not valid JSON: the file is empty or cut short"},
		{"cut short", `{"origin":"o","token":"` + secret, "is not valid JSON"},
		{"syntax error", `{"origin":"o","token":` + secret + `}`, "is not valid JSON: syntax error at byte"},
		{"not an object", `"` + secret + `"`, "it must hold a JSON object"},
		{"user_id not a number", `{"token":"` + secret + `","user_id":"x` + secret + `"}`, `field "user_id" is not a number`},
		{"token not a string", `{"token":123}`, `field "token" has the wrong type`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_"))
			writeTestFile(t, path, tc.content, 0o600)
			_, err := ReadFile(path)
			if err == nil {
				t.Fatal("ReadFile succeeded")
			}
			if !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q, want the path and %q", err, tc.want)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error %q reveals the token", err)
			}
		})
	}
	_, err := ReadFile(filepath.Join(dir, "nope.json"))
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "nope.json does not exist") {
		t.Errorf("missing file: %v", err)
	}
}

// listDir names the entries of dir, to catch temporary files left behind.
func listDir(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteFileAtomic(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, ".ansible_api_config.json")
	longer := `{"origin":"https://a-much-longer-host-name.example.com/awx","token":"a-much-longer-old-token-value-0123456789","last_saved":"2020-01-01T00:00:00.0000000Z","user_id":123456,"user_name":"someone-with-a-long-name"}`
	writeTestFile(t, path, longer, 0o644)

	short := &File{Origin: "https://a.example.com", Token: "t", LastSaved: sampleFile.LastSaved, UserID: 1, UserName: "u"}
	if err := WriteFile(path, short); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"origin":"https://a.example.com","token":"t","last_saved":"2024-10-09T02:23:08.1234567Z","user_id":1,"user_name":"u"}` + "\n"
	if string(data) != want {
		t.Errorf("after overwriting a longer file:\n got %q\nwant %q", data, want)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %04o, want 0600", fi.Mode().Perm())
	}
	if names := listDir(t, dir); len(names) != 1 || names[0] != ".ansible_api_config.json" {
		t.Errorf("directory holds %q, want only the file", names)
	}

	// A new file too.
	fresh := filepath.Join(dir, "new.json")
	if err := WriteFile(fresh, short); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file: %v, %v", fi, err)
	}
}

func TestWriteFileFollowsSymlink(t *testing.T) {
	dir := t.TempDir()
	real := filepath.Join(dir, "dotfiles", "awx.json")
	writeTestFile(t, real, sampleJSON, 0o600)
	link := filepath.Join(dir, ".ansible_api_config.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	f := sampleFile
	f.Token = "replaced"
	if err := WriteFile(link, &f); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v, %v", fi, err)
	}
	got, err := ReadFile(real)
	if err != nil || got.Token != "replaced" {
		t.Errorf("target: %v, %v", got, err)
	}
	if names := listDir(t, filepath.Dir(real)); len(names) != 1 {
		t.Errorf("dotfiles directory holds %q", names)
	}
}

func TestWriteFileErrors(t *testing.T) {
	dir := t.TempDir()
	if err := WriteFile(dir, &sampleFile); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("writing over a directory: %v", err)
	}
	missingDir := filepath.Join(dir, "no", "such", "c.json")
	err := WriteFile(missingDir, &sampleFile)
	if err == nil || !strings.Contains(err.Error(), missingDir) {
		t.Errorf("writing into a missing directory: %v", err)
	}
	if err != nil && strings.Contains(err.Error(), sampleFile.Token) {
		t.Errorf("error reveals the token: %v", err)
	}
	if err := WriteFile("", &sampleFile); err == nil || !strings.Contains(err.Error(), "ANSIBLE_API_CONFIG") {
		t.Errorf("empty path: %v", err)
	}
	if err := WriteFile(filepath.Join(dir, "x.json"), nil); err == nil {
		t.Error("nil file written")
	}
	if names := listDir(t, dir); len(names) != 0 {
		t.Errorf("failed writes left %q behind", names)
	}
}

func TestPermissionWarning(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		mode os.FileMode
		want string // "" for no warning
	}{
		{0o600, ""},
		{0o400, ""},
		{0o700, ""},
		{0o644, "is readable by other users (mode 0644)"},
		{0o640, "is readable by other users (mode 0640)"},
		{0o604, "is readable by other users (mode 0604)"},
		{0o620, "is writable by other users (mode 0620)"},
		{0o666, "is readable and writable by other users (mode 0666)"},
	}
	for _, tc := range tests {
		path := filepath.Join(dir, fmt.Sprintf("f%o", tc.mode))
		writeTestFile(t, path, "{}", tc.mode)
		got := PermissionWarning(path)
		if tc.want == "" {
			if got != "" {
				t.Errorf("mode %04o: warning %q, want none", tc.mode, got)
			}
			continue
		}
		if !strings.Contains(got, tc.want) || !strings.Contains(got, "chmod 600 "+path) || !strings.HasPrefix(got, "warning: "+path) {
			t.Errorf("mode %04o: warning %q, want %q", tc.mode, got, tc.want)
		}
	}
	if got := PermissionWarning(filepath.Join(dir, "missing")); got != "" {
		t.Errorf("missing file: %q", got)
	}
	if got := PermissionWarning(""); got != "" {
		t.Errorf("empty path: %q", got)
	}
}

func TestSwitch(t *testing.T) {
	t.Run("makes the file the active configuration", func(t *testing.T) {
		env := testEnv(t, nil)
		from := filepath.Join(t.TempDir(), "prod.json")
		// The source may be loosely formatted, world-readable, with an AWX.psm leftover tail.
		writeTestFile(t, from, "{ \"origin\": \"https://prod.example.com/awx\", \"token\": \"pt\", \"user_id\": 3, \"user_name\": \"ops\" }xyz\"}", 0o644)
		dest := filepath.Join(env.Home, ".ansible_api_config.json")
		writeTestFile(t, dest, sampleJSON+strings.Repeat(" ", 200), 0o644)

		f, err := Switch(env, from)
		if err != nil {
			t.Fatal(err)
		}
		if f.Origin != "https://prod.example.com/awx" || f.Token != "pt" || f.UserID != 3 {
			t.Errorf("Switch returned %v", f)
		}
		data, err := os.ReadFile(dest)
		if err != nil {
			t.Fatal(err)
		}
		want := `{"origin":"https://prod.example.com/awx","token":"pt","last_saved":"0001-01-01T00:00:00.0000000Z","user_id":3,"user_name":"ops"}` + "\n"
		if string(data) != want {
			t.Errorf("active file:\n got %q\nwant %q", data, want)
		}
		if fi, _ := os.Stat(dest); fi.Mode().Perm() != 0o600 {
			t.Errorf("mode = %04o", fi.Mode().Perm())
		}
		s, err := Load(Flags{}, env)
		if err != nil {
			t.Fatal(err)
		}
		if s.Host != "https://prod.example.com/awx" || s.Token != "pt" {
			t.Errorf("after the switch Load gives host %q token %q", s.Host, s.Token)
		}
		if names := listDir(t, env.Home); len(names) != 1 {
			t.Errorf("home holds %q", names)
		}
	})
	t.Run("writes to ANSIBLE_API_CONFIG when set", func(t *testing.T) {
		target := filepath.Join(t.TempDir(), "active.json")
		env := testEnv(t, map[string]string{"ANSIBLE_API_CONFIG": target})
		from := filepath.Join(t.TempDir(), "dev.json")
		writeTestFile(t, from, sampleJSON, 0o600)
		if _, err := Switch(env, from); err != nil {
			t.Fatal(err)
		}
		got, err := ReadFile(target)
		if err != nil || *got != sampleFile {
			t.Errorf("target holds %v, %v", got, err)
		}
		if _, err := os.Stat(filepath.Join(env.Home, ".ansible_api_config.json")); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the home file was written too: %v", err)
		}
	})
	t.Run("refuses invalid files and keeps the active one", func(t *testing.T) {
		env := testEnv(t, nil)
		dest := filepath.Join(env.Home, ".ansible_api_config.json")
		writeTestFile(t, dest, sampleJSON, 0o600)
		dir := t.TempDir()
		for name, content := range map[string]string{
			"no-origin.json":  `{"token":"SECRET-x"}`,
			"bad-origin.json": `{"origin":"https://u:SECRET-x@h","token":"t"}`,
			"garbage.json":    `SECRET-x`,
		} {
			from := filepath.Join(dir, name)
			writeTestFile(t, from, content, 0o600)
			_, err := Switch(env, from)
			if err == nil || !strings.Contains(err.Error(), from) || strings.Contains(err.Error(), "SECRET-x") {
				t.Errorf("%s: error %v", name, err)
			}
		}
		_, err := Switch(env, filepath.Join(dir, "missing.json"))
		if !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("missing source: %v", err)
		}
		data, _ := os.ReadFile(dest)
		if string(data) != sampleJSON {
			t.Errorf("the active file changed: %s", data)
		}
	})
	t.Run("no home and no ANSIBLE_API_CONFIG", func(t *testing.T) {
		from := filepath.Join(t.TempDir(), "c.json")
		writeTestFile(t, from, sampleJSON, 0o600)
		if _, err := Switch(Env{}, from); err == nil {
			t.Error("Switch without a destination succeeded")
		}
	})
}

func TestFilePath(t *testing.T) {
	if got := FilePath(Env{Home: "/home/u"}); got != "/home/u/.ansible_api_config.json" {
		t.Errorf("FilePath = %q", got)
	}
	env := Env{Home: "/home/u", Getenv: func(k string) string {
		if k == "ANSIBLE_API_CONFIG" {
			return "/etc/awx.json"
		}
		return ""
	}}
	if got := FilePath(env); got != "/etc/awx.json" {
		t.Errorf("FilePath with ANSIBLE_API_CONFIG = %q", got)
	}
	if got := FilePath(Env{}); got != "" {
		t.Errorf("FilePath without home = %q", got)
	}
}

func TestFilePrintingMasksToken(t *testing.T) {
	for _, out := range []string{fmt.Sprint(sampleFile), fmt.Sprintf("%+v", &sampleFile), fmt.Sprintf("%#v", sampleFile)} {
		if strings.Contains(out, sampleFile.Token) || !strings.Contains(out, "awx.example.com") {
			t.Errorf("printed File: %s", out)
		}
	}
}

func TestSwitchTo(t *testing.T) {
	dir := t.TempDir()
	from := filepath.Join(dir, "from.json")
	writeTestFile(t, from, sampleJSON, 0o644)
	dest := filepath.Join(dir, "explicit.json")
	f, err := SwitchTo(dest, from)
	if err != nil || *f != sampleFile {
		t.Fatalf("SwitchTo = %v, %v", f, err)
	}
	if got, err := ReadFile(dest); err != nil || *got != sampleFile {
		t.Errorf("dest holds %v, %v", got, err)
	}
	if _, err := SwitchTo("", from); err == nil {
		t.Error("SwitchTo without a destination succeeded")
	}
}
