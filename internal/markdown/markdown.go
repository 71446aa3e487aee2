// Package markdown owns how Tandem writes values into the Markdown documents it renders (the channel
// programme guide, the compensation plan document), so a value never breaks the table it stands in.
package markdown

import "strings"

// Cell returns s safe inside a Markdown table cell: its pipes escaped and its line breaks and runs of
// white space folded to single spaces, so the row stays one row.
func Cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}
