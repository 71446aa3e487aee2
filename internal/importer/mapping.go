package importer

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	tandem "github.com/tandem-revops/tandem"
)

// Kinds lists the kinds of record a file can hold, in the order they should be imported (each may
// refer to the ones before it).
var Kinds = []string{"users", "partners", "accounts", "opportunities", "registrations", "touches"}

// ReadKinds lists the kinds that are read by other commands through FieldReader but never written to
// the store by Import: "history" is the forecast's deal-outcome history (tandem forecast --map).
var ReadKinds = []string{"history"}

// Formats lists the built-in column layouts; "auto" picks one from the header.
var Formats = []string{"tandem", "salesforce", "hubspot"}

//go:embed mappings/*.yaml
var builtinMappingFiles embed.FS

// Mapping is a parsed --map file: how the columns of one CRM export become Tandem's fields.
//
//	kind: opportunities          # optional; when given it must match --kind
//	format: none                 # base layout the mapping refines: tandem, salesforce, hubspot, none
//	                             # (default: --format, or the one detected from the header)
//	date_layout: "2/1/2006"      # Go layout tried before the built-in ones
//	currency: EUR                # currency of amounts that name none (default USD)
//	columns:                     # target field → source column, or {column, template, default}
//	  external_id: Deal Number
//	  account: [AccountId, Account ID] # a list: the first of these columns the file has
//	  name: {template: "{Product} for {Customer}"}
//	  owner: {column: Rep, template: "{Rep|slug}@example.com"}
//	constants:                   # target field → the same value on every row
//	  product_type: core
//	values:                      # target field → source value → value (matched ignoring case and punctuation)
//	  stage: {Won: closed_won, Engaging: qualified}
//	ignore: [Notes, Probability] # columns known to be unused: no warning
//
// Templates put column values in braces; "{Column|slug}" lower-cases the value and joins its words with
// dots ("Anna Snelling" → "anna.snelling"), "|lower" and "|upper" change case, and "{$row}" is the
// record's 1-based position among the data rows.
type Mapping struct {
	Name       string                       `yaml:"-"`
	Kind       string                       `yaml:"kind"`
	Format     string                       `yaml:"format"`
	DateLayout string                       `yaml:"date_layout"`
	Currency   string                       `yaml:"currency"`
	Columns    map[string]Column            `yaml:"columns"`
	Constants  map[string]string            `yaml:"constants"`
	Values     map[string]map[string]string `yaml:"values"`
	Ignore     []string                     `yaml:"ignore"`
}

// Column says where a target field comes from: a source column, a template over columns, or both (the
// column is then the one errors name), with a default for blank cells. Alternatives are further names
// of the column, tried in order when the file lacks Column: one mapping then reads the variants of an
// export (Salesforce's API names "OpportunityId", its reports' "Opportunity ID").
type Column struct {
	Column       string   `yaml:"column"`
	Alternatives []string `yaml:"-"`
	Template     string   `yaml:"template"`
	Default      string   `yaml:"default"`
}

// UnmarshalYAML accepts a bare column name, a list of names (the first the file has), or a
// {column, template, default} mapping whose column may be such a list.
func (c *Column) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		c.Column = n.Value
		return nil
	case yaml.SequenceNode:
		return c.names(n)
	case yaml.MappingNode:
	default:
		return fmt.Errorf("line %d: a column is a name, a list of names or {column, template, default}", n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, val := n.Content[i], n.Content[i+1]
		if key.Value == "column" && val.Kind == yaml.SequenceNode {
			if err := c.names(val); err != nil {
				return err
			}
			continue
		}
		if val.Kind != yaml.ScalarNode {
			return fmt.Errorf("line %d: %s must be a string", val.Line, key.Value)
		}
		switch key.Value {
		case "column":
			c.Column = val.Value
		case "template":
			c.Template = val.Value
		case "default":
			c.Default = val.Value
		default:
			return fmt.Errorf("line %d: unknown key %q (expected column, template, default)", key.Line, key.Value)
		}
	}
	return nil
}

// names reads a list of column names: the first is Column, the rest its Alternatives.
func (c *Column) names(n *yaml.Node) error {
	if len(n.Content) == 0 {
		return fmt.Errorf("line %d: the list of column names is empty", n.Line)
	}
	for _, item := range n.Content {
		if item.Kind != yaml.ScalarNode || item.Value == "" {
			return fmt.Errorf("line %d: a column name must be a non-empty string", item.Line)
		}
	}
	c.Column = n.Content[0].Value
	for _, item := range n.Content[1:] {
		c.Alternatives = append(c.Alternatives, item.Value)
	}
	return nil
}

// ParseMapping parses a mapping file. name is used in error messages. It fails on unknown keys, an
// unknown kind or format, a field the kind does not have, a bad template or a bad currency code.
func ParseMapping(name string, src []byte) (*Mapping, error) {
	m := &Mapping{Name: name}
	dec := yaml.NewDecoder(bytes.NewReader(src))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil {
		return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: %v", name, err)
	}
	m.Name = name
	if m.Kind != "" && !slices.Contains(Kinds, m.Kind) && m.Kind != HistoryKind && !slices.Contains(ReadKinds, m.Kind) {
		all := append(append(slices.Clone(Kinds), HistoryKind), ReadKinds...)
		return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: unknown kind %q (expected one of %s)", name, m.Kind, strings.Join(all, ", "))
	}
	if m.Format != "" && m.Format != "none" && !slices.Contains(Formats, m.Format) {
		return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: unknown format %q (expected none or one of %s)", name, m.Format, strings.Join(Formats, ", "))
	}
	if m.Currency != "" && !tandem.ValidCurrency(m.Currency) {
		return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: currency %q is not an ISO 4217 code", name, m.Currency)
	}
	for field, col := range m.Columns {
		if col.Column == "" && col.Template == "" {
			return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: field %q has neither a column nor a template", name, field)
		}
		if _, err := parseTemplate(col.Template); err != nil {
			return nil, tandem.Errorf(tandem.EINVALID, "mapping %s: field %q: %v", name, field, err)
		}
	}
	if m.Kind != "" {
		if err := m.checkFields(m.Kind); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// BuiltinMapping returns one of the mapping files shipped in internal/importer/mappings by its file
// name without ".yaml" (e.g. "maven-accounts").
func BuiltinMapping(name string) (*Mapping, error) {
	src, err := builtinMappingFiles.ReadFile("mappings/" + name + ".yaml")
	if err != nil {
		return nil, tandem.NotFound("built-in mapping", name)
	}
	return ParseMapping(name, src)
}

// BuiltinMappings lists the names BuiltinMapping accepts.
func BuiltinMappings() []string {
	entries, _ := fs.ReadDir(builtinMappingFiles, "mappings")
	var names []string
	for _, e := range entries {
		if n, ok := strings.CutSuffix(e.Name(), ".yaml"); ok {
			names = append(names, n)
		}
	}
	return names
}

func (m *Mapping) checkFields(kind string) error {
	fields := kindFields(kind)
	check := func(section, field string) error {
		if !slices.Contains(fields, field) {
			return tandem.Errorf(tandem.EINVALID, "mapping %s: %s: %s has no field %q (fields: %s)", m.Name, section, kind, field, strings.Join(fields, ", "))
		}
		return nil
	}
	for _, f := range sortedKeys(m.Columns) {
		if err := check("columns", f); err != nil {
			return err
		}
	}
	for _, f := range sortedKeys(m.Constants) {
		if err := check("constants", f); err != nil {
			return err
		}
	}
	for _, f := range sortedKeys(m.Values) {
		if err := check("values", f); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// kindFields lists the target fields of a kind: Tandem's own column names.
func kindFields(kind string) []string {
	switch kind {
	case "accounts":
		return []string{"external_id", "name", "domain", "country", "vertical", "parent", "owner", "owner_email"}
	case "partners":
		return []string{"external_id", "name", "tier", "type", "countries", "verticals", "certifications", "manager",
			"manager_email", "standing"}
	case "users":
		return []string{"external_id", "email", "name", "role", "partner", "manager", "manager_email", "disabled"}
	case "opportunities":
		return []string{"external_id", "name", "account", "account_name", "owner", "owner_email", "partner", "product",
			"product_type", "acv", "currency", "stage", "forecast_category", "country", "vertical", "discount",
			"attribution", "created_on", "close_date"}
	case "registrations":
		return []string{"external_id", "partner", "account", "account_name", "website", "country", "product_type",
			"estimated_acv", "currency", "expected_close", "contact_name", "contact_email", "status", "submitted_at",
			"decided_at", "rejection_reason", "expires_at", "extensions", "opportunity"}
	case "touches":
		return []string{"external_id", "partner", "opportunity", "kind", "occurred_at", "note"}
	case HistoryKind:
		// opportunity is the deal's CRM id; a file has either a row per change (field names the changed
		// field, new_value and old_value its values) or a row per snapshot of the deal (the recorded fields
		// as columns). See ReadHistoryFile.
		return []string{"opportunity", "changed_at", "field", "old_value", "new_value", "stage", "acv", "close_date", "forecast_category"}
	case "history":
		// pipeline_amount is what a deal showed while open, when the export keeps it apart from the
		// won value; segment is any static attribute (tier, region, product) the model may split by.
		return []string{"id", "category", "created_on", "closed_on", "outcome", "amount", "pipeline_amount", "segment"}
	}
	return nil
}

// requiredFields lists, per kind, groups of fields of which at least one must have a source.
func requiredFields(kind string) [][]string {
	req := [][]string{{"external_id"}}
	switch kind {
	case "accounts", "partners":
		req = append(req, []string{"name"})
	case "users":
		req = append(req, []string{"email"}, []string{"role"})
	case "opportunities":
		req = append(req, []string{"name"}, []string{"account", "account_name"}, []string{"stage"})
	case "registrations":
		req = append(req, []string{"partner"}, []string{"account_name"})
	case "touches":
		req = append(req, []string{"partner"}, []string{"opportunity"}, []string{"kind"})
	case HistoryKind:
		req = [][]string{{"opportunity"}, {"changed_at"}, append([]string{"field"}, snapshotFields...)}
	case "history":
		req = [][]string{{"id"}, {"category"}, {"created_on"}, {"closed_on"}, {"outcome"}, {"amount"}}
	}
	return req
}

// builtinAliases returns, for a format and kind, the source column names each target field is read
// from (the first one present wins) and the columns the format knows but Tandem does not use.
func builtinAliases(format, kind string) (aliases map[string][]string, unused []string) {
	switch format {
	case "tandem":
		aliases = map[string][]string{}
		for _, f := range kindFields(kind) {
			aliases[f] = []string{f}
		}
		switch kind {
		case "accounts":
			aliases["domain"] = append(aliases["domain"], "website")
		case "opportunities":
			aliases["acv"] = append(aliases["acv"], "amount")
		case "registrations":
			aliases["estimated_acv"] = append(aliases["estimated_acv"], "amount", "acv")
		}
		return aliases, nil
	case "salesforce":
		switch kind {
		case "accounts":
			return map[string][]string{
					"external_id": {"Account ID", "Id", "AccountId"},
					"name":        {"Account Name", "Name"},
					"domain":      {"Website"},
					"country":     {"Billing Country", "BillingCountry", "Shipping Country"},
					"vertical":    {"Industry"},
					"parent":      {"Parent Account ID", "ParentId"},
					"owner":       {"Account Owner Email", "Owner Email", "Account Owner", "OwnerId"},
				}, []string{"Type", "Phone", "Fax", "Description", "Annual Revenue", "AnnualRevenue", "Employees", "NumberOfEmployees",
					"Billing Street", "Billing City", "Billing State/Province", "Billing Zip/Postal Code", "Created Date", "Last Modified Date"}
		case "users":
			return map[string][]string{
				"external_id": {"User ID", "Id"},
				"email":       {"Email"},
				"name":        {"Full Name", "Name"},
				"role":        {"Tandem Role", "Role"},
				"manager":     {"Manager ID", "ManagerId", "Manager Email"},
				"disabled":    {"Inactive"},
			}, []string{"Username", "Alias", "Profile", "Title", "Active", "Last Login"}
		case "opportunities":
			return map[string][]string{
					"external_id":       {"Opportunity ID", "Id", "OpportunityId"},
					"name":              {"Opportunity Name", "Name"},
					"account":           {"Account ID", "AccountId"},
					"account_name":      {"Account Name"},
					"owner":             {"Owner Email", "Opportunity Owner Email", "Opportunity Owner", "OwnerId"},
					"partner":           {"Partner Account ID", "Partner Account"},
					"product":           {"Product Name", "Product"},
					"product_type":      {"Product Family", "Product Type", "Type"},
					"acv":               {"Amount", "ACV"},
					"currency":          {"Opportunity Currency", "Currency", "CurrencyIsoCode", "Amount Currency"},
					"stage":             {"Stage", "StageName"},
					"forecast_category": {"Forecast Category", "ForecastCategoryName", "ForecastCategory"},
					"country":           {"Billing Country", "Country"},
					"vertical":          {"Industry"},
					"discount":          {"Discount", "Discount (%)"},
					"created_on":        {"Created Date", "CreatedDate"},
					"close_date":        {"Close Date", "CloseDate"},
				}, []string{"Probability (%)", "Probability", "Expected Revenue", "Lead Source", "Next Step", "Fiscal Period",
					"Age", "Last Modified Date", "Description", "Fiscal Year", "Fiscal Quarter", "Owner Role"}
		}
	case "hubspot":
		switch kind {
		case "accounts":
			return map[string][]string{
					"external_id": {"Record ID", "Company ID"},
					"name":        {"Company name", "Name"},
					"domain":      {"Company Domain Name", "Website URL"},
					"country":     {"Country/Region", "Country"},
					"vertical":    {"Industry"},
					"parent":      {"Parent Company ID"},
					"owner":       {"Company owner"},
				}, []string{"Create Date", "Last Activity Date", "Phone Number", "City", "State/Region", "Lifecycle Stage",
					"Number of Employees", "Annual Revenue"}
		case "opportunities":
			return map[string][]string{
					"external_id":       {"Record ID", "Deal ID"},
					"name":              {"Deal Name"},
					"account":           {"Associated Company IDs", "Associated Company ID", "Company ID"},
					"account_name":      {"Associated Company", "Company name"},
					"owner":             {"Deal owner", "Deal Owner Email"},
					"product_type":      {"Deal Type", "Product Type"},
					"product":           {"Product", "Line Item"},
					"acv":               {"Amount", "Annual contract value", "ACV"},
					"currency":          {"Currency", "Deal currency code"},
					"stage":             {"Deal Stage"},
					"forecast_category": {"Forecast category"},
					"country":           {"Country/Region", "Country"},
					"vertical":          {"Industry"},
					"created_on":        {"Create Date"},
					"close_date":        {"Close Date"},
				}, []string{"Pipeline", "Deal probability", "Last Activity Date", "Last Modified Date", "Forecast amount",
					"Amount in company currency", "Deal Description", "Priority", "Next step"}
		}
	}
	return nil, nil
}

// detectFormat picks the built-in format whose columns the header matches most; ties go to tandem, then
// salesforce.
func detectFormat(kind string, header []string) string {
	present := make(map[string]bool, len(header))
	for _, h := range header {
		present[strings.ToLower(h)] = true
	}
	best, bestScore := "tandem", -1
	for _, f := range Formats {
		aliases, _ := builtinAliases(f, kind)
		score := 0
		for _, names := range aliases {
			for _, n := range names {
				if present[strings.ToLower(n)] {
					score++
					break
				}
			}
		}
		if score > bestScore {
			best, bestScore = f, score
		}
	}
	return best
}

// segment is one piece of a template: literal text, a column's value, or the row ordinal.
type segment struct {
	literal string
	column  string // set for a column reference
	index   int
	filter  string // "", "slug", "lower", "upper"
	row     bool
}

func parseTemplate(t string) ([]segment, error) {
	var segs []segment
	for t != "" {
		open := strings.IndexByte(t, '{')
		if open < 0 {
			segs = append(segs, segment{literal: t})
			break
		}
		if open > 0 {
			segs = append(segs, segment{literal: t[:open]})
		}
		end := strings.IndexByte(t[open:], '}')
		if end < 0 {
			return nil, fmt.Errorf("template %q: a { is not closed", t)
		}
		ref := t[open+1 : open+end]
		t = t[open+end+1:]
		name, filter, _ := strings.Cut(ref, "|")
		name, filter = strings.TrimSpace(name), strings.TrimSpace(filter)
		switch filter {
		case "", "slug", "lower", "upper":
		default:
			return nil, fmt.Errorf("template: unknown filter %q (expected slug, lower or upper)", filter)
		}
		if name == "" {
			return nil, errors.New("template: empty {}")
		}
		if name == "$row" {
			segs = append(segs, segment{row: true})
			continue
		}
		segs = append(segs, segment{column: name, filter: filter, index: -1})
	}
	return segs, nil
}
