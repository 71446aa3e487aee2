// Package country owns the one country vocabulary Tandem reads: ISO 3166-1 alpha-2 codes and the
// names, native spellings and alpha-3 codes CRM and partner exports write instead. Routing (tandem
// route, the policy's country lists) and import (tandem import, the import API) both read countries
// through Code, so they accept the same spellings.
package country

import (
	tandem "github.com/tandem-revops/tandem"
	"github.com/tandem-revops/tandem/internal/crmvalue"
)

// spellings maps the names exports commonly write, their native spellings and the alpha-3 codes of the
// countries B2B vendors most often sell in to ISO codes. Anything else must be given as its ISO code.
var spellings = map[string][]string{
	"US": {"united states", "united states of america", "usa", "u.s.", "u.s.a.", "america", "us of a"},
	"CA": {"canada", "can"},
	"MX": {"mexico", "mex"},
	"BR": {"brazil", "brasil", "bra"},
	"AR": {"argentina", "arg"},
	"CL": {"chile", "chl"},
	"CO": {"colombia", "col"},
	"PE": {"peru", "per"},
	"PA": {"panama", "pan"},
	"CR": {"costa rica", "cri"},
	"GB": {"united kingdom", "uk", "u.k.", "great britain", "britain", "england", "scotland", "wales", "northern ireland", "gbr"},
	"IE": {"ireland", "republic of ireland", "irl"},
	"DE": {"germany", "deutschland", "deu", "ger"},
	"FR": {"france", "fra"},
	"IT": {"italy", "italia", "ita"},
	"ES": {"spain", "espana", "españa", "esp"},
	"PT": {"portugal", "prt"},
	"NL": {"netherlands", "the netherlands", "holland", "nld"},
	"BE": {"belgium", "belgique", "belgie", "bel"},
	"LU": {"luxembourg", "lux"},
	"CH": {"switzerland", "schweiz", "suisse", "che"},
	"AT": {"austria", "österreich", "osterreich", "aut"},
	"DK": {"denmark", "danmark", "dnk"},
	"SE": {"sweden", "sverige", "swe"},
	"NO": {"norway", "norge", "nor"},
	"FI": {"finland", "suomi", "fin"},
	"IS": {"iceland", "isl"},
	"PL": {"poland", "polska", "pol"},
	"CZ": {"czech republic", "czechia", "cze"},
	"SK": {"slovakia", "svk"},
	"HU": {"hungary", "hun"},
	"RO": {"romania", "rou"},
	"BG": {"bulgaria", "bgr"},
	"GR": {"greece", "grc"},
	"HR": {"croatia", "hrv"},
	"SI": {"slovenia", "svn"},
	"RS": {"serbia", "srb"},
	"UA": {"ukraine", "ukr"},
	"EE": {"estonia", "est"},
	"LV": {"latvia", "lva"},
	"LT": {"lithuania", "ltu"},
	"TR": {"turkey", "türkiye", "turkiye", "tur"},
	"RU": {"russia", "russian federation", "rus"},
	"IL": {"israel", "isr"},
	"AE": {"united arab emirates", "uae", "u.a.e.", "are"},
	"SA": {"saudi arabia", "sau"},
	"QA": {"qatar", "qat"},
	"JO": {"jordan", "jor"},
	"EG": {"egypt", "egy"},
	"MA": {"morocco", "mar"},
	"NG": {"nigeria", "nga"},
	"KE": {"kenya", "ken"},
	"ZA": {"south africa", "zaf", "rsa"},
	"IN": {"india", "ind"},
	"PK": {"pakistan", "pak"},
	"BD": {"bangladesh", "bgd"},
	"CN": {"china", "people's republic of china", "prc", "chn"},
	"HK": {"hong kong", "hkg"},
	"TW": {"taiwan", "twn"},
	"JP": {"japan", "jpn"},
	"KR": {"south korea", "korea", "republic of korea", "korea, republic of", "kor"},
	"SG": {"singapore", "sgp"},
	"MY": {"malaysia", "mys"},
	"TH": {"thailand", "tha"},
	"VN": {"vietnam", "viet nam", "vnm"},
	"ID": {"indonesia", "idn"},
	"PH": {"philippines", "philipines", "phl"},
	"AU": {"australia", "aus"},
	"NZ": {"new zealand", "nzl"},
}

// byKey is spellings by key (see crmvalue.AppendKey: "U.S.A." and "usa" are one key).
var byKey = func() map[string]string {
	out := make(map[string]string, len(spellings)*4)
	for code, names := range spellings {
		for _, n := range names {
			out[string(crmvalue.AppendKey(nil, n))] = code
		}
	}
	return out
}()

// Code returns the ISO 3166-1 alpha-2 code of a country as an export writes it: an alpha-2 code in any
// case ("de", "UK" for GB), an alpha-3 code ("DEU") or a name in English or the country's own language
// ("Germany", "Schweiz", "Espana"), compared without case, spaces or punctuation. It reports false for
// anything else, including two letters that are no ISO code.
func Code(s string) (string, bool) {
	var buf [64]byte
	key := crmvalue.AppendKey(buf[:0], s)
	if len(key) == 2 {
		if key[0] >= 'a' && key[0] <= 'z' && key[1] >= 'a' && key[1] <= 'z' {
			if c := string([]byte{key[0] - 'a' + 'A', key[1] - 'a' + 'A'}); tandem.ValidCountry(c) {
				return c, true
			}
		}
	}
	code, ok := byKey[string(key)]
	return code, ok
}
