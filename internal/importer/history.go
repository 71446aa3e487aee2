package importer

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/csvio"
)

// A CRM's opportunity history comes in three shapes, read here into changes of the fields the store
// records (tandem.HistoryField), with the opportunity still named by its CRM id:
//   - Salesforce OpportunityHistory: one row per snapshot of a deal (OpportunityId, CreatedDate, StageName,
//     Amount, CloseDate, ForecastCategory, Probability); a change is a field that differs from the
//     deal's previous snapshot, so the first snapshot records each field as set from "".
//   - Salesforce OpportunityFieldHistory: one row per change (OpportunityId, CreatedDate, Field, OldValue,
//     NewValue).
//   - HubSpot deal property history, as the CRM v3 API's propertiesWithHistory lists it, one row per
//     value: deal id, property name, value, timestamp (Deal ID, Property, Value, Timestamp); the old
//     value is the property's previous value for the deal.
// Probability is read but not recorded: the store derives nothing from it. Stages and forecast
// categories are read through the same CRM spellings table as tandem import.

// HistoryFormats are the shapes ReadHistory knows.
var HistoryFormats = []string{"salesforce-opportunity-history", "salesforce-field-history", "hubspot-property-history"}

// HistoryChange is one change of a CRM's history export, at a line of the file.
type HistoryChange struct {
	Line          int
	OpportunityID string // the CRM id, as tandem import stores it in external_id
	IDColumn      string // the column the CRM id was read from, for errors about it
	Field         tandem.HistoryField
	Old, New      string
	ChangedAt     time.Time
}

var historyColumns = map[string]map[string][]string{
	"salesforce-opportunity-history": {
		"opportunity": {"OpportunityId", "Opportunity ID"}, "changed_at": {"CreatedDate", "Created Date"},
		"stage": {"StageName", "Stage"}, "acv": {"Amount"}, "close_date": {"CloseDate", "Close Date"},
		"forecast_category": {"ForecastCategory", "ForecastCategoryName", "Forecast Category"},
	},
	"salesforce-field-history": {
		"opportunity": {"OpportunityId", "Opportunity ID"}, "changed_at": {"CreatedDate", "Created Date"},
		"field": {"Field"}, "old": {"OldValue", "Old Value"}, "new": {"NewValue", "New Value"},
	},
	"hubspot-property-history": {
		"opportunity": {"Deal ID", "Record ID", "dealId"}, "field": {"Property", "Property name", "property"},
		"new": {"Value", "value"}, "changed_at": {"Timestamp", "timestamp"},
	},
}

// crmFields maps the field names of Salesforce's field history and HubSpot's deal properties to the
// recorded fields; other fields are skipped. Owner changes are skipped too: the store records owners
// by Tandem user id, and a CRM's owner ids would first need resolving to users.
var crmFields = map[string]tandem.HistoryField{
	"stagename": tandem.HistoryStage, "amount": tandem.HistoryACV, "closedate": tandem.HistoryCloseDate,
	"forecastcategoryname": tandem.HistoryForecastCategory, "forecastcategory": tandem.HistoryForecastCategory,
	"dealstage": tandem.HistoryStage, "hs_forecast_category": tandem.HistoryForecastCategory,
}

// ReadHistory reads a history export of the given shape ("" detects it from the header). Values are
// kept as the store records them: amounts in minor units, close dates in unix microseconds, the rest as
// written. Any bad row fails the whole file with an error naming file, line, column and reason.
func ReadHistory(src io.Reader, name, format string) ([]HistoryChange, error) {
	rd, err := csvio.NewReader(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if format == "" {
		format = detectHistoryFormat(rd.Header())
	}
	cols, ok := historyColumns[format]
	if !ok {
		return nil, fmt.Errorf("%s: unknown history format %q (expected one of %s)", name, format, strings.Join(HistoryFormats, ", "))
	}
	idx := map[string]int{}
	for field, names := range cols {
		idx[field] = -1
		for _, n := range names {
			if i := rd.Index(n); i >= 0 {
				idx[field] = i
				break
			}
		}
		if idx[field] < 0 && field != "old" {
			return nil, fmt.Errorf("%s: line 1: column %q: is required for %s", name, names[0], format)
		}
	}
	vocab := newVocabulary()
	idCol := rd.Header()[idx["opportunity"]]
	var changes []HistoryChange
	last := map[string]map[tandem.HistoryField]string{} // per deal, the last value of each field
	for {
		rec, err := rd.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		get := func(field string) string {
			if i := idx[field]; i >= 0 {
				return strings.TrimSpace(rec.Fields[i])
			}
			return ""
		}
		bad := func(field, reason string) error {
			return fmt.Errorf("%s: line %d: column %q: %s", name, rec.Line, rd.Header()[idx[field]], reason)
		}
		opp := get("opportunity")
		if opp == "" {
			return nil, bad("opportunity", "is required")
		}
		at, err := parseHistoryTime(get("changed_at"))
		if err != nil {
			return nil, bad("changed_at", err.Error())
		}
		prev := last[opp]
		if prev == nil {
			prev = map[tandem.HistoryField]string{}
			last[opp] = prev
		}
		// add records a change of f to raw; old is the CRM's old value when the export has one.
		add := func(f tandem.HistoryField, old, raw string, oldIsRaw bool) error {
			v, err := historyValue(vocab, f, raw)
			if err != nil {
				return bad("new", err.Error())
			}
			o := old
			if oldIsRaw {
				if o, err = historyValue(vocab, f, old); err != nil {
					return bad("old", err.Error())
				}
			}
			prev[f] = v
			changes = append(changes, HistoryChange{Line: rec.Line, OpportunityID: opp, IDColumn: idCol, Field: f, Old: o, New: v, ChangedAt: at})
			return nil
		}
		switch format {
		case "salesforce-opportunity-history":
			for _, col := range []string{"stage", "acv", "close_date", "forecast_category"} {
				f := tandem.HistoryField(col)
				v, err := historyValue(vocab, f, get(col))
				if err != nil {
					return nil, bad(col, err.Error())
				}
				if old, seen := prev[f]; seen && old == v {
					continue
				}
				changes = append(changes, HistoryChange{Line: rec.Line, OpportunityID: opp, IDColumn: idCol, Field: f, Old: prev[f], New: v, ChangedAt: at})
				prev[f] = v
			}
		case "salesforce-field-history":
			f, ok := crmFields[strings.ToLower(get("field"))]
			if !ok {
				continue
			}
			if err := add(f, get("old"), get("new"), true); err != nil {
				return nil, err
			}
		case "hubspot-property-history":
			f, ok := crmFields[strings.ToLower(get("field"))]
			if !ok {
				continue
			}
			if err := add(f, prev[f], get("new"), false); err != nil {
				return nil, err
			}
		}
	}
	return changes, nil
}

func detectHistoryFormat(header []string) string {
	has := func(n string) bool {
		return slices.ContainsFunc(header, func(h string) bool { return strings.EqualFold(h, n) })
	}
	switch {
	case has("Field") && has("NewValue"):
		return "salesforce-field-history"
	case has("Property") || has("Property name"):
		return "hubspot-property-history"
	case has("StageName"):
		return "salesforce-opportunity-history"
	}
	return ""
}

// parseHistoryTime reads Salesforce's "2024-03-01T10:00:00.000+0000", ISO timestamps, dates and HubSpot's
// epoch milliseconds.
func parseHistoryTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, errors.New("is required")
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil && len(s) >= 12 {
		return time.UnixMilli(ms).UTC(), nil
	}
	return parseTime(s, []string{"2006-01-02T15:04:05.000-0700", "2006-01-02T15:04:05-0700"})
}

// historyValue turns a CRM's value of a recorded field into the store's text.
func historyValue(v *vocabulary, f tandem.HistoryField, s string) (string, error) {
	if s == "" {
		return "", nil
	}
	switch f {
	case tandem.HistoryACV:
		m, _, err := parseMoney(s)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(int64(m), 10), nil
	case tandem.HistoryStage:
		st, ok := lookup(v, v.stages, s)
		if !ok {
			return "", fmt.Errorf("%q is not a known stage", s)
		}
		return string(st), nil
	case tandem.HistoryForecastCategory:
		fc, ok := lookup(v, v.forecasts, s)
		if !ok {
			return "", fmt.Errorf("%q is not a known forecast category", s)
		}
		return string(fc), nil
	case tandem.HistoryCloseDate:
		t, err := parseHistoryTime(s)
		if err != nil {
			return "", err
		}
		return strconv.FormatInt(t.UnixMicro(), 10), nil
	}
	return s, nil
}
