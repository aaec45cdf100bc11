package db

import "time"

// sqliteTime is how the SQLite driver writes a time (its _time_format
// "sqlite", set in openSQLite), and so how every stored time reads.
const sqliteTime = "2006-01-02 15:04:05.999999999-07:00"

// Stamp is t as a statement argument that stores exactly what t would:
// on SQLite the text the driver makes of it, so that a bulk write that
// gives one time to millions of rows formats it once instead of once per
// row and column; on PostgreSQL t itself.
func (d *DB) Stamp(t time.Time) any {
	if d.Engine != SQLite {
		return t
	}
	return t.Format(sqliteTime)
}
