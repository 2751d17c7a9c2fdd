package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/httperr"
	"github.com/tinomail/tinomail/internal/store"
)

// adminUserJSON is a user as the admin API shows it.
type adminUserJSON struct {
	ID          int64      `json:"id"`
	Username    string     `json:"username"`
	Role        string     `json:"role"`
	Disabled    bool       `json:"disabled"`
	CreatedAt   time.Time  `json:"createdAt"`
	LastLoginAt *time.Time `json:"lastLoginAt"`
}

func toAdminUser(u store.User) adminUserJSON {
	return adminUserJSON{ID: u.ID, Username: u.Username, Role: u.Role, Disabled: u.Disabled,
		CreatedAt: u.CreatedAt.UTC(), LastLoginAt: timeOrNil(u.LastLoginAt)}
}

// timeOrNil renders a zero time ("never") as JSON null.
func timeOrNil(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	t = t.UTC()
	return &t
}

// pathID reads the {id} path value.
func pathID(r *http.Request) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil || id <= 0 {
		return 0, httperr.New(http.StatusBadRequest, "invalid_parameter", "id must be a positive integer")
	}
	return id, nil
}

func (a *api) listUsers(w http.ResponseWriter, r *http.Request, _ store.User) error {
	users, err := a.Auth.Store.ListUsers(r.Context())
	if err != nil {
		return err
	}
	out := make([]adminUserJSON, 0, len(users))
	for _, u := range users {
		out = append(out, toAdminUser(u))
	}
	httperr.JSON(w, http.StatusOK, map[string]any{"users": out})
	return nil
}

func (a *api) createUser(w http.ResponseWriter, r *http.Request, actor store.User) error {
	var body struct {
		Username string `json:"username"`
		Password string `json:"password"`
		Role     string `json:"role"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	u, err := auth.CreateUser(r.Context(), a.Auth.Store, body.Username, body.Password, body.Role, time.Now())
	if err != nil {
		return err
	}
	a.audit(r, actor.Username, "user.create", "user:"+u.Username, "role="+u.Role)
	httperr.JSON(w, http.StatusCreated, toAdminUser(u))
	return nil
}

func (a *api) updateUser(w http.ResponseWriter, r *http.Request, actor store.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body struct {
		Role     *string `json:"role"`
		Disabled *bool   `json:"disabled"`
		Password *string `json:"password"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	u, err := a.Auth.Store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	var changes []string
	if body.Role != nil {
		if err := auth.CheckRole(*body.Role); err != nil {
			return err
		}
		u.Role = *body.Role
		changes = append(changes, "role="+u.Role)
	}
	if body.Disabled != nil {
		u.Disabled = *body.Disabled
		changes = append(changes, fmt.Sprintf("disabled=%t", u.Disabled))
	}
	if body.Password != nil {
		if err := auth.SetPassword(&u, *body.Password); err != nil {
			return err
		}
		changes = append(changes, "password=reset")
	}
	if len(changes) == 0 {
		return httperr.New(http.StatusBadRequest, "invalid_request", "give at least one of role, disabled, password")
	}
	if err := a.Auth.Store.UpdateUser(r.Context(), u); err != nil {
		return err
	}
	// A new password or a disabled account ends the user's other sessions.
	if body.Password != nil || u.Disabled {
		if err := a.endSessions(r, u.ID); err != nil {
			return err
		}
	}
	a.audit(r, actor.Username, "user.update", "user:"+u.Username, strings.Join(changes, " "))
	httperr.JSON(w, http.StatusOK, toAdminUser(u))
	return nil
}

// endSessions deletes every session of user id except the one making the
// request, so that an admin changing their own password stays logged in.
func (a *api) endSessions(r *http.Request, id int64) error {
	_, current, err := a.session(r)
	if err != nil {
		return err
	}
	if err := a.Auth.Store.DeleteUserSessions(r.Context(), id); err != nil {
		return err
	}
	if current.UserID == id {
		return a.Auth.Store.CreateSession(r.Context(), current)
	}
	return nil
}

func (a *api) deleteUser(w http.ResponseWriter, r *http.Request, actor store.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	u, err := a.Auth.Store.UserByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.Auth.Store.DeleteUser(r.Context(), id); err != nil {
		return err
	}
	a.audit(r, actor.Username, "user.delete", "user:"+u.Username, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// keyJSON is an API key as the admin API shows it: never the key itself.
type keyJSON struct {
	ID           int64      `json:"id"`
	Name         string     `json:"name"`
	Prefix       string     `json:"prefix"`
	Scopes       []string   `json:"scopes"`
	AllowedCIDRs []string   `json:"allowedCidrs"`
	CreatedAt    time.Time  `json:"createdAt"`
	LastUsedAt   *time.Time `json:"lastUsedAt"`
	LastUsedAddr string     `json:"lastUsedAddr"`
	RevokedAt    *time.Time `json:"revokedAt"`
}

func toKeyJSON(k store.APIKey) keyJSON {
	j := keyJSON{ID: k.ID, Name: k.Name, Prefix: k.Prefix, Scopes: k.Scopes, AllowedCIDRs: k.AllowedCIDRs,
		CreatedAt: k.CreatedAt.UTC(), LastUsedAt: timeOrNil(k.LastUsedAt), LastUsedAddr: k.LastUsedAddr,
		RevokedAt: timeOrNil(k.RevokedAt)}
	if j.Scopes == nil {
		j.Scopes = []string{}
	}
	if j.AllowedCIDRs == nil {
		j.AllowedCIDRs = []string{}
	}
	return j
}

func (a *api) listKeys(w http.ResponseWriter, r *http.Request, _ store.User) error {
	keys, err := a.Auth.Store.ListAPIKeys(r.Context())
	if err != nil {
		return err
	}
	out := make([]keyJSON, 0, len(keys))
	for _, k := range keys {
		out = append(out, toKeyJSON(k))
	}
	httperr.JSON(w, http.StatusOK, map[string]any{"keys": out})
	return nil
}

func (a *api) createKey(w http.ResponseWriter, r *http.Request, actor store.User) error {
	var body struct {
		Name         string   `json:"name"`
		Scopes       []string `json:"scopes"`
		AllowedCIDRs []string `json:"allowedCidrs"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	scopes, err := auth.ParseScopes(strings.Join(body.Scopes, ","))
	if err != nil || len(body.Scopes) == 0 {
		return httperr.New(http.StatusBadRequest, "invalid_request", "scopes must be a non-empty list of ingest and read")
	}
	rec, secret, err := a.Keys.CreateKey(r.Context(), body.Name, scopes, body.AllowedCIDRs, time.Now())
	if err != nil {
		return err
	}
	detail := "scopes=" + strings.Join(rec.Scopes, ",")
	if len(rec.AllowedCIDRs) > 0 {
		detail += " allowedCidrs=" + strings.Join(rec.AllowedCIDRs, ",")
	}
	a.audit(r, actor.Username, "apikey.create", "apikey:"+rec.Name, detail)
	httperr.JSON(w, http.StatusCreated, map[string]any{"key": toKeyJSON(rec), "secret": secret})
	return nil
}

func (a *api) revokeKey(w http.ResponseWriter, r *http.Request, actor store.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	err = a.Auth.Store.RevokeAPIKeyByID(r.Context(), id, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return httperr.New(http.StatusNotFound, "not_found", "no unrevoked API key has id %d", id)
	}
	if err != nil {
		return err
	}
	a.audit(r, actor.Username, "apikey.revoke", "apikey:"+a.keyName(r, id), "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// keyName returns the name of key id for the audit log, or its id.
func (a *api) keyName(r *http.Request, id int64) string {
	keys, err := a.Auth.Store.ListAPIKeys(r.Context())
	if err == nil {
		for _, k := range keys {
			if k.ID == id {
				return k.Name
			}
		}
	}
	return strconv.FormatInt(id, 10)
}
