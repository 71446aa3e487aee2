package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// exportHeader is the CSV export's header; exportRow writes the cells in the same order.
var exportHeader = []string{"id", "external_id", "name", "account_id", "account", "owner_id", "owner", "partner_id",
	"partner", "product",
	"product_type", "acv", "currency", "stage", "forecast_category", "country", "vertical", "close_date",
	"motion", "partner_attached", "rule", "policy_version", "explanation"}

func exportRow(o *tandem.Opportunity, names sqlstore.OpportunityNames) []string {
	id := func(v int64) string {
		if v == 0 {
			return ""
		}
		return strconv.FormatInt(v, 10)
	}
	closeDate := ""
	if !o.CloseDate.IsZero() {
		closeDate = o.CloseDate.Format("2006-01-02")
	}
	return []string{id(o.ID), o.ExternalID, o.Name, id(o.AccountID), names.Account, id(o.OwnerID), names.Owner,
		id(o.PartnerID), names.Partner, o.Product,
		string(o.ProductType), o.ACV.String(), o.Currency, string(o.Stage), string(o.ForecastCategory), o.Country,
		o.Vertical, closeDate, string(o.Routing.Motion), strconv.FormatBool(o.Routing.PartnerAttached),
		o.Routing.Rule, o.Routing.PolicyVersion, o.Routing.Explanation}
}

func (s *Server) registerExportAPI() {
	exp := opGet("export-opportunities", "/opportunities.csv", "Export opportunities as CSV",
		"The same filters as the list, every page. Cells that a spreadsheet would run as a formula are made inert.")
	exp.Responses = map[string]*huma.Response{"200": {Description: "CSV", Content: map[string]*huma.MediaType{"text/csv": {}}}}
	register(s.api, exp, func(ctx context.Context, in *opportunityListInput) (*huma.StreamResponse, error) {
		actor := actorFrom(ctx)
		f := in.filter()
		// Check the filter before the first byte goes out, so a bad one is a 422 and not a broken file.
		f.Limit, f.Offset = 1, 0
		if _, _, err := s.store.ListOpportunities(ctx, actor, f); err != nil {
			return nil, s.problem(ctx, err)
		}
		return &huma.StreamResponse{Body: func(hctx huma.Context) {
			hctx.SetHeader("Content-Type", "text/csv; charset=utf-8")
			hctx.SetHeader("Content-Disposition", `attachment; filename="opportunities.csv"`)
			hctx.SetStatus(http.StatusOK)
			if err := s.writeExport(ctx, actor, in.filter(), csvio.NewWriter(hctx.BodyWriter())); err != nil {
				s.log.ErrorContext(ctx, "export opportunities", slog.Any("err", err))
			}
		}}, nil
	})
}

// writeExport writes every opportunity matching f (up to f.Limit when set) with the names of its account,
// owner and partner, row by row as the one query reads them.
func (s *Server) writeExport(ctx context.Context, actor tandem.Actor, f sqlstore.OpportunityFilter, w *csvio.Writer) error {
	if err := w.Write(exportHeader); err != nil {
		return fmt.Errorf("export header: %w", err)
	}
	err := s.store.EachOpportunity(ctx, actor, f, func(o *tandem.Opportunity, names sqlstore.OpportunityNames) error {
		return w.Write(exportRow(o, names))
	})
	if err != nil {
		return err
	}
	return w.Flush()
}
