package auth

import (
	"strings"
	"testing"
)

func TestPasswordHash(t *testing.T) {
	h := HashPassword("correct horse battery")
	if !strings.HasPrefix(h, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Errorf("hash %q: want argon2id with the stored parameters", h)
	}
	if h == HashPassword("correct horse battery") {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !VerifyPassword(h, "correct horse battery") {
		t.Error("the right password does not verify")
	}
	for _, wrong := range []string{"correct horse batter", "Correct horse battery", "", "correct horse battery "} {
		if VerifyPassword(h, wrong) {
			t.Errorf("%q verifies", wrong)
		}
	}
	for _, bad := range []string{"", "plain", "$argon2id$v=19$m=1,t=1,p=1$!!$!!", "$argon2i$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
		"$argon2id$v=19$m=99999999,t=2,p=1$c2FsdA$aGFzaA", "$argon2id$v=19$m=19456,t=2,p=0$c2FsdA$aGFzaA"} {
		if VerifyPassword(bad, "") || VerifyPassword(bad, "plain") {
			t.Errorf("malformed hash %q verifies", bad)
		}
	}
}

func TestPasswordRules(t *testing.T) {
	for pw, ok := range map[string]bool{
		"":                          false,
		"elevenchars":               false,
		"twelve chars":              true,
		"ünïcödé pässwörd":          true,
		"ääääääääääää":              true, // 12 characters, 24 bytes
		strings.Repeat("x", 1024):   true,
		strings.Repeat("x", 1025):   false,
		strings.Repeat("€", 400):    false, // 1200 bytes
		"           twelve spaces ": true,
	} {
		if err := CheckPasswordRules(pw); (err == nil) != ok {
			t.Errorf("CheckPasswordRules(%.20q) = %v, want ok=%v", pw, err, ok)
		}
	}
}

func TestGeneratePassword(t *testing.T) {
	a, b := GeneratePassword(), GeneratePassword()
	if len(a) != 20 || a == b || CheckPasswordRules(a) != nil || strings.Trim(a, "abcdefghijklmnopqrstuvwxyz234567") != "" {
		t.Errorf("GeneratePassword = %q, %q", a, b)
	}
}

func TestUsernames(t *testing.T) {
	for name, ok := range map[string]bool{
		"alice": true, "ops.team-1_x@example.org": true, "": false, strings.Repeat("a", 65): false,
		"Alice": false, "a b": false, "<script>": false, "a'--": false, "a\x00": false, "ädmin": false,
	} {
		if err := CheckUsername(name); (err == nil) != ok {
			t.Errorf("CheckUsername(%q) = %v, want ok=%v", name, err, ok)
		}
	}
	if NormalizeUsername("  Alice ") != "alice" {
		t.Error("NormalizeUsername does not trim and lower-case")
	}
}
