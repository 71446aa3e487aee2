package main

import (
	"strings"
	"testing"
)

// commandCase is one independent run of tandem: its exit status and text its standard output must hold.
type commandCase struct {
	name     string
	args     []string
	code     int
	contains []string
}

// runCommandCases runs each case in a parallel subtest.
func runCommandCases(t *testing.T, cases []commandCase) {
	t.Helper()
	for _, tt := range cases {
		runSubtest(t, tt.name, tt.args, func(t *testing.T, code int, out, stderr string) {
			if code != tt.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", code, tt.code, out, stderr)
			}
			for _, s := range tt.contains {
				if !strings.Contains(out, s) {
					t.Errorf("output does not contain %q:\n%s", s, out)
				}
			}
		})
	}
}

// commandRun is one run of tandem: its exit status and a text its output must hold (which output, each
// runner says).
type commandRun struct {
	name     string
	args     []string
	code     int
	contains string
}

// runCommandSteps runs the steps in order, each building on the one before, as in a sequence on one
// database: standard output or error must hold each step's text.
func runCommandSteps(t *testing.T, steps []commandRun) {
	t.Helper()
	for _, st := range steps {
		code, stdout, stderr := runTandem(t, "", st.args...)
		if code != st.code || !strings.Contains(stdout+stderr, st.contains) {
			t.Errorf("%s: exit %d, want %d; want %q in:\n%s%s", st.name, code, st.code, st.contains, stdout, stderr)
		}
	}
}

// runFailureCases runs each case, a run of tandem that fails, in a parallel subtest: its standard error
// must hold the case's text, and a failed command prints nothing on standard output.
func runFailureCases(t *testing.T, cases []commandRun) {
	t.Helper()
	for _, tc := range cases {
		runSubtest(t, tc.name, tc.args, func(t *testing.T, code int, out, errOut string) {
			if code != tc.code || !strings.Contains(errOut, tc.contains) {
				t.Errorf("exit %d, stderr %q; want exit %d and %q", code, errOut, tc.code, tc.contains)
			}
			if out != "" {
				t.Errorf("printed %q on failure; nothing should be half-written", out)
			}
		})
	}
}

// runSubtest runs tandem with args in a parallel subtest called name and gives check its exit status,
// standard output and standard error.
func runSubtest(t *testing.T, name string, args []string, check func(t *testing.T, code int, stdout, stderr string)) {
	t.Helper()
	t.Run(name, func(t *testing.T) {
		t.Parallel()
		code, stdout, stderr := runTandem(t, "", args...)
		check(t, code, stdout, stderr)
	})
}
