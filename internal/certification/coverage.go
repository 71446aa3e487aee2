// Package certification owns enablement certifications: curricula per role, people's certifications
// with their dates, each partner's coverage of the verticals and products it sells (with the gaps
// listed), and the comparison of certified against uncertified partners' win rate and deal velocity,
// with confidence intervals that say when a difference is not significant. It does no I/O beyond reading
// an LMS export from an io.Reader.
package certification

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Role is who a curriculum certifies.
type Role string

const (
	PartnerSales     Role = "partner_sales"
	PartnerTechnical Role = "partner_technical"
	AE               Role = "ae"
	SE               Role = "se"
)

// Roles lists every role.
var Roles = []Role{PartnerSales, PartnerTechnical, AE, SE}

// Curriculum is a course of study for one role that certifies for some verticals and products.
type Curriculum struct {
	ID        string
	Role      Role
	Verticals []string
	Products  []string
}

// Certification is one person's certificate. A zero Expires never expires.
type Certification struct {
	Person     string
	Partner    string // "" for the vendor's own people
	Curriculum string
	Earned     time.Time
	Expires    time.Time
}

// ValidAt reports whether the certificate holds at t: earned by then and not yet expired.
func (c Certification) ValidAt(t time.Time) bool {
	return !c.Earned.After(t) && (c.Expires.IsZero() || t.Before(c.Expires))
}

// Scope is what a partner sells.
type Scope struct {
	Partner   string
	Verticals []string
	Products  []string
}

// Requirement is what coverage means: for every vertical and product a partner sells, at least
// MinPeople people certified in each of Roles.
type Requirement struct {
	Roles     []Role
	MinPeople int
}

// DefaultRequirement asks for one certified partner seller and one certified partner technician for
// every vertical and product a partner sells.
var DefaultRequirement = Requirement{Roles: []Role{PartnerSales, PartnerTechnical}, MinPeople: 1}

// Cell is one line of a partner's coverage matrix: the people certified in Role for a vertical or product.
type Cell struct {
	Kind   string // "vertical" or "product"
	Name   string
	Role   Role
	People []string
}

// Gap is a cell with fewer certified people than the requirement.
type Gap struct {
	Partner string
	Kind    string
	Name    string
	Role    Role
	Have    int
	Need    int
}

func (g Gap) String() string {
	return fmt.Sprintf("%s: %s %s needs %d certified %s, has %d", g.Partner, g.Kind, g.Name, g.Need, g.Role, g.Have)
}

// Coverage is one partner's matrix and gaps.
type Coverage struct {
	Partner string
	Cells   []Cell
	Gaps    []Gap
}

// CoverageAt returns every partner's coverage at time at, partners in the order given, cells by kind,
// name and role, people sorted. Certificates that have expired or are not yet earned do not count. It
// fails with EINVALID on a certificate for an unknown curriculum or a curriculum with an unknown role.
func CoverageAt(at time.Time, curricula []Curriculum, certs []Certification, scopes []Scope, req Requirement) ([]Coverage, error) {
	if req.MinPeople < 1 || len(req.Roles) == 0 {
		return nil, tandem.FieldError("requirement", "needs at least one role and at least one person")
	}
	byID := map[string]Curriculum{}
	for _, c := range curricula {
		if !slices.Contains(Roles, c.Role) {
			return nil, tandem.FieldError("role", "curriculum %s: %q is not a role (%s)", c.ID, c.Role, roleList())
		}
		byID[c.ID] = c
	}
	// certified[partner][kind/name/role] = people
	certified := map[string]map[string][]string{}
	for _, c := range certs {
		cur, ok := byID[c.Curriculum]
		if !ok {
			return nil, tandem.FieldError("curriculum", "%s's certification names unknown curriculum %q", c.Person, c.Curriculum)
		}
		if !c.ValidAt(at) {
			continue
		}
		m := certified[c.Partner]
		if m == nil {
			m = map[string][]string{}
			certified[c.Partner] = m
		}
		for _, v := range cur.Verticals {
			k := key("vertical", v, cur.Role)
			m[k] = appendOnce(m[k], c.Person)
		}
		for _, p := range cur.Products {
			k := key("product", p, cur.Role)
			m[k] = appendOnce(m[k], c.Person)
		}
	}
	out := make([]Coverage, 0, len(scopes))
	for _, s := range scopes {
		cov := Coverage{Partner: s.Partner}
		for _, kind := range []struct {
			name  string
			items []string
		}{{"vertical", s.Verticals}, {"product", s.Products}} {
			items := slices.Clone(kind.items)
			slices.Sort(items)
			items = slices.Compact(items)
			for _, item := range items {
				for _, role := range req.Roles {
					people := slices.Clone(certified[s.Partner][key(kind.name, item, role)])
					slices.Sort(people)
					cov.Cells = append(cov.Cells, Cell{Kind: kind.name, Name: item, Role: role, People: people})
					if len(people) < req.MinPeople {
						cov.Gaps = append(cov.Gaps, Gap{Partner: s.Partner, Kind: kind.name, Name: item, Role: role, Have: len(people), Need: req.MinPeople})
					}
				}
			}
		}
		out = append(out, cov)
	}
	return out, nil
}

// CertifiedAt reports whether the partner has at least one person with a certificate valid at t; the
// comparison of certified against uncertified partners classifies each deal this way at its start.
func CertifiedAt(certs []Certification, partner string, t time.Time) bool {
	return slices.ContainsFunc(certs, func(c Certification) bool { return c.Partner == partner && c.ValidAt(t) })
}

func key(kind, name string, role Role) string { return kind + "\x00" + name + "\x00" + string(role) }

func appendOnce(xs []string, x string) []string {
	if slices.Contains(xs, x) {
		return xs
	}
	return append(xs, x)
}

func roleList() string {
	s := make([]string, len(Roles))
	for i, r := range Roles {
		s[i] = string(r)
	}
	return strings.Join(s, ", ")
}

// sortGaps orders gaps by partner, kind, name and role (used by callers that merge partners' gaps).
func sortGaps(gaps []Gap) {
	slices.SortFunc(gaps, func(a, b Gap) int {
		return cmp.Or(strings.Compare(a.Partner, b.Partner), strings.Compare(a.Kind, b.Kind), strings.Compare(a.Name, b.Name), strings.Compare(string(a.Role), string(b.Role)))
	})
}

// AllGaps returns every partner's gaps in one list, ordered by partner, kind, name and role.
func AllGaps(cov []Coverage) []Gap {
	var out []Gap
	for _, c := range cov {
		out = append(out, c.Gaps...)
	}
	sortGaps(out)
	return out
}
