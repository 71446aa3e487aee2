package compensation

import (
	"context"
	"time"

	tandem "github.com/tandem-revops/tandem"
)

// Store is the storage the compensation workflows read and write (internal/sqlstore's *Store). Its
// methods take and return domain records only; the ones that write run one transaction each, and
// those that take a callback run it inside that transaction, so a refusal from the callback writes
// nothing.
type Store interface {
	PayoutStore

	// Now is the store's clock: the time transactions stamp.
	Now() time.Time
	// CompScope returns the statements actor may see.
	CompScope(ctx context.Context, actor tandem.Actor) (tandem.CompScope, error)

	// CompPlanVersionAt returns the published or superseded plan version in force at t; ENOTFOUND
	// when none is.
	CompPlanVersionAt(ctx context.Context, t time.Time) (*tandem.CompPlanVersion, error)
	// InsertCompPlanDraft stores v as a draft and audits it (revops only); ECONFLICT when its name
	// and version exist.
	InsertCompPlanDraft(ctx context.Context, actor tandem.Actor, v *tandem.CompPlanVersion) error
	// PublishCompPlanVersion publishes draft id and supersedes the version published before it, in one
	// transaction that runs check on the draft first: check's error refuses the publish.
	PublishCompPlanVersion(ctx context.Context, actor tandem.Actor, id int64, check func(*tandem.CompPlanVersion) error) (*tandem.CompPlanVersion, error)

	// GetCompPeriod returns period id, open or closed.
	GetCompPeriod(ctx context.Context, actor tandem.Actor, id string) (*tandem.CompPeriod, error)
	// ClosedCompPeriods returns the closed periods, oldest first, without their frozen documents.
	ClosedCompPeriods(ctx context.Context) ([]tandem.CompPeriod, error)
	// FrozenCompPeriod returns closed period id with its frozen documents; ENOTFOUND when not closed.
	FrozenCompPeriod(ctx context.Context, id string) (*tandem.FrozenCompPeriod, error)
	// FrozenCompPlanSource and FrozenCompResult return one frozen document of closed period id.
	FrozenCompPlanSource(ctx context.Context, id string) (string, error)
	FrozenCompResult(ctx context.Context, id string) ([]byte, error)
	// FrozenCompStatement returns payee's frozen statement of closed period id; ok is false when it
	// had none.
	FrozenCompStatement(ctx context.Context, id string, payee tandem.CompPayee) (st tandem.CompStatement, ok bool, err error)
	// CompPeriodInput reads the calculation input of period p (of one payee's deals when payee is
	// set) and the attribution facts of its deals whose attribution is not stored yet.
	CompPeriodInput(ctx context.Context, p tandem.CompQuarter, payee *tandem.CompPayee) (*tandem.CompInput, []tandem.AttributionFacts, error)
	// StoreClosedPeriod writes a close in one transaction after rechecking under a lock that the
	// period may still close and no other period closed since the calculation; ECONFLICT otherwise.
	StoreClosedPeriod(ctx context.Context, actor tandem.Actor, c *tandem.CompPeriodClose) (*tandem.CompPeriod, error)
	// CompStatementAEs returns those of ids who have an AE statement in period p: AEs and owners of
	// deals won in it.
	CompStatementAEs(ctx context.Context, p tandem.CompQuarter, ids []int64) ([]int64, error)
	// CompPeriodPayouts returns the payouts imported for period id, in import order.
	CompPeriodPayouts(ctx context.Context, id string) ([]tandem.CompPayout, error)
	// CompGroupNames returns the names of the reps ("rep"), territories or partners by id; empty for
	// other groupings.
	CompGroupNames(ctx context.Context, by string) (map[int64]string, error)
	// RecomputeAttribution derives the attribution of opportunities ids (every one when empty) with
	// attribute, in batches each of one transaction, storing and auditing each change; deals a
	// resolved dispute decided keep theirs. Revops only.
	RecomputeAttribution(ctx context.Context, actor tandem.Actor, planVersion string,
		attribute func(tandem.AttributionFacts) (tandem.Attribution, string), ids []int64) (*tandem.AttributionRun, error)
}
