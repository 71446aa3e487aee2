package enablement

import (
	"context"
	"slices"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// How an MDF lead is linked to the opportunity it became (the issue leaves it open). A lead id in a
// request's proof of performance links to:
//   - the opportunity whose external id equals it as typed, in lower or in upper case (the CRM id the
//     lead converted into), whenever the opportunity was created; or
//   - every opportunity of the account whose external id or name equals it, created on or after the
//     day the request was made (a lead names the company it came from; deals opened before the
//     activity cannot be its result).
//
// Account matching ignores case; both ignore surrounding spaces. An opportunity is counted once per request however
// many leads name it. MDF-sourced pipeline is the ACV of every linked opportunity; MDF-sourced won is
// the ACV of those closed won. A partner user sees only its own requests and, among their links, only
// its own partner's opportunities.

// SourcedDeal is one opportunity an MDF request's leads became.
type SourcedDeal struct {
	sqlstore.LeadMatch
	Lead string `json:"lead" doc:"the lead id that linked it"`
	Won  bool   `json:"won"`
}

// SourcedRequest is an MDF request with the opportunities its leads became.
type SourcedRequest struct {
	RequestID int64         `json:"request_id"`
	Ref       string        `json:"ref"`
	Partner   string        `json:"partner"`
	Activity  string        `json:"activity"`
	Motion    string        `json:"motion"`
	Paid      tandem.Money  `json:"paid"`
	Currency  string        `json:"currency"`
	Pipeline  tandem.Money  `json:"pipeline" doc:"ACV of every linked opportunity, minor units"`
	Won       tandem.Money  `json:"won" doc:"ACV of the linked opportunities closed won"`
	Deals     []SourcedDeal `json:"deals"`
}

// SourcedMotion sums MDF-sourced pipeline by the requests' motion.
type SourcedMotion struct {
	Motion   string       `json:"motion"`
	Requests int          `json:"requests"`
	Paid     tandem.Money `json:"paid" doc:"MDF paid on these requests"`
	Pipeline tandem.Money `json:"pipeline"`
	Won      tandem.Money `json:"won"`
	Deals    []int64      `json:"deals" doc:"ids of the linked opportunities"`
}

// SourcedReport is MDF-sourced pipeline and wins, per request and per motion.
type SourcedReport struct {
	Requests []SourcedRequest `json:"requests"`
	Motions  []SourcedMotion  `json:"motions"`
}

// MDFSourced links the leads of the requests actor sees (created in [from, to), zero bounds for
// open) to the opportunities they became and sums the pipeline by motion.
func (s *Service) MDFSourced(ctx context.Context, actor tandem.Actor, from, to time.Time) (*SourcedReport, error) {
	reqs, err := s.Store.ListMDFRequests(ctx, actor, sqlstore.MDFRequestFilter{})
	if err != nil {
		return nil, err
	}
	reqs = slices.DeleteFunc(reqs, func(r sqlstore.MDFRequest) bool {
		return (!from.IsZero() && r.CreatedAt.Before(from)) || (!to.IsZero() && !r.CreatedAt.Before(to))
	})
	var leads []string
	for _, r := range reqs {
		leads = append(leads, r.Leads...)
	}
	matches, err := s.Store.MDFLeadMatches(ctx, actor, leads)
	if err != nil {
		return nil, err
	}
	return linkLeads(reqs, matches), nil
}

// linkLeads applies the linking rule (see above) to requests and candidate opportunities.
func linkLeads(reqs []sqlstore.MDFRequest, matches []sqlstore.LeadMatch) *SourcedReport {
	rep := &SourcedReport{Requests: []SourcedRequest{}, Motions: []SourcedMotion{}}
	byMotion := map[string]*SourcedMotion{}
	for _, r := range reqs {
		sr := SourcedRequest{RequestID: r.ID, Ref: r.Ref, Partner: r.PartnerName, Activity: r.Activity, Motion: r.Motion, Paid: r.Paid,
			Currency: r.Currency, Deals: []SourcedDeal{}}
		day := r.CreatedAt.UTC().Truncate(24 * time.Hour)
		seen := map[int64]bool{}
		for _, lead := range r.Leads {
			key := strings.ToLower(strings.TrimSpace(lead))
			if key == "" {
				continue
			}
			for _, m := range matches {
				byDeal := m.ByDeal == key
				byAccount := (m.ByAccount[0] == key || m.ByAccount[1] == key) && !m.CreatedOn.Before(day)
				if seen[m.OpportunityID] || (!byDeal && !byAccount) {
					continue
				}
				seen[m.OpportunityID] = true
				d := SourcedDeal{LeadMatch: m, Lead: lead, Won: m.Stage == string(tandem.StageClosedWon)}
				sr.Deals = append(sr.Deals, d)
				sr.Pipeline += m.ACV
				if d.Won {
					sr.Won += m.ACV
				}
			}
		}
		rep.Requests = append(rep.Requests, sr)
		sm := byMotion[r.Motion]
		if sm == nil {
			sm = &SourcedMotion{Motion: r.Motion, Deals: []int64{}}
			byMotion[r.Motion] = sm
		}
		sm.Requests++
		sm.Paid += r.Paid
		sm.Pipeline += sr.Pipeline
		sm.Won += sr.Won
		for _, d := range sr.Deals {
			sm.Deals = append(sm.Deals, d.OpportunityID)
		}
	}
	for _, m := range sqlstore.SpendMotions {
		if sm := byMotion[m]; sm != nil {
			rep.Motions = append(rep.Motions, *sm)
		}
	}
	return rep
}
