-- Embeddings of catalog names (lib/discovery/embeddings.ts), for conflicts by meaning: one vector per name
-- and model, of the text embeddingText() makes (name, description, examples). A vector whose text_hash is
-- not the current text's is embedded again. Only the discovery Worker writes it, under its lock.
CREATE TABLE name_embeddings (
    -- entity_type or field, as entity_conflicts.kind.
    kind         VARCHAR NOT NULL CHECK (kind IN ('entity_type', 'field')),
    -- The field's source; '' for entity types.
    source       VARCHAR NOT NULL,
    name         VARCHAR NOT NULL,
    -- The Workers AI model, e.g. @cf/baai/bge-base-en-v1.5.
    model        VARCHAR NOT NULL,
    -- SHA-256 (hex) of the embedded text.
    text_hash    VARCHAR NOT NULL,
    dims         INTEGER NOT NULL CHECK (dims > 0),
    -- dims float32 values, little-endian, L2-normalised (3 KB at 768 dimensions).
    vector       BLOB NOT NULL,
    embedded_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (kind, source, name, model)
);

COMMENT ON TABLE name_embeddings IS 'Embeddings of catalog names per model, cached so a name is embedded again only when its text changes.';
COMMENT ON COLUMN name_embeddings.kind IS 'entity_type or field.';
COMMENT ON COLUMN name_embeddings.source IS 'Field source for kind field; empty for entity types.';
COMMENT ON COLUMN name_embeddings.name IS 'The entity type or field name.';
COMMENT ON COLUMN name_embeddings.model IS 'The embedding model (Workers AI model id).';
COMMENT ON COLUMN name_embeddings.text_hash IS 'SHA-256 of the embedded text (name, description, examples).';
COMMENT ON COLUMN name_embeddings.dims IS 'Dimensions of the vector.';
COMMENT ON COLUMN name_embeddings.vector IS 'The vector: dims float32 values, little-endian, L2-normalised.';
COMMENT ON COLUMN name_embeddings.embedded_at IS 'When it was embedded.';
