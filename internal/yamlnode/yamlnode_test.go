package yamlnode

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestPositions(t *testing.T) {
	t.Parallel()
	var doc yaml.Node
	src := "name: x\nlist:\n  - a\n  - b\nmap: {k: v}\n"
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	root := doc.Content[0]
	if l, c := ValuePos(root, "map"); l != 5 || c != 6 {
		t.Errorf("ValuePos(map) = %d:%d, want 5:6", l, c)
	}
	if l, c := KeyPos(root, "map"); l != 5 || c != 1 {
		t.Errorf("KeyPos(map) = %d:%d, want 5:1", l, c)
	}
	if l, c := ValuePos(root, "absent"); l != 1 || c != 1 {
		t.Errorf("ValuePos(absent) = %d:%d, want the mapping's own 1:1", l, c)
	}
	if n := Item(Child(root, "list"), 1); n == nil || n.Value != "b" {
		t.Errorf("Item(list, 1) = %v, want b", n)
	}
	if Item(Child(root, "list"), 2) != nil || Child(nil, "x") != nil || Item(nil, 0) != nil {
		t.Error("absent nodes must be nil")
	}
	if l, c := Pos(nil); l != 0 || c != 0 {
		t.Errorf("Pos(nil) = %d:%d", l, c)
	}
	if c := ColumnOf(root, 5, func(n *yaml.Node) bool { return n.Value == "v" }); c != 10 {
		t.Errorf("ColumnOf(line 5, value v) = %d, want 10", c)
	}
	if c := ColumnOf(root, 9, nil); c != 0 {
		t.Errorf("ColumnOf(no such line) = %d, want 0", c)
	}
}
