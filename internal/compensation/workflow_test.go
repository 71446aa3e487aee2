package compensation

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/comp"
	"github.com/tandem-revops/tandem/internal/sqlstore"
	"github.com/tandem-revops/tandem/internal/sqlstore/sqlstoretest"
)

// The workflows run against the real store on SQLite and, when TANDEM_TEST_POSTGRES holds a URL, on
// PostgreSQL in a schema of its own. The store's contract suite (internal/sqlstore/comp_test.go)
// drives them over a seeded company; these cover what the workflows own on an empty one.

func forEachEngine(t *testing.T, fn func(t *testing.T, s *sqlstore.Store)) {
	t.Helper()
	now := time.Date(2026, 4, 2, 9, 0, 0, 0, time.UTC)
	for name, s := range sqlstoretest.Engines(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			s.SetClock(func() time.Time { return now })
			fn(t, s)
		})
	}
}

var revops = tandem.Actor{UserID: 0, Email: "revops@vendor.test", Role: tandem.RoleRevOps}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := tandem.ErrorCode(err); got != code {
		t.Fatalf("error code = %q (%v), want %q", got, err, code)
	}
}

// TestPublishChecksThePlanInItsTransaction: a draft with error findings is refused by the check the
// store runs inside the publishing transaction, stays a draft, and the built-in plan stays in force;
// a clean draft publishes and is in force from its effective date.
func TestPublishChecksThePlanInItsTransaction(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		src := string(comp.DefaultSource())
		bad := strings.Replace(src, `base_rate: "8%"`, `base_rate: "60%"`, 1)
		if bad == src {
			t.Fatal("the default plan has no base_rate \"8%\" to break")
		}
		v, err := CreateCompPlanDraft(ctx, s, revops, bad)
		if err != nil {
			t.Fatal(err)
		}
		_, err = PublishCompPlanVersion(ctx, s, revops, v.ID)
		wantCode(t, err, tandem.EINVALID)
		if !strings.Contains(tandem.ErrorMessage(err), "fix them before publishing") {
			t.Errorf("refusal %q does not say why", tandem.ErrorMessage(err))
		}
		stored, err := s.GetCompPlanVersion(ctx, revops, v.ID)
		if err != nil {
			t.Fatal(err)
		}
		if stored.Status != tandem.PolicyDraft {
			t.Errorf("refused draft is %s, want draft", stored.Status)
		}
		_, version, err := CompPlanAt(ctx, s, s.Now())
		if err != nil || version != nil {
			t.Fatalf("plan in force = version %+v, %v; want the built-in plan", version, err)
		}

		good := strings.Replace(src, `version: "2026.1"`, `version: "2026.9"`, 1)
		v2, err := CreateCompPlanDraft(ctx, s, revops, good)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := PublishCompPlanVersion(ctx, s, revops, v2.ID)
		if err != nil {
			t.Fatal(err)
		}
		if pub.Status != tandem.PolicyPublished {
			t.Errorf("published version is %s", pub.Status)
		}
		_, version, err = CompPlanAt(ctx, s, s.Now())
		if err != nil || version == nil || version.ID != v2.ID {
			t.Fatalf("plan in force = %+v, %v; want version %d", version, err, v2.ID)
		}
	})
}

// TestCloseEmptyPeriodFreezesAndReproduces: closing a period with no deals writes its frozen result,
// which reproduces byte for byte; closing it again, or a period out of order, is ECONFLICT.
func TestCloseEmptyPeriodFreezesAndReproduces(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, s *sqlstore.Store) {
		ctx := context.Background()
		cp, err := ClosePeriod(ctx, s, revops, "2026Q1")
		if err != nil {
			t.Fatal(err)
		}
		if cp.Status != tandem.PeriodClosed || cp.ResultSHA256 == "" || cp.PlanVersion == "" {
			t.Fatalf("closed period %+v", cp)
		}
		reproduced, frozen, err := ReproduceClosedPeriod(ctx, s, revops, "2026-Q1")
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(reproduced, frozen) {
			t.Errorf("reproduced %s\nfrozen     %s", reproduced, frozen)
		}
		_, err = ClosePeriod(ctx, s, revops, "2026-Q1")
		wantCode(t, err, tandem.ECONFLICT)
		_, err = ClosePeriod(ctx, s, revops, "2025-Q3")
		wantCode(t, err, tandem.ECONFLICT)
		_, err = ClosePeriod(ctx, s, tandem.Actor{UserID: 9, Role: tandem.RoleAE}, "2025-Q4")
		wantCode(t, err, tandem.EFORBIDDEN)
	})
}
