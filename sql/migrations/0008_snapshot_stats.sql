-- What the catalog knew of each published name when a snapshot was published (counts, first/last seen,
-- examples, observed types), so any version reads as it was. Snapshots published before this column
-- have it NULL. Not part of the content hash: counts move every hour, the catalog does not.
ALTER TABLE schema_snapshots ADD COLUMN stats JSON;
