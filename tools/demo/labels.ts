// The span labels subject-matter experts really produce for one entity: each team's dataset offers its own
// spellings (case, separators, typos, plurals, word order), and each annotator sticks to a habit.

/** What a span is about, before anyone names it. */
export type EntityKind =
  | 'vessel_name'
  | 'imo_number'
  | 'flag_state'
  | 'call_sign'
  | 'port'
  | 'owner'
  | 'crew_member'
  | 'cargo_type'
  | 'eta';

export type DatasetName = 'demo-registry-scans' | 'demo-crew-lists';

/** Each annotator's label per entity kind, in the dataset they work in; month 2 brings new kinds. */
export const ANNOTATOR_LABELS: Readonly<Record<string, Readonly<Partial<Record<EntityKind, string>>>>> = {
  // Registry team: upper snake case, the way the original label set was written.
  ines: {
    vessel_name: 'VESSEL_NAME',
    imo_number: 'IMO_NUMBER',
    flag_state: 'FLAG_STATE',
    call_sign: 'CALL_SIGN',
    port: 'PORT',
    owner: 'OWNER',
    cargo_type: 'CARGO_TYPE',
    eta: 'ETA',
  },
  // The same team, but a label someone typed with a space.
  tomas: {
    vessel_name: 'vessel name',
    imo_number: 'IMO_NUMBER',
    flag_state: 'FLAG_STATE',
    call_sign: 'CALL_SIGN',
    port: 'PORT',
    owner: 'OWNER',
    cargo_type: 'CARGO_TYPE',
    eta: 'ETA',
  },
  // Crew-list team: kebab case and plurals.
  priya: { vessel_name: 'vessel-name', imo_number: 'imo_number', crew_member: 'crew_members', port: 'port' },
  // A typo that stuck, and the singular.
  kofi: { vessel_name: 'vesel_name', imo_number: 'imo_number', crew_member: 'crew_member', port: 'port' },
  // Joins in month 2: the words the other way round.
  lena: { vessel_name: 'name_vessel', imo_number: 'imo_number', crew_member: 'crew_member', port: 'port' },
};

/** Who annotates which dataset in which month. */
export const ANNOTATORS: Readonly<Record<DatasetName, readonly (readonly string[])[]>> = {
  'demo-registry-scans': [
    ['ines', 'tomas'],
    ['ines', 'tomas'],
  ],
  'demo-crew-lists': [
    ['priya', 'kofi'],
    ['priya', 'kofi', 'lena'],
  ],
};

/** Entity types proposed in free text in month 2 (the "missing an entity type?" question). */
export const PROPOSALS: Readonly<Record<DatasetName, readonly string[]>> = {
  'demo-registry-scans': ['cargo_type', 'ETA'],
  'demo-crew-lists': ['Rank'],
};

/** The labels a dataset's span question offers in a month (1 or 2): every label its annotators use then. */
export function datasetLabels(dataset: DatasetName, month: number): string[] {
  const labels = new Set<string>();
  for (let m = 0; m < month; m++) {
    for (const who of ANNOTATORS[dataset][m] ?? []) {
      for (const [kind, label] of Object.entries(ANNOTATOR_LABELS[who] ?? {})) {
        // The month-2 kinds are offered only from month 2 on.
        if (month < 2 && (kind === 'cargo_type' || kind === 'eta')) continue;
        labels.add(label);
      }
    }
  }
  return [...labels].sort();
}
