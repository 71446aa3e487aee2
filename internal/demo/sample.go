package demo

import (
	"bytes"
	"encoding/csv"
	"strconv"
	"strings"

	tandem "github.com/tandem-revops/tandem"
)

// SampleConfig is the small company behind the CSV sample shipped in examples/sample: enough rows to
// try `tandem import` on every kind it needs, small enough to read.
func SampleConfig() Config {
	return Config{Seed: 42, Today: Today, Accounts: 60, Partners: 8, Opportunities: 200, Quarters: 4}
}

// SampleFile is one CSV file of the sample, in the order they must be imported.
type SampleFile struct {
	Name string // users.csv, partners.csv, accounts.csv, opportunities.csv
	Kind string // the --kind to import it with
	Data []byte
}

// SampleCSV writes a generated company as CSV in Tandem's own column layout
// (internal/importer/mappings/README.md): the vendor's users (without managers, which must be in the
// store before a user naming them), partners, accounts and opportunities. Partner users, registrations
// and touches are left out: the sample shows the import, the demo shows the programme.
func SampleCSV(ds *Dataset) []SampleFile {
	user := func(id int64) string {
		if id == 0 {
			return ""
		}
		return ds.Users[id-1].Email
	}
	var users [][]string
	for _, u := range ds.Users {
		if u.Role != tandem.RolePartnerUser {
			users = append(users, []string{u.ExternalID, u.Email, u.Name, string(u.Role)})
		}
	}
	var partners [][]string
	for _, p := range ds.Partners {
		partners = append(partners, []string{p.ExternalID, p.Name, string(p.Tier), string(p.Type),
			strings.Join(p.Countries, ";"), strings.Join(p.Verticals, ";"), user(p.ManagerID), string(p.Standing)})
	}
	var accounts [][]string
	for _, a := range ds.Accounts {
		parent := ""
		if a.ParentID != 0 {
			parent = ds.Accounts[a.ParentID-1].ExternalID
		}
		accounts = append(accounts, []string{a.ExternalID, a.Name, a.Domain, a.Country, a.Vertical, parent, user(a.OwnerID)})
	}
	var opps [][]string
	for _, o := range ds.Opportunities {
		partner := ""
		if o.PartnerID != 0 {
			partner = ds.Partners[o.PartnerID-1].ExternalID
		}
		opps = append(opps, []string{o.ExternalID, o.Name, ds.Accounts[o.AccountID-1].ExternalID, string(o.Stage),
			user(o.OwnerID), partner, o.Product, string(o.ProductType), o.ACV.String(), o.Currency, string(o.ForecastCategory),
			strconv.FormatFloat(float64(o.DiscountBasisPoints)/100, 'f', -1, 64) + "%",
			o.CreatedOn.Format("2006-01-02"), o.CloseDate.Format("2006-01-02")})
	}
	return []SampleFile{
		{"users.csv", "users", table([]string{"external_id", "email", "name", "role"}, users)},
		{"partners.csv", "partners", table([]string{"external_id", "name", "tier", "type", "countries", "verticals", "manager_email", "standing"}, partners)},
		{"accounts.csv", "accounts", table([]string{"external_id", "name", "domain", "country", "vertical", "parent", "owner_email"}, accounts)},
		{"opportunities.csv", "opportunities", table([]string{"external_id", "name", "account", "stage", "owner_email", "partner",
			"product", "product_type", "acv", "currency", "forecast_category", "discount", "created_on", "close_date"}, opps)},
	}
}

func table(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Write(header) // a bytes.Buffer does not fail; w.Error reports anything else
	w.WriteAll(rows)
	if err := w.Error(); err != nil {
		panic("demo: sample CSV: " + err.Error()) // only a programming error (an invalid delimiter) gets here
	}
	return b.Bytes()
}
