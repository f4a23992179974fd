package server

import (
	"regexp"
	"testing"
	"unicode/utf8"
)

// TestValidUsernameMatchesDjangoRegexp checks validUsername against the
// regexp it replaced, for every Unicode code point alone and inside a
// name, and for empty and invalid UTF-8 input.
func TestValidUsernameMatchesDjangoRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[\pL\pN_.@+-]+$`)
	check := func(s string) {
		t.Helper()
		if got, want := validUsername(s), re.MatchString(s); got != want {
			t.Errorf("validUsername(%q) = %v, the regexp says %v", s, got, want)
		}
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		check(string(r))
		if r%97 == 0 { // inside a name, sampled: the full set twice is slow under -race
			check("al" + string(r) + "ice")
		}
	}
	for _, s := range []string{"", "alice", "a.b@c+d-e_f", "Zoë", "渡辺", "١٢٣", "Ⅻ", "½",
		"al ice", "al\tice", "bad\xff", "\xe6\xb8", "\ufffd", "a/b", "a\u0301", "x\u2028"} {
		check(s)
	}
}
