// Package yamlnode finds positions in a parsed YAML document, so that the policy and compensation-plan
// parsers can name the line and column of every problem they report.
package yamlnode

import "go.yaml.in/yaml/v3"

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
