package zonemta

import (
	"context"
	"fmt"
	"strings"

	"github.com/tinomail/tinomail/internal/store"
)

// Fleet is the node list of a running server: the nodes of --zonemta-nodes
// plus the MTA nodes administrators added with a ZoneMTA API URL. It is read
// before every poll round, so a node added in the admin API is polled from
// the next round on, without a restart. A name given both ways is polled
// once, with the flag's URL: the operator's command line wins.
type Fleet struct {
	Static []Node
	Store  interface {
		ListNodes(ctx context.Context) ([]store.Node, error)
	}
}

// Nodes returns the flag's nodes, then the administered ones.
func (f Fleet) Nodes(ctx context.Context) ([]Node, error) {
	nodes := append([]Node(nil), f.Static...)
	if f.Store == nil {
		return nodes, nil
	}
	stored, err := f.Store.ListNodes(ctx)
	if err != nil {
		return nil, fmt.Errorf("zonemta: list MTA nodes: %w", err)
	}
	seen := map[string]bool{}
	for _, n := range nodes {
		seen[n.Name] = true
	}
	for _, n := range stored {
		if n.APIURL == "" || seen[n.Name] || !validName.MatchString(n.Name) || checkAPIURL(n.APIURL) != nil {
			continue // not a ZoneMTA node, or nothing this poller can reach
		}
		seen[n.Name] = true
		nodes = append(nodes, Node{Name: n.Name, APIURL: strings.TrimRight(n.APIURL, "/")})
	}
	return nodes, nil
}
