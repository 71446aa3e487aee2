package forecast

import (
	"cmp"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/tandem-revops/tandem/internal/importer"
)

// maxReportedErrors is how many bad rows ReadHistory lists before it stops reading.
const maxReportedErrors = 20

// ReadHistory reads a history export from src (name is the file name errors give) through the import
// machinery: kind "history", the tandem layout (id, category, created_on, closed_on, outcome, amount,
// and optionally pipeline_amount and segment) or a --map mapping m. It reads the whole file and returns
// the deals in (category, id) order, or every bad row (up to 20) as one error of lines "FILE:LINE: column "X": value "v": reason".
func ReadHistory(src io.Reader, name string, m *importer.Mapping) ([]Deal, error) {
	fr, err := importer.NewFieldReader("history", m, src, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := historyFields{
		fr.Field("id"), fr.Field("category"), fr.Field("created_on"), fr.Field("closed_on"),
		fr.Field("outcome"), fr.Field("amount"), fr.Field("pipeline_amount"), fr.Field("segment"),
	}
	// Deals are collected in chunks so a million of them are never copied by a growing slice.
	var chunks [][]Deal
	var lines []int32
	var problems []string
	fail := func(e *importer.RowError) {
		problems = append(problems, fmt.Sprintf("%s:%d: %s", name, e.Line, e.Detail()))
	}
	for len(problems) < maxReportedErrors {
		err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var rowErr *importer.RowError
		if errors.As(err, &rowErr) {
			fail(rowErr)
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		d, errs := f.read(fr)
		if len(errs) > 0 {
			for _, e := range errs {
				fail(e)
			}
			continue
		}
		if len(chunks) == 0 || len(chunks[len(chunks)-1]) == chunkSize {
			chunks = append(chunks, make([]Deal, 0, chunkSize))
		}
		chunks[len(chunks)-1] = append(chunks[len(chunks)-1], d)
		lines = append(lines, int32(fr.Line()))
	}
	var deals []Deal
	if len(problems) == 0 {
		deals, problems = inHistoryOrder(chunks, lines, name, f.id.Column())
	}
	if len(problems) > 0 {
		if len(problems) == maxReportedErrors {
			problems = append(problems, fmt.Sprintf("%s: stopped after %d bad rows", name, maxReportedErrors))
		}
		return nil, errors.New(strings.Join(problems, "\n"))
	}
	if len(deals) == 0 {
		return nil, fmt.Errorf("%s: the history has no deals", name)
	}
	return deals, nil
}

// historyFields are the handles of the history kind's fields.
type historyFields struct {
	id, category, created, closed, outcome, amount, pipeline, segment importer.Field
}

// read parses the current record, collecting every problem of the row.
func (f historyFields) read(fr *importer.FieldReader) (Deal, []*importer.RowError) {
	id, category, created, closed, outcome, amount, pipeline, segment := f.id, f.category, f.created, f.closed, f.outcome, f.amount, f.pipeline, f.segment
	var d Deal
	var errs []*importer.RowError
	if d.ID = fr.Text(id); d.ID == "" {
		errs = append(errs, fr.Errorf(id, "is blank"))
	}
	c, err := ParseCategory(fr.Text(category))
	if err != nil {
		errs = append(errs, fr.Errorf(category, "%v", err))
	}
	d.Category = c
	o, err := ParseOutcome(fr.Text(outcome))
	if err != nil {
		errs = append(errs, fr.Errorf(outcome, "%v", err))
	}
	d.Outcome = o
	if t, err := fr.Date(created); err != nil {
		errs = append(errs, err.(*importer.RowError))
	} else if t.IsZero() {
		errs = append(errs, fr.Errorf(created, "is blank"))
	} else {
		d.Created = DayOf(t)
	}
	t, err := fr.Date(closed)
	switch {
	case err != nil:
		errs = append(errs, err.(*importer.RowError))
	case o == Open && !t.IsZero():
		errs = append(errs, fr.Errorf(closed, "an open deal has no close date (blank it, or give outcome won or lost)"))
	case o != Open && t.IsZero():
		errs = append(errs, fr.Errorf(closed, "a %s deal needs its close date", o))
	case !t.IsZero() && DayOf(t) < d.Created && d.Created != 0:
		errs = append(errs, fr.Errorf(closed, "is before created_on %s", d.Created))
	case !t.IsZero():
		d.Closed = DayOf(t)
	}
	m, ok, err := fr.Money(amount)
	switch {
	case err != nil:
		errs = append(errs, err.(*importer.RowError))
	case m < 0:
		errs = append(errs, fr.Errorf(amount, "is negative"))
	case !ok && o == Won:
		errs = append(errs, fr.Errorf(amount, "a won deal needs its amount"))
	}
	d.Amount, d.AmountKnown = m, ok
	if pipeline.Present() {
		m, ok, err := fr.Money(pipeline)
		switch {
		case err != nil:
			errs = append(errs, err.(*importer.RowError))
		case m < 0:
			errs = append(errs, fr.Errorf(pipeline, "is negative"))
		}
		d.OpenAmount, d.OpenAmountKnown = m, ok
	}
	d.Segment = fr.Text(segment)
	return d, errs
}

// chunkSize is how many deals ReadHistory collects per chunk.
const chunkSize = 1 << 16

// inHistoryOrder returns the deals in (category, id) order — the order NewHistory keeps without a copy —
// or a problem for every id used twice, named on its later line. Sorting an index is cheaper than a map
// of a million ids, and nearly free on an export already in that order.
func inHistoryOrder(chunks [][]Deal, lines []int32, name, column string) ([]Deal, []string) {
	at := func(i int32) *Deal { return &chunks[i/chunkSize][i%chunkSize] }
	order := make([]int32, len(lines))
	cat := make([]uint8, len(lines))
	for i := range order {
		order[i] = int32(i)
		cat[i] = uint8(categoryIndex(at(int32(i)).Category))
	}
	slices.SortFunc(order, func(a, b int32) int {
		if c := cmp.Compare(cat[a], cat[b]); c != 0 {
			return c
		}
		if c := cmp.Compare(at(a).ID, at(b).ID); c != 0 {
			return c
		}
		return cmp.Compare(a, b) // equal ids stay in file order
	})
	// Repeats within a category are neighbours; across categories a merge of the four runs finds them.
	var runs [len(Categories)][]int32
	for start, k := 0, 0; k < len(order); k++ {
		if k+1 == len(order) || cat[order[k+1]] != cat[order[k]] {
			runs[cat[order[k]]] = order[start : k+1]
			start = k + 1
		}
	}
	var dups [][2]int32 // later, earlier index
	var pos [len(Categories)]int
	prev := int32(-1)
	for len(dups) < maxReportedErrors {
		best := -1
		for c := range runs {
			if pos[c] < len(runs[c]) && (best < 0 || at(runs[c][pos[c]]).ID < at(runs[best][pos[best]]).ID) {
				best = c
			}
		}
		if best < 0 {
			break
		}
		i := runs[best][pos[best]]
		pos[best]++
		if prev >= 0 && at(prev).ID == at(i).ID {
			dups = append(dups, [2]int32{max(i, prev), min(i, prev)})
		}
		prev = i
	}
	if len(dups) > 0 {
		slices.SortFunc(dups, func(x, y [2]int32) int { return cmp.Compare(lines[x[0]], lines[y[0]]) })
		problems := make([]string, len(dups))
		for i, d := range dups {
			problems[i] = fmt.Sprintf("%s:%d: column %q: value %q: id is also used on line %d",
				name, lines[d[0]], column, at(d[0]).ID, lines[d[1]])
		}
		return nil, problems
	}
	deals := make([]Deal, len(order))
	for k, i := range order {
		deals[k] = *at(i)
	}
	return deals, nil
}
