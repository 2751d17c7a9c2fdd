package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/store"
)

// ErrInvalid marks a request the caller must fix: bad username, role or
// password. The HTTP layer answers 400 with its message.
var ErrInvalid = errors.New("invalid")

// invalidf returns an error wrapping ErrInvalid whose message is only the
// description, for people.
func invalidf(format string, args ...any) error {
	return &invalidError{msg: fmt.Sprintf(format, args...)}
}

type invalidError struct{ msg string }

func (e *invalidError) Error() string        { return e.msg }
func (e *invalidError) Is(target error) bool { return target == ErrInvalid }

// NormalizeUsername lower-cases and trims a username, so that "Alice" and
// "alice" are one user.
func NormalizeUsername(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CheckUsername accepts 1 to 64 letters, digits and . _ @ - characters:
// names show up in the audit log and the dashboard, so no markup or spaces.
func CheckUsername(name string) error {
	if len(name) == 0 || len(name) > 64 {
		return invalidf("username must be 1 to 64 characters")
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || strings.ContainsRune("._@-", r)) {
			return invalidf("username may contain only letters, digits and . _ @ -")
		}
	}
	return nil
}

// CheckRole accepts admin and viewer.
func CheckRole(role string) error {
	if role != store.RoleAdmin && role != store.RoleViewer {
		return invalidf("role must be admin or viewer")
	}
	return nil
}

// CreateUser validates and stores a new user; store.ErrConflict when the
// name is taken.
func CreateUser(ctx context.Context, st store.UserStore, username, password, role string, now time.Time) (store.User, error) {
	u := store.User{Username: NormalizeUsername(username), Role: role, CreatedAt: now.UTC().Truncate(time.Millisecond)}
	if err := CheckUsername(u.Username); err != nil {
		return store.User{}, err
	}
	if err := CheckRole(role); err != nil {
		return store.User{}, err
	}
	if err := CheckPasswordRules(password); err != nil {
		return store.User{}, invalidf("%v", err)
	}
	u.PasswordHash = HashPassword(password)
	id, err := st.CreateUser(ctx, u)
	if err != nil {
		return store.User{}, fmt.Errorf("auth: create user %q: %w", u.Username, err)
	}
	u.ID = id
	return u, nil
}

// SetPassword checks the rules and sets the hash of u's new password.
func SetPassword(u *store.User, password string) error {
	if err := CheckPasswordRules(password); err != nil {
		return invalidf("%v", err)
	}
	u.PasswordHash = HashPassword(password)
	return nil
}
