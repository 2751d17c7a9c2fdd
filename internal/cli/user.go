package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/tinomail/tinomail/internal/auth"
	"github.com/tinomail/tinomail/internal/config"
	"github.com/tinomail/tinomail/internal/store"
)

// user manages dashboard users from the command line: the way to create the
// first admin. Passwords come from stdin or a prompt, never from a flag,
// where they would end up in shell history and the process list.
func user(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		fmt.Fprintln(env.Stderr, "usage: tinomail user add|passwd|list [options]")
		return errUsage
	}
	sub, args := args[0], args[1:]
	fs := newFlagSet("user "+sub, env)
	dataDir := fs.String("data-dir", defaultDataDir, "directory of the SQLite database (same as serve)")
	databaseURL := fs.String("database-url", "", "PostgreSQL URL (same as serve); empty: SQLite in the data dir")
	var username, role string
	switch sub {
	case "add":
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.StringVar(&role, "role", "", "admin or viewer (required)")
		fs.Usage = config.Usage(fs, "usage: tinomail user add --username NAME --role admin|viewer\n\nReads the password (at least 12 characters) from a prompt, or from the first line of stdin.")
	case "passwd":
		fs.StringVar(&username, "username", "", "login name (required)")
		fs.Usage = config.Usage(fs, "usage: tinomail user passwd --username NAME\n\nSets a new password, read like user add's, and ends the user's sessions.")
	case "list":
		fs.Usage = config.Usage(fs, "usage: tinomail user list")
	default:
		fmt.Fprintf(env.Stderr, "tinomail user: unknown subcommand %q: use add, passwd or list\n", sub)
		return errUsage
	}
	if err := config.Parse(fs, args, env.Getenv); err != nil {
		return usageError(err)
	}
	if sub != "list" && username == "" || sub == "add" && role == "" {
		fmt.Fprintf(env.Stderr, "tinomail user %s: --username%s required\n", sub, map[bool]string{true: " and --role are", false: " is"}[sub == "add"])
		return errUsage
	}
	if sub == "add" {
		if err := auth.CheckRole(role); err != nil {
			return usageError(err)
		}
	}
	st, err := openStore(ctx, *dataDir, *databaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	switch sub {
	case "list":
		return userList(ctx, st, env)
	case "passwd":
		return userPasswd(ctx, st, username, env)
	}
	pw, err := readPassword(env)
	if err != nil {
		return err
	}
	u, err := auth.CreateUser(ctx, st, username, pw, role, time.Now())
	if errors.Is(err, store.ErrConflict) {
		return fmt.Errorf("a user named %q exists already", auth.NormalizeUsername(username))
	}
	if err != nil {
		return err
	}
	cliAudit(ctx, st, "user.create", "user:"+u.Username, "role="+u.Role)
	fmt.Fprintf(env.Stderr, "created %s user %s\n", u.Role, u.Username)
	return nil
}

func userPasswd(ctx context.Context, st store.Store, username string, env Env) error {
	u, err := st.UserByName(ctx, auth.NormalizeUsername(username))
	if errors.Is(err, store.ErrNotFound) {
		return fmt.Errorf("no user is named %q", auth.NormalizeUsername(username))
	}
	if err != nil {
		return err
	}
	pw, err := readPassword(env)
	if err != nil {
		return err
	}
	if err := auth.SetPassword(&u, pw); err != nil {
		return err
	}
	if err := st.UpdateUser(ctx, u); err != nil {
		return err
	}
	if err := st.DeleteUserSessions(ctx, u.ID); err != nil {
		return err
	}
	cliAudit(ctx, st, "user.update", "user:"+u.Username, "password=reset")
	fmt.Fprintf(env.Stderr, "new password set for %s; their sessions are ended\n", u.Username)
	return nil
}

func userList(ctx context.Context, st store.Store, env Env) error {
	users, err := st.ListUsers(ctx)
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tUSERNAME\tROLE\tSTATUS\tCREATED\tLAST LOGIN")
	for _, u := range users {
		status := "active"
		if u.Disabled {
			status = "disabled"
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Username, u.Role, status,
			u.CreatedAt.UTC().Format(time.RFC3339), orNever(u.LastLoginAt))
	}
	return tw.Flush()
}

// cliAudit records a change made from the command line. The change is made:
// a failure to record it is reported, not fatal.
func cliAudit(ctx context.Context, st store.AuditLog, action, target, detail string) {
	actor := "cli"
	if u := os.Getenv("USER"); u != "" {
		actor = "cli:" + u
	}
	if _, err := st.AppendAudit(ctx, store.AuditEntry{Time: time.Now().UTC(), Actor: actor, Action: action,
		Target: target, Detail: detail, RemoteAddr: "local"}); err != nil {
		fmt.Fprintf(os.Stderr, "tinomail: audit log: %v\n", err)
	}
}

// readPassword prompts twice without echo on a terminal, and otherwise
// reads the first line of stdin.
func readPassword(env Env) (string, error) {
	if f, ok := env.Stdin.(*os.File); ok && isTerminal(f) {
		fmt.Fprint(env.Stderr, "Password: ")
		pw, err := readNoEcho(f)
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if err := auth.CheckPasswordRules(pw); err != nil {
			return "", err
		}
		fmt.Fprint(env.Stderr, "Again: ")
		again, err := readNoEcho(f)
		fmt.Fprintln(env.Stderr)
		if err != nil {
			return "", err
		}
		if again != pw {
			return "", errors.New("the passwords differ")
		}
		return pw, nil
	}
	line, err := bufio.NewReader(env.Stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("reading the password from stdin: give it as the first line")
	}
	return strings.TrimRight(line, "\r\n"), nil
}
