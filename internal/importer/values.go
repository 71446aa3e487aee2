package importer

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/country"
	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// normKey reduces a label to lower-case letters and digits (crmvalue.Key).
func normKey(s string) string { return crmvalue.Key(s) }

func appendNormKey(buf []byte, s string) []byte { return crmvalue.AppendKey(buf, s) }

// vocabulary holds the synonym tables for the enumerated values of a row, keyed by normKey. It is built
// once per Importer.
type vocabulary struct {
	stages       map[string]tandem.Stage
	forecasts    map[string]tandem.ForecastCategory
	productTypes map[string]tandem.ProductType
	tiers        map[string]tandem.Tier
	partnerTypes map[string]tandem.PartnerType
	standings    map[string]tandem.Standing
	roles        map[string]tandem.Role
	regStatuses  map[string]tandem.RegistrationStatus
	touchKinds   map[string]tandem.TouchKind
	attributions map[string]tandem.Attribution
	buf          []byte
}

func newVocabulary() *vocabulary {
	v := &vocabulary{}
	v.stages = crmvalue.Stages() // one table with tandem route
	v.forecasts = synonyms(map[tandem.ForecastCategory][]string{
		tandem.ForecastPipeline: {"pipeline", "open"},
		tandem.ForecastBestCase: {"best case", "bestcase", "upside", "most likely"},
		tandem.ForecastCommit:   {"commit", "committed"},
		tandem.ForecastClosed:   {"closed", "closed won", "won"},
		tandem.ForecastOmitted:  {"omitted", "omit", "not forecasted", "closed lost", "lost"},
	})
	v.productTypes = crmvalue.ProductTypes() // one table with tandem route
	v.tiers = crmvalue.Tiers()
	v.partnerTypes = synonyms(map[tandem.PartnerType][]string{
		tandem.PartnerReseller: {"reseller", "var", "value added reseller", "distributor"},
		tandem.PartnerReferral: {"referral", "referral partner", "influencer"},
		tandem.PartnerCoSell:   {"co_sell", "cosell", "co-sell", "alliance", "si", "system integrator", "integrator"},
	})
	v.standings = synonyms(map[tandem.Standing][]string{
		tandem.StandingGood: {"good", "active", "ok"}, tandem.StandingProbation: {"probation", "watch"},
		tandem.StandingSuspended: {"suspended", "inactive", "terminated"},
	})
	v.roles = synonyms(map[tandem.Role][]string{
		tandem.RoleAdmin: {"admin", "administrator", "system administrator"},
		tandem.RoleRevOps: {"revops", "revenue operations", "sales operations", "sales ops", "channel ops",
			"channel operations"},
		tandem.RoleAE:             {"ae", "account executive", "sales rep", "sales representative", "sales agent"},
		tandem.RolePartnerManager: {"partner_manager", "partner manager", "channel manager", "channel account manager", "pam", "cam"},
		tandem.RoleVPSales:        {"vp_sales", "vp sales", "vp of sales", "head of sales"},
		tandem.RoleVPChannel:      {"vp_channel", "vp channel", "vp of channel", "vp partnerships", "head of channel"},
		tandem.RoleCRO:            {"cro", "chief revenue officer"},
		tandem.RoleCEO:            {"ceo", "chief executive officer"},
		tandem.RolePartnerUser:    {"partner_user", "partner user", "partner"},
	})
	v.regStatuses = crmvalue.RegistrationStatuses()
	v.touchKinds = synonyms(map[tandem.TouchKind][]string{
		tandem.TouchSourced: {"sourced", "source", "partner sourced"}, tandem.TouchCoSell: {"co_sell", "co-sell", "cosell"},
		tandem.TouchInfluence: {"influence", "influenced", "partner influenced"},
	})
	v.attributions = synonyms(map[tandem.Attribution][]string{
		tandem.AttributionDirect: {"direct"}, tandem.AttributionPartnerSourced: {"partner_sourced", "sourced"},
		tandem.AttributionPartnerLed: {"partner_led", "led"}, tandem.AttributionPartnerInfluenced: {"partner_influenced", "influenced"},
	})
	return v
}

func synonyms[T ~string](table map[T][]string) map[string]T {
	out := make(map[string]T)
	for value, names := range table {
		out[normKey(string(value))] = value
		for _, n := range names {
			out[normKey(n)] = value
		}
	}
	return out
}

// lookup finds s in table by normKey without allocating.
func lookup[T any](v *vocabulary, table map[string]T, s string) (T, bool) {
	v.buf = appendNormKey(v.buf[:0], s)
	t, ok := table[string(v.buf)]
	return t, ok
}

// country returns the ISO code for a country name, alpha-3 code or alpha-2 code.
func (v *vocabulary) country(s string) (string, bool) { return country.Code(s) }

// defaultForecast is the forecast category of a stage when the file gives none.
func defaultForecast(s tandem.Stage) tandem.ForecastCategory {
	switch s {
	case tandem.StageClosedWon:
		return tandem.ForecastClosed
	case tandem.StageClosedLost:
		return tandem.ForecastOmitted
	case tandem.StageNegotiation:
		return tandem.ForecastCommit
	case tandem.StageProposal:
		return tandem.ForecastBestCase
	}
	return tandem.ForecastPipeline
}

// parseMoney parses an amount ("1200", "$1,200,000.00", "€1.200,00", "(12.00)", "1200 CHF") and returns
// the currency written, if any.
func parseMoney(s string) (tandem.Money, string, error) {
	m, cur, err := tandem.ParseMoney(s)
	if err != nil {
		return 0, "", errors.New("not a number")
	}
	return m, cur, nil
}

// parseTime parses a date or timestamp in UTC.
func parseTime(s string, layouts []string) (time.Time, error) {
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	// The built-in layouts, tried after the mapping's own.
	for _, layout := range [...]string{
		"2006-01-02", "1/2/2006", time.RFC3339, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04",
		"1/2/2006 15:04", "1/2/2006 3:04 PM", "2006/01/02",
	} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, errors.New("not a date (expected 2006-01-02, 1/2/2006 or 2006-01-02T15:04:05Z)")
}

// parsePercent parses a percentage ("12.5%", "12.5") into basis points (1250).
func parsePercent(s string) (int, error) {
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "%"))
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return 0, errors.New("not a percentage")
	}
	bp := tandem.RoundHalfEven(r.Mul(r, big.NewRat(100, 1)))
	if !bp.IsInt64() || bp.Int64() < 0 || bp.Int64() > 10000 {
		return 0, errors.New("a percentage must be between 0 and 100")
	}
	return int(bp.Int64()), nil
}

// parseBool accepts true/false, yes/no, y/n, 1/0.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "yes", "y", "1", "t", "x":
		return true, nil
	case "false", "no", "n", "0", "f", "":
		return false, nil
	}
	return false, errors.New("not a yes/no value")
}

// parseInt parses a small non-negative whole number.
func parseInt(s string) (int, error) {
	n := 0
	if s == "" {
		return 0, errors.New("not a whole number")
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' || n > 1e8 {
			return 0, errors.New("not a whole number")
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, nil
}

// splitList splits "DE; AT | CH" or "DE,AT" into trimmed, non-empty items.
func splitList(s string) []string {
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == ',' })
	out := parts[:0]
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// oneOf describes the accepted values of an enumeration for an error message.
func oneOf[T ~string](values []T) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = string(v)
	}
	return fmt.Sprintf("expected one of %s", strings.Join(parts, ", "))
}
