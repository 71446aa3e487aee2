// Package companyname owns the comparable form of a company name: the key the store indexes
// registrations and accounts by, the one conflict detection compares and the account matcher scores.
// It is a pure function of the text, so the store and the engines share it without depending on
// each other.
package companyname

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Normalize returns the comparable form of a company name: lower case, accents folded, punctuation
// removed, initials joined ("J.B." → "jb"), EDGAR state tags (/DE/, \DE\, /NEW, /ADR) dropped, the
// security description of a listing cut off ("Common Stock", "Class A", "Ordinary Shares", "ADS"),
// "the" and "and"/"&" dropped and trailing legal forms stripped (Inc, Corp, Co, LLC, Ltd, PLC, GmbH,
// AG, S.A., N.V., Holdings, Group, …). Tokens are separated by one space. A name made only of such
// words keeps its last one, so "Group Inc" normalises to "group", never to "".
func Normalize(name string) string {
	tokens, _ := Analyse(name)
	return strings.Join(tokens, " ")
}

// Analyse returns the normalised tokens and, as a bit set, the legal forms stripped from the end;
// the legal form breaks ties between "Target Corp" and "Target Group Inc." for "Target Corporation".
func Analyse(name string) ([]string, uint64) {
	s := foldName(name)
	s = stripTrailingTags(s)
	s = dropParentheticals(s)
	tokens := splitTokens(s)
	tokens = joinInitials(tokens)
	tokens = canonicalWords(tokens)
	tokens = cutSecurityDescription(tokens)
	tokens = dropStopwords(tokens)
	return stripLegalForms(tokens)
}

// foldName lower-cases and removes accents. NFKD splits "é" into "e" plus a combining mark, which is
// dropped; letters NFKD does not split (ß, ø, æ, ł) are spelled out.
func foldName(name string) string {
	ascii := true
	for i := 0; i < len(name); i++ {
		if name[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(name)
	}
	var b strings.Builder
	b.Grow(len(name))
	for _, r := range norm.NFKD.String(name) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß':
			b.WriteString("ss")
		case 'ø', 'Ø':
			b.WriteByte('o')
		case 'æ', 'Æ':
			b.WriteString("ae")
		case 'œ', 'Œ':
			b.WriteString("oe")
		case 'ł', 'Ł':
			b.WriteByte('l')
		case 'đ', 'Đ':
			b.WriteByte('d')
		case '’', '‘', 'ʼ', '´', '`':
			b.WriteByte('\'')
		case '–', '—', '‐', '‑', '−':
			b.WriteByte('-')
		default:
			b.WriteRune(unicode.ToLower(r))
		}
	}
	return b.String()
}

// trailingTagWords are the EDGAR tags that follow a slash at the end of a registrant name besides
// two-letter state and country codes ("COSTCO WHOLESALE CORP /NEW", "Midea Group Co., Ltd./ADR").
var trailingTagWords = map[string]bool{
	"new": true, "old": true, "adr": true, "ads": true, "fi": true, "can": true, "cayman": true,
	"del": true, "bvi": true, "ny": true,
}

// stripTrailingTags removes "/DE/", "\DE\", "/NEW", "/ADR" and the like from the end of a folded name,
// repeatedly. "A/S" (a Danish legal form) is protected first, and a slash inside a word ("Cullen/Frost")
// is left for the tokenizer to split.
func stripTrailingTags(s string) string {
	s = strings.ReplaceAll(s, "a/s", "as")
	for {
		t := strings.TrimRight(s, " /\\,.")
		cut := strings.LastIndexAny(t, "/\\")
		if cut < 0 {
			return s
		}
		word := strings.TrimSpace(t[cut+1:])
		if !isTagWord(word) {
			return s
		}
		s = strings.TrimRight(t[:cut], " /\\")
	}
}

func isTagWord(word string) bool {
	if trailingTagWords[word] || usStates[word] {
		return true
	}
	if len(word) == 2 {
		return isASCIILetter(word[0]) && isASCIILetter(word[1])
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' }

// usStates and a few other jurisdictions appear as tags ("Alight, Inc. / Delaware") and in
// parentheses ("Actinium Pharmaceuticals, Inc. (Delaware)"); they say where a company is registered,
// not which company it is.
var usStates = map[string]bool{
	"alabama": true, "alaska": true, "arizona": true, "arkansas": true, "california": true, "colorado": true,
	"connecticut": true, "delaware": true, "florida": true, "georgia": true, "hawaii": true, "idaho": true,
	"illinois": true, "indiana": true, "iowa": true, "kansas": true, "kentucky": true, "louisiana": true,
	"maine": true, "maryland": true, "massachusetts": true, "michigan": true, "minnesota": true,
	"mississippi": true, "missouri": true, "montana": true, "nebraska": true, "nevada": true,
	"ohio": true, "oklahoma": true, "oregon": true, "pennsylvania": true, "tennessee": true, "texas": true,
	"utah": true, "vermont": true, "virginia": true, "washington": true, "wisconsin": true, "wyoming": true,
	"canada": true, "bermuda": true, "bvi": true, "cayman": true,
}

// parentheticalDrops are parenthesised words that say nothing about which company it is:
// "Coca-Cola Company (The)", "American Tower Corporation (REIT)", "(Delaware)".
var parentheticalDrops = map[string]bool{"the": true, "reit": true, "new": true, "de": true, "del": true}

func dropParentheticals(s string) string {
	for from := 0; ; {
		open := strings.IndexByte(s[from:], '(')
		if open < 0 {
			return s
		}
		open += from
		end := strings.IndexByte(s[open:], ')')
		if end < 0 {
			return s
		}
		end += open
		inner := strings.TrimSpace(strings.Trim(s[open+1:end], ". "))
		if parentheticalDrops[inner] || usStates[inner] {
			s = s[:open] + " " + s[end+1:]
			from = open
			continue
		}
		from = end + 1
	}
}

// canonicalSpellings maps abbreviations to one spelling so "Ltd" and "Limited", "Corp" and
// "Corporation", "Intl" and "International" compare equal wherever they stand in a name.
var canonicalSpellings = map[string]string{
	"corporation": "corp", "incorporated": "inc", "company": "co", "limited": "ltd",
	"companies": "cos", "intl": "international", "int'l": "international", "mfg": "manufacturing",
	"natl": "national", "svcs": "services", "hldgs": "holdings", "grp": "group", "bancorporation": "bancorp",
	"labs": "laboratories", "lab": "laboratory", "tech": "technology", "techs": "technologies",
	"assn": "association", "ctr": "center", "centre": "center", "mgmt": "management", "dept": "department",
}

func canonicalWords(tokens []string) []string {
	for i, t := range tokens {
		if c, ok := canonicalSpellings[t]; ok {
			tokens[i] = c
		}
	}
	return tokens
}

// splitTokens splits a folded name on everything that is not a letter or digit. An apostrophe joins
// ("lowe's" → "lowes"), and so does an ampersand with no space around it ("at&t" → "att"); a spaced
// ampersand is the word "and", which dropStopwords removes.
func splitTokens(s string) []string {
	tokens := make([]string, 0, 6)
	start := -1
	var joined []byte // non-nil while the current token spans a joining character
	flush := func(end int) {
		if start < 0 {
			return
		}
		if joined != nil {
			joined = append(joined, s[start:end]...)
			tokens = append(tokens, string(joined))
			joined = nil
		} else {
			tokens = append(tokens, s[start:end])
		}
		start = -1
	}
	for i, r := range s {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if start < 0 {
				start = i
			}
			continue
		}
		joiner := r == '\'' || (r == '&' && start >= 0 && i+1 < len(s) && isWordByte(s[i+1]))
		if joiner && start >= 0 {
			joined = append(joined, s[start:i]...)
			start = i + utf8.RuneLen(r)
			continue
		}
		flush(i)
	}
	flush(len(s))
	return tokens
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c >= utf8.RuneSelf
}

// joinInitials merges runs of single letters into one token, so "J.B. Hunt", "J B Hunt" and "JB Hunt"
// all read "jb hunt" and "S.A." reads "sa".
func joinInitials(tokens []string) []string {
	out := tokens[:0]
	for i := 0; i < len(tokens); {
		j := i
		for j < len(tokens) && isSingleLetter(tokens[j]) {
			j++
		}
		if j-i >= 2 {
			out = append(out, strings.Join(tokens[i:j], ""))
			i = j
			continue
		}
		out = append(out, tokens[i])
		i++
	}
	return out
}

func isSingleLetter(t string) bool {
	r, size := utf8.DecodeRuneInString(t)
	return size == len(t) && unicode.IsLetter(r)
}

// securityStarts are the words that begin the security description of a listing ("Apple Inc. - Common
// Stock", "Fox Corporation Class A Common Stock"); the description and everything after it is cut.
var securityStarts = map[string]func(next string) bool{
	"common": func(next string) bool {
		return next == "stock" || strings.HasPrefix(next, "share") || strings.HasPrefix(next, "unit")
	},
	"ordinary":   func(next string) bool { return strings.HasPrefix(next, "share") },
	"class":      func(next string) bool { return len(next) == 1 },
	"series":     func(next string) bool { return len(next) == 1 },
	"american":   func(next string) bool { return strings.HasPrefix(next, "deposit") },
	"depositary": func(next string) bool { return strings.HasPrefix(next, "share") || strings.HasPrefix(next, "receipt") },
	"preferred":  func(next string) bool { return next == "stock" || strings.HasPrefix(next, "share") },
	"ads":        func(string) bool { return true },
	"adr":        func(string) bool { return true },
	"adrs":       func(string) bool { return true },
	"adss":       func(string) bool { return true },
	"warrant":    func(string) bool { return true },
	"warrants":   func(string) bool { return true },
	"unit":       func(string) bool { return true },
	"units":      func(string) bool { return true },
	"right":      func(string) bool { return true },
	"rights":     func(string) bool { return true },
	"subordinate": func(next string) bool {
		return next == "voting"
	},
	"shares": func(next string) bool { return next == "of" },
}

func cutSecurityDescription(tokens []string) []string {
	for i := 1; i < len(tokens); i++ {
		starts, ok := securityStarts[tokens[i]]
		if !ok {
			continue
		}
		next := ""
		if i+1 < len(tokens) {
			next = tokens[i+1]
		}
		if starts(next) {
			return tokens[:i]
		}
	}
	return tokens
}

func dropStopwords(tokens []string) []string {
	out := tokens[:0]
	for i, t := range tokens {
		if (t == "the" || t == "and") && !(len(out) == 0 && i == len(tokens)-1) {
			continue
		}
		out = append(out, t)
	}
	return out
}

// legalForms are stripped from the end of a name, repeatedly: "Acme Corporation, Inc." → "acme".
// "com" is here for registrants like "AMAZON COM INC"; "new" for "Berkshire Hathaway Inc. New".
var legalForms = map[string]bool{
	"inc": true, "incorporated": true, "corp": true, "corporation": true, "co": true, "cos": true,
	"company": true, "companies": true, "llc": true, "lc": true, "pllc": true, "ltd": true,
	"limited": true, "plc": true, "gmbh": true, "ag": true, "sa": true, "nv": true, "bv": true,
	"holdings": true, "holding": true, "group": true, "lp": true, "llp": true, "spa": true,
	"sarl": true, "srl": true, "kgaa": true, "kg": true, "as": true, "asa": true, "ab": true,
	"oyj": true, "se": true, "tbk": true, "bhd": true, "berhad": true, "pty": true, "pte": true,
	"partnership": true, "ltda": true, "sab": true, "cv": true, "de": true, "com": true, "new": true, "the": true,
}

func stripLegalForms(tokens []string) ([]string, uint64) {
	var forms uint64
	for len(tokens) > 1 && legalForms[tokens[len(tokens)-1]] {
		forms |= legalFormBit(tokens[len(tokens)-1])
		tokens = tokens[:len(tokens)-1]
	}
	return tokens, forms
}

// legalFormBits numbers the legal forms that tell companies apart; "new", "com" and "the" are not
// among them.
var legalFormBits = func() map[string]uint64 {
	forms := []string{"inc", "corp", "co", "cos", "llc", "lc", "pllc", "ltd", "plc", "gmbh", "ag", "sa",
		"nv", "bv", "holdings", "holding", "group", "lp", "llp", "spa", "sarl", "srl", "kgaa", "kg", "as",
		"asa", "ab", "oyj", "se", "tbk", "bhd", "berhad", "pty", "pte", "ltda", "sab", "cv", "partnership"}
	bits := make(map[string]uint64, len(forms))
	for i, f := range forms {
		bits[f] = 1 << i
	}
	bits["holding"] = bits["holdings"]
	return bits
}()

func legalFormBit(form string) uint64 { return legalFormBits[form] }
