package policy

import (
	"strings"
)

// isoCountries is every ISO 3166-1 alpha-2 code, two letters each.
const isoCountries = "ADAEAFAGAIALAMAOAQARASATAUAWAXAZBABBBDBEBFBGBHBIBJBLBMBNBOBQBRBSBTBVBWBYBZCACCCDCFCGCHCICKCLCMCNCOCRCUCVCWCXCYCZDEDJDKDMDODZECEEEGEHERESETFIFJFKFMFOFRGAGBGDGEGFGGGHGIGLGMGNGPGQGRGSGTGUGWGYHKHMHNHRHTHUIDIEILIMINIOIQIRISITJEJMJOJPKEKGKHKIKMKNKPKRKWKYKZLALBLCLILKLRLSLTLULVLYMAMCMDMEMFMGMHMKMLMMMNMOMPMQMRMSMTMUMVMWMXMYMZNANCNENFNGNINLNONPNRNUNZOMPAPEPFPGPHPKPLPMPNPRPSPTPWPYQARERORSRURWSASBSCSDSESGSHSISJSKSLSMSNSOSRSSSTSVSXSYSZTCTDTFTGTHTJTKTLTMTNTOTRTTTVTWTZUAUGUMUSUYUZVAVCVEVGVIVNVUWFWSYEYTZAZMZW"

// countryNames maps the names CRM exports commonly use (lower case) to ISO codes. It covers the
// countries B2B vendors most often sell in; anything else must be given as its ISO code.
var countryNames = map[string]string{
	"united states": "US", "united states of america": "US", "usa": "US", "u.s.": "US", "u.s.a.": "US", "america": "US",
	"canada": "CA", "mexico": "MX", "brazil": "BR", "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE",
	"united kingdom": "GB", "uk": "GB", "u.k.": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "wales": "GB",
	"ireland": "IE", "germany": "DE", "deutschland": "DE", "france": "FR", "spain": "ES", "españa": "ES", "portugal": "PT",
	"italy": "IT", "italia": "IT", "netherlands": "NL", "the netherlands": "NL", "holland": "NL", "belgium": "BE",
	"luxembourg": "LU", "switzerland": "CH", "austria": "AT", "denmark": "DK", "sweden": "SE", "norway": "NO",
	"finland": "FI", "iceland": "IS", "poland": "PL", "czech republic": "CZ", "czechia": "CZ", "slovakia": "SK",
	"hungary": "HU", "romania": "RO", "bulgaria": "BG", "greece": "GR", "croatia": "HR", "slovenia": "SI",
	"serbia": "RS", "estonia": "EE", "latvia": "LV", "lithuania": "LT", "ukraine": "UA", "turkey": "TR", "türkiye": "TR",
	"israel": "IL", "united arab emirates": "AE", "uae": "AE", "saudi arabia": "SA", "qatar": "QA", "egypt": "EG",
	"south africa": "ZA", "nigeria": "NG", "kenya": "KE", "morocco": "MA", "india": "IN", "pakistan": "PK",
	"china": "CN", "hong kong": "HK", "taiwan": "TW", "japan": "JP", "south korea": "KR", "korea": "KR",
	"republic of korea": "KR", "singapore": "SG", "malaysia": "MY", "indonesia": "ID", "thailand": "TH",
	"vietnam": "VN", "viet nam": "VN", "philippines": "PH", "australia": "AU", "new zealand": "NZ",
}

// CountryCode normalises a country as a CRM export writes it — an ISO 3166-1 alpha-2 code in any
// case, or a common English name such as "United States" or "Germany" — to its ISO code.
func CountryCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) == 2 {
		var b [2]byte
		for i := range 2 {
			c := s[i]
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			if c < 'A' || c > 'Z' {
				return "", false
			}
			b[i] = c
		}
		for i := 0; i < len(isoCountries); i += 2 {
			if isoCountries[i] == b[0] && isoCountries[i+1] == b[1] {
				return isoCountries[i : i+2], true
			}
		}
		if b == [2]byte{'U', 'K'} {
			return "GB", true
		}
		return "", false
	}
	code, ok := countryNames[strings.ToLower(strings.Join(strings.Fields(s), " "))]
	return code, ok
}
