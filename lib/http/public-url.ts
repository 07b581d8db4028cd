// PUBLIC_URL, the base of every link the pipeline hands out (Slack buttons, the review page): locally a
// loopback address, in production one that reviewers can open.

/** Whether `url` names this machine (localhost, 127.0.0.0/8, ::1, 0.0.0.0), which nobody else can reach. */
export function isLoopbackUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const host = new URL(url).hostname.toLowerCase();
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(host) ||
    host === '[::1]' ||
    host === '0.0.0.0'
  );
}

/** Why links built on `url` would open for nobody but this machine (unset, not a URL, loopback), or null. */
export function linkBaseProblem(url: string | undefined): string | null {
  if (url === undefined || url.trim() === '') return 'PUBLIC_URL is not set';
  if (!URL.canParse(url)) return `PUBLIC_URL ${JSON.stringify(url)} is not a URL`;
  if (isLoopbackUrl(url)) return `PUBLIC_URL ${url} is a loopback address, which only this machine can open`;
  return null;
}

/** Why `url` cannot be production's PUBLIC_URL (as linkBaseProblem, or not https), or null. */
export function publicUrlProblem(url: string | undefined): string | null {
  const problem = linkBaseProblem(url);
  if (problem || url === undefined) return problem;
  return new URL(url).protocol === 'https:' ? null : `PUBLIC_URL ${url} is not an https:// URL`;
}
