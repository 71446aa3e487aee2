// Package yamlnode reads a YAML document with positions, so that the policy and compensation-plan
// parsers can name the line and column of every problem they report: the document node, the
// decoder's refusals placed on their lines, the keys a struct accepts, and node positions.
package yamlnode

import (
	"errors"
	"fmt"
	"maps"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Problem is something the YAML parser or decoder refused, with where it is (line 0 when unknown).
type Problem struct {
	Line, Column int
	Message      string
}

var decoderLine = regexp.MustCompile(`line (\d+): `)

// cutLine takes the decoder's "line N: " out of msg and returns N (0 when absent) and the rest.
func cutLine(msg string) (int, string) {
	m := decoderLine.FindStringSubmatch(msg)
	if m == nil {
		return 0, msg
	}
	line, _ := strconv.Atoi(m[1])
	return line, strings.Replace(msg, m[0], "", 1)
}

// Document parses src and returns its document node, nil for an empty file. When src is not YAML the
// problem says so, on its line at column 1.
func Document(src []byte) (*yaml.Node, *Problem) {
	var root yaml.Node
	if err := yaml.Unmarshal(src, &root); err != nil {
		line, msg := cutLine(strings.TrimPrefix(err.Error(), "yaml: "))
		return nil, &Problem{Line: line, Column: 1, Message: "invalid YAML: " + msg}
	}
	if len(root.Content) == 0 {
		return nil, nil
	}
	return root.Content[0], nil
}

// Decode decodes doc into v. When it cannot, it returns one problem for each value the decoder
// refused, on its line at the column column gives for the line and message, or one at doc for any
// other failure.
func Decode(doc *yaml.Node, v any, column func(line int, msg string) int) []Problem {
	err := doc.Decode(v)
	if err == nil {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return []Problem{{Line: doc.Line, Column: doc.Column, Message: err.Error()}}
	}
	var out []Problem
	for _, msg := range te.Errors {
		line, msg := cutLine(msg)
		out = append(out, Problem{Line: line, Column: column(line, msg), Message: msg})
	}
	return out
}

// Fields returns the YAML keys of struct type t in declaration order, and the type of each; the keys of
// a struct field tagged `yaml:",inline"` stand in its place.
func Fields(t reflect.Type) (names []string, types map[string]reflect.Type) {
	types = map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if tag == "" && opts == "inline" && f.Type.Kind() == reflect.Struct {
			inNames, inTypes := Fields(f.Type)
			names = append(names, inNames...)
			maps.Copy(types, inTypes)
			continue
		}
		if tag != "" && tag != "-" {
			types[tag] = f.Type
			names = append(names, tag)
		}
	}
	return names, types
}

// FormatProblems writes problems one a line, each after name ("name:" before a problem with a line,
// "name: " before one without, nothing when name is empty); line says a problem's line.
func FormatProblems[P fmt.Stringer](name string, problems []P, line func(P) int) string {
	var b strings.Builder
	for i, p := range problems {
		if i > 0 {
			b.WriteByte('\n')
		}
		if name != "" {
			b.WriteString(name)
			if line(p) > 0 {
				b.WriteByte(':')
			} else {
				b.WriteString(": ")
			}
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// Child returns the value node of key in a mapping node, nil when absent.
func Child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// Item returns the i-th node of a sequence node, nil when absent.
func Item(n *yaml.Node, i int) *yaml.Node {
	if n == nil || n.Kind != yaml.SequenceNode || i < 0 || i >= len(n.Content) {
		return nil
	}
	return n.Content[i]
}

// Pos returns the position of n, or 0, 0 for nil.
func Pos(n *yaml.Node) (line, column int) {
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
}

// ValuePos returns the position of key's value in mapping n, or of n itself when key is absent.
func ValuePos(n *yaml.Node, key string) (line, column int) {
	if v := Child(n, key); v != nil {
		return v.Line, v.Column
	}
	return Pos(n)
}

// KeyPos returns the position of key itself in mapping n, or of n when key is absent.
func KeyPos(n *yaml.Node, key string) (line, column int) {
	for i := 0; n != nil && n.Kind == yaml.MappingNode && i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i].Line, n.Content[i].Column
		}
	}
	return Pos(n)
}

// ColumnOf returns the column of the first node of the document n that starts on line and matches
// (all nodes when match is nil), else 0.
func ColumnOf(n *yaml.Node, line int, match func(*yaml.Node) bool) int {
	if n == nil {
		return 0
	}
	if n.Line == line && (match == nil || match(n)) {
		return n.Column
	}
	for _, c := range n.Content {
		if col := ColumnOf(c, line, match); col > 0 {
			return col
		}
	}
	return 0
}
