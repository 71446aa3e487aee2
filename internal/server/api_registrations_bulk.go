package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// Bulk registration: a CSV file of deals, all or nothing. Every row is checked before any is written;
// one bad row refuses the file and the answer lists every problem by line, column, value and reason.
// A clean file is filed row by row, in file order, through submitRegistration, exactly as the form
// and the single-registration API file them.

// maxBulkRows is the most rows one upload may hold; bigger files are refused whole, not cut.
const maxBulkRows = 5000

// maxBulkBytes bounds the upload (5,000 generous rows fit in well under this).
const maxBulkBytes = 8 << 20

// bulkColumns are the columns a bulk file may have, as the registration form names its fields.
// account_name, country, product_type and estimated_acv are required; partner_id is required of
// channel staff (a partner user's rows are its own partner's).
var bulkColumns = []string{"partner_id", "account_name", "website", "country", "vertical", "product_type", "estimated_acv",
	"currency", "expected_close", "contact_name", "contact_email"}

var bulkRequired = []string{"account_name", "country", "product_type", "estimated_acv"}

// BulkRowError is one problem of a bulk file: its line (the header is line 1), column, value and why.
type BulkRowError struct {
	Line   int    `json:"line"`
	Column string `json:"column,omitempty"`
	Value  string `json:"value,omitempty"`
	Reason string `json:"reason"`
}

// BulkRowResult is what became of one row of a clean file.
type BulkRowResult struct {
	Line           int                       `json:"line"`
	RegistrationID int64                     `json:"registration_id"`
	AccountName    string                    `json:"account_name"`
	Status         tandem.RegistrationStatus `json:"status"`
	Motion         tandem.Motion             `json:"motion,omitempty"`
	Explanation    string                    `json:"explanation,omitempty"`
	Review         string                    `json:"review,omitempty" doc:"'overlap under review' when the row opened a channel conflict"`
	AutoApproved   bool                      `json:"auto_approved,omitempty"`
}

// bulkResult answers a bulk upload: the rows registered, or every error and nothing registered.
type bulkResult struct {
	Registered int             `json:"registered" doc:"how many registrations were filed"`
	Rows       []BulkRowResult `json:"rows" doc:"one per data row, in file order, when the file was clean"`
	Errors     []BulkRowError  `json:"errors" doc:"every problem found; when there is any, nothing was registered"`
}

type bulkOutput struct {
	Status int
	Body   bulkResult
}

func (s *Server) registerRegistrationBulkAPI() {
	o := op(http.MethodPost, "create-registrations-bulk", "/registrations/bulk", "Register deals from a CSV file",
		"Send the file as the text/csv body, or as the `file` field of a multipart/form-data upload. Columns (header "+
			"names, any order, case-insensitive): "+strings.Join(bulkColumns, ", ")+". account_name, country (ISO two-letter), "+
			"product_type (core, addon, services) and estimated_acv (a decimal amount, e.g. 120000 or 120,000.00) are "+
			"required; currency defaults to USD; expected_close is YYYY-MM-DD. Channel staff give partner_id on every row; "+
			"a partner user's rows are always its own (a partner_id naming another partner is an error). Comma, semicolon "+
			"or tab separated, UTF-8 (with or without BOM) or Windows-1252. At most 5,000 rows. Every row is checked "+
			"first: if any is wrong, nothing is registered and the answer (422) lists every error by line, column, value "+
			"and reason. Otherwise each row is registered in file order, exactly as POST /registrations would.")
	o.MaxBodyBytes = maxBulkBytes
	o.DefaultStatus = http.StatusCreated
	// The body is read here, as CSV or as a multipart form; huma must not try to decode it.
	o.SkipValidateBody = true
	o.RequestBody = &huma.RequestBody{Required: true, Content: map[string]*huma.MediaType{
		"multipart/form-data": {Schema: &huma.Schema{Type: "object", Properties: map[string]*huma.Schema{
			"file": {Type: "string", Format: "binary", Description: "the CSV file"}}}},
	}}
	register(s.api, o, func(ctx context.Context, in *struct {
		ContentType string `header:"Content-Type"`
		RawBody     []byte `contentType:"text/csv"`
	}) (*bulkOutput, error) {
		src, err := bulkSource(in.ContentType, in.RawBody)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		res, err := s.bulkRegister(ctx, actorFrom(ctx), src)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out := &bulkOutput{Status: http.StatusCreated, Body: *res}
		if len(res.Errors) > 0 {
			out.Status = http.StatusUnprocessableEntity
		}
		return out, nil
	})
}

// bulkSource returns the CSV of a request body: the body itself, or the "file" part of a multipart form.
func bulkSource(contentType string, body []byte) (io.Reader, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" {
		return bytes.NewReader(body), nil
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return nil, tandem.FieldError("file", "the form has no file field with the CSV")
		}
		if err != nil {
			return nil, tandem.FieldError("file", "the multipart form cannot be read: %v", err)
		}
		if p.FormName() == "file" {
			return p, nil
		}
	}
}

// bulkRow is one checked row, ready to file.
type bulkRow struct {
	line int
	in   registrationInput
}

// bulkRegister checks every row of the CSV in src and, when all are good, files them in order. A file
// it cannot read at all (empty, not CSV, too many rows) is an EINVALID error; row problems come back in
// the result's Errors with nothing written.
func (s *Server) bulkRegister(ctx context.Context, actor tandem.Actor, src io.Reader) (*bulkResult, error) {
	rows, problems, err := s.readBulk(ctx, actor, src)
	if err != nil {
		return nil, err
	}
	res := &bulkResult{Rows: []BulkRowResult{}, Errors: problems}
	if len(problems) > 0 {
		return res, nil
	}
	for _, row := range rows {
		created, err := s.submitRegistration(ctx, actor, row.in)
		if err != nil {
			// Checked rows should not fail; if the store refuses one anyway, say where it stopped.
			_, msg := s.uiError(ctx, err)
			res.Errors = append(res.Errors, BulkRowError{Line: row.line, Reason: fmt.Sprintf(
				"not registered: %s (the %d rows before it were registered)", msg, res.Registered)})
			return res, nil
		}
		res.Registered++
		res.Rows = append(res.Rows, BulkRowResult{Line: row.line, RegistrationID: created.ID, AccountName: created.AccountName,
			Status: created.Status, Motion: created.Motion, Explanation: created.Explanation, Review: created.Review,
			AutoApproved: created.AutoApproved})
	}
	return res, nil
}

// readBulk reads and checks every row of src as actor would file it.
func (s *Server) readBulk(ctx context.Context, actor tandem.Actor, src io.Reader) ([]bulkRow, []BulkRowError, error) {
	rd, err := csvio.NewReader(src)
	if err != nil {
		return nil, nil, tandem.FieldError("file", "%v", err)
	}
	var problems []BulkRowError
	col := map[string]int{}
	for i, h := range rd.Header() {
		name := strings.ToLower(strings.TrimSpace(h))
		switch {
		case !slices.Contains(bulkColumns, name):
			problems = append(problems, BulkRowError{Line: 1, Column: h, Reason: "unknown column; the columns are " + strings.Join(bulkColumns, ", ")})
		case col[name] != 0:
			problems = append(problems, BulkRowError{Line: 1, Column: h, Reason: "the column appears twice"})
		default:
			col[name] = i + 1 // 0 means absent
		}
	}
	required := bulkRequired
	if !actor.IsPartner() {
		required = append([]string{"partner_id"}, required...)
	}
	for _, name := range required {
		if col[name] == 0 {
			problems = append(problems, BulkRowError{Line: 1, Column: name, Reason: "required column missing"})
		}
	}
	if len(problems) > 0 {
		return nil, problems, nil
	}
	partners := map[int64]error{} // the partners rows name, looked up once each
	var rows []bulkRow
	for n := 0; ; n++ {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if n == maxBulkRows {
			return nil, nil, tandem.FieldError("file", "more than %d rows (line %d is row %d): split the file", maxBulkRows, rec.Line, n+1)
		}
		var cerr *csvio.Error
		if errors.As(err, &cerr) {
			problems = append(problems, BulkRowError{Line: cerr.Line, Column: cerr.Column, Reason: cerr.Reason})
			continue
		}
		if err != nil {
			return nil, nil, tandem.FieldError("file", "cannot be read: %v", err)
		}
		get := func(name string) string {
			if i := col[name]; i != 0 && i <= len(rec.Fields) {
				return strings.TrimSpace(rec.Fields[i-1])
			}
			return ""
		}
		row, errs := s.checkBulkRow(ctx, actor, rec.Line, get, partners)
		problems = append(problems, errs...)
		if len(errs) == 0 {
			rows = append(rows, row)
		}
	}
	if len(rows) == 0 && len(problems) == 0 {
		return nil, nil, tandem.FieldError("file", "has a header but no rows")
	}
	return rows, problems, nil
}

// checkBulkPartner checks a row's partner_id (value): a partner user's rows may name only its own
// partner or none, staff rows must name one the actor may see. partners caches each lookup's answer
// for the file. It returns the partner id, 0 when the row names none or a bad one.
func (s *Server) checkBulkPartner(ctx context.Context, actor tandem.Actor, value string, partners map[int64]error,
	bad func(column, reason string)) int64 {
	if value == "" {
		if !actor.IsPartner() {
			bad("partner_id", "is required: which partner's deal is it?")
		}
		return 0
	}
	id, err := strconv.ParseInt(value, 10, 64)
	switch {
	case err != nil || id <= 0:
		bad("partner_id", "is not a partner id (a whole number)")
		return 0
	case actor.IsPartner() && id != actor.PartnerID:
		bad("partner_id", "names another partner: you register deals for your own partner only")
		return 0
	}
	err, seen := partners[id]
	if !seen {
		_, err = s.store.GetPartner(ctx, actor, id)
		partners[id] = err
	}
	if err != nil {
		_, msg := s.uiError(ctx, err)
		bad("partner_id", msg)
	}
	return id
}

// checkBulkAmount checks a row's estimated_acv against its currency column (currency, upper-cased, ""
// when the row has none) and returns the amount and the row's currency: the column's, else the
// currency the amount is written in, else USD.
func checkBulkAmount(amount, currency string, bad func(column, reason string)) (tandem.Money, string) {
	column := currency
	if currency == "" {
		currency = "USD"
	} else if !tandem.ValidCurrency(currency) {
		bad("currency", "is not an ISO 4217 currency code (USD, EUR…)")
	}
	acv, cur, err := tandem.ParseMoney(amount)
	switch {
	case amount == "":
		bad("estimated_acv", "is required")
	case err != nil:
		bad("estimated_acv", "is not an amount like 120000 or 120,000.00")
	case acv < 0:
		bad("estimated_acv", "cannot be negative")
	case cur != "" && column != "" && cur != currency:
		bad("estimated_acv", fmt.Sprintf("is in %s but the currency column says %s", cur, currency))
	default:
		if cur != "" && column == "" {
			currency = cur
		}
		return acv, currency
	}
	return 0, currency
}

// checkBulkRow checks one row's values the way a submission would, reporting every problem of the row.
func (s *Server) checkBulkRow(ctx context.Context, actor tandem.Actor, line int, get func(string) string,
	partners map[int64]error) (bulkRow, []BulkRowError) {
	var errs []BulkRowError
	bad := func(column, reason string) {
		errs = append(errs, BulkRowError{Line: line, Column: column, Value: get(column), Reason: reason})
	}
	in := registrationInput{AccountName: get("account_name"), Website: get("website"),
		Country: strings.ToUpper(get("country")), Vertical: get("vertical"),
		ProductType: tandem.ProductType(strings.ToLower(get("product_type"))),
		Currency:    strings.ToUpper(get("currency")), ContactName: get("contact_name"), ContactEmail: get("contact_email")}
	in.PartnerID = s.checkBulkPartner(ctx, actor, get("partner_id"), partners, bad)
	if in.AccountName == "" {
		bad("account_name", "is required")
	}
	if !tandem.ValidCountry(in.Country) {
		bad("country", "is not an ISO 3166 two-letter country code (US, DE, GB…)")
	}
	if !in.ProductType.Valid() {
		bad("product_type", "is not one of core, addon, services")
	}
	// The policy may route by vertical: a row without one needs an account that has one (checked here
	// so that the file is refused whole, not half filed).
	if in.Vertical == "" && in.AccountName != "" {
		if prog, err := s.programme.Current(ctx); err == nil {
			probe := &tandem.Registration{AccountName: in.AccountName, Website: in.Website, Country: in.Country}
			if _, _, err := s.fillTestedFields(ctx, prog.Policy, probe); err != nil {
				bad("vertical", "is required: the policy in force routes deals by industry vertical, and the company "+
					"matches no account that has one")
			}
		}
	}
	in.EstimatedACV, in.Currency = checkBulkAmount(get("estimated_acv"), in.Currency, bad)
	if v := get("expected_close"); v != "" {
		d, err := time.Parse(time.DateOnly, v)
		if err != nil {
			bad("expected_close", "is not a date like 2026-06-30")
		}
		in.ExpectedClose = d
	}
	if in.ContactEmail != "" && !strings.Contains(in.ContactEmail, "@") {
		bad("contact_email", "is not an email address")
	}
	if len(errs) == 0 {
		// Whatever else the domain checks, in the words it uses.
		r := tandem.Registration{PartnerID: in.PartnerID, AccountName: in.AccountName, Website: in.Website, Country: in.Country,
			ProductType: in.ProductType, EstimatedACV: in.EstimatedACV, Currency: in.Currency, ContactEmail: in.ContactEmail,
			Status: tandem.RegistrationSubmitted}
		if actor.IsPartner() {
			r.PartnerID = actor.PartnerID
		}
		if err := r.Validate(); err != nil {
			column, reason := "", tandem.ErrorMessage(err)
			var te *tandem.Error
			if errors.As(err, &te) && te.Field != "" {
				column, reason = te.Field, te.Message
			}
			bad(column, reason)
		}
	}
	return bulkRow{line: line, in: in}, errs
}
