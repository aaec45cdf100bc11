package zhreason

import "slices"

// namedAPI words, case by case, the refusals whose %s prints a word or a
// code of the source's own: a JSON type, an event's action or state, a
// role, where a report comes from. A general wording would leave that word
// in English; the entries are made from one table of its Chinese names.
var namedAPI = slices.Concat(jsonMismatches())

// jsonKinds are the JSON types as the readers of JSON name them, with
// their article, and their Chinese names.
var jsonKinds = []struct{ en, zh string }{
	{"a string", "字符串"}, {"a number", "数字"}, {"a boolean", "布尔值"}, {"an array", "数组"}, {"an object", "对象"},
}

// jsonMismatches words a value of one JSON type given where another is
// wanted (httpapi's typeMismatch).
func jsonMismatches() []Entry {
	var es []Entry
	for _, want := range jsonKinds {
		for _, got := range jsonKinds {
			if got != want {
				es = append(es, Entry{"must be " + want.en + ", not " + got.en, "须为" + want.zh + "，不能是" + got.zh})
			}
		}
	}
	return es
}
