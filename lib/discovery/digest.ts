// The Slack digest of a discovery run: Block Kit, always inside Slack's limits.

import { plural } from '../core/words.ts';
import {
  type Block,
  type Button,
  clip,
  escapeMrkdwn,
  SLACK_LIMITS,
  type SlackMessage,
} from '../notify/slack-message.ts';
import { type ConflictReason, describeReason } from './conflicts.ts';

export interface DigestInput {
  readonly runId: string;
  readonly publicUrl: string;
  readonly loads: number;
  readonly snapshot: {
    readonly version: number;
    readonly semver: string;
    readonly bump: string;
    readonly changes: number;
  } | null;
  readonly newEntityTypes: readonly {
    readonly name: string;
    readonly status: string;
    readonly description: string | null;
  }[];
  readonly newFields: readonly { readonly source: string; readonly name: string; readonly type: string }[];
  /** The snapshot's changes other than additions (renames, removals, changed attributes), as reasons. */
  readonly otherChanges?: readonly string[];
  readonly conflicts: readonly {
    readonly id: string;
    readonly kind: 'entity_type' | 'field';
    readonly source: string;
    readonly newName: string;
    readonly existingName: string;
    readonly score: number;
    readonly reasons: readonly ConflictReason[];
  }[];
  /** Conflicts listed one by one; the rest are counted. */
  readonly maxConflicts: number;
}

const code = (s: string) => `\`${escapeMrkdwn(s.replaceAll('`', "'"))}\``;

/** Bullet lines under a title, as many as fit in one text object, then "…and N more". */
function listSection(title: string, lines: readonly string[]): Block | null {
  if (lines.length === 0) return null;
  let text = `*${title}*`;
  let shown = 0;
  for (const line of lines) {
    const more = lines.length - shown - 1;
    const reserve = more > 0 ? 40 : 0;
    const next = `${text}\n• ${line}`;
    if (next.length + reserve > SLACK_LIMITS.text) break;
    text = next;
    shown++;
  }
  if (shown < lines.length) text += `\n…and ${(lines.length - shown).toLocaleString('en-US')} more`;
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, SLACK_LIMITS.text) } };
}

const button = (label: string, url: string, actionId: string): Button => ({
  type: 'button',
  text: { type: 'plain_text', text: clip(label, SLACK_LIMITS.button) },
  url: clip(url, SLACK_LIMITS.url),
  action_id: actionId,
});

/** The digest of one run. Always inside Slack's limits, whatever the number of names and conflicts. */
export function buildDigest(d: DigestInput): SlackMessage {
  const base = d.publicUrl.replace(/\/+$/, '');
  const headline = d.snapshot
    ? `Schema v${d.snapshot.version} published (${d.snapshot.semver}, ${d.snapshot.bump})`
    : `${plural(d.conflicts.length, 'naming conflict')} to review`;
  const summary = [
    plural(d.loads, 'new load'),
    plural(d.newEntityTypes.length, 'new entity type'),
    plural(d.newFields.length, 'new field'),
    plural(d.conflicts.length, 'conflict'),
    ...(d.snapshot ? [plural(d.snapshot.changes, 'catalog change')] : []),
  ].join(' · ');
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline, SLACK_LIMITS.header), emoji: false } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Discovery run* ${code(d.runId)}\n${summary}`, SLACK_LIMITS.text) },
    },
  ];
  const types = listSection(
    'New entity types',
    d.newEntityTypes.map(
      (e) => `${code(e.name)} (${e.status})${e.description ? ` — ${escapeMrkdwn(clip(e.description, 200))}` : ''}`,
    ),
  );
  if (types) blocks.push(types);
  const fields = listSection(
    'New fields',
    d.newFields.map((f) => `${code(`${f.source}.${f.name}`)} ${escapeMrkdwn(f.type)}`),
  );
  if (fields) blocks.push(fields);
  // What made a major (or patch) version: merges, rejections, removals are not new names.
  const changed = listSection(
    'Other catalog changes',
    (d.otherChanges ?? []).map((r) => escapeMrkdwn(r)),
  );
  if (changed) blocks.push(changed);
  if (d.conflicts.length > 0) {
    blocks.push({ type: 'divider' });
    // Room for the blocks around them: header, summary, two lists, divider, overflow context, actions.
    const room = Math.max(0, Math.min(d.maxConflicts, SLACK_LIMITS.blocks - blocks.length - 2));
    for (const c of d.conflicts.slice(0, room)) {
      const what = c.kind === 'field' ? `field of ${escapeMrkdwn(c.source)}` : 'entity type';
      const reasons = c.reasons.map((r) => `_${escapeMrkdwn(describeReason(r))}_`).join('; ');
      blocks.push({
        type: 'section',
        text: {
          type: 'mrkdwn',
          text: clip(
            `${code(c.newName)} ↔ ${code(c.existingName)} (${what}) — score ${c.score.toFixed(2)}\n${reasons}`,
            SLACK_LIMITS.text,
          ),
        },
        accessory: button('Review', `${base}/conflicts/${encodeURIComponent(c.id)}`, `review-${c.id}`.slice(0, 255)),
      });
    }
    if (d.conflicts.length > room) {
      blocks.push({
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: `…and ${plural(d.conflicts.length - room, 'more conflict')}: see the review queue.` },
        ],
      });
    }
  }
  blocks.push({
    type: 'actions',
    elements: [
      button('Open review queue', `${base}/`, 'open-review'),
      button('Conflicts API', `${base}/api/conflicts?status=open`, 'open-conflicts-api'),
      button('Run report', `${base}/api/discovery/runs/${encodeURIComponent(d.runId)}`, 'open-run'),
    ],
  });
  return { text: clip(`${headline}: ${summary}`, SLACK_LIMITS.text), blocks };
}
