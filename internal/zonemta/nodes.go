// Package zonemta polls the HTTP API of ZoneMTA nodes for the state of their
// outbound queues: sizes per zone, the ages of queued deliveries and the
// oldest one, with the last reply it got. It keeps the last good snapshot of
// every node, marks a node stale when it stops answering, stores queue-size
// samples for a trend, and builds the answer of /api/v1/email/queue.
package zonemta

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Node is one ZoneMTA instance whose API the poller reads.
type Node struct {
	Name   string // as events name it in mtaNode
	APIURL string // base URL of its API, e.g. http://10.0.0.5:12080
}

// NodeSource lists the nodes to poll. The poller asks it before every
// round, so a source backed by the database sees nodes added or removed
// without a restart.
type NodeSource interface {
	Nodes(ctx context.Context) ([]Node, error)
}

// StaticNodes is a fixed node list, such as the one of --zonemta-nodes.
type StaticNodes []Node

// Nodes returns the list.
func (s StaticNodes) Nodes(context.Context) ([]Node, error) { return s, nil }

// validName is what a node name may contain: it appears in URLs of the
// dashboard and in log lines.
var validName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// NodeList is the flag value of --zonemta-nodes:
// name=http://host:12080,name2=http://host2:12080.
type NodeList []Node

func (l *NodeList) String() string {
	if l == nil {
		return ""
	}
	parts := make([]string, len(*l))
	for i, n := range *l {
		parts[i] = n.Name + "=" + n.APIURL
	}
	return strings.Join(parts, ",")
}

// Set parses and checks a whole list, replacing the previous value.
func (l *NodeList) Set(s string) error {
	nodes, err := ParseNodes(s)
	if err != nil {
		return err
	}
	*l = nodes
	return nil
}

// ParseNodes parses name=url pairs separated by commas. Every error names
// the entry at fault. An empty string is an empty list.
func ParseNodes(s string) (NodeList, error) {
	var nodes NodeList
	if strings.TrimSpace(s) == "" {
		return nodes, nil
	}
	for i, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, raw, ok := strings.Cut(part, "=")
		name, raw = strings.TrimSpace(name), strings.TrimSpace(raw)
		switch {
		case part == "":
			return nil, fmt.Errorf("entry %d is empty; want name=http://host:12080, separated by commas", i+1)
		case !ok:
			return nil, fmt.Errorf("entry %d %q: want name=http://host:12080", i+1, part)
		case !validName.MatchString(name):
			return nil, fmt.Errorf("entry %d: node name %q must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit", i+1, name)
		case slices.ContainsFunc(nodes, func(n Node) bool { return n.Name == name }):
			return nil, fmt.Errorf("entry %d: node name %q is given twice", i+1, name)
		}
		if err := checkAPIURL(raw); err != nil {
			return nil, fmt.Errorf("entry %d (%s): %w", i+1, name, err)
		}
		nodes = append(nodes, Node{Name: name, APIURL: strings.TrimRight(raw, "/")})
	}
	return nodes, nil
}

func checkAPIURL(raw string) error {
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("API URL %q does not parse: %v", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("API URL %q must start with http:// or https://", raw)
	case u.Host == "" || u.Hostname() == "":
		return fmt.Errorf("API URL %q has no host", raw)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("API URL %q must not have a query or fragment", raw)
	}
	return nil
}
