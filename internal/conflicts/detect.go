package conflicts

import (
	"cmp"
	"context"
	"fmt"

	tandem "github.com/tandem-revops/tandem"
)

// DetectionStore is what detection reads and writes (the SQL store): the candidates it compares, read
// first without a transaction, and the transaction in which it looks again and opens conflicts.
type DetectionStore interface {
	// ReadConflictCandidates runs look as actor on committed data, outside a transaction.
	ReadConflictCandidates(ctx context.Context, actor tandem.Actor, look func(tandem.ConflictCandidates) error) error
	// ConflictMatchKeysPending reports whether a record waits for the match keys the candidate reads
	// go by (the detection transaction fills them first).
	ConflictMatchKeysPending(ctx context.Context) (bool, error)
	// DetectConflictsTx runs detect as actor in one write transaction whose conflicts take their
	// deadlines from rules; detect's error writes nothing.
	DetectConflictsTx(ctx context.Context, actor tandem.Actor, rules tandem.ConflictRules, detect func(tandem.ConflictDetectionTx) error) error
}

// DetectRegistration opens the conflicts registration id is party to, and returns the ones it opened
// (none when they are open already): a partner_overlap with each other partner's active registration
// on the same account and product type, and a direct_overlap with each open direct opportunity there.
// Call it after a registration is submitted or approved; a registration that is not active (decided
// against, withdrawn, expired, closed) opens nothing. The conflicts are the vendor's: a partner user
// calling this learns only how many opened. ENOTFOUND when actor cannot see the registration.
func DetectRegistration(ctx context.Context, st DetectionStore, actor tandem.Actor, rules tandem.ConflictRules, id int64) ([]tandem.Conflict, error) {
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	// Most filings overlap nothing: look on committed data first, and take the writer (SQLite's one
	// connection, or PostgreSQL locks) only when there is something to open or a key to fill. This
	// cannot miss an overlap filed at the same moment: each of two overlapping registrations is looked
	// at after its own insert committed, so the later look of the two sees the other and opens the
	// conflict in the transaction below, which checks everything again.
	may := false
	err := st.ReadConflictCandidates(ctx, actor, func(c tandem.ConflictCandidates) error {
		reg, err := c.Claim(ctx, id)
		if err != nil {
			return err
		}
		if may, err = st.ConflictMatchKeysPending(ctx); err != nil || may {
			return err
		}
		overlaps, err := registrationOverlaps(ctx, c, reg)
		may = len(overlaps) > 0
		return err
	})
	if err != nil || !may {
		return nil, err
	}
	return openOverlaps(ctx, st, actor, rules, func(tx tandem.ConflictDetectionTx) ([]overlap, error) {
		reg, err := tx.Claim(ctx, id)
		if err != nil {
			return nil, err
		}
		return registrationOverlaps(ctx, tx, reg)
	})
}

// overlap is a conflict detection would open: its detail and the key of the pair it is about.
type overlap struct {
	detail  tandem.ConflictDetail
	pairKey string
	// flag marks the opportunity for commission forfeit and performance review (cannibalisation).
	flag bool
}

// openOverlaps opens, in one detection transaction, the overlaps find returns (each unless it is open
// already, flagging its opportunity first when it says so) and returns the conflicts it opened.
func openOverlaps(ctx context.Context, st DetectionStore, actor tandem.Actor, rules tandem.ConflictRules,
	find func(tandem.ConflictDetectionTx) ([]overlap, error)) ([]tandem.Conflict, error) {
	var opened []tandem.Conflict
	err := st.DetectConflictsTx(ctx, actor, rules, func(tx tandem.ConflictDetectionTx) error {
		opened = nil // the transaction may run again
		overlaps, err := find(tx)
		if err != nil {
			return err
		}
		for _, o := range overlaps {
			if o.flag {
				if err := tx.FlagCannibalisation(ctx, o.detail.OpportunityID); err != nil {
					return err
				}
			}
			ok, err := tx.OpenConflict(ctx, &o.detail, o.pairKey)
			if err != nil {
				return err
			}
			if ok {
				opened = append(opened, o.detail.Conflict)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return opened, nil
}

// activeClaimsOn returns the registrations active at now of product type pt on the customer who is.
func activeClaimsOn(ctx context.Context, c tandem.ConflictCandidates, pt tandem.ProductType, who tandem.AccountIdentity) ([]tandem.ConflictClaim, error) {
	all, err := c.ClaimsOn(ctx, who)
	if err != nil {
		return nil, err
	}
	var out []tandem.ConflictClaim
	for _, claim := range all {
		if claim.ProductType == pt && claim.ActiveAt(c.Now()) && claim.Who.SameAs(who) {
			out = append(out, claim)
		}
	}
	return out, nil
}

// registrationOverlaps returns the conflicts active registration reg has with other partners' active
// claims and with open direct deals on its customer and product type; none when reg is not active.
func registrationOverlaps(ctx context.Context, c tandem.ConflictCandidates, reg tandem.ConflictClaim) ([]overlap, error) {
	if !reg.ActiveAt(c.Now()) {
		return nil, nil
	}
	pt := reg.ProductType
	others, err := activeClaimsOn(ctx, c, pt, reg.Who)
	if err != nil {
		return nil, err
	}
	var out []overlap
	for _, other := range others {
		if other.ID == reg.ID || other.PartnerID == reg.PartnerID {
			continue
		}
		// The first to register is the conflict's registration: precedence is its claim to make.
		first, second := reg, other
		if other.SubmittedAt.Before(reg.SubmittedAt) || (other.SubmittedAt.Equal(reg.SubmittedAt) && other.ID < reg.ID) {
			first, second = other, reg
		}
		d := tandem.ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CausePartnerOverlap,
			AccountID: cmp.Or(first.AccountID, second.AccountID), ProductType: pt, OpportunityID: first.OpportunityID,
			RegistrationID: first.ID, OtherRegistrationID: second.ID, Rule: cmp.Or(first.Rule, second.Rule)},
			PartnerID: first.PartnerID, OtherPartnerID: second.PartnerID, AEID: cmp.Or(first.AEID, second.AEID),
			ACV: first.ACV, PartnerTier: first.Tier}
		out = append(out, overlap{detail: d, pairKey: tandem.ConflictPairKey("regs", first.ID, second.ID)})
	}
	deals, err := c.OpenDirectDealsOn(ctx, pt, reg.Who)
	if err != nil {
		return nil, err
	}
	for _, deal := range deals {
		if deal.ID == reg.OpportunityID || !deal.Who.SameAs(reg.Who) {
			continue // the registration's own deal, or another customer's
		}
		d := tandem.ConflictDetail{Conflict: tandem.Conflict{Cause: tandem.CauseDirectOverlap, AccountID: deal.AccountID,
			ProductType: pt, OpportunityID: deal.ID, RegistrationID: reg.ID, Rule: deal.Rule},
			PartnerID: reg.PartnerID, AEID: deal.OwnerID, ACV: max(deal.ACV, reg.ACV), PartnerTier: reg.Tier}
		out = append(out, overlap{detail: d, pairKey: tandem.ConflictPairKey("reg-opp", reg.ID, deal.ID)})
	}
	return out, nil
}

// DetectOpportunity opens the conflicts a change of an opportunity causes, and returns the ones it
// opened. before is the opportunity as it was (nil when after was just created), after as it is now,
// routed. It opens
//   - cannibalisation when the discount of a deal with an approved registration rose above the
//     guardrail of its motion, or when a direct deal (no partner) is created on, or moved onto, an
//     account and product type with another partner's approved registration — and flags the
//     opportunity for commission forfeit and performance review;
//   - direct_overlap when such a direct deal meets a registration still awaiting a decision.
//
// A re-route past the protected stage is not a change here: the caller holds it and opens its
// protected_reroute conflict with the store's HoldReroute.
//
// EFORBIDDEN for partner users.
func DetectOpportunity(ctx context.Context, st DetectionStore, actor tandem.Actor, rules tandem.ConflictRules,
	before, after *tandem.Opportunity) ([]tandem.Conflict, error) {
	if actor.IsPartner() {
		return nil, tandem.Errorf(tandem.EFORBIDDEN, "partner users cannot change opportunities")
	}
	if err := rules.Validate(); err != nil {
		return nil, err
	}
	if after == nil || after.ID == 0 {
		return nil, tandem.Errorf(tandem.EINVALID, "conflict detection needs a stored opportunity")
	}
	return openOverlaps(ctx, st, actor, rules, func(tx tandem.ConflictDetectionTx) ([]overlap, error) {
		return opportunityOverlaps(ctx, tx, rules.Settings, before, after)
	})
}

// opportunityOverlaps returns the conflicts the change of an opportunity from before to after causes
// (see DetectOpportunity).
func opportunityOverlaps(ctx context.Context, c tandem.ConflictCandidates, set tandem.ConflictSettings,
	before, after *tandem.Opportunity) ([]overlap, error) {
	ownerID, who, err := c.Account(ctx, after.AccountID)
	if err != nil {
		return nil, fmt.Errorf("detect conflicts of opportunity %d: %w", after.ID, err)
	}
	aeID := cmp.Or(after.OwnerID, ownerID)
	base := func(cause tandem.ConflictCause) tandem.ConflictDetail {
		return tandem.ConflictDetail{Conflict: tandem.Conflict{Cause: cause, AccountID: after.AccountID,
			ProductType: after.ProductType, OpportunityID: after.ID, Rule: after.Routing.Rule},
			PartnerID: after.PartnerID, AEID: aeID, ACV: after.ACV}
	}
	// The deal's own approved registration, if any: the claim a reroute or a discount hurts.
	var own tandem.ConflictClaim
	owns, err := c.ApprovedClaimsOf(ctx, after.ID)
	if err != nil {
		return nil, fmt.Errorf("detect conflicts of opportunity %d: %w", after.ID, err)
	}
	if len(owns) > 0 {
		own = owns[0]
	}
	var out []overlap
	if own.ID != 0 && after.DiscountBasisPoints > set.Guardrail(after.Routing.Motion) &&
		(before == nil || after.DiscountBasisPoints > before.DiscountBasisPoints) {
		d := base(tandem.CauseCannibalisation)
		d.RegistrationID, d.PartnerID, d.PartnerTier = own.ID, own.PartnerID, own.Tier
		out = append(out, overlap{detail: d, pairKey: tandem.ConflictPairKey("discount", after.ID, 0), flag: true})
	}

	moved := before == nil || before.PartnerID != 0 || before.AccountID != after.AccountID ||
		before.ProductType != after.ProductType || before.Stage.Closed()
	if after.PartnerID != 0 || after.Stage.Closed() || !moved {
		return out, nil
	}
	claims, err := activeClaimsOn(ctx, c, after.ProductType, who)
	if err != nil {
		return nil, err
	}
	for _, claim := range claims {
		if claim.OpportunityID == after.ID {
			continue
		}
		cause := tandem.CauseDirectOverlap
		if claim.Status == tandem.RegistrationApproved {
			cause = tandem.CauseCannibalisation
		}
		d := base(cause)
		d.RegistrationID, d.PartnerID, d.PartnerTier, d.ACV = claim.ID, claim.PartnerID, claim.Tier, max(after.ACV, claim.ACV)
		out = append(out, overlap{detail: d, pairKey: tandem.ConflictPairKey("reg-opp", claim.ID, after.ID),
			flag: cause == tandem.CauseCannibalisation})
	}
	return out, nil
}
