package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/tandem-revops/tandem/internal/auth"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/demo"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// demoConfig is the demo command's configuration; defaults in defaultDemoConfig, then the environment,
// then flags.
type demoConfig struct {
	Addr    string // listen address; TANDEM_ADDR
	DB      string // the SQLite file of the demo, or a postgres:// url of an empty database
	Seed    uint64 // the same seed always makes the same company
	Reset   bool   // regenerate even when the file holds this seed's demo
	NoServe bool   // generate (or reuse) the file and stop
}

func defaultDemoConfig(env *Env) demoConfig {
	return demoConfig{Addr: cmp.Or(env.Getenv("TANDEM_ADDR"), "127.0.0.1:8080"), DB: "tandem-demo.db", Seed: 1}
}

// runDemo creates a synthetic company in a SQLite file (or reuses the one made with the same seed) and
// serves it, printing the URL and the demo sign-ins.
func runDemo(ctx context.Context, env *Env, args []string) error {
	cfg := defaultDemoConfig(env)
	fs := newFlagSet(env, "demo", "[-addr HOST:PORT] [-seed N] [-db PATH] [-reset] [-no-serve]")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address (env TANDEM_ADDR)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "SQLite file of the demo company, or postgres://… of an empty database")
	fs.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the synthetic company; the same seed makes the same company")
	fs.BoolVar(&cfg.Reset, "reset", cfg.Reset, "generate the company again even if the file already holds it")
	fs.BoolVar(&cfg.NoServe, "no-serve", cfg.NoServe, "only create the database file, do not serve it")
	if err := parseOnlyFlags(fs, args); err != nil {
		return err
	}
	return runDemoCompany(ctx, env, cfg, demo.DefaultConfig(cfg.Seed))
}

// runDemoCompany creates (or reuses) the company gen describes in cfg.DB and serves it unless
// cfg.NoServe. Tests pass a small company.
func runDemoCompany(ctx context.Context, env *Env, cfg demoConfig, gen demo.Config) error {
	// The store logs every migration at info level: noise for someone trying the demo.
	logger := warnLogger(env)

	start := time.Now()
	res, err := demo.EnsureDatabase(ctx, cfg.DB, gen, cfg.Reset, auth.NewHasher().Hash, logger)
	if err != nil {
		return err
	}
	if res.Reused {
		fmt.Fprintf(env.Stdout, "Using the demo company in %s (seed %d); run with -reset to create it again.\n", demo.Redacted(cfg.DB), cfg.Seed)
	} else {
		d := res.Data
		fmt.Fprintf(env.Stdout, "Created the demo company in %s (seed %d) in %.1fs: %d accounts, %d opportunities, %d partners, %d users, %d registrations.\n",
			demo.Redacted(cfg.DB), cfg.Seed, time.Since(start).Seconds(), len(d.Accounts), len(d.Opportunities), len(d.Partners), len(d.Users), len(d.Registrations))
	}
	if cfg.NoServe {
		printSignIns(env.Stdout, res.Marker)
		printCLIHint(env.Stdout, demo.Redacted(cfg.DB), gen.Today)
		return nil
	}

	st, err := sqlstore.Open(ctx, cfg.DB, logger)
	if err != nil {
		return fmt.Errorf("open %s: %w", demo.Redacted(cfg.DB), err)
	}
	defer st.Close()
	// The demo's data is dated relative to its own "today", so the demo runs on a clock that starts at
	// 10:00 UTC that day and moves with real time. On the real clock, a demo served a week later would
	// find every SLA breached and every open conflict escalated to the CEO.
	now := demoClock(gen.Today, time.Now)
	return serveStore(ctx, env, st, cfg.Addr, now, func(url string) {
		fmt.Fprintf(env.Stdout, "\nTandem demo is running at %s\n", url)
		fmt.Fprintf(env.Stdout, "It runs on the demo's own clock: it is %s there.\n", now().Format("Monday 2 January 2006 15:04 UTC"))
		printSignIns(env.Stdout, res.Marker)
		printCLIHint(env.Stdout, demo.Redacted(cfg.DB), gen.Today)
		fmt.Fprintln(env.Stdout, "\nPress Ctrl-C to stop.")
	})
}

// printSignIns prints the demo users a newcomer can sign in as.
func printSignIns(w io.Writer, m *demo.Marker) {
	fmt.Fprintf(w, "\nSign in as any of these (password: %s):\n", demo.Password)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, s := range m.SignIns {
		fmt.Fprintf(tw, "  %s\t%s\n", s.Label, s.Email)
	}
	tw.Flush()
}

// printCLIHint tells how to point the other commands at the demo's database: they read ./tandem.db
// unless told otherwise, and refuse it when it does not exist.
func printCLIHint(w io.Writer, db string, today time.Time) {
	fmt.Fprintf(w, "\nThe other commands read ./tandem.db unless told otherwise; point them at the demo with -db %s\n", db)
	fmt.Fprintf(w, "or export TANDEM_DB=%s, e.g.\n", db)
	fmt.Fprintf(w, "  tandem comp statements -db %s -format csv %s\n", db, comp.QuarterOf(comp.QuarterOf(today).Start.AddDate(0, 0, -1)).Label())
	fmt.Fprintln(w, "(`go run ./cmd/tandem` in place of `tandem` if you have not built it).")
}

// demoClock returns a clock that reads 10:00 UTC on the demo's today at the moment it is made and
// then advances as real does.
func demoClock(today time.Time, real func() time.Time) func() time.Time {
	start := real()
	origin := time.Date(today.Year(), today.Month(), today.Day(), 10, 0, 0, 0, time.UTC)
	return func() time.Time { return origin.Add(real().Sub(start)) }
}
