package demo

// The word lists the generator draws names from. They are data, read only: nothing writes to them.

// companyStemHeads and companyStemTails make the distinctive part of a company name: fused ("North" + "wind")
// or a head alone with another fused pair.
var companyStemHeads = []string{
	"North", "South", "East", "West", "Blue", "Red", "Green", "Silver", "Gold", "Iron", "Stone", "River",
	"Lake", "Cedar", "Oak", "Pine", "Maple", "Summit", "Apex", "Vertex", "Nova", "Stellar", "Lumen",
	"Bright", "Clear", "Swift", "True", "Prime", "Core", "Peak", "Harbor", "Bay", "Ridge", "Valley",
	"Sun", "Star", "Moon", "Sky", "Cloud", "Storm", "Frost", "Fire", "Arc", "Quantum", "Atlas", "Orion",
	"Titan", "Zen", "Omni", "Meri", "Alto", "Terra", "Aqua", "Helix", "Vector", "Delta", "Sigma", "Polar",
}

var companyStemTails = []string{
	"wind", "field", "gate", "bridge", "stone", "point", "view", "line", "wave", "works", "forge", "path",
	"way", "crest", "mark", "light", "port", "wood", "brook", "haven", "tech", "logic", "soft", "data",
	"core", "sys", "net", "link", "ware", "scape",
}

// companySurnames give family-style names ("Hartmann & Berg", "Whitaker Group").
var companySurnames = []string{
	"Hartmann", "Berg", "Whitaker", "Okafor", "Lindqvist", "Moreau", "Castellano", "Tanaka", "Sato",
	"Kowalski", "Fischer", "Schmidt", "Dubois", "Rossi", "Bianchi", "Novak", "Jansen", "de Vries",
	"Almeida", "Santos", "Oliveira", "Garcia", "Fernandez", "Murphy", "O'Brien", "Campbell", "Walsh",
	"Patel", "Sharma", "Nakamura", "Kim", "Park", "Chen", "Wong", "Larsen", "Nilsson", "Keller", "Weber",
	"Brennan", "Hughes", "Sterling", "Ashford", "Whitmore", "Pemberton", "Caldwell", "Harrington",
}

// verticalNouns are the words that say what a company does, per vertical.
var verticalNouns = map[string][]string{
	"healthcare":            {"Health", "Medical", "Clinics", "Care", "Biosciences", "Diagnostics", "Pharma", "Hospital Group"},
	"government":            {"County Services", "Public Works", "Civic Systems", "Municipal Authority", "Transit Authority", "Public Services"},
	"financial_services":    {"Capital", "Bank", "Financial", "Insurance", "Credit Union", "Asset Management", "Payments", "Securities"},
	"manufacturing":         {"Manufacturing", "Industries", "Components", "Machinery", "Plastics", "Metals", "Automotive", "Precision"},
	"retail":                {"Retail", "Stores", "Outfitters", "Markets", "Brands", "Apparel", "Home Goods", "Grocers"},
	"technology":            {"Software", "Systems", "Labs", "Analytics", "Networks", "Digital", "Technologies", "Cloud"},
	"education":             {"University", "College", "Learning", "Academy", "Schools", "Education Trust"},
	"energy":                {"Energy", "Power", "Renewables", "Utilities", "Oil & Gas", "Solar", "Grid"},
	"logistics":             {"Logistics", "Freight", "Shipping", "Transport", "Supply Chain", "Distribution"},
	"media":                 {"Media", "Studios", "Publishing", "Entertainment", "Broadcasting"},
	"professional_services": {"Consulting", "Advisors", "Partners", "Legal", "Accounting"},
}

// verticals lists the verticals in a fixed order (map iteration order is random) with their weights.
var verticals = []weighted[string]{
	{"technology", 20}, {"financial_services", 14}, {"healthcare", 12}, {"manufacturing", 13},
	{"retail", 10}, {"government", 7}, {"education", 6}, {"energy", 5}, {"logistics", 6}, {"media", 3},
	{"professional_services", 4},
}

// country is where a company is registered: its weight among accounts, the legal suffixes companies
// there use, its top-level domain, the currency deals there are priced in and the demo territory.
type country struct {
	code      string
	name      string
	weight    float64
	suffixes  []string
	tld       string
	currency  string
	territory string
}

var countries = []country{
	{"US", "USA", 40, []string{"Inc.", "LLC", "Corp.", "Corporation", "Co."}, "com", "USD", ""},
	{"CA", "Canada", 5, []string{"Inc.", "Ltd.", "Corp."}, "ca", "CAD", "NA East"},
	{"GB", "UK", 8, []string{"Ltd", "plc", "Limited"}, "co.uk", "GBP", "UK&I"},
	{"IE", "Ireland", 1.2, []string{"Ltd", "DAC", "Limited"}, "ie", "EUR", "UK&I"},
	{"DE", "Germany", 7, []string{"GmbH", "AG", "GmbH & Co. KG", "SE"}, "de", "EUR", "DACH"},
	{"AT", "Austria", 1, []string{"GmbH", "AG"}, "at", "EUR", "DACH"},
	{"CH", "Switzerland", 1.5, []string{"AG", "GmbH", "SA"}, "ch", "EUR", "DACH"},
	{"FR", "France", 5, []string{"S.A.", "SAS", "SARL"}, "fr", "EUR", "EMEA South"},
	{"ES", "Spain", 2, []string{"S.A.", "S.L."}, "es", "EUR", "EMEA South"},
	{"IT", "Italy", 2, []string{"S.p.A.", "S.r.l."}, "it", "EUR", "EMEA South"},
	{"PT", "Portugal", 0.7, []string{"S.A.", "Lda."}, "pt", "EUR", "EMEA South"},
	{"ZA", "South Africa", 0.8, []string{"(Pty) Ltd"}, "co.za", "USD", "EMEA South"},
	{"AE", "UAE", 0.8, []string{"LLC", "FZ-LLC"}, "ae", "USD", "EMEA South"},
	{"NL", "Netherlands", 3, []string{"B.V.", "N.V."}, "nl", "EUR", "EMEA North"},
	{"BE", "Belgium", 1, []string{"NV", "SA", "BV"}, "be", "EUR", "EMEA North"},
	{"SE", "Sweden", 1.5, []string{"AB"}, "se", "EUR", "EMEA North"},
	{"DK", "Denmark", 0.8, []string{"A/S", "ApS"}, "dk", "EUR", "EMEA North"},
	{"NO", "Norway", 0.8, []string{"AS", "ASA"}, "no", "EUR", "EMEA North"},
	{"FI", "Finland", 0.6, []string{"Oy", "Oyj"}, "fi", "EUR", "EMEA North"},
	{"PL", "Poland", 1, []string{"Sp. z o.o.", "S.A."}, "pl", "EUR", "EMEA North"},
	{"JP", "Japan", 4, []string{"K.K.", "Co., Ltd."}, "co.jp", "USD", "APAC"},
	{"AU", "Australia", 4, []string{"Pty Ltd", "Ltd"}, "com.au", "USD", "APAC"},
	{"NZ", "New Zealand", 0.8, []string{"Limited", "Ltd"}, "co.nz", "USD", "APAC"},
	{"SG", "Singapore", 2, []string{"Pte. Ltd."}, "com.sg", "USD", "APAC"},
	{"IN", "India", 3, []string{"Pvt. Ltd.", "Limited"}, "in", "USD", "APAC"},
	{"KR", "South Korea", 1, []string{"Co., Ltd.", "Corp."}, "co.kr", "USD", "APAC"},
	{"BR", "Brazil", 3, []string{"Ltda.", "S.A."}, "com.br", "USD", "LATAM"},
	{"MX", "Mexico", 2, []string{"S.A. de C.V.", "S. de R.L."}, "com.mx", "USD", "LATAM"},
	{"AR", "Argentina", 0.8, []string{"S.A.", "S.R.L."}, "com.ar", "USD", "LATAM"},
	{"CL", "Chile", 0.8, []string{"S.A.", "SpA"}, "cl", "USD", "LATAM"},
	{"CO", "Colombia", 0.8, []string{"S.A.S.", "S.A."}, "com.co", "USD", "LATAM"},
}

// territories are the sales territories, each with its AE headcount and the VP Sales region it
// reports to. Headcount follows each territory's bookings, so an AE's quarter is about $1M anywhere.
// US accounts are split between NA East and NA West by state (here: by chance).
var territories = []struct {
	name   string
	aes    int
	region string
}{
	{"NA East", 68, "Americas"},
	{"NA West", 49, "Americas"},
	{"LATAM", 5, "Americas"},
	{"UK&I", 16, "EMEA"},
	{"DACH", 21, "EMEA"},
	{"EMEA North", 4, "EMEA"},
	{"EMEA South", 18, "EMEA"},
	{"APAC", 9, "APAC"},
}

var salesRegions = []string{"Americas", "EMEA", "APAC"}

// products is the vendor's catalogue.
var products = []struct {
	name  string
	kind  string // core, addon, services
	cogs  int    // basis points
	share float64
}{
	{"Helio Platform", "core", 1200, 34},
	{"Helio Platform Enterprise", "core", 1400, 16},
	{"Analytics Add-on", "addon", 900, 10},
	{"Security & Compliance Pack", "addon", 800, 8},
	{"Integration Hub", "addon", 1000, 7},
	{"AI Assistant", "addon", 2500, 6},
	{"Implementation Services", "services", 6500, 11},
	{"Managed Services", "services", 5500, 5},
	{"Training & Enablement", "services", 6000, 3},
}

var firstNames = []string{
	"Ava", "Liam", "Olivia", "Noah", "Emma", "Lucas", "Sofia", "Mateo", "Mia", "Leo", "Isla", "Ethan",
	"Chloe", "Daniel", "Grace", "Samuel", "Hannah", "Jonas", "Lena", "Felix", "Clara", "Hugo", "Alice",
	"Marco", "Giulia", "Pablo", "Lucia", "Tomas", "Elena", "Kenji", "Yuki", "Haruto", "Mei", "Arjun",
	"Priya", "Rohan", "Ananya", "Wei", "Min-jun", "Seo-yeon", "Diego", "Valentina", "Rafael", "Camila",
	"Oliver", "Amelia", "Jack", "Freya", "Finn", "Maya", "Omar", "Layla", "Nadia", "Erik", "Ingrid",
	"Sean", "Aoife", "Thabo", "Zanele", "Dana", "Morgan", "Jordan", "Riley", "Casey", "Avery",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Garcia", "Rodriguez", "Martinez",
	"Anderson", "Taylor", "Thomas", "Moore", "Martin", "Lee", "Thompson", "White", "Harris", "Clark",
	"Lewis", "Walker", "Young", "King", "Wright", "Scott", "Green", "Baker", "Adams", "Nelson", "Müller",
	"Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Dupont", "Laurent", "Bernard", "Rossi",
	"Romano", "Ricci", "Fernández", "López", "Sánchez", "Pérez", "Tanaka", "Suzuki", "Watanabe", "Sato",
	"Patel", "Singh", "Gupta", "Kumar", "Chen", "Wang", "Li", "Kim", "Park", "Silva", "Souza", "Costa",
	"Murphy", "Kelly", "O'Connor", "Nkosi", "Dlamini", "Andersson", "Johansson", "Hansen", "Nowak",
}

// partnerWords name the partners ("Cedarpoint Consulting", "Okafor Digital Group").
var partnerWords = []string{
	"Consulting", "Partners", "Solutions", "Group", "Digital", "Advisory", "Integration", "Systems",
	"Technologies", "IT Services", "Cloud Services", "Networks",
}

var certifications = []string{
	"Certified Implementation Partner", "Security Specialist", "Cloud Migration", "Healthcare Compliance",
	"Public Sector Cleared", "Financial Services Specialist", "Advanced Analytics", "Managed Services Provider",
	"Integration Expert", "Training Delivery",
}

var rejectionReasons = []string{
	"Account already in an active direct sales cycle",
	"Duplicate of an existing registration",
	"Insufficient detail: no customer contact or project",
	"Customer outside the partner's authorised territory",
	"Account is a named strategic account owned by direct sales",
}

var touchNotes = map[string][]string{
	"sourced":   {"Partner brought the opportunity from an existing customer relationship", "Lead from partner's webinar", "Referral from the partner's services engagement", "Partner-sourced RFP"},
	"co_sell":   {"Joint discovery call with the AE", "Partner ran the technical demo", "Joint executive briefing", "Partner scoped the implementation"},
	"influence": {"Partner reference call", "Partner validated the architecture", "Partner shared account intelligence", "Partner introduced the economic buyer"},
}
