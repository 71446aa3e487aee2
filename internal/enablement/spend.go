package enablement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/compensation"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// SpendColumns are the spend file's required columns; segment, region, product, partner (external id)
// and note are optional, other columns are ignored.
var SpendColumns = []string{"month", "motion", "kind", "amount", "currency"}

// maxSpendErrors is how many row errors one refused file reports.
const maxSpendErrors = 50

// ImportSpend reads a spend CSV and stores every line, or none: any bad row refuses the file with an
// EINVALID error listing "FILE: line N: column "C": reason" for each problem. Lines are keyed by
// file name and line number, so importing the same file twice stores it once.
func (s *Service) ImportSpend(ctx context.Context, actor tandem.Actor, file string, src io.Reader) (int, error) {
	if file == "" {
		file = "spend.csv"
	}
	r, col, refusal := csvio.OpenWhole(file, src, SpendColumns)
	if r == nil {
		return 0, refusal.Err()
	}
	for _, name := range []string{"segment", "region", "product", "partner", "note"} {
		col[name] = r.Index(name)
	}
	partners, err := s.partnerIDs(ctx, actor)
	if err != nil {
		return 0, err
	}
	var lines []sqlstore.SpendLine
	refusal.Max = maxSpendErrors
	for {
		rec, more, err := refusal.Next(r)
		if err != nil {
			return 0, fmt.Errorf("%s: %w", file, err)
		}
		if !more {
			break
		}
		get := func(name string) string {
			if i := col[name]; i >= 0 && i < len(rec.Fields) {
				return strings.TrimSpace(rec.Fields[i])
			}
			return ""
		}
		bad := func(column, format string, args ...any) {
			refusal.Add(fmt.Sprintf("line %d: column %q: %s", rec.Line, column, fmt.Sprintf(format, args...)))
		}
		l := sqlstore.SpendLine{Month: get("month"), Motion: get("motion"), Kind: get("kind"), Currency: get("currency"),
			Segment: get("segment"), Region: get("region"), Product: get("product"), Note: get("note"),
			Source: "csv:" + file, SourceRef: fmt.Sprintf("line %d", rec.Line)}
		amount, cur, err := tandem.ParseMoney(get("amount"))
		switch {
		case err != nil:
			bad("amount", "%q is not an amount: %v", get("amount"), err)
			continue
		case amount < 0:
			bad("amount", "%s is negative", get("amount"))
			continue
		case cur != "" && l.Currency != "" && !strings.EqualFold(cur, l.Currency):
			bad("amount", "written in %s but the currency column says %s", cur, l.Currency)
			continue
		}
		l.Amount = amount
		if p := get("partner"); p != "" {
			id, ok := partners[strings.ToLower(p)]
			if !ok {
				bad("partner", "%q is no partner's external id or name", p)
				continue
			}
			l.PartnerID = id
		}
		if err := sqlstore.CheckSpendLine(&l); err != nil {
			var te *tandem.Error
			if errors.As(err, &te) {
				bad(te.Field, "%s", te.Message)
			} else {
				bad("", "%v", err)
			}
			continue
		}
		lines = append(lines, l)
	}
	if err := refusal.Err(); err != nil {
		return 0, err
	}
	return s.Store.AddSpendLines(ctx, actor, lines)
}

// partnerIDs maps lower-cased partner external ids and names to ids.
func (s *Service) partnerIDs(ctx context.Context, actor tandem.Actor) (map[string]int64, error) {
	ps, _, err := s.Store.ListPartners(ctx, actor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit})
	if err != nil {
		return nil, fmt.Errorf("read partners: %w", err)
	}
	out := map[string]int64{}
	for _, p := range ps {
		out[strings.ToLower(p.ExternalID)] = p.ID
		out[strings.ToLower(p.Name)] = p.ID
	}
	return out, nil
}

// SyncSPIFFs brings the paid SPIFFs of every closed compensation period into the ledger (read from the
// frozen statements, never typed again) and returns how many lines were new.
func (s *Service) SyncSPIFFs(ctx context.Context, actor tandem.Actor) (int, error) {
	periods, err := s.Store.ListCompPeriods(ctx, actor)
	if err != nil {
		return 0, fmt.Errorf("sync SPIFFs: %w", err)
	}
	var lines []sqlstore.SpendLine
	for _, p := range periods {
		if p.Status != "closed" {
			continue
		}
		res, err := compensation.ListCompStatements(ctx, s.Store, actor, p.ID)
		if err != nil {
			return 0, fmt.Errorf("sync SPIFFs of %s: %w", p.ID, err)
		}
		plan, _, err := compensation.CompPlanAt(ctx, s.Store, p.Start)
		if err != nil {
			return 0, fmt.Errorf("sync SPIFFs of %s: %w", p.ID, err)
		}
		lines = append(lines, spiffLines(p.ID, p.End.AddDate(0, 0, -1).Format("2006-01"), plan.Currency(), res)...)
	}
	if len(lines) == 0 {
		return 0, nil
	}
	return s.Store.AddSpendLines(ctx, actor, lines)
}

// spiffLines are a closed period's paid SPIFFs as ledger lines (see the package doc).
func spiffLines(period, month, currency string, res *comp.Result) []sqlstore.SpendLine {
	var out []sqlstore.SpendLine
	for _, st := range res.AEs {
		for _, l := range st.Lines {
			if l.Kind != comp.LineSPIFF || l.Amount <= 0 {
				continue
			}
			out = append(out, sqlstore.SpendLine{Month: month, Motion: "co_sell", Kind: "spiff", Amount: l.Amount,
				Currency: currency, Source: "comp:" + period,
				SourceRef: fmt.Sprintf("ae:%d:deal:%d", st.PayeeID, l.OpportunityID),
				Note:      fmt.Sprintf("SPIFF to %s for deal %s", st.Name, l.DealExternal)})
		}
	}
	return out
}
