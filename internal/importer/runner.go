package importer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// refBy is how a reference names the record it points to.
type refBy int

const (
	byExternalID refBy = iota
	byEmail
	byName
)

// ref is a reference from a row to another record, resolved in bulk for the whole batch.
type ref struct {
	dst   *int64 // where the resolved id goes
	kind  string
	by    refBy
	value string
	src   *source
}

type refList struct {
	items [4]ref
	n     int
}

// add declares a reference; a blank value declares nothing.
func (l *refList) add(dst *int64, kind string, by refBy, value string, src *source) {
	if value == "" {
		return
	}
	l.items[l.n] = ref{dst: dst, kind: kind, by: by, value: value, src: src}
	l.n++
}

// addUser declares a reference to a user given by external id or, when it looks like one, by email.
func (l *refList) addUser(dst *int64, value string, src *source) {
	if strings.Contains(value, "@") {
		l.add(dst, "users", byEmail, strings.ToLower(value), src)
		return
	}
	l.add(dst, "users", byExternalID, value, src)
}

// rowMeta is what the runner keeps about each row of a batch besides the entity.
type rowMeta struct {
	line    int
	ordinal int
	fields  []string
	extID   string
	errs    []RowError
	refs    refList
}

func (m *rowMeta) ok() bool { return len(m.errs) == 0 }

// okExternalIDs returns the external ids of the rows that are still good, in order.
func okExternalIDs(metas []rowMeta) []string {
	var ids []string
	for i := range metas {
		if metas[i].ok() {
			ids = append(ids, metas[i].extID)
		}
	}
	return ids
}

// kindSpec is what differs between kinds of record.
type kindSpec[T any] struct {
	// parse fills row from the parser's record, declares its references and returns its external id.
	parse func(p *rowParser, row *T, refs *refList) string
	// validate runs the entity's own rules once its references are resolved.
	validate func(row *T) error
	// fields maps the field names of the entity's Validate errors to target fields.
	fields map[string]string
	// prepare may add errors to good rows after resolution (routing, email clashes). Optional.
	prepare func(ctx context.Context, tx Tx, rows []T, metas []rowMeta) error
	// write upserts the good rows.
	write func(ctx context.Context, tx Tx, rows []T) (tandem.UpsertCounts, error)
	// written is told about rows once they are in the store. Optional.
	written func(row *T, meta *rowMeta)
}

type lookupKey struct {
	kind string
	by   refBy
}

// batch is one batch of rows read and parsed, handed from the reading goroutine to the writing one.
type batch[T any] struct {
	rows  []T
	metas []rowMeta
	arena []string // the batch's fields, which metas point into
	bytes int64    // bytes of the file read when the batch was complete
	err   error    // a failure to read the file, after the rows of this batch
}

// runKind imports the file in batches with two goroutines, so that on two cores the CSV of batch N+1 is
// read and parsed while batch N is resolved, routed and written: the reader owns the csv reader, the
// parser and the duplicate-id set; the writer (the calling goroutine) owns the transaction and the
// report. Two batch buffers go round between them, so batches are written in file order, and the reader
// is stopped and waited for before runKind returns on any path.
func runKind[T any](ctx context.Context, imp *Importer, tx Tx, rd *csvio.Reader, p *rowParser, total int64, spec kindSpec[T]) error {
	ctx, cancel := context.WithCancel(ctx)
	var reading sync.WaitGroup
	defer func() {
		cancel()
		reading.Wait()
	}()
	size := imp.opts.BatchSize
	free := make(chan *batch[T], 2)
	for range cap(free) {
		free <- &batch[T]{rows: make([]T, 0, size), metas: make([]rowMeta, 0, size),
			arena: make([]string, 0, size*len(rd.Header()))}
	}
	full := make(chan *batch[T], 1)
	reading.Add(1)
	go func() {
		defer reading.Done()
		defer close(full)
		readBatches(ctx, imp, rd, p, &spec, free, full)
	}()

	w := batchWriter[T]{imp: imp, tx: tx, spec: &spec, total: total, lookups: map[lookupKey]map[string]int64{},
		good: make([]T, 0, size),
		// validationError re-reads fields through a parser: the writer needs its own.
		p: &rowParser{vocab: newVocabulary(), layout: p.layout}}
	for b := range full {
		imp.report.Rows += len(b.rows)
		if b.err != nil {
			return b.err
		}
		if err := w.write(ctx, b); err != nil {
			return err
		}
		b.rows, b.metas, b.arena = b.rows[:0], b.metas[:0], b.arena[:0]
		free <- b
	}
	// The reader stops early only when the context ends.
	return ctx.Err()
}

// readBatches reads and parses the file into batches of BatchSize rows and sends them on full, taking
// empty buffers from free. It returns at the end of the file, after a read error (sent with the rows
// before it) or when ctx ends.
func readBatches[T any](ctx context.Context, imp *Importer, rd *csvio.Reader, p *rowParser, spec *kindSpec[T],
	free <-chan *batch[T], full chan<- *batch[T]) {
	var b *batch[T]
	select {
	case b = <-free:
	case <-ctx.Done():
		return
	}
	send := func() bool {
		b.bytes = rd.BytesRead()
		select {
		case full <- b:
		case <-ctx.Done():
			return false
		}
		b = nil
		select {
		case b = <-free:
			return true
		case <-ctx.Done():
			return false
		}
	}
	extSrc := p.layout.sources["external_id"]
	ordinal := 0
	var zero T
	for {
		if ctx.Err() != nil {
			return
		}
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		var recErr *csvio.Error
		if err != nil && !errors.As(err, &recErr) {
			b.err = fmt.Errorf("line %d: %w", rec.Line, err)
			send()
			return
		}
		ordinal++
		start := len(b.arena)
		b.arena = append(b.arena, rec.Fields...)
		b.rows = append(b.rows, zero)
		b.metas = append(b.metas, rowMeta{line: rec.Line, ordinal: ordinal, fields: b.arena[start:len(b.arena):len(b.arena)]})
		parseRecord(imp, p, spec, extSrc, recErr, &b.rows[len(b.rows)-1], &b.metas[len(b.metas)-1])
		if len(b.rows) == imp.opts.BatchSize && !send() {
			return
		}
	}
	if len(b.rows) > 0 {
		send()
	}
}

// batchWriter resolves, checks, routes and writes batches, in the order read.
type batchWriter[T any] struct {
	imp     *Importer
	tx      Tx
	spec    *kindSpec[T]
	p       *rowParser
	total   int64
	lookups map[lookupKey]map[string]int64
	good    []T
}

func (w *batchWriter[T]) write(ctx context.Context, b *batch[T]) error {
	imp, spec, rows, metas := w.imp, w.spec, b.rows, b.metas
	if err := resolveRefs(ctx, w.tx, metas, w.lookups); err != nil {
		return err
	}
	for i := range metas {
		if !metas[i].ok() {
			continue
		}
		if err := spec.validate(&rows[i]); err != nil {
			metas[i].errs = append(metas[i].errs, validationError(w.p, &metas[i], spec.fields, err))
		}
	}
	if spec.prepare != nil {
		if err := spec.prepare(ctx, w.tx, rows, metas); err != nil {
			return err
		}
	}
	w.good = w.good[:0]
	for i := range metas {
		if metas[i].ok() {
			w.good = append(w.good, rows[i])
		}
	}
	for i := range metas {
		if !metas[i].ok() {
			if err := imp.reject(metas[i].line, metas[i].fields, metas[i].errs); err != nil {
				return err
			}
		}
	}
	// Once the import is refused nothing will be committed, so only the checking goes on.
	refused := imp.report.ErrorCount > 0 && !imp.opts.SkipInvalid
	if !refused && len(w.good) > 0 {
		counts, err := spec.write(ctx, w.tx, w.good)
		if err != nil {
			return fmt.Errorf("write %s: %w", imp.opts.Kind, err)
		}
		imp.report.Counts.Add(counts)
		if spec.written != nil {
			for i := range metas {
				if metas[i].ok() {
					spec.written(&rows[i], &metas[i])
				}
			}
		}
	}
	if imp.opts.Progress != nil {
		imp.opts.Progress(Progress{Rows: imp.report.Rows, Bytes: b.bytes, TotalBytes: w.total})
	}
	return nil
}

// parseRecord turns one record into an entity, collecting its problems (a broken record, bad values,
// a missing or duplicate external id) on m.
func parseRecord[T any](imp *Importer, p *rowParser, spec *kindSpec[T], extSrc *source, recErr *csvio.Error, row *T, m *rowMeta) {
	if recErr != nil {
		m.errs = append(m.errs, RowError{Line: recErr.Line, Column: recErr.Column, Reason: recErr.Reason})
		return
	}
	p.reset(m.fields, m.line, m.ordinal)
	m.extID = spec.parse(p, row, &m.refs)
	if len(p.errs) > 0 {
		m.errs = append(m.errs, p.errs...)
	}
	switch first, dup := firstSeen(imp.seen, imp.seed, m.extID, m.line); {
	case m.extID == "":
		m.errs = append(m.errs, RowError{Line: m.line, Column: labelOf(extSrc, "external_id"), Reason: "an external id is required"})
	case dup:
		m.errs = append(m.errs, RowError{Line: m.line, Column: labelOf(extSrc, "external_id"), Value: m.extID,
			Reason: fmt.Sprintf("duplicate id %s, first seen on line %d", m.extID, first)})
	}
}

func labelOf(s *source, field string) string {
	if s == nil {
		return field
	}
	return s.label
}

// validationError turns an entity's Validate error into a row error naming the source column.
func validationError(p *rowParser, m *rowMeta, fields map[string]string, err error) RowError {
	var te *tandem.Error
	if !errors.As(err, &te) {
		return RowError{Line: m.line, Reason: err.Error()}
	}
	target := fields[te.Field]
	if target == "" {
		target = te.Field
	}
	src := p.layout.sources[target]
	p.reset(m.fields, m.line, m.ordinal)
	return RowError{Line: m.line, Column: labelOf(src, target), Value: p.raw(src), Reason: te.Message}
}

// resolveRefs looks up every reference of the batch with one store call per kind of lookup and sets the
// ids, adding an error to each row whose reference is not found.
func resolveRefs(ctx context.Context, tx Tx, metas []rowMeta, lookups map[lookupKey]map[string]int64) error {
	wanted := map[lookupKey][]string{}
	for i := range metas {
		for _, r := range metas[i].refs.items[:metas[i].refs.n] {
			k := lookupKey{r.kind, r.by}
			wanted[k] = append(wanted[k], r.value)
		}
	}
	if len(wanted) == 0 {
		return nil
	}
	clear(lookups)
	for k, values := range wanted {
		var (
			found map[string]int64
			err   error
		)
		switch k.by {
		case byEmail:
			found, err = tx.ResolveUserEmails(ctx, uniq(values))
		case byName:
			found, err = tx.ResolveAccountNames(ctx, uniq(values))
		default:
			found, err = tx.ResolveIDs(ctx, k.kind, uniq(values))
		}
		if err != nil {
			return fmt.Errorf("resolve %s: %w", k.kind, err)
		}
		lookups[k] = found
	}
	applyRefs(metas, lookups)
	return nil
}

// applyRefs sets the ids of the batch's references from the lookups, adding an error to each row whose
// reference was not found.
func applyRefs(metas []rowMeta, lookups map[lookupKey]map[string]int64) {
	for i := range metas {
		m := &metas[i]
		for _, r := range m.refs.items[:m.refs.n] {
			if id, ok := lookups[lookupKey{r.kind, r.by}][r.value]; ok {
				*r.dst = id
				continue
			}
			m.errs = append(m.errs, RowError{Line: m.line, Column: labelOf(r.src, r.kind), Value: r.value, Reason: missingReason(r)})
		}
	}
}

func missingReason(r ref) string {
	singular := strings.TrimSuffix(r.kind, "s")
	switch r.by {
	case byEmail:
		return "no user with this email"
	case byName:
		return "no account with this name"
	}
	return fmt.Sprintf("no %s with this external id", singular)
}

func uniq(values []string) []string {
	seen := make(map[string]struct{}, len(values))
	out := values[:0]
	for _, v := range values {
		if _, ok := seen[v]; !ok {
			seen[v] = struct{}{}
			out = append(out, v)
		}
	}
	return out
}
