// Package markdown owns how Tandem writes values into the Markdown documents it renders (the channel
// programme guide, the compensation plan document), so a value never breaks the table it stands in,
// and how those documents' templates are parsed.
package markdown

import (
	"io/fs"
	"path"
	"strings"
	"text/template"
)

// MustParse parses the Markdown document template at file in fsys, named for its base name, with the
// function "cell" (Cell) for table cells. It panics when the template is broken: documents' templates
// are parsed when their package loads, so a broken one fails every test and the binary's start.
func MustParse(fsys fs.FS, file string) *template.Template {
	return template.Must(template.New(path.Base(file)).Funcs(template.FuncMap{"cell": Cell}).ParseFS(fsys, file))
}

// Cell returns s safe inside a Markdown table cell: its pipes escaped and its line breaks and runs of
// white space folded to single spaces, so the row stays one row.
func Cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
