package zhreason

// API returns every refusal the API words in Chinese: the reasons an import
// gives a row, then the details and field messages of the API's problem
// documents, area by area. A format is given once in all of them; Compile
// refuses a repeat. TestEveryAPIRefusalIsWordedInChinese finds the
// refusals in the source that no entry words.
func API() []Entry {
	var es []Entry
	for _, area := range [][]Entry{Entries(), eventsAPI, adminAPI, workforceAPI, peopleAPI, namedAPI, boundaryAPI} {
		es = append(es, area...)
	}
	return es
}

// NewAPI returns the catalog of API.
func NewAPI() *Catalog {
	c, err := Compile(API())
	if err != nil {
		panic(err) // the catalog is fixed: its tests compile it
	}
	return c
}
