package importer

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// source is where one target field's value comes from in a particular file.
type source struct {
	field    string
	label    string // what errors call it: the source column as written in the file, else the field
	index    int    // column position, -1 when the value is a constant or a template
	constant string
	template []segment
	dflt     string
	values   map[string]string // normKey(source value) → value, from the mapping's values section
}

// layout is what compiling a mapping against a header produced.
type layout struct {
	format   string
	sources  map[string]*source
	layouts  []string
	currency string
	warnings []string
}

// compileLayout decides where every field of kind comes from in a file with this header. base is the
// format the user asked for ("auto" detects it); m may be nil. Problems with the header are returned as
// one error listing them all.
func compileLayout(kind, base string, m *Mapping, rd *csvio.Reader, strict bool) (*layout, error) {
	header := rd.Header()
	if m != nil && m.Kind != "" && m.Kind != kind {
		return nil, tandem.Errorf(tandem.EINVALID, "mapping %s is for %s, not %s", m.Name, m.Kind, kind)
	}
	if m != nil {
		if err := m.checkFields(kind); err != nil {
			return nil, err
		}
		if m.Format != "" {
			base = m.Format
		}
	}
	if base == "" || base == "auto" {
		base = detectFormat(kind, header)
	}
	l := &layout{format: base, sources: map[string]*source{}, currency: "USD"}
	used := make([]bool, len(header))
	var problems []string

	aliases, known := builtinAliases(base, kind)
	for _, k := range known {
		if i := rd.Index(k); i >= 0 {
			used[i] = true
		}
	}
	for _, field := range kindFields(kind) {
		var src *source
		if m != nil {
			if col, ok := m.Columns[field]; ok {
				s, err := compileColumn(field, col, rd, used)
				if err != nil {
					problems = append(problems, err.Error())
					continue
				}
				src = s
			} else if c, ok := m.Constants[field]; ok {
				src = &source{field: field, label: field, index: -1, constant: c}
			}
		}
		if src == nil {
			for _, name := range aliases[field] {
				if i := rd.Index(name); i >= 0 && !used[i] {
					src = &source{field: field, label: header[i], index: i}
					used[i] = true
					break
				}
			}
		}
		if src == nil {
			continue
		}
		if m != nil && m.Values[field] != nil {
			src.values = make(map[string]string, len(m.Values[field]))
			for from, to := range m.Values[field] {
				src.values[normKey(from)] = to
			}
		}
		l.sources[field] = src
	}
	for _, group := range requiredFields(kind) {
		found := false
		for _, f := range group {
			if l.sources[f] != nil {
				found = true
			}
		}
		if !found {
			var accepted []string
			for _, f := range group {
				for _, a := range aliases[f] {
					accepted = append(accepted, strconv.Quote(a))
				}
			}
			looked := ""
			if len(accepted) > 0 {
				looked = "looked for " + strings.Join(slices.Compact(accepted), ", ") + "; "
			}
			problems = append(problems, fmt.Sprintf("no column for %s (%sname one in a column mapping: --map, or the mapping on the import page)",
				strings.Join(group, " or "), looked))
		}
	}
	if m != nil {
		for _, ig := range m.Ignore {
			if i := rd.Index(ig); i >= 0 {
				used[i] = true
			}
		}
		if m.DateLayout != "" {
			l.layouts = []string{m.DateLayout}
		}
		if m.Currency != "" {
			l.currency = m.Currency
		}
	}
	var unknown []string
	for i, h := range header {
		if !used[i] && h != "" {
			unknown = append(unknown, strconv.Quote(h))
		}
	}
	if len(unknown) > 0 {
		msg := fmt.Sprintf("columns not imported: %s", strings.Join(unknown, ", "))
		if strict {
			problems = append(problems, msg+" (--strict)")
		} else {
			l.warnings = append(l.warnings, msg)
		}
	}
	if len(problems) > 0 {
		return l, tandem.Errorf(tandem.EINVALID, "%s", strings.Join(problems, "; "))
	}
	return l, nil
}

func compileColumn(field string, col Column, rd *csvio.Reader, used []bool) (*source, error) {
	header := rd.Header()
	src := &source{field: field, label: field, index: -1, dflt: col.Default}
	if col.Column != "" {
		i := rd.Index(col.Column)
		for _, alt := range col.Alternatives {
			if i >= 0 {
				break
			}
			i = rd.Index(alt)
		}
		if i < 0 {
			also := ""
			if len(col.Alternatives) > 0 {
				quoted := make([]string, len(col.Alternatives))
				for k, a := range col.Alternatives {
					quoted[k] = strconv.Quote(a)
				}
				also = ", nor " + strings.Join(quoted, ", ")
			}
			return nil, fmt.Errorf("column %q (for %s) is not in the file%s, and the mapping names it so it is required", col.Column, field, also)
		}
		src.label = header[i]
		used[i] = true
		if col.Template == "" {
			src.index = i
			return src, nil
		}
	}
	segs, err := parseTemplate(col.Template)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", field, err)
	}
	for k := range segs {
		if segs[k].column == "" {
			continue
		}
		i := rd.Index(segs[k].column)
		if i < 0 {
			return nil, fmt.Errorf("template for %s: column %q is not in the file", field, segs[k].column)
		}
		segs[k].index = i
		used[i] = true
		if col.Column == "" && src.label == field {
			src.label = header[i] // errors name the first column the template reads
		}
	}
	src.template = segs
	return src, nil
}

// rowParser turns the cells of one record into typed values, collecting every problem of the row.
type rowParser struct {
	vocab    *vocabulary
	layout   *layout
	fields   []string
	line     int
	ordinal  int
	errs     []RowError
	template strings.Builder
}

func (p *rowParser) reset(fields []string, line, ordinal int) {
	p.fields, p.line, p.ordinal = fields, line, ordinal
	p.errs = p.errs[:0]
}

func (p *rowParser) fail(s *source, value, format string, args ...any) {
	p.errs = append(p.errs, RowError{Line: p.line, Column: s.label, Value: value, Reason: fmt.Sprintf(format, args...)})
}

// text returns the trimmed value of a field after defaults, templates and value maps; "" when the file
// has no source for it.
func (p *rowParser) text(s *source) string {
	if s == nil {
		return ""
	}
	var v string
	switch {
	case s.index >= 0:
		if s.index < len(p.fields) {
			v = strings.TrimSpace(p.fields[s.index])
		}
	case s.template != nil:
		v = p.expand(s.template)
	default:
		v = s.constant
	}
	if v == "" {
		v = s.dflt
	}
	if s.values != nil && v != "" {
		if mapped, ok := lookup(p.vocab, s.values, v); ok {
			v = mapped
		}
	}
	return v
}

// raw returns the cell as written, for error messages.
func (p *rowParser) raw(s *source) string {
	if s != nil && s.index >= 0 && s.index < len(p.fields) {
		return p.fields[s.index]
	}
	return p.text(s)
}

func (p *rowParser) expand(segs []segment) string {
	b := &p.template
	b.Reset()
	empty := true
	for _, seg := range segs {
		switch {
		case seg.row:
			b.WriteString(strconv.Itoa(p.ordinal))
		case seg.column != "":
			v := ""
			if seg.index < len(p.fields) {
				v = strings.TrimSpace(p.fields[seg.index])
			}
			if v != "" {
				empty = false
			}
			switch seg.filter {
			case "slug":
				v = slug(v)
			case "lower":
				v = strings.ToLower(v)
			case "upper":
				v = strings.ToUpper(v)
			}
			b.WriteString(v)
		default:
			b.WriteString(seg.literal)
		}
	}
	if empty && templateReadsColumns(segs) {
		return "" // every column it reads is blank: the field is blank, not just its literal parts
	}
	return b.String()
}

func templateReadsColumns(segs []segment) bool {
	for _, s := range segs {
		if s.column != "" {
			return true
		}
	}
	return false
}

// slug lower-cases s and joins its runs of letters and digits with dots: "Anna Snelling" → "anna.snelling".
func slug(s string) string {
	var b strings.Builder
	for _, word := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r > 127)
	}) {
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(word)
	}
	return b.String()
}

func (p *rowParser) money(s *source) (tandem.Money, string) {
	v := p.text(s)
	if v == "" {
		return 0, ""
	}
	m, cur, err := parseMoney(v)
	if err != nil {
		p.fail(s, p.raw(s), "%v", err)
	}
	return m, cur
}

// date parses a date field to midnight UTC of its day.
func (p *rowParser) date(s *source) time.Time {
	t := p.timestamp(s)
	if t.IsZero() {
		return t
	}
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

func (p *rowParser) timestamp(s *source) time.Time {
	v := p.text(s)
	if v == "" {
		return time.Time{}
	}
	t, err := parseTime(v, p.layout.layouts)
	if err != nil {
		p.fail(s, p.raw(s), "%v", err)
	}
	return t
}

func (p *rowParser) country(s *source) string {
	v := p.text(s)
	if v == "" {
		return ""
	}
	code, ok := p.vocab.country(v)
	if !ok {
		p.fail(s, p.raw(s), "unknown country (write an ISO code such as US or DE, or map it under values)")
	}
	return code
}

func (p *rowParser) countries(s *source) []string {
	v := p.text(s)
	if v == "" {
		return nil
	}
	var out []string
	for _, item := range splitList(v) {
		code, ok := p.vocab.country(item)
		if !ok {
			p.fail(s, item, "unknown country (write an ISO code such as US or DE, or map it under values)")
			continue
		}
		out = append(out, code)
	}
	return out
}

func (p *rowParser) currency(s *source) string {
	v := strings.ToUpper(p.text(s))
	if v != "" && !tandem.ValidCurrency(v) {
		p.fail(s, p.raw(s), "not an ISO 4217 currency code")
	}
	return v
}

func (p *rowParser) percent(s *source) int { return parseOptional(p, s, parsePercent) }

func (p *rowParser) boolean(s *source) bool { return parseOptional(p, s, parseBool) }

func (p *rowParser) integer(s *source) int { return parseOptional(p, s, parseInt) }

// parseOptional parses the value of s with parse: blank is the zero value, and a value parse refuses
// is reported on the row with parse's reason.
func parseOptional[T any](p *rowParser, s *source, parse func(string) (T, error)) T {
	var v T
	text := p.text(s)
	if text == "" {
		return v
	}
	v, err := parse(text)
	if err != nil {
		p.fail(s, p.raw(s), "%v", err)
	}
	return v
}

// enum parses an enumerated field through its synonym table; blank gives dflt.
func enum[T ~string](p *rowParser, s *source, table map[string]T, all []T, dflt T) T {
	v := p.text(s)
	if v == "" {
		return dflt
	}
	t, ok := lookup(p.vocab, table, v)
	if !ok {
		p.fail(s, p.raw(s), "unknown value (%s; or map it under values)", oneOf(all))
		return dflt
	}
	return t
}
