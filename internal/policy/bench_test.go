package policy

import (
	"fmt"
	"testing"

	tandem "github.com/tandem-revops/tandem"
)

// benchDeals is a mix of deals that reach every rule of the default policy.
func benchDeals() []Deal {
	countries := []string{"US", "DE", "JP", "GB", "BR", "FR", "CA"}
	verticals := []string{"technology", "retail", "healthcare", "manufacturing", "media"}
	products := []tandem.ProductType{tandem.ProductCore, tandem.ProductCore, tandem.ProductCore, tandem.ProductAddon}
	deals := make([]Deal, 1024)
	for i := range deals {
		deals[i] = Deal{
			ID: fmt.Sprintf("D-%d", i), Account: "Acme", ACV: tandem.Money((i*7919)%300_000_000 + 1),
			Country: countries[i%len(countries)], Vertical: verticals[i%len(verticals)], ProductType: products[i%len(products)],
		}
		if i%9 == 0 {
			deals[i].CurrentMotion, deals[i].RegistrationStatus, deals[i].PartnerID = tandem.MotionPartnerLed, tandem.RegistrationApproved, "P-1"
		}
		if i%11 == 0 {
			deals[i].Currency = "EUR"
		}
	}
	return deals
}

// BenchmarkRoute measures the engine alone: Policy.Route, safe for concurrent use.
func BenchmarkRoute(b *testing.B) {
	p, deals := Default(), benchDeals()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.Route(deals[i%len(deals)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRouter measures one goroutine's Router, as the route command's workers use it.
func BenchmarkRouter(b *testing.B) {
	r, deals := Default().NewRouter(), benchDeals()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := r.Route(&deals[i%len(deals)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkRouteVM measures a condition outside the fast shapes, evaluated on expr's VM.
func BenchmarkRouteVM(b *testing.B) {
	p, err := Parse("vm.yaml", []byte(policyWith(`country startsWith "U" && acv > 1000000`)))
	if err != nil {
		b.Fatal(err)
	}
	deals := benchDeals()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := p.Route(deals[i%len(deals)]); err != nil && deals[i%len(deals)].Currency == "" {
			b.Fatal(err)
		}
		i++
	}
}

// TestRouteConcurrent routes the same deals from several goroutines (run with -race) and checks
// every goroutine gets the decisions a single goroutine gets.
func TestRouteConcurrent(t *testing.T) {
	t.Parallel()
	p, deals := Default(), benchDeals()
	want := make([]Decision, len(deals))
	for i, d := range deals {
		var err error
		if want[i], err = p.NewRouter().Route(&d); err != nil {
			t.Fatal(err)
		}
	}
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			for i, d := range deals {
				got, err := p.Route(d)
				if err != nil || got != want[i] {
					errs <- fmt.Errorf("deal %s: got %+v, %v; want %+v", d.ID, got, err, want[i])
					return
				}
			}
			errs <- nil
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}
