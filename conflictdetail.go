package tandem

// ConflictDetail is a conflict with what it was about when it opened: the partner of its registration
// (the first to register, in a partner overlap), the other partner, the AE, the deal size and the
// partner's tier. Vendor staff only: it names both sides.
type ConflictDetail struct {
	Conflict
	PartnerID      int64  `json:"partner_id,omitempty"`
	OtherPartnerID int64  `json:"other_partner_id,omitempty"`
	AEID           int64  `json:"ae_id,omitempty"`
	ACV            Money  `json:"acv" doc:"the deal size when the conflict opened, in minor units"`
	PartnerTier    Tier   `json:"partner_tier,omitempty"`
	Segment        string `json:"segment" doc:"the ACV band: under_50k, 50k_250k, 250k_1m or over_1m"`
	Currency       string `json:"currency,omitempty" doc:"the currency of acv: the deal's, else the registration's"`
}
