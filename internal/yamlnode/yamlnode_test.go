package yamlnode

import (
	"reflect"
	"strings"
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

// TestDocumentAndDecode: a syntax error is placed on its line; an empty file has no document; each
// value the decoder refuses is a problem on its own line, at the column the caller says.
func TestDocumentAndDecode(t *testing.T) {
	t.Parallel()
	if _, bad := Document([]byte("a: [1\nb: 2\n")); bad == nil || bad.Line == 0 || !strings.HasPrefix(bad.Message, "invalid YAML: ") ||
		strings.Contains(bad.Message, "line ") {
		t.Errorf("Document(broken) problem = %+v, want a line and the message without it", bad)
	}
	if doc, bad := Document(nil); doc != nil || bad != nil {
		t.Errorf("Document(empty) = %v, %v; want nil, nil", doc, bad)
	}
	doc, bad := Document([]byte("n: 1\nm: x\nk: y\n"))
	if bad != nil {
		t.Fatal(bad)
	}
	var v struct {
		N int `yaml:"n"`
		M int `yaml:"m"`
		K int `yaml:"k"`
	}
	got := Decode(doc, &v, func(line int, _ string) int { return line * 10 })
	if len(got) != 2 || got[0].Line != 2 || got[0].Column != 20 || got[1].Line != 3 || strings.Contains(got[0].Message, "line ") {
		t.Errorf("Decode problems = %+v, want lines 2 and 3 at the caller's columns", got)
	}
	names, types := Fields(reflect.TypeOf(v))
	if strings.Join(names, ",") != "n,m,k" || types["m"].Kind() != reflect.Int {
		t.Errorf("Fields = %v %v", names, types)
	}
}
