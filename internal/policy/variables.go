package policy

import "github.com/expr-lang/expr/ast"

// variableOrder is every variable a condition may test (the env tags), in the order TestedVariables
// lists them.
var variableOrder = []string{"acv", "currency", "country", "vertical", "product_type", "partner_tier", "has_partner",
	"registration_status", "current_motion", "stage", "direct_presence", "fields"}

// TestedVariables returns the variables the policy's rule conditions test, in a fixed order: what a
// deal must carry for the policy to decide on what it says. A form that files deals asks for each
// deal field in the list (issue 10: a registration without a vertical routes healthcare wrongly).
func (p *Policy) TestedVariables() []string {
	used := make(map[string]bool)
	for _, r := range p.rules {
		if r.cond == nil || r.cond.tree == nil {
			continue
		}
		tree := r.cond.tree
		ast.Walk(&tree, visitorFunc(func(n *ast.Node) {
			if id, ok := (*n).(*ast.IdentifierNode); ok {
				used[id.Value] = true
			}
		}))
	}
	var out []string
	for _, v := range variableOrder {
		if used[v] {
			out = append(out, v)
		}
	}
	return out
}

// Tests reports whether a rule condition tests variable name.
func (p *Policy) Tests(name string) bool {
	for _, v := range p.TestedVariables() {
		if v == name {
			return true
		}
	}
	return false
}
