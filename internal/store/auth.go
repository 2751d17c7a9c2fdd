package store

import (
	"context"
	"errors"
	"time"
)

// ErrConflict is returned (wrapped) when a record would duplicate a unique
// name, such as a username, an API key name or an MTA node name.
var ErrConflict = errors.New("already exists")

// ErrLastAdmin is returned when a change would leave no enabled admin: the
// system could then no longer be administered from the dashboard.
var ErrLastAdmin = errors.New("this is the last active admin")

// Roles of dashboard users.
const (
	RoleAdmin  = "admin"
	RoleViewer = "viewer"
)

// User is a dashboard user. PasswordHash is an encoded argon2id hash.
type User struct {
	ID           int64
	Username     string
	Role         string
	PasswordHash string
	Disabled     bool
	CreatedAt    time.Time
	LastLoginAt  time.Time // zero when never
}

// UserStore keeps dashboard users.
type UserStore interface {
	CreateUser(ctx context.Context, u User) (int64, error) // ErrConflict when the username is taken
	UserByID(ctx context.Context, id int64) (User, error)
	UserByName(ctx context.Context, username string) (User, error)
	ListUsers(ctx context.Context) ([]User, error) // ordered by id
	// UpdateUser stores the role, disabled flag and password hash of u.ID.
	// It fails with ErrLastAdmin, changing nothing, when no enabled admin
	// would remain.
	UpdateUser(ctx context.Context, u User) error
	// DeleteUser deletes the user and its sessions; ErrLastAdmin as UpdateUser.
	DeleteUser(ctx context.Context, id int64) error
	TouchUserLogin(ctx context.Context, id int64, at time.Time) error
}

// Session is a dashboard login. Only the hash of its token is stored, so a
// copy of the database does not let anyone log in.
type Session struct {
	Hash       string // hex SHA-256 of the cookie token
	UserID     int64
	CSRFToken  string
	CreatedAt  time.Time
	LastSeenAt time.Time
	RemoteAddr string
}

// SessionStore keeps server-side sessions.
type SessionStore interface {
	CreateSession(ctx context.Context, s Session) error
	SessionByHash(ctx context.Context, hash string) (Session, error)
	TouchSession(ctx context.Context, hash string, at time.Time) error
	DeleteSession(ctx context.Context, hash string) error
	DeleteUserSessions(ctx context.Context, userID int64) error
	// DeleteExpiredSessions deletes sessions last seen before idleBefore or
	// created before createdBefore, and returns how many.
	DeleteExpiredSessions(ctx context.Context, idleBefore, createdBefore time.Time) (int64, error)
}

// AuditEntry is one line of the audit log: who did what, when, from where.
type AuditEntry struct {
	ID         int64
	Time       time.Time
	Actor      string
	Action     string
	Target     string
	Detail     string
	RemoteAddr string
}

// AuditLog keeps the audit log.
type AuditLog interface {
	AppendAudit(ctx context.Context, e AuditEntry) (int64, error)
	// ListAudit returns up to limit entries, newest first, with an id below
	// beforeID when beforeID > 0.
	ListAudit(ctx context.Context, beforeID int64, limit int) ([]AuditEntry, error)
}

// Node is an MTA node known to the system.
type Node struct {
	ID        int64
	Name      string
	Role      string // free text: outbound, inbound, mx…
	APIURL    string // ZoneMTA HTTP API base URL, may be empty
	CreatedAt time.Time
}

// NodeStore keeps the MTA nodes.
type NodeStore interface {
	CreateNode(ctx context.Context, n Node) (int64, error) // ErrConflict when the name is taken
	NodeByID(ctx context.Context, id int64) (Node, error)
	ListNodes(ctx context.Context) ([]Node, error) // ordered by id
	UpdateNode(ctx context.Context, n Node) error  // name, role and API URL of n.ID
	DeleteNode(ctx context.Context, id int64) error
}

// KeyAdmin is API key administration beyond KeyStore.
type KeyAdmin interface {
	// RevokeAPIKeyByID revokes key id; ErrNotFound if there is no such
	// unrevoked key.
	RevokeAPIKeyByID(ctx context.Context, id int64, at time.Time) error
	// RecordAPIKeyUse records when and from which address key id was used.
	RecordAPIKeyUse(ctx context.Context, id int64, at time.Time, addr string) error
}
