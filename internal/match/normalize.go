package match

import (
	"strings"

	"github.com/tandem-revops/tandem/internal/companyname"
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

// countryAliases maps common spellings to ISO 3166 alpha-2 codes; anything else is compared as typed.
var countryAliases = map[string]string{
	"united states": "US", "united states of america": "US", "usa": "US", "u.s.": "US",
	"u.s.a.": "US", "america": "US", "united kingdom": "GB", "uk": "GB", "great britain": "GB",
	"england": "GB", "germany": "DE", "deutschland": "DE", "france": "FR", "canada": "CA",
	"japan": "JP", "china": "CN", "india": "IN", "netherlands": "NL", "the netherlands": "NL",
	"holland": "NL", "switzerland": "CH", "spain": "ES", "italy": "IT", "ireland": "IE",
	"australia": "AU", "brazil": "BR", "mexico": "MX", "sweden": "SE", "norway": "NO",
	"denmark": "DK", "finland": "FI", "belgium": "BE", "austria": "AT", "singapore": "SG",
	"israel": "IL", "south korea": "KR", "korea": "KR", "philippines": "PH", "philipines": "PH",
}

func normalizeCountry(c string) string {
	c = strings.TrimSpace(c)
	if c == "" {
		return ""
	}
	if code, ok := countryAliases[strings.ToLower(c)]; ok {
		return code
	}
	return strings.ToUpper(c)
}
