package tandem

// UpsertCounts reports what a bulk upsert did: rows new to the store, rows that changed, and rows that
// were already exactly as given (which is what makes a re-import idempotent).
type UpsertCounts struct {
	Inserted  int `json:"inserted"`
	Updated   int `json:"updated"`
	Unchanged int `json:"unchanged"`
}

// Add accumulates o into c.
func (c *UpsertCounts) Add(o UpsertCounts) {
	c.Inserted += o.Inserted
	c.Updated += o.Updated
	c.Unchanged += o.Unchanged
}

// RoutingState is what routing needs to know about a stored opportunity besides its own fields: the
// motion it has now (for stickiness) and the status of its strongest registration ("" when none;
// approved beats submitted beats anything else).
type RoutingState struct {
	OpportunityID      int64
	Motion             Motion
	RegistrationStatus RegistrationStatus
	PartnerTier        Tier
	// Stage and Routing are as stored (Routing.Motion is Motion); the import reads them to hold a
	// re-route past the protected stage. Not every reader fills them.
	Stage   Stage
	Routing Routing
}
