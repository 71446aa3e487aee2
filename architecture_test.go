package tandem_test

import (
	"bufio"
	"go/build"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/tandem-revops/tandem"

// TestArchitectureGraph compares the import graph in the README's Architecture section with the
// imports the source files actually make (non-test files, packages of this module only), so the
// described architecture cannot drift from the code.
func TestArchitectureGraph(t *testing.T) {
	t.Parallel()
	described := readmeGraph(t, "README.md")
	actual := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		name := d.Name()
		if path != "." && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "web") {
			return filepath.SkipDir
		}
		pkg, err := build.ImportDir(path, 0)
		if err != nil {
			if _, ok := err.(*build.NoGoError); ok {
				return nil
			}
			return err
		}
		var deps []string
		for _, imp := range pkg.Imports {
			if imp == module || strings.HasPrefix(imp, module+"/") {
				deps = append(deps, short(imp))
			}
		}
		slices.Sort(deps)
		actual[short(filepath.ToSlash(filepath.Join(module, path)))] = deps
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg, deps := range actual {
		want, ok := described[pkg]
		switch {
		case !ok:
			t.Errorf("README Architecture: package %s is missing (imports %v)", pkg, deps)
		case !slices.Equal(want, deps):
			t.Errorf("README Architecture: %s -> %v, but the source imports %v", pkg, want, deps)
		}
	}
	for pkg := range described {
		if _, ok := actual[pkg]; !ok {
			t.Errorf("README Architecture: package %s does not exist", pkg)
		}
	}
}

// TestSQLPackagesImportNoEngine holds the line the architecture draws: the SQL packages import from
// this module only the domain, other SQL packages and the leaf vocabularies the records are keyed by —
// no engine. It reads both the README's graph and `go list`, so neither can drift past the line.
func TestSQLPackagesImportNoEngine(t *testing.T) {
	t.Parallel()
	graph := readmeGraph(t, "README.md")
	allowed := []string{"tandem", "internal/sqlstore", "internal/sqlite", "internal/postgres", "internal/schema", "internal/companyname"}
	for _, sqlPkg := range []string{"internal/sqlstore", "internal/sqlite", "internal/postgres", "internal/schema"} {
		for _, dep := range graph[sqlPkg] {
			if !slices.Contains(allowed, dep) {
				t.Errorf("README Architecture: %s imports the engine %s", sqlPkg, dep)
			}
		}
		for _, dep := range goListImports(t, "./"+sqlPkg) {
			if !slices.Contains(allowed, dep) {
				t.Errorf("go list: %s imports the engine %s", sqlPkg, dep)
			}
		}
	}
}

// goListImports returns the packages of this module that `go list` says pkg imports (non-test files),
// short names as in the README.
func goListImports(t *testing.T, pkg string) []string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, pkg).Output()
	if err != nil {
		t.Fatalf("go list %s: %v", pkg, err)
	}
	var deps []string
	for _, imp := range strings.Fields(string(out)) {
		if imp == module || strings.HasPrefix(imp, module+"/") {
			deps = append(deps, short(imp))
		}
	}
	return deps
}

func short(path string) string {
	if path == module {
		return "tandem"
	}
	return strings.TrimPrefix(path, module+"/")
}

// readmeGraph reads the text block of the README's Architecture section: "pkg -> dep, dep" per line.
func readmeGraph(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	graph := map[string][]string{}
	inSection, inBlock := false, false
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		switch {
		case strings.HasPrefix(text, "## "):
			inSection = text == "## Architecture"
		case inSection && strings.HasPrefix(text, "```"):
			inBlock = !inBlock
		case inSection && inBlock:
			pkg, deps, ok := strings.Cut(text, "->")
			if !ok {
				t.Fatalf("%s:%d: want \"package -> imports\"", path, line)
			}
			var list []string
			if d := strings.TrimSpace(deps); !strings.HasPrefix(d, "(") {
				for _, dep := range strings.Split(d, ",") {
					list = append(list, strings.TrimSpace(dep))
				}
			}
			slices.Sort(list)
			graph[strings.TrimSpace(pkg)] = list
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(graph) == 0 {
		t.Fatalf("%s: no import graph in an Architecture section", path)
	}
	return graph
}
