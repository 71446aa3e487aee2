package comp

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"

	tandem "github.com/tandem-revops/tandem"
)

// ProfitRollup is gross profit summed over the deals of one owner, territory, partner or motion.
type ProfitRollup struct {
	Key           string       `json:"key"` // the owner, territory or partner id ("0": none), or the motion
	Deals         int          `json:"deals"`
	ACV           tandem.Money `json:"acv"`
	Discount      tandem.Money `json:"discount"`
	PartnerMargin tandem.Money `json:"partner_margin"`
	SPIFF         tandem.Money `json:"spiff"`
	MDF           tandem.Money `json:"mdf"`
	COGS          tandem.Money `json:"cogs"`
	GrossProfit   tandem.Money `json:"gross_profit"`
}

// Add counts deal d in r and adds each of its amounts to r's. It returns an EINVALID error naming the
// column when a sum would leave the money range; r is then unchanged.
func (r *ProfitRollup) Add(d DealProfit) error {
	next := *r
	next.Deals++
	for _, col := range []struct {
		name string
		sum  *tandem.Money
		add  tandem.Money
	}{
		{"ACV", &next.ACV, d.ACV}, {"discount", &next.Discount, d.Discount},
		{"partner margin", &next.PartnerMargin, d.PartnerMargin}, {"SPIFF", &next.SPIFF, d.SPIFF},
		{"MDF", &next.MDF, d.MDF}, {"COGS", &next.COGS, d.COGS}, {"gross profit", &next.GrossProfit, d.GrossProfit},
	} {
		s, err := tandem.AddMoney(*col.sum, col.add)
		if err != nil {
			return tandem.MoneyRangeError(col.name)
		}
		*col.sum = s
	}
	*r = next
	return nil
}

// Rollup sums deal profit by "owner", "territory", "partner" or "motion". Rows are ordered by key
// (numerically for ids); every column is the exact sum of the deals' columns. It returns an EINVALID
// error for another grouping, and one naming the row and column when a sum leaves the money range.
func Rollup(profit []DealProfit, by string) ([]ProfitRollup, error) {
	var key func(*DealProfit) (int64, string)
	switch by {
	case "owner":
		key = func(d *DealProfit) (int64, string) { return d.OwnerID, "" }
	case "territory":
		key = func(d *DealProfit) (int64, string) { return d.TerritoryID, "" }
	case "partner":
		key = func(d *DealProfit) (int64, string) { return d.PartnerID, "" }
	case "motion":
		key = func(d *DealProfit) (int64, string) { return 0, string(d.Motion) }
	default:
		return nil, tandem.FieldError("by", "%q is not one of owner, territory, partner, motion", by)
	}
	type k struct {
		id int64
		s  string
	}
	rows := map[k]*ProfitRollup{}
	for i := range profit {
		d := &profit[i]
		id, s := key(d)
		r := rows[k{id, s}]
		if r == nil {
			r = &ProfitRollup{Key: s}
			if s == "" && by != "motion" {
				r.Key = strconv.FormatInt(id, 10)
			}
			rows[k{id, s}] = r
		}
		if err := r.Add(*d); err != nil {
			return nil, fmt.Errorf("gross profit by %s, row %s: %w", by, r.Key, err)
		}
	}
	keys := make([]k, 0, len(rows))
	for kk := range rows {
		keys = append(keys, kk)
	}
	slices.SortFunc(keys, func(a, b k) int {
		if c := cmp.Compare(a.id, b.id); c != 0 {
			return c
		}
		return cmp.Compare(a.s, b.s)
	})
	out := make([]ProfitRollup, len(keys))
	for i, kk := range keys {
		out[i] = *rows[kk]
	}
	return out, nil
}
