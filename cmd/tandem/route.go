package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/tandem-revops/tandem/internal/csvio"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/crmvalue"
	"github.com/tandem-revops/tandem/internal/dealrow"
	"github.com/tandem-revops/tandem/internal/policy"
)

const routeSynopsis = `--deals FILE.csv [--policy FILE]

Routes every deal in a CRM export through the rules of engagement and prints one JSON object per
line: {"id", "motion", "partner_attached", "rule", "explanation"}, in input order. A row that
cannot be routed prints {"line": N, "error": "..."} instead (line 1 is the header) and the exit
status is 1; the other rows are still routed.

Required columns (any case): id, account, acv, country, vertical, product_type.
Optional: partner_id, registration_status, current_motion, partner_tier, stage, currency.
Any other column is a field a policy can test as fields["name"]. Separators may be ',' or ';';
acv may be written like "$1,200,000.00"; country may be an ISO code or a common English name;
stage, registration_status, product_type and partner_tier may be written as CRMs export them
("Closed Won", "Pending Approval", "Add-On": the tables under "CRM spellings" in the README, the ones
tandem import reads).`

// routeBatchSize is how many rows travel through the pipeline together.
const routeBatchSize = 1024

func runRoute(ctx context.Context, env *Env, args []string) error {
	fs := newFlagSet(env, "route", routeSynopsis)
	dealsPath := fs.String("deals", "", "the CSV export of deals (required; - reads standard input)")
	policyPath := fs.String("policy", "", "the policy YAML file (default: the built-in policy)")
	workers := fs.Int("workers", runtime.GOMAXPROCS(0), "goroutines routing rows")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *dealsPath == "" {
		return fmt.Errorf("%w: --deals FILE.csv is required", errUsage)
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("%w: unexpected argument %q", errUsage, fs.Arg(0))
	}
	p := policy.Default()
	if *policyPath != "" {
		var err error
		if p, err = loadPolicyFile(*policyPath); err != nil {
			return err
		}
	}
	in, name, err := openInput(env, *dealsPath)
	if err != nil {
		return err
	}
	defer in.Close()
	out := bufio.NewWriterSize(env.Stdout, 256<<10)
	bad, err := routeCSV(ctx, p, name, in, out, max(*workers, 1))
	if ferr := out.Flush(); err == nil && ferr != nil {
		err = ferr
	}
	if err != nil {
		return err
	}
	if bad > 0 {
		fmt.Fprintf(env.Stderr, "tandem route: %d row(s) could not be routed\n", bad)
		return errSilentFailure
	}
	return nil
}

// loadPolicyFile reads and parses a policy file.
func loadPolicyFile(path string) (*policy.Policy, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return policy.Parse(path, src)
}

// dealColumns is where each known column sits in the export; -1 when absent.
type dealColumns struct {
	id, account, acv, country, vertical, productType                           int
	partnerID, registrationStatus, currentMotion, partnerTier, stage, currency int
	extra                                                                      []int
	extraNames                                                                 []string
}

var requiredColumns = []string{"id", "account", "acv", "country", "vertical", "product_type"}

// mapColumns finds the columns in a header row.
func mapColumns(name string, header []string) (dealColumns, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = normalizeCode(h)
		if _, dup := idx[h]; !dup && h != "" {
			idx[h] = i
		}
	}
	var missing []string
	col := func(name string, required bool) int {
		i, ok := idx[name]
		if !ok {
			if required {
				missing = append(missing, name)
			}
			return -1
		}
		delete(idx, name)
		return i
	}
	c := dealColumns{
		id: col("id", true), account: col("account", true), acv: col("acv", true), country: col("country", true),
		vertical: col("vertical", true), productType: col("product_type", true),
		partnerID: col("partner_id", false), registrationStatus: col("registration_status", false),
		currentMotion: col("current_motion", false), partnerTier: col("partner_tier", false),
		stage: col("stage", false), currency: col("currency", false),
	}
	if len(missing) > 0 {
		return c, fmt.Errorf("%w: %s has no %s column (required: %s)", errUsage, name,
			strings.Join(missing, ", "), strings.Join(requiredColumns, ", "))
	}
	for i, h := range header {
		if j, ok := idx[normalizeCode(h)]; ok && j == i {
			c.extra = append(c.extra, i)
			c.extraNames = append(c.extraNames, strings.TrimSpace(h))
		}
	}
	return c, nil
}

// routeBatch is a run of rows on their way through the pipeline.
type routeBatch struct {
	n      int
	values []string // every row's values, one after another
	starts []int    // row i is values[starts[i]:starts[i+1]]
	lines  []int
	errs   []string // a CSV syntax error for the row, "" when it parsed
	out    []byte
	bad    int
	done   chan struct{}
}

func (b *routeBatch) reset() {
	b.n, b.values, b.starts, b.lines, b.errs, b.out, b.bad = 0, b.values[:0], b.starts[:1], b.lines[:0], b.errs[:0], b.out[:0], 0
	b.done = make(chan struct{})
}

func (b *routeBatch) row(i int) []string { return b.values[b.starts[i]:b.starts[i+1]] }

// routeCSV streams deals from in through p and writes one JSON line per row to out, in input order.
// One goroutine reads the CSV, workers route whole batches, and this goroutine writes them in order;
// a fixed number of batches circulate, so memory stays flat whatever the file size. It returns how
// many rows could not be routed.
func routeCSV(ctx context.Context, p *policy.Policy, name string, in io.Reader, out io.Writer, workers int) (int, error) {
	r, err := csvio.NewReader(in)
	if errors.Is(err, csvio.ErrEmpty) {
		return 0, fmt.Errorf("%w: %s is empty: it needs a header line", errUsage, name)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: header: %w", name, err)
	}
	header := r.Header()
	cols, err := mapColumns(name, header)
	if err != nil {
		return 0, err
	}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	inFlight := workers * 4
	free := make(chan *routeBatch, inFlight)
	for range inFlight {
		free <- &routeBatch{starts: make([]int, 1, routeBatchSize+1)}
	}
	work := make(chan *routeBatch, inFlight)
	ordered := make(chan *routeBatch, inFlight)

	var readErr error
	go func() {
		// Closed after readErr is set, so that the writer below sees it once ordered is drained.
		defer close(work)
		defer close(ordered)
		if err := readRouteBatches(ctx, r, name, free, work, ordered); err != nil {
			readErr = err
			cancel()
		}
	}()

	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rt := newRowRouter(p, cols)
			for b := range work {
				rt.routeBatch(b)
				close(b.done)
			}
		}()
	}

	bad := 0
	var writeErr error
	for b := range ordered {
		<-b.done
		if writeErr == nil {
			bad += b.bad
			if _, err := out.Write(b.out); err != nil {
				writeErr = err
				cancel()
			}
		}
		free <- b
	}
	wg.Wait()
	if readErr != nil {
		return bad, readErr
	}
	if writeErr != nil {
		return bad, writeErr
	}
	return bad, ctx.Err()
}

// readRouteBatches reads the CSV into batches taken from free and hands each full batch to the
// workers (work) and, in input order, to the writer (ordered). A row the CSV reader refuses is kept
// with its reason, to be written in its place; any other read error ends the reading.
func readRouteBatches(ctx context.Context, r *csvio.Reader, name string, free <-chan *routeBatch, work, ordered chan<- *routeBatch) error {
	var b *routeBatch
	send := func() bool {
		select {
		case work <- b:
		case <-ctx.Done():
			return false
		}
		ordered <- b // never blocks longer than a batch: it has as many slots as there are batches
		b = nil
		return true
	}
	for {
		if b == nil {
			select {
			case b = <-free:
				b.reset()
			case <-ctx.Done():
				return nil
			}
		}
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			var ce *csvio.Error
			if !errors.As(err, &ce) {
				return fmt.Errorf("%s: %w", name, err)
			}
			msg := ce.Reason
			if ce.Column != "" {
				msg = ce.Column + ": " + ce.Reason
			}
			b.errs = append(b.errs, msg)
			rec.Fields = nil
		} else {
			b.errs = append(b.errs, "")
		}
		b.values = append(b.values, rec.Fields...)
		b.starts = append(b.starts, len(b.values))
		b.lines = append(b.lines, rec.Line)
		b.n++
		if b.n == routeBatchSize && !send() {
			return nil
		}
	}
	if b != nil && b.n > 0 {
		send()
	}
	return nil
}

// rowRouter turns rows into deals and routes them; one per worker.
type rowRouter struct {
	p      *policy.Policy
	router *policy.Router
	cols   dealColumns
	deal   policy.Deal
	fields bool // the policy tests fields, so extra columns must be collected
	// The deal-row reader tandem import reads opportunities with: the same CRM spellings of stages,
	// registration statuses, product types, partner tiers, countries, verticals and amounts.
	parser *dealrow.Parser
	cells  dealrow.Cells
	values dealrow.Deal
	errs   []dealrow.Error
}

func newRowRouter(p *policy.Policy, cols dealColumns) *rowRouter {
	return &rowRouter{p: p, router: p.NewRouter(), cols: cols, fields: p.UsesFields() && len(cols.extra) > 0,
		parser: dealrow.NewParser(dealrow.ACV, dealrow.Country, dealrow.ProductType)}
}

func (rt *rowRouter) routeBatch(b *routeBatch) {
	for i := range b.n {
		line := b.lines[i]
		if b.errs[i] != "" {
			b.out = appendRowError(b.out, line, b.errs[i])
			b.bad++
			continue
		}
		if err := rt.load(b.row(i)); err != nil {
			b.out = appendRowError(b.out, line, err.Error())
			b.bad++
			continue
		}
		dec, err := rt.router.Route(&rt.deal)
		if err != nil {
			b.out = appendRowError(b.out, line, tandem.ErrorMessage(err))
			b.bad++
			continue
		}
		b.out = appendDecision(b.out, rt.deal.ID, &dec)
	}
}

// load fills rt.deal from one CSV row, or says which column is wrong and why.
func (rt *rowRouter) load(row []string) error {
	get := func(i int) string {
		if i < 0 || i >= len(row) {
			return ""
		}
		return strings.TrimSpace(row[i])
	}
	c := &rt.cols
	d := &rt.deal
	*d = policy.Deal{ID: get(c.id), Account: get(c.account), PartnerID: get(c.partnerID)}
	if d.ID == "" {
		return errors.New("id: empty")
	}
	rt.cells = dealrow.Cells{ACV: get(c.acv), Currency: get(c.currency), Country: get(c.country),
		Vertical: get(c.vertical), ProductType: get(c.productType), RegistrationStatus: get(c.registrationStatus),
		CurrentMotion: get(c.currentMotion), PartnerTier: get(c.partnerTier), Stage: get(c.stage)}
	v := &rt.values
	rt.errs = rt.parser.Parse(&rt.cells, v, rt.errs[:0])
	for i := range rt.errs {
		// A currency that is not ISO 4217 is left to the router, whose refusal names the currencies
		// the programme accepts.
		if rt.errs[i].Problem != dealrow.NotCurrency {
			return dealRowError(&rt.errs[i], rt.cells.ACV)
		}
	}
	d.ACV, d.Currency, d.Country, d.Vertical = v.ACV, v.Currency, v.Country, v.Vertical
	d.ProductType, d.RegistrationStatus, d.CurrentMotion = v.ProductType, v.RegistrationStatus, v.CurrentMotion
	d.PartnerTier, d.Stage = v.PartnerTier, v.Stage
	if rt.fields {
		d.Fields = make(map[string]string, len(c.extra))
		for i, col := range c.extra {
			d.Fields[c.extraNames[i]] = get(col)
		}
	}
	return nil
}

// dealRowError words a bad field as tandem route always has.
func dealRowError(e *dealrow.Error, acvText string) error {
	switch e.Field {
	case dealrow.ACV:
		switch e.Problem {
		case dealrow.Empty:
			return errors.New("acv: empty")
		case dealrow.OutOfRange:
			return fmt.Errorf("acv: %q %s", e.Value, e.Detail)
		}
		return fmt.Errorf("acv: %q is not a number", e.Value)
	case dealrow.Currency:
		return fmt.Errorf("currency: acv %q is in %s but the currency column says %s", acvText, e.Detail, strings.ToUpper(e.Value))
	case dealrow.Country:
		if e.Problem == dealrow.Empty {
			return errors.New("country: empty")
		}
		return fmt.Errorf("country: %q is not an ISO country code or a known country name", e.Value)
	case dealrow.ProductType:
		return fmt.Errorf("product_type: %q is not one of core, addon, services", e.Value)
	case dealrow.RegistrationStatus:
		return fmt.Errorf("registration_status: %q is not a registration status (see \"CRM spellings\" in the README)", e.Value)
	case dealrow.CurrentMotion:
		return fmt.Errorf("current_motion: %q is not one of partner_led, co_sell, direct", e.Value)
	case dealrow.PartnerTier:
		return fmt.Errorf("partner_tier: %q is not a partner tier", e.Value)
	case dealrow.Stage:
		return fmt.Errorf("stage: %q is not a sales stage (see \"CRM spellings\" in the README)", e.Value)
	}
	return fmt.Errorf("%s: %q is not valid", e.Field, e.Value)
}

// normalizeCode turns "Product Type" into product_type: header names compare as the codes verticals
// and motions are read as.
func normalizeCode(s string) string { return crmvalue.Code(s) }

// appendDecision appends one routed deal as a JSON line.
func appendDecision(dst []byte, id string, d *policy.Decision) []byte {
	dst = append(dst, `{"id":`...)
	dst = appendJSONString(dst, id)
	dst = append(dst, `,"motion":`...)
	dst = appendJSONString(dst, string(d.Motion))
	dst = append(dst, `,"partner_attached":`...)
	dst = strconv.AppendBool(dst, d.PartnerAttached)
	dst = append(dst, `,"rule":`...)
	dst = appendJSONString(dst, d.Rule)
	dst = append(dst, `,"explanation":`...)
	dst = appendJSONString(dst, d.Explanation)
	return append(dst, "}\n"...)
}

// appendRowError appends a row that could not be routed as a JSON line.
func appendRowError(dst []byte, line int, msg string) []byte {
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(line), 10)
	dst = append(dst, `,"error":`...)
	dst = appendJSONString(dst, msg)
	return append(dst, "}\n"...)
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string; invalid UTF-8 becomes U+FFFD, as encoding/json does.
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
