package secret

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// cheapParams reports whether the cost parameters in a hash are small
// enough to compute thousands of times a second. The bounds the package
// enforces (1 GiB, 64 passes, 10M iterations) are right for a login but
// would make the fuzzer spend minutes on one input; those bounds are
// tested directly in secret_test.go.
func cheapParams(encoded string) bool {
	parts := strings.Split(encoded, "$")
	var params string
	switch {
	case strings.HasPrefix(encoded, "argon2id$") && len(parts) > 2:
		params = parts[2]
	case strings.HasPrefix(encoded, "argon2$argon2id$") && len(parts) > 3:
		params = parts[3]
	case strings.HasPrefix(encoded, "pbkdf2_sha256$") && len(parts) > 1:
		params = parts[1]
	default:
		return true
	}
	// fmt.Sscanf's %d takes signs, base prefixes and underscores; anything
	// but plain small decimals is skipped rather than second-guessed.
	if strings.Trim(params, "0123456789mtp=,") != "" {
		return false
	}
	for _, n := range regexp.MustCompile(`[0-9]+`).FindAllString(params, -1) {
		if v, err := strconv.Atoi(n); err != nil || v > 256 {
			return false
		}
	}
	return true
}

var tokenShape = regexp.MustCompile(`^[a-zA-Z0-9]{30}$`)

// FuzzCheckPassword feeds hostile stored hashes and passwords to the
// password check (no panic, no match for a malformed hash or a wrong
// password) and the token shape check.
func FuzzCheckPassword(f *testing.F) {
	good, err := DjangoPBKDF2("pw", "salt", 10)
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{
		good, "", "$", "argon2id$", "argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaA",
		"argon2id$v=19$m=8,t=1,p=1$$", "argon2id$v=19$m=0,t=1,p=1$c2FsdA$aA", "argon2id$v=18$m=8,t=1,p=1$c2FsdA$aA",
		"argon2$argon2id$v=19$m=8,t=1,p=2$c2FsdA$aGFzaA", "argon2id$v=19$m=8,t=1,p=0$c2FsdA$aA",
		"argon2id$v=19$m=8,t=1,p=1$!!$aA", "argon2id$v=19$m=8,t=1,p=1$c2FsdA$" + strings.Repeat("A", 2000),
		"pbkdf2_sha256$1$salt$", "pbkdf2_sha256$0$salt$aGFzaA==", "pbkdf2_sha256$-1$s$aA==", "pbkdf2_sha256$2$$$",
		"pbkdf2_sha256$10$salt$%%%", "md5$x$y", "!", "bcrypt$2b$",
	} {
		f.Add(s, "pw")
	}
	f.Add(good, "pw\x00")
	f.Add("x", strings.Repeat("a", 30))
	f.Fuzz(func(t *testing.T, encoded, pw string) {
		if tokenShape.MatchString(pw) != LooksLikeToken(pw) {
			t.Fatalf("LooksLikeToken(%q) = %v", pw, LooksLikeToken(pw))
		}
		if !cheapParams(encoded) {
			t.Skip("cost parameters too large to fuzz")
		}
		// checkPassword, not CheckPassword: the latter burns an argon2id
		// computation on every malformed hash (on purpose, for timing), which
		// would hold the fuzzer to a few inputs a second.
		ok, err := checkPassword(encoded, pw)
		if ok && err != nil {
			t.Fatalf("%q: matched and failed (%v)", encoded, err)
		}
		if encoded == good && CheckPassword(encoded, pw) != (pw == "pw") {
			t.Fatalf("password %q against the hash of %q: wrong answer", pw, "pw")
		}
		if ok && !strings.HasPrefix(encoded, "argon2") && !strings.HasPrefix(encoded, "pbkdf2_sha256$") {
			t.Fatalf("%q matched a hash of no known scheme", encoded)
		}
	})
}
