package server

import (
	"testing"
)

// TestSubmitReadsProgrammeOnce counts what one registration submit asks of the programme in force:
// it is looked up once and read from the store once (the test server trusts it for a nanosecond), and
// over the server's life the policy is parsed and its business calendar built once per published
// version — not once per rule set as when the server built its rules on each call.
func TestSubmitReadsProgrammeOnce(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		before := e.srv.programme.Counts()
		// The partner's first registration of a new company: routed, checked for overlaps, auto-approved.
		e.registerAsPartnerA(t, `{"account_name":"Counted Widgets Ltd","vertical":"technology","country":"US","product_type":"core","estimated_acv":1000}`)
		after := e.srv.programme.Counts()
		if got := after.Lookups - before.Lookups; got != 1 {
			t.Errorf("one submit looked the programme up %d times, want 1", got)
		}
		if got := after.VersionReads - before.VersionReads; got != 1 {
			t.Errorf("one submit read the active version %d times, want 1", got)
		}
		if after.Loads != 1 || after.CalendarBuilds != 1 {
			t.Errorf("one published version: parsed %d times, calendar built %d times, want 1 and 1", after.Loads, after.CalendarBuilds)
		}
		// A second submit under the same version builds nothing.
		e.registerAsPartnerA(t, `{"account_name":"Counted Gadgets GmbH","vertical":"technology","country":"DE","product_type":"core","estimated_acv":2000}`)
		again := e.srv.programme.Counts()
		if again.Loads != after.Loads || again.CalendarBuilds != after.CalendarBuilds {
			t.Errorf("a second submit re-derived the programme: %+v then %+v", after, again)
		}
		if got := again.Lookups - after.Lookups; got != 1 {
			t.Errorf("the second submit looked the programme up %d times, want 1", got)
		}
	})
}
