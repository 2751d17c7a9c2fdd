package httpapi

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/tinomail/tinomail/internal/httperr"
	"github.com/tinomail/tinomail/internal/retention"
	"github.com/tinomail/tinomail/internal/store"
)

type nodeJSON struct {
	ID        int64     `json:"id"`
	Name      string    `json:"name"`
	Role      string    `json:"role"`
	APIURL    string    `json:"apiUrl"`
	CreatedAt time.Time `json:"createdAt"`
}

func toNodeJSON(n store.Node) nodeJSON {
	return nodeJSON{ID: n.ID, Name: n.Name, Role: n.Role, APIURL: n.APIURL, CreatedAt: n.CreatedAt.UTC()}
}

// nodeBody is the JSON of node creation and update; nil fields are unchanged.
type nodeBody struct {
	Name   *string `json:"name"`
	Role   *string `json:"role"`
	APIURL *string `json:"apiUrl"`
}

// apply validates the given fields and sets them on n.
func (b nodeBody) apply(n *store.Node) error {
	if b.Name != nil {
		n.Name = strings.TrimSpace(*b.Name)
	}
	if b.Role != nil {
		n.Role = strings.TrimSpace(*b.Role)
	}
	if b.APIURL != nil {
		n.APIURL = strings.TrimSpace(*b.APIURL)
	}
	switch {
	case n.Name == "" || len(n.Name) > 100 || !printable(n.Name):
		return httperr.New(http.StatusBadRequest, "invalid_request", "name must be 1 to 100 printable characters")
	case len(n.Role) > 50 || !printable(n.Role):
		return httperr.New(http.StatusBadRequest, "invalid_request", "role must be at most 50 printable characters")
	case n.APIURL != "":
		u, err := url.Parse(n.APIURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || len(n.APIURL) > 500 {
			return httperr.New(http.StatusBadRequest, "invalid_request", "apiUrl must be an http:// or https:// URL without credentials, or empty")
		}
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

func (a *api) listNodes(w http.ResponseWriter, r *http.Request, _ store.User) error {
	nodes, err := a.Auth.Store.ListNodes(r.Context())
	if err != nil {
		return err
	}
	out := make([]nodeJSON, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, toNodeJSON(n))
	}
	httperr.JSON(w, http.StatusOK, map[string]any{"nodes": out})
	return nil
}

func (a *api) createNode(w http.ResponseWriter, r *http.Request, actor store.User) error {
	var body nodeBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	n := store.Node{CreatedAt: time.Now().UTC().Truncate(time.Millisecond)}
	if err := body.apply(&n); err != nil {
		return err
	}
	id, err := a.Auth.Store.CreateNode(r.Context(), n)
	if err != nil {
		return err
	}
	n.ID = id
	a.audit(r, actor.Username, "node.create", "node:"+n.Name, nodeDetail(n))
	httperr.JSON(w, http.StatusCreated, toNodeJSON(n))
	return nil
}

func (a *api) updateNode(w http.ResponseWriter, r *http.Request, actor store.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	var body nodeBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	n, err := a.Auth.Store.NodeByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := body.apply(&n); err != nil {
		return err
	}
	if err := a.Auth.Store.UpdateNode(r.Context(), n); err != nil {
		return err
	}
	a.audit(r, actor.Username, "node.update", "node:"+n.Name, nodeDetail(n))
	httperr.JSON(w, http.StatusOK, toNodeJSON(n))
	return nil
}

func nodeDetail(n store.Node) string {
	return fmt.Sprintf("role=%q apiUrl=%q", n.Role, n.APIURL)
}

func (a *api) deleteNode(w http.ResponseWriter, r *http.Request, actor store.User) error {
	id, err := pathID(r)
	if err != nil {
		return err
	}
	n, err := a.Auth.Store.NodeByID(r.Context(), id)
	if err != nil {
		return err
	}
	if err := a.Auth.Store.DeleteNode(r.Context(), id); err != nil {
		return err
	}
	a.audit(r, actor.Username, "node.delete", "node:"+n.Name, "")
	w.WriteHeader(http.StatusNoContent)
	return nil
}

type settingsJSON struct {
	Retention retention.Periods `json:"retention"`
}

func (a *api) getSettings(w http.ResponseWriter, r *http.Request, _ store.User) error {
	pol, err := retention.Load(r.Context(), a.Auth.Store, a.Auth.Retention)
	if err != nil {
		return err
	}
	httperr.JSON(w, http.StatusOK, settingsJSON{Retention: retention.FormatPeriods(pol)})
	return nil
}

func (a *api) putSettings(w http.ResponseWriter, r *http.Request, actor store.User) error {
	var body settingsJSON
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	cur, err := retention.Load(r.Context(), a.Auth.Store, a.Auth.Retention)
	if err != nil {
		return err
	}
	pol, err := body.Retention.Parse(cur)
	if err != nil {
		return httperr.New(http.StatusBadRequest, "invalid_request", "retention.%v", err)
	}
	if err := retention.Save(r.Context(), a.Auth.Store, pol); err != nil {
		return err
	}
	p := retention.FormatPeriods(pol)
	a.audit(r, actor.Username, "settings.update", "retention",
		fmt.Sprintf("events=%s rollup5m=%s rollup1h=%s rollup1d=%s", p.Events, p.Rollup5m, p.Rollup1h, p.Rollup1d))
	httperr.JSON(w, http.StatusOK, settingsJSON{Retention: p})
	return nil
}

type auditJSON struct {
	ID         int64     `json:"id"`
	Time       time.Time `json:"time"`
	Actor      string    `json:"actor"`
	Action     string    `json:"action"`
	Target     string    `json:"target"`
	Detail     string    `json:"detail"`
	RemoteAddr string    `json:"remoteAddr"`
}

// Audit log page sizes.
const (
	defaultAuditLimit = 50
	maxAuditLimit     = 500
)

// auditLog pages through the audit log, newest first. The cursor is the id
// of the last entry of the previous page.
func (a *api) auditLog(w http.ResponseWriter, r *http.Request, _ store.User) error {
	q := r.URL.Query()
	limit := defaultAuditLimit
	if s := q.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > maxAuditLimit {
			return httperr.New(http.StatusBadRequest, "invalid_parameter", "limit must be between 1 and %d", maxAuditLimit)
		}
		limit = n
	}
	var before int64
	if s := q.Get("cursor"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n <= 0 {
			return httperr.New(http.StatusBadRequest, "invalid_parameter", "cursor must be the nextCursor of an earlier page")
		}
		before = n
	}
	entries, err := a.Auth.Store.ListAudit(r.Context(), before, limit+1)
	if err != nil {
		return err
	}
	var next *string
	if len(entries) > limit {
		entries = entries[:limit]
		c := strconv.FormatInt(entries[limit-1].ID, 10)
		next = &c
	}
	out := make([]auditJSON, 0, len(entries))
	for _, e := range entries {
		out = append(out, auditJSON{ID: e.ID, Time: e.Time.UTC(), Actor: e.Actor, Action: e.Action,
			Target: e.Target, Detail: e.Detail, RemoteAddr: e.RemoteAddr})
	}
	httperr.JSON(w, http.StatusOK, map[string]any{"entries": out, "nextCursor": next})
	return nil
}
