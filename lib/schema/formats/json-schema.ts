// The schema as JSON Schema draft 2020-12: the entity type enum and one `$defs` entry per source for the
// `data` JSON (and per source of raw_documents.metadata). Names only ever appear as JSON strings.
import type { SchemaDocument } from '../document.ts';
import {
  activeEntityTypes,
  groupFields,
  isLive,
  type PathNode,
  pathTree,
  shapeOfNode,
  sortedChildren,
} from './shared.ts';

type Json = { [key: string]: unknown };

function nodeSchema(n: PathNode): Json {
  const shape = shapeOfNode(n);
  const described = (s: Json): Json => (n.field ? { ...s, description: `${n.field.type}, ${n.field.status}` } : s);
  switch (shape) {
    case 'object':
      return described(objectSchema(n, true));
    case 'array':
      return described({ type: ['array', 'null'], items: n.element ? nodeSchema(n.element) : {} });
    case 'integer':
      return described({ type: ['integer', 'null'] });
    case 'number':
      return described({ type: ['number', 'null'] });
    case 'double':
      return described({ anyOf: [{ type: ['number', 'null'] }, { enum: ['NaN', 'Infinity', '-Infinity'] }] });
    case 'string':
      return described({ type: ['string', 'null'] });
    case 'boolean':
      return described({ type: ['boolean', 'null'] });
    case 'unknown':
      return described({});
  }
}

// No `required` and no `additionalProperties: false`: a row may lack any field, and later versions add some.
function objectSchema(n: PathNode, nullable: boolean): Json {
  const properties: Json = {};
  for (const [key, child] of sortedChildren(n)) properties[key] = nodeSchema(child);
  return { type: nullable ? ['object', 'null'] : 'object', properties };
}

/** The document as a JSON Schema object (draft 2020-12). */
export function jsonSchemaOf(doc: SchemaDocument): Json {
  const $defs: Json = { EntityType: { enum: activeEntityTypes(doc) } };
  for (const g of groupFields(doc.fields.filter((f) => isLive(f.status)))) {
    $defs[`${g.kind === 'structured' ? 'source' : 'metadata'}:${g.source}`] = {
      title: g.source,
      ...objectSchema(pathTree(g.fields), false),
    };
  }
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: `urn:living-schema:schema:${doc.version}`,
    title: `living-schema ${doc.semver}`,
    description: `Schema version ${doc.version} (${doc.semver}), published ${doc.publishedAt}, content hash ${doc.contentHash}. $defs "source:<name>" describes structured_data.data of that source, "metadata:<name>" raw_documents.metadata.`,
    $defs,
  };
}

export function renderJsonSchema(doc: SchemaDocument): string {
  return `${JSON.stringify(jsonSchemaOf(doc), null, 2)}\n`;
}
