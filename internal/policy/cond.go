package policy

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"

	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/ast"
	"github.com/expr-lang/expr/file"
	"github.com/expr-lang/expr/vm"

	tandem "github.com/tandem-revops/tandem"
)

// env is what a condition sees. The field tags are the variable names a policy writes.
type env struct {
	ACV                tandem.Money      `expr:"acv"`
	Currency           string            `expr:"currency"`
	Country            string            `expr:"country"`
	Vertical           string            `expr:"vertical"`
	ProductType        string            `expr:"product_type"`
	PartnerTier        string            `expr:"partner_tier"`
	HasPartner         bool              `expr:"has_partner"`
	RegistrationStatus string            `expr:"registration_status"`
	CurrentMotion      string            `expr:"current_motion"`
	Stage              string            `expr:"stage"`
	Fields             map[string]string `expr:"fields"`
	DirectPresence     []string          `expr:"direct_presence"`
}

// stringVars are the string variables a condition may test, in the order the linter and the guide
// list them.
var stringVars = []string{"country", "vertical", "product_type", "partner_tier", "registration_status", "current_motion", "stage", "currency"}

func (e *env) setStr(name, v string) {
	switch name {
	case "currency":
		e.Currency = v
	case "country":
		e.Country = v
	case "vertical":
		e.Vertical = v
	case "product_type":
		e.ProductType = v
	case "partner_tier":
		e.PartnerTier = v
	case "registration_status":
		e.RegistrationStatus = v
	case "current_motion":
		e.CurrentMotion = v
	case "stage":
		e.Stage = v
	}
}

// condition is one compiled rule condition. program is expr's bytecode, the reference semantics;
// fast is the same condition compiled to Go closures when it only uses the shapes policies are made
// of (comparisons with literals, in-lists, and/or/not), which is what keeps routing allocation-free.
type condition struct {
	always     bool
	program    *vm.Program
	tree       ast.Node // the checked tree, before expr's optimiser rewrote it; read by Check and the guide
	fast       func(*env) bool
	usesFields bool
}

// condError is a compile error with its position inside the condition.
type condError struct {
	line, column int
	msg          string
}

func (e *condError) Error() string { return e.msg }

// Names of the functions the comparison operators on acv are rewritten to.
const (
	fnLess      = "money_less"
	fnLessEq    = "money_less_eq"
	fnGreater   = "money_greater"
	fnGreaterEq = "money_greater_eq"
	fnEqual     = "money_equal"
	fnNotEqual  = "money_not_equal"
)

var moneyType = reflect.TypeFor[tandem.Money]()

// moneyOperators maps each comparison operator to the function it becomes when one side is Money.
var moneyOperators = []struct {
	op, fn string
	cmp    func(a, b tandem.Money) bool
}{
	{"<", fnLess, func(a, b tandem.Money) bool { return a < b }},
	{"<=", fnLessEq, func(a, b tandem.Money) bool { return a <= b }},
	{">", fnGreater, func(a, b tandem.Money) bool { return a > b }},
	{">=", fnGreaterEq, func(a, b tandem.Money) bool { return a >= b }},
	{"==", fnEqual, func(a, b tandem.Money) bool { return a == b }},
	{"!=", fnNotEqual, func(a, b tandem.Money) bool { return a != b }},
}

// condCompiler compiles the conditions of one policy.
type condCompiler struct {
	p       *Policy
	options []expr.Option
	debug   []expr.Option
}

func newCondCompiler(p *Policy) *condCompiler {
	base := []expr.Option{expr.Env(env{}), expr.AsBool(), expr.Patch(&moneyLiterals{})}
	for _, m := range moneyOperators {
		cmp := m.cmp
		fn := func(args ...any) (any, error) {
			a, err := toMoney(args[0])
			if err != nil {
				return nil, err
			}
			b, err := toMoney(args[1])
			if err != nil {
				return nil, err
			}
			return cmp(a, b), nil
		}
		base = append(base,
			expr.Function(m.fn, fn,
				new(func(tandem.Money, tandem.Money) bool),
				new(func(tandem.Money, int) bool), new(func(int, tandem.Money) bool),
				new(func(tandem.Money, float64) bool), new(func(float64, tandem.Money) bool)),
			expr.Operator(m.op, m.fn))
	}
	return &condCompiler{
		p:       p,
		options: base,
		debug:   append(append([]expr.Option{}, base...), expr.Optimize(false)),
	}
}

// compile compiles one condition; "" compiles to a condition that always holds.
func (cc *condCompiler) compile(src string) (c *condition, err error) {
	if src == "" {
		return &condition{always: true, fast: func(*env) bool { return true }}, nil
	}
	defer func() {
		// expr panics on a few malformed option/tree combinations; a policy file must never crash us.
		if r := recover(); r != nil {
			c, err = nil, &condError{line: 1, column: 0, msg: fmt.Sprint(r)}
		}
	}()
	program, err := expr.Compile(src, cc.options...)
	if err != nil {
		return nil, exprError(err)
	}
	plain, err := expr.Compile(src, cc.debug...)
	if err != nil {
		return nil, exprError(err)
	}
	c = &condition{program: program, tree: plain.Node()}
	if err := checkMoneyUse(c.tree, src); err != nil {
		return nil, err
	}
	c.usesFields = usesIdentifier(c.tree, "fields")
	if f, ok := cc.fastBool(c.tree); ok {
		c.fast = f
	}
	return c, nil
}

func exprError(err error) error {
	var fe *file.Error
	if errors.As(err, &fe) {
		return &condError{line: fe.Line, column: fe.Column, msg: fe.Message}
	}
	return &condError{line: 1, msg: err.Error()}
}

// toMoney converts one side of an acv comparison to Money exactly: a float64 literal is converted
// through its shortest decimal representation, so 1000000.01 is exactly 100000001 cents.
func toMoney(v any) (tandem.Money, error) {
	switch x := v.(type) {
	case tandem.Money:
		return x, nil
	case int:
		if x > math.MaxInt64/tandem.MinorUnits || x < math.MinInt64/tandem.MinorUnits {
			return 0, fmt.Errorf("amount %d out of range", x)
		}
		return tandem.Money(x * tandem.MinorUnits), nil
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return 0, fmt.Errorf("%v is not an amount", x)
		}
		r, ok := new(big.Rat).SetString(strconv.FormatFloat(x, 'f', -1, 64))
		if !ok {
			return 0, fmt.Errorf("%v is not an amount", x)
		}
		return tandem.RatToMoney(r)
	}
	return 0, fmt.Errorf("cannot compare acv with %T", v)
}

// moneyLiterals is an expr patch that replaces a number literal compared with a Money value by a
// Money constant, converted exactly once at compile time.
type moneyLiterals struct{}

func (moneyLiterals) Visit(node *ast.Node) {
	b, ok := (*node).(*ast.BinaryNode)
	if !ok {
		return
	}
	switch b.Operator {
	case "<", "<=", ">", ">=", "==", "!=":
	default:
		return
	}
	if b.Left.Type() == moneyType {
		foldMoneyLiteral(&b.Right)
	}
	if b.Right.Type() == moneyType {
		foldMoneyLiteral(&b.Left)
	}
}

func foldMoneyLiteral(n *ast.Node) {
	var v any
	neg := false
	lit := *n
	if u, ok := lit.(*ast.UnaryNode); ok && (u.Operator == "-" || u.Operator == "+") {
		neg, lit = u.Operator == "-", u.Node
	}
	switch x := lit.(type) {
	case *ast.IntegerNode:
		v = x.Value
	case *ast.FloatNode:
		v = x.Value
	default:
		return
	}
	m, err := toMoney(v)
	if err != nil {
		return // left for the checker and the overloads to report
	}
	if neg {
		m = -m
	}
	c := &ast.ConstantNode{Value: m}
	c.SetType(moneyType)
	ast.Patch(n, c)
}

// checkMoneyUse rejects a condition that does anything with acv but compare it: arithmetic on Money
// would otherwise fail only when a deal is routed.
func checkMoneyUse(tree ast.Node, src string) error {
	total, compared := 0, 0
	var first ast.Node
	ast.Walk(&tree, visitorFunc(func(n *ast.Node) {
		switch x := (*n).(type) {
		case *ast.IdentifierNode:
			if x.Value == "acv" {
				total++
				if first == nil {
					first = x
				}
			}
		case *ast.CallNode:
			if id, ok := x.Callee.(*ast.IdentifierNode); ok && isMoneyFn(id.Value) {
				for _, a := range x.Arguments {
					if id, ok := a.(*ast.IdentifierNode); ok && id.Value == "acv" {
						compared++
					}
				}
			}
		}
	}))
	if total != compared {
		line, col := locate(src, first.Location().From)
		return &condError{line: line, column: col, msg: "acv can only be compared with a number, as in acv < 250000"}
	}
	return nil
}

// locate turns a rune offset into the 1-based line and 0-based column expr reports errors with.
func locate(src string, offset int) (line, col int) {
	line = 1
	n := 0
	for _, r := range src {
		if n == offset {
			break
		}
		if r == '\n' {
			line, col = line+1, 0
		} else {
			col++
		}
		n++
	}
	return line, col
}

func isMoneyFn(name string) bool {
	for _, m := range moneyOperators {
		if m.fn == name {
			return true
		}
	}
	return false
}

func usesIdentifier(tree ast.Node, name string) bool {
	found := false
	ast.Walk(&tree, visitorFunc(func(n *ast.Node) {
		if id, ok := (*n).(*ast.IdentifierNode); ok && id.Value == name {
			found = true
		}
	}))
	return found
}

type visitorFunc func(*ast.Node)

func (f visitorFunc) Visit(n *ast.Node) { f(n) }

// moneyCall recognises a rewritten acv comparison: the operator and the constant acv is compared
// with, with acvLeft false when the constant is on the left.
func moneyCall(n ast.Node) (op string, m tandem.Money, acvLeft, ok bool) {
	call, isCall := n.(*ast.CallNode)
	if !isCall || len(call.Arguments) != 2 {
		return "", 0, false, false
	}
	id, isID := call.Callee.(*ast.IdentifierNode)
	if !isID {
		return "", 0, false, false
	}
	for _, mo := range moneyOperators {
		if mo.fn != id.Value {
			continue
		}
		a, b := call.Arguments[0], call.Arguments[1]
		if isIdent(a, "acv") {
			if c, ok := b.(*ast.ConstantNode); ok {
				if m, ok := c.Value.(tandem.Money); ok {
					return mo.op, m, true, true
				}
			}
		}
		if isIdent(b, "acv") {
			if c, ok := a.(*ast.ConstantNode); ok {
				if m, ok := c.Value.(tandem.Money); ok {
					return mo.op, m, false, true
				}
			}
		}
	}
	return "", 0, false, false
}

func isIdent(n ast.Node, name string) bool {
	id, ok := n.(*ast.IdentifierNode)
	return ok && id.Value == name
}

// fastBool compiles the shapes policies are written in to closures; ok is false for anything else,
// and the rule then runs on expr's VM.
func (cc *condCompiler) fastBool(n ast.Node) (func(*env) bool, bool) {
	switch x := n.(type) {
	case *ast.BoolNode:
		v := x.Value
		return func(*env) bool { return v }, true
	case *ast.IdentifierNode:
		if x.Value == "has_partner" {
			return func(e *env) bool { return e.HasPartner }, true
		}
	case *ast.UnaryNode:
		if x.Operator == "!" || x.Operator == "not" {
			f, ok := cc.fastBool(x.Node)
			if !ok {
				return nil, false
			}
			return func(e *env) bool { return !f(e) }, true
		}
	case *ast.CallNode:
		op, m, acvLeft, ok := moneyCall(x)
		if !ok {
			return nil, false
		}
		if !acvLeft {
			op = mirror(op)
		}
		switch op {
		case "<":
			return func(e *env) bool { return e.ACV < m }, true
		case "<=":
			return func(e *env) bool { return e.ACV <= m }, true
		case ">":
			return func(e *env) bool { return e.ACV > m }, true
		case ">=":
			return func(e *env) bool { return e.ACV >= m }, true
		case "==":
			return func(e *env) bool { return e.ACV == m }, true
		case "!=":
			return func(e *env) bool { return e.ACV != m }, true
		}
	case *ast.BinaryNode:
		switch x.Operator {
		case "&&", "and", "||", "or":
			l, ok1 := cc.fastBool(x.Left)
			r, ok2 := cc.fastBool(x.Right)
			if !ok1 || !ok2 {
				return nil, false
			}
			if x.Operator == "&&" || x.Operator == "and" {
				return func(e *env) bool { return l(e) && r(e) }, true
			}
			return func(e *env) bool { return l(e) || r(e) }, true
		case "==", "!=":
			neq := x.Operator == "!="
			if l, ok := cc.fastString(x.Left); ok {
				if r, ok := cc.fastString(x.Right); ok {
					return func(e *env) bool { return (l(e) == r(e)) != neq }, true
				}
			}
			if l, ok := cc.fastBool(x.Left); ok {
				if r, ok := cc.fastBool(x.Right); ok {
					return func(e *env) bool { return (l(e) == r(e)) != neq }, true
				}
			}
		case "in":
			l, ok := cc.fastString(x.Left)
			if !ok {
				return nil, false
			}
			if isIdent(x.Right, "direct_presence") {
				set := cc.p.presence
				return func(e *env) bool { return set[l(e)] }, true
			}
			arr, isArr := x.Right.(*ast.ArrayNode)
			if !isArr {
				return nil, false
			}
			list := make([]string, 0, len(arr.Nodes))
			for _, item := range arr.Nodes {
				s, isStr := item.(*ast.StringNode)
				if !isStr {
					return nil, false
				}
				list = append(list, s.Value)
			}
			return func(e *env) bool {
				v := l(e)
				for _, s := range list {
					if s == v {
						return true
					}
				}
				return false
			}, true
		}
	}
	return nil, false
}

// mirror returns the operator that makes "c op acv" read as "acv op' c".
func mirror(op string) string {
	switch op {
	case "<":
		return ">"
	case "<=":
		return ">="
	case ">":
		return "<"
	case ">=":
		return "<="
	}
	return op
}

func (cc *condCompiler) fastString(n ast.Node) (func(*env) string, bool) {
	switch x := n.(type) {
	case *ast.StringNode:
		v := x.Value
		return func(*env) string { return v }, true
	case *ast.IdentifierNode:
		switch x.Value {
		case "currency":
			return func(e *env) string { return e.Currency }, true
		case "country":
			return func(e *env) string { return e.Country }, true
		case "vertical":
			return func(e *env) string { return e.Vertical }, true
		case "product_type":
			return func(e *env) string { return e.ProductType }, true
		case "partner_tier":
			return func(e *env) string { return e.PartnerTier }, true
		case "registration_status":
			return func(e *env) string { return e.RegistrationStatus }, true
		case "current_motion":
			return func(e *env) string { return e.CurrentMotion }, true
		case "stage":
			return func(e *env) string { return e.Stage }, true
		}
	case *ast.MemberNode:
		key, isStr := x.Property.(*ast.StringNode)
		if isIdent(x.Node, "fields") && isStr && !x.Optional {
			k := key.Value
			return func(e *env) string { return e.Fields[k] }, true
		}
	}
	return nil, false
}

// eval evaluates a condition for e; machine is the caller's reusable VM for conditions outside the
// fast shapes.
func (c *condition) eval(e *env, machine *vm.VM) (bool, error) {
	if c.fast != nil {
		return c.fast(e), nil
	}
	out, err := machine.Run(c.program, e)
	if err != nil {
		return false, err
	}
	b, ok := out.(bool)
	if !ok {
		return false, fmt.Errorf("condition returned %T, not a boolean", out)
	}
	return b, nil
}

// evalVM evaluates a condition on expr's VM regardless of the fast path (tests compare the two).
func (c *condition) evalVM(e *env) (bool, error) {
	if c.always {
		return true, nil
	}
	var machine vm.VM
	out, err := machine.Run(c.program, e)
	if err != nil {
		return false, err
	}
	b, _ := out.(bool)
	return b, nil
}
