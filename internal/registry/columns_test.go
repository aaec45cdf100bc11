package registry

import (
	"strings"
	"testing"
	"time"
)

// Every bulk INSERT names as many columns as it gives types for unnest and
// as the row builders fill.
func TestInsertColumnsAgree(t *testing.T) {
	now := time.Now()
	for name, c := range map[string]struct {
		cols insertColumns
		args int
	}{
		"persons": {personInsert, len(personArgs(validated{}, sealed{}, "", now))},
		"houses":  {houseInsert, len(houseArgs(House{}, now))},
		"links":   {linkInsert, 3},
		"tags":    {tagInsert, 4},
	} {
		names := len(strings.Split(c.cols.names, ","))
		if names != len(c.cols.types) || names != c.args {
			t.Errorf("%s: %d columns, %d types, %d values per row", name, names, len(c.cols.types), c.args)
		}
	}
}
