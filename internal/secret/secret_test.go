package secret

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"
)

func isAlnum(s string) bool {
	for _, c := range s {
		if !strings.ContainsRune(alphabet, c) {
			return false
		}
	}
	return true
}

func TestGeneratedLengthsAndCharset(t *testing.T) {
	for _, tc := range []struct {
		name string
		gen  func() string
		n    int
	}{
		{"token", NewToken, 30},
		{"client id", NewClientID, 40},
		{"client secret", NewClientSecret, 128},
	} {
		seen := map[string]bool{}
		for range 200 {
			s := tc.gen()
			if len(s) != tc.n || !isAlnum(s) {
				t.Fatalf("%s: got %q, want %d chars of [a-zA-Z0-9]", tc.name, s, tc.n)
			}
			if seen[s] {
				t.Fatalf("%s: duplicate %q", tc.name, s)
			}
			seen[s] = true
		}
	}
}

// TestUniformity checks that every character of the alphabet shows up with
// roughly equal frequency; a modulo bias would favour the first 8 characters
// by about 3%, which 200,000 samples make visible.
func TestUniformity(t *testing.T) {
	counts := map[byte]int{}
	const n = 200_000
	s := randomString(n)
	for i := 0; i < len(s); i++ {
		counts[s[i]]++
	}
	if len(counts) != len(alphabet) {
		t.Fatalf("saw %d distinct characters, want %d", len(counts), len(alphabet))
	}
	want := float64(n) / float64(len(alphabet)) // ~3226, sd ~56
	for c, k := range counts {
		if d := float64(k) - want; d > 300 || d < -300 {
			t.Errorf("character %q appeared %d times, want about %.0f", c, k, want)
		}
	}
	// The first 8 characters (the ones a modulo bias would favour) together
	// against the last 8.
	first, last := 0, 0
	for i := range 8 {
		first += counts[alphabet[i]]
		last += counts[alphabet[len(alphabet)-1-i]]
	}
	// Each sum is about 25,800 with a standard deviation near 160, so their
	// difference has one near 227: 1,400 is over six of them (no false
	// alarms), while byte%62 would favour the first 8 by about 25% (a
	// difference near 5,800).
	if d := first - last; d > 1400 || d < -1400 {
		t.Errorf("first 8 characters %d vs last 8 %d: biased", first, last)
	}
}

func TestDigestAndEqual(t *testing.T) {
	d := Digest("abc")
	// SHA-256("abc") from FIPS 180-2.
	want := []byte{0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
		0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad}
	if !bytes.Equal(d, want) {
		t.Fatalf("Digest(abc) = %x", d)
	}
	if !Equal(d, Digest("abc")) || Equal(d, Digest("abd")) || Equal(d, d[:31]) {
		t.Fatal("Equal misbehaves")
	}
}

func TestLooksLikeToken(t *testing.T) {
	good := NewToken()
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{good, true},
		{"abcdefghijABCDEFGHIJ0123456789", true},
		{"", false},
		{good[:29], false},
		{good + "a", false},
		{"abcdefghijABCDEFGHIJ012345678-", false},
		{"abcdefghijABCDEFGHIJ01234567 8", false},
		{"abcdefghijABCDEFGHIJ0123456é", false}, // 30 bytes, not ASCII
	} {
		if got := LooksLikeToken(tc.in); got != tc.want {
			t.Errorf("LooksLikeToken(%q) = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestHashPasswordRoundTrip(t *testing.T) {
	h, err := HashPassword("correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "argon2id$v=19$m=19456,t=2,p=1$") || strings.Count(h, "$") != 4 {
		t.Fatalf("unexpected hash format %q", h)
	}
	if strings.Contains(h, "correct horse") {
		t.Fatal("hash contains the password")
	}
	if !CheckPassword(h, "correct horse") {
		t.Fatal("right password refused")
	}
	if CheckPassword(h, "correct horsf") || CheckPassword(h, "") {
		t.Fatal("wrong password accepted")
	}
	h2, _ := HashPassword("correct horse")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

// Django's own test vectors (django/tests/auth_tests/test_hashers.py).
func TestCheckDjangoPBKDF2(t *testing.T) {
	for _, enc := range []string{
		"pbkdf2_sha256$24000$seasalt$V9DfCAVoweeLwxC/L2mb+7swhzF0XYdyQMqmusZqiTc=",
		"pbkdf2_sha256$30000$seasalt$VrX+V8drCGo68wlvy6rfu8i1d1pfkdeXA4LJkRGJodY=",
	} {
		if !CheckPassword(enc, "lètmein") {
			t.Errorf("Django hash %q refused the right password", enc)
		}
		if CheckPassword(enc, "letmein") {
			t.Errorf("Django hash %q accepted a wrong password", enc)
		}
	}
	mine, err := DjangoPBKDF2("lètmein", "seasalt", 24000)
	if err != nil || mine != "pbkdf2_sha256$24000$seasalt$V9DfCAVoweeLwxC/L2mb+7swhzF0XYdyQMqmusZqiTc=" {
		t.Fatalf("DjangoPBKDF2 = %q, %v", mine, err)
	}
}

func TestCheckPasswordMalformed(t *testing.T) {
	for _, enc := range []string{
		"",
		"plain",
		"md5$salt$abc",
		"argon2id$v=19$m=19456,t=2,p=1$c2FsdA",
		"argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaA",
		"argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaA", // absurd memory
		"argon2id$v=19$m=19456,t=0,p=1$c2FsdHNhbHQ$aGFzaA",
		"argon2id$v=19$m=19456,t=2,p=1$!!$aGFzaA",
		"pbkdf2_sha256$x$salt$aGFzaA==",
		"pbkdf2_sha256$0$salt$aGFzaA==",
		"pbkdf2_sha256$999999999$salt$aGFzaA==",
		"pbkdf2_sha256$1000$salt$not base64",
		"pbkdf2_sha256$1000$salt",
	} {
		if CheckPassword(enc, "x") {
			t.Errorf("CheckPassword(%q) accepted", enc)
		}
	}
}

// TestPasswordHashingIsBounded: however many logins arrive at once, no more
// password hashes run at a time than there are slots, so their memory
// (19 MiB each for argon2id) stays bounded.
func TestPasswordHashingIsBounded(t *testing.T) {
	hash, err := HashPassword("pw-bound-1")
	if err != nil {
		t.Fatal(err)
	}
	hashPeak.Store(0)
	var wg sync.WaitGroup
	for i := range 4 * cap(hashSlots) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i%2 == 0 && !CheckPassword(hash, "pw-bound-1") {
				t.Error("the right password was refused")
			}
			if i%2 == 1 && CheckPassword(hash, "wrong") {
				t.Error("a wrong password was accepted")
			}
		}()
	}
	wg.Wait()
	if peak := hashPeak.Load(); peak < 1 || peak > int64(cap(hashSlots)) {
		t.Fatalf("%d hashes ran at once; the bound is %d", peak, cap(hashSlots))
	}
}

// TestCheckPasswordContextStopsWaiting: a login whose client has gone does
// not wait for a hash slot.
func TestCheckPasswordContextStopsWaiting(t *testing.T) {
	for range cap(hashSlots) {
		hashSlots <- struct{}{}
	}
	defer func() {
		for range cap(hashSlots) {
			<-hashSlots
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	ok, err := CheckPasswordContext(ctx, "", "pw")
	if ok || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("CheckPasswordContext with every slot taken = %v, %v", ok, err)
	}
}
