package enablement

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/certification"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// ImportLMS reads an LMS export (see certification.ReadLMS) and stores its certificates, all or none.
// The partner column holds a partner's external id or name (empty for the vendor's own people).
func (s *Service) ImportLMS(ctx context.Context, actor tandem.Actor, file string, src io.Reader) (int, error) {
	if file == "" {
		file = "lms.csv"
	}
	curricula, err := s.Store.ListCurricula(ctx)
	if err != nil {
		return 0, err
	}
	certs, err := certification.ReadLMS(file, src, toCurricula(curricula))
	var ie *certification.InputError
	if errors.As(err, &ie) {
		return 0, &tandem.Error{Code: tandem.EINVALID, Field: "file", Message: ie.Error() + " (nothing was written)"}
	}
	if err != nil {
		return 0, err
	}
	partners, err := s.partnerIDs(ctx, actor)
	if err != nil {
		return 0, err
	}
	out := make([]sqlstore.Certification, 0, len(certs))
	for i, c := range certs {
		sc := sqlstore.Certification{Person: c.Person, CurriculumID: c.Curriculum, CertifiedOn: c.Earned, ExpiresOn: c.Expires}
		if c.Partner != "" {
			id, ok := partners[strings.ToLower(c.Partner)]
			if !ok {
				return 0, &tandem.Error{Code: tandem.EINVALID, Field: "file",
					Message: fmt.Sprintf("%s: certificate %d (%s): column \"partner\": %q is no partner's external id or name (nothing was written)", file, i+1, c.Person, c.Partner)}
			}
			sc.PartnerID = id
		}
		out = append(out, sc)
	}
	return s.Store.AddCertifications(ctx, actor, "lms:"+file, out)
}

func toCurricula(cs []sqlstore.Curriculum) []certification.Curriculum {
	out := make([]certification.Curriculum, 0, len(cs))
	for _, c := range cs {
		out = append(out, certification.Curriculum{ID: c.ID, Role: certification.Role(c.Role), Verticals: c.Verticals, Products: c.Products})
	}
	return out
}

// partnerKey names a partner in the certification engine: its store id, so names never collide.
func partnerKey(id int64) string { return strconv.FormatInt(id, 10) }

// CertificationReport is the certifications page and API: every partner's coverage and gaps at a
// date, and (for those who see every deal) the certified-versus-uncertified comparison.
type CertificationReport struct {
	At         time.Time                 `json:"at"`
	Partners   []PartnerCoverage         `json:"partners"`
	Comparison *certification.Comparison `json:"comparison,omitempty"`
	// ComparisonNote says why there is no comparison, when there is none.
	ComparisonNote string `json:"comparison_note,omitempty"`
}

// PartnerCoverage is one partner's coverage matrix and gaps with the partner's name.
type PartnerCoverage struct {
	PartnerID int64                `json:"partner_id"`
	Partner   string               `json:"partner"`
	Cells     []certification.Cell `json:"cells"`
	Gaps      []certification.Gap  `json:"gaps"`
}

// Certifications builds the report at time at. What a partner sells is read from its deals: the
// verticals of its deals' accounts and the product types of its deals.
func (s *Service) Certifications(ctx context.Context, actor tandem.Actor, at time.Time) (*CertificationReport, error) {
	curricula, err := s.Store.ListCurricula(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := s.Store.ListCertifications(ctx, actor, 0)
	if err != nil {
		return nil, err
	}
	partners, _, err := s.Store.ListPartners(ctx, actor, sqlstore.PartnerFilter{Limit: sqlstore.MaxLimit})
	if err != nil {
		return nil, err
	}
	var h *history
	if !actor.IsPartner() {
		if h, err = s.openHistory(ctx, actor); err != nil && tandem.ErrorCode(err) != tandem.EFORBIDDEN {
			return nil, err
		}
	}
	scopes, err := s.sellingScopes(ctx, actor, h)
	if err != nil {
		return nil, err
	}
	certs := make([]certification.Certification, 0, len(stored))
	for _, c := range stored {
		if c.PartnerID == 0 {
			continue
		}
		certs = append(certs, certification.Certification{Person: c.Person, Partner: partnerKey(c.PartnerID), Curriculum: c.CurriculumID,
			Earned: c.CertifiedOn, Expires: c.ExpiresOn})
	}
	names := map[string]string{}
	var sc []certification.Scope
	for _, p := range partners {
		k := partnerKey(p.ID)
		names[k] = p.Name
		scope := scopes[p.ID]
		sc = append(sc, certification.Scope{Partner: k, Verticals: scope.Verticals, Products: scope.Products})
	}
	cov, err := certification.CoverageAt(at, toCurricula(curricula), certs, sc, certification.DefaultRequirement)
	if err != nil {
		return nil, err
	}
	rep := &CertificationReport{At: at}
	for _, c := range cov {
		id, _ := strconv.ParseInt(c.Partner, 10, 64)
		gaps := slices.Clone(c.Gaps)
		for i := range gaps {
			gaps[i].Partner = names[c.Partner]
		}
		rep.Partners = append(rep.Partners, PartnerCoverage{PartnerID: id, Partner: names[c.Partner], Cells: c.Cells, Gaps: gaps})
	}
	if actor.IsPartner() {
		rep.ComparisonNote = "the comparison reads every partner's deals; channel staff see it"
		return rep, nil
	}
	if h == nil {
		rep.ComparisonNote = "the comparison reads every partner's deals: " + actor.Role.Label() + " users cannot read them"
		return rep, nil
	}
	key := at.UTC().Format(time.DateOnly)
	e, ok := h.comparison(key)
	if !ok {
		if e, err = s.compare(ctx, h, certs, at); err != nil {
			return nil, err
		}
		h.keepComparison(key, e)
	}
	rep.Comparison, rep.ComparisonNote = e.cmp, e.note
	return rep, nil
}

// compare is the certified-versus-uncertified comparison over the three years of deals before at.
func (s *Service) compare(ctx context.Context, h *history, certs []certification.Certification, at time.Time) (comparisonEntry, error) {
	deals, err := h.closedDeals(ctx, at.AddDate(-3, 0, 0), at)
	if err != nil {
		return comparisonEntry{note: "the comparison reads every partner's deals: " + err.Error()}, nil
	}
	var cd []certification.Deal
	for _, d := range deals {
		if d.PartnerID == 0 {
			continue
		}
		k := partnerKey(d.PartnerID)
		cd = append(cd, certification.Deal{Partner: k, Certified: certification.CertifiedAt(certs, k, d.CreatedOn), Won: d.Won,
			CycleDays: max(0, d.CloseDate.Sub(d.CreatedOn).Hours()/24)})
	}
	cmp, err := certification.Compare(cd, certification.Options{Seed: 12})
	if err != nil {
		return comparisonEntry{note: err.Error()}, nil
	}
	return comparisonEntry{cmp: &cmp}, nil
}

// CurriculumRoles are the roles a curriculum trains, in the order pages list them.
var CurriculumRoles = []string{string(certification.PartnerSales), string(certification.PartnerTechnical), "ae", "se"}

// RoleRequired says whether partner coverage asks for people certified in role
// (certification.DefaultRequirement).
func RoleRequired(role string) bool {
	return slices.Contains(certification.DefaultRequirement.Roles, certification.Role(role))
}

// CheckCurriculum checks a curriculum before it is saved: an id, a known role, and at least one
// vertical or product it certifies for.
func CheckCurriculum(c sqlstore.Curriculum) error {
	switch {
	case c.ID == "":
		return tandem.FieldError("id", "a curriculum needs an id")
	case !slices.Contains(CurriculumRoles, c.Role):
		return tandem.FieldError("role", "%q is not a role (%s)", c.Role, strings.Join(CurriculumRoles, ", "))
	case len(c.Verticals)+len(c.Products) == 0:
		return tandem.FieldError("verticals", "name at least one vertical or product the curriculum certifies for")
	}
	return nil
}
