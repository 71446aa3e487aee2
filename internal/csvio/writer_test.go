package csvio

import (
	"strings"
	"testing"
)

func TestSafeCell(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in, want string
	}{
		{"hyperlink formula", `=HYPERLINK("http://x","y")`, `'=HYPERLINK("http://x","y")`},
		{"negative money stays numeric", "-1200.50", "-1200.50"},
		{"at-function", "@SUM(A1)", "'@SUM(A1)"},
		{"plus number stays numeric", "+1", "+1"},
		{"plus formula", "+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"},
		{"minus alone", "-", "'-"},
		{"thousands separators", "-1,200.50", "-1,200.50"},
		{"exponent", "-1E02", "-1E02"},
		{"broken exponent", "-1E", "'-1E"},
		{"tab", "\tx", "'\tx"},
		{"carriage return", "\rx", "'\rx"},
		{"plain text", "Acme", "Acme"},
		{"empty", "", ""},
		{"formula later in text is harmless", "a=b", "a=b"},
		{"dash text", "-abc", "'-abc"},
		{"leading space before a formula", " =1+1", "' =1+1"},
		{"leading space", " Acme", "' Acme"},
		{"newline", "\n=1+1", "'\n=1+1"},
		{"full-width equals", "＝HYPERLINK(\"http://x\")", "'＝HYPERLINK(\"http://x\")"},
		{"full-width plus", "＋1", "'＋1"},
		{"full-width minus", "－1", "'－1"},
		{"full-width at", "＠SUM(A1)", "'＠SUM(A1)"},
		{"full-width letter is text", "Ａcme", "Ａcme"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := SafeCell(tt.in); got != tt.want {
				t.Errorf("SafeCell(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestWriter(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	w := NewWriter(&b)
	if err := w.Write([]string{"=1+1", "-5", "a,b"}); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if want := "'=1+1,-5,\"a,b\"\n"; b.String() != want {
		t.Errorf("wrote %q, want %q", b.String(), want)
	}
}
