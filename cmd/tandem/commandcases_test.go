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
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			code, out, stderr := runTandem(t, "", tt.args...)
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

// commandStep is one run of tandem in a sequence on one database: its exit status and text its
// standard output or error must hold.
type commandStep struct {
	name     string
	args     []string
	code     int
	contains string
}

// runCommandSteps runs the steps in order: each builds on the one before.
func runCommandSteps(t *testing.T, steps []commandStep) {
	t.Helper()
	for _, st := range steps {
		code, stdout, stderr := runTandem(t, "", st.args...)
		if code != st.code || !strings.Contains(stdout+stderr, st.contains) {
			t.Errorf("%s: exit %d, want %d; want %q in:\n%s%s", st.name, code, st.code, st.contains, stdout, stderr)
		}
	}
}
