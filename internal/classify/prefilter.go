package classify

import (
	"regexp/syntax"
	"slices"
	"strings"
	"unicode/utf8"
)

// Running every rule's regexp over every reply costs hundreds of
// microseconds; most rules can be dismissed by a substring search instead.
// From the parsed regexp we work out a set of lower-case substrings at least
// one of which any match must contain, and Classify checks them against the
// lower-cased text before running the regexp. When the regexp is nothing but
// a finite set of literals (most rules: "a|b|doesn'?t"), the set is exact
// and the regexp never runs at all.
//
// The sets fold ASCII only, so a pattern letter that case-folds to a
// non-ASCII rune (k to the Kelvin sign, s to long s) no longer matches that
// rune; no real SMTP reply relies on that.

// maxLiterals bounds a literal set: past that, checking the set costs about
// as much as the regexp.
const maxLiterals = 128

// maxClass is the largest character class expanded into literals.
const maxClass = 10

// literalSet returns the substring set for pattern and whether it is exact
// (the regexp matches exactly when the text contains one of them), or nil
// when there is no useful set and the regexp must always run.
func literalSet(pattern string) (lits [][]byte, exact bool) {
	re, err := syntax.Parse(pattern, syntax.Perl|syntax.FoldCase)
	if err != nil {
		return nil, false
	}
	set := exactLiterals(re)
	exact = set != nil
	if !exact {
		set = requiredLiterals(re)
	}
	if len(set) == 0 || slices.Contains(set, "") {
		return nil, false
	}
	out := make([][]byte, len(set))
	for i, l := range set {
		out[i] = []byte(l)
	}
	return out, exact
}

// exactLiterals returns every string re can match, lower-cased, if that is
// a small finite set of ASCII strings, and nil otherwise.
func exactLiterals(re *syntax.Regexp) []string {
	switch re.Op {
	case syntax.OpEmptyMatch:
		return []string{""}
	case syntax.OpLiteral:
		s := string(re.Rune)
		if !isASCII(s) {
			return nil
		}
		return []string{strings.ToLower(s)}
	case syntax.OpCharClass:
		return classLiterals(re.Rune)
	case syntax.OpCapture:
		return exactLiterals(re.Sub[0])
	case syntax.OpQuest:
		sub := exactLiterals(re.Sub[0])
		if sub == nil {
			return nil
		}
		return dedup(append(sub, ""))
	case syntax.OpConcat:
		set := []string{""}
		for _, sub := range re.Sub {
			if set = product(set, exactLiterals(sub)); set == nil {
				return nil
			}
		}
		return set
	case syntax.OpRepeat:
		if re.Max < 0 || re.Max > 3 {
			return nil
		}
		part, set, all := exactLiterals(re.Sub[0]), []string{""}, []string(nil)
		for n := 0; n <= re.Max; n++ {
			if n >= re.Min {
				all = append(all, set...)
			}
			if set = product(set, part); set == nil {
				return nil
			}
		}
		return dedup(all)
	case syntax.OpAlternate:
		var all []string
		for _, sub := range re.Sub {
			lits := exactLiterals(sub)
			if lits == nil {
				return nil
			}
			all = append(all, lits...)
		}
		if len(all) > maxLiterals {
			return nil
		}
		return dedup(all)
	}
	return nil
}

// requiredLiterals returns substrings one of which every match of re
// contains, or nil if it cannot tell.
func requiredLiterals(re *syntax.Regexp) []string {
	if set := exactLiterals(re); set != nil {
		return set
	}
	switch re.Op {
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
		return dedup(all)
	}
	return nil
}

// bestOfConcat picks, among runs of consecutive literal parts of a
// concatenation and the other parts' own sets, the set whose shortest member
// is longest: every part occurs in every match, and longer needles reject
// more texts.
func bestOfConcat(subs []*syntax.Regexp) []string {
	var best []string
	consider := func(set []string) {
		if len(set) == 0 || slices.Contains(set, "") {
			return
		}
		if best == nil || minLen(set) > minLen(best) {
			best = set
		}
	}
	run := []string{""}
	for _, sub := range subs {
		if lits := exactLiterals(sub); lits != nil {
			if next := product(run, lits); next != nil {
				run = next
			} else {
				consider(run)
				run = lits
			}
			continue
		}
		consider(run)
		run = []string{""}
		consider(requiredLiterals(sub))
	}
	consider(run)
	return best
}

func product(a, b []string) []string {
	if b == nil || len(a)*len(b) > maxLiterals {
		return nil
	}
	out := make([]string, 0, len(a)*len(b))
	for _, x := range a {
		for _, y := range b {
			out = append(out, x+y)
		}
	}
	return dedup(out)
}

func classLiterals(ranges []rune) []string {
	var out []string
	for i := 0; i+1 < len(ranges); i += 2 {
		if ranges[i+1] >= utf8.RuneSelf || int(ranges[i+1]-ranges[i])+len(out) >= 2*maxClass {
			return nil
		}
		for r := ranges[i]; r <= ranges[i+1]; r++ {
			out = append(out, strings.ToLower(string(r)))
		}
	}
	out = dedup(out)
	if len(out) > maxClass {
		return nil
	}
	return out
}

func dedup(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

func minLen(set []string) int {
	n := len(set[0])
	for _, s := range set[1:] {
		n = min(n, len(s))
	}
	return n
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
