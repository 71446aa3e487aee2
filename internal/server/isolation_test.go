package server

import (
	"maps"
	"net/http"
	"sort"
	"strings"
	"testing"

	"github.com/danielgtaylor/huma/v2"
)

// isolationCase is how the isolation test calls one API operation as partner A's user against partner
// B's records, and what it must get.
type isolationCase struct {
	path string // with B's ids filled in
	body string
	want int // 404 for anything naming B's records; 200 for lists, which must simply leave B out
}

// TestPartnerIsolation calls EVERY operation of the served OpenAPI document as partner A's user with
// partner B's ids. An operation missing from the table fails the test, so a new route cannot be
// forgotten. Reads of B's records must be 404, writes naming them 404, and no response may contain any
// of B's data.
func TestPartnerIsolation(t *testing.T) {
	t.Parallel()
	forEachEngine(t, func(t *testing.T, e *testEnv) {
		ids := e.ids
		b := func(n int64) string { return itoa(n) }
		cases := map[string]isolationCase{
			// Compensation: a partner user sees the plan, the periods and its own partner's statements only.
			"get-comp-plan":             {"/comp/plan", "", 200},
			"list-comp-plan-versions":   {"/comp/plan/versions", "", 404},
			"create-comp-plan-draft":    {"/comp/plan/versions", `{"source":"name: x"}`, 404},
			"publish-comp-plan-version": {"/comp/plan/versions/1/publish", "", 404},
			"check-comp-plan":           {"/comp/plan/check", `{"source":"name: x"}`, 404},
			"list-comp-periods":         {"/comp/periods", "", 200},
			"get-comp-period":           {"/comp/periods/2026-Q2", "", 200},
			"close-comp-period":         {"/comp/periods/2026-Q2/close", "", 404},
			"list-comp-statements":      {"/comp/periods/2026-Q2/statements", "", 200},
			"get-comp-statement":        {"/comp/periods/2026-Q2/statements/partner/" + b(ids.partnerB), "", 404},
			"export-comp-statement":     {"/comp/periods/2026-Q2/statements/partner/" + b(ids.partnerB) + "/export?format=pdf", "", 404},
			"list-comp-quotas":          {"/comp/quotas?period=2026-Q2", "", 404},
			"upsert-comp-quotas":        {"/comp/quotas", `{"quotas":[{"user_id":1,"period":"2026-Q2","amount":1}]}`, 404},
			"create-comp-payouts":       {"/comp/payouts", "", 404},
			"get-comp-reconciliation":   {"/comp/periods/2026-Q2/reconciliation", "", 404},
			"create-comp-whatif":        {"/comp/whatif", `{"source":"name: x","from":"2026-Q1","to":"2026-Q2"}`, 404},
			"get-gross-profit":          {"/comp/periods/2026-Q2/gross-profit?by=partner", "", 404},
			"dispute-attribution":       {"/opportunities/" + b(ids.oppB) + "/attribution/dispute", `{"reason":"ours"}`, 404},
			"recompute-attribution":     {"/comp/attribution/recompute", `{"opportunity_ids":[` + b(ids.oppB) + `]}`, 404},
			"get-me":                    {"/me", "", 200},
			"list-accounts":             {"/accounts?q=bergmann", "", 200},
			"get-account":               {"/accounts/" + b(ids.accountB), "", 404},
			"create-account":            {"/accounts", `{"name":"Sneaky","parent_id":` + b(ids.accountB) + `}`, 404},
			"update-account":            {"/accounts/" + b(ids.accountB), `{"name":"Hijacked"}`, 404},
			"list-partners":             {"/partners?q=beta", "", 200},
			"search":                    {"/search?q=berg", "", 200},
			"get-partner":               {"/partners/" + b(ids.partnerB), "", 404},
			"create-partner":            {"/partners", `{"name":"Beta Systems 2"}`, 404},
			"update-partner":            {"/partners/" + b(ids.partnerB), `{"tier":"registered"}`, 404},
			"list-users":                {"/users?partner_id=" + b(ids.partnerB), "", 404},
			"get-user":                  {"/users/" + b(ids.userPartnerB), "", 404},
			"create-user":               {"/users", `{"email":"x@beta.test","name":"X","role":"partner_user","partner_id":` + b(ids.partnerB) + `}`, 404},
			"revoke-user-access":        {"/users/" + b(ids.userPartnerB) + "/revoke-access", "", 404},
			"list-opportunities":        {"/opportunities?partner_id=" + b(ids.partnerB), "", 200},
			"export-opportunities":      {"/opportunities.csv?partner_id=" + b(ids.partnerB), "", 200},
			"get-opportunity":           {"/opportunities/" + b(ids.oppB), "", 404},
			"create-opportunity":        {"/opportunities", `{"name":"Steal","account_id":` + b(ids.accountB) + `,"partner_id":` + b(ids.partnerA) + `}`, 404},
			"update-opportunity":        {"/opportunities/" + b(ids.oppB), `{"partner_id":` + b(ids.partnerA) + `}`, 404},
			"list-registrations":        {"/registrations?partner_id=" + b(ids.partnerB), "", 200},
			"get-registration":          {"/registrations/" + b(ids.regB), "", 404},
			"create-registration":       {"/registrations", `{"partner_id":` + b(ids.partnerB) + `,"account_name":"Bergmann GmbH","vertical":"technology","country":"DE","product_type":"core","estimated_acv":100}`, 404},
			"create-registrations-bulk": {"/registrations/bulk", "partner_id,account_name,country,product_type,estimated_acv\n" + b(ids.partnerB) + ",Bergmann GmbH,DE,core,100\n", 422},
			"approve-registration":      {"/registrations/" + b(ids.regB) + "/approve", `{"reason":"mine now"}`, 404},
			"reject-registration":       {"/registrations/" + b(ids.regB) + "/reject", `{"reason":"sabotage"}`, 404},
			"withdraw-registration":     {"/registrations/" + b(ids.regB) + "/withdraw", "", 404},
			"extend-registration":       {"/registrations/" + b(ids.regB) + "/extend", "", 404},
			"list-registration-events":  {"/registrations/" + b(ids.regB) + "/events", "", 404},
			"get-registration-queue":    {"/registrations/queue", "", 404},
			"list-touches":              {"/touches?opportunity_id=" + b(ids.oppB), "", 200},
			"get-touch":                 {"/touches/" + b(ids.touchB), "", 404},
			"create-touch":              {"/touches", `{"partner_id":` + b(ids.partnerB) + `,"opportunity_id":` + b(ids.oppB) + `,"kind":"influence"}`, 404},
			"get-policy":                {"/policy", "", 200},
			"list-policy-versions":      {"/policy/versions", "", 404},
			"get-policy-version":        {"/policy/versions/1", "", 404},
			"create-policy-draft":       {"/policy/versions", `{"source":"name: x"}`, 404},
			"simulate-policy":           {"/policy/simulate", `{"source":"name: x"}`, 404},
			"publish-policy-version":    {"/policy/versions/1/publish", "", 404},
			"list-audit":                {"/audit?entity=opportunity&entity_id=" + b(ids.oppB), "", 404},
			"list-conflicts":            {"/conflicts", "", 404},
			"get-conflict":              {"/conflicts/1", "", 404},
			"list-conflict-log":         {"/conflicts/1/log", "", 404},
			"resolve-conflict":          {"/conflicts/1/resolve", `{"resolution":"award_partner","rationale":"mine"}`, 404},
			"get-conflict-review":       {"/conflicts/review", "", 404},
			"list-account-matches":      {"/account-matches?status=review", "", 404},
			"resolve-account-match":     {"/account-matches/1", `{"account_id":` + b(ids.accountB) + `}`, 404},
			"create-import":             {"/imports", "", 404},
			"list-imports":              {"/imports", "", 404},
			"get-import":                {"/imports/1", "", 404},
			"list-webhooks":             {"/webhooks", "", 404},
			"create-webhook":            {"/webhooks", `{"url":"https://evil.test/"}`, 404},
			"delete-webhook":            {"/webhooks/1", "", 404},
			"list-deliveries":           {"/webhooks/deliveries", "", 404},

			"get-registration-approval-report": {"/registrations/approval-report", "", 404},

			"list-prediction-models":          {"/prediction-models", "", 404},
			"get-prediction-model":            {"/prediction-models/1", "", 404},
			"train-prediction-model":          {"/prediction-models", `{"kind":"conflict_risk"}`, 404},
			"get-registration-conflict-risk":  {"/registrations/" + b(ids.regB) + "/conflict-risk", "", 404},
			"get-opportunity-win-probability": {"/opportunities/" + b(ids.oppB) + "/win-probability", "", 404},
			// The joint forecast: a partner user's numbers are its own partner's deals only.
			"get-forecast":               {"/forecast?as_of=2026-05-01", "", 200},
			"list-forecast-deals":        {"/forecast/deals?as_of=2026-05-01&category=total&number=pipeline", "", 200},
			"get-forecast-movement":      {"/forecast/movement?from=2026-01-01&to=2026-05-01&quarter=2026Q2", "", 200},
			"list-opportunity-history":   {"/opportunities/" + b(ids.oppB) + "/history", "", 404},
			"list-forecast-submissions":  {"/forecast/submissions?quarter=2026Q2", "", 404},
			"create-forecast-submission": {"/forecast/submissions", `{"quarter":"2026Q2","level":"partner_tier","scope":"silver","category":"total","roll_up":1,"adjustment":0}`, 404},
			"list-forecast-snapshots":    {"/forecast/snapshots?quarter=2026Q2", "", 404},
			"list-forecast-risk":         {"/forecast/risk?quarter=2026Q2&as_of=2026-05-01", "", 404},
			"get-forecast-rollups":       {"/forecast/rollups?quarter=2026Q2&as_of=2026-05-01", "", 404},
		}
		maps.Copy(cases, portfolioIsolationCases(t, e))
		// B's data, any of which in a response is a leak.
		leaks := []string{"Beta Systems", "Bergmann", `"O-B"`, `"R-B"`, `"T-B"`, `"P-B"`, "user@beta.test", "O-B,", "Bergmann rollout"}

		seen := map[string]bool{}
		var ops []string
		for path, item := range e.srv.API().OpenAPI().Paths {
			for method, op := range map[string]interface{ GetID() string }{
				"GET": opOf(item.Get), "POST": opOf(item.Post), "PUT": opOf(item.Put), "PATCH": opOf(item.Patch), "DELETE": opOf(item.Delete),
			} {
				if op == nil || op.GetID() == "" {
					continue
				}
				ops = append(ops, method+" "+path+" "+op.GetID())
			}
		}
		sort.Strings(ops)
		if len(ops) < len(cases) {
			t.Fatalf("the OpenAPI document lists %d operations, fewer than the %d in the table", len(ops), len(cases))
		}
		for _, line := range ops {
			f := strings.Fields(line)
			method, id := f[0], f[2]
			seen[id] = true
			tc, ok := cases[id]
			if !ok {
				t.Errorf("operation %s (%s %s) is not in the isolation table: add how a partner user calls it", id, method, f[1])
				continue
			}
			t.Run(id, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				res := e.do("partner_a", method, APIPrefix+tc.path, body)
				if res.status != tc.want {
					t.Errorf("%s %s as partner A: status %d, want %d: %s", method, tc.path, res.status, tc.want, res.body)
				}
				for _, leak := range leaks {
					if strings.Contains(string(res.body), leak) {
						t.Errorf("%s %s as partner A leaks %q: %s", method, tc.path, leak, res.body)
					}
				}
			})
		}
		for id := range cases {
			if !seen[id] {
				t.Errorf("the isolation table has %s, which the API does not serve", id)
			}
		}

		// The table is not vacuous: partner A does see its own records through the same routes.
		for _, path := range []string{"/opportunities/" + b(ids.oppA), "/registrations/" + b(ids.regA),
			"/registrations/" + b(ids.regA) + "/events",
			"/touches/" + b(ids.touchA), "/partners/" + b(ids.partnerA), "/accounts/" + b(ids.accountA)} {
			if res := e.do("partner_a", http.MethodGet, APIPrefix+path, nil); res.status != 200 {
				t.Errorf("partner A cannot read its own %s: %d %s", path, res.status, res.body)
			}
		}
		var list listBody[map[string]any]
		e.do("partner_a", "GET", APIPrefix+"/opportunities", nil).json(t, &list)
		if list.Total != 1 || len(list.Items) != 1 {
			t.Errorf("partner A lists %d opportunities (total %d), want exactly its own one", len(list.Items), list.Total)
		}
	})
}

// opOf hides a nil *huma.Operation behind a nil interface.
func opOf(op *huma.Operation) interface{ GetID() string } {
	if op == nil {
		return nil
	}
	return operationID{op.OperationID}
}

type operationID struct{ id string }

func (o operationID) GetID() string { return o.id }
