package httpapi

import (
	"net/http"

	"golang.org/x/text/language"
)

// answerLanguages are the languages answers are worded in where the API
// words them (Open311 names, an import's rejected rows): Simplified Chinese
// first, the answer to a request that names neither or no language.
var answerLanguages = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// wantsEnglish reports whether r asks for English: by the query parameter
// param when given, else by Accept-Language, matched among zh-Hans and en.
// A language that is neither (fr) is no reason to leave Chinese, though the
// matcher offers English for it with low confidence.
func wantsEnglish(r *http.Request, param string) bool {
	prefs := r.URL.Query().Get(param)
	if prefs == "" {
		prefs = r.Header.Get("Accept-Language")
	}
	tags, _, err := language.ParseAcceptLanguage(prefs)
	if err != nil || len(tags) == 0 {
		return false
	}
	_, i, conf := answerLanguages.Match(tags...)
	return i == 1 && conf > language.Low
}

// wantsChinese reports whether r's Accept-Language asks for Chinese: its
// best match among zh-Hans and en is zh-Hans. Unlike wantsEnglish it holds
// to English when r names no language, or only others (fr): refusals were
// always worded in English, and scripts read them so.
func wantsChinese(r *http.Request) bool {
	tags, _, err := language.ParseAcceptLanguage(r.Header.Get("Accept-Language"))
	if err != nil || len(tags) == 0 {
		return false
	}
	_, i, conf := answerLanguages.Match(tags...)
	return i == 0 && conf > language.No
}
