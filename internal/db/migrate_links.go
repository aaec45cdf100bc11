package db

import "github.com/pressly/goose/v3"

// personLinksClustered (migration 29) makes the tables linking persons to
// houses and tags WITHOUT ROWID on SQLite, stored in the order of their
// keys. Their rows are little but the key: a rowid table kept each one
// twice, in the table and in the index of its key, and a bulk load of
// millions of persons wrote both. PostgreSQL has no such tables and keeps
// its own.
func personLinksClustered(e Engine) *goose.Migration {
	return sqliteOnly(e, 29, exec(rebuildPersonLinks(" WITHOUT ROWID")...), exec(rebuildPersonLinks("")...))
}

// rebuildPersonLinks copies person_houses and person_tags into tables of the
// same columns, keys and indexes, created with options.
func rebuildPersonLinks(options string) []string {
	return []string{
		`CREATE TABLE person_houses_new (
			person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
			house_id  BIGINT NOT NULL REFERENCES houses (id) ON DELETE CASCADE,
			relation  TEXT NOT NULL,
			PRIMARY KEY (person_id, house_id, relation)
		)` + options,
		`INSERT INTO person_houses_new (person_id, house_id, relation)
			SELECT person_id, house_id, relation FROM person_houses ORDER BY person_id, house_id, relation`,
		`DROP TABLE person_houses`,
		`ALTER TABLE person_houses_new RENAME TO person_houses`,
		`CREATE INDEX person_houses_house ON person_houses (house_id)`,
		`CREATE TABLE person_tags_new (
			person_id BIGINT NOT NULL REFERENCES persons (id) ON DELETE CASCADE,
			tag       TEXT NOT NULL,
			since     TEXT NOT NULL DEFAULT '',
			until     TEXT NOT NULL DEFAULT '',
			PRIMARY KEY (person_id, tag)
		)` + options,
		`INSERT INTO person_tags_new (person_id, tag, since, until)
			SELECT person_id, tag, since, until FROM person_tags ORDER BY person_id, tag`,
		`DROP TABLE person_tags`,
		`ALTER TABLE person_tags_new RENAME TO person_tags`,
		`CREATE INDEX person_tags_tag ON person_tags (tag, person_id)`,
	}
}
