package prediction

import (
	"strconv"
	"time"

	"github.com/tandem-revops/tandem/internal/predict"
	"github.com/tandem-revops/tandem/internal/sqlstore"
)

// LabelHorizon is how long after its submit a registration is watched for a conflict: a registration
// submitted less than this before the training is left out, since its outcome is not known yet.
const LabelHorizon = 30 * 24 * time.Hour

// ConflictExamples builds one example per registration submitted at least LabelHorizon before now and
// not before the first conflict on record: the features known at its submit, positive when a conflict
// involving it opened within LabelHorizon of the submit. At is the submit time, so training holds out
// the latest registrations.
//
// Registrations older than the first recorded conflict are left out: a company that imported its
// history before it began recording conflicts in Tandem has no conflicts for that time, and reading
// their absence as "no conflict" would teach the model the calendar. For the same reason registrations
// that arrived by import are left out: they were never submitted through Tandem, whose submission runs
// conflict detection, so no conflict of theirs was looked for.
func ConflictExamples(h *sqlstore.PredictionHistory, now time.Time, th Thresholds) []predict.Example {
	ix := newIndex(h)
	var since time.Time
	for _, c := range h.Conflicts {
		if since.IsZero() || c.OpenedAt.Before(since) {
			since = c.OpenedAt
		}
	}
	var out []predict.Example
	for _, r := range h.Registrations {
		at := r.SubmittedAt
		if at.IsZero() || r.Imported || at.After(now.Add(-LabelHorizon)) || at.Before(since) || since.IsZero() {
			continue
		}
		opened, conflict := ix.conflictOpened[r.ID]
		ex := predict.Example{ID: strconv.FormatInt(r.ID, 10), At: at, Fields: ix.conflictRecord(r, at, th),
			Positive: conflict && opened.Before(at.Add(LabelHorizon))}
		if r.MatchDecision != "" {
			ex.KnownAt = map[string]time.Time{fMatchScore: r.MatchedAt, fMatchDecision: r.MatchedAt}
		}
		out = append(out, ex)
	}
	return out
}

// WinExamples builds one example per closed opportunity: the features known when it opened, positive
// when it was won. At is its opening, so training holds out the latest deals.
//
// The store keeps each deal's current stage and forecast category only, not their history, and for a
// closed deal those are the outcome itself; so stage, category and age are not learnt (a model trained
// on them would learn "closed_won wins"). What is learnt is what the deal says from its start and the
// partner's and owner's record up to then.
func WinExamples(h *sqlstore.PredictionHistory) []predict.Example {
	ix := newIndex(h)
	var out []predict.Example
	for _, o := range h.Opportunities {
		closed, won := closedWon(o)
		at := opened(o)
		if !closed || at.IsZero() {
			continue
		}
		out = append(out, predict.Example{ID: strconv.FormatInt(o.ID, 10), At: at, Fields: ix.winRecord(o, at), Positive: won})
	}
	return out
}
