package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/awxtoken/awxtoken/awx"
	"github.com/awxtoken/awxtoken/internal/store"
)

// jsonStrings are strings that exercise every branch of JSON string
// escaping: HTML characters (not escaped, as DRF), quotes, backslashes,
// each control byte, DEL, multi-byte UTF-8, U+2028/U+2029, invalid and
// truncated UTF-8, and a literal U+FFFD.
var jsonStrings = func() []string {
	s := []string{
		"", "alice", "Jenkins <CI> & deploys", `say "hi"`, `C:\Users\a`,
		"tab\there", "line\nbreak\r\n", "\b\f", "\x00\x01\x1f\x7f",
		"Zoë Ångström", "渡辺", "emoji 🎉 ok", "sep\u2028para\u2029end",
		"bad \xff byte", "trunc \xe6\xb8", "\xc3", "lit \ufffd", "a\u2027b\u202a",
		"user@example.com", "/api/v2/users/7/", strings.Repeat("x", 300),
	}
	for c := 0; c < 0x20; c++ {
		s = append(s, "c"+string(rune(c))+"d")
	}
	return s
}()

// encodingJSON is what writeJSON does with v: encoding/json without HTML
// escaping and without the trailing newline.
func encodingJSON(t testing.TB, v any) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
}

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonStrings {
		want := encodingJSON(t, s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Errorf("appendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range jsonStrings {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := encodingJSON(t, s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
	})
}

// meUsers are store users as GET /api/v2/me/ may render them.
func meUsers() []*store.User {
	created := time.Date(2024, 10, 9, 2, 23, 8, 123456789, time.UTC)
	modified := time.Date(2026, 11, 30, 12, 0, 0, 1000, time.FixedZone("CET", 3600))
	login := time.Date(2026, 11, 30, 12, 5, 0, 999999999, time.UTC)
	us := []*store.User{
		{ID: 1, Username: "admin", IsActive: true, IsSuperuser: true, Created: created, Modified: created},
		{ID: 7, Username: "alice", FirstName: "Alice", LastName: "Liddell", Email: "alice@example.com",
			IsActive: true, Created: created, Modified: modified, LastLogin: &login},
		{ID: 1 << 40, Username: "auditor", IsSystemAuditor: true, Created: time.Time{}, Modified: time.Time{}},
	}
	for i, s := range jsonStrings {
		us = append(us, &store.User{ID: int64(100 + i), Username: "u" + s, FirstName: s, LastName: s + "!",
			Email: s, IsSuperuser: i%2 == 0, IsSystemAuditor: i%3 == 0, Created: created.Add(time.Duration(i) * time.Hour),
			Modified: modified.Add(time.Duration(i) * time.Nanosecond), LastLogin: &login})
	}
	return us
}

// TestUserPageMatchesEncodingJSON proves the hand-written /me/ body is
// byte for byte what the reflective path (writeJSON of the page) wrote.
func TestUserPageMatchesEncodingJSON(t *testing.T) {
	ext := "ldap"
	for _, su := range meUsers() {
		for _, caps := range []awx.UserCapabilities{{Edit: true}, {}, {Edit: true, Delete: true}} {
			u := renderUser(su, caps)
			variants := []awx.User{u}
			// Fields renderUser leaves at their zero value, set too, so the
			// encoder is right for any awx.User.
			v := u
			v.LdapDN, v.ExternalAccount, v.Modified = "cn="+su.Username+",dc=example", &ext, nil
			v.SummaryFields.UserCapabilities = nil
			variants = append(variants, v)
			for _, u := range variants {
				want := httptest.NewRecorder()
				writeJSON(want, http.StatusOK, awx.Page[awx.User]{Count: 1, Results: []awx.User{u}})
				got := httptest.NewRecorder()
				writeUserPage(got, http.StatusOK, &u)
				if !bytes.Equal(got.Body.Bytes(), want.Body.Bytes()) {
					t.Fatalf("user %q:\n got %s\nwant %s", su.Username, got.Body, want.Body)
				}
				if got.Code != want.Code || !reflect.DeepEqual(got.Header(), want.Header()) {
					t.Fatalf("user %q: status/header %d %v, want %d %v", su.Username, got.Code, got.Header(), want.Code, want.Header())
				}
			}
		}
	}
}

// TestUserEncoderCoversAllFields fails when awx.User (or its nested types)
// gains a field: appendUserJSON must then be extended, and this count and
// meUsers with it.
func TestUserEncoderCoversAllFields(t *testing.T) {
	for _, tc := range []struct {
		v    any
		want int
	}{
		{awx.User{}, 17},
		{awx.UserRelated{}, 8},
		{awx.UserSummaryF{}, 1},
		{awx.UserCapabilities{}, 2},
	} {
		if n := reflect.TypeOf(tc.v).NumField(); n != tc.want {
			t.Errorf("%T has %d fields; appendUserJSON encodes %d", tc.v, n, tc.want)
		}
	}
}
