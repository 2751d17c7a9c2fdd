package classify

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Running every rule's regexp over every reply costs hundreds of
// microseconds; most rules can be dismissed by a substring search instead.
// requiredLiterals works out, from the parsed regexp, a set of lower-case
// substrings at least one of which any match must contain. Classify checks
// them against the lower-cased text before running the regexp, which then
// runs only on the few replies that could match.
//
// The prefilter folds ASCII only, so a pattern letter that case-folds to a
// non-ASCII rune (k to the Kelvin sign, s to long s) no longer matches that
// rune; no real SMTP reply relies on that.

// maxLiterals bounds a prefilter set: past that, checking the set costs
// about as much as the regexp.
const maxLiterals = 48

// prefilter returns the literal set for pattern, or nil when there is no
// useful one (the regexp must then always run).
func prefilter(pattern string) [][]byte {
	re, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil
	}
	lits := requiredLiterals(re)
	if len(lits) == 0 || len(lits) > maxLiterals {
		return nil
	}
	out := make([][]byte, len(lits))
	for i, l := range lits {
		out[i] = []byte(l)
	}
	return out
}

// requiredLiterals returns substrings one of which every match of re
// contains, or nil if it cannot tell.
func requiredLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpLiteral:
		s := string(re.Rune)
		for i := 0; i < len(s); i++ {
			if s[i] >= utf8.RuneSelf {
				return nil // non-ASCII: appendLower does not fold it
			}
		}
		if s == "" {
			return nil
		}
		return []string{strings.ToLower(s)}
	case syntax.OpCapture, syntax.OpPlus:
		return requiredLiterals(re.Sub[0])
	case syntax.OpRepeat:
		if re.Min >= 1 {
			return requiredLiterals(re.Sub[0])
		}
	case syntax.OpConcat:
		return bestOfConcat(re.Sub)
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := requiredLiterals(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		slices.Sort(all)
		return slices.Compact(all)
	}
	return nil
}

// bestOfConcat picks, among the parts of a concatenation, the literal set
// whose shortest member is longest: each part must occur in every match, and
// longer needles reject more texts.
func bestOfConcat(subs []*syntax.Regexp) []string {
	var best []string
	bestLen := 0
	for _, sub := range subs {
		lits := requiredLiterals(sub)
		if lits == nil {
			continue
		}
		shortest := len(lits[0])
		for _, l := range lits[1:] {
			shortest = min(shortest, len(l))
		}
		if shortest > bestLen {
			best, bestLen = lits, shortest
		}
	}
	return best
}
