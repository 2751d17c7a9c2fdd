package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Password rules.
const (
	MinPasswordLen = 12
	MaxPasswordLen = 1024 // hashing a huge "password" is a cheap way to burn our CPU
)

// argon2id parameters: the OWASP recommendation of 19 MiB, 2 passes, 1 lane.
// They are stored in each hash, so raising them later keeps old hashes valid.
const (
	argonMemory  = 19 * 1024
	argonTime    = 2
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16
)

// ErrWeakPassword is returned for passwords that break the rules.
var ErrWeakPassword = errors.New("password must be 12 to 1024 characters")

// CheckPasswordRules returns ErrWeakPassword unless pw is acceptable.
func CheckPasswordRules(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MinPasswordLen || len(pw) > MaxPasswordLen {
		return ErrWeakPassword
	}
	return nil
}

var b64 = base64.RawStdEncoding

// HashPassword returns the PHC-style argon2id hash of pw.
func HashPassword(pw string) string {
	salt := make([]byte, argonSaltLen)
	_, _ = rand.Read(salt)
	key := argon2.IDKey([]byte(pw), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		b64.EncodeToString(salt), b64.EncodeToString(key))
}

// VerifyPassword reports whether pw matches hash. A malformed hash matches
// nothing, after the same work as a real check.
func VerifyPassword(hash, pw string) bool {
	var v int
	var m uint32
	var t uint32
	var p uint8
	parts := strings.Split(hash, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		VerifyPassword(dummyHash(), pw)
		return false
	}
	_, err1 := fmt.Sscanf(parts[2], "v=%d", &v)
	_, err2 := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &p)
	salt, err3 := b64.DecodeString(parts[4])
	want, err4 := b64.DecodeString(parts[5])
	if err := errors.Join(err1, err2, err3, err4); err != nil || v != argon2.Version || len(want) == 0 ||
		m > 1<<21 || t > 16 || p == 0 {
		VerifyPassword(dummyHash(), pw)
		return false
	}
	got := argon2.IDKey([]byte(pw), salt, t, m, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

// dummyHash is checked against when the user does not exist, so that an
// unknown username costs the same time as a wrong password.
var dummyHash = sync.OnceValue(func() string { return HashPassword("not a password anyone has: " + randomToken()) })

// randomToken returns 32 random bytes, URL-safe base64.
func randomToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // never fails on supported platforms
	return base64.RawURLEncoding.EncodeToString(b)
}

// GeneratePassword returns a random password of 20 characters (100 bits),
// easy to type: lower-case letters and digits.
func GeneratePassword() string {
	b := make([]byte, 13)
	_, _ = rand.Read(b)
	return strings.ToLower(keyEncoding.EncodeToString(b))[:20]
}
