package secret

import (
	"context"
	"crypto/pbkdf2"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters for new hashes: OWASP's minimum recommendation
// (m=19 MiB, t=2, p=1). That costs a few tens of milliseconds per login,
// which keeps Basic-auth tests fast while still making offline guessing
// expensive. The parameters are written into each hash, so raising them
// later does not break existing passwords.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// Bounds on parameters read back from a stored hash, so a corrupted or
// hostile row cannot make one login allocate gigabytes or spin for minutes.
const (
	maxArgonMemory = 1024 * 1024 // 1 GiB
	maxArgonTime   = 64
	maxPBKDF2Iter  = 10_000_000
)

var b64 = base64.RawStdEncoding

// hashSlots bounds how many password hashes run at once. Each argon2id
// computation holds its memory parameter (19 MiB for ours, up to 100 MiB for
// a hash imported from AWX) until it ends, and Basic authentication with
// made-up usernames passes the login throttle, so without a bound a burst
// of concurrent logins could take the server's memory. Hashing is CPU
// bound: more at once than there are CPUs would not finish sooner.
var hashSlots = make(chan struct{}, max(2, runtime.GOMAXPROCS(0)))

// hashing runs fn in a hash slot, waiting for one.
func hashing[T any](fn func() T) T {
	v, _ := hashingContext(context.Background(), fn)
	return v
}

// hashingContext is hashing that stops waiting when ctx ends: a request
// whose client has gone should not queue for a slot behind a flood of
// logins and then spend one.
func hashingContext[T any](ctx context.Context, fn func() T) (T, error) {
	select {
	case hashSlots <- struct{}{}:
	case <-ctx.Done():
		var zero T
		return zero, ctx.Err()
	}
	defer func() { <-hashSlots }()
	active := hashActive.Add(1)
	defer hashActive.Add(-1)
	for {
		peak := hashPeak.Load()
		if active <= peak || hashPeak.CompareAndSwap(peak, active) {
			break
		}
	}
	return fn(), nil
}

// hashActive and hashPeak count hashes in progress, for the test of the
// bound.
var hashActive, hashPeak atomic.Int64

// HashPassword returns an argon2id hash of pw in the PHC-like form
// "argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>" (unpadded standard base64).
func HashPassword(pw string) (string, error) {
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("secret: salt: %w", err)
	}
	key := hashing(func() []byte {
		return argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	})
	return fmt.Sprintf("argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether pw matches encoded, which is either one of
// our argon2id hashes, a Django "argon2$argon2id$..." hash, or a Django
// "pbkdf2_sha256$<iterations>$<salt>$<base64 hash>" hash (AWX's default, so
// users copied from an AWX database keep their passwords).
//
// An empty or unparsable encoded value never matches, but still costs one
// argon2id computation, so a caller that passes "" for a missing user does
// not reveal through timing that the user does not exist.
func CheckPassword(encoded, pw string) bool {
	return hashing(func() bool { return checkPasswordSlot(encoded, pw) })
}

// CheckPasswordContext is CheckPassword for a request: when ctx ends while
// it waits for a hash slot, it returns ctx's error instead.
func CheckPasswordContext(ctx context.Context, encoded, pw string) (bool, error) {
	return hashingContext(ctx, func() bool { return checkPasswordSlot(encoded, pw) })
}

func checkPasswordSlot(encoded, pw string) bool {
	if strings.IndexByte(pw, 0) >= 0 {
		// No password holds NUL (the API refuses it, as DRF does), and
		// HMAC pads short keys with zeros: without this, "pw\x00" would
		// match a pbkdf2 hash of "pw".
		burn(pw)
		return false
	}
	ok, err := checkPassword(encoded, pw)
	if err != nil {
		burn(pw)
		return false
	}
	return ok
}

// burn spends about the time of a real check.
func burn(pw string) {
	argon2.IDKey([]byte(pw), make([]byte, argonSaltLen), argonTime, argonMemory, argonThreads, argonKeyLen)
}

var errFormat = errors.New("secret: unrecognised password hash")

func checkPassword(encoded, pw string) (bool, error) {
	switch {
	case strings.HasPrefix(encoded, "argon2id$"):
		return checkArgon2(strings.TrimPrefix(encoded, "argon2id$"), pw)
	case strings.HasPrefix(encoded, "argon2$argon2id$"): // Django's Argon2PasswordHasher
		return checkArgon2(strings.TrimPrefix(encoded, "argon2$argon2id$"), pw)
	case strings.HasPrefix(encoded, "pbkdf2_sha256$"):
		return checkPBKDF2(encoded, pw)
	}
	return false, errFormat
}

// checkArgon2 verifies "v=19$m=..,t=..,p=..$salt$hash".
func checkArgon2(rest, pw string) (bool, error) {
	parts := strings.Split(rest, "$")
	if len(parts) != 4 || parts[0] != "v=19" {
		return false, errFormat
	}
	var m, t uint32
	var p uint8
	if _, err := fmt.Sscanf(parts[1], "m=%d,t=%d,p=%d", &m, &t, &p); err != nil {
		return false, errFormat
	}
	if m == 0 || m > maxArgonMemory || t == 0 || t > maxArgonTime || p == 0 {
		return false, errFormat
	}
	salt, err := b64.DecodeString(strings.TrimRight(parts[2], "="))
	if err != nil {
		return false, errFormat
	}
	want, err := b64.DecodeString(strings.TrimRight(parts[3], "="))
	if err != nil || len(want) == 0 || len(want) > 1024 {
		return false, errFormat
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// checkPBKDF2 verifies Django's "pbkdf2_sha256$iter$salt$hash"; the salt is
// used as text, the hash is padded standard base64 of 32 bytes.
func checkPBKDF2(encoded, pw string) (bool, error) {
	parts := strings.Split(encoded, "$")
	if len(parts) != 4 {
		return false, errFormat
	}
	iter, err := strconv.Atoi(parts[1])
	if err != nil || iter <= 0 || iter > maxPBKDF2Iter {
		return false, errFormat
	}
	want, err := base64.StdEncoding.DecodeString(parts[3])
	if err != nil || len(want) == 0 {
		return false, errFormat
	}
	got, err := pbkdf2.Key(sha256.New, pw, []byte(parts[2]), iter, len(want))
	if err != nil {
		return false, errFormat
	}
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// DjangoPBKDF2 returns a Django pbkdf2_sha256 hash of pw; the server never
// writes these (new passwords are argon2id), it exists so tests and imports
// can produce what an AWX database holds.
func DjangoPBKDF2(pw, salt string, iterations int) (string, error) {
	key, err := pbkdf2.Key(sha256.New, pw, []byte(salt), iterations, sha256.Size)
	if err != nil {
		return "", fmt.Errorf("secret: pbkdf2: %w", err)
	}
	return fmt.Sprintf("pbkdf2_sha256$%d$%s$%s", iterations, salt, base64.StdEncoding.EncodeToString(key)), nil
}
