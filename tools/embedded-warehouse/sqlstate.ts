// DuckDB error messages ("Parser Error: ...") -> PostgreSQL SQLSTATE codes, so clients can branch on them.

const BY_KIND: Record<string, string> = {
  'Parser Error': '42601',
  'Syntax Error': '42601',
  'Catalog Error': '42P01',
  'Binder Error': '42703',
  'Conversion Error': '22P02',
  'Out of Range Error': '22003',
  'Invalid Input Error': '22023',
  'Invalid Error': '22023',
  'Permission Error': '42501',
  'IO Error': '58030',
  'Interrupt Error': '57014',
  'INTERRUPT Error': '57014',
  'Out of Memory Error': '53200',
  'Not implemented Error': '0A000',
  'Dependency Error': '2BP01',
  'Sequence Error': '2200H',
  'Serialization Error': '40001',
  'Invalid type Error': '42804',
  'Type Error': '42804',
  'Mismatch Type Error': '42804',
  'Division By Zero Error': '22012',
  'Fatal Error': 'XX000',
  'INTERNAL Error': 'XX000',
};

/** The SQLSTATE that best matches a DuckDB error message. */
export function sqlstateFor(message: string): string {
  const colon = message.indexOf(':');
  const kind = colon > 0 ? message.slice(0, colon) : '';
  if (kind === 'Constraint Error') return constraintState(message);
  if (kind === 'TransactionContext Error') {
    if (/aborted/i.test(message)) return '25P02';
    if (/conflict/i.test(message)) return '40001';
    // A constraint another transaction's commit broke is found at COMMIT ("Failed to commit: PRIMARY
    // KEY or UNIQUE constraint violation: duplicate key ..."): PostgreSQL reports a deferred one so too.
    if (/constraint/i.test(message)) return constraintState(message);
    return '25000';
  }
  if (kind === 'Catalog Error' && /function/i.test(message)) return '42883';
  if (kind === 'Binder Error' && /no function matches/i.test(message)) return '42883';
  return BY_KIND[kind] ?? 'XX000';
}

function constraintState(message: string): string {
  if (/duplicate key/i.test(message)) return '23505';
  if (/NOT NULL/i.test(message)) return '23502';
  if (/CHECK/i.test(message)) return '23514';
  if (/foreign key/i.test(message)) return '23503';
  return '23000';
}
