package policy

import (
	_ "embed"
	"sync"
)

//go:embed default.yaml
var defaultSource []byte

// defaultPolicy parses the built-in policy once; the result is immutable.
var defaultPolicy = sync.OnceValue(func() *Policy {
	p, err := Parse("default.yaml", defaultSource)
	if err != nil {
		panic("policy: the built-in policy is invalid: " + err.Error()) // a build defect, caught by tests
	}
	return p
})

// Default returns the built-in rules of engagement.
func Default() *Policy { return defaultPolicy() }

// DefaultSource returns the YAML of the built-in policy, for `tandem policy show` and as a starting
// point for a company's own.
func DefaultSource() []byte { return append([]byte(nil), defaultSource...) }
