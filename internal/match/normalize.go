package match

import (
	"strings"

	"github.com/tandem-revops/tandem/internal/companyname"
	"github.com/tandem-revops/tandem/internal/country"
)

// Normalize returns the comparable form of a company name (see companyname.Normalize).
func Normalize(name string) string { return companyname.Normalize(name) }

// analyseName returns the normalised tokens and the legal forms stripped from the end, as a bit set.
func analyseName(name string) ([]string, uint64) { return companyname.Analyse(name) }

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' }

// normalizeDomain reduces a website to its host: no scheme, "www.", port, path or trailing dot.
// It returns "" when s does not look like a domain.
func normalizeDomain(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, "://"); i >= 0 {
		s = s[i+3:]
	}
	if i := strings.LastIndex(s, "@"); i >= 0 { // an e-mail address names its domain too
		s = s[i+1:]
	}
	if i := strings.IndexAny(s, "/?#:"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSuffix(strings.TrimPrefix(s, "www."), ".")
	if !strings.Contains(s, ".") || strings.ContainsAny(s, " ,") {
		return ""
	}
	return s
}

// secondLevelSuffixes are public suffixes of two labels, so "acme.co.uk" has the label "acme".
var secondLevelSuffixes = map[string]bool{
	"co.uk": true, "org.uk": true, "ac.uk": true, "com.au": true, "net.au": true, "co.jp": true,
	"co.nz": true, "com.br": true, "com.mx": true, "com.cn": true, "co.in": true, "co.za": true,
	"com.sg": true, "com.hk": true, "co.kr": true, "com.tw": true, "com.ar": true,
}

// domainLabel returns the registrable label of a normalised domain: "acme" for "shop.acme.co.uk".
func domainLabel(domain string) string {
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return domain
	}
	n := len(labels) - 2
	if len(labels) >= 3 && secondLevelSuffixes[labels[len(labels)-2]+"."+labels[len(labels)-1]] {
		n = len(labels) - 3
	}
	return labels[n]
}

// looksLikeDomain reports whether a registration's name field holds a website ("acme.com").
func looksLikeDomain(name string) bool {
	name = strings.TrimSpace(name)
	if strings.ContainsAny(name, " ,") {
		return false
	}
	d := normalizeDomain(name)
	if d == "" {
		return false
	}
	tld := d[strings.LastIndex(d, ".")+1:]
	if len(tld) < 2 {
		return false
	}
	for i := 0; i < len(tld); i++ {
		if !isASCIILetter(tld[i]) {
			return false
		}
	}
	// "Amazon.com" is both a name and a domain; a domain reading is harmless because its label is
	// compared with the names too.
	return true
}

// normalizeCountry reduces a country to its ISO code through the one country table (internal/country);
// anything it does not know is compared as typed, in upper case.
func normalizeCountry(c string) string {
	c = strings.TrimSpace(c)
	if c == "" {
		return ""
	}
	if code, ok := country.Code(c); ok {
		return code
	}
	return strings.ToUpper(c)
}
