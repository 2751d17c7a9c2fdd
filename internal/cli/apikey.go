package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/store"
)

func apikey(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "usage: tinomail apikey create|list|revoke [options]")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("apikey "+sub, env)
	dataDir := fs.String("data-dir", defaultDataDir, "directory of the SQLite database (same as serve)")
	databaseURL := fs.String("database-url", "", "PostgreSQL URL (same as serve); empty: SQLite in the data dir")
	var name, scope, cidrs string
	switch sub {
	case "create":
		fs.StringVar(&name, "name", "", "name of the key, unique (required)")
		fs.StringVar(&scope, "scope", "", "ingest, read or ingest,read (required)")
		fs.StringVar(&cidrs, "allowed-cidrs", "", "comma-separated networks the key may be used from (e.g. 10.0.0.0/8); empty: anywhere")
		fs.Usage = config.Usage(fs, "usage: tinomail apikey create --name NAME --scope ingest|read|ingest,read\n\nPrints the new key, and nothing else, on stdout. It is shown only this once.")
	case "list":
		fs.Usage = config.Usage(fs, "usage: tinomail apikey list")
	case "revoke":
		fs.Usage = config.Usage(fs, "usage: tinomail apikey revoke NAME|PREFIX")
	default:
		fmt.Fprintf(env.Stderr, "tinomail apikey: unknown subcommand %q: use create, list or revoke\n", sub)
		return errUsage
	}
	// revoke takes its argument first or last: "revoke NAME --data-dir D" too.
	var target string
	if sub == "revoke" && len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		target, args = args[0], args[1:]
	}
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return usageError(err)
	}
	if sub == "revoke" {
		if target == "" && fs.NArg() == 1 {
			target = fs.Arg(0)
		} else if target == "" || fs.NArg() != 0 {
			fmt.Fprintln(env.Stderr, "usage: tinomail apikey revoke NAME|PREFIX")
			return errUsage
		}
	}
	st, err := openStore(ctx, *dataDir, *databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "create":
		return apikeyCreate(ctx, st, name, scope, cidrs, env)
	case "list":
		return apikeyList(ctx, st, env)
	}
	err = st.RevokeAPIKey(ctx, target, time.Now())
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no valid API key is named %q or has that prefix", target)
	}
	if err != nil {
		return err
	}
	cliAudit(ctx, st, "apikey.revoke", "apikey:"+target, "")
	fmt.Fprintf(env.Stderr, "revoked %s\n", target)
	return nil
}

func apikeyCreate(ctx context.Context, st store.Store, name, scope, cidrs string, env Env) error {
	if name == "" || scope == "" {
		fmt.Fprintln(env.Stderr, "tinomail apikey create: --name and --scope are required")
		return errUsage
	}
	scopes, err := auth.ParseScopes(scope)
	if err != nil {
		return fmt.Errorf("--scope: %w", err)
	}
	var allowed []string
	if cidrs != "" {
		allowed = strings.Split(cidrs, ",")
	}
	rec, key, err := auth.NewKeys(st).CreateKey(ctx, name, scopes, allowed, time.Now())
	if err != nil {
		return err
	}
	detail := "scopes=" + strings.Join(rec.Scopes, ",")
	if len(rec.AllowedCIDRs) > 0 {
		detail += " allowedCidrs=" + strings.Join(rec.AllowedCIDRs, ",")
	}
	cliAudit(ctx, st, "apikey.create", "apikey:"+rec.Name, detail)
	fmt.Fprintln(env.Stdout, key)
	return nil
}

func apikeyList(ctx context.Context, st store.Store, env Env) error {
	keys, err := st.ListAPIKeys(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tPREFIX\tSCOPES\tALLOWED FROM\tCREATED\tLAST USED\tLAST ADDRESS\tSTATUS")
	for _, k := range keys {
		status := "active"
		if !k.RevokedAt.IsZero() {
			status = "revoked " + k.RevokedAt.UTC().Format(time.RFC3339)
		}
		allowed, addr := strings.Join(k.AllowedCIDRs, ","), k.LastUsedAddr
		if allowed == "" {
			allowed = "anywhere"
		}
		if addr == "" {
			addr = "-"
		}
		fmt.Fprintf(tw, "%s\t%s…\t%s\t%s\t%s\t%s\t%s\t%s\n", k.Name, k.Prefix, strings.Join(k.Scopes, ","), allowed,
			k.CreatedAt.UTC().Format(time.RFC3339), orNever(k.LastUsedAt), addr, status)
	}
	return tw.Flush()
}

func orNever(t time.Time) string {
	if t.IsZero() {
		return "never"
	}
	return t.UTC().Format(time.RFC3339)
}

// usageError marks flag errors, which the flag package already printed.
func usageError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	return fmt.Errorf("%w: %v", errUsage, err)
}
