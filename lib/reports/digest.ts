// The Slack digest of a daily report refresh: the reports whose result changed, each with what moved, and the
// reports that newly fail. Block Kit, always inside Slack's limits.

import { plural } from '../core/words.ts';
import { type Block, clip, escapeMrkdwn, SLACK_LIMITS, type SlackMessage } from '../notify/slack-message.ts';

export interface DigestReport {
  readonly id: string;
  readonly name: string;
  readonly run: number;
  /** The run it was compared with. */
  readonly previousRun: number;
  readonly summary: string;
}

export interface ReportsDigestInput {
  readonly refreshId: string;
  readonly publicUrl: string;
  readonly changed: readonly DigestReport[];
  readonly failed: readonly {
    readonly id: string;
    readonly name: string;
    readonly run: number;
    readonly error: string;
  }[];
  readonly unchanged: number;
}

/** Changed reports listed one section each; the rest are counted. */
export const MAX_LISTED_REPORTS = 40;

/** The digest; its blocks stay under 50 and each text under Slack's limits, whatever the input. */
export function buildReportsDigest(d: ReportsDigestInput): SlackMessage {
  const base = d.publicUrl.replace(/\/+$/, '');
  const headline =
    d.changed.length > 0
      ? `${plural(d.changed.length, 'saved report')} changed`
      : `${plural(d.failed.length, 'saved report')} could not be refreshed`;
  const counts = [
    `${d.changed.length.toLocaleString('en-US')} changed`,
    `${d.unchanged.toLocaleString('en-US')} unchanged`,
    `${d.failed.length.toLocaleString('en-US')} failed`,
  ].join(' · ');
  const blocks: Block[] = [
    { type: 'header', text: { type: 'plain_text', text: clip(headline, SLACK_LIMITS.header), emoji: false } },
    {
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`*Daily report refresh* \`${d.refreshId}\`\n${counts}`, SLACK_LIMITS.text) },
    },
  ];
  for (const r of d.changed.slice(0, MAX_LISTED_REPORTS)) {
    const title = `*${escapeMrkdwn(clip(r.name, 200))}* · run ${r.previousRun} → ${r.run}`;
    blocks.push({
      type: 'section',
      text: { type: 'mrkdwn', text: clip(`${title}\n${escapeMrkdwn(r.summary)}`, SLACK_LIMITS.text) },
      accessory: {
        type: 'button',
        text: { type: 'plain_text', text: 'Diff' },
        url: clip(
          `${base}/api/reports/${encodeURIComponent(r.id)}/diff?from=${r.previousRun}&to=${r.run}`,
          SLACK_LIMITS.url,
        ),
        action_id: `report-diff-${r.id}`.slice(0, 255),
      },
    });
  }
  const hidden = d.changed.length - MAX_LISTED_REPORTS;
  if (hidden > 0) {
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `…and ${plural(hidden, 'more changed report')} (GET /api/reports)` }],
    });
  }
  if (d.failed.length > 0) {
    let text = '*Could not be refreshed*';
    let shown = 0;
    for (const f of d.failed) {
      const line = `\n• *${escapeMrkdwn(clip(f.name, 200))}* run ${f.run}: ${escapeMrkdwn(clip(f.error, 300))}`;
      if (text.length + line.length + 40 > SLACK_LIMITS.text) break;
      text += line;
      shown++;
    }
    if (shown < d.failed.length) text += `\n…and ${(d.failed.length - shown).toLocaleString('en-US')} more`;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text } });
  }
  const names = d.changed.map((r) => r.name).join(', ');
  return { text: clip(`${headline}${names ? `: ${names}` : ''}`, SLACK_LIMITS.text), blocks };
}
