package server

import (
	tandem "github.com/tandem-revops/tandem"
)

// The navigation is grouped by job into a few menus, each entry shown only to the roles that may open
// its page: an entry names the same access group from the permission table (permissions.go) that guards
// its route, so the menus cannot offer a page that answers 403.

// navSide says whose navigation an entry belongs to: the vendor's staff, the partner portal, or both.
type navSide int

const (
	navBoth navSide = iota
	navStaff
	navPartner
)

// navEntry is one link of a menu.
type navEntry struct {
	key   string // the view's Nav value that highlights it; the link's id is "nav-"+key
	label string
	href  string
	who   access
	side  navSide
}

// navMenu is a named group of entries; a menu with one entry is shown as a plain link.
type navMenu struct {
	label   string
	entries []navEntry
}

// navMenus is the whole navigation, in the order it is shown.
var navMenus = []navMenu{
	{"Home", []navEntry{{key: "home", label: "Home", href: "/", who: anyone}}},
	{"Deals", []navEntry{
		{key: "opportunities", label: "Opportunities", href: "/opportunities", who: anyone, side: navStaff},
		{key: "opportunities", label: "Our deals", href: "/opportunities", who: anyone, side: navPartner},
		{key: "registrations", label: "Registrations", href: "/registrations", who: staff, side: navStaff},
		{key: "register", label: "Register", href: "/portal/register", who: registrars, side: navPartner},
		{key: "bulk", label: "Bulk upload", href: "/portal/bulk", who: registrars, side: navPartner},
		{key: "my-registrations", label: "My registrations", href: "/portal/registrations", who: anyone, side: navPartner},
		{key: "approvals", label: "Approvals", href: "/approvals", who: deciders, side: navStaff},
		{key: "account-matches", label: "Account matches", href: "/account-matches", who: staff, side: navStaff},
		{key: "conflicts", label: "Conflicts", href: "/conflicts?status=open", who: staff, side: navStaff},
		{key: "escalations", label: "Escalation log", href: "/escalations", who: staff, side: navStaff},
		{key: "review", label: "Review", href: "/review", who: staff, side: navStaff},
	}},
	{"Partners", []navEntry{
		{key: "guide", label: "Program guide", href: "/guide", who: anyone},
		{key: "mdf", label: "MDF", href: "/mdf", who: anyone},
		{key: "certifications", label: "Certifications", href: "/certifications", who: anyone},
	}},
	{"Compensation", []navEntry{
		{key: "comp", label: "Compensation", href: "/comp", who: staff, side: navStaff},
		{key: "comp", label: "Margins and payouts", href: "/comp/partner", who: compPartnerViewers, side: navPartner},
	}},
	{"Forecast & portfolio", []navEntry{
		{key: "forecast", label: "Forecast", href: "/forecast", who: staff, side: navStaff},
		{key: "forecast-call", label: "Weekly CRO call", href: "/forecast/call", who: staff, side: navStaff},
		{key: "portfolio", label: "Portfolio", href: "/portfolio", who: compViewers, side: navStaff},
		{key: "models", label: "Models", href: "/models", who: staff, side: navStaff},
	}},
	{"Admin", []navEntry{
		{key: "policy", label: "Policy", href: "/policy", who: staff, side: navStaff},
		{key: "import", label: "Import", href: "/import", who: ops, side: navStaff},
		{key: "webhooks", label: "Webhooks", href: "/webhooks", who: ops, side: navStaff},
		{key: "audit", label: "Audit log", href: "/audit", who: staff, side: navStaff},
		{key: "users", label: "Users", href: "/users", who: admins, side: navStaff},
	}},
}

// NavLink is a navigation entry as the layout shows it.
type NavLink struct {
	ID, Label, Href string
	On              bool
	Badge           int // e.g. the account matches waiting for review; 0 for none
}

// NavGroup is a menu as the layout shows it: a plain link when it has one entry.
type NavGroup struct {
	Label string
	On    bool // one of its entries is the page shown
	Flat  bool // shown as plain links rather than a menu
	Badge int  // the sum of its links' badges, shown on the closed menu
	Links []NavLink
}

// navFor returns the menus role sees, with the entry current highlighted and badges filled in.
func navFor(role tandem.Role, current string, badges map[string]int) []NavGroup {
	partner := role == tandem.RolePartnerUser
	var groups []NavGroup
	for _, m := range navMenus {
		// A partner user's deal pages are the portal's heart: shown as plain links, not a menu.
		g := NavGroup{Label: m.label, Flat: partner && m.label == "Deals"}
		for _, e := range m.entries {
			if !e.who.allows(role) || (e.side == navStaff && partner) || (e.side == navPartner && !partner) {
				continue
			}
			on := e.key == current
			g.On = g.On || on
			g.Links = append(g.Links, NavLink{ID: "nav-" + e.key, Label: e.label, Href: e.href, On: on, Badge: badges[e.key]})
			g.Badge += badges[e.key]
		}
		if len(g.Links) > 0 {
			groups = append(groups, g)
		}
	}
	return groups
}
