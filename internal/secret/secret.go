// Package secret owns every secret the server makes or checks: access and
// refresh tokens, OAuth2 client ids and secrets (generated with crypto/rand),
// their SHA-256 digests (the only form that is stored), constant-time
// comparison, and password hashes (argon2id for new passwords; Django's
// pbkdf2_sha256 accepted so users imported from AWX can log in).
//
// Nothing in this package logs or returns a secret inside an error.
package secret

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
)

// alphabet is what AWX (oauthlib's UNICODE_ASCII_CHARACTER_SET) draws tokens,
// client ids and client secrets from.
const alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

// Lengths AWX uses; clients may check them, so they are not ours to change.
const (
	TokenLength        = 30
	ClientIDLength     = 40
	ClientSecretLength = 128
)

// randomString returns n characters drawn uniformly from alphabet.
// Bytes >= 248 are discarded because 256 is not a multiple of 62: keeping
// them would make the first 8 characters slightly more likely.
func randomString(n int) string {
	const limit = 256 - 256%len(alphabet) // 248
	out := make([]byte, 0, n)
	buf := make([]byte, n+n/4+8)
	for len(out) < n {
		// crypto/rand.Read never returns an error since Go 1.24 (it
		// crashes the program instead of handing out weak randomness).
		rand.Read(buf)
		for _, b := range buf {
			if int(b) >= limit {
				continue
			}
			out = append(out, alphabet[int(b)%len(alphabet)])
			if len(out) == n {
				break
			}
		}
	}
	return string(out)
}

// NewToken returns a fresh access or refresh token: 30 characters [a-zA-Z0-9],
// about 178 bits of entropy.
func NewToken() string { return randomString(TokenLength) }

// NewClientID returns a fresh OAuth2 client id (40 characters).
func NewClientID() string { return randomString(ClientIDLength) }

// NewClientSecret returns a fresh OAuth2 client secret (128 characters).
func NewClientSecret() string { return randomString(ClientSecretLength) }

// Digest is the stored form of a token or client secret. A plain SHA-256 is
// enough (no salt, no stretching) because the inputs are long uniform random
// strings, and a deterministic digest is what makes the lookup one indexed
// query.
func Digest(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}

// Equal compares two digests (or any secrets) in constant time.
func Equal(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }

// LooksLikeToken reports whether s has the shape of a token this server (or
// AWX) issues. Anything else is refused before the store is touched, so junk
// in an Authorization header costs no database work.
func LooksLikeToken(s string) bool {
	if len(s) != TokenLength {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
