package server

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	tandem "github.com/tandem-revops/tandem"
)

// access is who may call an API operation.
type access struct {
	public bool          // no sign-in needed
	roles  []tandem.Role // admin may always
}

func (a access) allows(r tandem.Role) bool {
	return r == tandem.RoleAdmin || slices.Contains(a.roles, r)
}

func allow(roles ...tandem.Role) access { return access{roles: roles} }

// Groups of roles the permission table uses.
var (
	// everyone signed in, partner users included (the store limits what a partner user sees).
	anyone = allow(tandem.Roles...)
	// staff is every vendor role: everyone but partner users.
	staff = allow(tandem.RoleRevOps, tandem.RoleAE, tandem.RolePartnerManager, tandem.RoleVPSales,
		tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO)
	// sellers work deals and accounts.
	sellers = allow(tandem.RoleRevOps, tandem.RoleAE, tandem.RolePartnerManager)
	// channel runs the partner programme.
	channel = allow(tandem.RoleRevOps, tandem.RolePartnerManager)
	// registrars file deal registrations: partner users for their own partner, channel staff for any.
	registrars = allow(tandem.RoleRevOps, tandem.RolePartnerManager, tandem.RolePartnerUser)
	// deciders approve and reject deal registrations and work the approval queue.
	deciders = allow(tandem.RegistrationDeciders...)
	// reportViewers see the approval-time report: the deciders and the VPs they answer to.
	reportViewers = allow(tandem.RoleRevOps, tandem.RolePartnerManager, tandem.RoleVPChannel, tandem.RoleVPSales)
	// holders withdraw or extend a registration: its partner's users, or channel staff for them.
	holders = allow(tandem.RoleRevOps, tandem.RolePartnerManager, tandem.RoleVPChannel, tandem.RolePartnerUser)
	// conflictDeciders resolve channel conflicts; the store checks each is a decider of the conflict's level.
	conflictDeciders = allow(tandem.RoleAE, tandem.RolePartnerManager, tandem.RoleVPSales, tandem.RoleVPChannel,
		tandem.RoleCRO, tandem.RoleCEO)
	// ops own the policy, users and imports.
	ops = allow(tandem.RoleRevOps)
	// compViewers see every compensation statement, gross profit, reconciliation and what-if.
	compViewers = allow(tandem.RoleRevOps, tandem.RoleVPSales, tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO)
	// compPartnerViewers open a partner's compensation: its partner users and channel staff.
	compPartnerViewers = allow(tandem.RolePartnerUser, tandem.RolePartnerManager, tandem.RoleRevOps,
		tandem.RoleVPSales, tandem.RoleVPChannel, tandem.RoleCRO, tandem.RoleCEO)
	// disputers dispute an attribution: the deal's AE, partner managers, the deal's partner (the store checks which).
	disputers = allow(tandem.RoleRevOps, tandem.RoleAE, tandem.RolePartnerManager, tandem.RolePartnerUser)
	// riskViewers see conflict-risk scores: vendor staff but AEs, who are a party to the conflicts.
	riskViewers = allow(tandem.RoleRevOps, tandem.RolePartnerManager, tandem.RoleVPSales, tandem.RoleVPChannel,
		tandem.RoleCRO, tandem.RoleCEO)
)

// permissions is the API's permission table: operation id → who may call it. Registering an operation
// that is not in this table panics at boot, so a route cannot be added without deciding who may use it.
var permissions = map[string]access{
	"get-me": anyone,

	"list-accounts":  anyone,
	"get-account":    anyone,
	"create-account": sellers,
	"update-account": sellers,

	// The global search: each kind is scoped as its list is (a partner user finds only its own records).
	"search": anyone,

	"list-partners":  anyone,
	"get-partner":    anyone,
	"create-partner": channel,
	"update-partner": channel,

	"list-users":  staff,
	"get-user":    staff,
	"create-user": ops,
	// Sign out everywhere: anyone for themself, an admin for anyone (the store checks which).
	"revoke-user-access": anyone,

	"list-opportunities":   anyone,
	"export-opportunities": anyone,
	"get-opportunity":      anyone,
	"create-opportunity":   sellers,
	"update-opportunity":   sellers,

	"list-registrations":        anyone,
	"get-registration":          anyone,
	"create-registration":       registrars,
	"create-registrations-bulk": registrars,

	"approve-registration":             deciders,
	"reject-registration":              deciders,
	"withdraw-registration":            holders,
	"extend-registration":              holders,
	"list-registration-events":         anyone,
	"get-registration-queue":           deciders,
	"get-registration-approval-report": reportViewers,

	"list-touches": anyone,
	"get-touch":    anyone,
	"create-touch": channel,

	"get-policy":             anyone,
	"list-policy-versions":   staff,
	"get-policy-version":     staff,
	"create-policy-draft":    ops,
	"simulate-policy":        ops,
	"publish-policy-version": ops,

	"list-audit": staff,

	"list-conflicts":      staff,
	"get-conflict":        staff,
	"list-conflict-log":   staff,
	"resolve-conflict":    conflictDeciders,
	"get-conflict-review": staff,

	"get-comp-plan":             anyone,
	"list-comp-plan-versions":   staff,
	"create-comp-plan-draft":    ops,
	"publish-comp-plan-version": ops,
	"check-comp-plan":           staff,
	"list-comp-periods":         anyone,
	"get-comp-period":           anyone,
	"close-comp-period":         ops,
	"list-comp-statements":      anyone, // the store shows each caller only its own, its team's or its partner's
	"get-comp-statement":        anyone,
	"export-comp-statement":     anyone,
	"list-comp-quotas":          staff,
	"upsert-comp-quotas":        ops,
	"create-comp-payouts":       ops,
	"get-comp-reconciliation":   compViewers,
	"create-comp-whatif":        compViewers,
	"get-gross-profit":          compViewers,
	"dispute-attribution":       disputers,
	"recompute-attribution":     ops,
	// The account-match review queue is the vendor's: partner users get 404.
	"list-account-matches":  staff,
	"resolve-account-match": deciders,

	// Predictions: never partner users; conflict risk not AEs either (the store hides it from them too).
	"list-prediction-models":          staff,
	"get-prediction-model":            staff,
	"train-prediction-model":          ops,
	"get-registration-conflict-risk":  riskViewers,
	"get-opportunity-win-probability": staff,

	"create-import": ops,
	"list-imports":  ops,
	"get-import":    ops,

	// The enablement portfolio (issue 12): partners see their own funds, requests and certificates; AEs read;
	// channel staff approve and pay; returns and the recommendation read every deal's margin.
	"list-spend":                   anyone,
	"create-spend":                 channel,
	"import-spend":                 channel,
	"sync-spend-spiffs":            ops,
	"get-portfolio-returns":        compViewers,
	"get-portfolio-recommendation": compViewers,
	"list-mdf-funds":               anyone,
	"create-mdf-fund":              deciders,
	"list-mdf-requests":            anyone,
	"create-mdf-move":              holders,
	"list-mdf-request-events":      anyone,
	"get-mdf-sourced":              anyone,
	"list-certifications":          anyone,
	"import-certifications":        channel,
	"list-curricula":               anyone,
	"save-curricula":               channel,
	"get-certification-report":     anyone,
	// The joint forecast: everyone reads the numbers of the deals they may see (a partner user its own
	// partner's pipeline); the vendor's submissions and snapshots are staff's.
	"get-forecast":               anyone,
	"list-forecast-deals":        anyone,
	"get-forecast-movement":      anyone,
	"list-opportunity-history":   anyone,
	"list-forecast-submissions":  staff,
	"create-forecast-submission": staff,
	"list-forecast-snapshots":    staff,
	"list-forecast-risk":         staff, // win probabilities: never a partner's
	"get-forecast-rollups":       staff,

	"list-webhooks":   ops,
	"create-webhook":  ops,
	"delete-webhook":  ops,
	"list-deliveries": ops,
}

// accessKey keys an operation's access in its huma metadata, where the authorize middleware reads it.
const accessKey = "tandem.access"

// register adds an API operation with the access the permission table gives it.
func register[I, O any](api huma.API, op huma.Operation, handler func(context.Context, *I) (*O, error)) {
	a, ok := permissions[op.OperationID]
	if !ok {
		panic(fmt.Sprintf("server: operation %q has no entry in the permission table", op.OperationID))
	}
	if op.Metadata == nil {
		op.Metadata = map[string]any{}
	}
	op.Metadata[accessKey] = a
	op.Description = describeAccess(a) + op.Description
	if !a.public {
		// Signed-in callers are rate-limited per API token and per partner (ratelimit.go). Added as a
		// response rather than to op.Errors, which would replace the default error response; huma adds
		// that only to an operation with no other response, so it is added here too.
		if op.Responses == nil {
			op.Responses = map[string]*huma.Response{}
		}
		problem := map[string]*huma.MediaType{"application/problem+json": {
			Schema: &huma.Schema{Ref: "#/components/schemas/ErrorModel"}}}
		op.Responses[strconv.Itoa(http.StatusTooManyRequests)] = &huma.Response{
			Description: "Too many requests from this API token or partner; retry after Retry-After seconds",
			Headers: map[string]*huma.Param{"Retry-After": {Description: "seconds until a request is allowed",
				Schema: &huma.Schema{Type: huma.TypeInteger}}},
			Content: problem,
		}
		if len(op.Errors) == 0 && op.Responses["default"] == nil {
			op.Responses["default"] = &huma.Response{Description: "Error", Content: problem}
		}
	}
	if len(op.Tags) == 0 {
		// Tag by resource: the path's first segment.
		tag, _, _ := strings.Cut(strings.TrimPrefix(op.Path, "/"), "/")
		tag, _, _ = strings.Cut(tag, ".")
		op.Tags = []string{tag}
	}
	huma.Register(api, op, handler)
}

func describeAccess(a access) string {
	if a.public {
		return "Open to everyone. "
	}
	if len(a.roles) == len(tandem.Roles) {
		return "Any signed-in user; a partner user sees only its own partner's records. "
	}
	s := "Roles: admin"
	for _, r := range a.roles {
		s += ", " + string(r)
	}
	return s + ". "
}
