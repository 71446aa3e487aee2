package tandem

import (
	"errors"
	"net/mail"
	"strings"
	"time"
)

// Account is a customer or prospect company.
type Account struct {
	ID          int64     `json:"id"`
	ExternalID  string    `json:"external_id"`
	Name        string    `json:"name"`
	Domain      string    `json:"domain,omitempty"`  // website domain, lower case, no scheme or "www."
	Country     string    `json:"country,omitempty"` // ISO 3166-1 alpha-2
	Vertical    string    `json:"vertical,omitempty"`
	ParentID    int64     `json:"parent_id,omitempty"`
	OwnerID     int64     `json:"owner_id,omitempty"` // the AE who owns the account
	TerritoryID int64     `json:"territory_id,omitempty"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Validate reports the first rule the account breaks.
func (a *Account) Validate() error {
	if err := firstError(CheckLine("name", a.Name, MaxNameLength), CheckLine("external_id", a.ExternalID, MaxCodeLength),
		CheckLine("domain", a.Domain, MaxCodeLength), CheckLine("vertical", a.Vertical, MaxCodeLength)); err != nil {
		return err
	}
	if strings.TrimSpace(a.Name) == "" {
		return FieldError("name", "is required")
	}
	if a.Country != "" && !ValidCountry(a.Country) {
		return FieldError("country", "%q is not an ISO 3166 two-letter country code", a.Country)
	}
	if a.ParentID != 0 && a.ParentID == a.ID {
		return FieldError("parent_id", "an account cannot be its own parent")
	}
	return nil
}

// Partner is a reseller, referral or co-sell partner.
type Partner struct {
	ID             int64       `json:"id"`
	ExternalID     string      `json:"external_id"`
	Name           string      `json:"name"`
	Tier           Tier        `json:"tier"`
	Type           PartnerType `json:"type"`
	Countries      []string    `json:"countries"`
	Verticals      []string    `json:"verticals"`
	Certifications []string    `json:"certifications"`
	ManagerID      int64       `json:"manager_id,omitempty"` // the vendor's partner manager
	Standing       Standing    `json:"standing"`
	CreatedAt      time.Time   `json:"created_at"`
	UpdatedAt      time.Time   `json:"updated_at"`
}

func (p *Partner) Validate() error {
	if err := firstError(CheckLine("name", p.Name, MaxNameLength), CheckLine("external_id", p.ExternalID, MaxCodeLength)); err != nil {
		return err
	}
	for _, v := range p.Verticals {
		if err := CheckLine("verticals", v, MaxCodeLength); err != nil {
			return err
		}
	}
	for _, c := range p.Certifications {
		if err := CheckLine("certifications", c, MaxCodeLength); err != nil {
			return err
		}
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "is required")
	}
	if err := firstError(CheckOneOf("tier", p.Tier, Tiers), CheckOneOf("type", p.Type, PartnerTypes),
		CheckOneOf("standing", p.Standing, Standings)); err != nil {
		return err
	}
	for _, c := range p.Countries {
		if !ValidCountry(c) {
			return FieldError("countries", "%q is not an ISO 3166 two-letter country code", c)
		}
	}
	return nil
}

// User is a person who signs in: a vendor employee or a partner's user.
type User struct {
	ID          int64     `json:"id"`
	ExternalID  string    `json:"external_id"`
	Email       string    `json:"email"`
	Name        string    `json:"name"`
	Role        Role      `json:"role"`
	PartnerID   int64     `json:"partner_id,omitempty"` // set for partner_user, and only for it
	ManagerID   int64     `json:"manager_id,omitempty"`
	TerritoryID int64     `json:"territory_id,omitempty"`
	Disabled    bool      `json:"disabled"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

func (u *User) Validate() error {
	if err := firstError(CheckLine("name", u.Name, MaxNameLength), CheckLine("email", u.Email, MaxCodeLength),
		CheckLine("external_id", u.ExternalID, MaxCodeLength)); err != nil {
		return err
	}
	if _, err := mail.ParseAddress(u.Email); err != nil || !strings.Contains(u.Email, "@") {
		return FieldError("email", "%q is not an email address", u.Email)
	}
	if !u.Role.Valid() {
		return FieldError("role", "%q is not a role", u.Role)
	}
	if u.Role == RolePartnerUser && u.PartnerID == 0 {
		return FieldError("partner_id", "a partner_user must belong to exactly one partner")
	}
	if u.Role != RolePartnerUser && u.PartnerID != 0 {
		return FieldError("partner_id", "only a partner_user belongs to a partner")
	}
	return nil
}

// Territory groups accounts for AEs and reporting.
type Territory struct {
	ID        int64    `json:"id"`
	Name      string   `json:"name"`
	Countries []string `json:"countries"`
}

// Product is an item of the catalogue.
type Product struct {
	ID         int64       `json:"id"`
	ExternalID string      `json:"external_id"`
	Name       string      `json:"name"`
	Type       ProductType `json:"type"`
	// COGSBasisPoints is the cost of goods as a share of ACV in basis points (1500 = 15 %).
	COGSBasisPoints int `json:"cogs_basis_points"`
}

func (p *Product) Validate() error {
	if err := firstError(CheckLine("name", p.Name, MaxNameLength), CheckLine("external_id", p.ExternalID, MaxCodeLength)); err != nil {
		return err
	}
	if strings.TrimSpace(p.Name) == "" {
		return FieldError("name", "is required")
	}
	if err := CheckOneOf("type", p.Type, ProductTypes); err != nil {
		return err
	}
	if p.COGSBasisPoints < 0 || p.COGSBasisPoints > 10000 {
		return FieldError("cogs_basis_points", "must be between 0 and 10000")
	}
	return nil
}

// Routing is the motion a policy gave a deal, with the rule and policy version that decided it.
type Routing struct {
	Motion          Motion    `json:"motion"`
	PartnerAttached bool      `json:"partner_attached"`
	Rule            string    `json:"rule"`
	PolicyVersion   string    `json:"policy_version"`
	Explanation     string    `json:"explanation"`
	RoutedAt        time.Time `json:"routed_at"`
}

// Opportunity is a deal in the CRM sense.
type Opportunity struct {
	ID               int64            `json:"id"`
	ExternalID       string           `json:"external_id"`
	Name             string           `json:"name"`
	AccountID        int64            `json:"account_id"`
	OwnerID          int64            `json:"owner_id,omitempty"`   // the AE
	PartnerID        int64            `json:"partner_id,omitempty"` // 0: no partner
	Product          string           `json:"product,omitempty"`
	ProductType      ProductType      `json:"product_type"`
	ACV              Money            `json:"acv"`
	Currency         string           `json:"currency"`
	Stage            Stage            `json:"stage"`
	ForecastCategory ForecastCategory `json:"forecast_category"`
	Country          string           `json:"country"`
	Vertical         string           `json:"vertical,omitempty"`
	// DiscountBasisPoints is the discount off list in basis points (1250 = 12.5 %).
	DiscountBasisPoints int         `json:"discount_basis_points"`
	Attribution         Attribution `json:"attribution,omitempty"`
	CreatedOn           time.Time   `json:"created_on"`
	CloseDate           time.Time   `json:"close_date"`
	Routing             Routing     `json:"routing"`
	CreatedAt           time.Time   `json:"created_at"`
	UpdatedAt           time.Time   `json:"updated_at"`
}

func (o *Opportunity) Validate() error {
	if err := firstError(CheckLine("name", o.Name, MaxNameLength), CheckLine("external_id", o.ExternalID, MaxCodeLength),
		CheckLine("product", o.Product, MaxCodeLength), CheckLine("vertical", o.Vertical, MaxCodeLength),
		CheckAmount("acv", o.ACV)); err != nil {
		return err
	}
	switch {
	case strings.TrimSpace(o.Name) == "":
		return FieldError("name", "is required")
	case o.AccountID == 0:
		return FieldError("account_id", "is required")
	case o.ACV < 0:
		return FieldError("acv", "cannot be negative")
	case !ValidCurrency(o.Currency):
		return FieldError("currency", "%q is not an ISO 4217 currency code", o.Currency)
	case !o.ProductType.Valid():
		return CheckOneOf("product_type", o.ProductType, ProductTypes)
	case !o.Stage.Valid():
		return FieldError("stage", "%q is not a stage", o.Stage)
	case !o.ForecastCategory.Valid():
		return FieldError("forecast_category", "%q is not a forecast category", o.ForecastCategory)
	case o.Country != "" && !ValidCountry(o.Country):
		return FieldError("country", "%q is not an ISO 3166 two-letter country code", o.Country)
	case o.DiscountBasisPoints < 0 || o.DiscountBasisPoints > 10000:
		return FieldError("discount_basis_points", "must be between 0 and 10000")
	case o.Attribution != "" && !o.Attribution.Valid():
		return FieldError("attribution", "%q is not an attribution category", o.Attribution)
	case !o.CloseDate.IsZero() && !o.CreatedOn.IsZero() && o.CloseDate.Before(o.CreatedOn):
		return FieldError("close_date", "is before the created date")
	}
	return nil
}

// Registration is a partner's claim on a deal, protected for a fixed time once approved.
type Registration struct {
	ID              int64              `json:"id"`
	ExternalID      string             `json:"external_id"`
	PartnerID       int64              `json:"partner_id"`
	AccountID       int64              `json:"account_id,omitempty"` // resolved account, 0 until matched
	AccountName     string             `json:"account_name"`
	Website         string             `json:"website,omitempty"`
	Country         string             `json:"country"`
	Vertical        string             `json:"vertical,omitempty"` // industry, as the policy names it ("healthcare")
	ProductType     ProductType        `json:"product_type"`
	EstimatedACV    Money              `json:"estimated_acv"`
	Currency        string             `json:"currency"`
	ExpectedClose   time.Time          `json:"expected_close"`
	ContactName     string             `json:"contact_name,omitempty"`
	ContactEmail    string             `json:"contact_email,omitempty"`
	Status          RegistrationStatus `json:"status"`
	SubmittedAt     time.Time          `json:"submitted_at"`
	DecidedAt       time.Time          `json:"decided_at,omitzero"`
	DecidedBy       int64              `json:"decided_by,omitempty"`
	RejectionReason string             `json:"rejection_reason,omitempty"`
	ExpiresAt       time.Time          `json:"expires_at,omitzero"`
	Extensions      int                `json:"extensions"`
	OpportunityID   int64              `json:"opportunity_id,omitempty"`
	CreatedAt       time.Time          `json:"created_at"`
	UpdatedAt       time.Time          `json:"updated_at"`
}

func (r *Registration) Validate() error {
	if errs := r.FieldErrors(); len(errs) > 0 {
		return errs[0]
	}
	return nil
}

// FieldErrors is every reason r is invalid, at most one per field, in the order Validate reports them:
// a form shows them all at once, each next to its field.
func (r *Registration) FieldErrors() []error {
	var errs []error
	seen := map[string]bool{}
	add := func(err error) {
		var fe *Error
		if err == nil || (errors.As(err, &fe) && seen[fe.Field]) {
			return
		}
		if fe != nil {
			seen[fe.Field] = true
		}
		errs = append(errs, err)
	}
	for _, err := range []error{CheckLine("account_name", r.AccountName, MaxNameLength), CheckLine("external_id", r.ExternalID, MaxCodeLength),
		CheckLine("website", r.Website, MaxCodeLength), CheckLine("contact_name", r.ContactName, MaxNameLength),
		CheckLine("contact_email", r.ContactEmail, MaxCodeLength), CheckText("rejection_reason", r.RejectionReason, MaxTextLength),
		CheckAmount("estimated_acv", r.EstimatedACV)} {
		add(err)
	}
	if r.PartnerID == 0 {
		add(FieldError("partner_id", "is required"))
	}
	if strings.TrimSpace(r.AccountName) == "" {
		add(FieldError("account_name", "is required"))
	}
	if !ValidCountry(r.Country) {
		add(FieldError("country", "%q is not an ISO 3166 two-letter country code", r.Country))
	}
	if err := CheckOneOf("product_type", r.ProductType, ProductTypes); err != nil {
		add(err)
	}
	if r.EstimatedACV < 0 {
		add(FieldError("estimated_acv", "cannot be negative"))
	}
	if !ValidCurrency(r.Currency) {
		add(FieldError("currency", "%q is not an ISO 4217 currency code", r.Currency))
	}
	if !r.Status.Valid() {
		add(FieldError("status", "%q is not a registration status", r.Status))
	}
	if r.Status == RegistrationRejected && strings.TrimSpace(r.RejectionReason) == "" {
		add(FieldError("rejection_reason", "is required when a registration is rejected"))
	}
	if r.ContactEmail != "" && !strings.Contains(r.ContactEmail, "@") {
		add(FieldError("contact_email", "%q is not an email address", r.ContactEmail))
	}
	return errs
}

// Touch is a partner's recorded contribution to an opportunity.
type Touch struct {
	ID            int64     `json:"id"`
	ExternalID    string    `json:"external_id"`
	PartnerID     int64     `json:"partner_id"`
	OpportunityID int64     `json:"opportunity_id"`
	Kind          TouchKind `json:"kind"`
	OccurredAt    time.Time `json:"occurred_at"`
	Note          string    `json:"note,omitempty"`
}

func (t *Touch) Validate() error {
	if err := firstError(CheckLine("external_id", t.ExternalID, MaxCodeLength), CheckText("note", t.Note, MaxTextLength)); err != nil {
		return err
	}
	switch {
	case t.PartnerID == 0:
		return FieldError("partner_id", "is required")
	case t.OpportunityID == 0:
		return FieldError("opportunity_id", "is required")
	case !t.Kind.Valid():
		return CheckOneOf("kind", t.Kind, TouchKinds)
	case t.OccurredAt.IsZero():
		return FieldError("occurred_at", "is required")
	}
	return nil
}

// Conflict is a channel conflict between a partner and the direct team or between partners.
type Conflict struct {
	ID                  int64           `json:"id"`
	Cause               ConflictCause   `json:"cause"`
	AccountID           int64           `json:"account_id,omitempty"`
	ProductType         ProductType     `json:"product_type,omitempty"`
	OpportunityID       int64           `json:"opportunity_id,omitempty"`
	RegistrationID      int64           `json:"registration_id,omitempty"`
	OtherRegistrationID int64           `json:"other_registration_id,omitempty"`
	Rule                string          `json:"rule,omitempty"` // the ROE rule in force when it arose
	Level               EscalationLevel `json:"level"`
	Status              ConflictStatus  `json:"status"`
	OpenedAt            time.Time       `json:"opened_at"`
	LevelDueAt          time.Time       `json:"level_due_at"`
	Resolution          Resolution      `json:"resolution,omitempty"`
	// PartnerShareBasisPoints is the partner's share in a split (the direct side has the rest).
	PartnerShareBasisPoints int       `json:"partner_share_basis_points,omitempty"`
	Rationale               string    `json:"rationale,omitempty"`
	ResolvedAt              time.Time `json:"resolved_at,omitzero"`
	ResolvedBy              int64     `json:"resolved_by,omitempty"`
}

// EscalationEntry is one step of a conflict's append-only escalation log.
type EscalationEntry struct {
	ID         int64           `json:"id"`
	ConflictID int64           `json:"conflict_id"`
	At         time.Time       `json:"at"`
	Level      EscalationLevel `json:"level"`
	Action     string          `json:"action"` // opened, escalated, resolved, comment
	ActorID    int64           `json:"actor_id,omitempty"`
	Note       string          `json:"note,omitempty"`
}

// AuditEntry is one line of the append-only audit log of decisions and money.
type AuditEntry struct {
	ID       int64     `json:"id"`
	At       time.Time `json:"at"`
	ActorID  int64     `json:"actor_id,omitempty"`
	Actor    string    `json:"actor"` // email, or "system"
	Action   string    `json:"action"`
	Entity   string    `json:"entity"`
	EntityID string    `json:"entity_id"`
	Detail   string    `json:"detail,omitempty"` // JSON
}

// PolicyStatus is where a rules-of-engagement policy version is in its life.
type PolicyStatus string

const (
	PolicyDraft      PolicyStatus = "draft"
	PolicyPublished  PolicyStatus = "published"
	PolicySuperseded PolicyStatus = "superseded"
)

// DocumentVersion is one stored version of a document RevOps writes in YAML, checks and publishes:
// the rules-of-engagement policy (PolicyVersion) and the compensation plan (CompPlanVersion) are kept
// alike, from draft through published to superseded.
type DocumentVersion struct {
	ID            int64        `json:"id"`
	Name          string       `json:"name"`
	Version       string       `json:"version"`
	EffectiveFrom time.Time    `json:"effective_from"`
	Status        PolicyStatus `json:"status" enum:"draft,published,superseded"`
	Source        string       `json:"source" doc:"the YAML as written"`
	CreatedAt     time.Time    `json:"created_at"`
	CreatedBy     int64        `json:"created_by,omitempty"`
	PublishedAt   time.Time    `json:"published_at,omitzero"`
	PublishedBy   int64        `json:"published_by,omitempty"`
}

// PolicyVersion is one stored version of the rules-of-engagement policy. It is a type of its own so
// that the API names it apart from a plan version.
type PolicyVersion DocumentVersion

// Actor is who is asking: every store read and write takes one, and a partner user's actor restricts
// every query to that partner's records.
type Actor struct {
	UserID    int64
	Email     string
	Role      Role
	PartnerID int64 // set only for partner users
}

// SystemActor is the actor of background work and the command line.
var SystemActor = Actor{Email: "system", Role: RoleAdmin}

// IsPartner reports whether the actor is a partner user and so sees only its partner's records.
func (a Actor) IsPartner() bool { return a.Role == RolePartnerUser }

// Can reports whether the actor's role is one of roles.
func (a Actor) Can(roles ...Role) bool {
	for _, r := range roles {
		if a.Role == r {
			return true
		}
	}
	return a.Role == RoleAdmin
}

// firstError returns the first non-nil error of errs.
func firstError(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
