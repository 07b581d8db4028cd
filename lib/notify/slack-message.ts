// A Slack message as Block Kit describes it, Slack's size limits, and the text helpers that keep a
// message inside them. Pure: builders of any area (discovery digests, saved reports) use it.

/** Slack's limits: 50 blocks per message, 3000 characters per text object, 150 per header, 75 per button. */
export const SLACK_LIMITS = { blocks: 50, text: 3000, header: 150, button: 75, url: 3000 } as const;

type Text = { type: 'mrkdwn' | 'plain_text'; text: string; emoji?: boolean };
export type Block =
  | { type: 'header'; text: Text }
  | { type: 'section'; text: Text; accessory?: Button }
  | { type: 'divider' }
  | { type: 'context'; elements: Text[] }
  | { type: 'actions'; elements: Button[] };
export type Button = { type: 'button'; text: Text; url: string; action_id: string };

export interface SlackMessage {
  readonly text: string;
  readonly blocks: readonly Block[];
}

/** Escapes the three characters Slack's mrkdwn treats as control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

/** `text` cut to `max` characters, ending in an ellipsis when cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
