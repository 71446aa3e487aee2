package main

import (
	"context"
	"fmt"
	"os"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The store-backed compensation subcommands, run as the system actor on the database (-db, else
// TANDEM_DB, else ./tandem.db):
//
//	tandem comp publish FILE                          save FILE as a draft and publish it
//	tandem comp close 2026Q3                         close (freeze) a period
//	tandem comp statements 2026Q3 [-format json|csv] print a period's statements
func runCompPublish(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "comp publish", "[-db URL] FILE\n\nSaves the plan file as a draft version and publishes it; it is in force from its effective_from.")
	db := databaseFlag(fs)
	path, err := parseOneArg(fs, args, "comp publish", "FILE")
	if err != nil {
		return err
	}
	if _, err := loadCompPlan(env, path); err != nil {
		return err
	}
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		v, err := compensation.CreateCompPlanDraft(ctx, st, tandem.SystemActor, string(src))
		if err != nil {
			return err
		}
		if v, err = compensation.PublishCompPlanVersion(ctx, st, tandem.SystemActor, v.ID); err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "published %s version %s (id %d), in force from %s\n", v.Name, v.Version, v.ID,
			v.EffectiveFrom.Format("2006-01-02"))
		return nil
	})
}

func runCompClose(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "comp close", "[-db URL] PERIOD\n\nCloses a period (e.g. 2026Q3): its input, adjustments, plan and statements are frozen for good.")
	db := databaseFlag(fs)
	period, err := parseOneArg(fs, args, "comp close", "PERIOD such as 2026Q3")
	if err != nil {
		return err
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		p, err := compensation.ClosePeriod(ctx, st, tandem.SystemActor, period)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "closed %s under plan %s; result sha256 %s\n", comp.PeriodLabel(p.ID), p.PlanVersion, p.ResultSHA256)
		return nil
	})
}

func runCompStatements(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "comp statements", "[-db URL] [-format json|csv] PERIOD\n\nPrints every statement of a period: the frozen ones of a closed period, else calculated now.")
	db := databaseFlag(fs)
	format := fs.String("format", "json", "json or csv")
	period, err := parseOneArg(fs, args, "comp statements", "PERIOD such as 2026Q3")
	if err != nil {
		return err
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("%w: -format is json or csv, not %q", errUsage, *format)
	}
	return withStore(ctx, env, *db, func(st *sqlstore.Store) error {
		res, err := compensation.CalculatePeriod(ctx, st, tandem.SystemActor, period)
		if err != nil {
			return err
		}
		if *format == "csv" {
			return comp.WriteResultCSV(env.Stdout, res)
		}
		return comp.WriteResultJSON(env.Stdout, res) // streamed: a quarter's JSON runs to a gigabyte
	})
}
