package notify

import (
	"fmt"
	"strings"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// Render writes the subject and plain-text body of the email about p. It says only what p holds, and
// the store builds a partner user's payload without conflict details, so a partner's email cannot name
// whom it overlaps.
func Render(p *sqlstore.NotificationPayload, appURL string) (subject, body string) {
	var b strings.Builder
	line := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	switch {
	case p.Event == sqlstore.EventOverlapUnderReview && p.Registration != nil:
		r := p.Registration
		subject = fmt.Sprintf("Registration %s (%s): overlap under review", r.ExternalID, r.AccountName)
		line("Your deal registration %s for %s overlaps another claim on the same account.", r.ExternalID, r.AccountName)
		line("Status: %s.", tandem.OverlapUnderReview)
		line("")
		line("The vendor's channel team is reviewing it; you will hear when the registration is decided.")
	case p.Registration != nil:
		r := p.Registration
		what := strings.TrimPrefix(p.Event, "registration.")
		subject = fmt.Sprintf("Registration %s (%s): %s", r.ExternalID, r.AccountName, eventWord(what, r.To))
		line("Deal registration %s for %s (%s).", r.ExternalID, r.AccountName, r.Partner)
		if r.From != "" && r.From != r.To {
			line("Status: %s → %s.", r.From, r.To)
		} else {
			line("Status: %s.", r.To)
		}
		if r.Reason != "" {
			line("Reason: %s", r.Reason)
		}
		if !r.ExpiresAt.IsZero() && (r.To == tandem.RegistrationApproved) {
			line("Protected until %s.", r.ExpiresAt.UTC().Format("2 January 2006"))
		}
	case p.Conflict != nil:
		c := p.Conflict
		subject = fmt.Sprintf("Conflict %d %s at level %d: %s on %s", c.ID, c.Action, c.Level, c.Cause, orDash(c.AccountName))
		line("Channel conflict %d (%s) on %s, %s.", c.ID, c.Cause, orDash(c.AccountName), orDash(string(c.ProductType)))
		line("Step: %s at level %d; deciders: %s.", c.Action, c.Level, roles(c.Deciders))
		if c.Partner != "" {
			line("Registered first: %s (%s).", c.Partner, orDash(c.Registration))
		}
		if c.OtherPartner != "" {
			line("Also claimed by: %s (%s).", c.OtherPartner, orDash(c.OtherRegistration))
		}
		line("Deal size: %s.", c.ACV.String())
		if c.Resolution != "" {
			line("Resolution: %s. %s", c.Resolution, c.Rationale)
		} else if !c.LevelDueAt.IsZero() {
			line("Decide by %s, or it escalates.", c.LevelDueAt.UTC().Format(time.RFC1123))
		}
		if c.Note != "" {
			line("Note: %s", c.Note)
		}
	default:
		subject = "Tandem: " + p.Event
		line("Event %s.", p.Event)
	}
	if appURL != "" {
		line("")
		line("%s", appURL)
	}
	line("")
	line("— Tandem (an automatic message; event %s %d)", p.Source, p.EventID)
	return "[Tandem] " + subject, b.String()
}

func eventWord(event string, to tandem.RegistrationStatus) string {
	switch event {
	case "submit":
		return "submitted"
	case "extend":
		return "extended"
	case "":
		return string(to)
	}
	if to != "" {
		return strings.ReplaceAll(event, "_", " ") + " (" + string(to) + ")"
	}
	return strings.ReplaceAll(event, "_", " ")
}

func roles(rs []tandem.Role) string {
	s := make([]string, len(rs))
	for i, r := range rs {
		s[i] = string(r)
	}
	return orDash(strings.Join(s, ", "))
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
