package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tandem-revops/tandem/internal/policy"
)

const policySynopsis = `show | check FILE | render [FILE] [--format md|html] [-o FILE]

  show     print the built-in policy's YAML (a starting point for your own)
  check    check a policy file: errors (FILE:LINE:COL: message, exit status 1) and warnings about
           rules that never match and deals no rule decides (exit status 0)
  render   write the channel program guide for partners and AEs (default: the built-in policy)`

func runPolicy(ctx context.Context, env *Env, args []string) error {
	return verbCommand{name: "policy", synopsis: policySynopsis, hint: "show, check or render", verbs: []subcommand{
		{"show", showSource(policy.DefaultSource())},
		{"check", runPolicyCheck},
		{"render", runPolicyRender},
	}}.run(ctx, env, args)
}

func runPolicyCheck(_ context.Context, env *Env, args []string) error {
	path, err := parseCheckFile(env, "policy check", args)
	if err != nil {
		return err
	}
	p, err := loadDocument[*policy.Policy, *policy.Error](env, path, policy.Parse)
	if err != nil {
		return err
	}
	failed := false
	findings := p.Check()
	for _, f := range findings {
		if pos := f.Position(); pos != "" {
			fmt.Fprintf(env.Stdout, "%s:%s: %s\n", path, pos, f)
		} else {
			fmt.Fprintf(env.Stdout, "%s: %s\n", path, f)
		}
		failed = failed || f.Severity == policy.SeverityError
	}
	if len(findings) == 0 {
		fmt.Fprintf(env.Stdout, "ok %s: %s version %s, effective %s, %d rules\n",
			path, p.Name(), p.Version(), p.EffectiveFrom().Format("2006-01-02"), len(p.Rules()))
		fmt.Fprintf(env.Stdout, "ok %s: every rule can match and every deal is decided\n", path)
	}
	if failed {
		return errSilentFailure
	}
	return nil
}

func runPolicyRender(_ context.Context, env *Env, args []string) error {
	return documentRender[*policy.Policy]{
		name: "policy render", synopsis: "[FILE] [--format md|html] [-o FILE]", builtIn: policy.Default,
		load:     func(_ *Env, path string) (*policy.Policy, error) { return loadPolicyFile(path) },
		markdown: (*policy.Policy).RenderMarkdown, html: (*policy.Policy).RenderHTML,
	}.run(env, args)
}

// parseCheckFile parses the arguments of a check verb (comp check, policy check): flags, then exactly
// one FILE.
func parseCheckFile(env *Env, name string, args []string) (string, error) {
	fs := newFlagSet(env, name, "FILE")
	if err := parseFlags(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() != 1 {
		return "", fmt.Errorf("%w: %s takes one FILE", errUsage, name)
	}
	return fs.Arg(0), nil
}

// loadDocument reads and parses a document file (a policy, a compensation plan) with parse; a parse
// error of type E is printed FILE:LINE:COL: … and reported as errSilentFailure.
func loadDocument[T any, E error](env *Env, path string, parse func(name string, src []byte) (T, error)) (T, error) {
	var doc T
	src, err := os.ReadFile(path)
	if err != nil {
		return doc, err
	}
	doc, err = parse(path, src)
	var perr E
	if errors.As(err, &perr) {
		fmt.Fprintln(env.Stdout, perr.Error())
		return doc, errSilentFailure
	}
	return doc, err
}

// showSource is the show verb of a built-in document (comp show, policy show): it prints src; show
// takes no arguments.
func showSource(src []byte) verbFunc {
	return func(_ context.Context, env *Env, args []string) error {
		if len(args) > 0 {
			return fmt.Errorf("%w: show takes no arguments", errUsage)
		}
		_, err := env.Stdout.Write(src)
		return err
	}
}

// documentRender is a render subcommand (comp render, policy render): the built-in document or FILE's
// as Markdown or HTML, to standard output or, through a temporary file, to -o.
type documentRender[T any] struct {
	name, synopsis string
	builtIn        func() T
	load           func(env *Env, path string) (T, error)
	markdown, html func(T, io.Writer) error
}

func (d documentRender[T]) run(env *Env, args []string) error {
	fs := newFlagSet(env, d.name, d.synopsis)
	format := fs.String("format", "md", "md (Markdown) or html (a standalone page)")
	outPath := fs.String("o", "", "write to this file instead of standard output")
	files, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(files) > 1 {
		return fmt.Errorf("%w: %s takes at most one FILE", errUsage, d.name)
	}
	var render func(T, io.Writer) error
	switch *format {
	case "md", "markdown":
		render = d.markdown
	case "html":
		render = d.html
	default:
		return fmt.Errorf("%w: -format %q: use md or html", errUsage, *format)
	}
	doc := d.builtIn()
	if len(files) == 1 {
		if doc, err = d.load(env, files[0]); err != nil {
			return err
		}
	}
	if *outPath == "" {
		return render(doc, env.Stdout)
	}
	return writeFileAtomically(*outPath, func(w io.Writer) error { return render(doc, w) })
}

// parseInterspersed parses flags that may come before or after the positional arguments, as in
// "render policy.yaml --format html", and returns the positional arguments.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := parseFlags(fs, args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return positional, nil
		}
		positional = append(positional, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// parseOneArg parses args as parseInterspersed does, for a verb (name) that takes exactly one positional
// argument, and returns it; with none or more the usage error says "NAME takes one WHAT".
func parseOneArg(fs *flag.FlagSet, args []string, name, what string) (string, error) {
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return "", err
	}
	if len(pos) != 1 {
		return "", fmt.Errorf("%w: %s takes one %s", errUsage, name, what)
	}
	return pos[0], nil
}

// writeFileAtomically writes through a temporary file in the same directory and renames it into
// place, so a failed render never leaves a half-written guide.
func writeFileAtomically(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}
