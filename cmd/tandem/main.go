// Command tandem is Tandem's one binary: the server, the demo and the command-line tools.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// command is one subcommand: its name, a one-line summary and the function that parses its own flags
// and runs it. Each lives in a file of its own.
type command struct {
	name    string
	summary string
	run     func(ctx context.Context, env *Env, args []string) error
}

// Env is what a command may touch: its streams and the process environment, so tests can run commands
// in-process.
type Env struct {
	Stdin  io.Reader
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
}

func commands() []command {
	return []command{
		{"serve", "run the web UI and REST API", runServe},
		{"demo", "create a synthetic company in ./tandem-demo.db and serve it", runDemo},
		{"migrate", "apply database migrations", runMigrate},
		{"import", "import a CRM export (CSV)", runImport},
		{"route", "route deals in a CSV through the rules of engagement (offline what-if)", runRoute},
		{"policy", "show, check or render a rules-of-engagement policy", runPolicy},
		{"comp", "check, render or run a compensation plan (statements from a period's input)", runComp},
		{"forecast", "forecast a quarter per attribution category from a history export, or backtest it", runForecast},
		{"match", "match account names offline (dedupe an export before import)", runMatch},
		{"portfolio", "recommend next month's enablement budget split by motion (offline)", runPortfolio},
		{"predict", "train a win/conflict model on a CSV and score rows with reasons (offline)", runPredict},
		{"enablement", "import spend and LMS files, sync paid SPIFFs, expire MDF requests", runEnablement},
		{"user", "add users and set passwords", runUser},
		{"token", "create API tokens for scripts", runToken},
		{"webhook", "add, list and remove signed webhook subscriptions", runWebhook},
		{"audit", "verify the audit log's hash chain", runAudit},
		{"backup", "write a consistent copy of a SQLite database (PostgreSQL: pg_dump)", runBackup},
		{"restore", "replace a SQLite database with a backup (PostgreSQL: pg_restore)", runRestore},
	}
}

// errUsage marks an error that was caused by how the command was called; the exit status is 2.
var errUsage = errors.New("usage")

// errSilentFailure means the command already reported its failure; exit 1 without another message.
var errSilentFailure = errors.New("failed")

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	env := &Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}
	code := run(ctx, env, os.Args[1:])
	stop()
	os.Exit(code)
}

// run dispatches to a subcommand and turns its error into an exit status.
func run(ctx context.Context, env *Env, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(env.Stderr)
		if len(args) == 0 {
			return 2
		}
		return 0
	}
	for _, c := range commands() {
		if c.name != args[0] {
			continue
		}
		err := c.run(ctx, env, args[1:])
		switch {
		case err == nil:
			return 0
		case errors.Is(err, flag.ErrHelp):
			return 0
		case errors.Is(err, errSilentFailure):
			return 1
		case errors.Is(err, errUsage):
			fmt.Fprintf(env.Stderr, "tandem %s: %v\n", c.name, err)
			return 2
		default:
			fmt.Fprintf(env.Stderr, "tandem %s: %v\n", c.name, err)
			return 1
		}
	}
	fmt.Fprintf(env.Stderr, "tandem: unknown command %q\n\n", args[0])
	usage(env.Stderr)
	return 2
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "Usage: tandem COMMAND [flags]\n\nCommands:")
	cs := commands()
	for _, c := range cs {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w, "\nRun 'tandem COMMAND -h' for a command's flags.")
}

// newFlagSet returns a flag set for a subcommand that prints its usage to the command's stderr.
func newFlagSet(env *Env, name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("tandem "+name, flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintf(env.Stderr, "Usage: tandem %s %s\n\nFlags:\n", name, synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// openInput opens the file a command reads, or standard input when path is "-", and returns it with
// the name messages give it. The caller closes it.
func openInput(env *Env, path string) (in io.ReadCloser, name string, err error) {
	if path == "-" {
		return io.NopCloser(env.Stdin), "standard input", nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, "", err
	}
	return f, path, nil
}

// parseFlags parses args and wraps a parse error as a usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return fmt.Errorf("%w: %v", errUsage, err)
	}
	return nil
}

// parseOnlyFlags parses args as parseFlags does for a command that takes flags only: a positional
// argument is a usage error naming it.
func parseOnlyFlags(fs *flag.FlagSet, args []string) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	return nil
}
