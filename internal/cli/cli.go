// Package cli implements the tinomail command and its subcommands.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
)

// Env is what a command may touch of the outside world; tests replace it.
type Env struct {
	Stdout, Stderr io.Writer
	Stdin          io.Reader
	Getenv         func(string) string
}

// Run runs the command line args (args[0] is the program name) and returns
// the exit status.
func Run(ctx context.Context, args []string) int {
	return RunEnv(ctx, args, Env{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Getenv: os.Getenv})
}

// RunEnv is Run with an explicit environment.
func RunEnv(ctx context.Context, args []string, env Env) int {
	if len(args) < 2 {
		usage(env.Stderr)
		return 2
	}
	var err error
	switch cmd, rest := args[1], args[2:]; cmd {
	case "serve":
		err = serve(ctx, rest, env)
	case "apikey":
		err = apikey(ctx, rest, env)
	case "user":
		err = user(ctx, rest, env)
	case "simulate":
		err = simulateCmd(ctx, rest, env)
	case "version", "--version", "-version":
		fmt.Fprintln(env.Stdout, versionString())
	case "help", "-h", "--help":
		usage(env.Stdout)
	default:
		fmt.Fprintf(env.Stderr, "tinomail: unknown command %q\n\n", cmd)
		usage(env.Stderr)
		return 2
	}
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		if err != errUsage {
			fmt.Fprintf(env.Stderr, "tinomail: %v\n", err)
		}
		return 2
	}
	fmt.Fprintf(env.Stderr, "tinomail: %v\n", err)
	return 1
}

// errUsage marks an error already reported with the command's usage.
var errUsage = errors.New("usage")

func usage(w io.Writer) {
	fmt.Fprint(w, `TinoMail Monitor: email flow monitoring for MTA fleets.

Usage:
  tinomail serve [options]             run the server (HTTP API, queue, writer)
  tinomail apikey create --name NAME --scope ingest|read|ingest,read
  tinomail apikey list
  tinomail apikey revoke NAME|PREFIX
  tinomail user add --username NAME --role admin|viewer   (password on stdin or a prompt)
  tinomail user passwd --username NAME
  tinomail user list
  tinomail simulate --url URL --api-key KEY [options]
  tinomail version

Run "tinomail COMMAND --help" for the options of a command.
`)
}

// newFlagSet returns a flag set that reports errors on env.Stderr.
func newFlagSet(name string, env Env) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	return fs
}
