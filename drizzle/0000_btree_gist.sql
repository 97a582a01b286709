-- Exclusion constraints on (person, tstzrange) need GiST operator classes for
-- scalar types. btree_gist is a trusted extension on PostgreSQL >= 13; PGlite
-- ships it as a contrib extension loaded by createDb().
CREATE EXTENSION IF NOT EXISTS btree_gist;
