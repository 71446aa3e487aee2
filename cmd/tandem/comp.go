package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/tandem-revops/tandem/internal/comp"
)

const compSynopsis = `show | check FILE | render [FILE] [-format md|html] [-o OUT] | run -plan FILE -input INPUT.json [-period 2026Q3] [-format json|csv]

  show     print the built-in compensation plan's YAML (a starting point for your own)
  check    check a plan file: problems as FILE:LINE:COL: severity: field: message; exit status 1 when
           there are errors (SPIFF band gaps or overlaps, accelerators not ascending, a tier missing a
           margin, rates or credit shares out of range), 0 when it is clean or has warnings only
  render   write the plan document AEs and partners read (default: the built-in plan)
  run      calculate one period's statements from an input file (the JSON of a period's input: period,
           aes, partners, deals) and print them as JSON or CSV`

func runComp(ctx context.Context, env *Env, args []string) error {
	return verbCommand{name: "comp", synopsis: compSynopsis, hint: "show, check, render or run", verbs: []subcommand{
		{"show", showSource(comp.DefaultSource())},
		{"check", runCompCheck},
		{"render", runCompRender},
		{"run", calculatesPeriods(runCompRun)},
		// store-backed: comp_store.go
		{"publish", runCompPublish},
		{"close", calculatesPeriods(runCompClose)},
		{"statements", calculatesPeriods(runCompStatements)},
	}}.run(ctx, env, args)
}

// calculatesPeriods is run for a comp verb that calculates whole periods: the memory limit is set first.
func calculatesPeriods(run verbFunc) verbFunc {
	return func(ctx context.Context, env *Env, args []string) error {
		if err := setCompMemoryLimit(env); err != nil {
			return err
		}
		return run(ctx, env, args)
	}
}

// loadCompPlan reads and parses a plan file as loadDocument does.
func loadCompPlan(env *Env, path string) (*comp.Plan, error) {
	return loadDocument[*comp.Plan, *comp.Error](env, path, comp.Parse)
}

func runCompCheck(_ context.Context, env *Env, args []string) error {
	path, err := parseCheckFile(env, "comp check", args)
	if err != nil {
		return err
	}
	p, err := loadCompPlan(env, path)
	if err != nil {
		return err
	}
	findings := comp.Check(p)
	failed := false
	for _, f := range findings {
		if f.Line > 0 {
			fmt.Fprintf(env.Stdout, "%s:%s\n", path, f)
		} else {
			fmt.Fprintf(env.Stdout, "%s: %s\n", path, f)
		}
		failed = failed || f.Severity == comp.SeverityError
	}
	if len(findings) == 0 {
		fmt.Fprintf(env.Stdout, "ok %s: %s version %s, effective %s, paid in %s\n",
			path, p.Name(), p.Version(), p.EffectiveFrom().Format("2006-01-02"), p.Currency())
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

func runCompRender(_ context.Context, env *Env, args []string) error {
	return documentRender[*comp.Plan]{
		name: "comp render", synopsis: "[FILE] [-format md|html] [-o OUT]", builtIn: comp.Default, load: loadCompPlan,
		markdown: writeRendered(comp.RenderMarkdown), html: writeRendered(comp.RenderHTML),
	}.run(env, args)
}

// writeRendered turns a renderer that returns the document into one that writes it.
func writeRendered[T any](render func(T) ([]byte, error)) func(T, io.Writer) error {
	return func(doc T, w io.Writer) error {
		b, err := render(doc)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	}
}

func runCompRun(_ context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "comp run", "-plan FILE -input INPUT.json [-period 2026Q3] [-format json|csv]")
	planPath := fs.String("plan", "", "the compensation plan file (default: the built-in plan)")
	inputPath := fs.String("input", "", "the period's input as JSON: {period, aes, partners, deals} (required)")
	periodFlag := fs.String("period", "", "calculate this quarter, e.g. 2026Q3: deals closed outside it are left out (default: the input's period)")
	format := fs.String("format", "json", "json (the canonical result) or csv (every statement's lines and totals)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: comp run takes no arguments, only flags", errUsage)
	}
	if *inputPath == "" {
		return fmt.Errorf("%w: -input is required", errUsage)
	}
	if *format != "json" && *format != "csv" {
		return fmt.Errorf("%w: -format %q: use json or csv", errUsage, *format)
	}
	p := comp.Default()
	if *planPath != "" {
		var err error
		if p, err = loadCompPlan(env, *planPath); err != nil {
			return err
		}
	}
	raw, err := os.ReadFile(*inputPath)
	if err != nil {
		return err
	}
	var in comp.Input
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("%s: %w", *inputPath, err)
	}
	if *periodFlag != "" {
		period, err := comp.ParsePeriod(*periodFlag)
		if err != nil {
			return fmt.Errorf("%w: -period: %v", errUsage, err)
		}
		in.Period = period
		kept := in.Deals[:0]
		for _, d := range in.Deals {
			if period.Contains(d.ClosedOn) {
				kept = append(kept, d)
			}
		}
		in.Deals = kept
	}
	if in.Period.ID == "" && in.Period.Start.IsZero() {
		return fmt.Errorf("%w: the input has no period; say -period 2026Q3", errUsage)
	}
	res, err := comp.Calculate(p, in)
	if err != nil {
		return fmt.Errorf("%s: %w", *inputPath, err)
	}
	if *format == "csv" {
		return comp.WriteResultCSV(env.Stdout, res)
	}
	return comp.WriteResultJSON(env.Stdout, res)
}
