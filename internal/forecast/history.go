package forecast

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/tandem-revops/tandem/internal/importer"
)

// maxReportedErrors is how many bad rows ReadHistory lists before it stops reading.
const maxReportedErrors = 20

// ReadHistory reads a history export from src (name is the file name errors give) through the import
// machinery: kind "history", the tandem layout (id, category, created_on, closed_on, outcome, amount,
// and optionally pipeline_amount and segment) or a --map mapping m. It reads the whole file and returns
// every bad row (up to 20) as one error of lines "FILE:LINE: column "X": value "v": reason".
func ReadHistory(src io.Reader, name string, m *importer.Mapping) ([]Deal, error) {
	fr, err := importer.NewFieldReader("history", m, src, false)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	f := historyFields{
		fr.Field("id"), fr.Field("category"), fr.Field("created_on"), fr.Field("closed_on"),
		fr.Field("outcome"), fr.Field("amount"), fr.Field("pipeline_amount"), fr.Field("segment"),
	}
	var deals []Deal
	var problems []string
	seen := map[string]int{}
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
		if prev, dup := seen[d.ID]; dup {
			fail(fr.Errorf(f.id, "id is also used on line %d", prev))
			continue
		}
		seen[d.ID] = fr.Line()
		deals = append(deals, d)
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
