package server

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// The one list mechanism every list page shares: it reads the page, page size, sort and filters from
// the query string, builds links that keep them, renders the pager (totals, page numbers, page size and
// the CSV of what is shown; the "pager" block of partials.html) and writes that CSV.

// listSizes are the page sizes a list offers; the first is the default.
var listSizes = []int{50, 25, 100, 200}

// listCSVMax bounds a list's CSV download: past it the CSV says it was cut short, and a bigger export
// belongs to the API's streaming exports.
const listCSVMax = 50_000

// listParams is a list page's request.
type listParams struct {
	Path    string     // the page's path, e.g. "/registrations"
	Query   url.Values // every parameter as sent: filters, sort, page, size
	Page    int        // from 1
	Size    int        // rows per page, one of listSizes
	Sort    string     // the sort key as sent ("" for the page's default)
	CSV     bool       // ?format=csv: the whole filtered list as CSV rather than a page
	Filters url.Values // the non-empty parameters but page, size and format: what a CSV and the pager keep
}

// parseList reads a list page's parameters from r. A malformed or missing page is 1; a size not offered
// is the default. An older ?offset= link still lands on the page holding that row.
func parseList(r *http.Request) listParams {
	q := r.URL.Query()
	p := listParams{Path: r.URL.Path, Query: q, Page: 1, Size: listSizes[0], Sort: q.Get("sort"), CSV: q.Get("format") == "csv",
		Filters: url.Values{}}
	if n, err := strconv.Atoi(q.Get("size")); err == nil && slices.Contains(listSizes, n) {
		p.Size = n
	}
	if n, err := strconv.Atoi(q.Get("page")); err == nil && n >= 1 {
		p.Page = n
	} else if off := queryInt(q, "offset"); off > 0 {
		p.Page = off/p.Size + 1
	}
	for k, vals := range q {
		if k == "page" || k == "size" || k == "format" || k == "offset" || len(vals) == 0 || vals[0] == "" {
			continue
		}
		p.Filters.Set(k, vals[0])
	}
	return p
}

// Offset is the first row of the page.
func (p listParams) Offset() int { return (p.Page - 1) * p.Size }

// link is the page's address with the filters kept, changed by change.
func (p listParams) link(change func(url.Values)) string {
	v := url.Values{}
	for k := range p.Filters {
		v.Set(k, p.Filters.Get(k))
	}
	if p.Size != listSizes[0] {
		v.Set("size", strconv.Itoa(p.Size))
	}
	if change != nil {
		change(v)
	}
	if len(v) == 0 {
		return p.Path
	}
	return p.Path + "?" + v.Encode()
}

// pageLink is one entry of the pager: a page number, or a gap ("…") when Link and Number are empty.
type pageLink struct {
	Number int
	Link   string
	On     bool
}

// sizeLink offers a page size.
type sizeLink struct {
	Size int
	Link string
	On   bool
}

// pager is what the "pager" template block shows under a list.
type pager struct {
	Total, From, To             int
	TotalText, FromText, ToText string
	Prev, Next                  string
	Pages                       []pageLink
	Sizes                       []sizeLink
	CSV                         string // the whole filtered list as CSV
}

// Pager lays out the pager for total rows, of which shown are on this page.
func (p listParams) Pager(total, shown int) pager {
	pg := pager{Total: total, TotalText: count(total)}
	if shown > 0 {
		pg.From, pg.To = p.Offset()+1, p.Offset()+shown
		pg.FromText, pg.ToText = count(pg.From), count(pg.To)
	}
	last := max(1, (total+p.Size-1)/p.Size)
	at := func(n int) string {
		return p.link(func(v url.Values) {
			if n > 1 {
				v.Set("page", strconv.Itoa(n))
			}
		})
	}
	if p.Page > 1 {
		pg.Prev = at(min(p.Page-1, last))
	}
	if p.Page < last {
		pg.Next = at(p.Page + 1)
	}
	// The first, the last, and two either side of the current page; gaps between.
	if last > 1 {
		prev := 0
		for n := 1; n <= last; n++ {
			if n != 1 && n != last && (n < p.Page-2 || n > p.Page+2) {
				continue
			}
			if prev != 0 && n > prev+1 {
				pg.Pages = append(pg.Pages, pageLink{})
			}
			pg.Pages = append(pg.Pages, pageLink{Number: n, Link: at(n), On: n == p.Page})
			prev = n
		}
	}
	for _, sz := range listSizes {
		sp := p
		sp.Size = sz
		pg.Sizes = append(pg.Sizes, sizeLink{Size: sz, Link: sp.link(nil), On: sz == p.Size})
	}
	slices.SortFunc(pg.Sizes, func(a, b sizeLink) int { return a.Size - b.Size })
	pg.CSV = p.link(func(v url.Values) { v.Set("format", "csv"); v.Del("size") })
	return pg
}

// listRows reads a list's rows through fetch: the page asked for, or for a CSV every row (up to
// listCSVMax) in store-sized chunks. total is how many rows match.
func listRows[T any](p listParams, fetch func(limit, offset int) ([]T, int, error)) ([]T, int, error) {
	if !p.CSV {
		return fetch(p.Size, p.Offset())
	}
	var all []T
	for {
		rows, total, err := fetch(sqlstore.MaxLimit, len(all))
		if err != nil {
			return nil, 0, err
		}
		all = append(all, rows...)
		if len(rows) == 0 || len(all) >= total || len(all) >= listCSVMax {
			return all, total, nil
		}
	}
}

// partnerListRows reads a list's rows through fetch (listRows) and the names, by id, of the partners
// its rows name (those the request's actor may see).
func partnerListRows[T any](s *Server, r *http.Request, p listParams, fetch func(limit, offset int) ([]T, int, error)) ([]T, int, map[int64]string, error) {
	items, total, err := listRows(p, fetch)
	if err != nil {
		return nil, 0, nil, err
	}
	names, err := s.partnerNames(r, actorFrom(r.Context()))
	if err != nil {
		return nil, 0, nil, err
	}
	return items, total, names, nil
}

// dayRange reads a list's date filter: the days named from and to (YYYY-MM-DD), both inclusive, as
// the instants [from, before) a store filter takes; zero where a day is not given. A malformed day is
// EINVALID naming its parameter.
func dayRange(q url.Values, from, to string) (start, before time.Time, err error) {
	for _, d := range []struct {
		name string
		into *time.Time
	}{{from, &start}, {to, &before}} {
		if v := strings.TrimSpace(q.Get(d.name)); v != "" {
			if *d.into, err = time.Parse(time.DateOnly, v); err != nil {
				return time.Time{}, time.Time{}, tandem.FieldError(d.name, "%q is not a date like 2026-01-31", v)
			}
		}
	}
	if !before.IsZero() {
		before = before.AddDate(0, 0, 1) // through the end of the "to" day
	}
	return start, before, nil
}

// dayInto is a day parameter of a list's query string and the filter field dayParams reads it into.
type dayInto struct {
	name string
	into *time.Time
}

// dayParams reads each day parameter (YYYY-MM-DD, dayParam) into its field, in order; the first
// malformed one is the error.
func dayParams(q url.Values, days ...dayInto) error {
	for _, d := range days {
		var err error
		if *d.into, err = dayParam(q, d.name); err != nil {
			return err
		}
	}
	return nil
}

// dateText is a date as the lists show it, "" for none.
func dateText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02")
}

// dateTimeText is an instant as the lists' CSVs write it (RFC 3339, UTC), "" for none.
func dateTimeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// sortPartnerOptions orders a partner drop-down by name.
func sortPartnerOptions(ps []partnerOption) {
	slices.SortFunc(ps, func(a, b partnerOption) int { return strings.Compare(a.Name, b.Name) })
}

// writeRowsCSV writes header and items as a list's formula-safe CSV download named name-DATE.csv, each
// item's cells from row; when total is more than the items, a last line says the list was cut short
// (at listCSVMax).
func writeRowsCSV[T any](w http.ResponseWriter, name string, now time.Time, header []string, items []T, total int, row func(T) []string) error {
	attachment(w, "text/csv; charset=utf-8", fmt.Sprintf("%s-%s.csv", name, now.UTC().Format("2006-01-02")))
	w.Header().Set("Cache-Control", "no-store")
	cw := csvio.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, it := range items {
		if err := cw.Write(row(it)); err != nil {
			return err
		}
	}
	if total > len(items) {
		if err := cw.Write([]string{fmt.Sprintf("cut short: %d of %d rows; use the API export for the rest", len(items), total)}); err != nil {
			return err
		}
	}
	return cw.Flush()
}
