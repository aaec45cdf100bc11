package db

import "github.com/pressly/goose/v3"

// countersClustered (migration 27) makes event_counters a WITHOUT ROWID
// table on SQLite, stored in the order of its key. Each report and action
// adds to some thirty counter rows; in a rowid table each of them was a
// search of the key's index and then of the table, and a new row one page
// in each, and a region's rows for a range of months lay scattered over
// the table. PostgreSQL has no such tables and keeps its own.
func countersClustered(e Engine) *goose.Migration {
	return sqliteOnly(e, 27, exec(rebuildCounters(" WITHOUT ROWID")...), exec(rebuildCounters("")...))
}

// rebuildCounters copies event_counters into a table of the same columns
// and key, created with options.
func rebuildCounters(options string) []string {
	return []string{
		`CREATE TABLE event_counters_new (
			region_code   TEXT NOT NULL,
			month         TEXT NOT NULL,
			category_code TEXT NOT NULL,
			measure       TEXT NOT NULL,
			n             BIGINT NOT NULL DEFAULT 0,
			PRIMARY KEY (region_code, month, category_code, measure)
		)` + options,
		`INSERT INTO event_counters_new (region_code, month, category_code, measure, n)
			SELECT region_code, month, category_code, measure, n FROM event_counters ORDER BY region_code, month, category_code, measure`,
		`DROP TABLE event_counters`,
		`ALTER TABLE event_counters_new RENAME TO event_counters`,
	}
}
